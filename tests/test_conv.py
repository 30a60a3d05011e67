"""Conv2D, MaxPool2D and Reshape: gradient checks, a loop reference, shapes and errors."""
import numpy as np
import pytest

from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.gradcheck import check_layer, check_model
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.model import Sequential


def conv_by_loops(x, W, b, stride, padding):
    """The definition, written as plainly as possible."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, w = x.shape
    o, _, k, _ = W.shape
    h_out, w_out = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, o, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            patch = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (2, 0)])
def test_conv_matches_the_definition(stride, padding, rng):
    layer = Conv2D(2, 3, 3, stride=stride, padding=padding, rng=rng, bias=0.2)
    x = rng.standard_normal((2, 2, 7, 6))
    expected = conv_by_loops(x, layer.params["W"], layer.params["b"], stride, padding)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1)])
def test_conv_gradients(stride, padding, rng):
    layer = Conv2D(2, 3, 3, stride=stride, padding=padding, rng=rng)
    result = check_layer(layer, rng.standard_normal((2, 2, 6, 5)), rng=rng)
    assert result.passed, result


def test_maxpool_and_reshape_gradients(rng):
    assert check_layer(MaxPool2D(2), rng.standard_normal((2, 3, 4, 6)), rng=rng).passed
    assert check_layer(Reshape((1, 4, 4)), rng.standard_normal((3, 16)), rng=rng).passed


def test_maxpool_by_hand():
    x = np.arange(16, dtype=float).reshape(1, 1, 4, 4)
    pool = MaxPool2D(2)
    assert pool.forward(x)[0, 0].tolist() == [[5, 7], [13, 15]]
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0].tolist() == [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]


def test_small_conv_net_gradient(rng):
    model = Sequential([
        Reshape((1, 6, 6)), Conv2D(1, 2, 3, padding=1, rng=rng), Activation("tanh"), MaxPool2D(2),
        Flatten(), Dense(18, 3, rng=rng),
    ])
    X, y = rng.standard_normal((4, 36)), rng.integers(0, 3, 4)
    result = check_model(model, SoftmaxCrossEntropy(), X, y)
    assert result.passed, result


def test_conv_errors(rng):
    layer = Conv2D(1, 2, 3, rng=rng)
    with pytest.raises(ValueError, match=r"must be 4-D .* got shape \(5, 64\).*reshape\(-1, 1, 8, 8\)"):
        layer.forward(np.zeros((5, 64)))
    with pytest.raises(ValueError, match=r"expected 1 channel\(s\) in axis 1, got shape \(5, 3, 8, 8\)"):
        layer.forward(np.zeros((5, 3, 8, 8)))
    with pytest.raises(ValueError, match="smaller than the 3x3 kernel"):
        layer.forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="divisible by 2, got 5x4"):
        MaxPool2D(2).forward(np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="each sample has 10 values"):
        Reshape((1, 3, 3)).forward(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="padding must be a whole number >= 0"):
        Conv2D(1, 1, 3, padding=-1)


def test_conv_float32(rng):
    layer = Conv2D(1, 2, 3, rng=rng, dtype=np.float32)
    out = layer.forward(rng.standard_normal((2, 1, 5, 5)))
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32


def test_conv_model_dtype_follows_astype(rng):
    model = Sequential([Reshape((1, 4, 4)), Conv2D(1, 2, 3, rng=rng, dtype=np.float32), Flatten(), Dense(8, 2, rng=rng, dtype=np.float32)])
    assert model.dtype == np.float32
    model.astype(np.float64)
    assert model.dtype == np.float64
    assert model.forward(rng.standard_normal((2, 16))).dtype == np.float64
    assert check_model(model, SoftmaxCrossEntropy(), rng.standard_normal((3, 16)), np.array([0, 1, 1])).passed
