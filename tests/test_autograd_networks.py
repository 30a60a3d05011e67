"""nnlib.autograd on the book's networks: the engine's gradients against nnlib's hand-written backward
passes (chapters 2-10), training runs reproduced, and the scalar and array engines in agreement."""
import copy

import numpy as np
import pytest

import nnlib
from nnlib import autograd as ag
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.layers import Activation, Dense, Flatten, Layer
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import SGD
from nnlib.regularization import L1, L2

AGREEMENT = 1e-10  # engine vs hand-written backward, float64, relative to the gradient's size


def nnlib_gradients(model, X, y, loss, penalty=None):
    """Loss and gradients from nnlib's hand-written backward pass (as Sequential.fit computes them)."""
    value = loss.forward(model.forward(X), y)
    if penalty is not None:
        value += penalty.total(model)
    model.backward(loss.backward())
    if penalty is not None:
        penalty.add_grads(model)
    return value, {p.name: p.grad.copy() for p in model.parameters()}


def assert_engine_matches_nnlib(model, X, y, loss, penalty=None):
    expected_loss, expected = nnlib_gradients(model, X, y, loss, penalty)
    engine_loss, engine = ag.sequential_gradients(model, X, y, loss, penalty)
    assert engine.keys() == expected.keys()
    assert abs(engine_loss - expected_loss) <= AGREEMENT * max(1.0, abs(expected_loss))
    for name in expected:
        assert engine[name].shape == expected[name].shape, name
        scale = max(1.0, float(np.abs(expected[name]).max()))
        difference = float(np.abs(engine[name] - expected[name]).max())
        assert difference <= AGREEMENT * scale, f"{name}: engine and backward differ by {difference:.1e}"


def dense_stack(sizes, act, seed=0, init="xavier_uniform", bias=0.0, out_act=None, dtype=np.float64):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(Dense(n_in, n_out, init=init if not last else "xavier_normal", bias=bias, rng=rng, dtype=dtype))
        if not last or out_act:
            layers.append(Activation(out_act if last else act))
    return Sequential(layers)


def digits(n=60):
    X, y = nnlib.data.load_digits()
    return X[:n] / 16.0, y[:n]


def moons(n=40):
    X, labels = nnlib.data.moons(n, noise=0.2, rng=0)
    X, _, _ = nnlib.data.standardize(X)
    return X, labels


# --------------------------------------------------------------------------- the book's networks
def test_chapters_1_to_4_source_article_network():
    X, y = nnlib.data.toy_dataset()
    model = dense_stack([3, 4, 1], "sigmoid", seed=1, init="xavier_uniform", out_act="sigmoid")
    assert_engine_matches_nnlib(model, X, y, SSE())


def test_chapter_2_xor_network_and_chapter_3_neuron(rng):
    X, y = nnlib.data.xor()
    assert_engine_matches_nnlib(dense_stack([2, 2, 1], "sigmoid", seed=3, out_act="sigmoid"), X, y, SSE())
    X_cloud = rng.normal(size=(24, 2))
    y_cloud = np.repeat([0.0, 1.0], 12).reshape(-1, 1)
    neuron = Sequential([Dense(2, 1, rng=rng), Activation("sigmoid")])
    for loss in (MSE(), BinaryCrossEntropy()):
        assert_engine_matches_nnlib(neuron, X_cloud, y_cloud, loss)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_chapter_5_deep_stacks(act, rng):
    # Ten layers of 32 units, He initialisation, one linear output, MSE (chapter 5's vanishing gradients).
    model = dense_stack([32] * 10 + [1], act, seed=0, init="he_normal")
    assert_engine_matches_nnlib(model, rng.standard_normal((64, 32)), rng.standard_normal((64, 1)), MSE())


@pytest.mark.parametrize("penalty", [None, L2(0.01), L1(0.003)], ids=["none", "L2", "L1"])
@pytest.mark.parametrize("act", ["sigmoid", "relu"])
def test_chapter_5_moons_classifier(act, penalty):
    X, labels = moons()
    model = dense_stack([2, 32, 32, 32, 2], act, seed=0, init="he_normal", bias=0.1)
    assert_engine_matches_nnlib(model, X, labels, SoftmaxCrossEntropy(), penalty)


