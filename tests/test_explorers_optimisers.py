"""The explorers and runs of chapter 11 show what nnlib's optimisers, schedules and clipping do."""
import math

import numpy as np
import pytest

from nnlib.explorers.optimiser_race import (BATCH, DEEP, EPOCHS, HIDDEN, NEVER_CLIPPED, RACE_OPTIMISERS, RATES,
                                            SCHEDULES, TEST_SEEDS, TUNING_SEEDS, WARMUP_EPOCHS, digits_run,
                                            digits_schedules, final_val_loss, make_schedule, race, race_data,
                                            race_network, rate_above, total_steps)
from nnlib.explorers.optimiser_valley import (CURVATURES, OPTIMISERS, START, STEPS, make_optimizer,
                                              optimiser_valley, valley_loss, valley_walk)
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.optim import SGD, Adam, RMSProp
from nnlib.schedules import CosineDecay, LinearWarmup


# ---- the valley ---------------------------------------------------------------------------
def test_make_optimizer_builds_each_optimiser_with_the_shared_settings():
    sgd, momentum, nesterov, rmsprop, adam = (make_optimizer(name, 0.05, 0.8, 0.99) for name in OPTIMISERS)
    assert type(sgd) is SGD and sgd.momentum == 0 and sgd.lr == 0.05
    assert momentum.momentum == 0.8 and not momentum.nesterov
    assert nesterov.momentum == 0.8 and nesterov.nesterov
    assert isinstance(rmsprop, RMSProp) and rmsprop.rho == 0.99
    assert type(adam) is Adam and (adam.beta1, adam.beta2) == (0.8, 0.99)
    assert not make_optimizer("Nesterov", 0.05, 0.0).nesterov  # Nesterov without momentum is plain SGD
    with pytest.raises(ValueError, match="unknown optimiser"):
        make_optimizer("Adagrad", 0.1)


@pytest.mark.parametrize("lr", [0.02, 0.05, 0.09])
def test_plain_sgd_in_the_valley_follows_the_closed_form(lr):
    path = valley_walk(make_optimizer("SGD", lr))
    expected = np.array(START) * (1 - lr * np.array(CURVATURES)) ** np.arange(STEPS + 1)[:, None]
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-15)


def test_the_explorer_shows_each_optimisers_walk():
    explorer = optimiser_valley()
    frame = explorer.frame(lr=0.07, momentum=0.6, beta2=0.95, optimiser="Adam")
    assert frame["paths"].shape == (5, STEPS + 1, 2) and frame["losses"].shape == (5, STEPS + 1)
    for k, name in enumerate(OPTIMISERS):
        path = valley_walk(make_optimizer(name, 0.07, 0.6, 0.95))
        np.testing.assert_array_equal(frame["paths"][k], path)
        np.testing.assert_array_equal(frame["losses"][k], valley_loss(path))


def nesterov_limit(mu, curvature):
    return 2 * (1 + mu) / ((1 + 2 * mu) * curvature)


@pytest.mark.parametrize("mu", [0.3, 0.6, 0.9])
@pytest.mark.parametrize("name,limit", [("momentum", lambda mu, a: 2 * (1 + mu) / a), ("Nesterov", nesterov_limit)])
def test_stable_rates_of_momentum_and_nesterov(name, limit, mu):
    # Along the steep direction alone (theta_1 = 0): below the limit the walk shrinks, above it grows.
    edge = limit(mu, CURVATURES[1])
    below = valley_walk(make_optimizer(name, 0.97 * edge, mu), steps=400, start=(0.0, 1.0))
    above = valley_walk(make_optimizer(name, 1.03 * edge, mu), steps=400, start=(0.0, 1.0))
    assert abs(below[-1, 1]) < 1e-2 and abs(above[-1, 1]) > 1e2


def test_nesterovs_limit_is_lower_than_heavy_ball_momentums():
    for mu in (0.1, 0.5, 0.9):
        assert nesterov_limit(mu, 1.0) < 2 * (1 + mu)


def test_adams_first_step_is_the_learning_rate_in_every_coordinate_and_rmsprops_is_larger():
    frame = optimiser_valley().frame(lr=0.1, momentum=0.9, beta2=0.999)
    adam, rmsprop = OPTIMISERS.index("Adam"), OPTIMISERS.index("RMSProp")
    step = frame["paths"][adam, 1] - frame["paths"][adam, 0]
    np.testing.assert_allclose(step, [0.1, -0.1], rtol=1e-6)  # bias correction: m_hat / sqrt(v_hat) = sign(g)
    step = frame["paths"][rmsprop, 1] - frame["paths"][rmsprop, 0]
    np.testing.assert_allclose(step, [0.1 / math.sqrt(1 - 0.999), -0.1 / math.sqrt(1 - 0.999)], rtol=1e-6)


def test_adams_first_moment_without_correction_is_short_by_exactly_one_minus_beta1_to_the_t():
    # With a constant gradient, m_t = (1 - beta1^t) g: the bias that m / (1 - beta1^t) removes.
    from nnlib.model import Parameter

    adam, param = Adam(lr=1e-3), Parameter("w", np.zeros(3), np.array([0.5, -2.0, 3.0]))
    for t in range(1, 8):
        adam.step([param])
        np.testing.assert_allclose(adam.state["w"]["m"], (1 - 0.9**t) * param.grad, rtol=1e-12)
        np.testing.assert_allclose(adam.state["w"]["v"], (1 - 0.999**t) * param.grad**2, rtol=1e-12)


