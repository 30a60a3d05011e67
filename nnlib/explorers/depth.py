r"""Explorers of deep networks (chapter 5): gradients at initialisation, and learning speed in training.

Two experiments live here, because an explorer replays them:

* :func:`gradient_profile` measures, for a freshly initialised network of a given depth,
  activation and weight gain, the norm of every layer's weight gradient
  $\lVert \partial L / \partial W^{(\ell)} \rVert$ and the share of saturated (sigmoid,
  tanh) or dead (ReLU) units, with :func:`nnlib.diagnostics.layer_statistics`. It is cheap,
  and the explorer :func:`depth_gradients` precomputes it for every combination of its
  controls.
* :func:`train_deep` trains a 10-layer network on the two moons and records the same
  statistics, on the whole training set, after every epoch: how fast each layer learns.
  :func:`deep_training` shows the runs of :data:`RUNS`, which :func:`deep_runs` trains once
  and remembers, so that a chapter that shows the explorer and also reads the numbers
  trains each network once.

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
    r"""Gradient norm of every layer, and the share of saturated or dead units, at initialisation.

    One forward and one backward pass of :func:`init_net` on :func:`probe_batch` with the
    mean squared error.

    Returns
    -------
    dict with ``grad_norm`` (depth,), input side first, and ``share`` (depth - 1,): per
    hidden layer the share of saturated activations (sigmoid, tanh: $\varphi'(z)$ below 1%
    of its largest value) or of dead units (ReLU).
    """
    X, y = probe_batch(seed)
    stats = layer_statistics(init_net(depth, act, gain, seed), X, y, MSE())
    field = "dead" if act == "relu" else "saturated"
    grad_norm = np.array([s.grad_norm for s in stats])
    share = np.array([getattr(s, field) for s in stats[:-1]])
    grad_norm.flags.writeable = share.flags.writeable = False  # shared by every caller of the cache
    return {"grad_norm": grad_norm, "share": share}


def _significant(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """``values`` rounded to a few significant digits: plenty for a figure, and half the page weight."""
    return np.array([float(f"{v:.{digits}g}") for v in values])


@factory
def depth_gradients(seed: int = 0):
    r"""Per-layer gradient norms at initialisation for every depth 2-16, activation and weight gain.

    The frame holds ``grad_norm`` (depth,), the norm $\lVert \partial L / \partial W^{(\ell)} \rVert$
    of each layer's weight gradient, input side first, and ``share`` (depth - 1,), the share of
    saturated activations (sigmoid, tanh) or dead units (ReLU) in each hidden layer; see
    :func:`gradient_profile`.
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
        alt="Top: the gradient norm of each layer's weights, on a logarithmic scale, against the layer "
            "number, for a freshly initialised network of the chosen depth, hidden activation and weight "
            "gain. Bottom: bars with the share of saturated activations (sigmoid, tanh) or dead units "
            "(ReLU) in each hidden layer.",
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
    "tanh, Xavier (g = 1)": ("tanh", 1.0, 0.1),
    "ReLU, He (g = 1.41)": ("relu", HE_GAIN, 0.1),
}


def moons_data():
    """The chapter's two moons: 200 samples, standardised; X (200, 2), labels y (200,)."""
    X_raw, y = moons(200, noise=0.15, rng=0)
    X, _, _ = standardize(X_raw)
    return X, y


def moons_deep_net(act: str, gain: float, depth: int = 10, width: int = 32, seed: int = 0) -> Sequential:
    """2 inputs -> ``depth - 1`` hidden layers of ``width`` units -> 2 class scores."""
    init_rng = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for _ in range(depth - 1):
        layers += [Dense(fan_in, width, init=gain_init(gain), rng=init_rng), Activation(act)]
        fan_in = width
    layers.append(Dense(fan_in, 2, init=gain_init(gain), rng=init_rng))
    return Sequential(layers)


