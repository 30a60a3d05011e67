r"""Normalisation (chapter 12): chapter 5's deep networks with and without it, and two explorers.

The experiments live here because the explorers replay them:

* :func:`deep_net` builds chapter 5's deep network for the two moons (2 inputs, nine hidden
  layers of 32 units, 2 class scores, weights drawn from $\mathcal N(0, g^2/n_\text{in})$ with
  gain $g$), with a :class:`~nnlib.normalization.BatchNorm` or
  :class:`~nnlib.normalization.LayerNorm` layer between every hidden ``Dense`` layer and its
  activation. The weights are drawn in the same order with and without normalisation (the
  normalisation layers draw nothing), so a comparison starts from the very same weights.
* :func:`train_run` trains one under the chapter-9 :class:`~nnlib.monitor.Monitor`, whose probe
  batch is all 200 training points (it records, among the rest, each layer's spread across the
  inputs), and also records each hidden layer's activation histogram after every epoch.
  :func:`runs` trains every pair of :data:`SETUPS` and :data:`NORMS` once and remembers them;
  :func:`activation_histograms` shows them.
* :func:`batch_size_runs` trains one setup with and without batch normalisation at each of
  :data:`BATCH_SIZES`, from each seed of :data:`BATCH_SEEDS`, and measures what batch
  normalisation's batch statistics cost, as a mean over the seeds.
  :func:`batch_noise` shows where that cost comes from: one sample's normalised value in many
  random batches.

Every statistic is measured as :func:`nnlib.diagnostics.layer_statistics` measures it: with the
statistics of the measured batch, as a training step computes them, without changing the model.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..data import moons, standardize
from ..diagnostics import measured_activations
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..layers import Activation, Dense
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential, TrainingDivergedError
from ..monitor import Monitor
from ..normalization import BatchNorm, LayerNorm
from ..optim import SGD
from . import factory

#: He initialisation's gain, sqrt(2).
HE_GAIN = float(np.sqrt(2.0))
#: The deep networks compared: label -> (hidden activation, weight gain g, learning rate). Each fails
#: in chapter 5's way without normalisation: vanishing gradients, a fading signal, dying units.
SETUPS = {
    "sigmoid, He gain": ("sigmoid", HE_GAIN, 0.1),
    "ReLU, gain 0.5": ("relu", 0.5, 0.1),
    "ReLU, η = 1": ("relu", HE_GAIN, 1.0),
}
#: The normalisation between each hidden Dense layer and its activation.
NORMS = ("none", "BatchNorm", "LayerNorm")
_NORM_LAYERS = {"BatchNorm": BatchNorm, "LayerNorm": LayerNorm}
#: Layers with weights, units per hidden layer, epochs and mini-batch size of every run.
DEPTH, WIDTH, EPOCHS, BATCH = 10, 32, 30, 20
#: Bin edges of the activation histograms for each activation. Sigmoid outputs: 24 equal bins over
#: (0, 1). ReLU outputs span many orders of magnitude when a signal fades, and half of them are
#: exactly 0: the positive ones go into 24 bins equally wide on a log scale, from 1e-5 to 10, and
#: the zeros are counted apart (``zero`` in :class:`Run`).
BINS = 24
EDGES = {"sigmoid": np.linspace(0.0, 1.0, BINS + 1), "relu": np.logspace(-5, 1, BINS + 1)}


# ---------------------------------------------------------------- data and networks

@functools.lru_cache(maxsize=None)
def moons_split() -> dict:
    """Chapter 5's 200 training points of the two moons, standardised, and 1,000 fresh points for validation.

    The validation points (another seed) are scaled with the training points' mean and standard
    deviation. Returns read-only arrays ``X`` (200, 2), ``y`` (200,), ``X_val`` (1000, 2), ``y_val`` (1000,).
    """
    X_raw, y = moons(200, noise=0.15, rng=0)
    X, mean, std = standardize(X_raw)
    X_val_raw, y_val = moons(1000, noise=0.15, rng=1)
    X_val, _, _ = standardize(X_val_raw, mean, std)
    parts = {"X": X, "y": y, "X_val": X_val, "y_val": y_val}
    for array in parts.values():
        array.flags.writeable = False
    return parts


def gain_init(gain: float):
    r"""A weight initialiser drawing from $\mathcal N(0, g^2 / n_{\text{in}})$, for ``Dense(init=...)``."""

    def init(fan_in, fan_out, rng=None, dtype=np.float64):
        return (gain / np.sqrt(fan_in) * rng.standard_normal((fan_in, fan_out))).astype(dtype)

    return init


def deep_net(act: str, norm: str = "none", gain: float = HE_GAIN, depth: int = DEPTH, width: int = WIDTH,
             seed: int = 0) -> Sequential:
    """2 inputs -> ``depth - 1`` blocks Dense -> ``norm`` -> activation of ``width`` units -> 2 class scores.

    ``norm`` is one of :data:`NORMS`. The same ``seed`` gives the same Dense weights whatever ``norm`` is.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
    init_rng = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for _ in range(depth - 1):
        layers.append(Dense(fan_in, width, init=gain_init(gain), rng=init_rng))
        if norm != "none":
            layers.append(_NORM_LAYERS[norm](width))
        layers.append(Activation(act))
        fan_in = width
    layers.append(Dense(fan_in, 2, init=gain_init(gain), rng=init_rng))
    return Sequential(layers)


