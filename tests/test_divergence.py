"""fit stops a diverging run early, with an accurate message, and never stops a healthy one.

The rules (nnlib.model.DIVERGENCE) compare each step's loss with the starting loss L0, the
loss of the untrained network on 64 rows spread over X: a loss above 10^4 L0, or a loss that
rose at each of the last 10 steps to above 10 L0, ends the run, as does a NaN or inf. The
healthy runs below follow every pattern of fit call in the book's chapters (full batch,
mini-batches, one sample per step, momentum, Adam, penalties, validation data, a
convolutional network), each at the largest learning rate its chapter uses for a run that
is meant to train.
"""
import numpy as np
import pytest

from nnlib import data
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from nnlib.model import DIVERGENCE, Sequential, TrainingDivergedError
from nnlib.optim import SGD, Adam
from nnlib.regularization import L1, L2


def regression_problem(seed=1):
    """Chapter 6's set-up: a noisy curve, a small tanh network, MSE."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (160, 1))
    y = np.sin(1.5 * X) + 0.1 * rng.standard_normal((160, 1))
    return X, y


def tanh_net(inputs=1, hidden=16, outputs=1, seed=0):
    return Sequential([Dense(inputs, hidden, rng=seed), Activation("tanh"), Dense(hidden, outputs, rng=seed + 1)])


@pytest.mark.parametrize("lr", [0.8, 1.26, 3.16])
def test_a_diverging_run_stops_within_a_few_steps(lr):
    X, y = regression_problem()
    with pytest.raises(TrainingDivergedError) as info:
        tanh_net().fit(X, y, loss="mse", optimizer=SGD(lr=lr), epochs=40, batch_size=16, rng=1, progress=False)
    err = info.value
    history = err.history
    assert err.reason == "far above start" and err.epoch == 1 and err.step <= 10
    assert len(history.step_loss) == err.step  # every step so far, the one that stopped the run included
    assert np.all(np.isfinite(history.step_loss))
    assert history.step_loss[-1] > DIVERGENCE["far_above_start"] * history.start_loss
    message = str(err)
    assert f"epoch 1, step {err.step}" in message
    assert f"{history.start_loss:.4g}" in message and "more than 10000 times its starting value" in message
    assert f"ten times smaller than {lr:g}" in message and "good steps" not in message
    # The check runs before the update, so the last loss measured was never acted on.
    assert f"the {err.step} loss(es) measured; {err.step - 1} update(s) were made" in message


def test_the_stopped_model_keeps_the_weights_that_gave_the_last_loss():
    X, y = regression_problem()
    model = tanh_net()
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(X, y, loss="mse", optimizer=SGD(lr=3.16), epochs=5, batch_size=160, progress=False)
    # Full batch: the last recorded loss is the loss of the current weights on all of X.
    assert MSE()(model.predict(X), y) == pytest.approx(info.value.history.step_loss[-1], rel=1e-12)


def test_slow_divergence_is_caught_by_the_rising_rule():
    # One linear unit on a quadratic bowl whose curvature is 2 (MSE of y = x w with x ~ 1):
    # lr = 1.05 multiplies the error by |1 - 2.1| = 1.1 per step, so the loss grows 1.21-fold:
    # ten rises in a row pass 10 L0 after about a dozen steps, while 10^4 L0 would take 48.
    X = np.ones((8, 1))
    y = np.full((8, 1), 2.0)
    model = Sequential([Dense(1, 1, init="zeros")])
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.525), epochs=100, progress=False)
    err = info.value
    assert err.reason == "rising" and err.step == 1 and 10 <= err.epoch <= 20
    assert "rose at each of the last" in str(err) and "more than 10 times its starting value" in str(err)
    losses = np.array(err.history.step_loss)
    assert np.all(np.diff(losses) > 0) and losses[-1] > 10 * err.history.start_loss


def test_a_loss_that_overflows_at_once_is_reported_as_such():
    # The starting loss is measured on 64 rows spread over X; row 298 is not among them, but its
    # huge value overflows the loss of the very first full-batch step.
    X = np.ones((300, 1))
    X[298] = 1e200
    model = Sequential([Dense(1, 1, rng=0)])
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(X, np.zeros((300, 1)), loss=SSE(), optimizer=SGD(lr=0.1), epochs=3, progress=False)
    err = info.value
    assert err.reason == "non-finite"
    assert "non-finite" in str(err) and "first step, before any update" in str(err)
    assert err.history.step_loss == []
    assert "the 0 loss(es) measured; 0 update(s) were made" in str(err)


def test_divergence_in_validation_is_reported(rng):
    X = rng.standard_normal((16, 2))
    y = X @ np.array([[1.0], [1.0]])
    model = Sequential([Dense(2, 4, rng=0), Dense(4, 1, rng=1)])
    X_val = np.full((4, 2), 1e200)
    with pytest.raises(TrainingDivergedError, match=r"validation loss became non-finite .* after epoch 1"):
        model.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.01), epochs=3, validation_data=(X_val, np.zeros((4, 1))),
                  progress=False)


def chapter_5_moons():
    X, labels = data.moons(200, noise=0.15, rng=0)
    return data.standardize(X)[0], labels


def moons(n=200, seed=0):
    X, labels = data.moons(n, noise=0.1, rng=seed)
    return data.standardize(X)[0], labels


def relu_net(seed=0, bias=0.0, outputs=2):
    r = np.random.default_rng(seed)
    return Sequential([Dense(2, 16, init="he_normal", bias=bias, rng=r), Activation("relu"),
                       Dense(16, 16, init="he_normal", bias=bias, rng=r), Activation("relu"),
                       Dense(16, outputs, init="he_normal", rng=r)])


def conv_problem():
    images, labels = data.load_digits()
    X = (images[:300] / 16).astype(np.float32)
    model = Sequential([Reshape((1, 8, 8)), Conv2D(1, 8, 3, padding=1, rng=0, dtype=np.float32), Activation("relu"),
                        MaxPool2D(2), Flatten(), Dense(128, 10, rng=1, dtype=np.float32)])
    return model, X, labels[:300]


def chapter_5_net(bias, seed):
    """Chapter 5's three-layer ReLU network on its moons (noise 0.15)."""
    r = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for _ in range(3):
        layers += [Dense(fan_in, 32, init="he_normal", bias=bias, rng=r), Activation("relu")]
        fan_in = 32
    return Sequential(layers + [Dense(fan_in, 2, init="he_normal", rng=r)])


