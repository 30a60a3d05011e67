"""The explorers of chapters 2 and 4 show what nnlib computes: forward passes, gradients and runs."""
import numpy as np
import pytest

from nnlib.data import toy_dataset, xor
from nnlib.explorers import backward_graph, forward_sample, learning_rates, tiny_network, training_run
from nnlib.explorers.backprop import BACKWARD_ORDER, GRAPH_NODES, ONE_UNIT, one_unit_network, record_run
from nnlib.explorers.forward import B1, B2, TINY_B1, TINY_B2, TINY_W1, TINY_W2, W1, W2
from nnlib.layers import Activation, Dense
from nnlib.losses import SSE
from nnlib.model import Sequential
from nnlib.optim import SGD


def network(weights, biases, activations):
    """A Sequential with the given parameters copied in."""
    layers = []
    for W, b, act in zip(weights, biases, activations):
        dense = Dense(*W.shape, init="zeros")
        dense.params["W"][...] = W
        dense.params["b"][...] = b
        layers += [dense, Activation(act)]
    return Sequential(layers)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_one_sample_through_the_network_is_nnlibs_forward_pass(act):
    explorer = forward_sample()
    model = network([W1, W2], [B1, B2], [act, "sigmoid"])
    for x1, x2 in [(0.0, 0.0), (0.35, 1.0), (1.0, 0.6)]:
        frame = explorer.frame(x1=x1, x2=x2, act=act)
        x = np.array([[x1, x2, 1.0]])
        np.testing.assert_allclose(frame["z1"], model.layers[0].forward(x)[0])
        np.testing.assert_allclose(frame["y_hat"], model.forward(x)[0, 0])
        # The hidden activation changes a, never z of the same layer.
        other = explorer.frame(x1=x1, x2=x2, act="sigmoid" if act != "sigmoid" else "tanh")
        np.testing.assert_array_equal(frame["z1"], other["z1"])


def test_tiny_network_starts_at_xor_and_its_corners_match_nnlib():
    explorer = tiny_network()
    corners, targets = xor()
    frame = explorer.frame(w11=6.0, w21=6.0, bias1=-3.0, v2=-6.0)
    model = network([TINY_W1, TINY_W2], [TINY_B1, TINY_B2], ["sigmoid", "sigmoid"])
    np.testing.assert_allclose(frame["corners"], model.forward(corners)[:, 0])
    assert np.all((frame["corners"] > 0.5) == (targets[:, 0] == 1))
    # The picture's corner pixels are the same samples: grid[20] = 0 and grid[60] = 1.
    grid = explorer.data["grid"]
    i0, i1 = np.flatnonzero(np.isclose(grid, 0.0))[0], np.flatnonzero(np.isclose(grid, 1.0))[0]
    pixels = [frame["y_hat"][i, j] for j, i in [(i0, i0), (i0, i1), (i1, i0), (i1, i1)]]  # (x1, x2) -> [row x2, col x1]
    np.testing.assert_allclose(pixels, frame["corners"])


@pytest.mark.parametrize("x", [-2.0, 0.0, 2.0])
def test_backward_graph_gradients_match_finite_differences(x):
    values, grads, _ = one_unit_network(x, **ONE_UNIT)
    h = 1e-6
    for name in ("w1", "b1", "w2", "b2"):
        plus = one_unit_network(x, **{**ONE_UNIT, name: ONE_UNIT[name] + h})[0]["L"]
        minus = one_unit_network(x, **{**ONE_UNIT, name: ONE_UNIT[name] - h})[0]["L"]
        assert abs((plus - minus) / (2 * h) - grads[name]) < 1e-8, name


def test_backward_graph_reveals_one_node_per_step():
    explorer = backward_graph()
    for step in range(len(BACKWARD_ORDER)):
        frame = explorer.frame(step=step, x=2.0)
        shown = [name for name, grad in zip(GRAPH_NODES, frame["grads"]) if grad is not None]
        assert sorted(shown) == sorted(BACKWARD_ORDER[:step + 1])
        if step:  # each new gradient is the one it came from times the local derivative
            node = BACKWARD_ORDER[step]
            assert frame["grads"][GRAPH_NODES.index(node)] == pytest.approx(frame["incoming"] * frame["local"])


def fitted(seed, steps, lr=1.0):
    """Chapter 4's network from ``seed`` after ``steps`` steps of fit (none for steps = 0)."""
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(3, 4, rng=rng), Activation("sigmoid"), Dense(4, 1, rng=rng), Activation("sigmoid")])
    if steps:
        X, y = toy_dataset()
        model.fit(X, y, loss=SSE(), optimizer=SGD(lr=lr), epochs=steps, progress=False)
    return model


def test_recorded_run_holds_the_weights_of_fit_after_every_step():
    run = record_run(seed=3, steps=12, lr=0.8)
    assert run["weights"].shape == (13, 21)
    for t in (1, 5, 12):
        model = fitted(3, t, lr=0.8)
        flat = np.concatenate([model.layers[i].params[k].ravel() for i in (0, 2) for k in ("W", "b")])
        np.testing.assert_array_equal(run["weights"][t], flat)
        X, y = toy_dataset()
        loss = SSE()
        assert run["loss"][t] == loss.forward(model.forward(X), y)
        model.backward(loss.backward())
        np.testing.assert_allclose(run["grad_norms"][:, t], [np.linalg.norm(model.layers[i].grads["W"]) for i in (0, 2)])


def test_training_run_frame_is_the_network_at_that_step():
    explorer = training_run(seed=2, steps=30, lr=1.0, points=21)
    X, y = toy_dataset()
    for step in (0, 17, 30):
        frame = explorer.frame(step=step)
        model = fitted(2, step)
        np.testing.assert_allclose(frame["y_hat"], model.forward(X)[:, 0], rtol=1e-12)
        assert frame["loss"] == pytest.approx(explorer.data["loss"][step], rel=1e-12)
        assert frame["hidden"].shape == (4, 21, 21) and frame["output"].shape == (21, 21)
        # The map's pixel at (x1, x2) = (0, 1) is the sample (0, 1, 1).
        grid = explorer.data["grid"]
        i0, i1 = np.flatnonzero(np.isclose(grid, 0.0))[0], np.flatnonzero(np.isclose(grid, 1.0))[0]
        assert frame["output"][i1, i0] == pytest.approx(frame["y_hat"][1], rel=1e-12)


def test_learning_rate_one_is_the_training_run():
    rates = learning_rates(steps=40)
    run = training_run(steps=40, points=5)
    np.testing.assert_array_equal(rates.frame(lr=1.0)["loss"], run.data["loss"][:-1])
    assert rates.frame(lr=1.0)["final"] == pytest.approx(run.data["loss"][-1], rel=1e-12)
