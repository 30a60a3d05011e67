"""How much does automatic differentiation cost? nnlib.autograd against nnlib's hand-written layers.

Both train chapter 9's digits network (64 -> 256 -> 128 -> 10, ReLU, softmax
cross-entropy, plain SGD) from the same starting weights on the same
mini-batches. They take turns, round after round (the one that goes first
alternates), so machine noise hits them alike; each round times ``--steps``
steps of each, and the ratio engine ÷ nnlib is the median over rounds.

BLAS runs on one thread unless OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) is
set: both contenders make the same matrix products, and on a shared machine
threads that wait for a busy core add noise that belongs to neither.

Where the time goes: one step records 16 nodes, and walking them is a fixed
cost of Python per step, comparable to the input checks of the hand-written
layers; how it compares with `fit` at a batch of one depends on the load
(chapter 14 prints its own measurement of that ratio and of the engine's time
per step; they move with the machine's load). At large batches every intermediate result and gradient
the engine makes is a fresh array of several hundred kilobytes, which glibc
hands back to the operating system and faults in again on every step, while
nnlib writes its gradients into arrays it keeps. Run with
MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 to keep
freed memory in the process, and that gap closes.

Usage: python bench/autograd_speed.py [--rounds 40] [--steps 10] [--quick]
"""
from __future__ import annotations

import argparse
import copy
import os
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy starts its BLAS

import numpy as np  # noqa: E402

import nnlib  # noqa: E402
from nnlib import autograd  # noqa: E402
from nnlib.data import load_digits, standardize  # noqa: E402

SIZES = (64, 256, 128, 10)
LR = 0.05


def make_model(dtype, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(nnlib.Dense(n_in, n_out, init="he_normal", rng=rng, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(nnlib.Activation("relu"))
    return nnlib.Sequential(layers)


class HandWritten:
    """One training step exactly as ``Sequential.fit`` takes it: forward, loss, backward, SGD update."""

    def __init__(self, model):
        self.model, self.loss, self.optimizer = model, nnlib.SoftmaxCrossEntropy(), nnlib.SGD(lr=LR)
        self.params = model.parameters()

    def step(self, xb, yb):
        value = self.loss.forward(self.model.forward(xb), yb)
        self.model.backward(self.loss.backward(), input_grad=False)
        self.optimizer.step(self.params)
        return value


class Engine:
    """The same step with gradients from nnlib.autograd: build the graph, backward(), update."""

    def __init__(self, model):
        self.model, self.params = model, autograd.sequential_parameters(model)

    def step(self, xb, yb):
        for p in self.params.values():
            p.zero_grad()
        value = autograd.sequential_loss(self.model, xb, yb, "softmax_cross_entropy", self.params)
        value.backward()
        for p in self.params.values():
            p.data -= LR * p.grad
        return value.item()


def batches(n_samples, batch_size, count, seed=0):
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(n_samples) for _ in range(count * batch_size // n_samples + 1)])
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(count)]


def seconds_per_step(trainer, X, y, idx_list):
    start = time.perf_counter()
    for idx in idx_list:
        trainer.step(X[idx], y[idx])
    return (time.perf_counter() - start) / len(idx_list)


def compare(dtype, batch_size, rounds, steps):
    """Median step times of both trainers and the median of the per-round ratios."""
    X, y = load_digits()
    X = standardize(X)[0].astype(dtype)
    model = make_model(dtype)
    hand, engine = HandWritten(model), Engine(copy.deepcopy(model))
    plan = batches(len(X), batch_size, (rounds + 1) * steps)
    seconds_per_step(hand, X, y, plan[:steps])  # warm-up: caches, BLAS threads
    seconds_per_step(engine, X, y, plan[:steps])
    hand_times, engine_times = [], []
    for r in range(rounds):
        chunk = plan[(r + 1) * steps:(r + 2) * steps]
        pair = [(hand, hand_times), (engine, engine_times)]
        for trainer, times in (pair if r % 2 == 0 else pair[::-1]):
            times.append(seconds_per_step(trainer, X, y, chunk))
    ratios = np.array(engine_times) / np.array(hand_times)
    drift = max(float(np.abs(a.value - b.value).max()) for a, b in
                zip(hand.model.parameters(), engine.model.parameters()))
    return float(np.median(hand_times)), float(np.median(engine_times)), float(np.median(ratios)), drift


def graph_size(dtype, batch_size):
    """Nodes recorded for one training step, and how many of them are array operations."""
    X, y = load_digits()
    model = make_model(dtype)
    loss = autograd.sequential_loss(model, X[:batch_size].astype(dtype), y[:batch_size], "softmax_cross_entropy")
    nodes = autograd.topological_order(loss)
    return len(nodes), sum(1 for node in nodes if node._parents)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="5 rounds of 5 steps")
    args = parser.parse_args(argv)
    rounds, steps = (5, 5) if args.quick else (args.rounds, args.steps)

    total, operations = graph_size(np.float32, 64)
    print(f"network {' -> '.join(map(str, SIZES))}, ReLU, softmax cross-entropy, SGD(lr={LR}); "
          f"{rounds} rounds x {steps} steps, interleaved")
    print(f"one step records {total} graph nodes ({operations} operations, the rest data and parameters)\n")
    print(f"{'dtype':8s} {'batch':>5s} {'nnlib ms/step':>14s} {'engine ms/step':>15s} {'engine / nnlib':>15s} "
          f"{'max weight gap':>15s}")
    for dtype in (np.float32, np.float64):
        for batch_size in (1, 16, 64, 256):
            hand, engine, ratio, drift = compare(dtype, batch_size, rounds, steps)
            print(f"{np.dtype(dtype).name:8s} {batch_size:5d} {hand * 1e3:14.3f} {engine * 1e3:15.3f} "
                  f"{ratio:15.2f} {drift:15.1e}")
    print("\nengine / nnlib is the median over rounds of the per-round ratio of step times.")
    print("max weight gap: largest difference between the two trained networks' weights after all steps.")
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}")


if __name__ == "__main__":
    main()
