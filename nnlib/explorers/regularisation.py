"""Explorer of L1 and L2 penalties (chapter 8): one small network, many strengths, several seeds.

:func:`penalty_experiment` trains a network that overfits (two hidden layers of ReLU units, 30
noisy training points of the two moons) once per seed, penalty and strength, and keeps what the
figure and the chapter's checks need. :func:`penalty_strength` shows it: the decision regions
and weights of one run, and the test error and sparsity of all runs, mean and standard error.
"""
from __future__ import annotations

import functools

import numpy as np

from ..data import moons, standardize
from ..explore import Dropdown, Explorer, SelectionSlider
from ..layers import Activation, Dense
from ..losses import BinaryCrossEntropy
from ..model import Sequential, accuracy
from ..optim import SGD
from ..regularization import L1, L2
from . import factory

#: Strengths lambda tried, for each penalty; 0 is the unregularised run, shared by both.
STRENGTHS = (0.0, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
PENALTIES = {"L2": L2, "L1": L1}
#: Bins of log10 |w| for the weight histogram (weights below 1e-8 fall in the first bin).
WEIGHT_EDGES = np.linspace(-8, 1, 37)
#: A weight counts as zero below this size.
ZERO = 1e-3
EXTENT = 2.6


def overfitting_network(rng, hidden: int = 32) -> Sequential:
    """2 inputs -> two layers of ``hidden`` ReLU units (He) -> 1 logit: over a thousand weights."""
    return Sequential([Dense(2, hidden, init="he_normal", rng=rng), Activation("relu"),
                       Dense(hidden, hidden, init="he_normal", rng=rng), Activation("relu"),
                       Dense(hidden, 1, init="xavier_normal", rng=rng)])


def train_with_penalty(X, y, seed: int, penalty=None, epochs: int = 150, settle: int = 20) -> Sequential:
    """Train :func:`overfitting_network` (weights from ``default_rng(seed)``) on ``(X, y)`` with ``penalty``.

    ``epochs`` full-batch steps of SGD with momentum, then ``settle`` steps each at a 10 and a
    100 times smaller learning rate without momentum, so that weights an L1 penalty drives to
    zero stop hopping across it.
    """
    loss = BinaryCrossEntropy(from_logits=True)
    model = overfitting_network(np.random.default_rng(seed))
    model.fit(X, y, loss=loss, optimizer=SGD(lr=0.15, momentum=0.9), epochs=epochs, penalty=penalty,
              progress=False)
    for lr in (0.015, 0.0015):
        model.fit(X, y, loss=loss, optimizer=SGD(lr=lr), epochs=settle, penalty=penalty, progress=False)
    return model


def largest_hidden_activation(model, X) -> float:
    """The largest output of any hidden ReLU unit on the inputs ``X``."""
    out, largest = X, 0.0
    for layer in model.layers:
        out = layer.forward(out)
        if isinstance(layer, Activation):
            largest = max(largest, float(out.max()))
    return largest


def penalty_experiment(seeds: int = 20, train_size: int = 30, test_size: int = 1000, noise: float = 0.3,
                       epochs: int = 150, settle: int = 20, grid: int = 70) -> dict:
    r"""Train the overfitting network for every seed, penalty and strength in :data:`STRENGTHS`.

    Seed ``k`` draws its own ``train_size`` training points (``moons(..., rng=k + 1)``) and its
    own starting weights (``default_rng(k)``); every run of that seed starts from the same
    weights and is trained by :func:`train_with_penalty`. The inputs are
    standardised with the training set's statistics; one validation set (``rng=98``), for choosing
    the strength, and one test set (``rng=99``), for the final report, of ``test_size`` points
    each serve every seed. The result is cached: treat it as read-only.

    Returns
    -------
    dict with
        ``test_error``, ``val_error``, ``train_error``, ``sparsity`` (share of weights below :data:`ZERO`),
        ``largest_activation`` (largest hidden ReLU output on the test inputs), ``weight_norm``
        (of all weights): dicts penalty -> array (seeds, strengths);
        ``boundary``, ``counts`` and ``models``: dicts (penalty, strength) -> seed 0's decision
        regions on a ``grid`` x ``grid`` square (True where class 1 is predicted), its histogram of
        $\log_{10}|w|$ over :data:`WEIGHT_EDGES`, and the trained network itself;
        ``X_train``, ``labels_train``: seed 0's standardised training set; ``grid_axis``.
    """
    return _penalty_experiment(seeds, train_size, test_size, noise, epochs, settle, grid)


@functools.lru_cache(maxsize=2)
def _penalty_experiment(seeds, train_size, test_size, noise, epochs, settle, grid) -> dict:
    """:func:`penalty_experiment`, cached by the values of its arguments however they were passed."""
    X_test_raw, labels_test = moons(test_size, noise=noise, rng=99)
    y_test = labels_test.reshape(-1, 1).astype(float)
    X_val_raw, labels_val = moons(test_size, noise=noise, rng=98)
    y_val = labels_val.reshape(-1, 1).astype(float)
    axis = np.linspace(-EXTENT, EXTENT, grid)
    g1, g2 = np.meshgrid(axis, axis)
    plane = np.column_stack([g1.ravel(), g2.ravel()])
    fields = ("test_error", "val_error", "train_error", "sparsity", "largest_activation", "weight_norm")
    results = {field: {name: np.zeros((seeds, len(STRENGTHS))) for name in PENALTIES} for field in fields}
    results.update(boundary={}, counts={}, models={}, grid_axis=axis)
    for seed in range(seeds):
        X_raw, labels = moons(train_size, noise=noise, rng=seed + 1)
        X, mean, std = standardize(X_raw)
        X_test, _, _ = standardize(X_test_raw, mean, std)
        X_val, _, _ = standardize(X_val_raw, mean, std)
        y = labels.reshape(-1, 1).astype(float)
        if seed == 0:
            results["X_train"], results["labels_train"] = X, labels
        unregularised = None
        for name, Penalty in PENALTIES.items():
            for k, strength in enumerate(STRENGTHS):
                if strength == 0 and unregularised is not None:
                    run = unregularised  # the same run for both penalties
                else:
                    penalty = Penalty(strength) if strength > 0 else None
                    model = train_with_penalty(X, y, seed, penalty, epochs, settle)
                    weights = np.concatenate([layer.params["W"].ravel() for layer in model.layers
                                              if isinstance(layer, Dense)])
                    run = {"test_error": 1 - accuracy(model.predict(X_test) > 0, y_test),
                           "val_error": 1 - accuracy(model.predict(X_val) > 0, y_val),
                           "train_error": 1 - accuracy(model.predict(X) > 0, y),
                           "sparsity": float(np.mean(np.abs(weights) < ZERO)),
                           "largest_activation": largest_hidden_activation(model, X_test),
                           "weight_norm": float(np.linalg.norm(weights)),
                           "model": model, "weights": weights}
                    if strength == 0:
                        unregularised = run
                for field in fields:
                    results[field][name][seed, k] = run[field]
                if seed == 0:
                    logs = np.log10(np.maximum(np.abs(run["weights"]), 1e-300))
                    results["counts"][name, strength] = np.histogram(
                        np.clip(logs, WEIGHT_EDGES[0] + 1e-9, WEIGHT_EDGES[-1] - 1e-9), bins=WEIGHT_EDGES)[0]
                    results["boundary"][name, strength] = (run["model"].predict(plane) > 0).reshape(g1.shape)
                    results["models"][name, strength] = run["model"]
    return results


def _mean_and_standard_error(values, axis=0):
    r"""Mean and standard error $s/\sqrt n$ (sample standard deviation $s$) along ``axis``."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    return values.mean(axis=axis), values.std(axis=axis, ddof=1) / np.sqrt(n)


@factory
def penalty_strength(seeds: int = 20):
    r"""Decision regions, weights and test error of the overfitting network under L1 or L2.

    Uses :func:`penalty_experiment` with ``seeds`` seeds. The frame holds seed 0's decision
    regions ``boundary`` (grid x grid, 1 for class 1), the histogram ``counts`` of
    $\log_{10}|w|$, its ``train_error``, ``test_error`` and ``sparsity``, and the position
    ``index`` of the strength. The data hold, per penalty, the mean and standard error over the
    seeds of the test error and the sparsity at every strength.
    """
    results = penalty_experiment(seeds=seeds)

    def compute(penalty, strength):
        k = STRENGTHS.index(strength)
        return {"boundary": results["boundary"][penalty, strength].astype(np.uint8),
                "counts": results["counts"][penalty, strength],
                "train_error": results["train_error"][penalty][0, k],
                "test_error": results["test_error"][penalty][0, k],
                "sparsity": results["sparsity"][penalty][0, k], "index": k}

    curves = {}
    for name in PENALTIES:
        for field in ("test_error", "sparsity"):
            mean, error = _mean_and_standard_error(results[field][name])
            curves[f"{name}_{field}"] = {"mean": mean, "error": error}
    return Explorer(
        "penalty-strength", compute,
        [Dropdown("penalty", list(PENALTIES), label="penalty"),
         SelectionSlider("strength", STRENGTHS, label="strength λ", fmt="{:g}")],
        data={"X": results["X_train"], "labels": results["labels_train"].astype(float),
              "extent": EXTENT, "grid": len(results["grid_axis"]), "edges": WEIGHT_EDGES,
              "strengths": list(STRENGTHS), "curves": curves, "seeds": seeds, "zero": ZERO,
              "top": int(max(counts.max() for counts in results["counts"].values()))},
        alt="Four panels for a chosen penalty and strength. The decision regions of the trained network in "
            "the plane of the two standardised features, with its 30 training points; a histogram of the "
            "base-10 logarithm of the absolute weights, with a dashed line at 10 to the minus 3; the test "
            "error against the strength for L1 and L2, as means with error bars over several seeds; and the "
            "share of near-zero weights against the strength, the same way. A ring marks the current setting.",
        caption=f"A network with 1,120 weights trained on 30 noisy points with an L1 or L2 penalty of strength "
                f"λ. Top: one run (seed 0). Bottom: mean and standard error over {seeds} seeds, each with its "
                "own training points and starting weights. Everything was computed once, in advance.",
        web="frames", max_width=720,
    )
