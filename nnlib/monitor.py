r"""The network health monitor: what happens inside every layer while a network trains.

A loss curve says *that* a run goes badly, not *why*. Karpathy's "A Recipe for Training
Neural Networks" (2019) and his makemore lectures give two habits that find the why, and
this module implements both.

**Watch every layer.** :class:`Monitor` is a ``fit`` callback. After every epoch it runs a
fixed *probe batch* through the network and records, for every ``Dense`` and ``Conv2D``
layer $\ell$ (with the activation that follows it):

* the mean and standard deviation of its activations $a^{(\ell)}$, and their histogram;
* the **spread across inputs**: each unit's standard deviation over the probe batch, averaged
  over the units (for a ``Conv2D`` layer, over every filter and position). The standard
  deviation of all activations at once (``act_std``) mixes differences between inputs with
  differences between units, so a layer whose every unit has settled on a value of its own,
  the same for every input, still shows a healthy ``act_std``; its spread is near 0;
* the shares of saturated units (sigmoid, tanh) and of dead units (ReLU); for a ``Conv2D``
  layer a unit is a filter (see :func:`nnlib.diagnostics.layer_statistics`);
* the gradient norm $\lVert \partial L / \partial W^{(\ell)} \rVert$ on the probe batch;
* the **update-to-weight ratio** $\lVert \Delta W^{(\ell)} \rVert / \lVert W^{(\ell)} \rVert$,
  measured from the weights before and after every step, averaged over the epoch's steps.
  Measuring the real change makes it right for any optimiser: for plain SGD it equals
  $\eta \lVert \partial L/\partial W \rVert / \lVert W \rVert$, but momentum and Adam take
  other steps. To see the steps the monitor wraps the optimiser:
  ``fit(..., optimizer=monitor.watch(Adam(lr=1e-3)), callbacks=[monitor])``
  (or simply ``monitor.fit(model, X, y, optimizer=..., ...)``).

:meth:`Monitor.diagnose` reads the records and names likely causes (:data:`CAUSES`), by the
rules and limits in :data:`LIMITS`; :func:`plot_monitor` draws all of it over the epochs.

**Check before you train.** :func:`sanity_checks` runs three of the recipe's checks in one
call: the loss at initialisation against the loss of equal scores ($\log K$ for $K$
classes), overfitting a single small batch, and an input-independent baseline (the same
network trained on inputs set to zero must do clearly worse than on the real inputs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import (as_float_array, check_batch, check_finite, check_positive_int, check_rng,
                          check_same_length)
from .diagnostics import MEASURED_LAYERS, layer_statistics, measured_activations
from .losses import Loss, SoftmaxCrossEntropy, get_loss
from .optim import Optimizer

#: The causes :meth:`Monitor.diagnose` can name, most fundamental first (a run shows the first
#: that applies as its :meth:`~Monitor.verdict`).
CAUSES = ("unscaled inputs", "dead ReLUs", "saturated units", "vanishing gradient",
          "learning rate too low", "learning rate too high", "labels do not match the inputs",
          "large initial outputs")

#: The limits behind each rule of :meth:`Monitor.diagnose`. They are rules of thumb, set on the
#: book's digit networks (healthy runs stay well inside every one of them).
LIMITS = {
    # unscaled inputs: the probe inputs' overall standard deviation (scaled inputs: about 1 or less)
    "input_std": 3.0,
    # dead ReLUs: share of dead units in a hidden layer after the last epoch
    "dead": 0.5,
    # saturated units: share of saturated activations in a hidden layer, averaged over the records
    "saturated": 0.2,
    # vanishing gradient: the first layer's gradient norm over the last layer's (median over records);
    # or, on the way forward, a hidden layer's spread across inputs over the inputs' own (median over
    # records; layers with more than the "dead" share of dead units are left to that rule)
    "vanishing": 0.01,
    "fading": 0.01,
    # learning rate too low / too high: median update-to-weight ratio of the hidden layers in the
    # first epoch (Karpathy's rule of thumb for a healthy step: about 1e-3)
    "ratio_low": 1e-4,
    "ratio_high": 3e-2,
    # labels do not match the inputs: best validation accuracy less than this share of the way from
    # chance (1/K) to 100% (for ten classes 20%, twice chance; for two classes 55.6%)
    "chance_gain": 1 / 9,
    # large initial outputs: loss at initialisation above this multiple of the loss of equal scores
    "init_loss_factor": 1.5,
}

#: The statistics recorded for every measured layer at every record; :meth:`Monitor.series` returns one.
STATISTICS = ("act_mean", "act_std", "spread", "saturated", "dead", "zero", "grad_norm", "weight_norm",
              "update_ratio", "sgd_ratio")


@dataclass
class Finding:
    """One thing :meth:`Monitor.diagnose` found: a likely ``cause`` (one of :data:`CAUSES`), the
    numbers that show it (``evidence``) and the first epoch at which it shows."""

    cause: str
    evidence: str
    epoch: int

    def __str__(self):
        return f"{self.cause} (from epoch {self.epoch}): {self.evidence}"


class WatchedOptimizer(Optimizer):
    r"""An optimiser that does exactly what ``inner`` does and reports each step's weight change.

    Made by :meth:`Monitor.watch`. Before every step it copies each weight array ``W`` of a
    ``Dense`` or ``Conv2D`` layer (parameters named ``"<layer>.W"``, as
    :meth:`Sequential.parameters <nnlib.model.Sequential.parameters>` names them); after the
    step it gives the monitor $\lVert W_\text{after} - W_\text{before} \rVert /
    \lVert W_\text{before} \rVert$ and, for comparison, plain SGD's
    $\eta \lVert \partial L/\partial W \rVert / \lVert W_\text{before} \rVert$.
    """

    def __init__(self, inner: Optimizer, monitor: "Monitor"):
        if isinstance(inner, WatchedOptimizer):
            inner = inner.inner
        if not isinstance(inner, Optimizer):
            raise TypeError(f"watch() needs an nnlib optimiser such as Adam(lr=1e-3) or SGD(lr=0.1), got "
                            f"{type(inner).__name__} {inner!r}.")
        # No super().__init__: the learning rate and the state are the inner optimiser's own.
        self.inner, self.monitor = inner, monitor

    @property
    def lr(self):
        return self.inner.lr

    @property
    def state(self):
        return self.inner.state

    def check_state(self, params) -> None:
        self.inner.check_state(params)

    def _step(self, params) -> None:
        watched = []
        for param in params:
            layer, _, key = param.name.partition(".")
            if key == "W" and layer.isdigit():
                # A copy in the weights' own dtype: the difference of two nearby floats is exact,
                # so even a float32 step of 1e-7 of the weights' size is measured correctly.
                watched.append((int(layer), param, param.value.copy(), _norm(param.grad)))
        self.inner._step(params)
        step = {}
        for layer, param, before, grad_norm in watched:
            size = _norm(before)
            if size > 0:
                step[layer] = (_norm(param.value - before) / size, self.inner.lr * grad_norm / size)
        self.monitor._steps.append(step)

    def __repr__(self):
        return repr(self.inner)


class Monitor:
    r"""A ``fit`` callback that records the health of every layer after every epoch.

    Parameters
    ----------
    X_probe, y_probe : arrays
        A fixed batch (a few hundred training samples) on which every record is measured.
    loss : Loss or name
        The training loss (for the gradients and the probe loss).
    bins : int, default 20
        Bins of the activation histograms: over the range of the activation (sigmoid 0..1,
        tanh -1..1), or else over the values of that record (up to 1.1 times the 99.5th
        percentile of their size).

    Use
    ---
    >>> monitor = Monitor(X[:256], y[:256], SoftmaxCrossEntropy())           # doctest: +SKIP
    >>> monitor(0, model, None)                      # epoch 0: the untrained network   # doctest: +SKIP
    >>> model.fit(X, y, ..., optimizer=monitor.watch(Adam(lr=1e-3)), callbacks=[monitor])  # doctest: +SKIP
    >>> monitor.series("dead")                       # (records, layers)   # doctest: +SKIP
    >>> monitor.diagnose()                           # list of Finding     # doctest: +SKIP

    :meth:`fit` does the first three lines in one.

    Attributes
    ----------
    epochs : list of int
        The epoch of each record (0 = before training).
    layers : list of dict
        One per measured layer: ``index`` in the model, ``kind`` ("Dense", "Conv2D") and ``activation``.
    edges : ndarray (records, layers, bins + 1)
        Histogram bin edges of each layer at each record.
    histograms : ndarray (records, layers, bins)
        Share of the probe's activations in each bin (the few values beyond the edges count in the end bins).
    probe_loss : list of float
        The loss on the probe batch at each record.
    train_loss, val_loss, val_metric : list of float
        What ``fit``'s history held at each record (``nan`` at epoch 0 or where not recorded).
    step_ratios : ndarray (steps, layers)
        The measured update-to-weight ratio of every watched step (``nan`` for a layer a step missed).
    """

    def __init__(self, X_probe, y_probe, loss, bins: int = 20):
        self.X_probe = as_float_array(X_probe, "Monitor: X_probe")
        check_batch(self.X_probe, "Monitor: X_probe")
        check_finite(self.X_probe, "Monitor: X_probe")
        self.y_probe = np.asarray(y_probe)
        check_same_length(self.X_probe, self.y_probe, "X_probe", "y_probe")
        self.loss = get_loss(loss)
        self.bins = check_positive_int(bins, "bins")
        self.epochs: list[int] = []
        self.layers: list[dict] | None = None
        self._edges: list[np.ndarray] = []
        self._records: list[dict] = []
        self._histograms: list[np.ndarray] = []
        self.probe_loss: list[float] = []
        self.train_loss: list[float] = []
        self.val_loss: list[float] = []
        self.val_metric: list[float] = []
        self._steps: list[dict] = []       # one {layer index: (ratio, sgd ratio)} per watched step
        self._recorded_steps = 0           # watched steps already averaged into a record
        self._step_marks: list[int] = []   # number of watched steps at each record
        self._columns = 0                  # output columns of the model (classes)
        self.input_std = float(self.X_probe.std())
        self.input_max = float(np.abs(self.X_probe).max())
        self.input_spread = spread_across_inputs(self.X_probe)

    # ---- recording ------------------------------------------------------------------------
    def watch(self, optimizer: Optimizer) -> WatchedOptimizer:
        """``optimizer``, wrapped so that the monitor measures the real weight change of every step."""
        return WatchedOptimizer(optimizer, self)

    def __call__(self, epoch, model, history=None):
        """Record the model's state after ``epoch`` (call with epoch 0 before training)."""
        layers = getattr(model, "layers", None)
        if layers is None:
            raise TypeError(f"the monitor needs a Sequential model, got {type(model).__name__}.")
        X = self.X_probe.astype(model.dtype, copy=False)
        stats = layer_statistics(model, X, self.y_probe, self.loss)
        measured = [i for i, layer in enumerate(layers) if isinstance(layer, MEASURED_LAYERS)]
        if self.layers is None:
            self.layers = [{"index": i, "kind": s.kind, "activation": s.activation} for i, s in zip(measured, stats)]
        elif [entry["index"] for entry in self.layers] != measured:
            raise ValueError("the monitor recorded another model before: use one Monitor per model.")
        # The very arrays layer_statistics measured (the same mode; running statistics untouched).
        activations, output = measured_activations(model, X)
        edges = [_bin_edges(a, entry["activation"], self.bins) for a, entry in zip(activations, self.layers)]
        self._edges.append(np.array(edges))
        self._histograms.append(np.array([_histogram(a, e) for a, e in zip(activations, edges)]))
        self._columns = output.shape[1] if output.ndim == 2 else 1
        ratio, sgd = self._mean_step_ratios(self._steps[self._recorded_steps:])
        record = {name: np.array([getattr(s, name) for s in stats], dtype=float)
                  for name in STATISTICS if name not in ("spread", "update_ratio", "sgd_ratio")}
        record["spread"] = np.array([spread_across_inputs(a) for a in activations])
        record["update_ratio"], record["sgd_ratio"] = ratio, sgd
        self._records.append(record)
        self._recorded_steps = len(self._steps)
        self._step_marks.append(self._recorded_steps)
        self.epochs.append(int(epoch))
        self.probe_loss.append(float(self._probe_loss(output)))
        self.train_loss.append(_last(history, "loss"))
        self.val_loss.append(_last(history, "val_loss"))
        self.val_metric.append(_last(history, "val_metric"))

    def _mean_step_ratios(self, steps):
        n = len(self.layers)
        if not steps:
            return np.full(n, np.nan), np.full(n, np.nan)
        table = np.array([[step.get(entry["index"], (np.nan, np.nan)) for entry in self.layers] for step in steps])
        with np.errstate(invalid="ignore"):
            return np.nanmean(table[:, :, 0], axis=0), np.nanmean(table[:, :, 1], axis=0)

    def _probe_loss(self, output):
        if type(self.loss).forward is Loss.forward:
            y = self.loss.check_targets(self.y_probe, output.shape, output.dtype, "y_probe")
            return self.loss._forward(output, y)
        return self.loss.forward(output, self.y_probe)

    def fit(self, model, X, y, optimizer, callbacks=(), **fit_arguments):
        """Record epoch 0, then ``model.fit`` with the optimiser watched and this monitor as a callback.

        Every other argument goes to :meth:`Sequential.fit <nnlib.model.Sequential.fit>`; returns its History.
        """
        if not self.epochs:
            self(0, model, None)
        callbacks = [callbacks] if callable(callbacks) else list(callbacks or ())
        return model.fit(X, y, loss=self.loss, optimizer=self.watch(optimizer), callbacks=[self] + callbacks,
                         **fit_arguments)

    # ---- reading ----------------------------------------------------------------------------
    def series(self, name: str) -> np.ndarray:
        """One statistic (a name in :data:`STATISTICS`) for every record and layer: shape (records, layers)."""
        if name not in STATISTICS:
            raise ValueError(f"unknown statistic {name!r}; the monitor records {list(STATISTICS)}.")
        if not self._records:
            raise RuntimeError("the monitor has no records yet: call monitor(0, model, None) or train with "
                               "callbacks=[monitor] first.")
        return np.array([record[name] for record in self._records])

    @property
    def histograms(self) -> np.ndarray:
        return np.array(self._histograms)

    @property
    def edges(self) -> np.ndarray:
        return np.array(self._edges)

    @property
    def step_ratios(self) -> np.ndarray:
        """The measured ratio of every watched step, shape (steps, layers), input side first."""
        if self.layers is not None:
            indices = [entry["index"] for entry in self.layers]
        else:  # steps watched before any record: the layers the steps saw
            indices = sorted({index for step in self._steps for index in step})
        return np.array([[step.get(index, (np.nan, np.nan))[0] for index in indices] for step in self._steps],
                        dtype=float).reshape(len(self._steps), len(indices))

    @property
    def chance_loss(self) -> float | None:
        """The loss of equal scores for every class, $\\log K$ ("chance"), for a softmax cross-entropy."""
        if isinstance(self.loss, SoftmaxCrossEntropy) and self._columns > 1:
            return math.log(self._columns)
        return None

    def _until(self, epoch) -> "Monitor":
        """A copy of this monitor that knows only the records up to ``epoch``."""
        keep = sum(1 for e in self.epochs if e <= epoch)
        if keep == 0:
            raise ValueError(f"the monitor has no record at or before epoch {epoch}; its first is epoch "
                             f"{self.epochs[0]}.")
        copy = object.__new__(Monitor)
        copy.__dict__.update(self.__dict__)
        for name in ("epochs", "_records", "_histograms", "_edges", "probe_loss", "train_loss", "val_loss",
                     "val_metric", "_step_marks"):
            setattr(copy, name, getattr(self, name)[:keep])
        copy._steps = self._steps[:self._step_marks[keep - 1]]
        return copy

    def diagnose(self, until: int | None = None) -> list[Finding]:
        """Likely causes of trouble, most fundamental first; an empty list means no warning sign.

        ``until``: read only the records up to this epoch (default: all of them).

        The rules, with the limits of :data:`LIMITS`:

        * **unscaled inputs**: the probe inputs' standard deviation is above ``input_std``;
        * **dead ReLUs**: after the last record, a hidden layer has more than ``dead`` of its
          units dead (0 for every probe sample); the worst layer is named;
        * **saturated units**: a hidden layer's saturated share, averaged over the records, is
          above ``saturated``; the worst layer is named;
        * **vanishing gradient**: the first layer's gradient norm is below ``vanishing`` times the
          last layer's (median over the records); or, its forward twin, a hidden layer's spread
          across inputs is below ``fading`` times the probe inputs' own (median over the records),
          so that every input reaches it as nearly the same vector (the same per-layer factors
          shrink both; layers that are mostly dead are left to the rule for dead ReLUs);
        * **learning rate too low** or **too high**: in the first epoch, the hidden layers' median
          update-to-weight ratio is below ``ratio_low`` (the weights barely move, although the
          untrained network's gradients are at their largest) or above ``ratio_high`` (each step
          changes the weights by more than 3 %); layers without any gradient are left out;
        * **labels do not match the inputs**: none of the above, yet the best validation accuracy
          stays below $1/K + $ ``chance_gain`` $\\cdot (1 - 1/K)$, a ninth of the way from chance to
          100% (20% for ten classes, 55.6% for two): the network learns nothing that carries over
          to new samples (shuffled or misaligned labels);
        * **large initial outputs**: the loss at epoch 0 is above ``init_loss_factor`` times the
          loss of equal scores, $\\log K$: the first scores are large and confidently wrong.
        """
        if not self._records:
            raise RuntimeError("the monitor has no records yet: train with callbacks=[monitor] first.")
        if until is not None:
            return self._until(until).diagnose()
        findings = []
        hidden = [k for k, entry in enumerate(self.layers[:-1])]
        first = self.epochs[0]
        if self.input_std > LIMITS["input_std"]:
            findings.append(Finding("unscaled inputs", f"the probe inputs have standard deviation "
                                    f"{self.input_std:.3g} and reach {self.input_max:.3g}; scaled inputs have "
                                    "a standard deviation of about 1 or less", first))
        dead = self.series("dead")[:, hidden]
        if np.isfinite(dead[-1]).any() and np.nanmax(dead[-1]) > LIMITS["dead"]:
            k = int(np.nanargmax(dead[-1]))
            since = self.epochs[int(np.argmax(dead[:, k] > LIMITS["dead"]))]
            extra = ("; no signal passes it, so the network gives every input the same output"
                     if dead[-1, k] == 1 else "")
            findings.append(Finding("dead ReLUs", f"layer {k + 1}: {dead[-1, k]:.0%} of its units are dead "
                                    f"(0 for every probe sample){extra}", since))
        saturated = self.series("saturated")[:, hidden]
        if np.isfinite(saturated).any():
            with np.errstate(invalid="ignore"):
                shares = np.nanmean(saturated, axis=0)
            k = int(np.nanargmax(shares))
            if shares[k] > LIMITS["saturated"]:
                findings.append(Finding("saturated units", f"layer {k + 1}: on average {shares[k]:.0%} of its "
                                        "activations sit where the activation is flat", first))
        grad = self.series("grad_norm")
        usable = grad[:, -1] > 0
        evidence = []
        if usable.any():
            share = float(np.median(grad[usable, 0] / grad[usable, -1]))
            if share < LIMITS["vanishing"]:
                evidence.append(f"layer 1 gets {share:.2%} of the last layer's gradient norm")
        faded = self._faded_layer(hidden, dead)
        if faded is not None:
            k, share = faded
            evidence.append(f"layer {k + 1}'s outputs differ between inputs {1 / share:,.0f} times less than "
                            "the inputs do")
        if evidence:
            findings.append(Finding("vanishing gradient", "; ".join(evidence), first))
        if len(self.epochs) > 1:
            # The first epoch's steps: the network is untrained and its gradients are large, so steps
            # that are tiny even now mean a rate that is too low. Layers without any gradient (dead)
            # cannot move at any rate and are left out.
            epoch_one = self.series("update_ratio")[1, hidden] if hidden else np.empty(0)
            moving = epoch_one[np.isfinite(epoch_one) & (epoch_one > 0)]
            if moving.size:
                median = float(np.median(moving))
                if median < LIMITS["ratio_low"]:
                    findings.append(Finding("learning rate too low", f"in the first epoch a step changes the "
                                            f"hidden weights by {median:.1e} of their size (rule of thumb: about "
                                            f"1e-3; this check flags below {LIMITS['ratio_low']:.0e})",
                                            self.epochs[1]))
                elif median > LIMITS["ratio_high"]:
                    findings.append(Finding("learning rate too high", f"in the first epoch a step changes the "
                                            f"hidden weights by {median:.1%} of their size (rule of thumb: about "
                                            f"0.1%; this check flags above {LIMITS['ratio_high']:.0%})",
                                            self.epochs[1]))
        serious = {"dead ReLUs", "saturated units", "vanishing gradient", "learning rate too low"}
        accuracy = np.array(self.val_metric, dtype=float)
        if (not serious & {f.cause for f in findings} and np.isfinite(accuracy).any()
                and self._columns > 1):
            chance = 1 / self._columns
            if np.nanmax(accuracy) < chance + LIMITS["chance_gain"] * (1 - chance):
                findings.append(Finding("labels do not match the inputs", f"the best validation accuracy is "
                                        f"{np.nanmax(accuracy):.1%} (chance: {chance:.0%}) although every layer "
                                        "looks healthy", self.epochs[int(np.nanargmax(accuracy))]))
        chance_loss = self.chance_loss
        if chance_loss is not None and self.probe_loss[0] > LIMITS["init_loss_factor"] * chance_loss:
            findings.append(Finding("large initial outputs", f"the loss at initialisation is "
                                    f"{self.probe_loss[0]:.3g}, against {chance_loss:.3g} for equal scores",
                                    first))
        order = {cause: k for k, cause in enumerate(CAUSES)}
        return sorted(findings, key=lambda f: order[f.cause])

    def _faded_layer(self, hidden, dead):
        """The hidden layer (index, spread over the inputs' spread) whose signal has faded most, if
        that share is below ``LIMITS["fading"]``; layers that are mostly dead are not counted."""
        if not hidden or not np.isfinite(self.input_spread) or self.input_spread == 0:
            return None
        spread = self.series("spread")[:, hidden]
        alive = ~(dead > LIMITS["dead"])                       # nan (not ReLU) counts as alive
        worst = None
        for k in range(len(hidden)):
            usable = alive[:, k] & np.isfinite(spread[:, k])
            if usable.any():
                share = float(np.median(spread[usable, k])) / self.input_spread
                if worst is None or share < worst[1]:
                    worst = (k, share)
        return worst if worst is not None and worst[1] < LIMITS["fading"] else None

    def verdict(self) -> str | None:
        """The most fundamental cause :meth:`diagnose` finds, or ``None`` for a healthy run."""
        findings = self.diagnose()
        return findings[0].cause if findings else None

    def summary(self, epochs=None) -> str:
        """A table of the main statistics of every layer at some records (default: first, second, last)."""
        if not self._records:
            raise RuntimeError("the monitor has no records yet.")
        picks = sorted({0, min(1, len(self.epochs) - 1), len(self.epochs) - 1}) if epochs is None else \
            [self.epochs.index(e) for e in epochs]
        names = [("act_mean", "act mean", "{:9.3f}"), ("act_std", "act std", "{:9.3f}"), ("spread", "spread", "{:9.3g}"),
                 ("saturated", "saturated", "{:9.0%}"), ("dead", "dead", "{:9.0%}"),
                 ("grad_norm", "grad norm", "{:9.1e}"), ("update_ratio", "ΔW/W", "{:9.1e}")]
        lines = [f"inputs of the probe batch: standard deviation {self.input_std:.3g}, largest |x| {self.input_max:.3g}"]
        for r in picks:
            line = f"epoch {self.epochs[r]:2d}: probe loss {self.probe_loss[r]:.3f}"
            if np.isfinite(self.val_metric[r]):
                line += f", validation accuracy {self.val_metric[r]:.1%}"
            lines.append(line)
            lines.append("  layer      " + "".join(f"{label:>10s}" for _, label, _ in names))
            for k, entry in enumerate(self.layers):
                cells = []
                for name, _, fmt in names:
                    value = self._records[r][name][k]
                    cells.append(f"{'—':>9s}" if not np.isfinite(value) else fmt.format(value))
                lines.append(f"  {k + 1} {entry['activation'][:8]:8s} " + " ".join(cells))
        return "\n".join(lines)