def population_statistics(model: Sequential, X) -> None:
    """Set every BatchNorm layer's running statistics to those of ``X`` under the model's current weights.

    One forward pass over all of ``X`` in training mode with the running averages' momentum set to
    0, so each layer keeps exactly the mean and (unbiased) variance of what reaches it; the model
    is then back in the mode it was in. Chapter 12 has the reader write this.
    """
    was_training = model.training
    layers = [layer for layer in model.layers if isinstance(layer, BatchNorm)]
    kept = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0  # keep none of the old average: the new statistics replace it
        model.train()
        model.forward(X)
    finally:
        for layer, momentum in zip(layers, kept):
            layer.momentum = momentum
        model.train(was_training)


# ---------------------------------------------------------------- training runs

@dataclass
class Run:
    """One recorded training run; row ``e`` of each array is after epoch ``e`` (row 0: untrained).

    Attributes
    ----------
    model, monitor, history : the trained network, its :class:`~nnlib.monitor.Monitor`, fit's History
    hist : (epochs + 1, depth - 1, BINS) share of each hidden layer's activations in each bin of
        ``EDGES[act]`` (values beyond the edges count in the end bins; for ReLU the zeros in none)
    zero : (epochs + 1, depth - 1) share of each hidden layer's activations that are exactly 0
    spread : (epochs + 1, depth - 1) each hidden layer's spread across the inputs, as the monitor
        records it (``monitor.series("spread")``): each unit's standard deviation over the 200
        points, averaged over the units
    loss, accuracy : (epochs + 1,) on the 200 training points, with their own batch statistics
    stopped : the epoch in which fit stopped the run as diverging, or None; later rows repeat the last one
    """

    model: Sequential
    monitor: Monitor
    history: object
    hist: np.ndarray
    zero: np.ndarray
    spread: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    stopped: int | None = None


def train_run(act: str, gain: float, lr: float, norm: str, epochs: int = EPOCHS, seed: int = 0) -> Run:
    """Train :func:`deep_net` with plain SGD on mini-batches of :data:`BATCH`, watched by a Monitor.

    The monitor's probe batch is the whole training set; after every epoch the run also records
    the activation histograms of the hidden layers (:class:`Run`), measured like
    :func:`~nnlib.diagnostics.layer_statistics`. Validation accuracy (evaluation mode) is in
    ``history.val_metric``.
    """
    data = moons_split()
    X, y = data["X"], data["y"]
    loss = SoftmaxCrossEntropy()
    model = deep_net(act, norm, gain, seed=seed)
    monitor = Monitor(X, y, loss)
    edges = EDGES[act]
    record = {"hist": [], "zero": [], "loss": [], "accuracy": []}

    def look(epoch, model, history):
        activations, scores = measured_activations(model, X)
        hidden = activations[:-1]
        shown = [a[a != 0] if act == "relu" else a.ravel() for a in hidden]  # ReLU: the zeros apart
        record["hist"].append([np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)[0] / a.size
                               for values, a in zip(shown, hidden)])
        record["zero"].append([float(np.mean(a == 0)) for a in hidden])
        record["loss"].append(float(loss.forward(scores, y)))
        record["accuracy"].append(float(np.mean(scores.argmax(axis=1) == y)))

    look(0, model, None)
    stopped = None
    try:
        history = monitor.fit(model, X, y, optimizer=SGD(lr=lr), epochs=epochs, batch_size=BATCH, rng=seed,
                              validation_data=(data["X_val"], data["y_val"]), metric="accuracy", progress=False,
                              callbacks=[look])
    except TrainingDivergedError as err:
        history, stopped = err.history, err.epoch
    arrays = {key: np.array(values, dtype=float) for key, values in record.items()}
    arrays["spread"] = monitor.series("spread")[:, :-1]  # the hidden layers; the same records, epoch by epoch
    missing = epochs + 1 - len(arrays["loss"])
    if missing:  # a stopped run: its last record stands for the epochs it did not reach
        arrays = {key: np.concatenate([value, np.repeat(value[-1:], missing, axis=0)])
                  for key, value in arrays.items()}
    return Run(model, monitor, history, stopped=stopped, **arrays)


