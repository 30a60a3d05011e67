"""Where a training step's time goes: nnlib's step built up one cost at a time.

The benchmark network of ``train_step.py`` (64-256-256-10, plain SGD, batch 64), timed
side by side in interleaved rounds (see ``interleave.py``), as:

1. ``matrix products alone``: the step's 8 matrix products and nothing else;
2. ``plain numpy loop``: the step written inline with arrays;
3. ``nnlib layers, called directly``: the layers' unchecked ``_forward``/``_backward``,
   the loss and the optimiser's unchecked update, in a bare loop: nnlib's arithmetic;
4. ``+ overflow guard``: the same inside ``np.errstate(over="raise", ...)``, as fit runs
   every step (an overflow then stops the run with an explanation);
5. ``+ divergence watch and history``: also the per-step divergence check and the
   records fit keeps (step loss, rate, running total): fit's loop without fit;
6. ``Sequential.fit``, the real thing (which also checks its data once per call and
   switches between training and evaluation mode once per epoch);
7. ``fit with lr_schedule`` (a constant schedule) and ``fit with clip_norm`` (a norm so
   large that nothing is clipped): what the Part III options cost per step;
8. ``checked calls per mini-batch``: the public ``model.forward``, ``loss(...)``,
   ``model.backward`` and ``optimizer.step``, each of which validates its input: what
   validating every mini-batch would cost, and what fit's check-once design saves.

Run as a script it prints one JSON line: ``python bench/mlp_breakdown.py float32 25``.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interleave import Contender, interleaved, pin_threads, summarise  # noqa: E402

if __name__ == "__main__":
    pin_threads()

import numpy as np  # noqa: E402

import nnlib  # noqa: E402
import train_step  # noqa: E402
from nnlib.divergence import DivergenceWatch  # noqa: E402
from nnlib.model import History  # noqa: E402

WORKLOAD = train_step.WORKLOADS["benchmark"]
EPOCHS = train_step.EPOCHS_PER_CALL
GUARD = dict(over="raise", invalid="raise", divide="raise", under="ignore")
REFERENCE = "Sequential.fit"


def _resettable(dtype):
    """The benchmark network and a ``reset`` that restores its first weights and makes a fresh SGD
    (kept in ``state["opt"]``), so that every round starts alike."""
    model = train_step.mlp_model(WORKLOAD, dtype)
    start = model.state_dict()
    state = {}

    def reset():
        model.load_state_dict(start)
        state["opt"] = nnlib.SGD(lr=WORKLOAD.lr)

    return model, state, reset


def hand_loop(X, y, dtype, level):
    """nnlib's step in a loop of our own; ``level`` adds fit's costs one at a time (0 to 3)."""
    model, state, reset = _resettable(dtype)
    n, batch = len(X), WORKLOAD.batch
    loss_fn = nnlib.SoftmaxCrossEntropy()

    def step(xb, yb, opt, params):
        out = xb
        for layer in model.layers:
            out = layer._forward(out)
        value = loss_fn._forward(out, yb)
        dout = loss_fn.backward()
        for i in range(len(model.layers) - 1, -1, -1):
            dout = model.layers[i]._backward(dout, i > 0)
        opt._step(params)
        return value

    def run():
        opt, params = state["opt"], model.parameters()
        rng = np.random.default_rng(0)
        history = History()
        watch = DivergenceWatch(2.3, opt, history)
        for epoch in range(1, EPOCHS + 1):
            order = rng.permutation(n)
            total = 0.0
            for k, s in enumerate(range(0, n, batch), start=1):
                idx = order[s:s + batch]
                xb, yb = X[idx], y[idx]
                if level >= 2:
                    with np.errstate(**GUARD):
                        value = step(xb, yb, opt, params)
                        if level >= 3:
                            watch.check(value, epoch, k)
                    if level >= 3:
                        history.step_loss.append(value)
                        history.lr.append(opt.lr)
                        total += value * len(idx)
                else:
                    step(xb, yb, opt, params)
            if level >= 3:
                history.loss.append(total / n)

    return Contender(reset, run, EPOCHS * train_step.steps_per_epoch(n, batch))


def checked_loop(X, y, dtype):
    """Every mini-batch through the public, validating calls."""
    model, state, reset = _resettable(dtype)
    n, batch = len(X), WORKLOAD.batch
    loss_fn = nnlib.SoftmaxCrossEntropy()

    def run():
        opt = state["opt"]
        rng = np.random.default_rng(0)
        for _ in range(EPOCHS):
            order = rng.permutation(n)
            for s in range(0, n, batch):
                idx = order[s:s + batch]
                loss_fn(model.forward(X[idx]), y[idx])
                model.backward(loss_fn.backward(), input_grad=False)
                opt.step(model.parameters())

    return Contender(reset, run, EPOCHS * train_step.steps_per_epoch(n, batch))


def fit_contender(X, y, dtype, **options):
    model, state, reset = _resettable(dtype)

    def run():
        model.fit(X, y, loss=nnlib.SoftmaxCrossEntropy(), optimizer=state["opt"], epochs=EPOCHS,
                  batch_size=WORKLOAD.batch, rng=0, progress=False, **options)

    return Contender(reset, run, EPOCHS * train_step.steps_per_epoch(len(X), WORKLOAD.batch))


def constant_rate(step):
    return WORKLOAD.lr


def measure(dtype_name: str, rounds: int) -> dict:
    dtype = np.dtype(dtype_name).type
    X, y = train_step.load(WORKLOAD, dtype)
    contenders = {
        "matrix products alone": train_step.matmul_contender(WORKLOAD, X, y, dtype),
        "plain numpy loop": train_step.plain_contender(WORKLOAD, X, y, dtype),
        "nnlib layers, called directly": hand_loop(X, y, dtype, level=1),
        "+ overflow guard (np.errstate)": hand_loop(X, y, dtype, level=2),
        "+ divergence watch and history": hand_loop(X, y, dtype, level=3),
        REFERENCE: fit_contender(X, y, dtype),
        "fit with lr_schedule": fit_contender(X, y, dtype, lr_schedule=constant_rate),
        "fit with clip_norm": fit_contender(X, y, dtype, clip_norm=1e30),
        "checked calls per mini-batch": checked_loop(X, y, dtype),
    }
    summary = summarise(interleaved(contenders, rounds), REFERENCE)
    return {"dtype": dtype_name, "title": WORKLOAD.title, "rows": summary}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