def healthy_runs():
    X_toy, y_toy = data.toy_dataset()
    X_reg, y_reg = regression_problem()
    X_moons, y_moons = moons()
    X_c, labels_c = data.circles(200, noise=0.08, rng=3)
    X_c = data.standardize(X_c)[0]
    y_c = labels_c.reshape(-1, 1).astype(float)
    toy = Sequential([Dense(3, 4, rng=1), Activation("sigmoid"), Dense(4, 1, rng=1), Activation("sigmoid")])
    digits_X, digits_y = data.load_digits()
    digits_X = (digits_X[:400] / 16).astype(np.float32)
    digits = Sequential([Dense(64, 64, init="he_normal", rng=0, dtype=np.float32), Activation("relu"),
                         Dense(64, 10, rng=1, dtype=np.float32)])
    conv, X_conv, y_conv = conv_problem()
    return {
        "chapter 4: toy data, SSE, full batch, lr 1": (toy, X_toy, y_toy, dict(loss=SSE(), optimizer=SGD(lr=1.0),
                                                                             epochs=1500)),
        "chapter 4: toy data, SSE, lr 10": (toy, X_toy, y_toy, dict(loss=SSE(), optimizer=SGD(lr=10.0), epochs=300)),
        "chapter 5: moons, SCE, batch 20, lr 1": (relu_net(), X_moons, y_moons, dict(
            loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=1.0), epochs=10, batch_size=20, rng=0)),
        "chapter 5: the spikiest run the book lets finish (lr 1, bias 0.5)": (
            chapter_5_net(0.5, 0), *chapter_5_moons(), dict(loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=1.0),
                                                          epochs=10, batch_size=20, rng=0)),
        "chapter 5: moons, L1 penalty, metric": (relu_net(), X_moons, y_moons, dict(
            loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=0.1), epochs=60, batch_size=20, rng=0, penalty=L1(0.003),
            metric="accuracy")),
        "chapter 6: mini-batches of 16, lr 0.32": (tanh_net(), X_reg, y_reg, dict(
            loss="mse", optimizer=SGD(lr=0.32), epochs=40, batch_size=16, rng=1)),
        "chapter 6: one sample per step": (tanh_net(), X_reg, y_reg, dict(
            optimizer=SGD(lr=0.1), epochs=10, batch_size=1, rng=1)),
        "chapter 6: momentum 0.9 and validation": (tanh_net(hidden=64), X_reg[:12], y_reg[:12], dict(
            loss="mse", optimizer=SGD(lr=0.03, momentum=0.9), epochs=1000, validation_data=(X_reg[12:], y_reg[12:]),
            metric=lambda y_hat, y: float(np.mean(np.abs(y_hat - y))))),
        "chapter 8: circles, BCE from logits, lr 1": (tanh_net(2, 8), X_c, y_c, dict(
            loss=BinaryCrossEntropy(from_logits=True), optimizer=SGD(lr=1.0), epochs=300)),
        "chapter 8: L2 penalty, momentum": (relu_net(outputs=1), X_c, y_c, dict(
            loss=BinaryCrossEntropy(from_logits=True), optimizer=SGD(lr=0.15, momentum=0.9), epochs=300,
            penalty=L2(0.01))),
        "chapter 9: Adam, batch 32, float32": (digits, digits_X, digits_y[:400], dict(
            loss=SoftmaxCrossEntropy(), optimizer=Adam(lr=1e-3), epochs=5, batch_size=32, rng=0,
            validation_data=(digits_X[:50], digits_y[:50]), metric="accuracy")),
        "chapter 9: SGD lr 1 (the dead-ReLU run)": (Sequential([
            Dense(64, 256, init="he_normal", rng=0, dtype=np.float32), Activation("relu"),
            Dense(256, 128, init="he_normal", rng=1, dtype=np.float32), Activation("relu"),
            Dense(128, 10, init="he_normal", rng=2, dtype=np.float32)]),
            digits_X, digits_y[:400], dict(loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=1.0), epochs=15,
                                           batch_size=32, rng=0)),
        "chapter 10: conv net, momentum": (conv, X_conv, y_conv, dict(
            loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=0.1, momentum=0.9), epochs=4, batch_size=64, rng=0,
            metric="accuracy")),
    }


