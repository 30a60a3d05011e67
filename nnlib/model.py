r"""``Sequential``: a network as a list of layers, and its training loop.

The forward pass feeds each layer's output to the next; the backward pass walks
the list in reverse, each layer turning $\partial L/\partial\,\text{output}$
into $\partial L/\partial\,\text{input}$ (the chain rule, one link at a time).

Checks and speed: ``forward``, ``backward``, ``predict`` and ``fit`` check
their data where they enter (types, shapes, finite numbers, targets that suit
the loss). Inside ``fit`` every mini-batch is a slice of arrays checked before
the first step, so the loop calls the layers' unchecked ``_forward`` and
``_backward`` and the loss's ``_forward``: the checks cost nothing per step.

Divergence: ``fit`` stops with a :class:`~nnlib.divergence.TrainingDivergedError` as
soon as a run has clearly diverged, long before the numbers overflow; the rules are in
:mod:`nnlib.divergence`.

Training and evaluation mode: some layers behave differently while a network trains
(:class:`~nnlib.dropout.Dropout` drops units, :class:`~nnlib.normalization.BatchNorm`
uses the batch's statistics) and when it is used (no dropping, running statistics).
:meth:`Sequential.train` and :meth:`Sequential.eval` switch every layer; ``forward``
uses the current mode, ``predict`` always evaluation mode. ``fit`` takes its training
steps in training mode and does everything else in evaluation mode (see its docstring).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import (as_float_array, check_batch, check_bool, check_dtype, check_finite, check_labels, check_not_empty,
                          check_positive_int, check_positive_number, check_rng, check_same_length, lookup_name,
                          numeric_guard)
from .callbacks import StopTraining
from .divergence import DIVERGENCE, DivergenceWatch, TrainingDivergedError, divergence_hint
from .layers import Layer, forward_in_model
from .losses import Loss, get_loss
from .optim import SGD, Optimizer, _clip_grad_norm
from .progress import ProgressBar, in_notebook
from .regularization import Penalty
from .schedules import as_schedule, checked_rate

# Overflow or 0/0 during training means divergence: raise at once instead of warning.
_RAISE_ON_OVERFLOW = dict(over="raise", invalid="raise", divide="raise", under="ignore")

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


@dataclass
class History:
    """What :meth:`Sequential.fit` recorded.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (penalty included).
    step_loss : list of float
        Loss of every mini-batch step, in order, each before that step's update.
    val_loss, val_metric : list of float
        Per-epoch loss and metric on ``validation_data``, if given.
    train_metric : list of float
        Per-epoch metric on the training batches, if a metric was given.
    start_loss : float or None
        The loss before training, on 64 rows spread over ``X`` (see :data:`DIVERGENCE`).
    lr : list of float
        The learning rate of every step, in order (constant without ``lr_schedule``).
    grad_norm : list of float
        With ``clip_norm``: the global gradient norm of every step, before clipping.
    validation : bool
        Whether ``fit`` had ``validation_data`` (so ``val_loss`` is recorded).
    stopped_epoch : int or None
        The epoch after which a callback stopped the run (:class:`~nnlib.callbacks.StopTraining`).
    stop_reason : str or None
        Why it stopped: the message of that ``StopTraining``.
    """

    loss: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    train_metric: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    metric_name: str | None = None
    start_loss: float | None = None
    lr: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    validation: bool = False
    stopped_epoch: int | None = None
    stop_reason: str | None = None


# ---------------------------------------------------------------- accuracy

def _predicted_classes(y_hat: np.ndarray) -> np.ndarray:
    if y_hat.ndim == 2 and y_hat.shape[1] > 1:
        return y_hat.argmax(axis=1)
    return (y_hat.reshape(-1) >= 0.5).astype(np.int64)


def _true_classes(y, n_columns: int, name: str = "y") -> np.ndarray:
    """Class numbers from labels or one-hot rows, checked against the number of prediction columns."""
    y = np.asarray(y)
    if n_columns > 1:
        if y.ndim == 2 and y.shape[1] == n_columns:
            y = as_float_array(y, f"accuracy: {name}")
            check_finite(y, f"accuracy: {name}")
            return y.argmax(axis=1)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            return check_labels(y.reshape(-1), n_columns, name, who="accuracy")
        raise ValueError(f"accuracy: with {n_columns} score columns, {name} must be labels of shape (n,) or "
                         f"one-hot rows of shape (n, {n_columns}), got shape {y.shape}.")
    if not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        raise ValueError(f"accuracy: with one prediction column, {name} must have shape (n,) or (n, 1), "
                         f"got {y.shape}.")
    truth = check_labels(y.reshape(-1), 2, name, who="accuracy (one column read as the probability of class 1)")
    return truth


def accuracy(y_hat, y) -> float:
    """Fraction of correct predictions.

    ``y_hat`` of shape ``(batch, classes)`` with ``classes > 1`` is read as
    scores (the arg-max is the prediction); a single column (or a 1-D array)
    is read as a probability of class 1 (threshold 0.5), and ``y`` must then
    hold 0/1. ``y`` holds labels or one-hot rows, one per row of ``y_hat``.
    """
    y_hat = as_float_array(y_hat, "accuracy: y_hat")
    check_not_empty(y_hat, "accuracy: y_hat")
    check_finite(y_hat, "accuracy: y_hat")
    if y_hat.ndim not in (1, 2):
        raise ValueError(f"accuracy: y_hat must be scores of shape (n, classes) or probabilities of shape "
                         f"(n,) or (n, 1), got {y_hat.shape}.")
    y = np.asarray(y)
    check_same_length(y_hat, y, "y_hat", "y")
    n_columns = y_hat.shape[1] if y_hat.ndim == 2 else 1
    truth = _true_classes(y, n_columns)
    return float(np.mean(_predicted_classes(y_hat) == truth))


METRICS: dict[str, Callable] = {"accuracy": accuracy}


# ---------------------------------------------------------------- the model

def _layer_calls(layer):
    """The unchecked forward and backward of an nnlib layer, or the public ones of a hand-written layer."""
    cls = type(layer)
    forward = layer._forward if cls.forward is Layer.forward else layer.forward
    if cls.backward is Layer.backward:
        backward = layer._backward
    else:
        def backward(dout, input_grad, _public=layer.backward):
            return _public(dout)
    return forward, backward


class Sequential:
    """A feed-forward network: layers applied one after the other.

    Parameters
    ----------
    layers : list of Layer, or the layers one by one
        E.g. ``Sequential([Dense(3, 4), Activation("sigmoid"), Dense(4, 1)])``;
        ``Sequential(Dense(3, 4), Activation("sigmoid"), Dense(4, 1))`` means the same.

    Attributes
    ----------
    layers : list of Layer
    training : bool
        ``True`` in training mode (the mode of a new model), ``False`` in
        evaluation mode; set it with :meth:`train` and :meth:`eval` (assigning
        it does the same), which switch every layer.
    """

    def __init__(self, *layers, **keywords):
        if keywords:
            if set(keywords) != {"layers"} or layers:
                raise TypeError(f"Sequential takes the layers only, got the keyword(s) {sorted(keywords)}. "
                                "Write e.g. Sequential([Dense(3, 4), Activation('relu'), Dense(4, 1)]).")
            layers = (keywords["layers"],)
        if len(layers) == 1 and not isinstance(layers[0], Layer):
            layers = layers[0]
            if isinstance(layers, Sequential):
                layers = layers.layers
            try:
                layers = list(layers)
            except TypeError:
                raise TypeError(f"Sequential needs a list of layers, got {type(layers).__name__} {layers!r}. "
                                "Write e.g. Sequential([Dense(3, 4), Activation('relu'), Dense(4, 1)]).") from None
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer, got an empty list. "
                             "Write e.g. Sequential([Dense(3, 4), Activation('relu'), Dense(4, 1)]).")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                if isinstance(layer, type) and issubclass(layer, Layer):
                    hint = f" It is the class itself: create a layer, e.g. {layer.__name__}(...) with its sizes."
                elif isinstance(layer, str):
                    hint = f" For an activation write Activation({layer!r})."
                else:
                    hint = " Build layers with nnlib.layers.Dense(...), Activation(...)."
                raise TypeError(f"layer {i} is a {type(layer).__name__}, not an nnlib Layer.{hint}")
        self.layers = layers
        self.train()  # a new model starts in training mode, every layer alike

    # -- training and evaluation mode -------------------------------------------
    def train(self, mode: bool = True) -> "Sequential":
        """Switch every layer to training mode (``mode=False``: evaluation mode); returns the model.

        Training mode: :class:`~nnlib.dropout.Dropout` drops units and
        :class:`~nnlib.normalization.BatchNorm` normalises with the batch's
        statistics (and updates its running ones). Evaluation mode: no
        dropping, running statistics. Other layers behave the same in both.
        """
        mode = check_bool(mode, "mode")
        for layer in self.layers:
            layer.training = mode
        self._training = mode
        return self

    def eval(self) -> "Sequential":
        """Switch every layer to evaluation mode; returns the model. Same as ``train(False)``."""
        return self.train(False)

    @property
    def training(self) -> bool:
        return self._training

    @training.setter
    def training(self, mode: bool) -> None:
        self.train(mode)

    @property
    def dtype(self):
        """The dtype of the first layer that has one (Dense, Conv2D); float64 if none."""
        for layer in self.layers:
            if hasattr(layer, "dtype"):
                return layer.dtype
        return np.dtype(np.float64)

    # -- forward and backward ------------------------------------------------
    def forward(self, x):
        """Run every layer in order; returns the network's output.

        ``x`` is checked once (numbers, finite, the first layer's shape); each
        layer checks the shape it receives.
        """
        x = as_float_array(x, "x", dtype=self.dtype)
        check_finite(x, "x")
        with numeric_guard("Sequential.forward", "The weights or the inputs are too large: scale the "
                                                 "inputs (e.g. nnlib.data.standardize), or retrain."):
            return self._checked_forward(x)

    __call__ = forward

    def _checked_forward(self, x):
        """Forward pass that checks the shape each layer receives, but not the numbers again."""
        out = x
        for i, layer in enumerate(self.layers):
            out = forward_in_model(i, layer, out)
        return out

    def _fast_forward(self, x, calls):
        for forward, _ in calls:
            x = forward(x)
        return x

    def backward(self, dout, input_grad: bool = True):
        """Back-propagate ``dout`` = dL/d(output); fills every layer's ``grads``.

        Returns dL/dx, or ``None`` with ``input_grad=False`` (training never needs
        the gradient with respect to the data, and the first layer then skips it).
        """
        last = self.layers[-1]
        if cls_is_checked(last):
            last._require_forward()
            dout = last._check_dout(dout)
        else:
            dout = as_float_array(dout, "dout")
        check_finite(dout, "Sequential.backward dout")
        with numeric_guard("Sequential.backward", "The gradients are too large: the run has probably "
                                                  "diverged; try a smaller learning rate."):
            return self._fast_backward(dout, [_layer_calls(layer) for layer in self.layers], input_grad)

    def _fast_backward(self, dout, calls, input_grad, stop: int = 0):
        """Back-propagate through layers ``len(calls) - 1`` down to ``stop``.

        ``fit`` passes ``input_grad=False`` and ``stop`` = the first layer with parameters:
        layers before it learn nothing, and the gradient with respect to their input (the
        data, in the end) is never used, so their backward passes would be wasted work
        (for chapter 10's conv net, a ``Reshape`` before the ``Conv2D`` would make the
        convolution compute its input gradient).
        """
        for i in range(len(calls) - 1, stop - 1, -1):
            dout = calls[i][1](dout, input_grad or i > stop)
            if dout is None:
                break
        return dout

    def predict(self, x, batch_size: int = 4096):
        """Outputs for ``x`` in chunks (memory stays bounded for large inputs), in evaluation mode.

        The model is switched to evaluation mode for the call and back to its
        mode afterwards, so dropout is off and batch normalisation uses its
        running statistics: a sample's prediction does not depend on the chunk.
        """
        x = as_float_array(x, "x", dtype=self.dtype)
        check_batch(x, "x")
        check_finite(x, "x")
        batch_size = check_positive_int(batch_size, "batch_size")
        was_training = self._training
        self.eval()
        try:
            with numeric_guard("Sequential.predict", "The weights or the inputs are too large: scale the "
                                                     "inputs (e.g. nnlib.data.standardize), or retrain."):
                chunks = [self._checked_forward(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        finally:
            self.train(was_training)
        return np.concatenate(chunks, axis=0)

    def parameters(self) -> list[Parameter]:
        """Every trainable array with its gradient, named ``"<layer index>.<key>"``."""
        return [Parameter(f"{i}.{key}", layer.params[key], layer.grads[key])
                for i, layer in enumerate(self.layers) for key in layer.params]

    def astype(self, dtype) -> "Sequential":
        """Convert every parameter and buffer to ``dtype`` (float32 or float64) in place; returns self."""
        dtype = check_dtype(dtype)
        for layer in self.layers:
            for key in layer.params:
                layer.params[key] = layer.params[key].astype(dtype)
                layer.grads[key] = np.zeros_like(layer.params[key])
            buffers = getattr(layer, "buffers", {})
            for key in buffers:
                buffers[key] = buffers[key].astype(dtype)
            if hasattr(layer, "dtype"):
                layer.dtype = dtype
        return self

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, named ``"<layer index>.<key>"`` (e.g. ``"0.W"``).

        Buffers are the state a layer keeps without training it, such as the
        running statistics of :class:`~nnlib.normalization.BatchNorm`
        (``"1.running_mean"``). The copies do not change when the model trains
        on, so a state can be restored later with :meth:`load_state_dict`.
        """
        state = {p.name: p.value.copy() for p in self.parameters()}
        for i, layer in enumerate(self.layers):
            for key, value in getattr(layer, "buffers", {}).items():
                state[f"{i}.{key}"] = value.copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Copy the arrays of ``state`` (from :meth:`state_dict`) into the model's own, in place.

        In place, so the lists from :meth:`parameters` and an optimiser's
        state still refer to the model's arrays. Every name must match, with
        the same shape: a state belongs to one architecture.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict needs the dict from model.state_dict(), got {type(state).__name__}.")
        targets = {p.name: p.value for p in self.parameters()}
        for i, layer in enumerate(self.layers):
            for key, value in getattr(layer, "buffers", {}).items():
                targets[f"{i}.{key}"] = value
        if set(state) != set(targets):
            missing, extra = sorted(set(targets) - set(state)), sorted(set(state) - set(targets))
            raise ValueError(f"load_state_dict: the state does not fit this model (missing {missing}, unexpected "
                             f"{extra}). A state can only be loaded into a model with the same layers.")
        for name, target in targets.items():
            value = as_float_array(state[name], f"load_state_dict: {name!r}")
            if value.shape != target.shape:
                raise ValueError(f"load_state_dict: {name!r} has shape {value.shape}, but the model's has "
                                 f"{target.shape}. A state can only be loaded into a model with the same layers.")
            check_finite(value, f"load_state_dict: {name!r}")
        for name, target in targets.items():
            np.copyto(target, state[name], casting="same_kind")

    # -- training ----------------------------------------------------------------
    def fit(self, X, y, loss="mse", optimizer: Optimizer | None = None, epochs: int = 100,
            batch_size: int | None = None, rng=None, shuffle: bool = True,
            validation_data=None, metric: str | Callable | None = None, penalty=None,
            progress: bool | None = None, callbacks=(), lr_schedule=None,
            clip_norm: float | None = None) -> History:
        r"""Train with mini-batch gradient descent.

        Each step: forward a batch, compute the loss (plus ``penalty`` on the
        weights of every ``Dense`` and ``Conv2D`` layer), back-propagate,
        optionally clip the gradients, and let ``optimizer`` update the parameters.

        Everything is checked once, before the first step: ``X`` and ``y``
        (finite numbers, matching lengths, targets that suit the loss, the
        shapes the layers expect) and every argument.

        Modes: the training steps run in training mode (dropout on, batch
        statistics); everything else runs in evaluation mode: the check of the
        first rows and the starting loss, the validation loss and metric, and
        the callbacks. When ``fit`` returns (or raises), the model is back in
        the mode it was in before the call.

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
        shuffle : bool, default True
        validation_data : (X_val, y_val), optional
        metric : "accuracy" or callable ``(y_hat, y) -> float``, optional
        penalty : :class:`~nnlib.regularization.Penalty`, optional
        progress : bool or None
            Show a progress bar; ``None`` shows it in notebooks only.
        callbacks : callable or iterable of callables ``f(epoch, model, history)``
            Called after every epoch, in evaluation mode; one may end the run by
            raising :class:`~nnlib.callbacks.StopTraining` (see :mod:`nnlib.callbacks`,
            e.g. :class:`~nnlib.callbacks.EarlyStopping`).
        lr_schedule : schedule or callable ``t -> rate``, optional
            Before step ``t`` (counted in optimiser steps from 0 over the whole
            run, not in epochs) the optimiser's ``lr`` is set to
            ``lr_schedule(t)``, a finite rate >= 0; see :mod:`nnlib.schedules`.
            After ``fit`` the optimiser keeps the rate of the last step.
        clip_norm : float > 0, optional
            Clip the gradients to this global norm before every update
            (:func:`~nnlib.optim.clip_grad_norm`); ``history.grad_norm`` then
            records each step's norm before clipping.

        Returns
        -------
        History
            Among others ``history.lr``, the rate of every step.

        Raises
        ------
        TrainingDivergedError
            If the loss becomes NaN or infinite, or the run diverges by the
            rules in :data:`DIVERGENCE`; names the epoch, the step and the rule.
        """
        X = as_float_array(X, "X", dtype=self.dtype)
        check_batch(X, "X")
        check_finite(X, "X")
        loss_fn = get_loss(loss)
        epochs = check_positive_int(epochs, "epochs")
        n = X.shape[0]
        batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size"), n)
        shuffle = check_bool(shuffle, "shuffle")
        optimizer = _check_optimizer(optimizer)
        rng = check_rng(rng)
        metric_fn = self._resolve_metric(metric)
        penalty = _check_penalty(penalty)
        show = in_notebook() if progress is None else check_bool(progress, "progress")
        callbacks = _check_callbacks(callbacks)
        schedule = as_schedule(lr_schedule)
        rate_owner = _rate_owner(optimizer)
        if schedule is not None:
            checked_rate(schedule, 0)  # a schedule that cannot give step 0 a rate fails before training
        if clip_norm is not None:
            clip_norm = check_positive_number(clip_norm, "clip_norm", " It is the largest global gradient norm "
                                                                      "allowed, e.g. 1.0 or 5.0.")
        self._check_training_batches(n, batch_size)

        was_training = self._training
        self.eval()  # the probes must not drop units or move running statistics
        try:
            # One checked forward pass over the first rows: every layer checks the shape it gets,
            # the output's shape tells us what the targets must look like, and its loss is the
            # starting value the divergence rules compare against.
            y_array = np.asarray(y) if not isinstance(y, np.ndarray) else y
            check_same_length(X, y_array, "X", "y")
            m = min(n, DIVERGENCE["start_samples"])
            spread = np.linspace(0, n - 1, m).round().astype(np.intp)  # m rows spread evenly over X
            probe = self._probe_output(X[spread], "X")
            y = _prepare_targets(loss_fn, y_array, (n,) + probe.shape[1:], X.dtype, "y")
            validation = None
            if validation_data is not None:
                validation = self._prepare_validation(validation_data, X, loss_fn)
            truth = val_truth = None
            if metric_fn is accuracy:
                columns = probe.shape[1] if probe.ndim == 2 else 1
                truth = _true_classes(y, columns)
                if validation is not None:
                    val_truth = _true_classes(validation[1], columns, "validation_data y_val")

            params = self.parameters()
            optimizer.check_state(params)
            custom_loss = type(loss_fn).forward is not Loss.forward
            history = History(metric_name=getattr(metric_fn, "__name__", None) if metric_fn else None,
                              validation=validation is not None)
            run = _Run(calls=[_layer_calls(layer) for layer in self.layers], loss_fn=loss_fn,
                       loss_forward=loss_fn.forward if custom_loss else loss_fn._forward, optimizer=optimizer,
                       params=params, penalty=penalty, metric=metric_fn, truth=truth, clip_norm=clip_norm,
                       grad_norms=history.grad_norm, first_learner=_first_learner(self.layers))
            history.start_loss = self._start_loss(probe, y[spread], run)
            run.watch = DivergenceWatch(history.start_loss, optimizer, history)
            for callback in callbacks:
                if hasattr(callback, "on_train_begin"):
                    callback.on_train_begin(self, history)
            bar = ProgressBar(epochs, "epoch") if show else None

            for epoch in range(1, epochs + 1):
                self.train()
                order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
                total, correct_sum = 0.0, 0.0
                for step, start in enumerate(range(0, n, batch_size), start=1):
                    idx = order[start:start + batch_size]
                    xb, yb = (X, y) if batch_size == n else (X[idx], y[idx])
                    if schedule is not None:  # the schedule's clock: steps taken so far in this run
                        rate_owner.lr = checked_rate(schedule, len(history.lr))
                    y_hat, value = self._train_step(xb, yb, run, epoch, step)
                    history.step_loss.append(value)
                    history.lr.append(rate_owner.lr)
                    total += value * len(idx)
                    if metric_fn:
                        correct_sum += run.batch_metric(y_hat, yb, idx if batch_size < n else slice(None)) * len(idx)
                self.eval()
                history.loss.append(total / n)
                if metric_fn:
                    history.train_metric.append(correct_sum / n)
                if validation is not None:
                    self._validate(validation, val_truth, run, history, epoch)
                stop = _run_callbacks(callbacks, epoch, self, history)
                if bar:
                    bar.update(epoch, self._summary(history) + (", stopped early" if stop else ""),
                               force=stop or epoch == epochs)
                if stop:
                    break
            for callback in callbacks:
                if hasattr(callback, "on_train_end"):
                    callback.on_train_end(self, history)
        finally:
            self.train(was_training)
        return history

    def _check_training_batches(self, n, batch_size):
        """Refuse mini-batches smaller than a layer needs in training mode (BatchNorm: 2 samples)."""
        smallest = n - (math.ceil(n / batch_size) - 1) * batch_size  # the last mini-batch
        for i, layer in enumerate(self.layers):
            need = getattr(layer, "min_training_batch", 1)
            if smallest < need:
                raise ValueError(
                    f"layer {i} ({layer!r}) needs at least {need} samples in every training mini-batch, but with "
                    f"{n} samples and batch_size {batch_size} the last mini-batch holds {smallest}. Choose a "
                    f"batch_size that leaves no such remainder (for example {_batch_size_hint(n, batch_size, need)})"
                    f", or leave out {smallest} sample(s)."
                )

    def _probe_output(self, X_part, name):
        """The checked forward pass on a few rows; overflow here means the inputs are far too large."""
        try:
            with np.errstate(**_RAISE_ON_OVERFLOW):
                return self._checked_forward(X_part)
        except FloatingPointError as err:
            raise ValueError(
                f"before training: the untrained network's output on the first rows of {name} is not a finite "
                f"number ({err}). The inputs are far too large for the network (largest |{name}| = "
                f"{np.abs(X_part).max():.3g}): scale them first, e.g. with nnlib.data.standardize."
            ) from None

    def _train_step(self, xb, yb, run, epoch, step):
        """One forward pass, loss, divergence check, backward pass and update; returns (y_hat, loss)."""
        try:
            # Overflow or 0/0 anywhere in the step means the run has diverged:
            # stop at once with an explanation rather than a numpy warning.
            with np.errstate(**_RAISE_ON_OVERFLOW):
                y_hat = self._fast_forward(xb, run.calls)
                value = run.loss_forward(y_hat, yb)
                if run.penalty is not None:
                    value += run.penalty.total(self)
                run.watch.check(value, epoch, step)  # before the update: the model keeps these weights
                self._fast_backward(run.loss_fn.backward(), run.calls, input_grad=False, stop=run.first_learner)
                if run.penalty is not None:
                    run.penalty.add_grads(self)
                if run.clip_norm is not None:
                    run.grad_norms.append(_clip_grad_norm(run.params, run.clip_norm))
                run.optimizer._step(run.params)
        except TrainingDivergedError:
            raise
        except FloatingPointError as err:
            run.watch.non_finite(f"non-finite ({err})", epoch, step)
        return y_hat, value

    def _start_loss(self, probe, y_part, run):
        try:
            with np.errstate(**_RAISE_ON_OVERFLOW):
                value = run.loss_forward(probe, y_part)
                if run.penalty is not None:
                    value += run.penalty.total(self)
        except FloatingPointError as err:
            raise ValueError(f"before training: the loss of the untrained network is not a finite number ({err}). "
                             "The inputs or targets are far too large: scale them first, e.g. with "
                             "nnlib.data.standardize.") from None
        return float(value)

    def _prepare_validation(self, validation_data, X, loss_fn):
        if isinstance(validation_data, (str, bytes, dict)) or not hasattr(validation_data, "__len__") \
                or len(validation_data) != 2:
            raise TypeError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}"
                            f"{' of length ' + str(len(validation_data)) if hasattr(validation_data, '__len__') else ''}. "
                            "Write validation_data=(X_val, y_val).")
        X_val, y_val = validation_data
        X_val = as_float_array(X_val, "validation_data X_val", dtype=self.dtype)
        check_batch(X_val, "validation_data X_val")
        if X_val.shape[1:] != X.shape[1:]:
            raise ValueError(f"validation_data X_val has shape {X_val.shape}, but X has {X.shape}: each "
                             f"validation sample must have the shape of a training sample, {X.shape[1:]}.")
        check_finite(X_val, "validation_data X_val")
        y_val = np.asarray(y_val)
        check_same_length(X_val, y_val, "validation_data X_val", "validation_data y_val")
        probe = self._probe_output(X_val[:1], "validation_data X_val")
        y_val = _prepare_targets(loss_fn, y_val, (len(X_val),) + probe.shape[1:], X.dtype, "validation_data y_val")
        return X_val, y_val

    def _validate(self, validation, val_truth, run, history, epoch):
        X_val, y_val = validation
        try:
            with np.errstate(**_RAISE_ON_OVERFLOW):
                y_hat = np.concatenate([self._fast_forward(X_val[i:i + 4096], run.calls)
                                        for i in range(0, len(X_val), 4096)], axis=0)
                value = run.loss_forward(y_hat, y_val)
                if not np.isfinite(value):
                    raise FloatingPointError(f"the value is {value}")
        except FloatingPointError as err:
            history.val_loss.append(float("nan"))
            raise TrainingDivergedError(
                f"the validation loss became non-finite ({err}) after epoch {epoch}, although the data "
                f"were checked and are finite: the weights have grown too large. {divergence_hint(run.optimizer)}",
                history, "non-finite", epoch, 0) from None
        history.val_loss.append(value)
        if run.metric is accuracy:
            history.val_metric.append(float(np.mean(_predicted_classes(y_hat) == val_truth)))
        elif run.metric:
            history.val_metric.append(run.metric(y_hat, y_val))

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
        if isinstance(metric, str):
            try:
                return lookup_name(metric, METRICS, "metric")
            except ValueError:
                raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)} or a function "
                                 "(y_hat, y) -> float.") from None
        raise TypeError(f"metric must be a name such as 'accuracy' or a function (y_hat, y) -> float, "
                        f"got {type(metric).__name__} {metric!r}.")

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"


