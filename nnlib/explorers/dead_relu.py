r"""Dead ReLU units (chapter 5): how the learning rate and the initial bias kill units, epoch by epoch.

:func:`record_dead_units` trains the chapter's small ReLU network (three hidden layers of
32 units) on the two moons and records after every epoch the share of dead units in each
hidden layer (as the field ``dead`` of :func:`nnlib.diagnostics.layer_statistics` defines
them), and at the end the share of units *cut off* from the gradient (:func:`cut_off_shares`).
:func:`dead_unit_runs` does so for every learning rate in :data:`LEARNING_RATES` and every
initial bias in :data:`BIASES`, from each of the ten seeds in :data:`SEEDS`, once: the
chapter reads the numbers and the explorer :func:`dead_units_over_epochs` replays them, from
one set of runs.
"""
from __future__ import annotations

import functools

import numpy as np

from ..diagnostics import layer_statistics
from ..explore import Explorer, SelectionSlider
from ..layers import Activation, Dense
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential, TrainingDivergedError
from ..optim import SGD
from . import factory
from .depth import moons_data

#: Learning rates eta of the experiment, evenly spaced on a log scale (10^(k/2), rounded).
LEARNING_RATES = (0.01, 0.032, 0.1, 0.32, 1.0)
#: Initial biases b of every hidden unit.
BIASES = (-1.0, -0.5, 0.0, 0.25, 0.5)
#: Every setting is trained from each of these seeds (starting weights and mini-batch order).
SEEDS = tuple(range(10))
EPOCHS = 10


def moons_net(act="relu", bias: float = 0.0, seed: int = 0, width: int = 32, depth: int = 3) -> Sequential:
    """2 inputs -> ``depth`` hidden layers of ``width`` units -> 2 class scores; He initialisation.

    ``act`` is an activation name or object; ``bias`` is the starting value of every hidden bias.
    """
    init_rng = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for _ in range(depth):
        layers += [Dense(fan_in, width, init="he_normal", bias=bias, rng=init_rng), Activation(act)]
        fan_in = width
    layers.append(Dense(fan_in, 2, init="he_normal", rng=init_rng))
    return Sequential(layers)


def train_on_moons(model: Sequential, lr: float, seed: int, epochs: int = EPOCHS, X=None, callbacks=()):
    """Plain SGD on mini-batches of 20 with softmax cross-entropy; returns the History, or None if
    ``fit`` stopped the run as diverging."""
    X_moons, y = moons_data()
    X = X_moons if X is None else X
    try:
        return model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=lr), epochs=epochs, batch_size=20,
                         rng=seed, progress=False, callbacks=callbacks)
    except TrainingDivergedError:
        return None


def hidden_activations(model: Sequential, X=None) -> list[np.ndarray]:
    """The output of every Activation layer for all 200 samples (or ``X``), and the class scores last."""
    X_moons, _ = moons_data()
    out, outputs = (X_moons if X is None else X), []
    for layer in model.layers:
        out = layer.forward(out)
        if isinstance(layer, Activation):
            outputs.append(out)
    return outputs + [out]


def cut_off_shares(model: Sequential) -> np.ndarray:
    """Share of units in each hidden layer whose incoming weights get exactly zero gradient on all 200 samples.

    A dead unit is cut off, and so is a live one whenever, on every sample that switches it on,
    every unit above it that it feeds is off: no path of active units then carries a gradient
    back to it. Shape (hidden layers,).
    """
    X, y = moons_data()
    layer_statistics(model, X, y, SoftmaxCrossEntropy())  # one forward and backward pass fills the gradients
    dense = [layer for layer in model.layers if isinstance(layer, Dense)][:-1]  # the hidden layers
    return np.array([np.mean(np.all(layer.grads["W"] == 0, axis=0)) for layer in dense])


def dead_shares(model: Sequential, X=None) -> np.ndarray:
    """Share of dead units (0 for every sample) in each hidden layer; shape (hidden layers,).

    The same numbers as the ``dead`` field of :func:`nnlib.diagnostics.layer_statistics`, from
    a forward pass alone, which is all that needs.
    """
    return np.array([np.mean(np.all(a == 0, axis=0)) for a in hidden_activations(model, X)[:-1]])


def record_dead_units(lr: float, bias: float, seed: int, epochs: int = EPOCHS, act="relu"):
    """Train :func:`moons_net` with initial bias ``bias`` and learning rate ``lr``, measuring as it goes.

    ``act`` is the hidden activation ("relu", or e.g. ``LeakyReLU(0.01)``).

    Returns
    -------
    off : ndarray (epochs + 1, 3)
        Share of units in each hidden layer whose pre-activation is <= 0 for every sample, before
        training (row 0) and after each epoch: for ReLU the dead units.
    loss : ndarray (epochs + 1,)
        The loss on all 200 samples at the same moments.
    cut_off : ndarray (3,)
        :func:`cut_off_shares` of the trained network.
    All three are ``None`` if ``fit`` stopped the run as diverging.
    """
    X, y = moons_data()
    loss = SoftmaxCrossEntropy()
    model = moons_net(act, bias=bias, seed=seed)
    off, losses = [], []

    def measure(epoch, model, history):
        *hidden, scores = hidden_activations(model)
        off.append([np.mean(np.all(a <= 0, axis=0)) for a in hidden])  # a unit is a column; ReLU: a == 0
        losses.append(loss.forward(scores, y))

    measure(0, model, None)
    if train_on_moons(model, lr, seed, epochs, callbacks=[measure]) is None:
        return None, None, None
    return np.array(off), np.array(losses), cut_off_shares(model)


