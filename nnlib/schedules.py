r"""Learning-rate schedules: the rate as a function of the step.

A schedule is any callable ``schedule(t) -> rate`` where ``t = 0, 1, 2, ...``
counts the **optimiser steps** (mini-batch updates) already taken, over the
whole run; it is *not* the epoch. :meth:`Sequential.fit
<nnlib.model.Sequential.fit>` takes one as ``lr_schedule``: before step ``t``
it sets the optimiser's ``lr`` to ``schedule(t)`` (any finite rate >= 0), and it
records the rate of every step in ``History.lr``. One epoch has ``steps_per_epoch(n, batch_size)``
steps, so "halve the rate every 10 epochs" is
``StepDecay(lr, step_size=10 * steps_per_epoch(n, batch_size), factor=0.5)``.

==================== ===========================================================
:class:`StepDecay`   $\eta_t = \eta_0\, f^{\lfloor t / k \rfloor}$: drop by a factor every $k$ steps
:class:`ExponentialDecay` $\eta_t = \eta_0\, r^{t / k}$: shrink smoothly by $r$ per $k$ steps
:class:`CosineDecay` half a cosine from $\eta_0$ down to $\eta_\min$ over $T$ steps
:class:`LinearWarmup` a linear ramp up to another schedule (or a constant rate), then that schedule
==================== ===========================================================

Why schedule at all? Early in training a large rate moves quickly across the
loss landscape; late in training the same rate keeps bouncing around a minimum
that a smaller one would settle into. Decay gets both. Warm-up handles the
start: the first updates of a freshly initialised network (and Adam's first
moment estimates) can be wild, and a few hundred small steps avoid a blow-up
that would otherwise force a smaller rate for the whole run.
"""
from __future__ import annotations

import math
import numbers

from ._validation import check_fraction, check_non_negative, check_positive_int, check_positive_number

_RATE_HINT = " Typical learning rates lie between 1e-4 and 1."


def steps_per_epoch(n_samples: int, batch_size: int | None) -> int:
    """Optimiser steps in one epoch of ``fit``: ``ceil(n_samples / batch_size)`` (1 for full batch, ``None``)."""
    n_samples = check_positive_int(n_samples, "n_samples")
    if batch_size is None:
        return 1
    return math.ceil(n_samples / min(check_positive_int(batch_size, "batch_size"), n_samples))


def _check_step(t) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"a schedule is called with the step number t = 0, 1, 2, ... (an int), got "
                        f"{type(t).__name__} {t!r}.")
    if t < 0:
        raise ValueError(f"the step number t counts the steps taken and starts at 0, got {t}.")
    return int(t)


class Schedule:
    """Base class: ``schedule(t)`` is the learning rate of step ``t`` (0-based, counted in optimiser steps)."""

    def __call__(self, t: int) -> float:
        return self.rate(_check_step(t))

    def rate(self, t: int) -> float:
        raise NotImplementedError

    def values(self, steps: int) -> list[float]:
        """The rates of the first ``steps`` steps, e.g. to plot the schedule."""
        return [self.rate(t) for t in range(check_positive_int(steps, "steps"))]


class StepDecay(Schedule):
    r"""Multiply the rate by ``factor`` every ``step_size`` steps: $\eta_t = \eta_0\, f^{\lfloor t/k \rfloor}$.

    Parameters
    ----------
    lr : float > 0
        $\eta_0$, the rate of the first ``step_size`` steps.
    step_size : int >= 1
        $k$, steps between drops.
    factor : float in (0, 1], default 0.1
        $f$, the factor of each drop.
    """

    def __init__(self, lr: float, step_size: int, factor: float = 0.1):
        self.lr = check_positive_number(lr, "StepDecay lr", _RATE_HINT)
        self.step_size = check_positive_int(step_size, "StepDecay step_size")
        self.factor = check_fraction(factor, "StepDecay factor", low_open=True, high_open=False)

    def rate(self, t: int) -> float:
        return self.lr * self.factor ** (t // self.step_size)

    def __repr__(self):
        return f"StepDecay(lr={self.lr:g}, step_size={self.step_size}, factor={self.factor:g})"


class ExponentialDecay(Schedule):
    r"""Shrink the rate smoothly: $\eta_t = \eta_0\, r^{t/k}$, a factor $r$ every $k$ steps.

    Parameters
    ----------
    lr : float > 0
        $\eta_0$, the rate of step 0.
    decay_rate : float in (0, 1]
        $r$.
    decay_steps : int >= 1, default 1
        $k$; with 1 the rate is multiplied by $r$ at every step.
    """

    def __init__(self, lr: float, decay_rate: float, decay_steps: int = 1):
        self.lr = check_positive_number(lr, "ExponentialDecay lr", _RATE_HINT)
        self.decay_rate = check_fraction(decay_rate, "ExponentialDecay decay_rate", low_open=True, high_open=False)
        self.decay_steps = check_positive_int(decay_steps, "ExponentialDecay decay_steps")

    def rate(self, t: int) -> float:
        return self.lr * self.decay_rate ** (t / self.decay_steps)

    def __repr__(self):
        return f"ExponentialDecay(lr={self.lr:g}, decay_rate={self.decay_rate:g}, decay_steps={self.decay_steps})"


class CosineDecay(Schedule):
    r"""Half a cosine from $\eta_0$ down to $\eta_\min$ over $T$ steps, then $\eta_\min$.

    $$\eta_t = \eta_\min + \tfrac12(\eta_0 - \eta_\min)\Big(1 + \cos\frac{\pi \min(t, T)}{T}\Big)$$

    (Loshchilov and Hutter, 2017, without restarts). The rate stays near
    $\eta_0$ for a while, falls fastest half-way, and flattens out near $\eta_\min$.

    Parameters
    ----------
    lr : float > 0
        $\eta_0$, the rate of step 0.
    total_steps : int >= 1
        $T$, usually ``epochs * steps_per_epoch(n, batch_size)``.
    min_lr : float >= 0, default 0
        $\eta_\min$, below ``lr``. The last step of a run of $T$ steps
        (step $T - 1$) still has a small positive rate even when ``min_lr`` is 0.
    """

    def __init__(self, lr: float, total_steps: int, min_lr: float = 0.0):
        self.lr = check_positive_number(lr, "CosineDecay lr", _RATE_HINT)
        self.total_steps = check_positive_int(total_steps, "CosineDecay total_steps")
        self.min_lr = check_non_negative(min_lr, "CosineDecay min_lr")
        if self.min_lr >= self.lr:
            raise ValueError(f"CosineDecay min_lr must be below lr, got min_lr={self.min_lr:g} and lr={self.lr:g}. "
                             "The rate falls from lr to min_lr, e.g. CosineDecay(0.1, total_steps, min_lr=1e-3).")

    def rate(self, t: int) -> float:
        progress = min(t, self.total_steps) / self.total_steps
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * progress))

    def __repr__(self):
        return f"CosineDecay(lr={self.lr:g}, total_steps={self.total_steps}, min_lr={self.min_lr:g})"


