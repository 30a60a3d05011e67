"""Learning-rate schedules: values by hand, composition with warm-up, and fit using them step by step."""
import math

import numpy as np
import pytest

from nnlib.layers import Activation, Dense
from nnlib.losses import MSE
from nnlib.model import Sequential
from nnlib.optim import SGD, Adam, Optimizer
from nnlib.schedules import (Constant, CosineDecay, ExponentialDecay, LinearWarmup, StepDecay, steps_per_epoch)

COS_QUARTER = 0.5 * (1 + math.cos(math.pi / 4))  # 0.853553...


@pytest.mark.parametrize("schedule,expected", [
    # 0.1 for steps 0-2, halved for 3-5, halved again from 6
    (StepDecay(0.1, step_size=3, factor=0.5), {0: 0.1, 2: 0.1, 3: 0.05, 5: 0.05, 6: 0.025, 9: 0.0125}),
    # a factor 0.5 every 2 steps: sqrt(0.5) per step
    (ExponentialDecay(0.1, decay_rate=0.5, decay_steps=2), {0: 0.1, 1: 0.1 * 0.5**0.5, 2: 0.05, 4: 0.025}),
    (ExponentialDecay(1.0, decay_rate=0.9), {0: 1.0, 1: 0.9, 3: 0.729}),
    # half a cosine over 4 steps: 1, (1 + cos(pi/4))/2, 1/2, (1 - cos(pi/4))/2, 0, and 0 after the end
    (CosineDecay(1.0, total_steps=4), {0: 1.0, 1: COS_QUARTER, 2: 0.5, 3: 1 - COS_QUARTER, 4: 0.0, 10: 0.0}),
    (CosineDecay(1.0, total_steps=4, min_lr=0.1), {0: 1.0, 2: 0.55, 4: 0.1, 7: 0.1}),
    # warm-up over 4 steps to the cosine's first value, then the cosine from its own step 0
    (LinearWarmup(CosineDecay(1.0, total_steps=4), warmup_steps=4),
     {0: 0.25, 1: 0.5, 2: 0.75, 3: 1.0, 4: 1.0, 5: COS_QUARTER, 6: 0.5, 8: 0.0}),
    (LinearWarmup(0.2, warmup_steps=2), {0: 0.1, 1: 0.2, 2: 0.2, 50: 0.2}),
    (LinearWarmup(StepDecay(0.1, 2, 0.1), warmup_steps=1), {0: 0.1, 1: 0.1, 2: 0.1, 3: 0.01}),
    (Constant(0.3), {0: 0.3, 1000: 0.3}),
], ids=repr)
def test_values_by_hand(schedule, expected):
    for t, rate in expected.items():
        assert schedule(t) == pytest.approx(rate, rel=1e-12, abs=1e-15), t


def test_values_lists_the_first_steps():
    assert StepDecay(1.0, 2, 0.5).values(5) == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_steps_per_epoch():
    assert steps_per_epoch(1797, 64) == 29
    assert steps_per_epoch(128, 64) == 2
    assert steps_per_epoch(10, None) == 1
    assert steps_per_epoch(10, 64) == 1


def data(rng, n=24):
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))


def model(seed=0):
    return Sequential([Dense(3, 8, rng=seed), Activation("tanh"), Dense(8, 1, rng=seed + 1)])


def test_fit_follows_the_schedule_and_records_every_rate(rng):
    """fit with a schedule takes exactly the steps of a hand-written loop whose SGD rate is set from the
    schedule before every step; history.lr holds the rate of each step."""
    X, y = data(rng)
    schedule = LinearWarmup(CosineDecay(0.2, total_steps=6), warmup_steps=3)
    trained = model()
    history = trained.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.2), epochs=3, batch_size=8, shuffle=False,
                          lr_schedule=schedule, progress=False)
    assert history.lr == pytest.approx([schedule(t) for t in range(9)], rel=1e-15)

    by_hand, loss, opt = model(), MSE(), SGD(lr=1.0)
    for t in range(9):
        rows = slice(8 * (t % 3), 8 * (t % 3) + 8)
        loss.forward(by_hand.forward(X[rows]), y[rows])
        by_hand.backward(loss.backward())
        opt.lr = schedule(t)
        opt.step(by_hand.parameters())
    for mine, theirs in zip(trained.parameters(), by_hand.parameters()):
        np.testing.assert_allclose(mine.value, theirs.value, rtol=1e-12, atol=1e-14)


def test_without_a_schedule_history_records_the_constant_rate(rng):
    X, y = data(rng)
    history = model().fit(X, y, loss=MSE(), optimizer=Adam(lr=0.01), epochs=2, batch_size=10, progress=False)
    assert history.lr == [0.01] * 6


def test_a_plain_function_is_a_schedule_and_the_optimiser_keeps_the_last_rate(rng):
    X, y = data(rng)
    optimizer = SGD(lr=0.5)
    history = model().fit(X, y, loss=MSE(), optimizer=optimizer, epochs=4, lr_schedule=lambda t: 0.1 / (1 + t),
                          progress=False)
    assert history.lr == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    assert optimizer.lr == pytest.approx(0.025)


class Wrapped(Optimizer):
    """An optimiser that delegates to ``inner`` and exposes its rate read-only, as a watching wrapper would."""

    def __init__(self, inner):
        self.inner = inner

    @property
    def lr(self):
        return self.inner.lr

    @property
    def state(self):
        return self.inner.state

    def _step(self, params):
        self.inner._step(params)


def test_a_schedule_sets_the_rate_of_a_wrapped_optimiser(rng):
    X, y = data(rng)
    inner = SGD(lr=1.0)
    history = model().fit(X, y, loss=MSE(), optimizer=Wrapped(inner), epochs=3, lr_schedule=StepDecay(0.1, 1, 0.5),
                          progress=False)
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])
    assert inner.lr == pytest.approx(0.025)


def test_a_schedule_may_reach_zero_and_then_the_steps_change_nothing(rng):
    """A cosine that ends before the run does: its rate is 0 from step total_steps on, which is allowed."""
    X, y = data(rng)
    trained = model()
    history = trained.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.1), epochs=6, lr_schedule=CosineDecay(0.1, 3),
                          progress=False)
    assert history.lr[3:] == [0.0, 0.0, 0.0]
    again = model()
    again.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.1), epochs=3, lr_schedule=CosineDecay(0.1, 3), progress=False)
    for a, b in zip(trained.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.value, b.value)
