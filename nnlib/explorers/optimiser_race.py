r"""Chapter 11's runs on the digits: a fair race between optimisers, schedules, warm-up and clipping.

Every run trains a small ReLU network on chapter 9's split of the digits (pixels divided by 16,
float32, mini-batches of :data:`BATCH`, :data:`EPOCHS` epochs, softmax cross-entropy) and is
computed once per session (:func:`digits_run` is cached), so the numbers the chapter prints and
the curves the explorer draws come from the same runs.

* :func:`race` is the fair comparison: every optimiser of :data:`RACE_OPTIMISERS` tries the same
  grid of learning rates :data:`RATES` from the two starts :data:`TUNING_SEEDS`, keeps the rate
  with the lowest mean validation loss, and is then trained from five fresh starts
  :data:`TEST_SEEDS` and measured once on the test images.
* :func:`warmup_runs` and :func:`clipping_runs` are the failures that warm-up and gradient
  clipping prevent, on the deeper network :data:`DEEP`.
* :func:`digits_schedules` is the explorer: each optimiser with each schedule of
  :data:`SCHEDULES`, at its tuned rate and half a decade above (``web="frames"``).
"""
from __future__ import annotations

import functools
import time

import numpy as np

from ..explore import Dropdown, Explorer
from ..layers import Activation, Dense
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential, TrainingDivergedError, accuracy
from ..optim import SGD, Adam, RMSProp
from ..schedules import CosineDecay, ExponentialDecay, LinearWarmup, StepDecay, steps_per_epoch
from . import factory
from .digits import digits_split

#: Epochs and mini-batch size of every run.
EPOCHS, BATCH = 20, 64
#: Hidden layers of the race's network (64 -> 64 ReLU -> 10) and of the deeper one.
HIDDEN = (64,)
DEEP = (64, 64, 64)
#: The learning rates every optimiser tries: half a decade apart, 3.16e-4 to 3.16.
RATES = tuple(float(f"{10 ** (k / 2):.3g}") for k in range(-7, 2))
#: Starts used to choose the rate, and fresh starts used to measure the chosen one.
TUNING_SEEDS = (0, 1)
TEST_SEEDS = (2, 3, 4, 5, 6)
#: The optimisers of the race, each with nnlib's default settings apart from the rate.
RACE_OPTIMISERS = {
    "SGD": lambda lr: SGD(lr=lr),
    "momentum": lambda lr: SGD(lr=lr, momentum=0.9),
    "Nesterov": lambda lr: SGD(lr=lr, momentum=0.9, nesterov=True),
    "RMSProp": lambda lr: RMSProp(lr=lr),
    "Adam": lambda lr: Adam(lr=lr),
}
#: The schedules of :func:`make_schedule`, and the length of the warm-up in epochs.
SCHEDULES = ("constant", "step", "exponential", "cosine", "warm-up + cosine")
WARMUP_EPOCHS = 2


@functools.lru_cache(maxsize=1)
def race_data() -> dict:
    """Chapter 9's split with pixels divided by 16, in float32: ``X_train``, ``y_train``, ``X_val``,
    ``y_val``, ``X_test``, ``y_test`` (read-only arrays)."""
    parts = dict(digits_split())
    for key in ("X_train", "X_val", "X_test"):
        parts[key] = (parts[key] / 16).astype(np.float32)
        parts[key].flags.writeable = False
    return parts


def total_steps(epochs: int = EPOCHS) -> int:
    """Optimiser steps in a run: ``epochs`` times the steps of one epoch (18 for 1,151 images in batches of 64)."""
    return epochs * steps_per_epoch(len(race_data()["X_train"]), BATCH)


