r"""Explorers of deep networks (chapter 5): gradients at initialisation, and learning speed in training.

Two experiments live here, because an explorer replays them:

* :func:`gradient_profile` measures, for a freshly initialised network of a given depth,
  activation and weight gain, the norm of every layer's weight gradient
  $\lVert \partial L / \partial W^{(\ell)} \rVert$ and the share of saturated (sigmoid,
  tanh) or dead (ReLU) units, with :func:`nnlib.diagnostics.layer_statistics`, and the
  *spread* of every hidden layer's output across the samples (:func:`spread`): the backward
  signal and the forward one. It is cheap, and the explorer :func:`depth_gradients`
  precomputes it for every combination of its controls.
* :func:`train_deep` trains a 10-layer network on the two moons and records the same
  statistics, on the whole training set, at the epochs of :data:`RECORDED`: how fast each
  layer learns. :func:`deep_training` shows the runs of :data:`RUNS`, from each seed of
  :data:`DEEP_SEEDS`, which :func:`deep_runs` trains once and remembers, so that a chapter
  that shows the explorer and also reads the numbers trains each network once.

The weight gain $g$ sets the spread of the initial weights: every weight is drawn from
$\mathcal N(0, g^2 / n_{\text{in}})$. Xavier initialisation of a square layer is $g = 1$,
He initialisation is $g = \sqrt 2$.
"""
from __future__ import annotations

import functools

import numpy as np

from ..data import moons, standardize
from ..diagnostics import layer_statistics
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..layers import Activation, Dense
from ..losses import MSE, SoftmaxCrossEntropy
from ..model import Sequential, TrainingDivergedError
from ..monitor import spread_across_inputs
from ..optim import SGD
from . import factory

#: Units per hidden layer, and samples in the probe batch, of the networks measured at initialisation.
WIDTH, BATCH = 32, 64
#: Weight gains offered by the explorer: 2^(k/4) from 0.5 to 16, so 1 (Xavier), sqrt(2) (He), 2, 4, 8 are all there.
GAINS = tuple(2.0 ** (k / 4) for k in range(-4, 17))
HE_GAIN = GAINS[6]
#: Activations offered: label -> name in nnlib.
ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "ReLU": "relu"}


def gain_init(gain: float):
    r"""A weight initialiser drawing from $\mathcal N(0, g^2 / n_{\text{in}})$, for ``Dense(init=...)``."""

    def init(fan_in, fan_out, rng=None, dtype=np.float64):
        return (gain / np.sqrt(fan_in) * rng.standard_normal((fan_in, fan_out))).astype(dtype)

    return init


def spread(outputs: np.ndarray) -> float:
    r"""How much a layer's output differs between samples: the standard deviation of each unit's
    output over the batch (axis 0), averaged over the units. ``outputs`` has shape (N, units).

    Near 0 means every sample reaches the layer as practically the same vector, whatever the
    input was, so nothing after it can tell the samples apart. The health monitor of chapter 9
    records the same measure (:func:`nnlib.monitor.spread_across_inputs`), and this is it.
    """
    return spread_across_inputs(outputs)


def hidden_outputs(model: Sequential, X) -> list[np.ndarray]:
    """The output of every Activation layer of ``model`` on ``X``, input side first."""
    out, outputs = X, []
    for layer in model.layers:
        out = layer.forward(out)
        if isinstance(layer, Activation):
            outputs.append(out)
    return outputs


def probe_batch(seed: int = 0):
    """The random batch the gradients at initialisation are measured on: X (64, 32), y (64, 1)."""
    data_rng = np.random.default_rng(seed)
    X = data_rng.standard_normal((BATCH, WIDTH))
    y = data_rng.standard_normal((BATCH, 1))
    return X, y


def init_net(depth: int, act: str, gain: float = HE_GAIN, seed: int = 0) -> Sequential:
    """``depth`` layers with weights: ``depth - 1`` hidden layers of 32 units and one linear output."""
    init_rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth - 1):
        layers += [Dense(WIDTH, WIDTH, init=gain_init(gain), rng=init_rng), Activation(act)]
    layers.append(Dense(WIDTH, 1, init=gain_init(gain), rng=init_rng))
    return Sequential(layers)


@functools.lru_cache(maxsize=None)
def gradient_profile(depth: int, act: str, gain: float = HE_GAIN, seed: int = 0) -> dict:
    r"""Gradient norm of every layer, and the share of saturated activations or dead units, at initialisation.

    One forward and one backward pass of :func:`init_net` on :func:`probe_batch` with the
    mean squared error.

    Returns
    -------
    dict with ``grad_norm`` (depth,), input side first; ``share`` (depth - 1,): per
    hidden layer the share of saturated activations (sigmoid, tanh: $\varphi'(z)$ below 1%
    of its largest value) or of dead units (ReLU); and ``spread`` (depth - 1,), the
    :func:`spread` of each hidden layer's output over the 64 samples.
    """
    X, y = probe_batch(seed)
    model = init_net(depth, act, gain, seed)
    stats = layer_statistics(model, X, y, MSE())
    field = "dead" if act == "relu" else "saturated"
    profile = {"grad_norm": np.array([s.grad_norm for s in stats]),
               "share": np.array([getattr(s, field) for s in stats[:-1]]),
               "spread": np.array([spread(a) for a in hidden_outputs(model, X)])}
    for value in profile.values():
        value.flags.writeable = False  # shared by every caller of the cache
    return profile


