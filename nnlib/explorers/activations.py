r"""Explorers of activation functions (chapter 7): each activation trained, and overflow watched.

* :func:`train_each_activation` trains chapter 6's network (one input, 16 hidden units, one
  output, on $y = \sin 2x + x/2$ plus noise) with every activation of
  :data:`nnlib.activations.ACTIVATIONS`, at every learning rate of :data:`RATES` and from
  several random starts, picks each activation's best rate, and keeps snapshots of the weights.
  The runs of one activation are trained side by side, as one stack of arrays
  (:func:`train_side_by_side`), which is what makes 300 runs affordable.
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

from ..activations import ACTIVATIONS, get_activation, sigmoid, sigmoid_grad, softplus
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..losses import MSE
from ..model import DIVERGENCE
from . import factory
from .training import small_network, wavy_curve, wavy_data

#: The epochs at which :func:`train_each_activation` keeps the weights (0: before training).
SNAPSHOTS = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 70, 100)
#: "Speed": the first epoch after which the loss on all the data is below this.
SPEED_THRESHOLD = 0.05
HIDDEN = 16
#: The learning rates tried for every activation: each about sqrt(2) times the one before.
RATES = (0.01, 0.014, 0.02, 0.028, 0.04, 0.056, 0.08, 0.11, 0.16, 0.22, 0.32, 0.45, 0.64)
#: The random starts: each seed sets the starting weights and the order of the mini-batches.
SEEDS = (0, 2, 4)


def _flat(model) -> np.ndarray:
    """W1, b1, W2, b2 of :func:`small_network` as one vector of 3 * HIDDEN + 1 numbers."""
    return np.concatenate([p.value.ravel() for p in model.parameters()])


def train_side_by_side(activation, seeds: tuple = SEEDS, rates: tuple = RATES, epochs: int = 100,
                       batch_size: int = 16) -> dict:
    r"""Train chapter 6's network from every seed with every rate, all runs at once, as ``fit`` would.

    Run $(s, r)$ is ``small_network(seed=s, activation=activation)`` trained by plain SGD with
    rate ``rates[r]`` on mini-batches of the MSE, the batches in the order ``fit(rng=s)``
    draws. The runs differ only in their numbers, so they are computed side by side: every
    array has two extra axes in front, seeds and rates, and one matrix product serves all
    runs. A run stops where ``fit`` would stop it (:data:`~nnlib.model.DIVERGENCE`); its loss is
    ``nan`` from then on. Each run agrees with ``fit`` to rounding (a test checks it).

    Parameters
    ----------
    activation : name in :data:`~nnlib.activations.ACTIVATIONS`, or an ActivationFunction

    Returns
    -------
    dict with ``curves`` (S, R, epochs + 1), the MSE on all the data before training and after
    each epoch; ``stopped`` (S, R), True where the run diverged; ``weights`` (S, R,
    len(SNAPSHOTS), 3 * 16 + 1), W1, b1, W2, b2 at the epochs of :data:`SNAPSHOTS`; ``off``
    (S, R), hidden units whose pre-activation is $\le 0$ for every training input at the end.
    """
    X, y = wavy_data()
    n = len(X)
    act = get_activation(activation)
    S, R = len(seeds), len(rates)
    nets = [small_network(seed=seed, activation=act) for seed in seeds]

    def stacked(layer, key):  # one copy of every start's array per rate: (S, R, rows, columns)
        arrays = [net.layers[layer].params[key].reshape(-1 if key == "W" else 1, HIDDEN if layer == 0 else 1)
                  for net in nets]
        return np.array([[array] * R for array in arrays])

    W1, b1, W2, b2 = stacked(0, "W"), stacked(0, "b"), stacked(2, "W"), stacked(2, "b")  # (S, R, ., .)
    lr = np.asarray(rates, dtype=float)[None, :, None, None]

    def predict(x):  # x (S or 1, 1, batch, 1) -> z1 (S, R, batch, 16), a1, y_hat (S, R, batch, 1)
        z1 = x @ W1 + b1
        a1 = act._forward(z1)
        return z1, a1, a1 @ W2 + b2

    def mse(x, target):
        diff = predict(x)[2] - target
        return (diff * diff).mean(axis=(-2, -1))  # (S, R)

    probe = np.linspace(0, n - 1, min(n, DIVERGENCE["start_samples"])).round().astype(np.intp)
    start = mse(X[probe][None, None], y[probe][None, None])  # fit's starting loss L0, (S, R)
    running = np.ones((S, R), dtype=bool)
    previous, rising = np.full((S, R), np.inf), np.zeros((S, R), dtype=int)
    curves, snapshots = [mse(X[None, None], y[None, None])], []
    orders = [np.random.default_rng(seed) for seed in seeds]  # fit(rng=seed) draws the same orders

    def keep():
        snapshots.append(np.concatenate([W1.reshape(S, R, -1), b1.reshape(S, R, -1), W2.reshape(S, R, -1),
                                         b2.reshape(S, R, -1)], axis=-1))

    keep()
    with np.errstate(all="ignore"):  # a diverging run may overflow; it is stopped below, as fit stops it
        for epoch in range(1, epochs + 1):
            order = np.array([rng.permutation(n) if batch_size < n else np.arange(n) for rng in orders])
            for begin in range(0, n, batch_size):
                idx = order[:, begin:begin + batch_size]  # (S, batch): each start its own samples
                xb, yb = X[idx][:, None], y[idx][:, None]  # (S, 1, batch, 1)
                z1, a1, y_hat = predict(xb)
                diff = y_hat - yb
                loss = (diff * diff).mean(axis=(-2, -1))  # (S, R)
                # fit's divergence rules, applied to every run before its update
                rising = np.where(loss > previous, rising + 1, 0)
                previous = loss
                ratio = loss / start
                running &= np.isfinite(loss) & (ratio <= DIVERGENCE["far_above_start"]) & ~(
                    (rising >= DIVERGENCE["rising_steps"]) & (ratio > DIVERGENCE["rising_factor"]))
                # backpropagation, the same steps as Dense and Activation, for every run at once
                dout = (2.0 / diff.shape[-2]) * diff  # dL/dy_hat of the MSE
                dW2, db2 = np.swapaxes(a1, -1, -2) @ dout, dout.sum(axis=-2, keepdims=True)
                dz1 = (dout @ np.swapaxes(W2, -1, -2)) * act._grad(z1)
                dW1, db1 = np.swapaxes(xb, -1, -2) @ dz1, dz1.sum(axis=-2, keepdims=True)
                step = np.where(running[..., None, None], lr, 0.0)  # a stopped run keeps its weights
                W1 -= step * dW1
                b1 -= step * db1
                W2 -= step * dW2
                b2 -= step * db2
            curves.append(np.where(running, mse(X[None, None], y[None, None]), np.nan))
            if epoch in SNAPSHOTS:
                keep()
    z1 = predict(X[None, None])[0]
    return {"curves": np.stack(curves, axis=-1), "stopped": ~running, "weights": np.stack(snapshots, axis=2),
            "off": np.sum(np.all(z1 <= 0, axis=-2), axis=-1)}


def epochs_to(curves: np.ndarray, threshold: float = SPEED_THRESHOLD) -> np.ndarray:
    """The first epoch after which each curve (last axis: epochs 0, 1, ...) is below ``threshold``; nan if never."""
    below = curves[..., 1:] < threshold
    return np.where(below.any(axis=-1), below.argmax(axis=-1) + 1.0, np.nan)


@functools.lru_cache(maxsize=4)
def train_each_activation(seeds: tuple = SEEDS, rates: tuple = RATES, epochs: int = 100,
                          batch_size: int = 16) -> dict:
    """Train chapter 6's network with every activation, from every seed, at every rate; pick each one's rate.

    The runs are :func:`train_side_by_side`'s. For each activation the rate with the lowest mean
    final loss on all the data is chosen; a rate at which any start diverged is out.

    Returns
    -------
    dict of activation name -> dict with

    * ``lr``: the chosen rate; ``tried``: {rate: mean final loss, or ``inf`` if a run diverged};
    * ``curves``: array (seeds, epochs + 1), the MSE on all the data before training and after
      each epoch, at the chosen rate;
    * ``true_error``: array (seeds,), the MSE between the trained network and the noise-free
      curve $\\sin 2x + x/2$ on 401 points of $[-2, 2]$;
    * ``speed``: array (seeds,), the first epoch with a loss below :data:`SPEED_THRESHOLD`
      (``nan`` if never) at the chosen rate; ``speed_by_rate``: {rate: that array, or ``None``
      if a run diverged}; ``fastest_lr``: the rate with the fewest epochs on average (a start
      that never gets there counts as ``epochs + 1``);
    * ``switched_off``: array (seeds,), hidden units whose pre-activation is $\\le 0$ for every
      training input at the end (for ReLU: dead units); ``switched_off_by_rate`` the same for
      every rate ({rate: array, or ``None`` if a run diverged});
    * ``weights``: array (seeds, len(SNAPSHOTS), 3 * 16 + 1), snapshots of W1, b1, W2, b2;
    * ``models``: the trained networks, one per seed.
    """
    x_true = np.linspace(-2, 2, 401).reshape(-1, 1)
    results = {}
    for name in ACTIVATIONS:
        runs = train_side_by_side(name, seeds, rates, epochs, batch_size)
        finished = ~runs["stopped"].any(axis=0)  # (R,): every start finished
        finals = runs["curves"][:, :, -1].mean(axis=0)
        tried = {lr: float(finals[r]) if finished[r] else math.inf for r, lr in enumerate(rates)}
        speeds = epochs_to(runs["curves"])  # (S, R)
        penalised = np.where(np.isnan(speeds), epochs + 1.0, speeds).mean(axis=0)
        r = min(range(len(rates)), key=lambda k: tried[rates[k]])
        fastest = min((k for k in range(len(rates)) if finished[k]), key=lambda k: penalised[k])
        models = []
        for s, seed in enumerate(seeds):
            model = small_network(seed=seed, activation=name)
            final = runs["weights"][s, r, -1]
            for p, start in zip(model.parameters(), np.cumsum([0, HIDDEN, HIDDEN, HIDDEN])):
                p.value[...] = final[start:start + p.value.size].reshape(p.value.shape)
            models.append(model)
        results[name] = {
            "lr": rates[r], "tried": tried, "curves": runs["curves"][:, r],
            "true_error": np.array([MSE()(model.predict(x_true), wavy_curve(x_true)) for model in models]),
            "speed": speeds[:, r], "fastest_lr": rates[fastest],
            "speed_by_rate": {lr: speeds[:, k] if finished[k] else None for k, lr in enumerate(rates)},
            "switched_off": runs["off"][:, r],
            "switched_off_by_rate": {lr: runs["off"][:, k] if finished[k] else None for k, lr in enumerate(rates)},
            "weights": runs["weights"][:, r], "models": models,
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
    seeds = SEEDS
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
#: The first intermediate result of each naive formula that can overflow: the exponential, except
#: for the derivative, whose square (1 + e^-z)^2 overflows at half the exponent (it then returns 0,
#: silently, long before e^-z itself overflows and turns the result into nan).
OVERFLOWS = {"sigmoid": lambda z: np.exp(-z), "sigmoid_grad": lambda z: (1.0 + np.exp(-z)) ** 2,
             "softplus": lambda z: np.exp(z)}


@factory
def overflow_explorer(points: int = 2001):
    r"""Naive and stable formulas of the sigmoid, its derivative and softplus, on $[-z_{\max}, z_{\max}]$.

    The frame holds ``naive`` (shape ``(points,)``, the naive formula, with ``nan`` and ``inf``
    replaced by 0), ``flags`` (0 where the naive output is finite, 1 where it is ``nan``, 2
    where it is ``inf``), ``stable`` (nnlib's version), and the counts ``nan``, ``inf`` and
    ``overflowed`` (inputs where an intermediate result of the naive formula overflowed: see
    ``OVERFLOWS``). The
    arithmetic is done in ``dtype`` (float64 or float32), with numpy's warnings silenced only
    to show what they would warn about.
    """
    unit = np.linspace(-1.0, 1.0, points)

    def compute(function, dtype, z_max):
        z = (z_max * unit).astype(dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # only to display what numpy would warn about
            naive = NAIVE[function](z)
            overflowed = int(np.count_nonzero(np.isinf(OVERFLOWS[function](z))))
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
            "the naive formula, over a thick grey curve of nnlib's stable version. A shaded band marks the inputs "
            "at which the naive formula overflows on the way (for the derivative its square (1 + e^-z)^2, "
            "from half the limit on), red crosses along the bottom mark inputs where the naive output is nan "
            "or inf, and a sentence counts them.",
        caption="Naive against stable formulas. Past |z| = 709.78 in float64, or 88.72 in float32, the naive "
                "formulas overflow: the derivative turns into nan and softplus into inf, while the stable "
                "versions stay finite everywhere. The naive derivative's square overflows already past 354.89 "
                "or 44.36, where it returns 0 instead of a tiny positive number.",
    )
