r"""The book's losses and weight penalties written with the engine.

Each mirrors a class of :mod:`nnlib.losses` or :mod:`nnlib.regularization`.
All but :func:`softmax_cross_entropy` are compositions of Tensor operations;
that one is fused (one operation with a hand-written backward), as in every
framework, because its gradient has a one-line formula that the composed
form would reach through half a dozen nodes.
"""
from __future__ import annotations

import numpy as np

from .._validation import as_float_array
from .tensor import Tensor, as_tensor


def _class_targets(y, logits_shape: tuple, dtype) -> np.ndarray:
    """Labels ``(batch,)`` as int64 in ``0 .. classes - 1``, or target rows ``(batch, classes)`` as floats."""
    batch, classes = logits_shape
    y = np.asarray(y)
    if y.shape == tuple(logits_shape):
        return as_float_array(y, "y (target rows)", dtype=dtype)
    if y.shape != (batch,):
        raise ValueError(f"softmax_cross_entropy: y must be integer labels of shape ({batch},) or one-hot rows of "
                         f"shape {tuple(logits_shape)}, got {y.shape}.")
    if y.dtype.kind not in "iuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise TypeError(f"softmax_cross_entropy: labels must be whole numbers, got {y.dtype} values such as "
                        f"{y.ravel()[:3]}. Convert them with y.astype(int).")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"softmax_cross_entropy: labels must lie in 0..{classes - 1} for {classes} classes, "
                         f"got values from {y.min():g} to {y.max():g}.")
    return y.astype(np.int64, copy=False)


def softmax_cross_entropy(logits: Tensor, y) -> Tensor:
    r"""Mean cross-entropy of softmax(``logits``) against labels or target rows, one fused operation.

    With $p = \operatorname{softmax}(z)$ row by row and target rows $t$
    (one-hot for labels):

    $$L = -\frac1N \sum_{n,k} t_{nk} \log p_{nk};\qquad
      \frac{\partial L}{\partial z_{nk}} = \frac1N \Big(p_{nk} \sum_j t_{nj} - t_{nk}\Big),$$

    which is the familiar $(p - \operatorname{onehot}(y))/N$ when each row of
    $t$ sums to 1.

    Parameters
    ----------
    logits : Tensor, shape (batch, classes)
    y : integer labels (batch,) or target rows (batch, classes)
    """
    logits = as_tensor(logits, "logits")
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy expects logits of shape (batch, classes), got {logits.shape}.")
    targets = _class_targets(y, logits.shape, logits.dtype)
    z = logits.data
    shifted = z - z.max(axis=1, keepdims=True)  # every exponent <= 0: nothing overflows
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (batch, classes)
    batch = z.shape[0]
    rows = np.arange(batch)
    picked = log_p[rows, targets] if targets.ndim == 1 else np.sum(targets * log_p, axis=1)

    def backward(g):
        grad = np.exp(log_p)  # p
        if targets.ndim == 1:
            grad[rows, targets] -= 1.0
        else:
            grad = grad * targets.sum(axis=1, keepdims=True) - targets
        grad /= batch
        logits._accumulate(grad * g)
    return Tensor._result(-picked.mean(), (logits,), "softmax_ce", backward)


def _same_shape(y_hat: Tensor, y, name: str) -> Tensor:
    y = as_float_array(y, "y", dtype=y_hat.dtype)
    if y.shape != y_hat.shape:
        raise ValueError(f"{name}: y_hat and y must have the same shape, got y_hat {y_hat.shape} and y {y.shape}."
                         + (" Reshape the targets with y.reshape(-1, 1)." if y.ndim == 1 else ""))
    return Tensor(y)


def sse(y_hat: Tensor, y) -> Tensor:
    r"""Sum of squared errors $\sum (\hat y - y)^2$, as :class:`nnlib.losses.SSE`."""
    y_hat = as_tensor(y_hat, "y_hat")
    diff = y_hat - _same_shape(y_hat, y, "sse")
    return (diff * diff).sum()


def mse(y_hat: Tensor, y) -> Tensor:
    r"""Mean squared error $\frac1M \sum (\hat y - y)^2$, as :class:`nnlib.losses.MSE`."""
    y_hat = as_tensor(y_hat, "y_hat")
    diff = y_hat - _same_shape(y_hat, y, "mse")
    return (diff * diff).mean()


def binary_cross_entropy(y_hat: Tensor, y, from_logits: bool = False) -> Tensor:
    r"""Mean binary cross-entropy, as :class:`nnlib.losses.BinaryCrossEntropy`.

    From probabilities $p$ (clipped to $[\epsilon, 1 - \epsilon]$):
    $-\frac1M\sum [y \ln p + (1 - y)\ln(1 - p)]$. From logits $z$:
    $\frac1M\sum[\operatorname{softplus}(z) - y z]$, which never takes the log of 0.
    """
    y_hat = as_tensor(y_hat, "y_hat")
    target = _same_shape(y_hat, y, "binary_cross_entropy")
    if from_logits:
        return (y_hat.softplus() - target * y_hat).mean()
    if np.any((y_hat.data < 0) | (y_hat.data > 1)):
        raise ValueError("binary_cross_entropy expects probabilities in [0, 1]; pass logits with from_logits=True.")
    eps = float(np.finfo(y_hat.dtype).eps)
    p = y_hat.clip(eps, 1.0 - eps)
    return -(target * p.log() + (1.0 - target) * (1.0 - p).log()).mean()


def l1_penalty(W: Tensor, strength: float) -> Tensor:
    r"""$\lambda \sum |W_{ij}|$, as :class:`nnlib.regularization.L1`."""
    return strength * as_tensor(W, "W").abs().sum()


def l2_penalty(W: Tensor, strength: float) -> Tensor:
    r"""$\frac{\lambda}{2} \sum W_{ij}^2$, as :class:`nnlib.regularization.L2`."""
    W = as_tensor(W, "W")
    return (0.5 * strength) * (W * W).sum()