class LinearWarmup(Schedule):
    r"""Ramp the rate up linearly over ``warmup_steps`` steps, then follow ``after``.

    With $W$ warm-up steps and a target schedule $s$ (or a constant rate):

    $$\eta_t = s(0)\,\frac{t + 1}{W} \quad (t < W),\qquad \eta_t = s(t - W) \quad (t \ge W).$$

    The first step already has a small rate $s(0)/W$ (a rate of 0 would
    waste a step), step $W - 1$ reaches $s(0)$, and ``after`` starts from its
    own step 0 when the warm-up ends: ``LinearWarmup(CosineDecay(0.1, 900), 100)``
    warms up for 100 steps and then decays over the next 900.

    Parameters
    ----------
    after : Schedule, callable ``t -> rate``, or float
        What follows the warm-up; a number means a constant rate.
    warmup_steps : int >= 1
        $W$.
    """

    def __init__(self, after, warmup_steps: int):
        if isinstance(after, numbers.Real) and not isinstance(after, bool):
            after = Constant(after)
        elif not callable(after):
            raise TypeError(f"LinearWarmup needs the schedule that follows the warm-up (e.g. CosineDecay(...)) or a "
                            f"constant rate (e.g. 0.1), got {type(after).__name__} {after!r}.")
        self.after = after
        self.warmup_steps = check_positive_int(warmup_steps, "LinearWarmup warmup_steps")

    def rate(self, t: int) -> float:
        if t < self.warmup_steps:
            return self.after(0) * (t + 1) / self.warmup_steps
        return self.after(t - self.warmup_steps)

    def __repr__(self):
        return f"LinearWarmup({self.after!r}, warmup_steps={self.warmup_steps})"


class Constant(Schedule):
    r"""The same rate at every step, $\eta_t = \eta_0$ (what ``fit`` does without a schedule)."""

    def __init__(self, lr: float):
        self.lr = check_positive_number(lr, "Constant lr", _RATE_HINT)

    def rate(self, t: int) -> float:
        return self.lr

    def __repr__(self):
        return f"Constant({self.lr:g})"


def as_schedule(schedule):
    """Check what ``fit`` got as ``lr_schedule``: ``None``, a :class:`Schedule` or a callable ``t -> rate``."""
    if schedule is None or callable(schedule):
        if isinstance(schedule, type):
            raise TypeError(f"lr_schedule must be a schedule object, got the class {schedule.__name__}: create one, "
                            f"e.g. lr_schedule=CosineDecay(0.1, total_steps=1000).")
        return schedule
    if isinstance(schedule, numbers.Real):
        raise TypeError(f"lr_schedule must be a schedule such as CosineDecay(0.1, total_steps=1000) or a function "
                        f"t -> rate, got the number {schedule!r}. For a constant rate leave lr_schedule out and set "
                        "the optimiser's lr.")
    raise TypeError(f"lr_schedule must be a schedule such as StepDecay(...) or a function t -> rate of the step "
                    f"number t, got {type(schedule).__name__} {schedule!r}.")


def checked_rate(schedule, t: int) -> float:
    """``schedule(t)``, required to be a finite number >= 0 (named in the error with its step).

    A rate of 0 is allowed here, though not as an optimiser's own ``lr``: a cosine decays to 0 at its
    last step, and a run longer than the schedule then takes steps that change nothing.
    """
    rate = schedule(t)
    if type(rate) is float and 0.0 <= rate < math.inf:  # the common case, kept cheap
        return rate
    name = repr(schedule) if isinstance(schedule, Schedule) else f"function {getattr(schedule, '__name__', schedule)}"
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"the learning-rate schedule ({name}) returned {type(rate).__name__} {rate!r} for step "
                        f"{t}; it must return the rate as a number.")
    if not 0.0 <= float(rate) < math.inf:
        raise ValueError(f"the learning-rate schedule ({name}) returned {rate!r} for step {t}; a scheduled learning "
                         "rate must be a finite number >= 0. Check the schedule's formula at that step.")
    return float(rate)
