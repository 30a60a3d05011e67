r"""The digits chapter (9): its data split, its network, the runs the health monitor watches, and two explorers.

Everything here is computed once per session and shared by the chapter and its explorers, so
the numbers the chapter prints and the figures the explorers draw come from the same runs:

* :func:`digits_split`: the chapter's stratified split of the 1,797 digits (training,
  validation, test), pixel values 0..16;
* :func:`make_network` and :func:`train_network`: the 64-256-128-10 ReLU network, trained
  with Adam on mini-batches of 32, on pixels divided by 16 or standardised;
* :func:`monitored_run`: a network trained under a :class:`nnlib.monitor.Monitor`, for each
  recipe in :data:`TAUGHT_RUNS` (the chapter explains them) and :data:`MYSTERY_RUNS` (the
  chapter's exercises: each changes one thing in the chapter's recipe, and the reader names it);
* the explorers :func:`hardest_digits` and :func:`monitor_dashboard`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import init as initializers
from ..activations import softmax
from ..data import load_digits, standardize, train_test_split
from ..explore import Dropdown, Explorer, Slider
from ..layers import Activation, Dense
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..monitor import Monitor
from ..optim import SGD, Adam
from . import factory

#: Seeds of the two calls of ``train_test_split``: test part first, then validation.
SPLIT_SEEDS = (3, 4)
#: The chapter's recipe: epochs and mini-batch size (Adam, learning rate 1e-3).
EPOCHS, BATCH = 20, 32
#: Epochs of the monitored runs, and the size of the probe batch (the first training rows).
MONITOR_EPOCHS, PROBE = 15, 256


@functools.lru_cache(maxsize=1)   # made once, then shared
def digits_split() -> dict:
    """The chapter's split: ``X_train`` (1,151 images), ``X_val`` (287), ``X_test`` (359), pixel
    values 0..16 as rows of 64, and the labels ``y_train``, ``y_val``, ``y_test``; read-only arrays.

    Both splits are stratified (every digit keeps its share), with the seeds :data:`SPLIT_SEEDS`.
    """
    X, y = load_digits()
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_fraction=0.2, rng=SPLIT_SEEDS[0], stratify=True)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_fraction=0.2, rng=SPLIT_SEEDS[1],
                                                      stratify=True)
    parts = {"X_train": X_train, "X_val": X_val, "X_test": X_test, "y_train": y_train, "y_val": y_val,
             "y_test": y_test}
    for array in parts.values():
        array.flags.writeable = False
    return parts


def scaled(X, scaling: str = "/16"):
    """Pixels divided by 16 (``"/16"``), standardised with the training set's statistics
    (``"standardised"``), or left as they are (``"raw"``)."""
    if scaling == "/16":
        return X / 16
    if scaling == "standardised":
        _, mean, std = standardize(digits_split()["X_train"])
        return standardize(X, mean, std)[0]
    if scaling == "raw":
        return np.array(X, dtype=float)
    raise ValueError(f"scaling must be '/16', 'standardised' or 'raw', got {scaling!r}.")


def make_network(act="relu", init="he_normal", seed: int = 0, bias: float = 0.0, output_init=None) -> Sequential:
    """64 pixels -> 256 -> 128 hidden units (activation ``act``) -> 10 class scores, in float32.

    ``init`` names the initialiser of every layer (or is a function), ``output_init`` that of the
    output layer if it differs; ``bias`` is the starting value of the hidden biases. The same
    seed always gives the same starting weights.
    """
    init_rng = np.random.default_rng(seed)
    return Sequential([
        Dense(64, 256, init=init, bias=bias, rng=init_rng, dtype=np.float32), Activation(act),
        Dense(256, 128, init=init, bias=bias, rng=init_rng, dtype=np.float32), Activation(act),
        Dense(128, 10, init=output_init or init, rng=init_rng, dtype=np.float32),   # the logits: no activation
    ])


@functools.lru_cache(maxsize=None)   # remember every result: the same arguments return the same run
def train_network(scaling: str = "/16", seed: int = 0, epochs: int = EPOCHS):
    """A fresh :func:`make_network` trained with Adam (learning rate 1e-3) on mini-batches of 32.

    The inputs are scaled by :func:`scaled`; the validation images are measured after every
    epoch. ``seed`` sets the starting weights and the order of the mini-batches. Returns the
    model and its History (cached: call it again and you get the same objects back).
    """
    data = digits_split()
    network = make_network(seed=seed)
    history = network.fit(scaled(data["X_train"], scaling), data["y_train"], loss=SoftmaxCrossEntropy(),
                          optimizer=Adam(lr=1e-3), epochs=epochs, batch_size=BATCH, rng=seed,
                          validation_data=(scaled(data["X_val"], scaling), data["y_val"]), metric="accuracy",
                          progress=False)
    return network, history


# ---------------------------------------------------------------- monitored runs

@dataclass(frozen=True)
class Recipe:
    """How one monitored run differs from the chapter's recipe (ReLU, He initialisation, Adam
    with learning rate 1e-3, pixels divided by 16, true labels)."""

    act: str = "relu"
    weight_std: float | None = None     # None: He initialisation; else normal weights of this std
    hidden_only: bool = False           # True: weight_std for the hidden layers; the output layer keeps He
    bias: float = 0.0                   # starting value of the hidden biases
    optimizer: str = "Adam"
    lr: float = 1e-3
    scaling: str = "/16"
    shuffled_labels: bool = False
    fault: str | None = None            # the cause the monitor should name (a value of CAUSES)


#: The runs the chapter explains, in the order it shows them.
TAUGHT_RUNS = {
    "sigmoid, weights std 0.01": Recipe(act="sigmoid", weight_std=0.01, optimizer="SGD", lr=0.1,
                                        fault="vanishing gradient"),
    "ReLU, He, SGD η = 0.1": Recipe(optimizer="SGD", lr=0.1),
    "sigmoid, weights std 1": Recipe(act="sigmoid", weight_std=1.0, optimizer="SGD", lr=0.1,
                                     fault="saturated units"),
    "ReLU, He, SGD η = 1.5": Recipe(optimizer="SGD", lr=1.5, fault="dead ReLUs"),
    "ReLU, He, Adam η = 0.001": Recipe(),
}

#: The mystery runs of the chapter's exercises: the chapter's recipe with one fault each (run A's
#: fault is sigmoid hidden units with weights of standard deviation 2; its output layer is as usual).
MYSTERY_RUNS = {
    "A": Recipe(act="sigmoid", weight_std=2.0, hidden_only=True, fault="saturated units"),
    "B": Recipe(lr=1e-5, fault="learning rate too low"),
    "C": Recipe(shuffled_labels=True, fault="labels do not match the inputs"),
    "D": Recipe(bias=-1.5, fault="dead ReLUs"),
    "E": Recipe(scaling="raw", fault="unscaled inputs"),
}


def recipe_of(name: str) -> Recipe:
    """The recipe of a taught run (by its name) or a mystery run ("A" to "E")."""
    runs = {**TAUGHT_RUNS, **MYSTERY_RUNS}
    if name not in runs:
        raise ValueError(f"unknown run {name!r}; the runs are {list(runs)}.")
    return runs[name]


class MonitoredRun(NamedTuple):
    """What :func:`monitored_run` returns: the monitor, fit's History and the trained network."""

    monitor: Monitor
    history: object
    model: Sequential


