r"""When is a training run diverging? The rules :meth:`Sequential.fit <nnlib.model.Sequential.fit>` applies.

A learning rate that is too large makes every update overshoot the minimum, so the
loss grows geometrically: on a log scale it climbs along a straight line. Waiting for
float64 to overflow would let such a run go on for a hundred steps and more, and call
them all fine. ``fit`` instead compares every step's loss with the loss the untrained
network had at the start, and stops the run as soon as the two rules below say it has
diverged, before the update of that step.
"""
from __future__ import annotations

import math


#: The rules :meth:`Sequential.fit` uses to call a run diverged, besides a loss that is NaN or
#: infinite. The *starting loss* $L_0$ is the loss of the untrained network on ``start_samples``
#: rows spread evenly over ``X`` (so that data sorted by class are sampled fairly), penalty
#: included, measured before the first update. It costs one forward pass of 64 rows per ``fit``.
#:
#: * ``far_above_start``: a step's loss exceeds $10^4 L_0$. A run that diverges grows
#:   geometrically and passes it within a few steps (the book's diverging runs stop at steps 3
#:   to 8, after 2 to 7 updates, where float64 overflow would come only after a hundred steps or
#:   more: chapter 6 counts them). A run that trains
#:   never comes near it: across every ``fit`` in the book the largest ratio of a run allowed to finish is about 220
#:   (chapter 5, learning rate 1: the loss spikes, the ReLUs die and the run ends near chance),
#:   then about 50 (chapter 9's deliberately too-large rate); healthy runs stay below 5.
#: * ``rising_steps`` / ``rising_factor``: the loss rose at each of the last 10 steps and is more
#:   than 10 times $L_0$. This catches slow divergence early. Ten rises in a row happen by chance
#:   in a noisy but healthy run with probability $1/10! \approx 3 \cdot 10^{-7}$ per window, and
#:   the factor 10 rules out a run that merely creeps back up near its start.
DIVERGENCE = {"far_above_start": 1e4, "rising_steps": 10, "rising_factor": 10.0, "start_samples": 64}


def divergence_hint(optimizer) -> str:
    """The advice every divergence message ends with: a smaller learning rate, or scaled inputs."""
    lr = getattr(optimizer, "lr", None)
    rate = f"try a learning rate ten times smaller than {lr:.3g}" if isinstance(lr, float) else "try a smaller learning rate"
    return f"The updates overshoot the minimum: {rate}, or scale the inputs (e.g. nnlib.data.standardize)."


class TrainingDivergedError(FloatingPointError):
    """Raised by :meth:`Sequential.fit` when a run diverges.

    Attributes
    ----------
    history : nnlib.model.History
        Everything recorded up to that point; ``history.step_loss`` ends with the
        step that triggered the stop when its loss was still a finite number.
    reason : str
        ``"non-finite"``, ``"far above start"`` or ``"rising"`` (see :data:`DIVERGENCE`).
    epoch, step : int
        Where it happened (both counted from 1; ``step`` within the epoch).
    """

    def __init__(self, message: str, history, reason: str = "non-finite", epoch: int = 0, step: int = 0):
        super().__init__(message)
        self.history = history
        self.reason = reason
        self.epoch = epoch
        self.step = step


class DivergenceWatch:
    """Applies the rules of :data:`DIVERGENCE` to each step's loss."""

    def __init__(self, start_loss, optimizer, history):
        self.start = start_loss
        self.optimizer = optimizer
        self.history = history
        self.previous = None
        self.rising = 0

    def _raise(self, message, reason, epoch, step, stopping_loss=None):
        """Stop the run; ``stopping_loss``, if given, joins the history: measured, never acted on
        (the check runs before the step's update)."""
        updates = len(self.history.step_loss)
        if stopping_loss is not None:
            self.history.step_loss.append(stopping_loss)
        losses = len(self.history.step_loss)
        raise TrainingDivergedError(
            f"training diverged at epoch {epoch}, step {step}: {message} {divergence_hint(self.optimizer)} "
            f"The error's history holds the {losses} loss(es) measured; {updates} update(s) were made "
            "before the stop.",
            self.history, reason, epoch, step) from None

    def non_finite(self, value, epoch, step):
        if self.previous is None:
            where = f"at the first step, before any update (the starting loss was {self.start:.4g})"
        else:
            where = f"one step after a loss of {self.previous:.4g} (it started at {self.start:.4g})"
        self._raise(f"the loss became {value}, {where}.", "non-finite", epoch, step)

    def check(self, value, epoch, step):
        if not math.isfinite(value):
            self.non_finite(value, epoch, step)
        self.rising = self.rising + 1 if self.previous is not None and value > self.previous else 0
        self.previous = value
        if self.start > 0:
            ratio = value / self.start
            if ratio > DIVERGENCE["far_above_start"]:
                self._raise(f"the loss reached {value:.4g}, more than {DIVERGENCE['far_above_start']:g} times its "
                            f"starting value of {self.start:.4g}.", "far above start", epoch, step,
                            stopping_loss=value)
            if self.rising >= DIVERGENCE["rising_steps"] and ratio > DIVERGENCE["rising_factor"]:
                self._raise(f"the loss rose at each of the last {self.rising} steps, to {value:.4g}, more than "
                            f"{DIVERGENCE['rising_factor']:g} times its starting value of {self.start:.4g}.",
                            "rising", epoch, step, stopping_loss=value)
