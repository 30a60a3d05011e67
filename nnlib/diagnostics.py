r"""Per-layer health statistics of a network: the numbers behind "is it learning?".

For every ``Dense`` and every ``Conv2D`` layer $\ell$ (with the activation that
follows it, if any) :func:`layer_statistics` runs one forward and one backward
pass and reports

* ``act_mean``, ``act_std``: mean and standard deviation of the activations $a^{(\ell)}$;
* ``saturated``: for sigmoid and tanh, the fraction of activations whose local
  derivative $\varphi'(z)$ is below 1% of its maximum (the unit barely passes
  gradient back); ``nan`` for other activations;
* ``dead``: for ReLU, the fraction of units that output 0 for *every* sample of
  the batch (no gradient reaches their weights); ``nan`` for other activations.
  For a ``Conv2D`` layer a unit is a filter (an output channel), dead when it
  outputs 0 at every position of every image;
* ``zero``: the fraction of activations that are exactly 0 (sparsity);
* ``grad_norm``: $\lVert \partial L / \partial W^{(\ell)} \rVert$, the Frobenius
  norm of the weight gradient (over all entries of a convolution kernel);
* ``update_ratio``: $\eta \lVert \partial L/\partial W \rVert / \lVert W \rVert$,
  the relative size of one plain SGD step (healthy runs sit near $10^{-3}$), if
  ``lr`` is given. With momentum or Adam the real step differs (momentum makes it
  up to $1/(1-\mu)$ times larger), so read it as an indication only.

Which activation belongs to a layer
-----------------------------------
The activation that follows the layer, even when normalisation or dropout stands
between them: in ``Dense -> BatchNorm -> ReLU`` the ReLU's output is measured (its
dead units, its zeros) and its input, the normalised value, decides saturation.
:data:`BETWEEN_LAYERS` lists the layers that may stand there;
:func:`measured_activations` returns the arrays measured.

Which mode
----------
Normalisation and dropout behave differently in training and in evaluation, so a
measurement has to pick one; it never depends on the mode the model happens to be
in, and it changes nothing (the model keeps its mode and its running statistics).

* ``mode="train"`` (the default): what a training step on ``X`` computes.
  :class:`~nnlib.normalization.BatchNorm` normalises with the statistics of ``X``
  itself, and the gradients are those of a training step. This is what the
  optimiser sees, and the only honest picture of an untrained network: in
  evaluation mode a new ``BatchNorm`` layer divides by its starting running
  variance of 1 and normalises nothing. Two things differ from a real step, so
  that measuring cannot change the run: the running statistics are put back, and
  :class:`~nnlib.dropout.Dropout` drops nothing (a random mask would make the
  numbers noisy and use up random numbers the run needs).
* ``mode="eval"``: what ``predict`` computes, with the running statistics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (as_float_array, check_batch, check_choice, check_finite, check_positive_int,
                          check_positive_number, numeric_guard)
from .conv import Conv2D
from .dropout import Dropout
from .layers import Activation, Dense, forward_in_model
from .losses import Loss, get_loss
from .normalization import BatchNorm, LayerNorm

#: Layer types measured by :func:`layer_statistics`: the ones with a weight array ``W``.
MEASURED_LAYERS = (Dense, Conv2D)

#: Layers that may stand between a measured layer and its activation. Each acts on every unit
#: separately (rescales it, or while measuring leaves it alone), so the activation after them
#: still belongs to the measured layer's units.
BETWEEN_LAYERS = (BatchNorm, LayerNorm, Dropout)

#: The modes a measurement can take; see "Which mode" above.
MODES = ("train", "eval")

_SATURATING = {"sigmoid", "tanh"}
_MAX_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0}
_RELU_LIKE = {"relu"}


@dataclass
class LayerStats:
    """Statistics of one layer; see the module docstring for each field."""

    layer: int
    activation: str
    act_mean: float
    act_std: float
    saturated: float
    dead: float
    zero: float
    grad_norm: float
    weight_norm: float
    update_ratio: float
    kind: str = "Dense"
    norm: str = ""  # the normalisation between the layer and its activation ("BatchNorm", "LayerNorm"), if any


def layer_statistics(model, X, y, loss, lr: float | None = None, mode: str = "train") -> list[LayerStats]:
    """Run one forward and backward pass on ``(X, y)`` and measure every layer.

    Parameter gradients are left in the layers' ``grads``; parameters, running
    statistics and the model's mode are not changed.

    Parameters
    ----------
    model : Sequential
    X, y : arrays, as for ``model.fit``
    loss : Loss or name
    lr : float, optional
        The learning rate, for ``update_ratio``.
    mode : {"train", "eval"}, default "train"
        ``"train"``: as a training step on ``X`` computes (batch normalisation with the
        statistics of ``X``; dropout off); ``"eval"``: as ``predict`` computes (running
        statistics). See the module docstring for why training is the default.

    Returns
    -------
    list of LayerStats, one per Dense or Conv2D layer, input side first.
    """
    layers = _layers_of(model, "layer_statistics")
    loss = get_loss(loss)
    if lr is not None:
        lr = check_positive_number(lr, "lr", " Pass the learning rate of the optimiser, or None.")
    X = _checked_input(model, X, mode, "layer_statistics")
    with _measuring(layers, mode), numeric_guard(
            "layer_statistics", "The weights are too large for the data type: the run has probably diverged."):
        outputs = _outputs(layers, X)
        out = outputs[-1]
        if type(loss).forward is Loss.forward:
            y = loss.check_targets(y, out.shape, out.dtype, "y")
            loss._forward(out, y)
        else:
            loss.forward(out, y)
        model.backward(loss.backward())

    stats = []
    for i, j, follower in _blocks(layers):
        layer = layers[i]
        if follower is not None:
            name, a, z = follower.act.name, outputs[j], outputs[j - 1]
        else:
            name, a, z = "identity", outputs[j], outputs[j]
        grad_norm = float(np.linalg.norm(layer.grads["W"]))
        weight_norm = float(np.linalg.norm(layer.params["W"]))
        saturated = dead = float("nan")
        if name in _SATURATING:
            derivative = follower.act._grad(z)
            saturated = float(np.mean(derivative < 0.01 * _MAX_DERIVATIVE[name]))
        if name in _RELU_LIKE:
            # A unit is a column of a Dense output, a channel (filter) of a Conv2D output.
            over = (0,) if a.ndim == 2 else (0,) + tuple(range(2, a.ndim))
            dead = float(np.mean(np.all(a == 0, axis=over)))
        ratio = lr * grad_norm / weight_norm if lr is not None and weight_norm > 0 else float("nan")
        norm = next((type(between).__name__ for between in layers[i + 1:j + (follower is None)]
                     if not isinstance(between, Dropout)), "")
        stats.append(LayerStats(
            layer=len(stats) + 1, activation=name, act_mean=float(a.mean()), act_std=float(a.std()),
            saturated=saturated, dead=dead, zero=float(np.mean(a == 0)), grad_norm=grad_norm,
            weight_norm=weight_norm, update_ratio=float(ratio), kind=type(layer).__name__, norm=norm))
    return stats


def measured_activations(model, X, mode: str = "train") -> tuple[list[np.ndarray], np.ndarray]:
    """The activations :func:`layer_statistics` measures, one array per Dense or Conv2D layer, and the output.

    For each measured layer: the output of the activation that follows it (after any
    layers of :data:`BETWEEN_LAYERS`), or, without one, the output of the last layer
    of the block. One forward pass in ``mode`` (see the module docstring); nothing
    in the model changes.

    Returns
    -------
    activations : list of ndarray, input side first, each (batch, units) or (batch, channels, H, W)
    output : ndarray, the network's output
    """
    layers = _layers_of(model, "measured_activations")
    X = _checked_input(model, X, mode, "measured_activations")
    with _measuring(layers, mode), numeric_guard(
            "measured_activations", "The weights are too large for the data type: the run has probably diverged."):
        outputs = _outputs(layers, X)
    return [outputs[j] for _, j, _ in _blocks(layers)], outputs[-1]


def _layers_of(model, who):
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"{who} needs a Sequential model, got {type(model).__name__}.")
    return layers


def _checked_input(model, X, mode, who):
    check_choice(mode, "mode", MODES, " Use 'train' for the statistics of a training step (the default), "
                                      "'eval' for those of predict.")
    X = as_float_array(X, f"{who}: X", dtype=model.dtype)
    check_batch(X, f"{who}: X")
    check_finite(X, f"{who}: X")
    if mode == "train":
        for i, layer in enumerate(model.layers):
            need = getattr(layer, "min_training_batch", 1)
            if len(X) < need:
                raise ValueError(
                    f"{who}: layer {i} ({layer!r}) normalises over the batch in a training step and needs at "
                    f"least {need} samples, got {len(X)}. Measure on more samples, or pass mode='eval' to "
                    "measure with the running statistics, as predict does.")
    return X


def _outputs(layers, X):
    """Every layer's output, in order, from the checked input ``X``."""
    outputs, out = [], X
    for i, layer in enumerate(layers):
        out = forward_in_model(i, layer, out)
        outputs.append(out)
    return outputs


