r"""The convolution chapter (10): hand-set filters on digits, and the filters a small network learns.

* :func:`conv_digits`: chapter 9's split of the digits (training, validation, test; the same
  images in the same piles) and the chapter's scaling, one mean and one standard deviation over all
  pixels of the training images (pixels divided by 16 are offered too, for the comparison);
* :func:`make_conv_net`, :func:`make_mlp` and :func:`trained_network`: the convolutional network
  and the multilayer perceptrons the chapter compares, trained with the same recipe;
* the explorers :func:`hand_filters` (computed in the browser: a 3x3 filter over an 8x8
  digit is small maths) and :func:`learnt_filters` (precomputed from the trained network).
"""
from __future__ import annotations

import functools

import numpy as np

from ..conv import Conv2D, MaxPool2D, Reshape
from ..data import load_digits
from ..explore import Dropdown, Explorer
from ..layers import Activation, Dense, Flatten
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..optim import SGD
from . import factory
from .digits import digits_split

#: How the pixels can be scaled: one mean and standard deviation over all training pixels (the
#: chapter's choice, made on the validation set), or divided by 16 as in chapter 9.
SCALINGS = ("standardised", "/16")
#: The training recipe of both networks: epochs, mini-batch size, learning rate and momentum of SGD.
EPOCHS, BATCH, LR, MOMENTUM = 8, 64, 0.1, 0.9

#: The hand-set filters of the chapter (3 x 3 each).
FILTERS = {
    "vertical edge": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
    "horizontal edge": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float),
    "diagonal line (/)": np.array([[-1, -1, 2], [-1, 2, -1], [2, -1, -1]], dtype=float),
    "blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
}
#: How to read each filter's feature map.
READS = {
    "vertical edge": "red: ink on the left, paper on the right; blue: the reverse",
    "horizontal edge": "red: ink above, paper below; blue: the reverse",
    "diagonal line (/)": "red: strokes from bottom left to top right",
    "blur": "each pixel replaced by the mean of its 3×3 neighbourhood",
    "sharpen": "centre minus its neighbours: edges stand out",
    "identity": "a copy of the image",
}


def sample_digits() -> np.ndarray:
    """The first image of each digit 0..9 in the data set, divided by 16 (pixels 0..1): shape (10, 8, 8)."""
    images, labels = load_digits(flatten=False)
    return np.stack([images[np.flatnonzero(labels == d)[0]] for d in range(10)]) / 16


def hand_set_layer() -> Conv2D:
    """One ``Conv2D`` layer holding the six :data:`FILTERS`, with padding 1 (maps stay 8 x 8)."""
    layer = Conv2D(1, len(FILTERS), 3, padding=1)
    layer.params["W"][:, 0] = np.stack(list(FILTERS.values()))
    return layer


@factory
def hand_filters():
    r"""A hand-set 3x3 filter slid over an 8x8 digit (pixels 0..1) with padding 1.

    The frame for (``filter``, ``digit``) holds the ``image`` (8 x 8), the filter's ``weights``
    (3 x 3) and the feature ``map`` (8 x 8) that ``nnlib.Conv2D`` computes,
    $z_{i,j} = \sum_{u,v} W_{u,v}\, x_{i+u-1,\,j+v-1}$ with zeros outside the image.
    """
    layer = hand_set_layer()
    images = sample_digits()
    maps = layer.forward(images[:, None])          # (10 digits, 6 filters, 8, 8), one pass
    names = list(FILTERS)

    def compute(filter, digit):
        return {"image": images[digit], "weights": FILTERS[filter], "map": maps[digit, names.index(filter)]}

    return Explorer(
        "conv-hand-filters", compute,
        [Dropdown("filter", names, label="filter"),
         Dropdown("digit", {f"a {d}": d for d in range(10)}, value=1, label="digit")],
        data={"images": images, "filters": np.stack(list(FILTERS.values())), "names": names,
              "reads": [READS[name] for name in names]},
        alt="Three panels: a handwritten digit of 8 by 8 pixels, a 3 by 3 filter with its weights written in the "
            "cells, and the 8 by 8 feature map the filter produces from the digit, red for positive and blue for "
            "negative values. The filter and the digit can be chosen.",
        caption="A hand-set 3×3 filter slid over an 8×8 digit with padding 1, and the feature map it makes, in a "
                "colour scale symmetric about 0: white is 0, red positive, blue negative.",
        web="browser", max_width=760,
    )


# ---------------------------------------------------------------- the trained networks

@functools.lru_cache(maxsize=1)   # made once, then shared
def conv_digits() -> dict:
    """The chapter's data: chapter 9's split (:func:`nnlib.explorers.digits.digits_split`), with
    ``A_train`` (1,151 images), ``A_val`` (287), ``A_test`` (359) as rows of 64 standardised float32
    pixels, the labels ``y_train``, ``y_val``, ``y_test``, the raw pixels ``X_train``, ``X_val``,
    ``X_test`` (0..16), and the single ``mean`` and ``std`` used.

    The scaling uses one mean and one standard deviation over all pixels of the training images,
    so that an image stays an image (every pixel is shifted and scaled alike).
    """
    split = digits_split()
    mean, std = float(split["X_train"].mean()), float(split["X_train"].std())
    data = dict(split, mean=mean, std=std)
    for name in ("train", "val", "test"):
        data[f"A_{name}"] = prepare(data[f"X_{name}"], mean, std)
    for value in data.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return data


def prepare(pixels, mean: float, std: float) -> np.ndarray:
    """Standardise with one mean and one standard deviation (the training set's), as float32."""
    return ((np.asarray(pixels) - mean) / std).astype(np.float32)