def runs(epochs: int = EPOCHS) -> dict:
    """:func:`train_run` for every setup of :data:`SETUPS` and every norm of :data:`NORMS`, trained once.

    Returns ``{(setup label, norm): Run}``; the arrays are read-only, since every caller shares them.
    """
    return _runs(int(epochs))


@functools.lru_cache(maxsize=None)
def _runs(epochs: int) -> dict:
    result = {}
    for label, (act, gain, lr) in SETUPS.items():
        for norm in NORMS:
            run = train_run(act, gain, lr, norm, epochs)
            for array in (run.hist, run.zero, run.spread, run.loss, run.accuracy):
                array.flags.writeable = False
            result[label, norm] = run
    return result


#: Mini-batch sizes of :func:`batch_size_runs` (each divides the 200 training points).
BATCH_SIZES = (2, 4, 10, 20, 50)
#: The network of :func:`batch_size_runs`: ReLU with He's gain and learning rate 0.1, which trains
#: without normalisation too, so that any loss at small batches is normalisation's own.
BATCH_SETUP = ("relu", HE_GAIN, 0.1)
#: The seeds (initial weights and batch order) of :func:`batch_size_runs`, whose accuracies are means
#: over them: at batch sizes 2 and 4 single runs are sensitive, from seed to seed and even to the
#: rounding of the last bits of a matrix product, which differs between processors.
BATCH_SEEDS = (0, 1, 2)


def batch_size_runs(epochs: int = EPOCHS) -> dict:
    """Train :data:`BATCH_SETUP` with and without BatchNorm at every batch size of :data:`BATCH_SIZES`.

    One run from each seed of :data:`BATCH_SEEDS`. Returns ``{(norm, batch size): dict}`` with the
    validation accuracy of the trained networks, each a mean over the seeds: ``"eval"``
    (evaluation mode: running statistics), ``"batches"`` (training mode, the 1,000 validation
    points in random batches of the training batch size, as the network saw data while it
    trained) and ``"recomputed"`` (evaluation mode after :func:`population_statistics` on the
    training points). ``"seeds"`` holds each of the three per seed, as tuples in the order of
    :data:`BATCH_SEEDS`. Without normalisation the three are the same. Trained once, cached.
    """
    return _batch_size_runs(int(epochs))


@functools.lru_cache(maxsize=None)
def _batch_size_runs(epochs: int) -> dict:
    data = moons_split()
    act, gain, lr = BATCH_SETUP
    order = np.random.default_rng(0).permutation(len(data["X_val"]))
    X_val, y_val = data["X_val"][order], data["y_val"][order]
    results = {}
    for norm in ("none", "BatchNorm"):
        for size in BATCH_SIZES:
            per_seed = {"eval": [], "batches": [], "recomputed": []}
            for seed in BATCH_SEEDS:
                model = deep_net(act, norm, gain, seed=seed)
                model.fit(data["X"], data["y"], loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=lr), epochs=epochs,
                          batch_size=size, rng=seed, progress=False)
                per_seed["eval"].append(float(np.mean(model.predict(X_val).argmax(axis=1) == y_val)))
                model.train()
                scores = np.concatenate([model.forward(X_val[i:i + size]) for i in range(0, len(X_val), size)])
                per_seed["batches"].append(float(np.mean(scores.argmax(axis=1) == y_val)))
                population_statistics(model, data["X"])
                per_seed["recomputed"].append(float(np.mean(model.predict(X_val).argmax(axis=1) == y_val)))
            results[norm, size] = {key: float(np.mean(values)) for key, values in per_seed.items()}
            results[norm, size]["seeds"] = {key: tuple(values) for key, values in per_seed.items()}
    return results


