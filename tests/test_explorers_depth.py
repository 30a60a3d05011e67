"""Chapter 5's explorers measure what they say: the same numbers as layer_statistics, one run each."""
import numpy as np
import pytest

from nnlib.diagnostics import layer_statistics
from nnlib.explorers import dead_relu, depth
from nnlib.activations import LeakyReLU
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


def test_spread_is_the_mean_over_units_of_each_units_spread_over_the_samples():
    outputs = np.array([[0.0, 1.0, 5.0], [2.0, 1.0, 5.0]])  # unit spreads 1, 0, 0
    assert depth.spread(outputs) == 1.0 / 3
    assert depth.spread(np.ones((7, 4))) == 0.0


def test_gradient_profile_spread_is_measured_on_the_hidden_outputs_of_the_network_it_names():
    X, _ = depth.probe_batch(0)
    outputs = depth.hidden_outputs(depth.init_net(5, "sigmoid", 1.0, seed=0), X)
    assert len(outputs) == 4 and all(a.shape == (64, 32) for a in outputs)
    np.testing.assert_array_equal(depth.gradient_profile(5, "sigmoid", 1.0, 0)["spread"], [depth.spread(a) for a in outputs])
    # the forward signal of a deep sigmoid network collapses; a ReLU network's with He's gain does not
    sigmoid, relu = depth.gradient_profile(10, "sigmoid")["spread"], depth.gradient_profile(10, "relu")["spread"]
    assert sigmoid[-1] < 1e-3 * sigmoid[0] and relu[-1] > 0.3 * relu[0]


def test_depth_explorer_frames_hold_one_norm_per_layer_and_one_share_per_hidden_layer():
    explorer = depth.depth_gradients()
    for d in (2, 9, 16):
        frame = explorer.frame(depth=d, act="relu", gain=1.0)
        assert len(frame["grad_norm"]) == d and len(frame["share"]) == d - 1 and len(frame["spread"]) == d - 1
        exact = depth.gradient_profile(d, "relu", 1.0, 0)["grad_norm"]
        np.testing.assert_allclose(frame["grad_norm"], exact, rtol=1e-3)  # rounded to 4 digits, no more


def test_train_deep_records_the_untrained_network_first_and_every_epoch_after():
    record = depth.train_deep("relu", depth.HE_GAIN, 0.1, depth=4, epochs=2)
    assert record["speed"].shape == (3, 4) and record["share"].shape == (3, 3) and record["loss"].shape == (3,)
    assert record["spread"].shape == (3, 3) and list(record["epochs"]) == [0, 1, 2]
    X, y = depth.moons_data()
    untrained = depth.moons_deep_net("relu", depth.HE_GAIN, depth=4, seed=0)
    stats = layer_statistics(untrained, X, y, SoftmaxCrossEntropy())
    np.testing.assert_array_equal(record["speed"][0], [s.grad_norm for s in stats])
    np.testing.assert_array_equal(record["spread"][0], [depth.spread(a) for a in depth.hidden_outputs(untrained, X)])
    assert record["loss"][0] == SoftmaxCrossEntropy().forward(untrained.forward(X), y)
    assert not np.array_equal(record["speed"][1], record["speed"][0])  # it trained
    sparse = depth.train_deep("relu", depth.HE_GAIN, 0.1, depth=4, epochs=3, record_at=(0, 3))
    assert list(sparse["epochs"]) == [0, 3] and sparse["speed"].shape == (2, 4)


def test_deep_runs_are_trained_once_from_every_seed_and_cannot_be_changed_by_a_reader():
    first = depth.deep_runs()
    assert depth.deep_runs() is first
    run = first["ReLU, He (g = 1.41)"]
    assert run["speed"].shape == (len(depth.DEEP_SEEDS), len(depth.RECORDED), 10)
    assert run["spread"].shape == run["share"].shape == (len(depth.DEEP_SEEDS), len(depth.RECORDED), 9)
    seed_1 = depth.train_deep("relu", depth.HE_GAIN, 0.1, seed=depth.DEEP_SEEDS[1], record_at=depth.RECORDED)
    np.testing.assert_array_equal(run["loss"][1], seed_1["loss"])
    with pytest.raises(ValueError):
        run["speed"][0, 0, 0] = 1.0


def test_deep_training_explorer_frame_is_the_stored_run_of_the_chosen_start():
    runs, explorer = depth.deep_runs(), depth.deep_training()
    label = "sigmoid, He (g = 1.41)"
    frame = explorer.frame(run=label, seed=2, epoch=depth.RECORDED[-1])
    np.testing.assert_allclose(frame["speed"], runs[label]["speed"][2, -1], rtol=1e-3)
    np.testing.assert_allclose(frame["spread"], runs[label]["spread"][2, -1], rtol=1e-3)
    assert frame["loss"] == runs[label]["loss"][2, -1]


@pytest.mark.parametrize("bias", [-1.0, 0.0])
def test_dead_shares_from_a_forward_pass_equal_layer_statistics(bias):
    X, y = depth.moons_data()
    for seed in range(3):
        model = dead_relu.moons_net("relu", bias=bias, seed=seed)
        stats = layer_statistics(model, X, y, SoftmaxCrossEntropy())
        np.testing.assert_array_equal(dead_relu.dead_shares(model), [s.dead for s in stats[:-1]])


def test_record_dead_units_starts_at_initialisation_and_reports_a_diverged_run_as_none(monkeypatch):
    dead, loss, cut_off = dead_relu.record_dead_units(0.1, -1.0, 0, epochs=2)
    assert dead.shape == (3, 3) and loss.shape == (3,) and cut_off.shape == (3,)
    np.testing.assert_array_equal(dead[0], dead_relu.dead_shares(dead_relu.moons_net("relu", bias=-1.0, seed=0)))
    assert np.all(cut_off >= dead[-1])  # a dead unit is always cut off from the gradient
    monkeypatch.setattr(dead_relu, "train_on_moons", lambda *args, **kwargs: None)
    assert dead_relu.record_dead_units(0.1, 0.0, 0, epochs=2) == (None, None, None)


def test_units_feeding_only_dead_units_are_cut_off_from_the_gradient():
    model = dead_relu.moons_net("relu", seed=0)
    assert np.all(dead_relu.cut_off_shares(model) < 0.5)
    model.layers[4].params["b"][:] = -100.0  # every unit of hidden layer 3 dead
    np.testing.assert_array_equal(dead_relu.dead_shares(model)[2], 1.0)
    np.testing.assert_array_equal(dead_relu.cut_off_shares(model), [1.0, 1.0, 1.0])  # no path back for anyone


def test_leaky_units_are_never_cut_off():
    off, _, cut_off = dead_relu.record_dead_units(0.1, -1.0, 0, epochs=2, act=LeakyReLU(0.01))
    assert np.all(cut_off == 0) and off[0].mean() > 0.2  # silent units, still reached by the gradient


def test_extremes_over_seeds_leave_out_runs_that_diverged():
    values = np.array([[[1.0, 3.0], [np.nan, 4.0], [np.nan, np.nan]]])  # (1, 3 settings, 2 seeds)
    low, high = dead_relu.extremes_over_seeds(values)
    np.testing.assert_array_equal(low, [[1.0, 4.0, np.nan]])
    np.testing.assert_array_equal(high, [[3.0, 4.0, np.nan]])


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
        np.testing.assert_allclose(frame["low"][layer], runs["dead"][i, j][finished].min(axis=0)[:, layer])
        np.testing.assert_allclose(frame["high"][layer], runs["dead"][i, j][finished].max(axis=0)[:, layer])
