"""Training-step benchmark: the book's digits network in nnlib and its references.

Network: 64 -> 256 -> 256 -> 10, ReLU, softmax cross-entropy, plain SGD, batch 64.
Each contender trains on the same standardised digits for the same number of steps;
the time per step is the median over repeats, with contenders interleaved so that
machine noise hits them alike.
"""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

import nnlib
from nnlib.data import load_digits, standardize

SIZES = (64, 256, 256, 10)
BATCH = 64
LR = 0.05


def digits(dtype):
    X, y = load_digits()
    X, _, _ = standardize(X)
    return X.astype(dtype), y


def nnlib_model(dtype, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(nnlib.Dense(n_in, n_out, init="he_normal", rng=rng, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(nnlib.Activation("relu"))
    return nnlib.Sequential(layers)


def run_nnlib(X, y, epochs, dtype):
    model = nnlib_model(dtype)
    model.fit(X, y, loss=nnlib.SoftmaxCrossEntropy(), optimizer=nnlib.SGD(lr=LR), epochs=epochs,
              batch_size=BATCH, rng=0, progress=False)
    return model


def run_plain_numpy(X, y, epochs, dtype):
    """The floor for numpy code: the same network written inline, nothing but arrays."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dtype) for a, b in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(b, dtype) for b in SIZES[1:]]
    n = len(X)
    order_rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = order_rng.permutation(n)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
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
            for W, g in zip(Ws, (gW1, gW2, gW3)):
                W -= LR * g
            for b, g in zip(bs, (gb1, gb2, gb3)):
                b -= LR * g
    return loss


def run_torch(X, y, epochs, dtype):
    import torch

    torch.manual_seed(0)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10)).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    n = len(X)
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return loss


def run_sklearn(X, y, epochs, dtype):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(256, 256), activation="relu", solver="sgd",
                        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, batch_size=BATCH,
                        max_iter=epochs, shuffle=True, random_state=0, tol=0.0, n_iter_no_change=epochs + 1,
                        alpha=0.0)
    with warnings.catch_warnings():
        # max_iter is the number of epochs we time; stopping there is the point, not a problem.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


CONTENDERS = {
    "nnlib Sequential": run_nnlib,
    "plain numpy loop": run_plain_numpy,
    "PyTorch eager (CPU)": run_torch,
    "scikit-learn MLPClassifier": run_sklearn,
}
OPTIONAL = {"PyTorch eager (CPU)": "torch", "scikit-learn MLPClassifier": "sklearn"}


def available():
    import importlib.util

    found, missing = {}, []
    for name, fn in CONTENDERS.items():
        module = OPTIONAL.get(name)
        if module and importlib.util.find_spec(module) is None:
            missing.append(f"{name} (pip install -r requirements-bench.txt)")
        else:
            found[name] = fn
    return found, missing


def time_in_this_process(name, dtype, epochs):
    """Seconds per step for one contender: a one-epoch warm-up, then ``epochs`` timed epochs."""
    X, y = digits(dtype)
    fn = CONTENDERS[name]
    fn(X, y, 1, dtype)  # warm-up: imports, BLAS threads, caches
    steps = epochs * int(np.ceil(len(X) / BATCH))
    start = time.perf_counter()
    fn(X, y, epochs, dtype)
    return (time.perf_counter() - start) / steps


def measure(dtype, epochs=2, repeats=5):
    """Median seconds per training step for each available contender.

    Each measurement runs in a fresh process: PyTorch's OpenMP threads keep
    spinning after a step and would steal the cores from numpy's BLAS threads if
    both lived in one process. The contenders take turns, repeat after repeat,
    so that machine noise hits them alike.
    """
    contenders, missing = available()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name in contenders:
            out = subprocess.run([sys.executable, __file__, name, np.dtype(dtype).name, str(epochs)],
                                 capture_output=True, text=True, check=True)
            times[name].append(float(out.stdout.strip().splitlines()[-1]))
    return {name: float(np.median(t)) for name, t in times.items()}, missing


if __name__ == "__main__":
    contender, dtype_name, n_epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(time_in_this_process(contender, np.dtype(dtype_name).type, n_epochs))
