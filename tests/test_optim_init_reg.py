"""Optimisers by hand, initialiser statistics, penalty values and gradients."""
import numpy as np
import pytest

from nnlib import init
from nnlib.gradcheck import numerical_grad, rel_error
from nnlib.model import Parameter
from nnlib.optim import SGD, Adam, AdamW, RMSProp, clip_grad_norm
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


# ---------------------------------------------------------------- optimisers over several steps
# Each optimiser runs on one parameter with a fixed sequence of gradients. The first steps are
# worked out by hand in the comments; the longer runs are compared with the update rule written
# out for plain Python floats, one number at a time (an implementation independent of nnlib's arrays).
GRADS = [1.0, 0.5, -1.0, 2.0, -0.25, 0.75]


def run_optimizer(optimizer, theta0=1.0, grads=GRADS):
    params = one_param([theta0], [0.0])
    values = []
    for g in grads:
        params[0].grad[...] = g
        optimizer.step(params)
        values.append(float(params[0].value[0]))
    return values


def test_sgd_and_momentum_several_steps_against_the_rule():
    theta, v, expected = 1.0, 0.0, []
    for g in GRADS:
        v = 0.9 * v + g
        theta -= 0.1 * v
        expected.append(theta)
    np.testing.assert_allclose(run_optimizer(SGD(lr=0.1, momentum=0.9)), expected, rtol=1e-13)
    np.testing.assert_allclose(run_optimizer(SGD(lr=0.1)), 1.0 - 0.1 * np.cumsum(GRADS), rtol=1e-13)


def test_nesterov_by_hand_and_over_several_steps():
    values = run_optimizer(SGD(lr=0.1, momentum=0.9, nesterov=True))
    # step 1: g = 1;    v = 1;                  d = g + 0.9 v = 1.9;    theta = 1 - 0.19 = 0.81
    # step 2: g = 0.5;  v = 0.9 + 0.5 = 1.4;    d = 0.5 + 1.26 = 1.76;  theta = 0.81 - 0.176 = 0.634
    # step 3: g = -1;   v = 1.26 - 1 = 0.26;    d = -1 + 0.234 = -0.766; theta = 0.634 + 0.0766 = 0.7106
    np.testing.assert_allclose(values[:3], [0.81, 0.634, 0.7106], rtol=1e-13)
    theta, v, expected = 1.0, 0.0, []
    for g in GRADS:
        v = 0.9 * v + g
        theta -= 0.1 * (g + 0.9 * v)
        expected.append(theta)
    np.testing.assert_allclose(values, expected, rtol=1e-13)
    assert not np.allclose(values, run_optimizer(SGD(lr=0.1, momentum=0.9)))


def test_nesterov_is_the_look_ahead_gradient_in_shifted_variables():
    """Sutskever's form u <- mu u - lr grad(theta + mu u), theta <- theta + u, on a bowl, is nnlib's
    Nesterov update seen in the variable p = theta + mu u: both give the same points."""
    A = np.array([[3.0, 0.5], [0.5, 1.0]])  # loss 0.5 p^T A p, gradient A p
    lr, mu = 0.1, 0.9
    theta, u = np.array([1.0, -2.0]), np.zeros(2)
    param = Parameter("p", theta.copy(), np.zeros(2))
    opt = SGD(lr=lr, momentum=mu, nesterov=True)
    for _ in range(20):
        param.grad[...] = A @ param.value
        opt.step([param])
        u = mu * u - lr * A @ (theta + mu * u)
        theta = theta + u
        np.testing.assert_allclose(param.value, theta + mu * u, rtol=1e-12, atol=1e-14)


def test_rmsprop_by_hand_and_over_several_steps():
    values = run_optimizer(RMSProp(lr=0.1, rho=0.9, eps=1e-8))
    # step 1: g = 1;   s = 0.1 * 1 = 0.1;            theta = 1 - 0.1 * 1 / sqrt(0.1)     = 0.683772...
    # step 2: g = 0.5; s = 0.09 + 0.1 * 0.25 = 0.115; theta = 0.683772 - 0.05 / sqrt(0.115) = 0.536330...
    np.testing.assert_allclose(values[:2], [1 - 0.1 / 0.1**0.5, 1 - 0.1 / 0.1**0.5 - 0.05 / 0.115**0.5], rtol=1e-7)
    theta, s, expected = 1.0, 0.0, []
    for g in GRADS:
        s = 0.9 * s + 0.1 * g * g
        theta -= 0.1 * g / (s**0.5 + 1e-8)
        expected.append(theta)
    np.testing.assert_allclose(values, expected, rtol=1e-13)