def test_chapter_6_regression_network(rng):
    X = rng.uniform(-2, 2, (160, 1))
    y = np.sin(2 * X) + 0.5 * X
    model = Sequential([Dense(1, 16, rng=0), Activation("tanh"), Dense(16, 1, rng=1)])
    assert_engine_matches_nnlib(model, X, y, MSE())


@pytest.mark.parametrize("act", sorted(nnlib.ACTIVATIONS))
def test_chapter_7_activation_zoo(act, rng):
    # Every activation of the book, inside a network, with a regression and a classification loss.
    model = dense_stack([3, 5, 4, 2], act, seed=2, bias=0.1)
    X = rng.standard_normal((7, 3))
    assert_engine_matches_nnlib(model, X, rng.standard_normal((7, 2)), MSE())
    assert_engine_matches_nnlib(model, X, rng.integers(0, 2, 7), SoftmaxCrossEntropy())


def test_chapter_7_activation_parameters(rng):
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    for act in (nnlib.activations.LeakyReLU(0.2), nnlib.activations.ELU(0.5)):
        model = Sequential([Dense(3, 4, rng=0), Activation(act), Dense(4, 1, rng=1)])
        assert_engine_matches_nnlib(model, X, y, MSE())


@pytest.mark.parametrize("penalty", [None, L1(1e-3), L2(1e-2), L1(0.1), L2(0.1)], ids=str)
def test_chapter_8_regularised_relu_network(penalty):
    X, labels = moons()
    y = labels.reshape(-1, 1).astype(float)
    model = Sequential([Dense(2, 32, init="he_normal", rng=0), Activation("relu"),
                        Dense(32, 32, init="he_normal", rng=1), Activation("relu"),
                        Dense(32, 1, init="xavier_normal", rng=2)])
    assert_engine_matches_nnlib(model, X, y, BinaryCrossEntropy(from_logits=True), penalty)


@pytest.mark.parametrize("init", ["zeros", "constant", "xavier_normal"])
def test_chapter_8_initialisation_networks(init):
    X, labels = nnlib.data.circles(50, noise=0.08, rng=3)
    y = labels.reshape(-1, 1).astype(float)
    r = np.random.default_rng(1)
    model = Sequential([Dense(2, 8, init=init, rng=r), Activation("tanh"), Dense(8, 1, init=init, rng=r)])
    assert_engine_matches_nnlib(model, X, y, BinaryCrossEntropy(from_logits=True))
    deep = dense_stack([2] + [32] * 6 + [1], "relu", seed=4, init="he_normal", bias=0.1)
    assert_engine_matches_nnlib(deep, X, y, BinaryCrossEntropy(from_logits=True))


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_chapter_9_digits_mlp(act):
    X, y = digits()
    model = dense_stack([64, 256, 128, 10], act, seed=0, init="he_normal")
    assert_engine_matches_nnlib(model, X, y, SoftmaxCrossEntropy())


def conv_net(seed=0, stride=1, padding=1, dtype=np.float64):
    """Chapter 10's network: 8 filters of 3x3, ReLU, 2x2 max pooling, one Dense layer to 10 scores."""
    conv = Conv2D(1, 8, 3, stride=stride, padding=padding, rng=seed, bias=0.1, dtype=dtype)
    side = conv.output_shape(8, 8)[0] // 2
    return Sequential([Reshape((1, 8, 8)), conv, Activation("relu"), MaxPool2D(2), Flatten(),
                       Dense(8 * side * side, 10, rng=seed + 1, dtype=dtype)])


@pytest.mark.parametrize("stride, padding", [(1, 1), (1, 0), (2, 1)])
def test_chapter_10_conv_net(stride, padding):
    X, y = digits(20)
    assert_engine_matches_nnlib(conv_net(stride=stride, padding=padding), X, y, SoftmaxCrossEntropy())


def test_chapter_10_conv_net_with_penalty_and_mlp():
    X, y = digits(20)
    assert_engine_matches_nnlib(conv_net(), X, y, SoftmaxCrossEntropy(), L2(0.05))  # the weights nnlib penalises
    mlp = Sequential([Dense(64, 64, init="he_normal", rng=0), Activation("relu"), Dense(64, 10, rng=1)])
    assert_engine_matches_nnlib(mlp, X, y, SoftmaxCrossEntropy())


