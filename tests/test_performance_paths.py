"""The fast paths compute what the plain formulas compute, and allocate what they promise.

Speed itself is measured in ``make bench`` (ratios, side by side), never asserted here; these
tests pin down the properties the speed-ups rely on: the optimisers' updates are the
textbook formulas bit for bit, and a step writes its intermediate results into arrays it
keeps instead of allocating new ones.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nnlib.model import Parameter
from nnlib.optim import SGD, Adam, AdamW, RMSProp


def textbook_updates(kind, lr, steps, value, grads, **options):
    """The optimisers' formulas written as expressions, each building new arrays."""
    value = value.copy()
    m = np.zeros_like(value)
    v = np.zeros_like(value)
    for t, grad in enumerate(grads, start=1):
        if kind == "sgd":
            value -= lr * grad
        elif kind == "momentum":
            m *= options["momentum"]
            m += grad
            value -= lr * m
        elif kind == "rmsprop":
            rho, eps = options["rho"], options["eps"]
            v *= rho
            v += (1 - rho) * grad * grad
            value -= lr * grad / (np.sqrt(v) + eps)
        else:  # adam, adamw
            b1, b2, eps = options["beta1"], options["beta2"], options["eps"]
            if kind == "adamw":
                value *= 1.0 - lr * options["weight_decay"]
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            value -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return value


CASES = {
    "sgd": (lambda: SGD(lr=0.05), {}),
    "momentum": (lambda: SGD(lr=0.05, momentum=0.9), {"momentum": 0.9}),
    "rmsprop": (lambda: RMSProp(lr=1e-3, rho=0.9, eps=1e-8), {"rho": 0.9, "eps": 1e-8}),
    "adam": (lambda: Adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8), {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adamw": (lambda: AdamW(lr=1e-3, weight_decay=1e-2),
              {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2}),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(CASES))
def test_optimiser_updates_are_the_textbook_formulas_bit_for_bit(kind, dtype):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((7, 5)).astype(dtype)
    grads = [rng.standard_normal((7, 5)).astype(dtype) for _ in range(4)]
    make, options = CASES[kind]
    optimizer = make()
    value, grad = start.copy(), np.zeros_like(start)
    params = [Parameter("0.W", value, grad)]
    for g in grads:
        grad[...] = g
        optimizer.step(params)
    expected = textbook_updates(kind, optimizer.lr, len(grads), start, grads, **options)
    assert value.dtype == dtype
    assert np.array_equal(value, expected), np.abs(value - expected).max()