@functools.lru_cache(maxsize=None)   # remember every run: asking again returns the same objects
def monitored_run(name: str, epochs: int = MONITOR_EPOCHS) -> MonitoredRun:
    """Train the network of run ``name`` (see :data:`TAUGHT_RUNS`, :data:`MYSTERY_RUNS`) under a monitor.

    The monitor measures every epoch on a probe batch, the first :data:`PROBE` training images
    (a random sample: the split shuffled them); it records the untrained network as epoch 0 and
    watches every step of the optimiser. Returns a :class:`MonitoredRun` (cached: the same run
    every time it is asked for).
    """
    recipe = recipe_of(name)
    data = digits_split()
    y_train = data["y_train"]
    if recipe.shuffled_labels:  # every image keeps a label, but no longer its own
        y_train = np.random.default_rng(1).permutation(y_train)
    X_train, X_val = scaled(data["X_train"], recipe.scaling), scaled(data["X_val"], recipe.scaling)
    # functools.partial fixes the std of nnlib.init.normal: an initialiser called like he_normal.
    init = "he_normal" if recipe.weight_std is None else functools.partial(initializers.normal,
                                                                           std=recipe.weight_std)
    network = make_network(recipe.act, init, seed=0, bias=recipe.bias,
                           output_init="he_normal" if recipe.hidden_only else None)
    optimizer = Adam(lr=recipe.lr) if recipe.optimizer == "Adam" else SGD(lr=recipe.lr)
    monitor = Monitor(X_train[:PROBE], y_train[:PROBE], SoftmaxCrossEntropy())
    history = monitor.fit(network, X_train, y_train, optimizer=optimizer, epochs=epochs, batch_size=BATCH,
                          rng=0, validation_data=(X_val, data["y_val"]), metric="accuracy", progress=False)
    return MonitoredRun(monitor, history, network)


