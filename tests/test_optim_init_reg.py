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
