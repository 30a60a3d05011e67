"""Training-step benchmark: multilayer perceptrons on the digits, nnlib against its references.

Two workloads (:data:`WORKLOADS`):

* ``benchmark``: 64 -> 256 -> 256 -> 10, ReLU, softmax cross-entropy, plain SGD
  (learning rate 0.05), mini-batches of 64, on all 1,797 standardised digits. Not a
  network of the book: a network with enough arithmetic per step that BLAS, not
  Python, should set the pace, in float32 and float64.
* ``chapter9``: chapter 9's network and recipe, 64 -> 256 -> 128 -> 10, ReLU, Adam
  (learning rate 1e-3), mini-batches of 32, float32, on the chapter's 1,151 training
  images divided by 16.

Contenders, each training the same network on the same data for the same number of
steps (two epochs per timed call, from fresh weights every round):

* ``nnlib Sequential.fit``, the book's code;
* ``plain numpy loop``: the same step written inline with nothing but arrays, the
  floor for numpy code;
* ``PyTorch eager (CPU)`` and ``scikit-learn MLPClassifier`` (if installed);
* ``matrix products alone``: only the step's 8 matrix products (3 forward, 3 weight
  gradients, 2 input gradients; the first layer needs none), with the same shapes and
  transposes, on the same batch sizes: the most BLAS can do for this step.

Run as a script it prints one JSON line: ``python bench/train_step.py benchmark float32 25``.
"""
from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interleave import Contender, interleaved, pin_threads, summarise  # noqa: E402

if __name__ == "__main__":
    pin_threads()  # before numpy and torch start their thread pools

import numpy as np  # noqa: E402

import nnlib  # noqa: E402
from nnlib.data import load_digits, standardize  # noqa: E402

EPOCHS_PER_CALL = 2
REFERENCE = "nnlib Sequential.fit"


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    sizes: tuple
    batch: int
    optimizer: str  # "sgd" or "adam"
    lr: float
    data: str  # "all digits, standardised" or "chapter 9's training images / 16"
    dtypes: tuple


WORKLOADS = {
    "benchmark": Workload("benchmark", "64-256-256-10, plain SGD, batch 64", (64, 256, 256, 10), 64, "sgd", 0.05,
                          "all 1,797 digits, standardised", ("float32", "float64")),
    "chapter9": Workload("chapter9", "chapter 9: 64-256-128-10, Adam, batch 32", (64, 256, 128, 10), 32, "adam", 1e-3,
                         "chapter 9's 1,151 training images / 16", ("float32",)),
}
ADAM = dict(beta1=0.9, beta2=0.999, eps=1e-8)


def load(workload: Workload, dtype):
    if workload.data.startswith("all"):
        X, y = load_digits()
        X, _, _ = standardize(X)
    else:
        from nnlib.explorers.digits import digits_split

        split = digits_split()
        X, y = split["X_train"] / 16, split["y_train"]
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(y, dtype=np.int64)


def steps_per_epoch(n, batch):
    return -(-n // batch)


def matmul_flops(workload: Workload, n: int) -> float:
    """Floating-point operations of the 8 matrix products in one epoch (2 per multiply-add)."""
    sizes = workload.sizes
    per_sample = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))  # forward: one pass through every W
    input_grads = per_sample - sizes[0] * sizes[1]  # every layer but the first
    return 2.0 * n * (2 * per_sample + input_grads)


