r"""Regularisation in practice (chapter 13): one overfitting set-up, four remedies, two explorers.

The set-up: 100 training digits (10 of each class) drawn from chapter 9's training part, the
64-128-128-10 ReLU network of :func:`make_network` (about 26,000 weights, some 260 per training
image), Adam, and chapter 9's validation and test parts unchanged. It is trained with the
training labels as they are (``"clean"``) and with :data:`WRONG_LABELS` of them changed to
another digit (``"noisy"``), as real data sets hold some wrong labels.

The remedies, each a :class:`Setting` in :data:`SETTINGS`:

* **dropout** (:class:`nnlib.dropout.Dropout` after every hidden ReLU);
* **weight decay** (:class:`nnlib.optim.AdamW`, decoupled decay, chapter 8);
* **data augmentation**: :class:`RandomShift`, a layer that in training mode moves every image
  by up to one pixel in each direction (chapter 10's shifted digits) and in evaluation mode
  does nothing, just as dropout does;
* **early stopping** (:class:`nnlib.callbacks.EarlyStopping`): :func:`train_run` with
  ``early_stopping=True`` (watching the validation loss, or with ``monitor="val_metric"`` the
  validation accuracy); :func:`early_stopping_epochs` finds the same epochs from a finished
  run's validation losses.

:func:`train_run` trains one (labels, setting, seed) and is cached, so the chapter and its
explorers share every run. The explorers: :func:`regularisation_curves` (the training and
validation curves of every run, with the epoch at which early stopping would stop) and
:func:`dropout_batch` (what dropout does to one batch of hidden activations).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validation import as_float_array, check_non_negative_int, check_rng
from ..callbacks import EarlyStopping
from ..dropout import Dropout
from ..explore import Dropdown, Explorer, Slider
from ..layers import Activation, Dense, Layer
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..optim import Adam, AdamW
from . import factory
from .digits import digits_split

#: Training images per digit (100 in all), the share of them whose label is changed in the
#: "noisy" labels, the hidden layers' width, and how the network is trained.
PER_CLASS, WRONG_LABELS, HIDDEN = 10, 0.2, 128
EPOCHS, BATCH, LR = 40, 25, 2e-3
#: Seeds of the comparison: seed k draws its own training images (and wrong labels), starting
#: weights, mini-batch order, dropout masks and shifts.
SEEDS = (0, 1, 2, 3, 4)
#: Patience of the early stopping the chapter compares (epochs without a lower validation loss).
PATIENCE = 10
LABELS = {"clean": "as they are", "noisy": f"{WRONG_LABELS:.0%} wrong"}
#: One-pixel moves of chapter 10's robustness test: right, left, down, up.
MOVES = ((0, 1), (0, -1), (1, 0), (-1, 0))


def shifted(pixels, rows: int, columns: int) -> np.ndarray:
    """Move every 8x8 image of ``pixels`` (rows of 64) by ``rows`` down and ``columns`` right.

    The pixels moved out of the frame are lost and the uncovered border becomes paper (0):
    chapter 10's ``shifted``. Shape (N, 64) -> (N, 64).
    """
    grid = np.asarray(pixels).reshape(-1, 8, 8)
    out = np.zeros_like(grid)
    out[:, max(rows, 0):8 + min(rows, 0), max(columns, 0):8 + min(columns, 0)] = \
        grid[:, max(-rows, 0):8 - max(rows, 0), max(-columns, 0):8 - max(columns, 0)]
    return out.reshape(-1, 64)


def shift_each(images, moves, max_shift: int = 1) -> np.ndarray:
    """Move image ``n`` of ``images`` (N, 64) by ``moves[n] = (rows, columns)``.

    Each move lies in -max_shift..max_shift. The same as ``shifted(images[n:n+1], *moves[n])``
    for every ``n``, in one step: pad every 8x8 image with ``max_shift`` rings of paper, then
    cut an 8x8 window out of it, offset by the move. Shape (N, 64) -> (N, 64).
    """
    n, s = len(images), max_shift
    grids = np.asarray(images).reshape(n, 8, 8)
    padded = np.pad(grids, ((0, 0), (s, s), (s, s)))       # (N, 8 + 2s, 8 + 2s)
    rows = (s - moves[:, 0])[:, None] + np.arange(8)       # (N, 8): the padded rows each keeps
    columns = (s - moves[:, 1])[:, None] + np.arange(8)    # (N, 8): and the columns
    picked = padded[np.arange(n)[:, None, None], rows[:, :, None], columns[:, None, :]]
    return picked.reshape(n, 64)


class RandomShift(Layer):
    r"""Data augmentation as a layer: in training mode, move each image by up to ``max_shift`` pixels.

    Every training-mode forward pass draws a new move $(r, c)$ for every image, each of $r$ and
    $c$ uniform on $\{-s, \dots, s\}$ ($s$ = ``max_shift``; $r > 0$ moves down, $c > 0$
    right), and returns the moved images (:func:`shift_each`). In evaluation mode it is the
    identity, like :class:`~nnlib.dropout.Dropout`: ``predict`` and validation see the images as
    they are. Put it first in the network; it has no parameters.

    Backward: each output pixel is one input pixel (or paper), so the gradient is moved back
    the same way, $\partial L/\partial x$ = the output gradient shifted by $(-r, -c)$.

    Parameters
    ----------
    max_shift : int >= 0, default 1
    rng : numpy.random.Generator or int or None
        Source of the moves.

    Attributes
    ----------
    moves : ndarray (N, 2) or None
        The moves of the last training-mode forward pass.

    Shapes
    ------
    x : (batch, 64), rows of 8x8 images -> the same shape.
    """

    def __init__(self, max_shift: int = 1, rng=None):
        super().__init__()
        self.max_shift = check_non_negative_int(max_shift, "RandomShift max_shift")
        if self.max_shift > 7:
            raise ValueError(f"RandomShift max_shift must be at most 7 for 8x8 images, got {max_shift}.")
        self.rng = check_rng(rng)
        self.moves = None

    def _check_input(self, x):
        x = as_float_array(x, f"{self!r} input")
        if x.ndim != 2 or x.shape[1] != 64:
            raise ValueError(f"{self!r} expects 8x8 images as rows of 64 pixels, shape (batch, 64), got "
                             f"{x.shape}. Reshape images with X.reshape(-1, 64).")
        return x

    def _forward(self, x):
        self._out_shape = x.shape
        if not self.training or self.max_shift == 0:
            self.moves = None
            return x
        s = self.max_shift
        self.moves = self.rng.integers(-s, s + 1, size=(len(x), 2))
        return shift_each(x, self.moves, s)

    def _backward(self, dout, input_grad: bool = True):
        if not input_grad:
            return None
        if self.moves is None:
            return dout
        return shift_each(dout, -self.moves, self.max_shift)

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift})"


def make_network(seed: int = 0, dropout: float = 0.0, max_shift: int = 0) -> Sequential:
    """64 pixels -> 128 -> 128 ReLU units -> 10 scores, He initialisation, float32.

    ``dropout`` > 0 puts a :class:`~nnlib.dropout.Dropout` of that ``p`` after each hidden ReLU;
    ``max_shift`` > 0 puts a :class:`RandomShift` in front. The seed sets the starting weights
    (the same for every setting) and, separately, the dropout masks and the shifts.
    """
    init_rng = np.random.default_rng(seed)
    layers = [RandomShift(max_shift, rng=1000 + seed)] if max_shift else []
    for k, (fan_in, fan_out) in enumerate([(64, HIDDEN), (HIDDEN, HIDDEN)]):
        layers.append(Dense(fan_in, fan_out, init="he_normal", rng=init_rng, dtype=np.float32))
        layers.append(Activation("relu"))
        if dropout:
            layers.append(Dropout(dropout, rng=2000 + 10 * seed + k))
    layers.append(Dense(HIDDEN, 10, init="he_normal", rng=init_rng, dtype=np.float32))
    return Sequential(layers)


@dataclass(frozen=True)
class Setting:
    """One remedy against overfitting, or none: dropout ``p``, AdamW ``weight_decay``, ``max_shift``."""

    dropout: float = 0.0
    weight_decay: float = 0.0
    max_shift: int = 0


#: The settings the chapter compares, by name.
SETTINGS = {
    "none": Setting(),
    "dropout p = 0.2": Setting(dropout=0.2),
    "dropout p = 0.5": Setting(dropout=0.5),
    "weight decay λ = 3": Setting(weight_decay=3.0),
    "weight decay λ = 10": Setting(weight_decay=10.0),
    "shifted digits": Setting(max_shift=1),
}


@functools.lru_cache(maxsize=None)
def training_set(labels: str = "clean", seed: int = 0) -> dict:
    """The ``seed``'s 100 training digits (pixels / 16, float32) and their labels.

    ``X``, ``y`` (the labels the network is trained on), ``true`` (the real labels) and
    ``wrong``, the positions whose label was changed (none for ``"clean"``). With
    ``"noisy"``, :data:`WRONG_LABELS` of the images, chosen at random, get another digit,
    drawn uniformly from the nine wrong ones. Read-only arrays.
    """
    if labels not in LABELS:
        raise ValueError(f"labels must be one of {list(LABELS)}, got {labels!r}.")
    data = digits_split()
    rng = np.random.default_rng(seed)
    picked = np.concatenate([rng.choice(np.flatnonzero(data["y_train"] == k), PER_CLASS, replace=False)
                             for k in range(10)])
    picked = rng.permutation(picked)
    X = (data["X_train"][picked] / 16).astype(np.float32)
    true = data["y_train"][picked]
    y, wrong = true.copy(), np.array([], dtype=np.intp)
    if labels == "noisy":
        wrong = np.sort(rng.choice(len(y), round(WRONG_LABELS * len(y)), replace=False))
        y[wrong] = (true[wrong] + rng.integers(1, 10, size=len(wrong))) % 10   # never the true digit
    parts = {"X": X, "y": y, "true": true, "wrong": wrong}
    for array in parts.values():
        array.flags.writeable = False
    return parts


@functools.lru_cache(maxsize=1)
def held_out() -> dict:
    """Chapter 9's validation and test digits, pixels / 16 (float32), and the test digits moved by one pixel."""
    data = digits_split()
    X_test = (data["X_test"] / 16).astype(np.float32)
    return {"X_val": (data["X_val"] / 16).astype(np.float32), "y_val": data["y_val"],
            "X_test": X_test, "y_test": data["y_test"],
            "X_test_moved": np.concatenate([shifted(X_test, *move) for move in MOVES]),
            "y_test_moved": np.tile(data["y_test"], len(MOVES))}


