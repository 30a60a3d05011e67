"""Chapter 5's explorers measure what they say: the same numbers as layer_statistics, one run each."""
import numpy as np
import pytest

from nnlib.diagnostics import layer_statistics
from nnlib.explorers import dead_relu, depth
from nnlib.losses import MSE, SoftmaxCrossEntropy


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_gradient_profile_is_layer_statistics_of_the_network_it_names(act):
    X, y = depth.probe_batch(0)
    stats = layer_statistics(depth.init_net(6, act, 2.0, seed=0), X, y, MSE())
    profile = depth.gradient_profile(6, act, 2.0, 0)
    np.testing.assert_array_equal(profile["grad_norm"], [s.grad_norm for s in stats])
    field = "dead" if act == "relu" else "saturated"
    np.testing.assert_array_equal(profile["share"], [getattr(s, field) for s in stats[:-1]])


def test_gain_sets_the_spread_of_the_weights():
    init = depth.gain_init(4.0)
    W = init(400, 300, rng=np.random.default_rng(0))
    assert W.shape == (400, 300)
    assert abs(W.std() * np.sqrt(400) - 4.0) < 0.05
    assert depth.GAINS[0] == 0.5 and depth.GAINS[-1] == 16.0 and depth.HE_GAIN == np.sqrt(2)
    assert {1.0, 2.0, 4.0, 8.0} <= set(depth.GAINS)  # the values the chapter names


def test_depth_explorer_frames_hold_one_norm_per_layer_and_one_share_per_hidden_layer():
    explorer = depth.depth_gradients()
    for d in (2, 9, 16):
        frame = explorer.frame(depth=d, act="relu", gain=1.0)
        assert len(frame["grad_norm"]) == d and len(frame["share"]) == d - 1
        exact = depth.gradient_profile(d, "relu", 1.0, 0)["grad_norm"]
        np.testing.assert_allclose(frame["grad_norm"], exact, rtol=1e-3)  # rounded to 4 digits, no more


def test_train_deep_records_the_untrained_network_first_and_every_epoch_after():
    record = depth.train_deep("relu", depth.HE_GAIN, 0.1, depth=4, epochs=2)
    assert record["speed"].shape == (3, 4) and record["share"].shape == (3, 3) and record["loss"].shape == (3,)
    X, y = depth.moons_data()
    untrained = depth.moons_deep_net("relu", depth.HE_GAIN, depth=4, seed=0)
    stats = layer_statistics(untrained, X, y, SoftmaxCrossEntropy())
    np.testing.assert_array_equal(record["speed"][0], [s.grad_norm for s in stats])
    assert record["loss"][0] == SoftmaxCrossEntropy().forward(untrained.forward(X), y)
    assert not np.array_equal(record["speed"][1], record["speed"][0])  # it trained


def test_deep_runs_are_trained_once_and_cannot_be_changed_by_a_reader():
    first = depth.deep_runs()
    assert depth.deep_runs(60) is first and depth.deep_runs(epochs=60) is first
    with pytest.raises(ValueError):
        first["ReLU, He (g = 1.41)"]["speed"][0, 0] = 1.0


@pytest.mark.parametrize("bias", [-1.0, 0.0])
def test_dead_shares_from_a_forward_pass_equal_layer_statistics(bias):
    X, y = depth.moons_data()
    for seed in range(3):
        model = dead_relu.moons_net("relu", bias=bias, seed=seed)
        stats = layer_statistics(model, X, y, SoftmaxCrossEntropy())
        np.testing.assert_array_equal(dead_relu.dead_shares(model), [s.dead for s in stats[:-1]])


def test_record_dead_units_starts_at_initialisation_and_reports_a_diverged_run_as_none(monkeypatch):
    dead, loss = dead_relu.record_dead_units(0.1, -1.0, 0, epochs=2)
    assert dead.shape == (3, 3) and loss.shape == (3,)
    np.testing.assert_array_equal(dead[0], dead_relu.dead_shares(dead_relu.moons_net("relu", bias=-1.0, seed=0)))
    monkeypatch.setattr(dead_relu, "train_on_moons", lambda *args, **kwargs: None)
    assert dead_relu.record_dead_units(0.1, 0.0, 0, epochs=2) == (None, None)


def test_mean_over_seeds_leaves_out_runs_that_diverged():
    values = np.array([[[1.0, 3.0], [np.nan, 4.0], [np.nan, np.nan]]])  # (1, 3 settings, 2 seeds)
    np.testing.assert_array_equal(dead_relu.mean_over_seeds(values), [[2.0, 4.0, np.nan]])


def test_dead_explorer_frame_is_the_seed_mean_of_the_runs():
    runs = dead_relu.dead_unit_runs()
    frame = dead_relu.dead_units_over_epochs().frame(lr=1.0, bias=0.5)
    i, j = dead_relu.LEARNING_RATES.index(1.0), dead_relu.BIASES.index(0.5)
    finished = np.isfinite(runs["loss"][i, j, :, -1])
    assert frame["finished"] == finished.sum() >= 1
    expected = runs["dead"][i, j][finished].mean(axis=0)  # (epochs + 1, 3)
    for layer in range(3):
        np.testing.assert_allclose(frame["dead"][layer], expected[:, layer])
