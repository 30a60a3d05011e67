r"""Explorers of activation functions (chapter 7): each activation trained, and overflow watched.

* :func:`train_each_activation` trains chapter 6's network (one input, 16 hidden units, one
  output, on $y = \sin 2x + x/2$ plus noise) once per activation of
  :data:`nnlib.activations.ACTIVATIONS`, each with its own tuned learning rate, from several
  random starts, and keeps snapshots of the weights.
* :func:`activation_training` shows those snapshots: the fitted curve, the contribution of
  every hidden unit to it, and the loss curves (``web="browser"``: a forward pass of 16 units
  is computed in the page).
* :func:`overflow_explorer` compares naive and stable formulas for the sigmoid, its
  derivative and softplus, in float64 or float32 (``web="browser"``).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..activations import ACTIVATIONS, sigmoid, sigmoid_grad, softplus
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..losses import MSE
from ..model import TrainingDivergedError
from ..optim import SGD
from . import factory
from .training import small_network, wavy_curve, wavy_data

#: The epochs at which :func:`train_each_activation` keeps the weights (0: before training).
SNAPSHOTS = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 70, 100)
#: "Speed": the first epoch after which the loss on all the data is below this.
SPEED_THRESHOLD = 0.05
HIDDEN = 16


def _flat(model) -> np.ndarray:
    """W1, b1, W2, b2 of :func:`small_network` as one vector of 3 * HIDDEN + 1 numbers."""
    return np.concatenate([p.value.ravel() for p in model.parameters()])


@functools.lru_cache(maxsize=4)
def train_each_activation(seeds: tuple = (0, 2, 4), rates: tuple = (0.03, 0.1, 0.3), epochs: int = 100,
                          batch_size: int = 16) -> dict:
    """Train chapter 6's network with every activation, tuning the learning rate for each.

    For every activation, every rate of ``rates`` is tried from every seed (the seed sets the
    starting weights and the order of the mini-batches); the rate with the lowest mean final
    loss on all the data wins, a rate at which any run diverged is out.

    Returns
    -------
    dict of activation name -> dict with

    * ``lr``: the chosen rate; ``tried``: {rate: mean final loss, or ``inf`` if a run diverged};
    * ``curves``: array (seeds, epochs + 1), the MSE on all the data before training and after
      each epoch, at the chosen rate;
    * ``true_error``: array (seeds,), the MSE between the trained network and the noise-free
      curve $\\sin 2x + x/2$ on 401 points of $[-2, 2]$;
    * ``speed``: array (seeds,), the first epoch with a loss below :data:`SPEED_THRESHOLD`
      (``nan`` if never);
    * ``switched_off``: array (seeds,), hidden units whose pre-activation is $\\le 0$ for every
      training input at the end (for ReLU: dead units); ``switched_off_by_rate`` the same for
      every rate tried ({rate: array, or ``None`` if a run diverged});
    * ``weights``: array (seeds, len(SNAPSHOTS), 3 * 16 + 1), snapshots of W1, b1, W2, b2;
    * ``models``: the trained networks, one per seed.
    """
    X, y = wavy_data()
    x_true = np.linspace(-2, 2, 401).reshape(-1, 1)
    results = {}
    for name in ACTIVATIONS:
        tried, runs, switched_off = {}, {}, {}
        for lr in rates:
            runs[lr] = []
            for seed in seeds:
                model = small_network(seed=seed, activation=name)
                curve, weights = [MSE()(model.predict(X), y)], [_flat(model)]

                def after_epoch(epoch, model, history, curve=curve, weights=weights):
                    curve.append(MSE()(model.predict(X), y))
                    if epoch in SNAPSHOTS:
                        weights.append(_flat(model))

                try:
                    model.fit(X, y, optimizer=SGD(lr=lr), epochs=epochs, batch_size=batch_size, rng=seed,
                              progress=False, callbacks=[after_epoch])
                except TrainingDivergedError:
                    runs[lr] = None
                    break
                z = X @ model.layers[0].params["W"] + model.layers[0].params["b"]  # (N, HIDDEN)
                runs[lr].append({"curve": curve, "weights": weights, "model": model,
                                 "off": int(np.sum(np.all(z <= 0, axis=0))),
                                 "true": MSE()(model.predict(x_true), wavy_curve(x_true))})
            tried[lr] = math.inf if runs[lr] is None else float(np.mean([r["curve"][-1] for r in runs[lr]]))
            switched_off[lr] = None if runs[lr] is None else np.array([r["off"] for r in runs[lr]])
        lr = min(tried, key=tried.get)
        chosen = runs[lr]
        curves = np.array([r["curve"] for r in chosen])
        below = curves[:, 1:] < SPEED_THRESHOLD
        results[name] = {
            "lr": lr, "tried": tried, "curves": curves,
            "true_error": np.array([r["true"] for r in chosen]),
            "speed": np.where(below.any(axis=1), below.argmax(axis=1) + 1.0, np.nan),
            "switched_off": switched_off[lr], "switched_off_by_rate": switched_off,
            "weights": np.array([r["weights"] for r in chosen]),
            "models": [r["model"] for r in chosen],
        }
    return results


def network_on_grid(weights, activation: str, x):
    r"""The network of a snapshot on inputs ``x`` (shape ``(P,)``), unit by unit.

    Returns ``units``, shape ``(P, 16)``: unit $j$'s contribution
    $W^{(2)}_j \varphi(W^{(1)}_j x + b^{(1)}_j)$, and ``y_hat``, shape ``(P,)``: their sum plus
    $b^{(2)}$.
    """
    W1, b1, W2, b2 = weights[:HIDDEN], weights[HIDDEN:2 * HIDDEN], weights[2 * HIDDEN:3 * HIDDEN], weights[-1]
    z = x[:, None] * W1 + b1  # (P, HIDDEN)
    units = ACTIVATIONS[activation]().forward(z) * W2
    return units, units.sum(axis=1) + b2, z


@factory
def activation_training(points: int = 121):
    """Chapter 6's network trained with each activation: the fit, its units, the loss curves.

    Controls: the activation, the random start (seed) and an epoch of :data:`SNAPSHOTS`. The
    frame holds ``y_hat`` (shape ``(points,)``, the network on $x$ from -2 to 2), ``units``
    (``(points, 16)``, each hidden unit's contribution $W^{(2)}_j a_j(x)$), ``off`` (units whose
    pre-activation is $\\le 0$ all over $[-2, 2]$: for ReLU, units that are dead there),
    ``kinks`` (the $x = -b^{(1)}_j / W^{(1)}_j$ inside $[-2, 2]$, where a ReLU-like unit
    bends) and ``loss`` (on all the data, at that epoch).
    """
    runs = train_each_activation()
    names = list(ACTIVATIONS)
    seeds = (0, 2, 4)
    x = np.linspace(-2, 2, points)
    X, y = wavy_data()
    data = {"x": x, "X": X.ravel(), "y": y.ravel(), "true": wavy_curve(x), "names": names,
            "seeds": list(seeds), "snapshots": list(SNAPSHOTS),
            "weights": np.stack([runs[name]["weights"] for name in names]),  # (names, seeds, snapshots, 49)
            "curves": np.stack([runs[name]["curves"] for name in names]),  # (names, seeds, epochs + 1)
            "rates": [runs[name]["lr"] for name in names]}

    def compute(act, seed, epoch):
        a, s, e = names.index(act), data["seeds"].index(seed), data["snapshots"].index(epoch)
        weights = data["weights"][a, s, e]
        units, y_hat, z = network_on_grid(weights, act, x)
        W1, b1 = weights[:HIDDEN], weights[HIDDEN:2 * HIDDEN]
        kinks = [-b1[j] / W1[j] for j in range(HIDDEN) if W1[j] != 0 and -2 < -b1[j] / W1[j] < 2]
        return {"y_hat": y_hat, "units": units, "off": int(np.sum(np.all(z <= 0, axis=0))), "kinks": kinks,
                "loss": data["curves"][a, s, epoch]}

    labels = {"identity": "identity", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
              "leaky_relu": "Leaky ReLU", "elu": "ELU", "softplus": "softplus", "gelu": "GELU"}
    return Explorer(
        "zoo-training", compute,
        [Dropdown("act", {labels[name]: name for name in names}, value="relu", label="activation"),
         Dropdown("seed", {"start 1": 0, "start 2": 2, "start 3": 4}, label="random start"),
         SelectionSlider("epoch", SNAPSHOTS, value=SNAPSHOTS[-1], label="epoch", fmt="{:d}")],
        data=data,
        alt="Three plots and a sentence. First: the training data, the true curve dashed and the network's "
            "prediction after the chosen epoch, with small marks where ReLU-like units bend. Second: the "
            "sixteen hidden units' contributions to the prediction, one thin line each. Third: the loss on "
            "all the data against the epoch for every activation, the chosen one highlighted. The sentence "
            "gives the loss, the number of bends and the number of units that are switched off.",
        caption=f"Chapter 6's network (16 hidden units) trained for {SNAPSHOTS[-1]} epochs with each activation, "
                "each at its own best learning rate, from three random starts.",
    )


#: The naive formulas of :func:`overflow_explorer`, each computing exp(sign * z).
NAIVE = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "sigmoid_grad": lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    "softplus": lambda z: np.log(1.0 + np.exp(z)),
}
STABLE = {"sigmoid": sigmoid, "sigmoid_grad": sigmoid_grad, "softplus": softplus}
EXPONENT_SIGN = {"sigmoid": -1.0, "sigmoid_grad": -1.0, "softplus": 1.0}


@factory
def overflow_explorer(points: int = 2001):
    r"""Naive and stable formulas of the sigmoid, its derivative and softplus, on $[-z_{\max}, z_{\max}]$.

    The frame holds ``naive`` (shape ``(points,)``, the naive formula, with ``nan`` and ``inf``
    replaced by 0), ``flags`` (0 where the naive output is finite, 1 where it is ``nan``, 2
    where it is ``inf``), ``stable`` (nnlib's version), and the counts ``nan``, ``inf`` and
    ``overflowed`` (inputs where the exponential of the naive formula overflowed). The
    arithmetic is done in ``dtype`` (float64 or float32), with numpy's warnings silenced only
    to show what they would warn about.
    """
    unit = np.linspace(-1.0, 1.0, points)

    def compute(function, dtype, z_max):
        z = (z_max * unit).astype(dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # only to display what numpy would warn about
            naive = NAIVE[function](z)
            overflowed = int(np.count_nonzero(np.isinf(np.exp(EXPONENT_SIGN[function] * z))))
        flags = np.where(np.isnan(naive), 1.0, np.where(np.isinf(naive), 2.0, 0.0))
        return {"naive": np.where(flags == 0, naive, 0.0), "flags": flags, "stable": STABLE[function](z),
                "nan": int(np.count_nonzero(flags == 1)), "inf": int(np.count_nonzero(flags == 2)),
                "overflowed": overflowed}

    return Explorer(
        "zoo-overflow", compute,
        [Dropdown("function", {"sigmoid derivative": "sigmoid_grad", "sigmoid": "sigmoid", "softplus": "softplus"},
                  label="function"),
         Dropdown("dtype", ["float64", "float32"], label="number format"),
         Slider("z_max", 10, 1000, 10, 10, label="z_max")],
        data={"unit": unit, "limits": {"float64": math.log(np.finfo(np.float64).max),
                                       "float32": math.log(np.finfo(np.float32).max)}},
        alt="A curve of the sigmoid, its derivative or softplus against z from -z_max to z_max, computed by "
            "the naive formula, over a thick grey curve of nnlib's stable version. Shaded bands mark where the "
            "exponential overflows, red crosses along the bottom mark inputs where the naive output is nan or "
            "inf, and a sentence counts them.",
        caption="Naive against stable formulas. Past |z| = 709.78 in float64, or 88.72 in float32, the naive "
                "formulas overflow: the derivative turns into nan and softplus into inf, while the stable "
                "versions stay finite everywhere.",
    )