@pytest.mark.parametrize("kind", ["rmsprop", "adam", "adamw"])
def test_an_adaptive_optimiser_step_allocates_no_array_the_size_of_a_parameter(kind):
    rng = np.random.default_rng(1)
    value = rng.standard_normal((256, 256))
    grad = rng.standard_normal((256, 256)) * 1e-3
    params = [Parameter("0.W", value, grad)]
    optimizer = CASES[kind][0]()
    optimizer._step(params)  # the first step creates the state and the kept buffers (plain SGD keeps none)
    tracemalloc.start()
    try:
        optimizer._step(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < value.nbytes / 4, f"{kind}: a step allocated {peak:,} bytes (a parameter holds {value.nbytes:,})"


# ---------------------------------------------------------------- fit's backward pass

from nnlib.conv import Conv2D, MaxPool2D, Reshape  # noqa: E402
from nnlib.layers import Activation, Dense, Flatten  # noqa: E402
from nnlib.losses import SoftmaxCrossEntropy  # noqa: E402
from nnlib.model import Sequential  # noqa: E402


class CountingReshape(Reshape):
    def __init__(self, shape):
        super().__init__(shape)
        self.backward_calls = 0

    def _backward(self, dout, input_grad=True):
        self.backward_calls += 1
        return super()._backward(dout, input_grad)


class RecordingConv2D(Conv2D):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_grads = []

    def _backward(self, dout, input_grad=True):
        self.input_grads.append(input_grad)
        return super()._backward(dout, input_grad)


def conv_net(first, conv):
    return Sequential([first, conv, Activation("relu"), MaxPool2D(2), Flatten(), Dense(3 * 4 * 4, 10, rng=1)])


def test_fit_backpropagates_only_down_to_the_first_layer_with_parameters():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((40, 64)), rng.integers(0, 10, 40)
    reshape, conv = CountingReshape((1, 8, 8)), RecordingConv2D(1, 3, 3, padding=1, rng=0)
    conv_net(reshape, conv).fit(X, y, loss=SoftmaxCrossEntropy(), epochs=2, batch_size=16, rng=0, progress=False)
    assert reshape.backward_calls == 0  # nothing before the convolution learns
    assert conv.input_grads and not any(conv.input_grads)  # so its input gradient is never computed


def test_fit_trains_as_the_public_calls_do_when_it_stops_early_in_the_backward_pass():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 64)), rng.integers(0, 10, 40)
    model = conv_net(Reshape((1, 8, 8)), Conv2D(1, 3, 3, padding=1, rng=0))
    reference = conv_net(Reshape((1, 8, 8)), Conv2D(1, 3, 3, padding=1, rng=0))
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), epochs=2, batch_size=16, rng=0, progress=False)
    loss, order_rng, losses = SoftmaxCrossEntropy(), np.random.default_rng(0), []
    for _ in range(2):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), 16):
            idx = order[start:start + 16]
            losses.append(loss.forward(reference.forward(X[idx]), y[idx]))
            reference.backward(loss.backward())  # all the way down, input gradient included
            for _, value, grad in reference.parameters():
                value -= 0.1 * grad  # fit's default optimiser, SGD(lr=0.1)
    assert history.step_loss == losses
    assert all(np.array_equal(a.value, b.value) for a, b in zip(model.parameters(), reference.parameters()))


# ---------------------------------------------------------------- the convolution layers' fast paths

def conv_reference(x, W, b, stride, padding):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k = W.shape[2]
    h_out, w_out = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    out = np.empty((x.shape[0], W.shape[0], h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            patch = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 1), (1, 0)])
def test_conv2d_is_right_when_its_kept_arrays_change_shape(stride, padding):
    """Conv2D keeps its padded input and cols between calls; a new batch size or image size makes new ones."""
    rng = np.random.default_rng(4)
    layer = Conv2D(2, 3, 3, stride=stride, padding=padding, rng=0, bias=0.3)
    for shape in [(5, 2, 7, 7), (3, 2, 7, 7), (5, 2, 9, 6), (5, 2, 7, 7)]:
        x = rng.standard_normal(shape)
        out = layer.forward(x)
        np.testing.assert_allclose(out, conv_reference(x, layer.params["W"], layer.params["b"], stride, padding),
                                   rtol=1e-12, atol=1e-12)
        assert out.flags.c_contiguous  # (batch, channels, height, width) in memory order
        dx = layer.backward(np.ones_like(out))  # backward belongs to the latest forward
        assert dx.shape == x.shape
        np.testing.assert_allclose(layer.grads["b"], np.full(3, out[0, 0].size * shape[0]))


def maxpool_reference(x, s):
    """Forward and backward by arg-max over each block's s*s numbers (first maximum in reading order)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // s, s, w // s, s).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // s, w // s, s * s)
    argmax = blocks.argmax(axis=-1)
    out = np.take_along_axis(blocks, argmax[..., None], axis=-1)[..., 0]

    def backward(dout):
        d = np.zeros(argmax.shape + (s * s,))
        np.put_along_axis(d, argmax[..., None], dout[..., None], axis=-1)
        return d.reshape(n, c, h // s, w // s, s, s).transpose(0, 1, 2, 4, 3, 5).reshape(x.shape)

    return out, backward


@pytest.mark.parametrize("size", [2, 3])
def test_maxpool_sends_the_gradient_to_the_first_maximum_of_each_block(size):
    rng = np.random.default_rng(5)
    x = np.maximum(rng.integers(-3, 3, (4, 3, 6 * size // 2 * 2, 4 * size)), 0).astype(float)  # many ties
    pool = MaxPool2D(size)
    out = pool.forward(x)
    expected, backward = maxpool_reference(x, size)
    np.testing.assert_array_equal(out, expected)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(pool.backward(dout), backward(dout))