HEALTHY = healthy_runs()


@pytest.mark.parametrize("name", list(HEALTHY))
def test_healthy_runs_are_never_stopped(name):
    model, X, y, options = HEALTHY[name]
    history = model.fit(X, y, progress=False, **options)
    worst = max(history.step_loss) / history.start_loss
    assert np.isfinite(worst) and worst < DIVERGENCE["far_above_start"] / 10, worst  # a margin of 10 at least


def test_the_starting_loss_is_the_untrained_networks_loss():
    X, y = regression_problem()
    model = tanh_net()
    rows = np.linspace(0, len(X) - 1, DIVERGENCE["start_samples"]).round().astype(int)  # 64 of the 160, spread
    expected = MSE()(model.predict(X[rows]), y[rows])
    history = model.fit(X, y, loss="mse", optimizer=SGD(lr=0.1), epochs=1, progress=False)
    assert history.start_loss == pytest.approx(expected, rel=1e-12)


def test_fit_results_do_not_depend_on_the_checks():
    """The checked forward pass before training changes nothing: fit equals a hand-written loop."""
    X, y = regression_problem()
    model, reference = tanh_net(), tanh_net()
    history = model.fit(X, y, loss="mse", optimizer=SGD(lr=0.1), epochs=3, batch_size=16, rng=3, progress=False)
    order_rng, losses, loss = np.random.default_rng(3), [], MSE()
    for _ in range(3):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), 16):
            idx = order[start:start + 16]
            losses.append(loss.forward(reference.forward(X[idx]), y[idx]))
            reference.backward(loss.backward())
            for _, value, grad in reference.parameters():
                value -= 0.1 * grad
    assert history.step_loss == losses
    assert all(np.array_equal(a.value, b.value) for a, b in zip(model.parameters(), reference.parameters()))