def make_schedule(name: str, lr: float, epochs: int = EPOCHS):
    r"""The learning-rate schedule ``name`` of :data:`SCHEDULES` for a run of ``epochs`` epochs from rate ``lr``.

    ``"constant"`` is ``None`` (no schedule); ``"step"`` divides the rate by 10 every 7 epochs;
    ``"exponential"`` shrinks it smoothly to a hundredth over the run; ``"cosine"`` takes it to 0
    along half a cosine; ``"warm-up + cosine"`` ramps it up linearly over :data:`WARMUP_EPOCHS`
    epochs and then follows a cosine over the rest.
    """
    per_epoch, steps = steps_per_epoch(len(race_data()["X_train"]), BATCH), total_steps(epochs)
    if name == "constant":
        return None
    if name == "step":
        return StepDecay(lr, step_size=7 * per_epoch, factor=0.1)
    if name == "exponential":
        return ExponentialDecay(lr, decay_rate=0.01, decay_steps=steps)
    if name == "cosine":
        return CosineDecay(lr, total_steps=steps)
    if name == "warm-up + cosine":
        warmup = WARMUP_EPOCHS * per_epoch
        return LinearWarmup(CosineDecay(lr, total_steps=steps - warmup), warmup_steps=warmup)
    raise ValueError(f"unknown schedule {name!r}; choose one of {SCHEDULES}.")


def race_network(seed: int, hidden: tuple = HIDDEN) -> Sequential:
    """64 pixels -> the ReLU layers ``hidden`` -> 10 scores, He initialisation, float32, weights from ``seed``."""
    init_rng = np.random.default_rng(seed)
    layers, fan_in = [], 64
    for width in hidden:
        layers += [Dense(fan_in, width, init="he_normal", rng=init_rng, dtype=np.float32), Activation("relu")]
        fan_in = width
    return Sequential(layers + [Dense(fan_in, 10, init="he_normal", rng=init_rng, dtype=np.float32)])


def dead_fractions(model: Sequential, X) -> np.ndarray:
    """For each hidden layer, the share of its ReLU units that output 0 for every row of ``X``."""
    shares, a = [], X
    for layer in model.layers[:-1]:
        a = layer.forward(a)
        if isinstance(layer, Activation):
            shares.append(float(np.mean(np.all(a <= 0, axis=0))))
    return np.array(shares)


@functools.lru_cache(maxsize=None)
def digits_run(optimiser: str, lr: float, seed: int, schedule: str = "constant", hidden: tuple = HIDDEN,
               clip_norm: float | None = None, epochs: int = EPOCHS) -> dict:
    r"""Train :func:`race_network` on the digits once (cached: the same arguments give the same dict).

    ``seed`` sets the starting weights and the order of the mini-batches; ``optimiser`` names one of
    :data:`RACE_OPTIMISERS`, ``schedule`` one of :data:`SCHEDULES` (from peak rate ``lr``);
    ``clip_norm`` is passed to ``fit``.

    Returns
    -------
    dict with ``train_loss``, ``val_loss``, ``val_acc`` (epochs,), per epoch; ``step_loss``,
    ``lr`` (steps,) for every step, and ``grad_norm`` (steps,) with ``clip_norm``; after training
    ``test_loss``, ``test_acc`` and ``dead`` (:func:`dead_fractions` on the training images);
    ``diverged`` (``fit`` stopped the run: the per-epoch arrays are then padded with NaN and the
    final losses are infinite) and ``cpu``, the processor time of the run in seconds.
    All arrays are read-only.
    """
    data = race_data()
    model = race_network(seed, hidden)
    loss = SoftmaxCrossEntropy()
    clock = time.process_time()
    try:
        history = model.fit(data["X_train"], data["y_train"], loss=loss, optimizer=RACE_OPTIMISERS[optimiser](lr),
                            epochs=epochs, batch_size=BATCH, rng=seed, validation_data=(data["X_val"], data["y_val"]),
                            metric="accuracy", progress=False, lr_schedule=make_schedule(schedule, lr, epochs),
                            clip_norm=clip_norm)
        diverged = False
    except TrainingDivergedError as err:
        history, diverged = err.history, True  # what fit recorded before it stopped the run
    cpu = time.process_time() - clock

    def per_epoch(values):
        out = np.full(epochs, np.nan)
        out[:len(values)] = values
        return out

    run = {"train_loss": per_epoch(history.loss), "val_loss": per_epoch(history.val_loss),
           "val_acc": per_epoch(history.val_metric), "step_loss": np.array(history.step_loss),
           "lr": np.array(history.lr), "grad_norm": np.array(history.grad_norm), "diverged": diverged, "cpu": cpu}
    if diverged:
        run.update(test_loss=np.inf, test_acc=np.nan, dead=np.full(len(hidden), np.nan))
    else:
        scores = model.predict(data["X_test"])
        run.update(test_loss=float(loss(scores, data["y_test"])), test_acc=accuracy(scores, data["y_test"]),
                   dead=dead_fractions(model, data["X_train"]))
    for value in run.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return run