def _norm(array) -> float:
    """Frobenius norm, summed in float64 whatever the array's dtype."""
    flat = array.ravel().astype(np.float64, copy=False)
    return float(np.sqrt(np.dot(flat, flat)))


def _last(history, name):
    values = getattr(history, name, None) if history is not None else None
    return float(values[-1]) if values else float("nan")


def spread_across_inputs(a) -> float:
    r"""How much a layer's units vary from one input to the next: each unit's standard deviation over
    the batch (axis 0), averaged over the units, $\frac1n \sum_j \operatorname{std}_n\, a_{nj}$.

    For feature maps ``(N, C, H, W)`` a unit is one channel at one position. Near 0 it means that
    every input arrives at the layer's output as practically the same vector, whatever the spread of
    all the activations together (which also counts the differences between units).
    """
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[0] < 2:
        return float("nan")
    return float(a.std(axis=0, dtype=np.float64).mean())


_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def _bin_edges(a, activation, bins):
    if activation in _RANGES:
        low, high = _RANGES[activation]
    else:
        top = float(np.percentile(np.abs(a), 99.5)) * 1.1 or 1.0
        low, high = (0.0, top) if float(a.min()) >= 0 else (-top, top)
    return np.linspace(low, high, bins + 1)


def _histogram(a, edges):
    values = np.clip(np.asarray(a, dtype=np.float64).ravel(), edges[0], edges[-1])
    # Equal bins given as a count and a range: numpy's linear-time path (explicit edges sort the data).
    counts, _ = np.histogram(values, bins=len(edges) - 1, range=(edges[0], edges[-1]))
    return counts / max(values.size, 1)


