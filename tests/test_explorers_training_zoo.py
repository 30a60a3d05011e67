"""The explorers of chapters 6 and 7 show what nnlib computes: closed forms, stored runs, models."""
import math

import numpy as np
import pytest

from nnlib.explorers.activations import (SNAPSHOTS, activation_training, network_on_grid, overflow_explorer,
                                         train_each_activation, train_side_by_side)
from nnlib.explorers.training import (LEARNING_RATES, hessian, largest_curvature, learning_rate_runs,
                                      learning_rate_sweep, small_network, valley_descent, verdicts, wavy_data)
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.losses import MSE
from nnlib.model import DIVERGENCE, TrainingDivergedError
from nnlib.optim import SGD


@pytest.mark.parametrize("lr", [0.02, 0.05, 0.09, 0.1])
def test_valley_without_momentum_follows_the_closed_form(lr):
    frame = valley_descent().frame(lr=lr, momentum=0.0)
    steps = np.arange(41)[:, None]
    expected = np.array([-4.0, 1.0]) * (1 - lr * np.array([1.0, 20.0])) ** steps
    np.testing.assert_allclose(frame["path"], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(frame["loss"], 0.5 * (expected[:, 0] ** 2 + 20 * expected[:, 1] ** 2), rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_valley_momentum_moves_the_limit_to_2_1_plus_mu_over_a(momentum):
    explorer = valley_descent(steps=100)
    limit = 2 * (1 + momentum) / 20.0
    below = explorer.compute(lr=0.95 * limit, momentum=momentum)["loss"]
    above = explorer.compute(lr=1.05 * limit, momentum=momentum)["loss"]
    assert below[-1] < 1e-3 * below[0]
    assert above[-1] > 1e3 * above[0]


def test_learning_rate_sweep_looks_up_the_stored_runs():
    runs, explorer = learning_rate_runs(), learning_rate_sweep()
    kinds = verdicts(runs)
    assert [run["lr"] for run in runs] == list(LEARNING_RATES)
    for run, kind in zip(runs, kinds):
        frame = explorer.frame(lr=run["lr"])
        np.testing.assert_array_equal(frame["step_loss"], run["step_loss"])
        assert frame["verdict"] == kind
        if run["final"] is None:
            assert kind == "divergent" and frame["reason"] in ("far above start", "rising", "non-finite")
            assert frame["step"] == frame["updates"] and frame["epoch"] == 1
            if frame["reason"] == "far above start":
                assert frame["ratio"] > DIVERGENCE["far_above_start"]
        else:
            assert frame["updates"] == 400 and frame["reason"] is None and frame["to_best"] >= 1.0


def test_hessian_of_a_linear_model_is_twice_the_mean_of_x_x_transpose():
    # For y_hat = w x + b and the MSE, the Hessian over (w, b) is 2 mean([[x^2, x], [x, 1]]) exactly.
    X, y = wavy_data(n=40)
    model = Sequential([Dense(1, 1, rng=0)])
    H = hessian(model, X, y)
    x = X.ravel()
    expected = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    np.testing.assert_allclose(H, expected, rtol=1e-6, atol=1e-8)
    assert largest_curvature(model, X, y) == pytest.approx(np.linalg.eigvalsh(expected)[-1], rel=1e-6)


def test_sweep_limits_are_two_over_the_largest_curvature_where_each_run_ended():
    runs = learning_rate_runs()
    X, y = wavy_data()
    finished = [run for run in runs if run["final"] is not None]
    for run in runs:
        assert (run["limit"] is None) == (run["final"] is None)
    run = finished[len(finished) // 2]
    model = small_network()
    model.fit(X, y, optimizer=SGD(lr=run["lr"]), epochs=40, batch_size=16, rng=1, progress=False)
    assert run["limit"] == pytest.approx(2 / largest_curvature(model, X, y), rel=1e-9)
    frame = learning_rate_sweep().frame(lr=run["lr"])
    assert frame["limit"] == run["limit"]
    # Runs with rates beyond the start's limit end where 2/kappa_max is close to their rate.
    start_limit = learning_rate_sweep().data["start_limit"]
    for run in finished:
        if run["lr"] > start_limit:
            assert abs(run["limit"] / run["lr"] - 1) < 0.1, run["lr"]


def test_verdicts_run_from_too_small_to_divergent():
    kinds = verdicts(learning_rate_runs())
    order = ["too small", "about right", "too large", "divergent"]
    ranks = [order.index(kind) for kind in kinds]
    assert ranks == sorted(ranks) and set(kinds) == set(order)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "leaky_relu", "gelu"])
def test_side_by_side_runs_are_the_runs_fit_makes(name):
    # Rates from gentle to diverging (Leaky ReLU diverges at 0.64), two starts, 30 epochs.
    seeds, rates, epochs = (0, 2), (0.02, 0.16, 0.64), 30
    runs = train_side_by_side(name, seeds, rates, epochs=epochs)
    X, y = wavy_data()
    for s, seed in enumerate(seeds):
        for r, lr in enumerate(rates):
            model = small_network(seed=seed, activation=name)
            curve = [MSE()(model.predict(X), y)]
            try:
                model.fit(X, y, optimizer=SGD(lr=lr), epochs=epochs, batch_size=16, rng=seed, progress=False,
                          callbacks=[lambda epoch, model, history: curve.append(MSE()(model.predict(X), y))])
            except TrainingDivergedError:
                assert runs["stopped"][s, r], (seed, lr)
                continue
            assert not runs["stopped"][s, r], (seed, lr)
            np.testing.assert_allclose(runs["curves"][s, r], curve, rtol=1e-9)
            flat = np.concatenate([p.value.ravel() for p in model.parameters()])
            np.testing.assert_allclose(runs["weights"][s, r, SNAPSHOTS.index(30)], flat, rtol=1e-9, atol=1e-12)
    assert runs["stopped"].any() == (name == "leaky_relu")  # the check above met a stopped run


def test_zoo_explorer_computes_the_trained_networks():
    runs, explorer = train_each_activation(), activation_training()
    x = explorer.data["x"]
    for name, run in runs.items():
        for seed_index, (seed, model) in enumerate(zip((0, 2, 4), run["models"])):
            _, y_hat, _ = network_on_grid(run["weights"][seed_index, -1], name, x)
            np.testing.assert_allclose(y_hat, model.predict(x[:, None]).ravel(), rtol=1e-10, atol=1e-12)
            frame = explorer.frame(act=name, seed=seed, epoch=SNAPSHOTS[-1])
            np.testing.assert_allclose(frame["y_hat"], y_hat)
            np.testing.assert_allclose(frame["units"].sum(axis=1) + run["weights"][seed_index, -1, -1], y_hat)
            assert frame["loss"] == run["curves"][seed_index, -1]


def test_zoo_snapshot_zero_is_the_untrained_network_with_every_corner_at_zero():
    frame = activation_training().frame(act="relu", seed=0, epoch=0)
    assert len(frame["kinks"]) == 16 and np.allclose(frame["kinks"], 0.0)  # biases start at 0


def test_zoo_records_the_loss_on_all_the_data():
    X, y = wavy_data()
    run = train_each_activation()["tanh"]
    model = run["models"][0]
    assert math.isclose(run["curves"][0, -1], float(np.mean((model.predict(X) - y) ** 2)), rel_tol=1e-12)


@pytest.mark.parametrize("dtype,z_max", [("float64", 1000), ("float32", 90), ("float32", 1000)])
def test_overflow_explorer_flags_exactly_the_overflowing_inputs(dtype, z_max):
    explorer = overflow_explorer()
    z = (z_max * np.linspace(-1, 1, 2001)).astype(dtype)
    edge = math.log(np.finfo(dtype).max)
    derivative = explorer.frame(function="sigmoid_grad", dtype=dtype, z_max=z_max)
    np.testing.assert_array_equal(derivative["flags"] == 1, z < -edge)  # inf / inf = nan
    # Its square (1 + e^-z)^2 overflows at half the exponent, where it silently returns 0.
    assert derivative["overflowed"] == np.count_nonzero(z < -edge / 2)
    np.testing.assert_array_equal(derivative["naive"][(z < -edge / 2) & (z >= -edge)], 0.0)
    softplus = explorer.frame(function="softplus", dtype=dtype, z_max=z_max)
    np.testing.assert_array_equal(softplus["flags"] == 2, z > edge)
    sigmoid = explorer.frame(function="sigmoid", dtype=dtype, z_max=z_max)
    assert sigmoid["nan"] == sigmoid["inf"] == 0 and sigmoid["overflowed"] == np.count_nonzero(z < -edge)
    for frame in (derivative, softplus, sigmoid):
        assert np.isfinite(frame["stable"]).all() and np.isfinite(frame["naive"]).all()