def final_val_loss(run: dict) -> float:
    """The validation loss after the last epoch; infinite for a run that ``fit`` stopped."""
    return np.inf if run["diverged"] else float(run["val_loss"][-1])


@functools.lru_cache(maxsize=1)
def race() -> dict:
    r"""The fair comparison of :data:`RACE_OPTIMISERS` on the digits.

    1. Tuning: every optimiser is trained at every rate of :data:`RATES` from each start of
       :data:`TUNING_SEEDS`; its score at a rate is the mean final validation loss of those runs
       (infinite if ``fit`` stopped one); the rate with the lowest score is its tuned rate.
    2. Measuring: at its tuned rate, every optimiser is trained from each fresh start of
       :data:`TEST_SEEDS` and measured once on the test images.

    Returns
    -------
    dict with ``names`` (the optimisers), ``rates`` (:data:`RATES`), ``tuning`` (optimisers,
    rates, tuning seeds), the final validation losses; ``score`` (optimisers, rates), their means;
    ``tuned`` (optimisers,), the chosen rates; ``test_loss`` and ``test_acc`` (optimisers, test
    seeds); ``cpu`` (optimisers, test seeds), the processor seconds of each measured run.
    """
    names = tuple(RACE_OPTIMISERS)
    tuning = np.array([[[final_val_loss(digits_run(name, lr, seed)) for seed in TUNING_SEEDS] for lr in RATES]
                       for name in names])
    score = tuning.mean(axis=2)
    tuned = np.array([RATES[int(np.argmin(row))] for row in score])
    runs = [[digits_run(name, float(lr), seed) for seed in TEST_SEEDS] for name, lr in zip(names, tuned)]
    out = {"names": names, "rates": np.array(RATES), "tuning": tuning, "score": score, "tuned": tuned,
           "test_loss": np.array([[run["test_loss"] for run in row] for row in runs]),
           "test_acc": np.array([[run["test_acc"] for run in row] for row in runs]),
           "cpu": np.array([[run["cpu"] for run in row] for row in runs])}
    for value in out.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return out


def rate_above(lr: float) -> float:
    """The next rate of :data:`RATES` above ``lr`` (half a decade higher)."""
    k = RATES.index(float(lr))
    if k + 1 == len(RATES):
        raise ValueError(f"{lr} is the largest rate of the grid; there is none above it.")
    return RATES[k + 1]


@functools.lru_cache(maxsize=1)
def warmup_runs(lr: float = 0.1, seeds: tuple = TEST_SEEDS) -> dict:
    r"""Adam at a large rate on the deeper network :data:`DEEP`, with a cosine decay, without and with warm-up.

    Returns a dict ``{"cosine": [runs], "warm-up + cosine": [runs]}`` of :func:`digits_run` results,
    one per seed of ``seeds``.
    """
    return {schedule: [digits_run("Adam", lr, seed, schedule, hidden=DEEP) for seed in seeds]
            for schedule in ("cosine", "warm-up + cosine")}


#: A norm no gradient reaches: with it ``fit`` records every step's gradient norm and clips nothing.
NEVER_CLIPPED = 1e12