# ---------------------------------------------------------------- checks before training

@dataclass
class SanityReport:
    """The results of :func:`sanity_checks`; ``print`` it for a table, or read the fields.

    ``init_loss`` against ``reference_loss`` (the loss of equal scores, $\\log K$ for $K$ classes);
    ``overfit_start`` and ``overfit_loss``: the loss on one small batch before and after training on
    it alone; ``data_loss`` and ``baseline_loss``: the loss after training on the real inputs and on
    inputs set to zero (on the validation data if given, else on the training data).
    """

    init_loss: float
    reference_loss: float
    overfit_start: float
    overfit_loss: float
    overfit_samples: int
    overfit_steps: int
    data_loss: float
    baseline_loss: float
    on: str

    @property
    def init_ok(self) -> bool:
        return self.init_loss <= LIMITS["init_loss_factor"] * self.reference_loss

    @property
    def overfit_ok(self) -> bool:
        return bool(np.isfinite(self.overfit_loss) and self.overfit_loss <= SANITY["overfit"] * self.overfit_start)

    @property
    def baseline_ok(self) -> bool:
        return bool(np.isfinite(self.data_loss) and self.data_loss <= SANITY["baseline"] * self.baseline_loss)

    @property
    def passed(self) -> bool:
        return self.init_ok and self.overfit_ok and self.baseline_ok

    def __str__(self):
        rows = [("loss at initialisation", f"{self.init_loss:.4g} (equal scores: {self.reference_loss:.4g})",
                 self.init_ok),
                ("overfit one batch", f"{self.overfit_start:.3g} -> {self.overfit_loss:.2g} "
                 f"({self.overfit_samples} samples, {self.overfit_steps} steps)", self.overfit_ok),
                ("input-independent baseline", f"{self.data_loss:.4g} with the inputs, {self.baseline_loss:.4g} "
                 f"with zeros ({self.on})", self.baseline_ok)]
        width = max(len(result) for _, result, _ in rows)
        return "\n".join(f"{name:28s}{result:{width}s}  {'ok' if ok else 'FAILED'}" for name, result, ok in rows)

    __repr__ = __str__


