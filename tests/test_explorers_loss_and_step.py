"""The maths of chapter 1's soft-step and chapter 3's loss explorers, against nnlib and finite differences.

Their browser twins are compared with these Python functions by the book's browser tests; here
the Python functions themselves are compared with nnlib's losses, a backward pass through
``nnlib.Sequential``, and central differences in float64.
"""
import numpy as np
import pytest

from nnlib.activations import sigmoid
from nnlib.explorers import loss_curves, loss_landscape, soft_step
from nnlib.explorers.loss import two_clouds
from nnlib.gradcheck import numerical_grad, rel_error
from nnlib.layers import Activation, Dense
from nnlib.losses import MSE, SSE, BinaryCrossEntropy
from nnlib.model import Sequential


@pytest.mark.parametrize("k", [0.5, 1.0, 7.5, 20.0])
def test_soft_step_slope_is_the_derivative_of_sigmoid_kz(k):
    explorer = soft_step()
    z = explorer.data["z"].copy()
    frame = explorer.frame(k=k, z0=1.0)
    assert np.allclose(frame["a"], sigmoid(k * z))
    numeric = np.array([(sigmoid(k * (v + 1e-6)) - sigmoid(k * (v - 1e-6))) / 2e-6 for v in z])
    assert np.allclose(frame["slope"], numeric, atol=1e-7)
    assert np.isclose(frame["peak"], frame["slope"].max(), rtol=1e-3)  # k/4, reached at z = 0 (on the grid)
    assert frame["step0"] == 1.0 and explorer.frame(k=k, z0=0.0)["step0"] == 0.0


@pytest.mark.parametrize("target", [0, 1])
@pytest.mark.parametrize("y_hat4", [0.01, 0.37, 0.99])
def test_loss_curves_equal_nnlib_on_the_batch_of_four(y_hat4, target):
    frame = loss_curves().frame(y_hat4=y_hat4, target=target)
    y = np.array([[0.0], [1.0], [1.0], [float(target)]])
    y_hat = np.array([[0.0], [1.0], [1.0], [y_hat4]])
    for k, loss in enumerate([SSE(), MSE(), BinaryCrossEntropy()]):
        assert np.isclose(loss.forward(y_hat, y), frame["value"][k])
        assert np.isclose(loss.backward()[3, 0], frame["slope"][k])
        up, down = y_hat.copy(), y_hat.copy()                            # nudge the fourth prediction only
        up[3, 0] += 1e-6
        down[3, 0] -= 1e-6
        numeric = (loss.forward(up, y) - loss.forward(down, y)) / 2e-6
        assert np.isclose(numeric, frame["slope"][k], rtol=1e-5)


def neuron_on(X):
    model = Sequential([Dense(2, 1, rng=0), Activation("sigmoid")])
    model.layers[0].params["b"][:] = 0.0
    return model


@pytest.mark.parametrize("name,loss", [("BCE", BinaryCrossEntropy()), ("MSE", MSE())])
@pytest.mark.parametrize("w", [(-3.0, 1.0), (0.0, 0.0), (1.7, -2.4), (3.0, 3.0)])
def test_landscape_loss_gradient_and_step_match_nnlib(name, loss, w):
    explorer = loss_landscape()
    X, y = two_clouds()
    frame = explorer.frame(w1=w[0], w2=w[1], loss=name)
    model = neuron_on(X)
    dense = model.layers[0]
    dense.params["W"][:] = np.array(w).reshape(2, 1)
    assert np.isclose(loss.forward(model.forward(X), y), frame["loss"])
    model.backward(loss.backward())
    assert np.allclose(dense.grads["W"].ravel(), frame["grad"])
    numeric = numerical_grad(lambda: loss.forward(model.forward(X), y), dense.params["W"])
    assert rel_error(frame["grad"], numeric.ravel()) < 1e-6
    path = np.asarray(frame["path"])
    assert path.shape == (26, 2) and np.allclose(path[0], w)
    assert np.allclose(path[1], np.array(w) - 2.0 * frame["grad"])       # the arrow is one step, lr = 2


@pytest.mark.parametrize("name,loss", [("BCE", BinaryCrossEntropy()), ("MSE", MSE())])
def test_landscape_surface_is_the_loss_on_its_grid_and_best_is_its_lowest_point(name, loss):
    explorer = loss_landscape()
    X, y = two_clouds()
    grid = explorer.data["grid"]
    frame = explorer.frame(w1=0.0, w2=0.0, loss=name)
    surface = frame["surface"]
    model = neuron_on(X)
    for i, j in [(0, 0), (60, 90), (120, 7), (33, 101)]:
        model.layers[0].params["W"][:] = [[grid[j]], [grid[i]]]          # row i is w2, column j is w1
        assert np.isclose(loss.forward(model.forward(X), y), surface[i, j])
    i, j = np.unravel_index(np.argmin(surface), surface.shape)
    assert np.allclose(frame["best"], [grid[j], grid[i]])
    path_loss = np.asarray(explorer.frame(w1=-3.0, w2=1.0, loss=name)["path_loss"])
    assert path_loss[-1] < path_loss[0]                                   # gradient descent goes downhill
