"""Optimisers by hand, initialiser statistics, penalty values and gradients."""
import numpy as np
import pytest

from nnlib import init
from nnlib.gradcheck import numerical_grad, rel_error
from nnlib.model import Parameter
from nnlib.optim import SGD, Adam
from nnlib.regularization import L1, L2


def one_param(value, grad):
    return [Parameter("p", np.array(value, dtype=float), np.array(grad, dtype=float))]


def test_sgd_step_by_hand():
    params = one_param([1.0, -2.0], [0.5, -1.0])
    SGD(lr=0.1).step(params)
    np.testing.assert_allclose(params[0].value, [0.95, -1.9])


def test_sgd_momentum_and_weight_decay_by_hand():
    params = one_param([1.0], [1.0])
    opt = SGD(lr=0.1, momentum=0.9, weight_decay=0.5)
    opt.step(params)  # g = 1 + 0.5*1 = 1.5; v = 1.5; p = 1 - 0.15 = 0.85
    np.testing.assert_allclose(params[0].value, [0.85])
    opt.step(params)  # g = 1 + 0.425 = 1.425; v = 0.9*1.5 + 1.425 = 2.775; p = 0.85 - 0.2775
    np.testing.assert_allclose(params[0].value, [0.5725])


def test_adam_first_step_is_lr_times_sign():
    params = one_param([1.0, 1.0], [3.0, -0.001])
    Adam(lr=0.01).step(params)
    np.testing.assert_allclose(params[0].value, [0.99, 1.01], rtol=1e-5)


def test_adam_validation():
    with pytest.raises(ValueError, match=r"beta1 must lie in \[0, 1\)"):
        Adam(beta1=1.0)
    with pytest.raises(ValueError, match="learning rate lr"):
        Adam(lr=0.0)


@pytest.mark.parametrize("name,expected_var", [
    ("xavier_uniform", 2 / (400 + 300)), ("xavier_normal", 2 / (400 + 300)),
    ("he_uniform", 2 / 400), ("he_normal", 2 / 400), ("normal", 1e-4),
])
def test_initialiser_variance(name, expected_var, rng):
    W = init.INITIALIZERS[name](400, 300, rng=rng)
    assert W.shape == (400, 300)
    assert W.var() == pytest.approx(expected_var, rel=0.03)
    assert abs(W.mean()) < 0.01


def test_zeros_constant_dtype_and_determinism():
    assert not init.zeros(3, 2).any()
    assert np.all(init.constant(3, 2, value=0.1) == 0.1)
    assert init.he_normal(3, 2, rng=0, dtype=np.float32).dtype == np.float32
    assert np.array_equal(init.he_normal(5, 4, rng=9), init.he_normal(5, 4, rng=9))
    with pytest.raises(ValueError, match="fan_in must be at least 1, got 0"):
        init.xavier_uniform(0, 3)


def test_uniform_limits(rng):
    W = init.he_uniform(6, 1000, rng=rng)
    assert np.abs(W).max() <= 1.0  # sqrt(6/6)


@pytest.mark.parametrize("penalty", [L1(0.3), L2(0.3)])
def test_penalty_gradients(penalty, rng):
    W = rng.uniform(0.1, 1.0, (4, 3)) * rng.choice([-1, 1], (4, 3))
    numeric = numerical_grad(lambda: penalty.penalty(W), W)
    assert rel_error(penalty.grad(W), numeric) < 1e-6


def test_penalty_values_by_hand():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert L1(0.5)(W) == pytest.approx(3.0)
    assert L2(0.5)(W) == pytest.approx(0.25 * 14)
    with pytest.raises(ValueError, match="strength must be a finite number >= 0, got -1"):
        L2(-1)


def test_penalties_cover_conv_kernels_but_no_biases(rng):
    from nnlib.conv import Conv2D, MaxPool2D, Reshape
    from nnlib.gradcheck import check_model
    from nnlib.layers import Activation, Dense, Flatten
    from nnlib.losses import SoftmaxCrossEntropy
    from nnlib.model import Sequential

    conv, dense = Conv2D(1, 2, 3, padding=1, rng=rng, bias=0.5), Dense(8, 3, rng=rng, bias=0.5)
    model = Sequential([Reshape((1, 4, 4)), conv, Activation("tanh"), MaxPool2D(2), Flatten(), dense])
    W_conv, W_dense = conv.params["W"], dense.params["W"]
    assert L2(0.3).total(model) == pytest.approx(0.15 * (np.sum(W_conv**2) + np.sum(W_dense**2)))
    assert L1(0.3).total(model) == pytest.approx(0.3 * (np.abs(W_conv).sum() + np.abs(W_dense).sum()))
    for layer in (conv, dense):
        layer.grads["W"][...] = 0.0
        layer.grads["b"][...] = 0.0
    L2(0.3).add_grads(model)
    np.testing.assert_allclose(conv.grads["W"], 0.3 * W_conv)
    assert not conv.grads["b"].any() and not dense.grads["b"].any()
    X, y = rng.standard_normal((3, 16)), rng.integers(0, 3, 3)
    for penalty in (L1(0.05), L2(0.3)):
        assert check_model(model, SoftmaxCrossEntropy(), X, y, penalty=penalty).passed


def test_rebinding_the_name_is_the_real_trap(rng):
    """p.value -= lr * p.grad updates the layer; value = value - lr * grad leaves it unchanged."""
    from nnlib.layers import Dense
    from nnlib.model import Sequential

    model = Sequential([Dense(2, 2, rng=rng)])
    before = model.layers[0].params["W"].copy()
    for name, value, grad in model.parameters():
        grad[...] = 1.0
        value = value - 0.5 * grad  # a new array: the layer keeps its own
    assert np.array_equal(model.layers[0].params["W"], before)
    for p in model.parameters():
        p.value -= 0.5 * p.grad  # in place: no AttributeError, the layer changes
    np.testing.assert_allclose(model.layers[0].params["W"], before - 0.5)
