"""nnlib.autograd on the networks of Part III: BatchNorm (both modes), LayerNorm and Dropout.

The engine derives nothing: its BatchNorm is a mean, a variance and a division, and the gradient
flows through the batch statistics because they are nodes of the graph. Agreement with the
hand-written backward passes to 1e-10 checks the derivation in BatchNorm's docstring from a
second, independent side.
"""
import numpy as np
import pytest

import nnlib
from nnlib import autograd as ag
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.dropout import Dropout
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import MSE, SoftmaxCrossEntropy
from nnlib.model import Sequential
from nnlib.normalization import BatchNorm, LayerNorm
from nnlib.optim import SGD

AGREEMENT = 1e-10  # engine vs hand-written backward, float64, relative to the gradient's size


def reseed_dropout(model, seed=5):
    """Give every Dropout layer a fresh generator with a fixed seed, so the next pass draws known masks."""
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dropout):
            layer.rng = np.random.default_rng(seed + i)


def assert_engine_matches_nnlib(model, X, y, loss):
    reseed_dropout(model)
    expected_loss = loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    expected = {p.name: p.grad.copy() for p in model.parameters()}
    reseed_dropout(model)  # the engine draws the same masks from the same generators
    engine_loss, engine = ag.sequential_gradients(model, X, y, loss)
    assert engine.keys() == expected.keys()
    assert abs(engine_loss - expected_loss) <= AGREEMENT * max(1.0, abs(expected_loss))
    for name in expected:
        scale = max(1.0, float(np.abs(expected[name]).max()))
        difference = float(np.abs(engine[name] - expected[name]).max())
        assert difference <= AGREEMENT * scale, f"{name}: engine and backward differ by {difference:.1e}"


def randomise_normalisation(model, rng):
    for layer in model.layers:
        if isinstance(layer, (BatchNorm, LayerNorm)):
            n = layer.num_features
            layer.params["gamma"][...] = rng.uniform(0.5, 2.0, n)
            layer.params["beta"][...] = rng.normal(size=n)
        if isinstance(layer, BatchNorm):
            layer.buffers["running_mean"][...] = rng.normal(size=layer.num_features)
            layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, layer.num_features)
    return model


def part3_dense(rng):
    """The chapters' digits network: Dense, BatchNorm, ReLU, Dropout, twice, with a LayerNorm variant."""
    return randomise_normalisation(Sequential([
        Dense(64, 32, init="he_normal", rng=rng), BatchNorm(32), Activation("relu"), Dropout(0.3),
        Dense(32, 16, init="he_normal", rng=rng), LayerNorm(16), Activation("tanh"), Dropout(0.5),
        Dense(16, 10, rng=rng)]), rng)


def part3_conv(rng):
    return randomise_normalisation(Sequential([
        Reshape((1, 8, 8)), Conv2D(1, 4, 3, padding=1, rng=rng), BatchNorm(4), Activation("relu"), MaxPool2D(2),
        Conv2D(4, 4, 3, padding=1, rng=rng), LayerNorm(4), Activation("relu"), Dropout(0.25), Flatten(),
        Dense(64, 10, rng=rng)]), rng)


def digits(n=24):
    X, y = nnlib.data.load_digits()
    return X[:n] / 16.0, y[:n]


@pytest.mark.parametrize("make", [part3_dense, part3_conv], ids=["dense", "conv"])
@pytest.mark.parametrize("training", [True, False], ids=["training mode", "evaluation mode"])
def test_engine_matches_the_hand_written_backward(make, training, rng):
    model = make(rng)
    model.train(training)
    X, y = digits()
    assert_engine_matches_nnlib(model, X, y, SoftmaxCrossEntropy())


def test_engine_batchnorm_alone_in_both_modes(rng):
    for shape in [(7, 3), (4, 3, 2, 5)]:
        layer = randomise_normalisation(Sequential([BatchNorm(3)]), rng).layers[0]
        x, dout = rng.normal(size=shape) * 3 + 1, rng.normal(size=shape)
        for training in (True, False):
            layer.training = training
            layer.forward(x)
            dx = layer.backward(dout)
            xt = ag.Tensor(x.copy(), requires_grad=True)
            gamma, beta = ag.Tensor(layer.params["gamma"], requires_grad=True), ag.Tensor(layer.params["beta"],
                                                                                          requires_grad=True)
            stats = () if training else (layer.running_mean, layer.running_var)
            ag.batch_norm(xt, gamma, beta, layer.eps, *stats).backward(dout)
            np.testing.assert_allclose(xt.grad, dx, rtol=0, atol=AGREEMENT * max(1.0, np.abs(dx).max()))
            np.testing.assert_allclose(gamma.grad, layer.grads["gamma"], rtol=AGREEMENT, atol=AGREEMENT)
            np.testing.assert_allclose(beta.grad, layer.grads["beta"], rtol=AGREEMENT, atol=AGREEMENT)


def test_engine_leaves_running_statistics_alone(rng):
    model = part3_dense(rng)
    X, y = digits()
    before = model.state_dict()
    ag.sequential_gradients(model, X, y, SoftmaxCrossEntropy())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_engine_trains_a_part3_network_as_fit_does(rng):
    """train_sgd and fit take the same batches and draw the same dropout masks from the layers' generators,
    so they reach the same weights (fit also moves the running statistics, which training mode never reads)."""
    X, y = digits(48)
    mine, theirs = part3_dense(np.random.default_rng(1)), part3_dense(np.random.default_rng(1))
    reseed_dropout(mine)
    reseed_dropout(theirs)
    history = mine.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(0.05), epochs=3, batch_size=16, rng=0,
                       progress=False)
    losses = ag.train_sgd(theirs, X, y, SoftmaxCrossEntropy(), lr=0.05, epochs=3, batch_size=16, rng=0)
    np.testing.assert_allclose(losses, history.step_loss, rtol=1e-10)
    for a, b in zip(mine.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=1e-12)


def test_engine_dropout_in_evaluation_mode_is_the_identity(rng):
    model = Sequential([Dense(3, 4, rng=rng), Dropout(0.5, rng=0), Dense(4, 1, rng=rng)])
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    model.eval()
    assert_engine_matches_nnlib(model, X, y, MSE())
    np.testing.assert_array_equal(ag.sequential_forward(model, X).data, model.forward(X))
