"""Timing contenders side by side: interleaved rounds, paired ratios, one BLAS thread.

Every benchmark of ``make bench`` times its contenders the same way:

* **One process, one thread.** Each benchmark runs in a fresh worker process whose
  BLAS and OpenMP libraries (numpy's OpenBLAS, PyTorch's own) are limited to one
  thread each, set in the environment before either library starts. On a shared
  machine, threads that wait for a busy core add noise that belongs to no contender;
  with one thread each, contenders can also share the process (PyTorch's idle worker
  threads cannot spin against numpy's).
* **Rounds.** In every round each contender is reset (untimed: fresh weights,
  fresh optimiser state) and then timed once; the order rotates from round to round.
  A busy moment of the machine therefore hits all contenders of a round alike.
* **Paired ratios.** The ratio of two contenders is the median over rounds of their
  ratio *within* a round, which cancels slow drifts of the machine's speed; the time
  per step is the median over rounds.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

#: Environment variables that fix the number of threads of numpy's and PyTorch's libraries.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS")


def pin_threads(threads: int = 1) -> None:
    """Limit the BLAS and OpenMP libraries to ``threads``; call before numpy or torch is imported."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


def pinned_environment(threads: int = 1) -> dict:
    env = dict(os.environ)
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    return env


def run_worker(script, *args, threads: int = 1, timeout: float = 1800) -> dict:
    """Run ``python script args...`` with pinned threads; return the JSON it prints last."""
    out = subprocess.run([sys.executable, str(script), *map(str, args)], env=pinned_environment(threads),
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(map(str, args))} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class Contender:
    """Something to time: ``reset()`` untimed, then ``run()`` timed, which takes ``steps`` steps."""

    reset: Callable[[], object]
    run: Callable[[], object]
    steps: int


def interleaved(contenders: dict[str, Contender], rounds: int, warmup: int = 1) -> dict[str, list[float]]:
    """Seconds per step of every contender in every round (after ``warmup`` untimed rounds)."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(warmup + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            contender = contenders[name]
            contender.reset()
            start = time.perf_counter()
            contender.run()
            elapsed = (time.perf_counter() - start) / contender.steps
            if r >= warmup:
                times[name].append(elapsed)
    return times


def summarise(times: dict[str, list[float]], reference: str) -> dict[str, dict]:
    """Median time per step of each contender, and the median paired ratio ``reference ÷ contender``.

    Also the spread of that ratio (its quartiles over rounds), so that a reader can see how
    far apart two rounds of the same comparison land.
    """
    summary = {}
    for name, series in times.items():
        ratios = [a / b for a, b in zip(times[reference], series)]
        q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        summary[name] = {"s_per_step": statistics.median(series), "ratio": statistics.median(ratios),
                         "ratio_q1": q1, "ratio_q3": q3, "rounds": len(series)}
    return summary
