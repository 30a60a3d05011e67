"""The fast paths compute what the plain formulas compute, and allocate what they promise.

Speed itself is measured in ``make bench`` (ratios, side by side), never asserted here; these
tests pin down the properties the speed-ups rely on: the optimisers' updates are the
textbook formulas bit for bit, and a step writes its intermediate results into arrays it
keeps instead of allocating new ones.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nnlib.model import Parameter
from nnlib.optim import SGD, Adam, AdamW, RMSProp


def textbook_updates(kind, lr, steps, value, grads, **options):
    """The optimisers' formulas written as expressions, each building new arrays."""
    value = value.copy()
    m = np.zeros_like(value)
    v = np.zeros_like(value)
    for t, grad in enumerate(grads, start=1):
        if kind == "sgd":
            value -= lr * grad
        elif kind == "momentum":
            m *= options["momentum"]
            m += grad
            value -= lr * m
        elif kind == "rmsprop":
            rho, eps = options["rho"], options["eps"]
            v *= rho
            v += (1 - rho) * grad * grad
            value -= lr * grad / (np.sqrt(v) + eps)
        else:  # adam, adamw
            b1, b2, eps = options["beta1"], options["beta2"], options["eps"]
            if kind == "adamw":
                value *= 1.0 - lr * options["weight_decay"]
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            value -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return value


CASES = {
    "sgd": (lambda: SGD(lr=0.05), {}),
    "momentum": (lambda: SGD(lr=0.05, momentum=0.9), {"momentum": 0.9}),
    "rmsprop": (lambda: RMSProp(lr=1e-3, rho=0.9, eps=1e-8), {"rho": 0.9, "eps": 1e-8}),
    "adam": (lambda: Adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8), {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adamw": (lambda: AdamW(lr=1e-3, weight_decay=1e-2),
              {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2}),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(CASES))
def test_optimiser_updates_are_the_textbook_formulas_bit_for_bit(kind, dtype):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((7, 5)).astype(dtype)
    grads = [rng.standard_normal((7, 5)).astype(dtype) for _ in range(4)]
    make, options = CASES[kind]
    optimizer = make()
    value, grad = start.copy(), np.zeros_like(start)
    params = [Parameter("0.W", value, grad)]
    for g in grads:
        grad[...] = g
        optimizer.step(params)
    expected = textbook_updates(kind, optimizer.lr, len(grads), start, grads, **options)
    assert value.dtype == dtype
    assert np.array_equal(value, expected), np.abs(value - expected).max()


@pytest.mark.parametrize("kind", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_an_optimiser_step_allocates_no_array_the_size_of_a_parameter(kind):
    rng = np.random.default_rng(1)
    value = rng.standard_normal((256, 256))
    grad = rng.standard_normal((256, 256)) * 1e-3
    params = [Parameter("0.W", value, grad)]
    optimizer = CASES[kind][0]()
    optimizer._step(params)  # the first step creates the state and the kept buffers
    tracemalloc.start()
    try:
        optimizer._step(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < value.nbytes / 4, f"{kind}: a step allocated {peak:,} bytes (a parameter holds {value.nbytes:,})"
