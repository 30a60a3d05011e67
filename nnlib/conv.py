r"""Convolution and pooling layers for images, batch-first ``(batch, channels, height, width)``.

A 2-D convolution slides a small filter over the image and, at each position,
takes the weighted sum of the pixels under it:

$$z_{n,o,i,j} = b_o + \sum_{c}\sum_{p=0}^{k_h-1}\sum_{q=0}^{k_w-1}
  W_{o,c,p,q}\; x_{n,c,\,i s + p,\,j s + q}$$

(with stride $s$, after zero-padding $x$). Strictly this is a
cross-correlation; deep-learning libraries call it convolution all the same.

Implementation: ``im2col``. The pixels under every receptive field are copied
into a matrix (``sliding_window_view`` cuts them out without Python loops), so
the convolution becomes matrix products, exactly like :class:`~nnlib.layers.Dense`,
and so does its backward pass. For each sample $n$ the matrix ``cols[n]`` has one
row per filter weight $(c, p, q)$ and one column per output position $(i, j)$,
and $z_n = W_\text{mat}\, \texttt{cols}[n] + b$ with $W_\text{mat}$ of shape
$(O, C k_h k_w)$: one call of ``np.matmul`` computes all $N$ products, and the
result is already laid out as ``(batch, channels, height, width)``. A last row
of ones in ``cols`` and the biases as a last column (``W_aug``) make the
same product add the biases (the bias is the weight of an input that is always
1), and in the backward pass sum their gradient. (Rows per
position, ``cols @ W_mat.T``, give the same numbers but in the order
(batch, height, width, channels), and every later layer would then read memory
out of order.)

Speed: the layers keep the arrays they fill on every mini-batch of the same
shape (the zero-padded input, ``cols``), rather than allocating them anew, and
max pooling compares whole arrays, one per position in the block, instead of
taking an arg-max over many small groups of numbers. ``make bench`` times both
against PyTorch.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import (as_float_array, check_dtype, check_non_negative_int, check_number, check_positive_int,
                          check_rng)
from .init import get_initializer
from .layers import Layer, initial_weights


def _check_images(x, name, channels=None):
    if x.ndim != 4:
        hint = " For 8x8 grey images stored as rows of 64 use x.reshape(-1, 1, 8, 8)." if x.ndim == 2 else ""
        if x.ndim == 3:
            hint = " For a batch of grey images (batch, height, width) add the channel axis: x[:, None]."
        raise ValueError(f"{name} must be 4-D (batch, channels, height, width), got shape {x.shape}.{hint}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} expected {channels} channel(s) in axis 1, got shape {x.shape}. "
                         "Check in_channels, or the previous Conv2D's out_channels.")


class Conv2D(Layer):
    r"""2-D convolution layer.

    Parameters
    ----------
    in_channels, out_channels : int
        $C$ input channels (1 for grey images) and $O$ filters.
    kernel_size : int
        Filters are ``kernel_size × kernel_size``.
    stride : int, default 1
    padding : int, default 0
        Zeros added on every side; ``padding = kernel_size // 2`` keeps the size (odd kernels, stride 1).
    init : str or callable, default "he_normal"
        Initialiser called with ``fan_in = C k_h k_w`` and ``fan_out = O``.
    rng, dtype : as in :class:`~nnlib.layers.Dense`.

    Shapes
    ------
    x : (batch, C, H, W) -> z : (batch, O, H_out, W_out), with
    $H_\text{out} = \lfloor (H + 2 p - k_h) / s \rfloor + 1$ (likewise $W_\text{out}$);
    W : (O, C, k_h, k_w); b : (O,).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, init="he_normal", bias: float = 0.0, rng=None, dtype=np.float64):
        super().__init__()
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.stride = check_positive_int(stride, "stride")
        self.padding = check_non_negative_int(padding, "padding")
        self.dtype = check_dtype(dtype)
        bias = check_number(bias, "Conv2D bias")
        k = self.kernel_size
        fan_in = self.in_channels * k * k
        flat = initial_weights(get_initializer(init), fan_in, self.out_channels, check_rng(rng), self.dtype, init)
        self.params = {
            "W": np.ascontiguousarray(flat.T.reshape(self.out_channels, self.in_channels, k, k)),
            "b": np.full(self.out_channels, bias, dtype=self.dtype),
        }
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self._cache = None

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """Spatial size of the output for an input of ``height × width``."""
        k, s, p = self.kernel_size, self.stride, self.padding
        return (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def _check_input(self, x):
        x = as_float_array(x, "Conv2D input", dtype=self.dtype)
        _check_images(x, repr(self) + " input", self.in_channels)
        height, width = x.shape[2:]
        h_out, w_out = self.output_shape(height, width)
        if h_out < 1 or w_out < 1:
            raise ValueError(f"{self!r}: a {height}x{width} input is smaller than the "
                             f"{self.kernel_size}x{self.kernel_size} kernel; add padding.")
        return x

    def _kept(self, name, shape, fill=None):
        """An array of ``shape`` this layer keeps between calls (made anew only when the shape changes)."""
        kept = self.__dict__.setdefault("_kept_arrays", {})
        array = kept.get(name)
        if array is None or array.shape != shape or array.dtype != self.dtype:
            array = kept[name] = np.empty(shape, dtype=self.dtype)
            if fill is not None:
                fill(array)
        return array

    def _forward(self, x):
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        batch, channels, height, width = x.shape
        h_out, w_out = self.output_shape(height, width)
        p, s, k = self.padding, self.stride, self.kernel_size
        rows = channels * k * k  # one per filter weight (c, u, v)
        padded = x
        if p:  # the border stays 0: only the inside is written, on every call
            padded = self._kept("padded", (batch, channels, height + 2 * p, width + 2 * p), fill=_zeros)
            padded[:, :, p:p + height, p:p + width] = x
        # windows[n, c, i, j, u, v] = padded[n, c, i*s + u, j*s + v]   (a view: nothing copied yet)
        windows = sliding_window_view(padded, (k, k), axis=(2, 3))[:, :, ::s, ::s][:, :, :h_out, :w_out]
        # cols[n, (c, u, v), (i, j)]: per sample, one row per filter weight and one column per
        # position, plus a last row of ones that multiplies the biases (kept, so written once).
        cols = self._kept("cols", (batch, rows + 1, h_out * w_out), fill=_last_row_ones)
        patches = cols[:, :rows].reshape(batch, channels, k, k, h_out, w_out)
        np.copyto(patches, windows.transpose(0, 1, 4, 5, 2, 3))  # the one copy im2col needs
        # (O, C*k*k + 1): one filter per row, its bias last
        W_aug = np.concatenate([self.params["W"].reshape(self.out_channels, rows), self.params["b"][:, None]], axis=1)
        out = np.matmul(W_aug, cols)  # (N, O, Ho*Wo): N matrix products in one call, biases included
        self._cache = (cols, padded.shape, h_out, w_out)
        self._out_shape = (batch, self.out_channels, h_out, w_out)
        return out.reshape(self._out_shape)

    def _backward(self, dout, input_grad: bool = True):
        cols, padded_shape, h_out, w_out = self._cache
        batch = padded_shape[0]
        if dout.dtype != self.dtype:
            dout = dout.astype(self.dtype)
        k, s, p = self.kernel_size, self.stride, self.padding
        delta = dout.reshape(batch, self.out_channels, h_out * w_out)  # (N, O, Ho*Wo)
        # dL/dW_aug = sum over samples of delta[n] @ cols[n].T, (O, Ho*Wo) @ (Ho*Wo, C*k*k + 1);
        # its last column, from the row of ones, sums delta over every position: dL/db.
        dW_aug = np.matmul(delta, cols.transpose(0, 2, 1)).sum(axis=0)
        self.grads["W"][...] = dW_aug[:, :-1].reshape(self.params["W"].shape)
        self.grads["b"][...] = dW_aug[:, -1]
        if not input_grad:
            return None
        W_mat = self.params["W"].reshape(self.out_channels, -1)  # (O, C*k*k), no bias column
        dcols = np.matmul(W_mat.T, delta)  # (N, C*k*k, Ho*Wo): the gradient of every entry of cols
        dcols = dcols.reshape(batch, self.in_channels, k, k, h_out, w_out)
        dpadded = np.zeros(padded_shape, dtype=self.dtype)
        # col2im: each kernel offset (u, v) sends its gradients back to a strided
        # slice of the input; overlapping windows add up. k*k vectorised steps.
        for u in range(k):
            for v in range(k):
                dpadded[:, :, u:u + s * h_out:s, v:v + s * w_out:s] += dcols[:, :, u, v]
        return dpadded[:, :, p:padded_shape[2] - p, p:padded_shape[3] - p] if p else dpadded

    def __repr__(self):
        return (f"Conv2D({self.in_channels} -> {self.out_channels}, kernel {self.kernel_size}, "
                f"stride {self.stride}, padding {self.padding})")


def _zeros(array):
    array.fill(0)


def _last_row_ones(cols):
    cols[:, -1] = 1


class MaxPool2D(Layer):
    r"""Max pooling over non-overlapping ``size × size`` blocks.

    Forward keeps the largest value of each block; backward sends the gradient
    to that one position (the arg-max) and 0 to the others.

    Shapes: (batch, C, H, W) -> (batch, C, H / size, W / size); H and W must be
    multiples of ``size``.
    """

    def __init__(self, size: int = 2):
        super().__init__()
        self.size = check_positive_int(size, "size")
        self._cache = None

    def _check_input(self, x):
        x = as_float_array(x, "MaxPool2D input")
        _check_images(x, "MaxPool2D input")
        height, width = x.shape[2:]
        s = self.size
        if height % s or width % s:
            raise ValueError(f"MaxPool2D({s}) needs height and width divisible by {s}, got {height}x{width}. "
                             "Pad the images or choose a size that divides them.")
        return x

    def _forward(self, x):
        batch, channels, height, width = x.shape
        s = self.size
        # blocks[u * s + v] holds position (u, v) of every block, shape (N, C, H/s, W/s). One copy
        # puts the positions one after another, so that every comparison below reads memory in order.
        blocks = x.reshape(batch, channels, height // s, s, width // s, s).transpose(3, 5, 0, 1, 2, 4)
        blocks = np.ascontiguousarray(blocks).reshape(s * s, batch, channels, height // s, width // s)
        out = blocks[0].copy()
        for position in blocks[1:]:
            np.maximum(out, position, out=out)
        # The arg-max of each block is the first position, in reading order, that holds the maximum:
        # the number of positions before it that do not. Counted with comparisons and additions,
        # which numpy runs far faster than np.where or an arg-max over groups of s*s numbers.
        missed = blocks[0] != out  # no maximum found yet, up to and including this position
        argmax = missed.astype(np.min_scalar_type(s * s - 1))
        for position in blocks[1:-1]:
            missed &= position != out
            argmax += missed
        self._cache = (x.shape, argmax)
        self._out_shape = out.shape
        return out

    def _backward(self, dout, input_grad: bool = True):
        shape, argmax = self._cache
        s = self.size
        dx = np.zeros(shape, dtype=dout.dtype)
        for position in range(s * s):  # each block's gradient goes to its arg-max, 0 elsewhere
            u, v = divmod(position, s)
            np.multiply(dout, argmax == position, out=dx[:, :, u::s, v::s])
        return dx

    def __repr__(self):
        return f"MaxPool2D({self.size})"


class Reshape(Layer):
    """Reshapes each sample to ``shape`` (e.g. rows of 64 pixels to ``(1, 8, 8)``); backward undoes it."""

    def __init__(self, shape):
        super().__init__()
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (shape,)  # Reshape(64) means one axis of 64
        try:
            dims = tuple(shape)
        except TypeError:
            raise TypeError(f"Reshape needs the shape of one sample as a tuple of whole numbers, e.g. (1, 8, 8), "
                            f"got {type(shape).__name__} {shape!r}.") from None
        if not dims:
            raise ValueError("Reshape needs at least one axis per sample, got an empty shape ().")
        self.shape = tuple(check_positive_int(d, f"Reshape shape entry {i}") for i, d in enumerate(dims))
        self._input_shape = None

    def _check_input(self, x):
        x = as_float_array(x, "Reshape input")
        if x.ndim < 1:
            raise ValueError(f"{self!r} expects a batch, shape (batch, ...), got a single number.")
        if int(np.prod(x.shape[1:])) != int(np.prod(self.shape)):
            raise ValueError(f"Reshape{self.shape}: each sample has {int(np.prod(x.shape[1:]))} values "
                             f"(input shape {x.shape}), but {int(np.prod(self.shape))} are needed. "
                             "The batch axis comes first and is kept.")
        return x

    def _forward(self, x):
        self._input_shape = x.shape
        self._out_shape = (x.shape[0],) + self.shape
        return x.reshape(self._out_shape)

    def _backward(self, dout, input_grad: bool = True):
        return dout.reshape(self._input_shape)

    def __repr__(self):
        return f"Reshape({self.shape})"