class Run(NamedTuple):
    """One trained network: fit's ``history``, the ``model``, its accuracy on the ``test`` digits
    and on the test digits ``moved`` by one pixel (chapter 10's four moves), and, after every
    epoch, what it makes of the training images whose label was changed: the share to which it
    gives the wrong label it was taught (``learnt``) and the share to which it gives their true
    digit (``recognised``); both empty for clean labels."""

    history: object
    model: Sequential
    test: float
    moved: float
    learnt: np.ndarray
    recognised: np.ndarray


class WrongLabels:
    """A ``fit`` callback: what the network makes of the training images whose label was changed.

    After every epoch it appends to ``learnt`` the share of the images ``X`` that the model
    classifies as their wrong label ``given``, and to ``recognised`` the share it classifies as
    their ``true`` digit. With no images (clean labels) it records nothing.
    """

    def __init__(self, X, given, true):
        self.X, self.given, self.true = X, given, true
        self.learnt, self.recognised = [], []

    def __call__(self, epoch, model, history):
        if len(self.given):
            predicted = model.predict(self.X).argmax(axis=1)
            self.learnt.append(float(np.mean(predicted == self.given)))
            self.recognised.append(float(np.mean(predicted == self.true)))


def _accuracy(model, X, y) -> float:
    return float(np.mean(model.predict(X).argmax(axis=1) == y))