def initial_weights(sizes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    return Ws, [np.zeros(b, dtype) for b in sizes[1:]]


# ---------------------------------------------------------------- contenders

def mlp_model(workload, dtype):
    """The workload's network in nnlib: Dense layers (He initialisation, seed 0) with ReLU between them."""
    sizes = workload.sizes
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nnlib.Dense(n_in, n_out, init="he_normal", rng=0, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nnlib.Activation("relu"))
    return nnlib.Sequential(layers)


def nnlib_contender(workload, X, y, dtype):
    model = mlp_model(workload, dtype)
    start = model.state_dict()
    state = {}

    def reset():
        model.load_state_dict(start)
        state["opt"] = nnlib.SGD(lr=workload.lr) if workload.optimizer == "sgd" else nnlib.Adam(lr=workload.lr, **ADAM)

    def run():
        model.fit(X, y, loss=nnlib.SoftmaxCrossEntropy(), optimizer=state["opt"], epochs=EPOCHS_PER_CALL,
                  batch_size=workload.batch, rng=0, progress=False)

    return Contender(reset, run, EPOCHS_PER_CALL * steps_per_epoch(len(X), workload.batch))


def plain_contender(workload, X, y, dtype):
    """The floor for numpy code: the same network written inline, nothing but arrays."""
    Ws0, bs0 = initial_weights(workload.sizes, dtype)
    batch, lr, n = workload.batch, workload.lr, len(X)
    b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["eps"]
    state = {}

    def reset():
        state["params"] = [W.copy() for W in Ws0] + [b.copy() for b in bs0]
        state["m"] = [np.zeros_like(p) for p in state["params"]]
        state["v"] = [np.zeros_like(p) for p in state["params"]]
        state["t"] = 0

    def run():
        params, ms, vs = state["params"], state["m"], state["v"]
        Ws, bs = params[:3], params[3:]
        order_rng = np.random.default_rng(0)
        for _ in range(EPOCHS_PER_CALL):
            order = order_rng.permutation(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                xb, yb = X[idx], y[idx]
                z1 = xb @ Ws[0] + bs[0]
                a1 = np.maximum(z1, 0)
                z2 = a1 @ Ws[1] + bs[1]
                a2 = np.maximum(z2, 0)
                logits = a2 @ Ws[2] + bs[2]
                shifted = logits - logits.max(axis=1, keepdims=True)
                p = np.exp(shifted)
                p /= p.sum(axis=1, keepdims=True)
                m = len(idx)
                loss = -np.log(p[np.arange(m), yb]).mean()
                d = p
                d[np.arange(m), yb] -= 1
                d /= m
                gW3, gb3 = a2.T @ d, d.sum(0)
                d = (d @ Ws[2].T) * (z2 > 0)
                gW2, gb2 = a1.T @ d, d.sum(0)
                d = (d @ Ws[1].T) * (z1 > 0)
                gW1, gb1 = xb.T @ d, d.sum(0)
                grads = (gW1, gW2, gW3, gb1, gb2, gb3)
                if workload.optimizer == "sgd":
                    for p_, g in zip(params, grads):
                        p_ -= lr * g
                else:
                    state["t"] += 1
                    t = state["t"]
                    for p_, g, m_, v_ in zip(params, grads, ms, vs):
                        m_ *= b1
                        m_ += (1 - b1) * g
                        v_ *= b2
                        v_ += (1 - b2) * g * g
                        p_ -= lr * (m_ / (1 - b1**t)) / (np.sqrt(v_ / (1 - b2**t)) + eps)
        return loss

    return Contender(reset, run, EPOCHS_PER_CALL * steps_per_epoch(n, batch))


def matmul_contender(workload, X, y, dtype):
    """Only the 8 matrix products of every step, on arrays of the step's shapes and layouts."""
    rng = np.random.default_rng(1)
    Ws, _ = initial_weights(workload.sizes, dtype)
    n, batch = len(X), workload.batch
    sizes = [len(X[i:i + batch]) for i in range(0, n, batch)]
    arrays = {}
    for m in set(sizes):
        arrays[m] = {"x": X[:m].copy()}
        for k, width in enumerate(workload.sizes[1:], start=1):
            arrays[m][f"a{k}"] = rng.standard_normal((m, width)).astype(dtype)

    def run():
        W1, W2, W3 = Ws
        for _ in range(EPOCHS_PER_CALL):
            for m in sizes:
                x, a1, a2, d3 = (arrays[m][key] for key in ("x", "a1", "a2", "a3"))
                x @ W1, a1 @ W2, a2 @ W3  # forward
                a2.T @ d3, a1.T @ a2, x.T @ a1  # weight gradients (d2, d1 have the shapes of a2, a1)
                d3 @ W3.T, a2 @ W2.T  # input gradients of layers 3 and 2

    return Contender(lambda: None, run, EPOCHS_PER_CALL * len(sizes))


def torch_contender(workload, X, y, dtype):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for i, (a, b) in enumerate(zip(workload.sizes[:-1], workload.sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(workload.sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(tdtype)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X.copy()), torch.from_numpy(y.copy())
    n, batch = len(X), workload.batch
    state = {}

    def reset():
        model.load_state_dict(start)
        state["opt"] = (torch.optim.SGD(model.parameters(), lr=workload.lr) if workload.optimizer == "sgd" else
                        torch.optim.Adam(model.parameters(), lr=workload.lr, betas=(ADAM["beta1"], ADAM["beta2"]),
                                         eps=ADAM["eps"]))

    def run():
        opt = state["opt"]
        generator = torch.Generator().manual_seed(0)
        for _ in range(EPOCHS_PER_CALL):
            order = torch.randperm(n, generator=generator)
            for start_ in range(0, n, batch):
                idx = order[start_:start_ + batch]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()

    return Contender(reset, run, EPOCHS_PER_CALL * steps_per_epoch(n, batch))


def sklearn_contender(workload, X, y, dtype):
    from sklearn.neural_network import MLPClassifier

    hidden = workload.sizes[1:-1]
    classes = np.arange(workload.sizes[-1])
    n, batch = len(X), workload.batch
    state = {}

    def reset():
        if workload.optimizer == "sgd":
            options = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False)
        else:
            options = dict(solver="adam", beta_1=ADAM["beta1"], beta_2=ADAM["beta2"], epsilon=ADAM["eps"])
        clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", learning_rate_init=workload.lr,
                            batch_size=batch, shuffle=True, random_state=0, alpha=0.0, **options)
        clf.partial_fit(X[:batch], y[:batch], classes=classes)  # creates the weights (one step, untimed)
        state["clf"] = clf

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # partial_fit's convergence notes mean nothing here
            for _ in range(EPOCHS_PER_CALL):
                state["clf"].partial_fit(X, y)

    return Contender(reset, run, EPOCHS_PER_CALL * steps_per_epoch(n, batch))


CONTENDERS = {
    REFERENCE: nnlib_contender,
    "plain numpy loop": plain_contender,
    "PyTorch eager (CPU)": torch_contender,
    "scikit-learn MLPClassifier": sklearn_contender,
    "matrix products alone": matmul_contender,
}
OPTIONAL = {"PyTorch eager (CPU)": "torch", "scikit-learn MLPClassifier": "sklearn"}


def available():
    import importlib.util

    found, missing = [], []
    for name in CONTENDERS:
        module = OPTIONAL.get(name)
        if module and importlib.util.find_spec(module) is None:
            missing.append(f"{name} (pip install -r requirements-bench.txt)")
        else:
            found.append(name)
    return found, missing


def measure(workload_key: str, dtype_name: str, rounds: int) -> dict:
    """Per-step medians and paired ratios of every available contender, in this process."""
    workload = WORKLOADS[workload_key]
    dtype = np.dtype(dtype_name).type
    X, y = load(workload, dtype)
    names, missing = available()
    contenders = {name: CONTENDERS[name](workload, X, y, dtype) for name in names}
    summary = summarise(interleaved(contenders, rounds), REFERENCE)
    flops = matmul_flops(workload, len(X)) / steps_per_epoch(len(X), workload.batch)
    for row in summary.values():
        row["gflops"] = flops / row["s_per_step"] / 1e9
    return {"workload": workload.key, "title": workload.title, "data": workload.data, "dtype": dtype_name,
            "batch": workload.batch, "contenders": summary, "missing": missing, "flops_per_step": flops}


if __name__ == "__main__":
    import json

    key, dtype_name, n_rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(measure(key, dtype_name, n_rounds)))
