"""Layers: gradients of every layer, shapes, dtypes, clear errors."""
import numpy as np
import pytest

from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import check_layer
from nnlib.layers import Activation, Dense, Flatten


def test_dense_gradients(rng):
    layer = Dense(5, 3, rng=rng, bias=0.1)
    result = check_layer(layer, rng.standard_normal((4, 5)), rng=rng)
    assert result.passed, result
    assert set(result.errors) == {"dx", "dW", "db"}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_layer_gradients(name, rng):
    x = rng.uniform(0.1, 2.0, (4, 3)) * rng.choice([-1, 1], (4, 3))  # away from ReLU's kink
    result = check_layer(Activation(name), x, rng=rng)
    assert result.passed, result


def test_flatten_round_trip(rng):
    x = rng.standard_normal((2, 3, 4))
    layer = Flatten()
    assert layer.forward(x).shape == (2, 12)
    assert np.array_equal(layer.backward(layer.forward(x)), x)
    assert check_layer(Flatten(), x, rng=rng).passed


def test_dense_by_hand():
    layer = Dense(2, 1)
    layer.params["W"][:] = [[2.0], [-1.0]]
    layer.params["b"][:] = [0.5]
    out = layer.forward(np.array([[1.0, 3.0]]))
    assert out.tolist() == [[2.0 - 3.0 + 0.5]]
    dx = layer.backward(np.array([[1.0]]))
    assert dx.tolist() == [[2.0, -1.0]]
    assert layer.grads["W"].tolist() == [[1.0], [3.0]]
    assert layer.grads["b"].tolist() == [1.0]


def test_params_and_grads_share_keys_and_shapes(rng):
    layer = Dense(4, 2, rng=rng)
    assert layer.params.keys() == layer.grads.keys() == {"W", "b"}
    assert layer.params["W"].shape == (4, 2) and layer.params["b"].shape == (2,)
    for key in layer.params:
        assert layer.grads[key].shape == layer.params[key].shape


def test_wrong_feature_count_message(rng):
    layer = Dense(3, 4, rng=rng)
    with pytest.raises(ValueError, match=r"Dense\(3 -> 4\) expected input of shape \(batch, 3\), got \(4, 5\)"):
        layer.forward(np.zeros((4, 5)))


def test_one_dimensional_input_message(rng):
    with pytest.raises(ValueError, match=r"got a 1-D array of shape \(3,\).*x.reshape\(1, -1\)"):
        Dense(3, 4, rng=rng).forward(np.zeros(3))


def test_backward_before_forward_and_wrong_dout(rng):
    layer = Dense(3, 2, rng=rng)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 2)))
    layer.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"expected dout of shape \(5, 2\), got \(5, 3\)"):
        layer.backward(np.zeros((5, 3)))
    act = Activation("relu")
    act.forward(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"expected dout of shape \(2, 2\), got \(2, 1\)"):
        act.backward(np.zeros((2, 1)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="in_features must be at least 1, got 0"):
        Dense(0, 3)
    with pytest.raises(TypeError, match="out_features must be a whole number, got float 2.5"):
        Dense(3, 2.5)
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        Dense(3, 2, dtype=np.int32)
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'"):
        Dense(3, 2, init="glorot")
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        Activation("sigmod")


def test_float32_stays_float32(rng):
    layer = Dense(3, 2, rng=rng, dtype=np.float32)
    out = layer.forward(rng.standard_normal((4, 3)))  # float64 input is cast once
    assert out.dtype == np.float32
    dx = layer.backward(np.ones((4, 2)))
    assert dx.dtype == np.float32 and layer.grads["W"].dtype == np.float32
    act = Activation("sigmoid")
    assert act.forward(out).dtype == np.float32
    assert act.backward(np.ones((4, 2), np.float32)).dtype == np.float32


def test_backward_does_not_modify_dout(rng):
    layer = Dense(3, 2, rng=rng)
    layer.forward(rng.standard_normal((4, 3)))
    dout = rng.standard_normal((4, 2))
    before = dout.copy()
    layer.backward(dout)
    assert np.array_equal(dout, before)