#: What early stopping may watch in :func:`train_run`: the validation loss (the chapter's choice,
#: made in advance) or the validation accuracy.
WATCHED = ("val_loss", "val_metric")


@functools.lru_cache(maxsize=None)
def train_run(labels: str, setting: str, seed: int, early_stopping: bool = False,
              monitor: str = "val_loss", epochs: int = EPOCHS) -> Run:
    """Train :func:`make_network` for one of :data:`LABELS`, :data:`SETTINGS` and seeds (cached).

    Adam (AdamW for weight decay) with learning rate :data:`LR`, mini-batches of :data:`BATCH`,
    ``epochs`` epochs (:data:`EPOCHS` unless a longer budget is asked for); after every epoch the validation loss and accuracy, and what the
    network makes of the relabelled images (:class:`WrongLabels`). With ``early_stopping`` an
    :class:`~nnlib.callbacks.EarlyStopping` of patience :data:`PATIENCE` watches ``monitor``
    (the validation loss by default, or ``"val_metric"``, the validation accuracy) and restores
    the best weights. The test accuracies are measured once, after training.
    """
    if setting not in SETTINGS:
        raise ValueError(f"setting must be one of {list(SETTINGS)}, got {setting!r}.")
    if monitor not in WATCHED:
        raise ValueError(f"monitor must be one of {list(WATCHED)} (what early stopping watches), got {monitor!r}.")
    chosen = SETTINGS[setting]
    data, held = training_set(labels, seed), held_out()
    model = make_network(seed, chosen.dropout, chosen.max_shift)
    if chosen.weight_decay:
        optimizer = AdamW(lr=LR, weight_decay=chosen.weight_decay)
    else:
        optimizer = Adam(lr=LR)
    wrong = data["wrong"]
    watch = WrongLabels(data["X"][wrong], data["y"][wrong], data["true"][wrong])
    callbacks = [watch]
    if early_stopping:
        callbacks.append(EarlyStopping(monitor=monitor, patience=PATIENCE))
    history = model.fit(data["X"], data["y"], loss=SoftmaxCrossEntropy(), optimizer=optimizer,
                        epochs=epochs, batch_size=BATCH, rng=seed,
                        validation_data=(held["X_val"], held["y_val"]), metric="accuracy",
                        callbacks=callbacks, progress=False)
    test = _accuracy(model, held["X_test"], held["y_test"])
    moved = _accuracy(model, held["X_test_moved"], held["y_test_moved"])
    return Run(history, model, test, moved, np.array(watch.learnt), np.array(watch.recognised))