@functools.lru_cache(maxsize=1)
def clipping_runs(lr: float = 1.0, clip_norm: float = 1.0, seeds: tuple = TEST_SEEDS) -> dict:
    r"""Plain SGD at a large rate on the deeper network :data:`DEEP`, without and with clipping at ``clip_norm``.

    Returns ``{"not clipped": [runs], "clipped": [runs]}`` of :func:`digits_run` results, one per
    seed. The runs without clipping pass :data:`NEVER_CLIPPED` as ``clip_norm``, so that their
    gradient norms are recorded too.
    """
    return {"not clipped": [digits_run("SGD", lr, seed, hidden=DEEP, clip_norm=NEVER_CLIPPED) for seed in seeds],
            "clipped": [digits_run("SGD", lr, seed, hidden=DEEP, clip_norm=clip_norm) for seed in seeds]}


def _rounded(values, digits: int = 4):
    """Per-epoch curves for the page: 4 significant digits, NaN (a stopped run) kept as None."""
    values = np.asarray(values, dtype=float)
    return [None if not np.isfinite(v) else float(f"{v:.{digits}g}") for v in values]


@factory
def digits_schedules(seed: int = TUNING_SEEDS[0]):
    r"""The digits network trained by each optimiser with each schedule, at two peak rates.

    The rates are each optimiser's tuned rate from :func:`race` and the next rate of the grid
    (half a decade higher); every run starts from ``seed``. The frame for (optimiser, schedule,
    rate) holds the curves ``train`` and ``val`` (the training and validation loss per epoch),
    ``acc`` (validation accuracy per epoch), ``step_loss`` and ``lr`` (every step),
    ``constant_val`` (the validation loss per epoch of the same optimiser and peak rate without a
    schedule), the peak rate ``peak`` and whether ``fit`` stopped the run (``diverged``). ``data`` holds every run's
    final validation loss, for the overview.
    """
    results = race()
    names = results["names"]
    peaks = {name: {"tuned": float(lr), "higher": rate_above(float(lr))} for name, lr in zip(names, results["tuned"])}

    def run_of(optimiser, schedule, rate):
        return digits_run(optimiser, peaks[optimiser][rate], seed, schedule)

    finals = {f"{name}|{schedule}|{rate}": _rounded([final_val_loss(run_of(name, schedule, rate))])[0]
              for name in names for schedule in SCHEDULES for rate in ("tuned", "higher")}

    def compute(optimiser, schedule, rate):
        run = run_of(optimiser, schedule, rate)
        return {"train": _rounded(run["train_loss"]), "val": _rounded(run["val_loss"]), "acc": _rounded(run["val_acc"]),
                "step_loss": run["step_loss"].astype(np.float32), "lr": run["lr"].astype(np.float32),
                "constant_val": _rounded(run_of(optimiser, "constant", rate)["val_loss"]),
                "peak": peaks[optimiser][rate], "diverged": bool(run["diverged"])}

    return Explorer(
        "optimiser-schedules", compute,
        [Dropdown("optimiser", {name: name for name in names}, value="Adam", label="optimiser"),
         Dropdown("schedule", {name: name for name in SCHEDULES}, value="constant", label="schedule"),
         Dropdown("rate", {"tuned for a constant rate": "tuned", "half a decade higher": "higher"}, value="tuned",
                  label="peak learning rate")],
        data={"names": list(names), "schedules": list(SCHEDULES), "finals": finals, "epochs": EPOCHS,
              "steps_per_epoch": total_steps() // EPOCHS},
        alt="Three panels for one training run on the digits. Top: the learning rate of every step under the "
            "chosen schedule. Middle: the loss of every mini-batch in faint colour, the training loss of each "
            "epoch and the validation loss of each epoch on a log scale, with the same optimiser's run at a "
            "constant rate in grey. Bottom: a grid of the final validation loss of every optimiser under every "
            "schedule at the chosen peak rate, the chosen cell outlined. A sentence gives the final losses and "
            "accuracy.",
        caption=f"The digits network (64 → 64 ReLU → 10) trained for {EPOCHS} epochs in mini-batches of {BATCH} "
                "from one start, by each optimiser at the rate the race tuned for it, or half a decade higher, "
                "under five learning-rate schedules.",
        web="frames",
    )
