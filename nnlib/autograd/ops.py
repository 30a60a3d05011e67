r"""Operations on several tensors, and the layers of chapters 10 to 13, composed from Tensor's primitives.

Only :func:`where` has a backward rule of its own; :func:`maximum`,
:func:`minimum`, :func:`log_softmax`, :func:`conv2d`, :func:`max_pool2d`,
:func:`batch_norm`, :func:`layer_norm` and :func:`dropout` are compositions,
so the engine differentiates them without being told how. For the
normalisations that is the point: the three-path derivation in the docstring
of :class:`nnlib.normalization.BatchNorm` is exactly what the engine does by
following the graph of the mean and the variance.
"""
from __future__ import annotations

import numpy as np

from .tensor import Tensor, _unbroadcast, as_tensor


def where(condition, a, b) -> Tensor:
    r"""$o = a$ where ``condition`` holds, else $b$; the gradient goes to the branch that was chosen.

    ``condition`` is a boolean array (e.g. ``z > 0``); ``a`` and ``b`` are
    tensors or numbers and broadcast against it.
    """
    anchor = a if isinstance(a, Tensor) else as_tensor(b, "where(..., b)")
    a, b = anchor._operand(a, "where"), anchor._operand(b, "where")
    condition = np.asarray(condition, dtype=bool)
    out_data = np.where(condition, a.data, b.data)

    def backward(g):
        if a.requires_grad:
            a._accumulate(_unbroadcast(np.where(condition, g, 0.0).astype(g.dtype, copy=False), a.shape))
        if b.requires_grad:
            b._accumulate(_unbroadcast(np.where(condition, 0.0, g).astype(g.dtype, copy=False), b.shape))
    return Tensor._result(out_data, (a, b), "where", backward)


def maximum(a, b) -> Tensor:
    r"""Elementwise $\max(a, b)$; the gradient goes to the larger one (to $a$ on a tie)."""
    a = as_tensor(a, "maximum(a, ...)")
    b = a._operand(b, "maximum")
    return where(a.data >= b.data, a, b)


def minimum(a, b) -> Tensor:
    r"""Elementwise $\min(a, b)$; the gradient goes to the smaller one (to $a$ on a tie)."""
    a = as_tensor(a, "minimum(a, ...)")
    b = a._operand(b, "minimum")
    return where(a.data <= b.data, a, b)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    r"""$\log\operatorname{softmax}(z) = s - \log\sum_j e^{s_j}$ with $s = z - \max z$, composed from primitives.

    The maximum is detached: softmax does not change when a constant is
    subtracted from every logit, so no gradient needs to flow through it.
    """
    z = as_tensor(z, "log_softmax input")
    shifted = z - z.data.max(axis=axis, keepdims=True)
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()




def _window_indices(out_size: int, kernel: int, stride: int) -> np.ndarray:
    """Row (or column) of the input under kernel offset ``u`` at output position ``i``: ``i * stride + u``."""
    return np.arange(out_size)[:, None] * stride + np.arange(kernel)[None, :]  # (out_size, kernel)


def conv2d(x: Tensor, W: Tensor, b: Tensor, stride: int = 1, padding: int = 0) -> Tensor:
    r"""2-D convolution (cross-correlation) as :class:`nnlib.conv.Conv2D`, built from primitives.

    Pad, gather every receptive field with one indexing operation (im2col),
    multiply by the filters as a matrix, add the bias. Its backward pass is
    then automatic; the gather's backward (``np.add.at``) is col2im, adding
    the gradients of overlapping windows.

    Shapes: x (N, C, H, W), W (O, C, k, k), b (O,) -> (N, O, H_out, W_out).
    """
    x, W, b = as_tensor(x, "x"), as_tensor(W, "W"), as_tensor(b, "b")
    if x.ndim != 4 or W.ndim != 4 or W.shape[2] != W.shape[3] or x.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d needs x (N, C, H, W) and W (O, C, k, k) with the same C, got x {x.shape} "
                         f"and W {W.shape}.")
    batch, channels, height, width = x.shape
    filters, _, k, _ = W.shape
    h_out, w_out = (height + 2 * padding - k) // stride + 1, (width + 2 * padding - k) // stride + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"conv2d: a {height}x{width} input is smaller than the {k}x{k} kernel; add padding.")
    if padding:
        x = x.pad(((0, 0), (0, 0), (padding, padding), (padding, padding)))
    rows = _window_indices(h_out, k, stride)[:, None, :, None]  # (Ho, 1, k, 1)
    cols = _window_indices(w_out, k, stride)[None, :, None, :]  # (1, Wo, 1, k)
    windows = x[:, :, rows, cols]  # (N, C, Ho, Wo, k, k)
    patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(batch * h_out * w_out, channels * k * k)
    out = patches @ W.reshape(filters, channels * k * k).T + b  # (N*Ho*Wo, O)
    return out.reshape(batch, h_out, w_out, filters).transpose(0, 3, 1, 2)