# ---------------------------------------------------------------- explorers

def _significant(values, digits: int = 3) -> list:
    """Values rounded to a few significant digits: plenty for a figure, and light in the page."""
    return [float(f"{v:.{digits}g}") for v in np.ravel(values)]


def _peak_scaled(hist: np.ndarray) -> np.ndarray:
    """Each row (layer) of shares as 0..255 of its own highest bin: a ridgeline's heights, one byte each."""
    peak = hist.max(axis=1, keepdims=True)
    return np.round(255 * hist / np.where(peak > 0, peak, 1)).astype(np.uint8)


@factory
def activation_histograms(epochs: int = EPOCHS):
    r"""Activation histograms of every hidden layer of a 10-layer network, by setup, normalisation and epoch.

    The frame for (setup, norm, epoch) holds ``hist`` (9, BINS): each hidden layer's histogram
    over ``EDGES[act]``, as 0..255 of its highest bin; ``zero`` (9,): for ReLU the share of
    activations that are exactly 0 (not in the histogram), else None; ``share`` (9,): the share of dead units
    (ReLU) or saturated activations (sigmoid) per hidden layer, from the run's monitor;
    ``spread`` (3, 9): each hidden layer's spread across the samples for the norms of :data:`NORMS`
    at that epoch; ``accuracy`` and ``loss`` of the chosen run; ``stopped``: the epoch the run
    was stopped in as diverging, or None. ``data`` holds the bin edges and every run's loss curve.
    """
    recorded = runs(epochs)

    def compute(setup, norm, epoch):
        run = recorded[setup, norm]
        act = SETUPS[setup][0]
        field = "dead" if act == "relu" else "saturated"
        share = run.monitor.series(field)[min(epoch, len(run.monitor.epochs) - 1), :-1]
        zero = _significant(run.zero[epoch]) if act == "relu" else None
        return {"hist": _peak_scaled(run.hist[epoch]), "zero": zero, "share": _significant(share),
                "spread": [_significant(recorded[setup, other].spread[epoch]) for other in NORMS],
                "accuracy": float(run.accuracy[epoch]), "loss": _significant([run.loss[epoch]], 4)[0],
                "stopped": run.stopped}

    return Explorer(
        "normalisation-histograms", compute,
        [Dropdown("setup", {label: label for label in SETUPS}, label="network"),
         Dropdown("norm", {"none": "none", "batch normalisation": "BatchNorm", "layer normalisation": "LayerNorm"},
                  value="BatchNorm", label="normalisation"),
         Slider("epoch", 0, epochs, 1, 0, label="epoch")],
        data={"edges": {label: EDGES[act] for label, (act, _, _) in SETUPS.items()},
              "kinds": {label: act for label, (act, _, _) in SETUPS.items()},
              "norms": list(NORMS), "epochs": epochs, "bins": BINS,
              "loss": {label: {norm: _significant(recorded[label, norm].loss, 4) for norm in NORMS}
                       for label in SETUPS}},
        alt="For the chosen network, normalisation and epoch: a stack of nine histograms, one per hidden "
            "layer from layer 1 at the top to layer 9 at the bottom, of the layer's activations on the 200 "
            "training points (for ReLU the positive ones, on a logarithmic axis), each with its share of "
            "saturated or of zero and dead units beside it; below them, the spread of each layer's output "
            "across the samples on a logarithmic scale for no normalisation, batch normalisation and layer "
            "normalisation, and the training loss of the three over the epochs with the chosen epoch marked.",
        caption="Ten layers with weights (nine hidden layers of 32 units) on the two moons, trained with "
                f"plain SGD on mini-batches of {BATCH}. Everything is measured on all 200 training points "
                "after every epoch, normalised with their own statistics as a training step does. Each "
                "histogram is scaled to its own highest bar; for ReLU it shows the positive activations on "
                "a logarithmic axis, and the zeros are counted beside it.",
        web="frames",
    )


#: Batch sizes and sample positions offered by :func:`batch_noise`.
NOISE_BATCHES = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64, 100, 150, 200)
NOISE_PERCENTILES = (1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99)
#: Random batches drawn per frame (at most 255, so the counts fit a byte), and the histogram's bins.
NOISE_DRAWS, NOISE_BINS, NOISE_RANGE = 250, 40, 4.0