def cls_is_checked(layer) -> bool:
    """True for layers that follow nnlib's checked/unchecked split (every layer in nnlib)."""
    return type(layer).backward is Layer.backward


# ---------------------------------------------------------------- fit's helpers

def _prepare_targets(loss_fn, y, output_shape, dtype, name):
    """Check all targets once, against the shape of the network's output."""
    if type(loss_fn).forward is not Loss.forward:  # a hand-written loss: check what we can
        if y.dtype.kind in "biuf":
            if y.dtype.kind == "f":
                check_finite(y, name)
            return y
        return as_float_array(y, name)
    return loss_fn.check_targets(y, output_shape, dtype, name)


def _check_optimizer(optimizer):
    if optimizer is None:
        return SGD(lr=0.1)
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an optimiser object, got the class {optimizer.__name__}: "
                        f"create one with a learning rate, e.g. optimizer={optimizer.__name__}(lr=0.1).")
    raise TypeError(f"optimizer must be an nnlib.optim optimiser such as SGD(lr=0.1) or Adam(lr=1e-3), "
                    f"got {type(optimizer).__name__} {optimizer!r}.")


def _check_penalty(penalty):
    if penalty is None or isinstance(penalty, Penalty):
        return penalty
    if isinstance(penalty, type) and issubclass(penalty, Penalty):
        raise TypeError(f"penalty must be a penalty object, got the class {penalty.__name__}: give it a "
                        f"strength, e.g. penalty={penalty.__name__}(1e-3).")
    if hasattr(penalty, "total") and hasattr(penalty, "add_grads"):
        return penalty
    raise TypeError(f"penalty must be an nnlib.regularization penalty such as L2(1e-3) or L1(1e-4), got "
                    f"{type(penalty).__name__} {penalty!r}.")