#: Pass marks of :func:`sanity_checks`: overfitting one batch must bring its loss below this share of
#: its starting value; the real inputs must give a loss below this share of the zero-input baseline's.
SANITY = {"overfit": 0.02, "baseline": 0.9}


def sanity_checks(make_model, X, y, loss, make_optimizer, *, validation_data=None, epochs: int = 3,
                  batch_size: int = 32, overfit_samples: int = 16, overfit_steps: int = 200,
                  rng=0) -> SanityReport:
    r"""Three checks before a long run, each on a fresh network from ``make_model()``.

    1. **Loss at initialisation.** The untrained network's loss on ``X`` should be close to the
       loss of equal scores (for a softmax cross-entropy with $K$ classes, $\log K$): a much
       larger loss means large, confidently wrong first outputs (weights or inputs too large).
       Passes below ``LIMITS["init_loss_factor"]`` times that value.
    2. **Overfit one batch.** Trained on its first ``overfit_samples`` samples alone for
       ``overfit_steps`` full-batch steps, a network must drive their loss to almost zero
       (below ``SANITY["overfit"]`` of where it started). If it cannot, something is broken
       whatever the data: the learning rate, the loss, a layer, dead units.
    3. **Input-independent baseline.** The same network trained for ``epochs`` on inputs set to
       zero can only learn how common each target is. Trained on the real inputs it must do
       clearly better (a loss below ``SANITY["baseline"]`` of the baseline's), on
       ``validation_data`` if given; if not, the inputs do not reach the network, or the labels
       do not belong to them.

    Parameters
    ----------
    make_model : callable ``() -> Sequential``, a fresh (seeded) network on every call
    X, y : training data, as for ``fit``
    loss : Loss or name
    make_optimizer : callable ``() -> Optimizer``, a fresh optimiser on every call
    validation_data : (X_val, y_val), optional
    epochs, batch_size : for the baseline comparison
    overfit_samples, overfit_steps : for the one-batch check
    rng : seed of the shuffles

    Returns
    -------
    SanityReport
    """
    from .divergence import TrainingDivergedError

    loss = get_loss(loss)
    epochs = check_positive_int(epochs, "epochs")
    overfit_samples = check_positive_int(overfit_samples, "overfit_samples")
    overfit_steps = check_positive_int(overfit_steps, "overfit_steps")
    seed = int(check_rng(rng).integers(2**31)) if not isinstance(rng, (int, np.integer)) else int(rng)
    X = as_float_array(X, "sanity_checks: X")
    y = np.asarray(y)
    check_same_length(X, y, "X", "y")

    def fresh():
        model = make_model()
        if not hasattr(model, "fit"):
            raise TypeError(f"make_model must return a new Sequential model, got {type(model).__name__}.")
        return model

    def evaluate(model, inputs, targets):
        return float(loss.forward(model.predict(inputs), targets))

    def train(model, inputs, targets, **arguments):
        optimizer = make_optimizer()
        try:
            model.fit(inputs, targets, loss=loss, optimizer=optimizer, progress=False, **arguments)
        except TrainingDivergedError:
            return False
        return True

    # 1. the loss at initialisation, against the loss of equal scores
    model = fresh()
    scores = model.predict(X)
    init_loss = float(loss.forward(scores, y))
    reference = float(loss.forward(_equal_scores(loss, scores), y))

    # 2. overfit one small batch
    model = fresh()
    xb, yb = X[:overfit_samples], y[:overfit_samples]
    overfit_start = evaluate(model, xb, yb)
    finished = train(model, xb, yb, epochs=overfit_steps, batch_size=None)
    overfit_loss = evaluate(model, xb, yb) if finished else float("inf")

    # 3. the real inputs against inputs set to zero
    results = []
    for inputs in (X, np.zeros_like(X)):
        model = fresh()
        finished = train(model, inputs, y, epochs=epochs, batch_size=batch_size, rng=seed)
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val = as_float_array(X_val, "sanity_checks: validation_data X_val")
            held = (X_val if inputs is X else np.zeros_like(X_val), y_val)
        else:
            held = (inputs, y)
        results.append(evaluate(model, *held) if finished else float("inf"))
    return SanityReport(init_loss=init_loss, reference_loss=reference, overfit_start=overfit_start,
                        overfit_loss=overfit_loss, overfit_samples=len(xb), overfit_steps=overfit_steps,
                        data_loss=results[0], baseline_loss=results[1],
                        on="validation data" if validation_data is not None else "training data")


