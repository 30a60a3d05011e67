"""Chapter 8's explorers: the deep-stack signal, the input-scaling bowl and the penalty experiment."""
import numpy as np
import pytest

import nnlib
from nnlib.explorers import init_histograms, input_scaling_bowl
from nnlib.explorers.initialisation import signal_through_stack
from nnlib.explorers.input_scaling import bowl_data, inverse_square_root, preprocess, raw_features
from nnlib.explorers.regularisation import STRENGTHS, penalty_experiment
from nnlib.gradcheck import numerical_grad, rel_error


# ---- the deep stack ------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_stack_backward_pass_is_the_gradient(act):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 4))
    weights = [rng.standard_normal((4, 4)) * 0.7 for _ in range(3)]
    _, deltas, pre = signal_through_stack(X, dout, weights, act)

    # L = sum(dout * a_L) as a function of the first layer's weights: dL/dW1 = X^T delta_1.
    def loss():
        activations, _, _ = signal_through_stack(X, dout, weights, act)
        return float(np.sum(dout * activations[-1]))

    if act == "relu":  # no kink within reach of the step h (exact zeros come from all-zero rows and stay 0)
        z = np.abs(np.concatenate([z.ravel() for z in pre]))
        assert z[z > 0].min() > 1e-4
    assert rel_error(numerical_grad(loss, weights[0]), X.T @ deltas[0]) < 1e-6


def test_stack_signal_sizes_follow_the_variance_argument():
    explorer = init_histograms()
    he, xavier = explorer.frame(init="he_normal", act="relu"), explorer.frame(init="xavier_normal", act="relu")
    # He keeps a ReLU stack's signal within a factor of 2 over ten layers; Xavier loses about sqrt(2) per layer.
    assert 0.5 < he["spread"][-1] / he["spread"][0] < 2
    factor = (xavier["spread"][-1] / xavier["spread"][0]) ** (1 / 9)
    assert abs(factor - 1 / np.sqrt(2)) < 0.1
    zeros = explorer.frame(init="zeros", act="tanh")
    assert np.all(zeros["spread"] == 0) and np.all(zeros["grad_spread"][:-1] == 0)  # only the top layer has one
    # The sigmoid with Xavier weights: the gradient shrinks by about four per layer.
    sigmoid = explorer.frame(init="xavier_normal", act="sigmoid")
    assert 0.15 < (sigmoid["grad_spread"][0] / sigmoid["grad_spread"][-1]) ** (1 / 9) < 0.35


def test_tanh_keeps_its_signal_with_a_gain_above_one_and_loses_it_slowly_at_xavier_gain():
    explorer = init_histograms()
    frames = {init: explorer.frame(init=init, act="tanh") for init in ("xavier_normal", "he_normal",
                                                                       "xavier_normal_gain_5/3")}
    # Xavier (gain 1): the forward spread falls about threefold over ten layers, and so does the gradient going back.
    xavier = frames["xavier_normal"]
    assert 2.5 < xavier["spread"][0] / xavier["spread"][-1] < 3.5
    assert 2.5 < xavier["grad_spread"][-1] / xavier["grad_spread"][0] < 4
    # He's gain sqrt(2) and the gain 5/3 keep the forward spread within a factor of 1.3 ...
    for init in ("he_normal", "xavier_normal_gain_5/3"):
        assert frames[init]["spread"][0] / frames[init]["spread"][-1] < 1.3
    # ... and 5/3 is Xavier's weights times 5/3, with few saturated units beyond layer 1.
    assert np.all(frames["xavier_normal_gain_5/3"]["share"][1:] < 0.05)


def test_all_zero_weights_give_every_sigmoid_unit_one_half():
    frame = init_histograms().frame(init="zeros", act="sigmoid")
    assert np.all(frame["spread"] == 0) and frame["act_mean"] == 0.5


# ---- the input-scaling bowl ------------------------------------------------------------------
def test_inverse_square_root_of_a_symmetric_matrix():
    rng = np.random.default_rng(1)
    for _ in range(20):
        B = rng.standard_normal((2, 2))
        C = B @ B.T + 0.1 * np.eye(2)
        r11, r12, r22 = inverse_square_root(C[0, 0], C[0, 1], C[1, 1])
        R = np.array([[r11, r12], [r12, r22]])
        assert np.allclose(R @ C @ R, np.eye(2))
        assert np.all(np.linalg.eigvalsh(R) > 0)