def early_stopping_epochs(val_loss, patience: int = PATIENCE) -> tuple[int, int | None]:
    """Where :class:`~nnlib.callbacks.EarlyStopping` (``min_delta=0``) would end a run with these validation losses.

    Returns ``(best, stopped)``: the epoch (from 1) with the lowest loss up to the stop, whose
    weights are restored, and the epoch after which it stops, or ``None`` if the run reaches
    its last epoch without ``patience`` epochs in a row that fail to beat the best.
    """
    best_value, best, wait = np.inf, 0, 0
    for epoch, value in enumerate(val_loss, start=1):
        if value < best_value:
            best_value, best, wait = value, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best, epoch
    return best, None


# ---------------------------------------------------------------- explorers

def _curves(labels: str, setting: str) -> dict:
    """The per-epoch records of one setting's runs, one row per seed: losses, accuracies, wrong labels learnt."""
    runs = [train_run(labels, setting, seed) for seed in SEEDS]
    curves = {name: np.array([getattr(run.history, name) for run in runs])
              for name in ("loss", "val_loss", "train_metric", "val_metric")}
    curves["learnt"] = np.array([run.learnt for run in runs]) if labels == "noisy" else None
    return curves


@factory
def regularisation_curves():
    r"""Training and validation curves of every setting of the chapter, with early stopping marked.

    ``data["runs"]`` holds, for every labels/setting pair (key ``"labels|setting"``), the
    records of its :data:`SEEDS` runs, one row per seed: training loss ``loss`` and accuracy
    ``train_metric`` (means over each epoch's mini-batches, on the labels trained on),
    validation ``val_loss`` and ``val_metric``, and for noisy labels ``learnt`` (share of
    the wrong labels the network reproduces). The frame for (labels, setting, patience) names
    the ``run`` and gives, for each seed, the epoch early stopping with that patience would
    restore (``best``) and the epoch after which it would stop (``stopped``, 0 if the run
    ends first), with the validation accuracy of the restored network (``restored``), as
    :func:`early_stopping_epochs` finds them.
    """
    data = {"runs": {f"{labels}|{setting}": _curves(labels, setting) for labels in LABELS for setting in SETTINGS},
            "epochs": EPOCHS, "seeds": len(SEEDS), "chance": float(np.log(10)), "wrong": round(WRONG_LABELS * 100)}

    def compute(labels, setting, patience):
        run = f"{labels}|{setting}"
        curves = data["runs"][run]
        best, stopped, restored = [], [], []
        for val_loss, val_metric in zip(curves["val_loss"], curves["val_metric"]):
            b, s = early_stopping_epochs(val_loss, patience)
            best.append(b)
            stopped.append(0 if s is None else s)
            restored.append(val_metric[b - 1])
        return {"run": run, "best": np.array(best), "stopped": np.array(stopped), "restored": np.array(restored)}

    return Explorer(
        "regularisation-curves", compute,
        [Dropdown("labels", {"training labels as they are": "clean",
                             f"{round(WRONG_LABELS * 100)}% of the training labels wrong": "noisy"}, label="labels"),
         Dropdown("setting", list(SETTINGS), value="none", label="remedy"),
         Slider("patience", 1, 15, 1, PATIENCE, label="early stopping: patience")],
        data=data,
        alt="Two charts against the epoch, for the chosen labels and remedy, each with one thin line per seed and a "
            "thick line for their mean. Top: the training loss and the validation loss. Bottom: the training "
            "accuracy, the validation accuracy and, with wrong labels, the share of the wrong labels the network has "
            "learnt. With a remedy chosen, both charts also show the mean validation curve of the network without "
            "a remedy as a dashed grey line. On each thin validation line a ring marks the epoch early stopping "
            "would restore, and on the loss chart a cross marks the epoch after which it would stop.",
        caption=f"The chapter's network trained on 100 digits for {EPOCHS} epochs, {len(SEEDS)} seeds per setting "
                "(each seed its own training digits, wrong labels, starting weights and mini-batches). Training loss "
                "and accuracy are means over each epoch's mini-batches, taken in training mode (dropout on, digits "
                "moved); validation values are measured after each epoch in evaluation mode. Rings and crosses: where "
                "early stopping with the chosen patience would restore the weights and stop, read from the "
                "validation losses. Everything was computed once, in advance.",
        web="frames", max_width=720,
    )