def test_engine_gradients_also_pass_the_finite_difference_check(rng):
    # The agreement above is not two copies of one mistake: the engine is independently checked here.
    model = conv_net(stride=2, padding=1)
    X, y = digits(4)
    _, engine = ag.sequential_gradients(model, X, y, SoftmaxCrossEntropy(), L1(0.01))

    def total():
        return ag.sequential_loss(model, X, y, SoftmaxCrossEntropy(), penalty=L1(0.01)).item()

    for p in model.parameters():
        numeric = nnlib.gradcheck.numerical_grad(total, p.value)
        assert nnlib.gradcheck.rel_error(engine[p.name], numeric) < 1e-6, p.name


# --------------------------------------------------------------------------- training
def test_engine_reproduces_the_source_article_run_bit_for_bit():
    X, y = nnlib.data.toy_dataset()
    rng = np.random.default_rng(1)
    reference = Sequential([Dense(3, 4, rng=rng), Activation("sigmoid"), Dense(4, 1, rng=rng), Activation("sigmoid")])
    engine_model = copy.deepcopy(reference)
    history = reference.fit(X, y, loss=SSE(), optimizer=SGD(lr=1.0), epochs=1500, progress=False)
    engine_losses = ag.train_sgd(engine_model, X, y, SSE(), lr=1.0, epochs=1500)
    assert len(engine_losses) == 1500
    np.testing.assert_allclose(engine_losses, history.step_loss, rtol=1e-12, atol=0)
    for ours, theirs in zip(engine_model.parameters(), reference.parameters()):
        np.testing.assert_allclose(ours.value, theirs.value, rtol=1e-12, atol=1e-14)
    # Stronger: the same floating-point operations in the same order give identical bits.
    assert engine_losses == history.step_loss
    assert all(np.array_equal(a.value, b.value) for a, b in zip(engine_model.parameters(), reference.parameters()))
    assert np.all(np.abs(engine_model.predict(X) - y) < 0.1)


@pytest.mark.parametrize("shuffle", [True, False])
def test_engine_reproduces_minibatch_training(shuffle, rng):
    # Chapter 6's network with mini-batches of 16: train_sgd visits the batches in fit's order.
    X = rng.uniform(-2, 2, (70, 1))
    y = np.sin(2 * X) + 0.5 * X
    reference = Sequential([Dense(1, 16, rng=0), Activation("tanh"), Dense(16, 1, rng=1)])
    engine_model = copy.deepcopy(reference)
    history = reference.fit(X, y, loss="mse", optimizer=SGD(lr=0.1), epochs=5, batch_size=16, rng=3,
                            shuffle=shuffle, progress=False)
    engine_losses = ag.train_sgd(engine_model, X, y, "mse", lr=0.1, epochs=5, batch_size=16, rng=3, shuffle=shuffle)
    assert len(engine_losses) == len(history.step_loss) == 25
    np.testing.assert_allclose(engine_losses, history.step_loss, rtol=1e-12)
    for ours, theirs in zip(engine_model.parameters(), reference.parameters()):
        np.testing.assert_allclose(ours.value, theirs.value, rtol=1e-10, atol=1e-12)


def test_float32_training_stays_float32_and_tracks_nnlib():
    X, y = digits(128)
    reference = dense_stack([64, 32, 10], "relu", seed=0, init="he_normal", dtype=np.float32)
    engine_model = copy.deepcopy(reference)
    history = reference.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=0.1), epochs=3, batch_size=32,
                            rng=0, progress=False)
    engine_losses = ag.train_sgd(engine_model, X, y, SoftmaxCrossEntropy(), lr=0.1, epochs=3, batch_size=32, rng=0)
    _, grads = ag.sequential_gradients(engine_model, X, y, SoftmaxCrossEntropy())
    assert all(p.value.dtype == np.float32 for p in engine_model.parameters())
    assert all(g.dtype == np.float32 for g in grads.values())
    assert ag.sequential_forward(engine_model, X).dtype == np.float32
    np.testing.assert_allclose(engine_losses, history.step_loss, rtol=1e-5)
    assert engine_losses[-1] < engine_losses[0]