def _first_learner(layers) -> int:
    """Index of the first layer with parameters (0 if none has any, or a layer has no ``params``).

    Training back-propagates only down to this layer: nothing before it is trained.
    """
    for i, layer in enumerate(layers):
        params = getattr(layer, "params", None)
        if not isinstance(params, dict) or params:
            return i
    return 0


def _rate_owner(optimizer):
    """The optimiser whose ``lr`` a schedule sets: the innermost one of a wrapper (its ``inner``)."""
    owner = optimizer
    while isinstance(getattr(owner, "inner", None), Optimizer):
        owner = owner.inner
    return owner


def _batch_size_hint(n, batch_size, need):
    """A batch size near ``batch_size`` whose last mini-batch has at least ``need`` samples."""
    for candidate in sorted(range(need, n + 1), key=lambda b: (abs(b - batch_size), -b)):
        if n - (math.ceil(n / candidate) - 1) * candidate >= need:
            return candidate
    return n


def _run_callbacks(callbacks, epoch, model, history) -> bool:
    """Call every callback; True if one raised StopTraining (all of them still run this epoch)."""
    stop = None
    for callback in callbacks:
        try:
            callback(epoch, model, history)
        except StopTraining as reason:
            stop = stop or reason
    if stop is not None:
        history.stopped_epoch = epoch
        history.stop_reason = str(stop)
        return True
    return False


def _check_callbacks(callbacks):
    if callbacks is None:
        return []
    if callable(callbacks):
        return [callbacks]  # one callback on its own
    try:
        callbacks = list(callbacks)
    except TypeError:
        raise TypeError(f"callbacks must be a list of functions f(epoch, model, history), got "
                        f"{type(callbacks).__name__}.") from None
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callback {i} is a {type(callback).__name__}, not a function f(epoch, model, history).")
    return callbacks


@dataclass
class _Run:
    """What one call of ``fit`` needs at every step, gathered once before the first."""

    calls: list
    loss_fn: Loss
    loss_forward: Callable
    optimizer: Optimizer
    params: list
    penalty: object
    metric: Callable | None
    truth: np.ndarray | None
    clip_norm: float | None = None
    grad_norms: list | None = None
    first_learner: int = 0
    watch: "DivergenceWatch | None" = None

    def batch_metric(self, y_hat, yb, idx):
        if self.metric is accuracy:  # the classes were checked once; compare them directly
            # count / n is np.mean's value, without its Python layers (it runs at every step)
            return np.count_nonzero(_predicted_classes(y_hat) == self.truth[idx]) / len(y_hat)
        return self.metric(y_hat, yb)