def _blocks(layers):
    """For each measured layer: (its index i, the index j of the output measured, its Activation or None).

    The block is the layer, any :data:`BETWEEN_LAYERS` after it, and the Activation after those
    (j is that activation's index); without an activation, j is the block's last layer.
    """
    blocks = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, MEASURED_LAYERS):
            continue
        j = i
        while j + 1 < len(layers) and isinstance(layers[j + 1], BETWEEN_LAYERS):
            j += 1
        if j + 1 < len(layers) and isinstance(layers[j + 1], Activation):
            blocks.append((i, j + 1, layers[j + 1]))
        else:
            blocks.append((i, j, None))
    return blocks


class _measuring:
    """Put every layer in the mode of a measurement; afterwards restore the modes and running statistics."""

    def __init__(self, layers, mode):
        self.layers, self.mode = layers, mode

    def __enter__(self):
        self.modes = [layer.training for layer in self.layers]
        self.buffers = [{key: value.copy() for key, value in getattr(layer, "buffers", {}).items()}
                        for layer in self.layers]
        for layer in self.layers:
            # Dropout measured in training mode would drop random units: it stays off in both modes.
            layer.training = self.mode == "train" and not isinstance(layer, Dropout)
        return self

    def __exit__(self, *exc):
        for layer, training, saved in zip(self.layers, self.modes, self.buffers):
            layer.training = training
            for key, value in saved.items():
                np.copyto(layer.buffers[key], value)
        return False