def test_parameters_share_the_layers_arrays():
    model = dense_stack([3, 4, 1], "tanh")
    params = ag.sequential_parameters(model)
    assert list(params) == [p.name for p in model.parameters()]
    for p in model.parameters():
        assert params[p.name].data is p.value and params[p.name].requires_grad


# --------------------------------------------------------------------------- scalar engine vs array engine
def test_value_and_tensor_agree_on_the_source_article_network():
    X, y = nnlib.data.toy_dataset()
    model = dense_stack([3, 4, 1], "sigmoid", seed=1, out_act="sigmoid")
    _, tensor_grads = ag.sequential_gradients(model, X, y, SSE())

    W1, b1 = model.layers[0].params["W"], model.layers[0].params["b"]
    W2, b2 = model.layers[2].params["W"], model.layers[2].params["b"]
    vW1 = [[ag.Value(w) for w in row] for row in W1]
    vb1 = [ag.Value(b) for b in b1]
    vW2 = [[ag.Value(w) for w in row] for row in W2]
    vb2 = [ag.Value(b) for b in b2]
    loss = ag.Value(0.0)
    for x, target in zip(X, y[:, 0]):  # one sample at a time, one number at a time
        hidden = [sum((x[i] * vW1[i][j] for i in range(3)), vb1[j]).sigmoid() for j in range(4)]
        y_hat = sum((hidden[j] * vW2[j][0] for j in range(4)), vb2[0]).sigmoid()
        loss = loss + (y_hat - target) ** 2
    loss.backward()

    value_grads = {"0.W": np.array([[v.grad for v in row] for row in vW1]), "0.b": np.array([v.grad for v in vb1]),
                   "2.W": np.array([[v.grad for v in row] for row in vW2]), "2.b": np.array([v.grad for v in vb2])}
    assert abs(loss.data - SSE()(model.forward(X), y)) < 1e-14
    for name, grad in value_grads.items():
        np.testing.assert_allclose(grad, tensor_grads[name], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- what the engine cannot express
def test_unknown_layers_losses_and_penalties_are_named():
    class Dropout(Layer):
        def forward(self, x):
            return x

    model = Sequential([Dense(2, 2, rng=0), Dropout()])
    with pytest.raises(TypeError, match=r"cannot express the layer .*Dropout.*it knows Dense, Activation"):
        ag.sequential_forward(model, np.ones((1, 2)))

    class Huber(nnlib.losses.Loss):
        pass

    with pytest.raises(TypeError, match="cannot express the loss Huber"):
        ag.apply_loss(Huber(), ag.Tensor(np.ones((1, 1))), np.ones((1, 1)))
    with pytest.raises(TypeError, match="cannot express the penalty"):
        ag.apply_penalty(object(), ag.Tensor(np.ones(2)))
    with pytest.raises(ValueError, match="learning rate lr must be a finite number greater than 0"):
        ag.train_sgd(Sequential([Dense(2, 1, rng=0)]), np.ones((3, 2)), np.ones((3, 1)), "mse", lr=0.0, epochs=1)


def test_a_penalty_on_a_conv_net_covers_its_kernels_as_nnlib_does():
    import nnlib
    from nnlib import regularization
    from nnlib.autograd import sequential_gradients

    rng = np.random.default_rng(3)
    model = nnlib.Sequential([nnlib.Conv2D(1, 2, 3, rng=rng), nnlib.Activation("relu"), nnlib.Flatten(),
                              nnlib.Dense(2 * 6 * 6, 3, rng=rng)])
    X, y = rng.normal(size=(4, 1, 8, 8)), np.array([0, 1, 2, 1])
    penalty = regularization.L2(0.1)
    loss, grads = sequential_gradients(model, X, y, loss="softmax_cross_entropy", penalty=penalty)
    plain, _ = sequential_gradients(model, X, y, loss="softmax_cross_entropy")
    kernel, dense = model.layers[0].params["W"], model.layers[-1].params["W"]
    assert loss - plain == pytest.approx(penalty.total(model), rel=1e-12)
    assert penalty.total(model) == pytest.approx(0.05 * (np.sum(kernel ** 2) + np.sum(dense ** 2)), rel=1e-12)
