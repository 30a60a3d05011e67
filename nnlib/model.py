r"""``Sequential``: a network as a list of layers, and its training loop.

The forward pass feeds each layer's output to the next; the backward pass walks
the list in reverse, each layer turning $\partial L/\partial\,\text{output}$
into $\partial L/\partial\,\text{input}$ (the chain rule, one link at a time).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import (as_float_array, check_dtype, check_not_empty, check_positive_int,
                          check_rng)
from .layers import Layer
from .losses import Loss, SoftmaxCrossEntropy, get_loss
from .optim import SGD, Optimizer
from .progress import ProgressBar, in_notebook


# Overflow or 0/0 during training means divergence: raise at once instead of warning.
_RAISE_ON_OVERFLOW = dict(over="raise", invalid="raise", divide="raise", under="ignore")


def _divergence_hint(optimizer) -> str:
    return (f"The updates are probably too large: try a smaller learning rate than "
            f"{optimizer.lr:g}, e.g. ten times smaller, or scale the inputs.")


@dataclass
class Parameter:
    """One trainable array, its gradient, and a unique name such as ``"0.W"``.

    ``value`` and ``grad`` are the layer's own arrays (not copies), so
    ``p.value -= lr * p.grad`` updates the layer. Unpacks as
    ``name, value, grad = p``.
    """

    name: str
    value: np.ndarray
    grad: np.ndarray

    def __iter__(self):
        return iter((self.name, self.value, self.grad))


class TrainingDivergedError(FloatingPointError):
    """Raised by :meth:`Sequential.fit` when the loss stops being a finite number.

    ``history`` holds everything recorded up to that point.
    """

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history


@dataclass
class History:
    """What :meth:`Sequential.fit` recorded.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (penalty included).
    step_loss : list of float
        Loss of every mini-batch step, in order.
    val_loss, val_metric : list of float
        Per-epoch loss and metric on ``validation_data``, if given.
    train_metric : list of float
        Per-epoch metric on the training batches, if a metric was given.
    """

    loss: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    train_metric: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    metric_name: str | None = None


def accuracy(y_hat, y) -> float:
    """Fraction of correct predictions.

    ``y_hat`` of shape ``(batch, classes)`` with ``classes > 1`` is read as
    scores (the arg-max is the prediction); a single column is read as a
    probability of class 1 (threshold 0.5). ``y`` holds labels or one-hot rows.
    """
    y_hat = np.asarray(y_hat)
    y = np.asarray(y)
    if y_hat.ndim == 2 and y_hat.shape[1] > 1:
        predicted = y_hat.argmax(axis=1)
        truth = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
    else:
        predicted = (y_hat.reshape(-1) >= 0.5).astype(int)
        truth = y.reshape(-1)
    return float(np.mean(predicted == truth))


METRICS: dict[str, Callable] = {"accuracy": accuracy}


class Sequential:
    """A feed-forward network: layers applied one after the other.

    Parameters
    ----------
    layers : list of Layer
        E.g. ``[Dense(3, 4), Activation("sigmoid"), Dense(4, 1), Activation("sigmoid")]``.
    """

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer, got an empty list.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {i} is a {type(layer).__name__}, not an nnlib Layer; "
                    "build layers with nnlib.layers.Dense(...), Activation(...)."
                )
        self.layers = layers

    @property
    def dtype(self):
        """The dtype of the first layer that has one (Dense, Conv2D); float64 if none."""
        for layer in self.layers:
            if hasattr(layer, "dtype"):
                return layer.dtype
        return np.dtype(np.float64)

    def forward(self, x):
        """Run every layer in order; returns the network's output."""
        out = as_float_array(x, "x", dtype=self.dtype)
        for layer in self.layers:
            out = layer.forward(out)
        return out

    __call__ = forward

    def backward(self, dout, input_grad: bool = True):
        """Back-propagate ``dout`` = dL/d(output); fills every layer's ``grads``.

        Returns dL/dx, or ``None`` with ``input_grad=False`` (training never needs
        the gradient with respect to the data, and the first layer then skips it).
        """
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            dout = self.layers[i].backward(dout, input_grad=input_grad or i > 0)
            if dout is None:
                break
        return dout

    def predict(self, x, batch_size: int = 4096):
        """Outputs for ``x`` in chunks (memory stays bounded for large inputs)."""
        x = as_float_array(x, "x", dtype=self.dtype)
        check_not_empty(x, "x")
        chunks = [self.forward(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(chunks, axis=0)

    def parameters(self) -> list[Parameter]:
        """Every trainable array with its gradient, named ``"<layer index>.<key>"``."""
        return [Parameter(f"{i}.{key}", layer.params[key], layer.grads[key])
                for i, layer in enumerate(self.layers) for key in layer.params]

    def astype(self, dtype) -> "Sequential":
        """Convert every parameter to ``dtype`` (float32 or float64) in place; returns self."""
        dtype = check_dtype(dtype)
        for layer in self.layers:
            for key in layer.params:
                layer.params[key] = layer.params[key].astype(dtype)
                layer.grads[key] = np.zeros_like(layer.params[key])
            if hasattr(layer, "dtype"):
                layer.dtype = dtype
        return self

    def fit(self, X, y, loss="mse", optimizer: Optimizer | None = None, epochs: int = 100,
            batch_size: int | None = None, rng=None, shuffle: bool = True,
            validation_data=None, metric: str | Callable | None = None, penalty=None,
            progress: bool | None = None, callbacks=()) -> History:
        r"""Train with mini-batch gradient descent.

        Each step: forward a batch, compute the loss (plus ``penalty`` on every
        ``Dense`` weight matrix), back-propagate, and let ``optimizer`` update the
        parameters.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
        y : array, shape (n_samples, n_outputs), or (n_samples,) integer labels
            for :class:`~nnlib.losses.SoftmaxCrossEntropy`.
        loss : Loss or name, default "mse"
        optimizer : Optimizer, default ``SGD(lr=0.1)``
        epochs : int
            Passes over the data. With ``batch_size=None`` one epoch is one step.
        batch_size : int or None
            ``None`` means full batch.
        rng : Generator or int
            Shuffles the samples each epoch.
        validation_data : (X_val, y_val), optional
        metric : "accuracy" or callable ``(y_hat, y) -> float``, optional
        penalty : :class:`~nnlib.regularization.Penalty`, optional
        progress : bool or None
            Show a progress bar; ``None`` shows it in notebooks only.
        callbacks : iterable of callables ``f(epoch, model, history)``
            Called after every epoch.

        Returns
        -------
        History

        Raises
        ------
        TrainingDivergedError
            If the loss becomes NaN or infinite; names the epoch and step.
        """
        X = as_float_array(X, "X", dtype=self.dtype)
        loss_fn = get_loss(loss)
        y = self._check_targets(X, y, loss_fn)
        check_not_empty(X, "X")
        epochs = check_positive_int(epochs, "epochs")
        n = X.shape[0]
        batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size"), n)
        optimizer = SGD(lr=0.1) if optimizer is None else optimizer
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an nnlib.optim optimiser such as SGD(lr=0.1), got {optimizer!r}.")
        rng = check_rng(rng)
        metric_fn = self._resolve_metric(metric)
        history = History(metric_name=getattr(metric_fn, "__name__", None) if metric_fn else None)
        params = self.parameters()
        show = in_notebook() if progress is None else bool(progress)
        bar = ProgressBar(epochs, "epoch") if show else None

        for epoch in range(1, epochs + 1):
            order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
            total, correct_sum = 0.0, 0.0
            for step, start in enumerate(range(0, n, batch_size), start=1):
                idx = order[start:start + batch_size]
                xb, yb = (X, y) if batch_size == n else (X[idx], y[idx])
                try:
                    # Overflow or 0/0 anywhere in the step means the run has diverged:
                    # stop at once with an explanation rather than a numpy warning.
                    with np.errstate(**_RAISE_ON_OVERFLOW):
                        y_hat, value = self._train_step(xb, yb, loss_fn, optimizer, params, penalty)
                except FloatingPointError as err:
                    value = f"non-finite ({err})"
                if not isinstance(value, float) or not np.isfinite(value):
                    raise TrainingDivergedError(
                        f"the loss became {value} at epoch {epoch}, step {step} (after "
                        f"{len(history.step_loss)} good steps). {_divergence_hint(optimizer)}", history)
                history.step_loss.append(value)
                total += value * len(idx)
                if metric_fn:
                    correct_sum += metric_fn(y_hat, yb) * len(idx)
            history.loss.append(total / n)
            if metric_fn:
                history.train_metric.append(correct_sum / n)
            if validation_data is not None:
                try:
                    with np.errstate(**_RAISE_ON_OVERFLOW):
                        self._validate(validation_data, loss_fn, metric_fn, history)
                except FloatingPointError as err:
                    history.val_loss.append(float("nan"))
                    raise TrainingDivergedError(
                        f"the validation loss became non-finite ({err}) after epoch {epoch}. "
                        f"{_divergence_hint(optimizer)}", history) from None
            for callback in callbacks:
                callback(epoch, self, history)
            if bar:
                bar.update(epoch, self._summary(history), force=epoch == epochs)
        return history

    def _train_step(self, xb, yb, loss_fn, optimizer, params, penalty):
        """One forward pass, backward pass and update; returns (y_hat, loss)."""
        y_hat = self.forward(xb)
        value = loss_fn.forward(y_hat, yb)
        if penalty is not None:
            value += penalty.total(self)
        if not np.isfinite(value):
            return y_hat, value  # the caller reports it; do not update with it
        self.backward(loss_fn.backward(), input_grad=False)
        if penalty is not None:
            penalty.add_grads(self)
        optimizer.step(params)
        return y_hat, value

    def _validate(self, validation_data, loss_fn, metric_fn, history):
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise TypeError("validation_data must be a pair (X_val, y_val).") from None
        y_hat = self.predict(X_val)
        history.val_loss.append(loss_fn.forward(y_hat, y_val))
        if metric_fn:
            history.val_metric.append(metric_fn(y_hat, y_val))

    @staticmethod
    def _summary(history: History) -> str:
        parts = [f"loss {history.loss[-1]:.4g}"]
        if history.val_loss:
            parts.append(f"val_loss {history.val_loss[-1]:.4g}")
        if history.val_metric:
            parts.append(f"val_{history.metric_name} {history.val_metric[-1]:.4g}")
        return ", ".join(parts)

    @staticmethod
    def _resolve_metric(metric):
        if metric is None or callable(metric):
            return metric
        if metric in METRICS:
            return METRICS[metric]
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)} or a function.")

    @staticmethod
    def _check_targets(X, y, loss_fn: Loss):
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y must have the same number of samples (rows), got X {X.shape} and "
                f"y {y.shape}."
            )
        if isinstance(loss_fn, SoftmaxCrossEntropy) and y.ndim == 1:
            return y  # integer labels stay integers
        return as_float_array(y, "y", dtype=X.dtype)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"
