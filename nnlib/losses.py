r"""Loss functions.

A loss compares predictions ``y_hat`` with targets ``y`` and returns one
number. ``forward(y_hat, y)`` returns the loss as a Python float and caches what
``backward()`` needs; ``backward()`` returns $\partial L / \partial \hat y$
with the shape of ``y_hat``.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_not_empty
from .activations import Sigmoid, log_softmax


class Loss:
    """Base class: ``forward(y_hat, y) -> float`` and ``backward() -> dL/dy_hat``."""

    def __call__(self, y_hat, y) -> float:
        return self.forward(y_hat, y)

    def _prepare(self, y_hat, y):
        """Convert both arguments and require equal, non-empty shapes."""
        y_hat = as_float_array(y_hat, "y_hat")
        y = as_float_array(y, "y", dtype=y_hat.dtype)
        if y_hat.shape != y.shape:
            hint = ""
            if y_hat.ndim == 2 and y_hat.shape[1] == 1 and y.ndim == 1:
                hint = " Reshape the targets with y.reshape(-1, 1)."
            elif y.ndim == 2 and y.shape[1] == 1 and y_hat.ndim == 1:
                hint = " Reshape the predictions with y_hat.reshape(-1, 1)."
            raise ValueError(
                f"{type(self).__name__}: y_hat and y must have the same shape, got "
                f"y_hat {y_hat.shape} and y {y.shape}.{hint}"
            )
        check_not_empty(y_hat, "y_hat")
        return y_hat, y

    def _require_forward(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward() needs a forward() call first.")

    def __repr__(self):
        return f"{type(self).__name__}()"


class SSE(Loss):
    r"""Sum of squared errors, the loss of the classic from-scratch tutorial.

    $$L = \sum_{n,k} (\hat y_{nk} - y_{nk})^2, \qquad
      \frac{\partial L}{\partial \hat y} = 2 (\hat y - y).$$

    Squaring makes every error count positively, punishes large errors more
    than small ones, and is smooth, so its derivative exists everywhere.
    """

    def forward(self, y_hat, y) -> float:
        y_hat, y = self._prepare(y_hat, y)
        diff = y_hat - y
        self._cache = diff
        return float(np.sum(diff * diff))

    def backward(self):
        self._require_forward()
        return 2.0 * self._cache


class MSE(Loss):
    r"""Mean squared error over all $M$ elements of ``y_hat``.

    $$L = \frac1M \sum_{n,k} (\hat y_{nk} - y_{nk})^2, \qquad
      \frac{\partial L}{\partial \hat y} = \frac{2}{M} (\hat y - y).$$

    Unlike :class:`SSE` it does not grow with the batch size, so one learning
    rate suits batches of any size.
    """

    def forward(self, y_hat, y) -> float:
        y_hat, y = self._prepare(y_hat, y)
        diff = y_hat - y
        self._cache = diff
        return float(np.mean(diff * diff))

    def backward(self):
        self._require_forward()
        return (2.0 / self._cache.size) * self._cache


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy, averaged over all $M$ elements.

    From probabilities $p = \hat y \in [0, 1]$:

    $$L = -\frac1M \sum \big[y \log p + (1 - y) \log (1 - p)\big],\qquad
      \frac{\partial L}{\partial p} = \frac1M \frac{p - y}{p (1 - p)}.$$

    Probabilities are clipped to $[\epsilon, 1 - \epsilon]$ (machine epsilon of
    the dtype) so that $p = 0$ or $p = 1$ gives a large finite loss, not ``inf``.

    From logits (``from_logits=True``), $p = \sigma(\hat y)$ is folded in and
    computed stably:

    $$L = \frac1M \sum \big[\operatorname{softplus}(\hat y) - y \hat y\big],\qquad
      \frac{\partial L}{\partial \hat y} = \frac1M (\sigma(\hat y) - y).$$
    """

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def forward(self, y_hat, y) -> float:
        y_hat, y = self._prepare(y_hat, y)
        if self.from_logits:
            self._cache = (y_hat, y)
            return float(np.mean(np.logaddexp(0.0, y_hat) - y * y_hat))
        if np.any((y_hat < 0) | (y_hat > 1)):
            raise ValueError(
                "BinaryCrossEntropy expects probabilities in [0, 1], got values from "
                f"{y_hat.min():.3g} to {y_hat.max():.3g}. Pass logits with "
                "BinaryCrossEntropy(from_logits=True), or end the network with a sigmoid."
            )
        eps = np.finfo(y_hat.dtype).eps
        p = np.clip(y_hat, eps, 1.0 - eps)
        self._cache = (p, y)
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))

    def backward(self):
        self._require_forward()
        y_hat, y = self._cache
        if self.from_logits:
            return (Sigmoid()._forward(y_hat) - y) / y.size
        p = y_hat
        return (p - y) / (p * (1.0 - p)) / y.size

    def __repr__(self):
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