def _significant(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """``values`` rounded to a few significant digits: plenty for a figure, and half the page weight."""
    return np.array([float(f"{v:.{digits}g}") for v in values])


@factory
def depth_gradients(seed: int = 0):
    r"""Per-layer gradient norms at initialisation for every depth 2-16, activation and weight gain.

    The frame holds ``grad_norm`` (depth,), the norm $\lVert \partial L / \partial W^{(\ell)} \rVert$
    of each layer's weight gradient, input side first, ``share`` (depth - 1,), the share of
    saturated activations (sigmoid, tanh) or dead units (ReLU) in each hidden layer, and
    ``spread`` (depth - 1,), how much each hidden layer's output differs between the samples;
    see :func:`gradient_profile`.
    """

    def compute(depth, act, gain):
        profile = gradient_profile(depth, act, gain, seed)
        return {key: _significant(value) for key, value in profile.items()}

    return Explorer(
        "depth-gradients", compute,
        [Slider("depth", 2, 16, 1, 10, label="depth (layers with weights)"),
         Dropdown("act", ACTIVATIONS, label="hidden activation"),
         SelectionSlider("gain", GAINS, value=HE_GAIN, label="weight gain g",
                         labels=tuple(f"{g:.2f}" for g in GAINS))],
        data={"maxDepth": 16},
        alt="Three panels for a freshly initialised network of the chosen depth, hidden activation and weight "
            "gain, against the layer number. Top: the gradient norm of each layer's weights, on a logarithmic "
            "scale. Middle: how much each hidden layer's output differs between the samples, on a logarithmic "
            "scale. Bottom: bars with the share of saturated activations (sigmoid, tanh) or dead units (ReLU) "
            "in each hidden layer.",
        caption="Gradient norms at initialisation, measured with nnlib.diagnostics.layer_statistics: 32 "
                "units per hidden layer, a linear output, a batch of 64 random samples, weights drawn "
                "with standard deviation g/sqrt(32). Xavier is g = 1, He is g = 1.41.",
        web="frames",
    )


# ---- a deep network in training ------------------------------------------------------------
#: The runs the training explorer offers: label -> (hidden activation, weight gain, learning rate).
RUNS = {
    "sigmoid, He (g = 1.41)": ("sigmoid", HE_GAIN, 0.1),
    "sigmoid, g = 8": ("sigmoid", 8.0, 0.1),
    "sigmoid, g = 4, η = 3": ("sigmoid", 4.0, 3.0),
    "tanh, g = 1": ("tanh", 1.0, 0.1),   # Xavier's gain in the square layers, not in the first
    "ReLU, He (g = 1.41)": ("relu", HE_GAIN, 0.1),
}
#: Epochs of training, the seeds every run is trained from (starting weights and mini-batch order),
#: and the epochs after which the statistics are recorded (0: before training).
DEEP_EPOCHS = 30
DEEP_SEEDS = (0, 1, 2)
RECORDED = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30)


@functools.lru_cache(maxsize=None)
def _moons():
    X_raw, y = moons(200, noise=0.15, rng=0)
    X, _, _ = standardize(X_raw)
    X.flags.writeable = y.flags.writeable = False  # one copy, shared by every run
    return X, y


def moons_data():
    """The chapter's two moons: 200 samples, standardised; X (200, 2), labels y (200,).

    The arrays are read-only, since every run shares them.
    """
    return _moons()


def moons_deep_net(act: str, gain: float, depth: int = 10, width: int = 32, seed: int = 0) -> Sequential:
    """2 inputs -> ``depth - 1`` hidden layers of ``width`` units -> 2 class scores."""
    init_rng = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for _ in range(depth - 1):
        layers += [Dense(fan_in, width, init=gain_init(gain), rng=init_rng), Activation(act)]
        fan_in = width
    layers.append(Dense(fan_in, 2, init=gain_init(gain), rng=init_rng))
    return Sequential(layers)