def inputs(scaling: str = "standardised") -> dict:
    """The training, validation and test inputs (``"train"``, ``"val"``, ``"test"``) in one of
    :data:`SCALINGS`, as float32 rows of 64."""
    data = conv_digits()
    if scaling == "standardised":
        return {name: data[f"A_{name}"] for name in ("train", "val", "test")}
    if scaling == "/16":
        return {name: (data[f"X_{name}"] / 16).astype(np.float32) for name in ("train", "val", "test")}
    raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}.")


def make_conv_net(seed: int = 0) -> Sequential:
    """Rows of 64 pixels -> 1 x 8 x 8 image -> 8 filters of 3 x 3 (padding 1), ReLU -> 2 x 2 max pooling
    -> 128 numbers -> 10 class scores; float32."""
    return Sequential([
        Reshape((1, 8, 8)),
        Conv2D(1, 8, 3, padding=1, rng=seed, dtype=np.float32),
        Activation("relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(8 * 4 * 4, 10, rng=seed + 1, dtype=np.float32),
    ])


def make_mlp(seed: int = 0, hidden: int = 64) -> Sequential:
    """64 pixels -> ``hidden`` ReLU units -> 10 class scores (He initialisation for the hidden layer); float32."""
    return Sequential([
        Dense(64, hidden, init="he_normal", rng=seed, dtype=np.float32),
        Activation("relu"),
        Dense(hidden, 10, rng=seed + 1, dtype=np.float32),
    ])


def make_small_mlp(seed: int = 0) -> Sequential:
    """:func:`make_mlp` with 20 hidden units: 1,510 parameters, about as many as the conv net's 1,370."""
    return make_mlp(seed, hidden=20)


NETWORKS = {"conv net": make_conv_net, "MLP": make_mlp, "small MLP": make_small_mlp}


def train(model: Sequential, seed: int = 0, callbacks=(), scaling: str = "standardised"):
    """The recipe for every network: softmax cross-entropy, SGD with momentum on mini-batches,
    the validation images measured after every epoch; returns the History."""
    data, X = conv_digits(), inputs(scaling)
    return model.fit(X["train"], data["y_train"], loss=SoftmaxCrossEntropy(),
                     optimizer=SGD(lr=LR, momentum=MOMENTUM), epochs=EPOCHS, batch_size=BATCH, rng=seed,
                     metric="accuracy", validation_data=(X["val"], data["y_val"]), progress=False,
                     callbacks=callbacks)


@functools.lru_cache(maxsize=None)   # remember every run: asking again returns the same network
def trained_network(kind: str = "conv net", seed: int = 0, scaling: str = "standardised"):
    """A network of :data:`NETWORKS` made from ``seed`` and trained by :func:`train` on inputs scaled
    by ``scaling``; returns (model, History), cached."""
    if kind not in NETWORKS:
        raise ValueError(f"kind must be one of {list(NETWORKS)}, got {kind!r}.")
    model = NETWORKS[kind](seed)
    return model, train(model, seed, scaling=scaling)


#: The stages of the conv net the learnt-filter explorer shows: label -> key.
STAGES = {"after the convolution (8×8)": "z", "after ReLU (8×8)": "a", "after 2×2 max pooling (4×4)": "pool"}


@factory
def learnt_filters():
    r"""The eight learnt 3x3 filters of the trained conv net, and what each makes of a test digit.

    ``data`` holds the ``filters`` (8 x 3 x 3) and the standardised values of ``paper`` (pixel 0)
    and full ``ink`` (pixel 16). The frame for (``digit``, ``stage``) holds the test
    ``image`` (8 x 8, standardised), its ``label`` and the network's ``predicted`` class, and the
    eight feature ``maps`` at that stage: after the convolution $z$, after the ReLU, or after 2x2
    max pooling (8 x 8 or 8 x 4 x 4), with ``top``, the largest absolute value among them (one
    colour scale for all eight).
    """
    data = conv_digits()
    model, _ = trained_network("conv net", 0)
    reshape, conv, relu, pool = model.layers[:4]
    picks = [int(np.flatnonzero(data["y_test"] == d)[0]) for d in range(10)]   # the first test 0, 1, ..., 9
    inputs = data["A_test"][picks]
    z = conv.forward(reshape.forward(inputs))
    a = relu.forward(z)
    stages = {"z": z, "a": a, "pool": pool.forward(a)}
    predicted = model.predict(inputs).argmax(axis=1)

    def compute(digit, stage):
        maps = stages[stage][digit].astype(np.float64)
        return {"image": inputs[digit].reshape(8, 8).astype(np.float64), "label": int(data["y_test"][picks[digit]]),
                "predicted": int(predicted[digit]), "maps": maps, "top": float(np.abs(maps).max())}

    return Explorer(
        "conv-learnt-filters", compute,
        [Dropdown("digit", {f"a {d}": d for d in range(10)}, value=1, label="test digit"),
         Dropdown("stage", STAGES, label="stage")],
        data={"filters": conv.params["W"][:, 0].astype(np.float64),
              "paper": (0 - data["mean"]) / data["std"], "ink": (16 - data["mean"]) / data["std"]},
        alt="A test digit on the left; beside it the eight learnt 3 by 3 filters of the trained network, each with "
            "its feature map for the digit below it, red for positive and blue for negative values. The digit and "
            "the stage of the network can be chosen.",
        caption="The trained network's eight 3×3 filters (one colour scale for all eight) and, under each, its "
                "feature map for one test digit after the convolution, after ReLU or after max pooling (one "
                "colour scale for the eight maps).",
        web="frames", max_width=760,
    )
