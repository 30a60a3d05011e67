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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_batch, check_finite, check_positive_int, check_positive_number, numeric_guard
from .conv import Conv2D
from .layers import Activation, Dense, Layer
from .losses import Loss, get_loss

#: Layer types measured by :func:`layer_statistics`: the ones with a weight array ``W``.
MEASURED_LAYERS = (Dense, Conv2D)

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


def layer_statistics(model, X, y, loss, lr: float | None = None) -> list[LayerStats]:
    """Run one forward and backward pass on ``(X, y)`` and measure every layer.

    Parameter gradients are left in the layers' ``grads``; parameters are not changed.

    Parameters
    ----------
    model : Sequential
    X, y : arrays, as for ``model.fit``
    loss : Loss or name
    lr : float, optional
        The learning rate, for ``update_ratio``.

    Returns
    -------
    list of LayerStats, one per Dense or Conv2D layer, input side first.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"layer_statistics needs a Sequential model, got {type(model).__name__}.")
    loss = get_loss(loss)
    if lr is not None:
        lr = check_positive_number(lr, "lr", " Pass the learning rate of the optimiser, or None.")
    X = as_float_array(X, "layer_statistics: X", dtype=model.dtype)
    check_batch(X, "layer_statistics: X")
    check_finite(X, "layer_statistics: X")
    with numeric_guard("layer_statistics", "The weights are too large for the data type: the run has "
                                           "probably diverged."):
        outputs = []
        out = X
        for i, layer in enumerate(layers):
            if type(layer).forward is Layer.forward:
                try:
                    out = layer._check_input(out)
                except ValueError as err:
                    raise ValueError(f"layer {i} of the model: {err}") from None
                out = layer._forward(out)
            else:
                out = layer.forward(out)
            outputs.append(out)
        if type(loss).forward is Loss.forward:
            y = loss.check_targets(y, out.shape, out.dtype, "y")
            loss._forward(out, y)
        else:
            loss.forward(out, y)
        model.backward(loss.backward())

    stats = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, MEASURED_LAYERS):
            continue
        follower = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(follower, Activation):
            name, a, z = follower.act.name, outputs[i + 1], outputs[i]
        else:
            name, a, z = "identity", outputs[i], outputs[i]
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
        stats.append(LayerStats(
            layer=len(stats) + 1, activation=name, act_mean=float(a.mean()), act_std=float(a.std()),
            saturated=saturated, dead=dead, zero=float(np.mean(a == 0)), grad_norm=grad_norm,
            weight_norm=weight_norm, update_ratio=float(ratio), kind=type(layer).__name__))
    return stats


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
        if field not in LayerStats.__dataclass_fields__ or field in ("activation", "kind"):
            numeric = [f for f in LayerStats.__dataclass_fields__ if f not in ("activation", "kind", "layer")]
            raise ValueError(f"unknown statistic {field!r}; expected one of {numeric}.")
        return np.array([[getattr(s, field) for s in record] for record in self.history])


# The health monitor (a fit callback, its diagnosis, the checks before training and its figure)
# lives in nnlib.monitor, which builds on layer_statistics above; it is importable from here too.
from .monitor import (CAUSES, LIMITS, Finding, Monitor, SanityReport, WatchedOptimizer,  # noqa: E402
                      plot_monitor, sanity_checks)