def train_deep(act: str, gain: float, lr: float, depth: int = 10, epochs: int = DEEP_EPOCHS, seed: int = 0,
               record_at=None) -> dict:
    r"""Train :func:`moons_deep_net` with plain SGD and record every layer as it learns.

    Mini-batches of 20, softmax cross-entropy. Before training and after each epoch in
    ``record_at`` (default: every epoch), :func:`~nnlib.diagnostics.layer_statistics` runs on
    all 200 samples, and a forward pass measures the loss, the accuracy and the spread of every
    hidden layer's output.

    Returns
    -------
    dict of arrays, one row per recorded epoch (row 0: before training): ``epochs``, the epochs
    recorded; ``loss`` (rows,), the loss on all samples; ``accuracy`` (rows,);
    ``speed`` (rows, depth), the gradient norm $\lVert \partial L / \partial W^{(\ell)} \rVert$
    of each layer, input side first: how fast the layer is learning;
    ``share`` (rows, depth - 1), per hidden layer the share of saturated activations
    (sigmoid, tanh) or of dead units (ReLU); ``spread`` (rows, depth - 1), the :func:`spread`
    of each hidden layer's output over the 200 samples.
    """
    X, y = moons_data()
    record_at = set(range(epochs + 1) if record_at is None else record_at)
    model = moons_deep_net(act, gain, depth, seed=seed)
    loss = SoftmaxCrossEntropy()
    field = "dead" if act == "relu" else "saturated"
    record = {"epochs": [], "loss": [], "accuracy": [], "speed": [], "share": [], "spread": []}

    def measure(epoch, model, history):
        if epoch not in record_at:
            return
        stats = layer_statistics(model, X, y, loss)  # leaves the whole-data gradients in the layers
        hidden = hidden_outputs(model, X)
        scores = model.layers[-1].forward(hidden[-1])  # the output layer, a Dense after the last activation
        record["epochs"].append(epoch)
        record["loss"].append(loss.forward(scores, y))
        record["accuracy"].append(float(np.mean(scores.argmax(axis=1) == y)))
        record["speed"].append([s.grad_norm for s in stats])
        record["share"].append([getattr(s, field) for s in stats[:-1]])
        record["spread"].append([spread(a) for a in hidden])

    measure(0, model, None)
    model.fit(X, y, loss=loss, optimizer=SGD(lr=lr), epochs=epochs, batch_size=20, rng=seed,
              progress=False, callbacks=[measure])
    return {key: np.array(values, dtype=int if key == "epochs" else float) for key, values in record.items()}


def deep_runs() -> dict:
    """:func:`train_deep` for every run in :data:`RUNS` and every seed in :data:`DEEP_SEEDS`, trained once.

    Returns
    -------
    dict label -> dict of read-only arrays with a leading seed axis: ``loss`` and ``accuracy``
    (seeds, len(RECORDED)), ``speed`` (seeds, len(RECORDED), 10), ``share`` and ``spread``
    (seeds, len(RECORDED), 9); and ``epochs``, the epochs recorded (:data:`RECORDED`).
    """
    return _deep_runs()


@functools.lru_cache(maxsize=None)
def _deep_runs() -> dict:
    runs = {}
    for label, (act, gain, lr) in RUNS.items():
        records = [train_deep(act, gain, lr, seed=seed, record_at=RECORDED) for seed in DEEP_SEEDS]
        runs[label] = {key: np.array([r[key] for r in records]) for key in records[0] if key != "epochs"}
        runs[label]["epochs"] = records[0]["epochs"]
        for value in runs[label].values():
            value.flags.writeable = False
    return runs


@factory
def deep_training():
    r"""How fast each layer of a 10-layer network learns, for the runs in :data:`RUNS`, from three starts.

    ``data["runs"][label]`` holds each run's ``speed`` (seeds, epochs recorded, 10) and ``loss``
    (seeds, epochs recorded) from :func:`deep_runs`; the frame for (run, seed, epoch) holds that
    epoch's ``speed`` (10,), the gradient norm of each layer, ``share`` (9,), the share of
    saturated activations (sigmoid, tanh) or dead units (ReLU) per hidden layer, ``spread`` (9,), ``loss`` and ``accuracy``.
    """
    records = deep_runs()
    seeds = {f"start {k + 1}": k for k in range(len(DEEP_SEEDS))}

    def compute(run, seed, epoch):
        record, e = records[run], RECORDED.index(epoch)
        return {"speed": _significant(record["speed"][seed, e]), "share": _significant(record["share"][seed, e]),
                "spread": _significant(record["spread"][seed, e]),
                "loss": float(record["loss"][seed, e]), "accuracy": float(record["accuracy"][seed, e])}

    return Explorer(
        "depth-training", compute,
        [Dropdown("run", {label: label for label in RUNS}, label="network"),
         Dropdown("seed", seeds, label="random start"),
         SelectionSlider("epoch", RECORDED, value=0, label="epoch", fmt="{}")],
        data={"runs": {label: {"speed": r["speed"], "loss": r["loss"], "kind": RUNS[label][0]}
                       for label, r in records.items()}, "epochs": list(RECORDED)},
        alt="Three panels for the chosen training run of a 10-layer network on the two moons. Top: the "
            "learning speed of each layer, the norm of its weight gradient, over the epochs on a "
            "logarithmic scale, one line per layer, with the chosen epoch marked. Middle: bars with the "
            "share of saturated activations (sigmoid, tanh) or dead units (ReLU) in each hidden layer at that "
            "epoch. Bottom: the loss over "
            "the epochs with the chosen epoch marked. A sentence gives the two layers' speeds, how much the "
            "top hidden layer's output differs between samples, the loss and the accuracy.",
        caption=f"Ten layers with weights (nine hidden layers of 32 units), trained on the two moons with "
                f"plain SGD on mini-batches of 20 for {DEEP_EPOCHS} epochs, from three random starts. The "
                "learning speed of layer ℓ is the norm of its weight gradient on all 200 samples.",
        web="frames",
    )
