r"""Loss functions.

A loss compares predictions ``y_hat`` with targets ``y`` and returns one
number. ``forward(y_hat, y)`` returns the loss as a Python float and caches what
``backward()`` needs; ``backward()`` returns $\partial L / \partial \hat y$
with the shape of ``y_hat``.

``forward`` checks both arguments (types, shapes, finite numbers, targets in
the loss's range) and then calls ``_forward``, which only computes.
:meth:`Sequential.fit <nnlib.model.Sequential.fit>` checks the targets once
with :meth:`Loss.check_targets` and calls ``_forward`` on every mini-batch.
"""
from __future__ import annotations

import numpy as np

from ._validation import (as_float_array, check_bool, check_finite, check_labels, check_not_empty, lookup_name,
                          numeric_guard)
from .activations import Sigmoid, _log_softmax


class Loss:
    """Base class: ``forward(y_hat, y) -> float`` and ``backward() -> dL/dy_hat``."""

    #: Whether ``y_hat`` holds logits (pre-activations $z$) rather than predictions.
    takes_logits = False

    def __call__(self, y_hat, y) -> float:
        return self.forward(y_hat, y)

    def forward(self, y_hat, y) -> float:
        """Check ``y_hat`` and ``y``, then return the loss (a Python float)."""
        name = type(self).__name__
        y_hat = as_float_array(y_hat, f"{name}: y_hat")
        check_not_empty(y_hat, f"{name}: y_hat")
        check_finite(y_hat, f"{name}: y_hat",
                     fix="Predictions that are NaN or infinite usually come from a model that diverged; "
                         "check the data and try a smaller learning rate.")
        self.check_predictions(y_hat)
        y = self.check_targets(y, y_hat.shape, y_hat.dtype, name="y")
        with numeric_guard(f"{name}.forward", "The predictions or targets are too large for the data "
                                              "type; scale the targets (e.g. nnlib.data.standardize)."):
            return self._forward(y_hat, y)

    def check_predictions(self, y_hat: np.ndarray) -> None:
        """Loss-specific checks of the predictions (their range, their number of columns)."""

    def check_targets(self, y, output_shape: tuple, dtype=np.float64, name: str = "y") -> np.ndarray:
        """Return ``y`` converted for this loss, or raise an error that explains what is wrong.

        ``output_shape`` is the shape of the predictions, ``(batch, ...)``.
        """
        y = as_float_array(y, f"{type(self).__name__}: {name}", dtype=dtype)
        self._require_same_shape(y, output_shape, name)
        check_finite(y, f"{type(self).__name__}: {name}")
        return y

    def _require_same_shape(self, y, output_shape, name):
        if y.shape == tuple(output_shape):
            return
        hint = ""
        if len(output_shape) == 2 and output_shape[1] == 1 and y.ndim == 1:
            hint = f" Reshape the targets with {name}.reshape(-1, 1)."
        elif y.ndim == 2 and y.shape[1] == 1 and len(output_shape) == 1:
            hint = " Reshape the predictions with y_hat.reshape(-1, 1)."
        elif y.ndim >= 1 and len(output_shape) >= 1 and y.shape[0] != output_shape[0]:
            hint = f" The number of rows differs: every prediction needs exactly one target row."
        elif len(output_shape) == 2 and y.ndim == 2:
            hint = (f" The network has {output_shape[1]} output(s) but {name} has {y.shape[1]} column(s): "
                    "match the last layer's out_features to the targets.")
        raise ValueError(
            f"{type(self).__name__}: y_hat and {name} must have the same shape, got "
            f"y_hat {tuple(output_shape)} and {name} {y.shape}.{hint}"
        )

    def _forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

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

    def _forward(self, y_hat, y) -> float:
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

    def _forward(self, y_hat, y) -> float:
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

    Targets $y$ must lie in $[0, 1]$: 0/1 labels, or probabilities. Other
    values (−1/+1 labels, class numbers 0/1/2) make the "loss" negative or
    meaningless and are refused.
    """

    def __init__(self, from_logits: bool = False):
        self.from_logits = check_bool(from_logits, "BinaryCrossEntropy from_logits")

    def check_predictions(self, y_hat):
        if not self.from_logits:
            self._require_probabilities(y_hat)

    def _require_probabilities(self, y_hat):
        if y_hat.min() < 0 or y_hat.max() > 1:
            raise ValueError(
                "BinaryCrossEntropy expects probabilities in [0, 1], got values from "
                f"{y_hat.min():.3g} to {y_hat.max():.3g}. Pass logits with "
                "BinaryCrossEntropy(from_logits=True), or end the network with a sigmoid."
            )

    def check_targets(self, y, output_shape, dtype=np.float64, name="y"):
        y = super().check_targets(y, output_shape, dtype, name)
        if y.size and (y.min() < 0 or y.max() > 1):
            bad = (y < 0) | (y > 1)
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            values = np.unique(y)
            shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if values.size > 5 else "")
            fix = ("For -1/+1 labels use (y + 1) / 2." if set(values.tolist()) <= {-1.0, 1.0, 0.0}
                   else "For more than two classes use SoftmaxCrossEntropy with integer labels.")
            raise ValueError(
                f"BinaryCrossEntropy: {name} must hold 0/1 labels or probabilities in [0, 1], got "
                f"values {shown} ({name}{list(index)} = {y[index]:g}). {fix}"
            )
        return y

    def _forward(self, y_hat, y) -> float:
        if self.from_logits:
            self._cache = (y_hat, y)
            return float(np.mean(np.logaddexp(0.0, y_hat) - y * y_hat))
        # Checked here too, not only in forward: inside fit this is the network's own output,
        # and a network without a final sigmoid would otherwise be clipped silently.
        self._require_probabilities(y_hat)
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

    @property
    def takes_logits(self) -> bool:
        return self.from_logits

    def __repr__(self):
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


class SoftmaxCrossEntropy(Loss):
    r"""Softmax followed by cross-entropy, fused for stability, averaged over the batch.

    ``y_hat`` holds logits $z$ of shape ``(batch, classes)`` with at least two
    classes; ``y`` holds either integer class labels of shape ``(batch,)`` or
    one-hot rows of the same shape as ``y_hat``. With
    $p = \operatorname{softmax}(z)$ row by row:

    $$L = -\frac1N \sum_n \log p_{n, y_n},\qquad
      \frac{\partial L}{\partial z} = \frac1N (p - \text{onehot}(y)).$$

    Using $\log \operatorname{softmax}(z) = z - \operatorname{logsumexp}(z)$
    avoids both overflow in $e^{z}$ and $\log 0$.

    Target rows $t$ must be probability distributions: entries in $[0, 1]$
    that sum to 1 (one-hot rows, or softened ones such as 0.9/0.05/0.05). The
    gradient $p - t$ above relies on it: in general
    $\partial L / \partial z = p \sum_k t_k - t$. Two mistakes are refused
    with an explanation rather than trained on silently:

    * **one output column with 0/1 targets.** Softmax over one column is always
      1, so the loss is always 0 and nothing is learnt. Use
      :class:`BinaryCrossEntropy` ``(from_logits=True)`` for one output, or two
      outputs with labels 0/1.
    * **rows that do not sum to 1** (several classes marked at once, or
      unnormalised scores). Use :class:`BinaryCrossEntropy` per column for
      several labels per sample, or normalise the rows.
    """

    takes_logits = True

    def check_predictions(self, y_hat):
        self._require_logit_table(y_hat.shape)

    def _require_logit_table(self, shape):
        if len(shape) != 2:
            raise ValueError(
                f"SoftmaxCrossEntropy expects logits of shape (batch, classes), got {tuple(shape)}."
                + (" For one sample use y_hat.reshape(1, -1)." if len(shape) == 1 else "")
            )
        if shape[1] < 2:
            raise ValueError(
                f"SoftmaxCrossEntropy needs at least 2 classes (output columns), got logits of shape "
                f"{tuple(shape)}. Softmax over one column is always 1, so the loss would be 0 whatever "
                "the network does. For a yes/no target use one output with "
                "BinaryCrossEntropy(from_logits=True), or two outputs with labels 0 and 1."
            )

    def check_targets(self, y, output_shape, dtype=np.float64, name="y"):
        """Integer labels ``(batch,)`` become int64; one-hot rows become floats of ``dtype``."""
        self._require_logit_table(output_shape)
        batch, classes = output_shape
        y_array = np.asarray(y) if not isinstance(y, np.ndarray) else y
        if y_array.shape == tuple(output_shape):
            return self._check_distribution_rows(as_float_array(y_array, f"SoftmaxCrossEntropy: {name}", dtype=dtype),
                                                 name)
        if y_array.shape != (batch,):
            hint = ""
            if y_array.ndim == 2 and y_array.shape[1] == 1 and y_array.shape[0] == batch:
                hint = f" For labels in a column use {name}.ravel()."
            elif y_array.ndim >= 1 and y_array.shape[0] != batch:
                hint = " The number of rows differs: every sample needs exactly one label."
            raise ValueError(
                f"SoftmaxCrossEntropy: {name} must be integer labels of shape ({batch},) or one-hot "
                f"of shape {tuple(output_shape)}, got {y_array.shape}.{hint}"
            )
        return check_labels(y_array, classes, name, who="SoftmaxCrossEntropy")

    @staticmethod
    def _check_distribution_rows(y, name):
        check_finite(y, f"SoftmaxCrossEntropy: {name}")
        if y.min() < 0 or y.max() > 1:
            raise ValueError(
                f"SoftmaxCrossEntropy: one-hot {name} must hold values in [0, 1], got values from "
                f"{y.min():g} to {y.max():g}. Pass integer labels of shape (batch,) instead, "
                "or one row per sample with a 1 in the column of its class."
            )
        sums = y.sum(axis=1)
        tolerance = np.sqrt(np.finfo(y.dtype).eps)  # about 1e-8 in float64, 3e-4 in float32
        off = np.abs(sums - 1.0) > tolerance
        if off.any():
            row = int(np.argmax(off))
            raise ValueError(
                f"SoftmaxCrossEntropy: each row of {name} must be a probability distribution that sums "
                f"to 1 (one-hot), but row {row} sums to {sums[row]:g} ({int(off.sum())} row(s) do not). "
                "For several labels per sample use BinaryCrossEntropy(from_logits=True) on each "
                "column; for one label per sample pass its class number, or normalise the rows."
            )
        return y

    def _forward(self, y_hat, y) -> float:
        log_p = _log_softmax(y_hat, axis=1)  # (batch, classes)
        if y.ndim == 1:  # labels: pick each row's log-probability of its class
            picked = log_p[np.arange(len(y)), y]
        else:
            picked = np.sum(y * log_p, axis=1)
        self._cache = (log_p, y)
        # The mean as sum / count: the same operations as picked.mean(), without its Python layers.
        return -float(picked.sum() / picked.shape[0])

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


#: name -> class, so that ``fit(loss="mse")`` works.
LOSSES = {
    "sse": SSE,
    "mse": MSE,
    "bce": BinaryCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get_loss(loss) -> Loss:
    """Return a loss object from a name in :data:`LOSSES` (any case), a class or an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss()
    if isinstance(loss, str):
        return lookup_name(loss, LOSSES, "loss")()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)} or a Loss instance "
                     "such as nnlib.losses.MSE().")