# ---------------------------------------------------------------- explorers

def hardest_order(probabilities, labels) -> np.ndarray:
    """Test images from hardest to easiest: the misclassified ones first, then the rest, each
    group ordered by the probability given to the true class (lowest first)."""
    p_true = probabilities[np.arange(len(labels)), labels]
    predicted = probabilities.argmax(axis=1)
    by_difficulty = np.argsort(p_true, kind="stable")
    wrong = by_difficulty[predicted[by_difficulty] != labels[by_difficulty]]
    right = by_difficulty[predicted[by_difficulty] == labels[by_difficulty]]
    return np.concatenate([wrong, right])


@factory
def hardest_digits(count: int = 24):
    r"""The test digits the chapter's network finds hardest, with the probability it gives each class.

    The frame for position ``k`` (1 = hardest) holds the ``image`` (8 x 8, pixel values 0..16),
    the ten ``probabilities`` (softmax of the network's scores), the ``true`` and ``predicted``
    classes, the strongest wrong class ``rival`` and the ``index`` of the image in the test set.
    The order is :func:`hardest_order`: the mistakes first, then the least confident right answers.
    """
    data = digits_split()
    model, _ = train_network("/16", 0)
    probabilities = softmax(model.predict(data["X_test"] / 16).astype(np.float64), axis=1)
    labels = data["y_test"]
    order = hardest_order(probabilities, labels)[:count]
    mistakes = int(np.sum(probabilities.argmax(axis=1) != labels))
    images = data["X_test"].reshape(-1, 8, 8)

    def compute(k):
        i = int(order[k - 1])
        p = probabilities[i]
        rival = int(np.argmax(np.where(np.arange(10) == labels[i], -1.0, p)))
        return {"image": images[i].astype(np.float64), "probabilities": p, "true": int(labels[i]),
                "predicted": int(np.argmax(p)), "rival": rival, "index": i}

    return Explorer(
        "digit-probabilities", compute,
        [Slider("k", 1, count, 1, 1, label="hard test digit no.")],
        data={"mistakes": mistakes, "count": count, "tests": len(labels)},
        alt="A blocky 8 by 8 image of a handwritten test digit on the left and, on the right, a bar chart "
            "of the probability the network gives each of the ten classes, the true class in green and "
            "the strongest other class in red.",
        caption=f"The {count} test digits the network finds hardest: first the {mistakes} it gets wrong, then "
                "the right answers it was least sure of, with the softmax probability of each class.",
        web="frames", max_width=640,
    )