def adam_rule(lr, grads, decay=0.0, decoupled=False, theta=1.0, b1=0.9, b2=0.999, eps=1e-8):
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            theta *= 1 - lr * decay
        else:
            g = g + decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1**t)) / ((v / (1 - b2**t)) ** 0.5 + eps)
        out.append(theta)
    return out


def test_adam_and_adamw_over_several_steps():
    np.testing.assert_allclose(run_optimizer(Adam(lr=0.01)), adam_rule(0.01, GRADS), rtol=1e-13)
    np.testing.assert_allclose(run_optimizer(Adam(lr=0.01, weight_decay=0.1)), adam_rule(0.01, GRADS, 0.1),
                               rtol=1e-13)
    values = run_optimizer(AdamW(lr=0.01, weight_decay=0.1))
    # step 1: theta = (1 - 0.01 * 0.1) * 1 = 0.999, then Adam's first step is lr * sign(g): 0.999 - 0.01 = 0.989
    assert values[0] == pytest.approx(0.989, abs=1e-9)
    np.testing.assert_allclose(values, adam_rule(0.01, GRADS, 0.1, decoupled=True), rtol=1e-13)
    np.testing.assert_allclose(run_optimizer(AdamW(lr=0.01, weight_decay=0.0)), run_optimizer(Adam(lr=0.01)),
                               rtol=0)


def test_adamw_decay_is_decoupled_unlike_adam_with_an_l2_penalty():
    """With no gradient from the data, AdamW shrinks a weight by (1 - lr * lambda) per step whatever its
    size; Adam with an L2 penalty divides the penalty's gradient by its own running size, so it takes
    steps of about lr, and a weight with a large data gradient is barely decayed at all."""
    lr, lam, steps = 0.01, 0.1, 100
    zero = [0.0] * steps
    adamw = run_optimizer(AdamW(lr=lr, weight_decay=lam), grads=zero)
    adam_l2 = run_optimizer(Adam(lr=lr, weight_decay=lam), grads=zero)
    np.testing.assert_allclose(adamw, (1 - lr * lam) ** np.arange(1, steps + 1), rtol=1e-12)
    assert adam_l2[-1] < 0.5 < 0.9 < adamw[-1]  # L2 under Adam: steps of almost 0.01 from 1.0; AdamW: 0.999^100
    # Two weights of equal size: a noisy one (data gradients +1, -1, +1, ...) and a quiet one (none).
    # Decoupled decay takes the same amount off both; the L2 penalty under Adam is divided by each
    # weight's gradient size, so it takes far more off the quiet weight than off the noisy one.
    noise = np.array([1.0, 0.0])

    def decay_effect(make):
        with_decay, without = Parameter("w", np.ones(2), np.zeros(2)), Parameter("w", np.ones(2), np.zeros(2))
        a, b = make(lam), make(0.0)
        for t in range(steps):
            with_decay.grad[...] = without.grad[...] = noise * (-1) ** t
            a.step([with_decay])
            b.step([without])
        return without.value - with_decay.value  # how much the decay took off each weight

    decoupled = decay_effect(lambda wd: AdamW(lr=lr, weight_decay=wd))
    coupled = decay_effect(lambda wd: Adam(lr=lr, weight_decay=wd))
    assert decoupled[0] == pytest.approx(decoupled[1], rel=0.05)
    assert decoupled[1] == pytest.approx(1 - (1 - lr * lam) ** steps, rel=1e-9)
    assert coupled[1] > 5 * coupled[0] > 0


def test_clip_grad_norm_scales_to_the_threshold_and_keeps_the_direction(rng):
    params = [Parameter("a", np.zeros((3, 2)), rng.standard_normal((3, 2)) * 5),
              Parameter("b", np.zeros(4), rng.standard_normal(4) * 5)]
    before = np.concatenate([p.grad.ravel() for p in params])
    norm = clip_grad_norm(params, 1.5)
    after = np.concatenate([p.grad.ravel() for p in params])
    assert norm == pytest.approx(np.linalg.norm(before))
    assert norm > 1.5
    assert np.linalg.norm(after) == pytest.approx(1.5, rel=1e-12)
    np.testing.assert_allclose(after / np.linalg.norm(after), before / np.linalg.norm(before), rtol=1e-12)
    # below the threshold nothing changes
    assert clip_grad_norm(params, 10.0) == pytest.approx(1.5)
    np.testing.assert_array_equal(np.concatenate([p.grad.ravel() for p in params]), after)