class StatsRecorder:
    """A ``fit`` callback that records :func:`layer_statistics` on a fixed probe batch.

    >>> recorder = StatsRecorder(X_probe, y_probe, SoftmaxCrossEntropy(), lr=0.1)  # doctest: +SKIP
    >>> model.fit(X, y, ..., callbacks=[recorder])                                 # doctest: +SKIP
    >>> recorder.history[-1]  # list of LayerStats after the last epoch            # doctest: +SKIP

    Call ``recorder(0, model, None)`` once before ``fit`` to record the untrained network too.
    """

    def __init__(self, X_probe, y_probe, loss, lr: float | None = None, every: int = 1):
        self.X_probe, self.y_probe, self.loss, self.lr = X_probe, y_probe, get_loss(loss), lr
        self.every = check_positive_int(every, "every")
        self.epochs: list[int] = []
        self.history: list[list[LayerStats]] = []

    def __call__(self, epoch, model, history):
        if epoch % self.every == 0:
            self.epochs.append(epoch)
            self.history.append(layer_statistics(model, self.X_probe, self.y_probe, self.loss, self.lr))

    def series(self, field: str) -> np.ndarray:
        """Array ``(n_records, n_layers)`` of one statistic over time."""
        if field not in LayerStats.__dataclass_fields__ or field in ("activation", "kind", "norm"):
            numeric = [f for f in LayerStats.__dataclass_fields__ if f not in ("activation", "kind", "layer", "norm")]
            raise ValueError(f"unknown statistic {field!r}; expected one of {numeric}.")
        return np.array([[getattr(s, field) for s in record] for record in self.history])


# The health monitor (a fit callback, its diagnosis, the checks before training and its figure)
# lives in nnlib.monitor, which builds on layer_statistics above; it is importable from here too.
from .monitor import (CAUSES, LIMITS, Finding, Monitor, SanityReport, WatchedOptimizer,  # noqa: E402
                      plot_monitor, sanity_checks)