class SoftmaxCrossEntropy(Loss):
    r"""Softmax followed by cross-entropy, fused for stability, averaged over the batch.

    ``y_hat`` holds logits $z$ of shape ``(batch, classes)``; ``y`` holds either
    integer class labels of shape ``(batch,)`` or one-hot rows of the same shape
    as ``y_hat``. With $p = \operatorname{softmax}(z)$ row by row:

    $$L = -\frac1N \sum_n \log p_{n, y_n},\qquad
      \frac{\partial L}{\partial z} = \frac1N (p - \text{onehot}(y)).$$

    Using $\log \operatorname{softmax}(z) = z - \operatorname{logsumexp}(z)$
    avoids both overflow in $e^{z}$ and $\log 0$.
    """

    def forward(self, y_hat, y) -> float:
        logits = as_float_array(y_hat, "y_hat (logits)")
        if logits.ndim != 2:
            raise ValueError(
                f"SoftmaxCrossEntropy expects logits of shape (batch, classes), got {logits.shape}."
            )
        check_not_empty(logits, "y_hat")
        targets = self._targets(y, logits)
        log_p = log_softmax(logits, axis=1)  # (batch, classes)
        if targets.ndim == 1:  # labels: pick each row's log-probability of its class
            picked = log_p[np.arange(len(targets)), targets]
        else:
            picked = np.sum(targets * log_p, axis=1)
        self._cache = (log_p, targets)
        return -float(picked.mean())

    def backward(self):
        self._require_forward()
        log_p, targets = self._cache
        batch = log_p.shape[0]
        grad = np.exp(log_p)  # softmax, recovered from the cached log-softmax
        if targets.ndim == 1:
            grad[np.arange(batch), targets] -= 1.0
        else:
            grad -= targets
        grad /= batch
        return grad

    @staticmethod
    def _targets(y, logits):
        """Integer labels (batch,) stay labels; one-hot rows are returned as floats."""
        batch, classes = logits.shape
        y = np.asarray(y)
        if y.shape == logits.shape:
            return as_float_array(y, "y", dtype=logits.dtype)
        if y.shape != (batch,):
            raise ValueError(
                f"SoftmaxCrossEntropy: y must be integer labels of shape ({batch},) or one-hot "
                f"of shape {logits.shape}, got {y.shape}."
            )
        if y.dtype.kind not in "iu":
            if y.dtype.kind == "f" and np.all(y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise TypeError(f"SoftmaxCrossEntropy: labels must be integers, got dtype {y.dtype}.")
        if y.min() < 0 or y.max() >= classes:
            raise ValueError(
                f"SoftmaxCrossEntropy: labels must lie in 0..{classes - 1} for {classes} "
                f"classes, got values from {y.min()} to {y.max()}."
            )
        return y


#: name -> class, so that ``fit(loss="mse")`` works.
LOSSES = {
    "sse": SSE,
    "mse": MSE,
    "bce": BinaryCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get_loss(loss) -> Loss:
    """Return a loss object from a name in :data:`LOSSES`, a class or an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss()
    if isinstance(loss, str) and loss.lower() in LOSSES:
        return LOSSES[loss.lower()]()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)} or a Loss instance.")