def max_pool2d(x: Tensor, size: int = 2) -> Tensor:
    """Max pooling over non-overlapping ``size × size`` blocks, as :class:`nnlib.conv.MaxPool2D`.

    A reshape that puts each block on its own axis, then :meth:`Tensor.max`.
    Shapes: (N, C, H, W) -> (N, C, H / size, W / size).
    """
    x = as_tensor(x, "x")
    if x.ndim != 4 or x.shape[2] % size or x.shape[3] % size:
        raise ValueError(f"max_pool2d({size}) needs (N, C, H, W) with H and W divisible by {size}, got {x.shape}.")
    batch, channels, height, width = x.shape
    blocks = x.reshape(batch, channels, height // size, size, width // size, size).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(batch, channels, height // size, width // size, size * size).max(axis=-1)


def _normalize(x: Tensor, axes: tuple, eps: float) -> Tensor:
    r"""$(x - \mu) / \sqrt{\sigma^2 + \epsilon}$ with $\mu$ and $\sigma^2$ over ``axes``, kept as graph nodes."""
    centred = x - x.mean(axis=axes, keepdims=True)
    variance = (centred * centred).mean(axis=axes, keepdims=True)
    return centred * (variance + eps) ** -0.5


def _per_channel(vector: Tensor, x: Tensor) -> Tensor:
    """A (C,) parameter reshaped to broadcast over axis 1 of ``x``: (1, C) or (1, C, 1, 1)."""
    return vector.reshape((1, x.shape[1]) + (1,) * (x.ndim - 2))


def batch_norm(x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5,
               running_mean=None, running_var=None) -> Tensor:
    r"""Batch normalisation, as :class:`nnlib.normalization.BatchNorm`, composed from primitives.

    Without running statistics (training mode) the batch's mean and variance
    over axis 0 (and the spatial axes 2, 3 of feature maps) are nodes of the
    graph, so the gradient flows through them to every sample. With
    ``running_mean`` and ``running_var`` (evaluation mode) they are constants.
    Running statistics are never updated here.

    Shapes: x (N, C) or (N, C, H, W); gamma, beta, running statistics (C,).
    """
    x, gamma, beta = as_tensor(x, "x"), as_tensor(gamma, "gamma"), as_tensor(beta, "beta")
    if x.ndim not in (2, 4) or gamma.shape != (x.shape[1],) or beta.shape != gamma.shape:
        raise ValueError(f"batch_norm needs x (N, C) or (N, C, H, W) and gamma, beta of shape (C,), got x {x.shape}, "
                         f"gamma {gamma.shape} and beta {beta.shape}.")
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    if running_mean is None:
        x_hat = _normalize(x, axes, eps)
    else:
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean = np.asarray(running_mean, dtype=x.dtype).reshape(shape)
        inv_std = 1.0 / np.sqrt(np.asarray(running_var, dtype=x.dtype).reshape(shape) + eps)
        x_hat = (x - mean) * inv_std
    return x_hat * _per_channel(gamma, x) + _per_channel(beta, x)


def layer_norm(x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    r"""Layer normalisation, as :class:`nnlib.normalization.LayerNorm`: each sample over all its values.

    Shapes: x (N, C) or (N, C, H, W); gamma, beta (C,).
    """
    x, gamma, beta = as_tensor(x, "x"), as_tensor(gamma, "gamma"), as_tensor(beta, "beta")
    if x.ndim not in (2, 4) or gamma.shape != (x.shape[1],) or beta.shape != gamma.shape:
        raise ValueError(f"layer_norm needs x (N, C) or (N, C, H, W) and gamma, beta of shape (C,), got x {x.shape}, "
                         f"gamma {gamma.shape} and beta {beta.shape}.")
    x_hat = _normalize(x, tuple(range(1, x.ndim)), eps)
    return x_hat * _per_channel(gamma, x) + _per_channel(beta, x)


def dropout(x: Tensor, mask) -> Tensor:
    r"""Dropout with a given scaled mask (entries 0 and $1/(1-p)$), as :class:`nnlib.dropout.Dropout`.

    $o = x \odot m$; the mask is a constant, so $\partial o/\partial x = m$.
    """
    x = as_tensor(x, "x")
    mask = np.asarray(mask, dtype=x.dtype)
    if mask.shape != x.shape:
        raise ValueError(f"dropout needs a mask of the input's shape {x.shape}, got {mask.shape}.")
    return x * mask