def _equal_scores(loss, scores):
    """Outputs that favour no class: zeros (logits), or 0.5 for a binary cross-entropy on probabilities."""
    from .losses import BinaryCrossEntropy

    if isinstance(loss, BinaryCrossEntropy) and not loss.from_logits:
        return np.full_like(scores, 0.5)
    return np.zeros_like(scores)


# ---------------------------------------------------------------- the figure

def plot_monitor(monitor: Monitor, fig=None):
    r"""Everything a :class:`Monitor` recorded, over the epochs: six panels in three rows of two.

    Loss on the probe batch (black) and on the validation data (red, if ``fit`` had any), with
    $\log K$ dotted; the spread of every layer's activations across the inputs (each unit's standard
    deviation over the probe batch, averaged over the units; solid) and their mean (dashed);
    dead (ReLU) or saturated (sigmoid, tanh) share of the hidden layers; gradient norm and measured update-to-weight
    ratio of every layer (log scales, $10^{-3}$ dotted; exact zeros are drawn at the bottom
    edge); and the activation histogram of each hidden layer after the last epoch. Returns the
    figure, 5 by 7.6 inches, with 11-point text (legible on a phone).
    """
    import matplotlib.pyplot as plt

    from .plotting import PALETTE

    if not monitor.epochs:
        raise RuntimeError("the monitor has no records yet: train with callbacks=[monitor] first.")
    if fig is None:
        fig = plt.figure(figsize=(5.0, 7.6), layout="constrained")
    axes = fig.subplots(3, 2)
    epochs = np.array(monitor.epochs)
    n = len(monitor.layers)
    names = [f"layer {k + 1}" if k < n - 1 else "output layer" for k in range(n)]
    colours = [PALETTE[k % len(PALETTE)] for k in range(n)]
    hidden = list(range(n - 1)) if n > 1 else [0]
    plain = plt.FuncFormatter(lambda v, _: f"{v:g}")
    percent = plt.FuncFormatter(lambda v, _: f"{v:.0%}")

    def lines(ax, values, layers, x=epochs, log=False):
        if log:  # exact zeros (a dead layer's gradient) at the bottom edge of a log axis
            positive = values[np.isfinite(values) & (values > 0)]
            floor = positive.min() / 3 if positive.size else 1e-12
            values = np.where(values > 0, values, floor)
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plt.NullFormatter())
        for k in layers:
            if np.isfinite(values[:, k]).any():
                ax.plot(x, values[:, k], color=colours[k], marker="o", ms=2.5)
        ax.set_xlabel("epoch")

    ax = axes[0, 0]
    losses = np.array([monitor.probe_loss, monitor.val_loss], dtype=float).T
    spread = np.nanmax(losses) / np.nanmin(losses[losses > 0]) if (losses > 0).any() else 1
    ax.plot(epochs, losses[:, 0], color=PALETTE[7])
    if np.isfinite(losses[:, 1]).any():
        ax.plot(epochs, losses[:, 1], color=PALETTE[3])
    if monitor.chance_loss is not None:
        ax.axhline(monitor.chance_loss, color="0.5", ls=":", lw=1.2)
    if spread > 20:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set(xlabel="epoch", title="loss")

    lines(axes[0, 1], monitor.series("spread"), range(n))
    means = monitor.series("act_mean")
    for k in range(n):
        axes[0, 1].plot(epochs, means[:, k], color=colours[k], ls="--", lw=1.2)
    axes[0, 1].set_title("activations")
    unhealthy, kind = monitor.series("dead"), "dead"
    if not np.isfinite(unhealthy[:, hidden]).any():
        unhealthy, kind = monitor.series("saturated"), "saturated"
    lines(axes[1, 0], unhealthy, hidden)
    axes[1, 0].set(ylim=(-0.03, 1.03), title=f"share {kind}")
    axes[1, 0].yaxis.set_major_formatter(percent)
    lines(axes[1, 1], monitor.series("grad_norm"), range(n), log=True)
    axes[1, 1].set_title("gradient norm")
    lines(axes[2, 0], monitor.series("update_ratio")[1:], range(n), x=epochs[1:], log=True)
    axes[2, 0].axhline(1e-3, color="0.5", ls=":", lw=1.2)
    axes[2, 0].set_title("update ratio ΔW/W")
    ax = axes[2, 1]
    for k in hidden:
        ax.stairs(monitor.histograms[-1, k], monitor.edges[-1, k], color=colours[k], lw=1.5)
    ax.set(xlabel="activation", title=f"histogram, epoch {epochs[-1]}")
    ax.yaxis.set_major_formatter(percent)
    handles = [plt.Line2D([], [], color=colours[k], marker="o", ms=3) for k in range(n)]
    handles += [plt.Line2D([], [], color="0.45"), plt.Line2D([], [], color="0.45", ls="--"),
                plt.Line2D([], [], color=PALETTE[7]), plt.Line2D([], [], color=PALETTE[3])]
    labels = names + ["activation spread", "activation mean", "probe loss", "validation loss"]
    fig.legend(handles, labels, loc="outside upper center", ncols=3, frameon=False, columnspacing=1.0, handlelength=1.6)
    return fig