def test_bowl_data_are_centred_and_white_and_preprocessing_does_what_it_says():
    Z, noise = bowl_data()
    assert np.allclose(Z.mean(axis=0), 0) and np.allclose(Z.T @ Z / len(Z), np.eye(2))
    X, y = raw_features(Z, noise, s=10.0, m=2.0, rho=0.6)
    assert np.allclose(X.mean(axis=0), [20.0, 2.0]) and np.allclose(X.std(axis=0), [10.0, 1.0])
    assert np.isclose(np.corrcoef(X.T)[0, 1], 0.6)
    U = preprocess(X, "whiten")
    assert np.allclose(U.mean(axis=0), 0) and np.allclose(U.T @ U / len(U), np.eye(2))
    U = preprocess(X, "minmax")
    assert np.allclose(U.min(axis=0), 0) and np.allclose(U.max(axis=0), 1)


@pytest.mark.parametrize("values, cond", [
    (dict(s=10.0, m=0.0, rho=0.0, inputs="raw"), 100.0),                 # scale s: cond = s^2
    (dict(s=1.0, m=2.0, rho=0.0, inputs="raw"), 1 + 2 * 2.0**2),         # shared mean m: 1 + 2 m^2
    (dict(s=1.0, m=0.0, rho=0.8, inputs="standardise"), 1.8 / 0.2),      # correlation survives standardising
    (dict(s=100.0, m=3.0, rho=0.0, inputs="standardise"), 1.0),
    (dict(s=100.0, m=3.0, rho=0.9, inputs="whiten"), 1.0),
])
def test_condition_numbers_match_the_algebra(values, cond):
    assert np.isclose(input_scaling_bowl().frame(**values)["cond"], cond, rtol=1e-6)


def test_contours_are_level_sets_and_paths_head_for_the_minimum():
    bowl = input_scaling_bowl()
    frame = bowl.frame(s=3.16, m=1.0, rho=0.5, inputs="raw")
    Z, noise = bowl_data()
    X, _ = raw_features(Z, noise, 3.16, 1.0, 0.5)
    A = 2 / len(X) * X.T @ X
    excess = lambda w: 0.5 * (w - frame["w_best"]) @ A @ (w - frame["w_best"])  # noqa: E731
    start = frame["path_gd"][0]
    for level, ellipse in zip((1.0, 0.4, 0.15, 0.05, 0.015, 0.004), frame["ellipses"]):
        assert np.allclose([excess(w) for w in ellipse], level * excess(start))
    assert frame["dist_gd"][0] == 1 and frame["dist_gd"][-1] < 1e-3 and frame["dist_adam"][-1] < 0.1
    # On a round bowl the best fixed learning rate lands on the minimum in one step.
    round_bowl = bowl.frame(s=1.0, m=0.0, rho=0.0, inputs="standardise")
    assert round_bowl["steps_gd"] == 1


# ---- the penalty experiment ------------------------------------------------------------------
def test_penalty_experiment_shares_the_unregularised_run_and_penalties_shrink_weights():
    results = penalty_experiment(seeds=2, epochs=40, settle=5, grid=12)
    assert penalty_experiment(seeds=2, epochs=40, settle=5, grid=12) is results  # cached
    for field in ("test_error", "sparsity", "weight_norm"):
        assert np.array_equal(results[field]["L1"][:, 0], results[field]["L2"][:, 0])
        assert results[field]["L2"].shape == (2, len(STRENGTHS))
    for name in ("L1", "L2"):
        assert np.all(results["weight_norm"][name][:, -1] < results["weight_norm"][name][:, 0])
    assert results["boundary"]["L2", 0.01].shape == (12, 12)
    assert results["counts"]["L1", 0.1].sum() == 2 * 32 + 32 * 32 + 32
    # The strength is chosen on a validation set of its own, drawn apart from the test set.
    model = results["models"]["L2", 0.01]
    X_val, labels_val = nnlib.data.moons(1000, noise=0.3, rng=98)
    X_train_raw, _ = nnlib.data.moons(30, noise=0.3, rng=1)
    _, mean, std = nnlib.data.standardize(X_train_raw)
    on_val = np.mean((model.predict(nnlib.data.standardize(X_val, mean, std)[0]) > 0).ravel() == labels_val)
    assert results["val_error"]["L2"][0, STRENGTHS.index(0.01)] == pytest.approx(1 - on_val)