# ---- the digits -----------------------------------------------------------------------------
def test_schedules_start_and_end_where_the_chapter_says():
    steps, per_epoch = total_steps(), total_steps() // EPOCHS
    assert steps == EPOCHS * math.ceil(len(race_data()["X_train"]) / BATCH)
    assert make_schedule("constant", 0.1) is None
    step = make_schedule("step", 0.1)
    assert step(7 * per_epoch - 1) == pytest.approx(0.1) and step(7 * per_epoch) == pytest.approx(0.01)
    assert make_schedule("exponential", 0.1)(steps) == pytest.approx(0.001)
    assert make_schedule("cosine", 0.1)(steps) == 0.0
    warm = make_schedule("warm-up + cosine", 0.1)
    warmup = WARMUP_EPOCHS * per_epoch
    assert warm(0) == pytest.approx(0.1 / warmup) and warm(warmup - 1) == pytest.approx(0.1)
    assert warm(warmup) == pytest.approx(0.1) and warm(steps - 1) < 1e-3
    expected = LinearWarmup(CosineDecay(0.1, steps - warmup), warmup)
    assert [warm(t) for t in range(steps)] == [expected(t) for t in range(steps)]
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("cyclic", 0.1)


def test_a_digits_run_is_the_run_fit_makes():
    run = digits_run("Adam", 0.01, 0, "cosine", epochs=3)
    data = race_data()
    model = race_network(0)
    history = model.fit(data["X_train"], data["y_train"], loss=SoftmaxCrossEntropy(), optimizer=Adam(lr=0.01),
                        epochs=3, batch_size=BATCH, rng=0, validation_data=(data["X_val"], data["y_val"]),
                        metric="accuracy", progress=False, lr_schedule=make_schedule("cosine", 0.01, 3))
    np.testing.assert_array_equal(run["val_loss"], history.val_loss)
    np.testing.assert_array_equal(run["step_loss"], history.step_loss)
    np.testing.assert_array_equal(run["lr"], history.lr)
    assert run["test_loss"] == pytest.approx(SoftmaxCrossEntropy()(model.predict(data["X_test"]), data["y_test"]))
    assert not run["diverged"] and run["dead"].shape == (len(HIDDEN),)


def test_the_race_keeps_each_optimisers_best_rate_and_measures_it_on_fresh_starts():
    results = race()
    assert results["names"] == tuple(RACE_OPTIMISERS) and set(TUNING_SEEDS).isdisjoint(TEST_SEEDS)
    for k, name in enumerate(results["names"]):
        scores = [np.mean([final_val_loss(digits_run(name, lr, seed)) for seed in TUNING_SEEDS]) for lr in RATES]
        assert results["tuned"][k] == RATES[int(np.argmin(scores))]
        # The best rate lies inside the grid: the grid was wide enough for every optimiser.
        assert 0 < RATES.index(results["tuned"][k]) < len(RATES) - 1
        tests = [digits_run(name, float(results["tuned"][k]), seed)["test_loss"] for seed in TEST_SEEDS]
        np.testing.assert_array_equal(results["test_loss"][k], tests)
    # Momentum 0.9 takes steps up to ten times longer, so its best rate is a tenth of plain SGD's.
    names = list(results["names"])
    assert results["tuned"][names.index("momentum")] == pytest.approx(results["tuned"][names.index("SGD")] / 10)


def test_rate_above_steps_half_a_decade_up_the_grid():
    assert rate_above(0.01) == 0.0316 and rate_above(1.0) == 3.16
    with pytest.raises(ValueError):
        rate_above(RATES[-1])


def test_the_schedule_explorer_replays_the_runs():
    explorer = digits_schedules()
    results = race()
    k = list(results["names"]).index("RMSProp")
    lr = float(results["tuned"][k])
    for schedule in SCHEDULES:
        frame = explorer.frame(optimiser="RMSProp", schedule=schedule, rate="higher")
        run = digits_run("RMSProp", rate_above(lr), TUNING_SEEDS[0], schedule)
        assert frame["peak"] == rate_above(lr)
        np.testing.assert_allclose(frame["val"], run["val_loss"], rtol=1e-3)
        np.testing.assert_array_equal(frame["lr"], run["lr"].astype(np.float32))
        key = f"RMSProp|{schedule}|higher"
        assert explorer.data["finals"][key] == pytest.approx(run["val_loss"][-1], rel=1e-3)


def test_deep_network_and_unclipped_runs_record_norms_without_clipping():
    run = digits_run("SGD", 0.01, 0, hidden=DEEP, clip_norm=NEVER_CLIPPED, epochs=1)
    assert len(run["grad_norm"]) == len(run["lr"]) and max(run["grad_norm"]) < NEVER_CLIPPED
    plain = digits_run("SGD", 0.01, 0, hidden=DEEP, epochs=1)
    np.testing.assert_array_equal(run["step_loss"], plain["step_loss"])  # recording the norms changed nothing
    assert len(race_network(0, DEEP).layers) == 2 * len(DEEP) + 1