def dead_unit_runs(epochs: int = EPOCHS) -> dict:
    """:func:`record_dead_units` for every learning rate, bias and seed, run once and remembered.

    Returns
    -------
    dict of read-only arrays: ``dead`` (learning rates, biases, seeds, epochs + 1, 3), ``loss``
    (learning rates, biases, seeds, epochs + 1) and ``cut_off`` (learning rates, biases, seeds, 3);
    a run that diverged is ``nan`` throughout.
    """
    return _dead_unit_runs(int(epochs))  # one cache entry per number of epochs, however it was passed


@functools.lru_cache(maxsize=None)
def _dead_unit_runs(epochs: int) -> dict:
    shape = (len(LEARNING_RATES), len(BIASES), len(SEEDS), epochs + 1)
    dead, losses = np.full(shape + (3,), np.nan), np.full(shape, np.nan)
    cut_off = np.full(shape[:-1] + (3,), np.nan)
    for i, lr in enumerate(LEARNING_RATES):
        for j, bias in enumerate(BIASES):
            for k, seed in enumerate(SEEDS):
                run_dead, run_loss, run_cut = record_dead_units(lr, bias, seed, epochs)
                if run_dead is not None:
                    dead[i, j, k], losses[i, j, k], cut_off[i, j, k] = run_dead, run_loss, run_cut
    for array in (dead, losses, cut_off):
        array.flags.writeable = False
    return {"dead": dead, "loss": losses, "cut_off": cut_off}


def extremes_over_seeds(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest over the seed axis (axis 2) of the runs that finished; nan where every run diverged."""
    finished = np.isfinite(values)
    none = ~finished.any(axis=2)
    low = np.where(finished, values, np.inf).min(axis=2)
    high = np.where(finished, values, -np.inf).max(axis=2)
    return np.where(none, np.nan, low), np.where(none, np.nan, high)


def mean_over_seeds(values: np.ndarray) -> np.ndarray:
    """Mean over the seed axis (axis 2) of the runs that finished; nan where every run diverged."""
    finished = np.isfinite(values)
    count = finished.sum(axis=2)
    total = np.where(finished, values, 0.0).sum(axis=2)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@factory
def dead_units_over_epochs(epochs: int = EPOCHS):
    r"""Share of dead ReLU units per hidden layer over the epochs, for each learning rate and initial bias.

    The frame for (lr, bias) holds ``dead``: three lists (one per hidden layer) of the share of
    dead units before training and after each epoch, averaged over the seeds whose run finished;
    ``low`` and ``high``, the same for the seed with the fewest and the most; ``loss``, the mean
    loss; and ``finished``, how many of the seeds' runs finished (where none did, the arrays
    are ``nan``).
    """
    runs = dead_unit_runs(epochs)
    finished = np.isfinite(runs["loss"][..., -1]).sum(axis=2)  # (learning rates, biases)
    dead, loss = mean_over_seeds(runs["dead"]), mean_over_seeds(runs["loss"])
    low, high = extremes_over_seeds(runs["dead"])

    def compute(lr, bias):
        i, j = LEARNING_RATES.index(lr), BIASES.index(bias)
        return {"dead": [dead[i, j, :, layer] for layer in range(3)], "low": [low[i, j, :, layer] for layer in range(3)],
                "high": [high[i, j, :, layer] for layer in range(3)], "loss": loss[i, j],
                "finished": int(finished[i, j])}

    return Explorer(
        "dead-relu-epochs", compute,
        [SelectionSlider("lr", LEARNING_RATES, value=0.1, label="learning rate η", fmt="{:g}"),
         SelectionSlider("bias", BIASES, value=0.0, label="initial bias b", fmt="{:g}")],
        data={"epochs": epochs, "seeds": len(SEEDS)},
        alt="Two line charts against the epoch, for the chosen learning rate and initial bias. Top: the "
            "share of dead units in each of the three hidden layers of a ReLU network, from 0 to 100 "
            "percent, the mean over the runs as a line and the range from the lowest to the highest run as a "
            "faint band. Bottom: the mean loss on the training data.",
        caption=f"Dead ReLU units while a network with three hidden layers of 32 units trains on the two "
                f"moons (plain SGD, mini-batches of 20), from {len(SEEDS)} seeds: the mean (lines) and the range "
                "(bands) of the runs that finished; the sentence counts the runs that diverged.",
        web="frames",
    )