def train_deep(act: str, gain: float, lr: float, depth: int = 10, epochs: int = 60, seed: int = 0) -> dict:
    r"""Train :func:`moons_deep_net` with plain SGD and record every layer after every epoch.

    Mini-batches of 20, softmax cross-entropy. Before training and after each epoch,
    :func:`~nnlib.diagnostics.layer_statistics` runs on all 200 samples.

    Returns
    -------
    dict of arrays, row ``e`` after epoch ``e`` (row 0: before training):
    ``loss`` (epochs + 1,), the loss on all samples; ``accuracy`` (epochs + 1,);
    ``speed`` (epochs + 1, depth), the gradient norm $\lVert \partial L / \partial W^{(\ell)} \rVert$
    of each layer, input side first: how fast the layer is learning;
    ``share`` (epochs + 1, depth - 1), per hidden layer the share of saturated activations
    (sigmoid, tanh) or of dead units (ReLU).
    """
    X, y = moons_data()
    model = moons_deep_net(act, gain, depth, seed=seed)
    loss = SoftmaxCrossEntropy()
    field = "dead" if act == "relu" else "saturated"
    record = {"loss": [], "accuracy": [], "speed": [], "share": []}

    def measure(epoch, model, history):
        stats = layer_statistics(model, X, y, loss)  # leaves the whole-data gradients in the layers
        scores = model.forward(X)
        record["loss"].append(loss.forward(scores, y))
        record["accuracy"].append(float(np.mean(scores.argmax(axis=1) == y)))
        record["speed"].append([s.grad_norm for s in stats])
        record["share"].append([getattr(s, field) for s in stats[:-1]])

    measure(0, model, None)
    model.fit(X, y, loss=loss, optimizer=SGD(lr=lr), epochs=epochs, batch_size=20, rng=seed,
              progress=False, callbacks=[measure])
    return {key: np.array(values, dtype=float) for key, values in record.items()}


def deep_runs(epochs: int = 60) -> dict:
    """:func:`train_deep` for every run in :data:`RUNS`, trained once and remembered: label -> record.

    The arrays are read-only, since every caller shares them.
    """
    return _deep_runs(int(epochs))  # one cache entry per number of epochs, however it was passed


@functools.lru_cache(maxsize=None)
def _deep_runs(epochs: int) -> dict:
    runs = {}
    for label, (act, gain, lr) in RUNS.items():
        runs[label] = train_deep(act, gain, lr, epochs=epochs)
        for value in runs[label].values():
            value.flags.writeable = False
    return runs


@factory
def deep_training(epochs: int = 60):
    r"""How fast each layer of a 10-layer network learns, epoch by epoch, for the runs in :data:`RUNS`.

    ``data["runs"][label]`` holds each run's whole record from :func:`train_deep`; the frame
    for (run, epoch) holds that epoch's ``speed`` (10,), the gradient norm of each layer,
    ``share`` (9,), the share of saturated or dead units per hidden layer, ``loss`` and
    ``accuracy``.
    """
    records = deep_runs(epochs)

    def compute(run, epoch):
        record = records[run]
        return {"speed": _significant(record["speed"][epoch]), "share": _significant(record["share"][epoch]),
                "loss": float(record["loss"][epoch]), "accuracy": float(record["accuracy"][epoch])}

    return Explorer(
        "depth-training", compute,
        [Dropdown("run", {label: label for label in RUNS}, label="network"),
         SelectionSlider("epoch", tuple(range(epochs + 1)), value=0, label="epoch", fmt="{}")],
        data={"runs": {label: {"speed": r["speed"], "loss": r["loss"], "kind": RUNS[label][0]}
                       for label, r in records.items()}, "epochs": epochs},
        alt="Three panels for the chosen training run of a 10-layer network on the two moons. Top: the "
            "learning speed of each layer, the norm of its weight gradient, over the epochs on a "
            "logarithmic scale, one line per layer, with the chosen epoch marked. Middle: bars with the "
            "share of saturated or dead units in each hidden layer at that epoch. Bottom: the loss over "
            "the epochs with the chosen epoch marked.",
        caption="Ten layers with weights (nine hidden layers of 32 units), trained on the two moons with "
                "plain SGD on mini-batches of 20. The learning speed of layer ℓ is the norm of its weight "
                "gradient on all 200 samples, measured after every epoch.",
        web="frames",
    )