def noise_unit(unit: int = 5) -> dict:
    r"""What :func:`batch_noise` draws from: the input of one unit of the first BatchNorm layer.

    From the trained sigmoid network with batch normalisation of :func:`runs`: ``x`` (200,), the
    values the unit receives from the 200 training points (the first ``Dense`` layer's outputs
    $\mathbf{x} W + \mathbf{b}$, which do not depend on the batch), and that BatchNorm layer's
    running mean and variance for the unit and its ``eps``.
    """
    model = runs()["sigmoid, He gain", "BatchNorm"].model
    dense, norm = model.layers[0], model.layers[1]
    x = dense.forward(moons_split()["X"])[:, unit]
    return {"x": x, "running_mean": float(norm.running_mean[unit]), "running_var": float(norm.running_var[unit]),
            "eps": norm.eps}


def normalised_in_batches(x, index: int, size: int, draws: int, rng, eps: float) -> np.ndarray:
    r"""$\hat x$ of sample ``index`` in ``draws`` random batches of ``size`` values of ``x``, each
    holding the sample and ``size - 1`` others drawn without replacement: shape (draws,)."""
    others = np.delete(np.arange(len(x)), index)
    picks = np.argsort(rng.random((draws, len(others))), axis=1)[:, :size - 1]  # (draws, size - 1)
    batches = np.concatenate([np.full((draws, 1), x[index]), x[others[picks]]], axis=1)  # (draws, size)
    mean = batches.mean(axis=1)
    var = np.mean((batches - mean[:, None]) ** 2, axis=1)
    return (x[index] - mean) / np.sqrt(var + eps)


@factory
def batch_noise(unit: int = 5, seed: int = 0):
    r"""One sample's normalised value $\hat x$ in many random batches, by batch size and by sample.

    The frame for (batch, percentile) holds ``counts`` (NOISE_BINS,): how many of NOISE_DRAWS
    random batches of that size, each holding the sample at that percentile of the unit's
    values, give each $\hat x$ in [-4, 4] (values beyond count in the end bins); the ``mean``
    and ``std`` of those $\hat x$; ``eval``, the sample's $\hat x$ in evaluation mode (the
    layer's running statistics); ``bound`` $= \sqrt{m - 1}$, the largest $|\hat x|$ a batch of
    $m$ allows; the ``index`` and ``value`` of the sample. ``data`` holds the unit's 200 values ``x``.
    """
    source = noise_unit(unit)
    x, eps = source["x"], source["eps"]
    order = np.argsort(x, kind="stable")
    edges = np.linspace(-NOISE_RANGE, NOISE_RANGE, NOISE_BINS + 1)

    def compute(batch, percentile):
        index = int(order[int(round(percentile / 100 * (len(x) - 1)))])
        rng = np.random.default_rng([seed, batch, percentile])
        values = normalised_in_batches(x, index, batch, NOISE_DRAWS, rng, eps)
        counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
        evaluation = (x[index] - source["running_mean"]) / np.sqrt(source["running_var"] + eps)
        return {"counts": counts.tolist(), "mean": _significant([values.mean()])[0],
                "std": _significant([values.std()])[0], "eval": _significant([evaluation])[0],
                "bound": float(np.sqrt(batch - 1)), "index": index, "value": _significant([x[index]])[0]}

    return Explorer(
        "normalisation-batch-noise", compute,
        [SelectionSlider("batch", NOISE_BATCHES, value=20, label="batch size", fmt="{}"),
         SelectionSlider("percentile", NOISE_PERCENTILES, value=90, label="sample at percentile", fmt="{}")],
        data={"x": x, "range": NOISE_RANGE, "bins": NOISE_BINS, "draws": NOISE_DRAWS},
        alt="Top: the 200 values one unit of the first hidden layer receives from the training points, as a "
            "histogram, with the chosen sample marked. Bottom: a histogram of that sample's normalised value "
            "in 250 random batches of the chosen size, with its evaluation-mode value marked and the values "
            "no batch of that size can give shaded.",
        caption=f"Unit {unit + 1} of the first batch normalisation layer of the trained sigmoid network, in "
                f"training mode (normalised with each batch's own mean and variance). Each frame draws "
                f"{NOISE_DRAWS} batches that hold the chosen sample and others picked at random from the 200 "
                "training points.",
        web="frames",
    )
