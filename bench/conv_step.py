"""Convolution benchmark: chapter 10's conv net, and Conv2D on its own, against PyTorch eager.

Two sizes (:data:`SIZES`), float32, mini-batches of 64:

* ``chapter 10``: the chapter's network exactly (``make_conv_net``): 8 x 8 digits, a
  3 x 3 convolution with padding 1 from 1 to 8 channels, ReLU, 2 x 2 max pooling, a dense
  layer from 128 numbers to 10 class scores; trained as the chapter trains it (softmax
  cross-entropy, SGD with learning rate 0.1 and momentum 0.9) on its 1,151 training images.
* ``28x28, 16 channels``: the same network on 28 x 28 images with 16 filters (dense layer
  from 16 x 14 x 14 = 3,136 numbers), on 1,152 random images with random labels (the time
  of a step does not depend on what the pixels show).

For each size, timed in interleaved rounds (``interleave.py``):

* a **training step** of the whole network: ``Sequential.fit`` against the same network in
  PyTorch (``Conv2d``, ``ReLU``, ``MaxPool2d``, ``Linear``, ``CrossEntropyLoss``, ``SGD``);
* the convolution **forward** alone: ``Conv2D``'s computation against ``torch.nn.functional.conv2d``;
* its **backward** alone: all three gradients (input, weights, bias) from a given upstream
  gradient, against ``torch.autograd.grad`` of the same convolution.

Run as a script it prints one JSON line: ``python bench/conv_step.py 25``.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interleave import Contender, interleaved, pin_threads, summarise  # noqa: E402

if __name__ == "__main__":
    pin_threads()

import numpy as np  # noqa: E402

import nnlib  # noqa: E402
from nnlib.conv import Conv2D, MaxPool2D, Reshape  # noqa: E402
from nnlib.layers import Activation, Dense, Flatten  # noqa: E402

EPOCHS_PER_CALL = 1
LAYER_REPEATS = 20  # forward or backward calls per timed run
OURS, THEIRS = "nnlib", "PyTorch eager (CPU)"


@dataclass(frozen=True)
class Size:
    key: str
    title: str
    image: int
    channels: int
    batch: int = 64
    kernel: int = 3
    lr: float = 0.1
    momentum: float = 0.9


SIZES = {
    "chapter10": Size("chapter10", "chapter 10's net: 8x8, 1 -> 8 channels", 8, 8),
    "28x28x16": Size("28x28x16", "28x28, 1 -> 16 channels", 28, 16),
}


def data(size: Size):
    if size.key == "chapter10":
        from nnlib.explorers.convolution import conv_digits

        d = conv_digits()
        return np.ascontiguousarray(d["A_train"]), np.ascontiguousarray(d["y_train"], dtype=np.int64)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1152, size.image * size.image)).astype(np.float32)
    return X, rng.integers(0, 10, len(X))


def steps(n, batch):
    return EPOCHS_PER_CALL * -(-n // batch)


def nnlib_net(size: Size):
    if size.key == "chapter10":
        from nnlib.explorers.convolution import make_conv_net

        return make_conv_net(seed=0)
    s, c = size.image, size.channels
    return nnlib.Sequential([
        Reshape((1, s, s)),
        Conv2D(1, c, size.kernel, padding=size.kernel // 2, rng=0, dtype=np.float32),
        Activation("relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(c * (s // 2) ** 2, 10, rng=1, dtype=np.float32),
    ])


def torch_net(size: Size):
    import torch

    s, c = size.image, size.channels
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, s, s)),
        torch.nn.Conv2d(1, c, size.kernel, padding=size.kernel // 2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(c * (s // 2) ** 2, 10),
    )


# ---------------------------------------------------------------- training steps

def nnlib_step(size, X, y):
    model = nnlib_net(size)
    start = model.state_dict()
    state = {}

    def reset():
        model.load_state_dict(start)
        state["opt"] = nnlib.SGD(lr=size.lr, momentum=size.momentum)

    def run():
        model.fit(X, y, loss=nnlib.SoftmaxCrossEntropy(), optimizer=state["opt"], epochs=EPOCHS_PER_CALL,
                  batch_size=size.batch, rng=0, progress=False)

    return Contender(reset, run, steps(len(X), size.batch))


def torch_step(size, X, y):
    import torch

    torch.manual_seed(0)
    model = torch_net(size)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X.copy()), torch.from_numpy(y.copy())
    state = {}

    def reset():
        model.load_state_dict(start)
        state["opt"] = torch.optim.SGD(model.parameters(), lr=size.lr, momentum=size.momentum)

    def run():
        opt = state["opt"]
        generator = torch.Generator().manual_seed(0)
        for _ in range(EPOCHS_PER_CALL):
            order = torch.randperm(len(Xt), generator=generator)
            for s in range(0, len(Xt), size.batch):
                idx = order[s:s + size.batch]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()

    return Contender(reset, run, steps(len(X), size.batch))


# ---------------------------------------------------------------- the convolution alone

def layer_inputs(size):
    rng = np.random.default_rng(2)
    s, c, k = size.image, size.channels, size.kernel
    x = rng.standard_normal((size.batch, 1, s, s)).astype(np.float32)
    dout = rng.standard_normal((size.batch, c, s, s)).astype(np.float32)
    return x, dout


def nnlib_conv(size, which):
    layer = Conv2D(1, size.channels, size.kernel, padding=size.kernel // 2, rng=0, dtype=np.float32)
    x, dout = layer_inputs(size)
    layer._forward(x)

    def run():
        for _ in range(LAYER_REPEATS):
            if which == "forward":
                layer._forward(x)
            else:
                layer._backward(dout, True)

    return Contender(lambda: None, run, LAYER_REPEATS)


def torch_conv(size, which):
    import torch
    import torch.nn.functional as F

    conv = torch.nn.Conv2d(1, size.channels, size.kernel, padding=size.kernel // 2)
    x_np, dout_np = layer_inputs(size)
    x, dout = torch.from_numpy(x_np), torch.from_numpy(dout_np)
    w, b = conv.weight.detach().clone(), conv.bias.detach().clone()
    pad = size.kernel // 2
    if which == "forward":
        def run():
            with torch.no_grad():
                for _ in range(LAYER_REPEATS):
                    F.conv2d(x, w, b, padding=pad)
    else:
        xg, wg, bg = (t.clone().requires_grad_(True) for t in (x, w, b))
        out = F.conv2d(xg, wg, bg, padding=pad)

        def run():
            for _ in range(LAYER_REPEATS):
                torch.autograd.grad(out, (xg, wg, bg), dout, retain_graph=True)

    return Contender(lambda: None, run, LAYER_REPEATS)


def forward_parts(size):
    """The pieces of Conv2D's forward pass, each timed on its own (what the gap to PyTorch is made of)."""
    from numpy.lib.stride_tricks import sliding_window_view

    layer = Conv2D(1, size.channels, size.kernel, padding=size.kernel // 2, rng=0, dtype=np.float32)
    x, _ = layer_inputs(size)
    layer._forward(x)  # creates the kept arrays; the pieces below use them as the layer does
    k, p, n, rows = size.kernel, size.kernel // 2, size.batch, size.kernel ** 2
    padded, cols = layer._kept_arrays["padded"], layer._kept_arrays["cols"]
    windows = sliding_window_view(padded, (k, k), axis=(2, 3))
    patches = cols[:, :rows].reshape(n, 1, k, k, size.image, size.image)
    W_mat = np.concatenate([layer.params["W"].reshape(size.channels, rows), layer.params["b"][:, None]], axis=1)

    def repeat(piece):
        def run():
            for _ in range(LAYER_REPEATS):
                piece()
        return Contender(lambda: None, run, LAYER_REPEATS)

    def pad():
        padded[:, :, p:p + size.image, p:p + size.image] = x

    return {
        "zero padding (a copy of the images)": repeat(pad),
        "im2col (k*k copies of every pixel)": repeat(lambda: np.copyto(patches, windows.transpose(0, 1, 4, 5, 2, 3))),
        "matrix products (with the biases)": repeat(lambda: np.matmul(W_mat, cols)),
        "whole forward pass": repeat(lambda: layer._forward(x)),
    }


def layer_split(size, X, y):
    """Seconds per mini-batch in each layer of nnlib's network, forward plus backward (as fit calls them)."""
    import time

    model = nnlib_net(size)
    xb, yb = X[:size.batch], y[:size.batch]
    loss = nnlib.SoftmaxCrossEntropy()
    split = {repr(layer): [] for layer in model.layers}
    for _ in range(LAYER_REPEATS):
        out = xb
        for layer in model.layers:
            start = time.perf_counter()
            out = layer._forward(out)
            split[repr(layer)].append(time.perf_counter() - start)
        loss._forward(out, yb)
        dout = loss.backward()
        for i in range(len(model.layers) - 1, 0, -1):  # fit stops at the first layer with parameters
            layer = model.layers[i]
            start = time.perf_counter()
            dout = layer._backward(dout, i > 1)
            split[repr(layer)][-1] += time.perf_counter() - start
            if dout is None:
                break
    return {name: float(np.median(t)) for name, t in split.items()}


def measure(rounds: int) -> dict:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return {"missing": "PyTorch (pip install -r requirements-bench.txt)", "sizes": {}}
    import torch

    torch.set_num_threads(1)
    results = {}
    for size in SIZES.values():
        X, y = data(size)
        contenders = {
            f"step|{OURS}": nnlib_step(size, X, y), f"step|{THEIRS}": torch_step(size, X, y),
            f"forward|{OURS}": nnlib_conv(size, "forward"), f"forward|{THEIRS}": torch_conv(size, "forward"),
            f"backward|{OURS}": nnlib_conv(size, "backward"), f"backward|{THEIRS}": torch_conv(size, "backward"),
        }
        times = interleaved(contenders, rounds)
        rows = {}
        for part in ("step", "forward", "backward"):
            pair = {name: times[f"{part}|{name}"] for name in (OURS, THEIRS)}
            summary = summarise(pair, OURS)
            rows[part] = {"nnlib_s": summary[OURS]["s_per_step"], "torch_s": summary[THEIRS]["s_per_step"],
                          "ratio": summary[THEIRS]["ratio"], "ratio_q1": summary[THEIRS]["ratio_q1"],
                          "ratio_q3": summary[THEIRS]["ratio_q3"]}
        parts = summarise(interleaved(forward_parts(size), rounds), "whole forward pass")
        results[size.key] = {"title": size.title, "image": size.image, "channels": size.channels,
                             "batch": size.batch, "rows": rows,
                             "forward_parts_s": {name: row["s_per_step"] for name, row in parts.items()},
                             "layers_s": layer_split(size, X, y)}
    return {"sizes": results, "torch": torch.__version__}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(int(sys.argv[1]))))