def _run_series(monitor) -> dict:
    """The time series of one monitored run that the dashboard draws (layers along the last axis)."""
    dead, saturated = monitor.series("dead"), monitor.series("saturated")
    kind = "dead" if np.isfinite(dead[:, :-1]).any() else "saturated"
    return {
        "probe_loss": np.array(monitor.probe_loss), "val_loss": np.array(monitor.val_loss),
        "val_accuracy": np.array(monitor.val_metric),
        "act_mean": monitor.series("act_mean"), "spread": monitor.series("spread"),
        "unhealthy": (dead if kind == "dead" else saturated)[:, :-1], "unhealthy_kind": kind,
        "grad_norm": monitor.series("grad_norm"), "update_ratio": monitor.series("update_ratio"),
        "activations": [entry["activation"] for entry in monitor.layers],
    }


@factory
def monitor_dashboard(runs: str = "taught"):
    r"""The health monitor of the chapter's runs, epoch by epoch.

    ``runs="taught"`` shows the runs of :data:`TAUGHT_RUNS` with the monitor's diagnosis;
    ``runs="mystery"`` the runs of :data:`MYSTERY_RUNS`, with the diagnosis left to the reader.
    ``data`` holds every run's time series (see :func:`_run_series`): losses, validation
    accuracy, activation mean and spread across inputs, the dead or saturated share of the hidden layers,
    gradient norms and measured update-to-weight ratios, one column per layer. The frame for
    (run, epoch) holds the histograms of the hidden layers' activations at that epoch (``hist``,
    with bin ``edges``) and ``findings``: what :meth:`Monitor.diagnose` says from the records
    up to that epoch (``None`` for the mystery runs).
    """
    if runs not in ("taught", "mystery"):
        raise ValueError(f"runs must be 'taught' or 'mystery', got {runs!r}.")
    names = list(TAUGHT_RUNS if runs == "taught" else MYSTERY_RUNS)
    results = {name: monitored_run(name) for name in names}
    labels = {name if runs == "taught" else f"mystery run {name}": name for name in names}

    def compute(run, epoch):
        monitor = results[run].monitor
        r = monitor.epochs.index(epoch)
        findings = None
        if runs == "taught":
            findings = [str(f) for f in monitor.diagnose(until=epoch)]
        return {"hist": monitor.histograms[r, :-1], "edges": monitor.edges[r, :-1], "findings": findings}

    return Explorer(
        "monitor-dashboard", compute,
        [Dropdown("run", labels, label="run"),
         Slider("epoch", 0, MONITOR_EPOCHS, 1, 0 if runs == "taught" else MONITOR_EPOCHS, label="epoch")],
        data={"runs": {name: _run_series(results[name].monitor) for name in names}, "epochs": MONITOR_EPOCHS,
              "chance": float(np.log(10)), "mystery": runs == "mystery"},
        alt="Six small charts for the chosen run, against the epoch, with the chosen epoch marked: the loss on "
            "the probe batch and the validation data; the mean of each layer's activations and their spread "
            "across the probe inputs; the share of dead or saturated units in the two hidden layers; the gradient norm and the update-to-weight "
            "ratio of each layer on log scales; and histograms of the hidden layers' activations at the chosen "
            "epoch." + (" Below them, the monitor's diagnosis." if runs == "taught" else ""),
        caption=("The network health monitor for " + ("five runs of the chapter's network" if runs == "taught" else
                 "the five mystery runs") + f": statistics of every layer on a probe batch of {PROBE} training "
                 "images after each epoch (epoch 0 is the untrained network). The update ratio is measured from "
                 "the weights before and after every step, averaged over the epoch; the dotted line marks 0.001."),
        web="frames", max_width=760,
    )