#: Seed of the generator whose first draw gives :func:`dropout_batch` its uniform numbers.
DROPOUT_SEED = 13


@factory
def dropout_batch():
    r"""What (inverted) dropout does to one batch of hidden activations, for any drop probability ``p``.

    The data hold ``a``: the 128 activations of the first hidden layer for ten validation digits
    (one of each class), from the network trained on clean labels without a remedy, and ``u``:
    uniform numbers in [0, 1) of the same shape, the first draw of ``default_rng(DROPOUT_SEED)``,
    which is exactly what :class:`~nnlib.dropout.Dropout` with that ``rng`` compares with ``p``.
    The frame (computed in the browser too) holds the ``mask`` (1 kept, 0 dropped), the
    ``factor`` the kept values are multiplied by, the output ``out`` = ``a`` times mask times
    factor, each digit's mean activation before (``mean_in``) and after (``mean_out``), and the
    share of values kept. In evaluation mode nothing is dropped and ``out`` is ``a``.
    """
    held, model = held_out(), train_run("clean", "none", 0).model
    first = [int(np.flatnonzero(held["y_val"] == digit)[0]) for digit in range(10)]
    a = model.layers[1].forward(model.layers[0].forward(held["X_val"][first])).astype(np.float64)   # (10, 128)
    u = np.random.default_rng(DROPOUT_SEED).random(a.shape)

    def compute(p, scaling, mode):
        if mode == "evaluation":
            mask, factor = np.ones_like(a), 1.0
        else:
            mask = (u >= p).astype(np.float64)
            factor = 1.0 / (1.0 - p) if scaling == "inverted" else 1.0
        out = a * (mask * factor)
        return {"mask": mask, "factor": factor, "out": out, "mean_in": a.mean(axis=1),
                "mean_out": out.mean(axis=1), "kept": float(mask.mean())}

    return Explorer(
        "dropout-batch", compute,
        [Slider("p", 0.0, 0.9, 0.05, 0.5, label="drop probability p"),
         Dropdown("scaling", {"inverted: kept values × 1/(1 − p)": "inverted", "none: kept values unchanged": "none"},
                  label="scaling"),
         Dropdown("mode", {"training": "training", "evaluation": "evaluation"}, label="mode")],
        data={"a": a, "u": u, "digits": list(range(10)), "top": float(np.percentile(a, 99))},
        alt="Three heat maps of ten rows (validation digits 0 to 9) by 128 columns (hidden units): the activations "
            "of the first hidden layer, the dropout mask with dropped units dark, and the activations after dropout; "
            "below them, a scatter plot of each digit's mean activation after dropout against before, with the "
            "diagonal where the two are equal and, in training mode without scaling, a dashed line at the factor 1 − p.",
        caption="One batch of hidden activations through a dropout layer. Each position is dropped when its uniform "
                "random number is below p, so raising p drops more of the same positions. Inverted dropout "
                "multiplies the kept values by 1/(1 − p); the colour scale stops at the 99th percentile of the "
                "activations, and larger values share its darkest colour.",
        web="browser", max_width=720,
    )
