"""The health monitor: what it measures, that it measures the real step of any optimiser, and
that it names the fault of runs whose fault is known."""
import functools
import io

import numpy as np
import pytest

import nnlib
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.data import load_digits, train_test_split
from nnlib.diagnostics import layer_statistics
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.model import Sequential
from nnlib.monitor import CAUSES, LIMITS, Monitor, plot_monitor, sanity_checks
from nnlib.optim import SGD, Adam
from nnlib.plotting import MIN_TEXT_PX, smallest_text_px


@functools.lru_cache(maxsize=1)
def digits():
    """600 training and 300 validation digits, stratified; pixels 0..16."""
    X, y = load_digits()
    X_rest, X_val, y_rest, y_val = train_test_split(X, y, test_fraction=300 / 1797, rng=0, stratify=True)
    return X_rest[:600], y_rest[:600], X_val, y_val


def network(act="relu", std=None, bias=0.0, seed=0, dtype=np.float64):
    """64 -> 64 -> 32 -> 10; He initialisation, or normal weights of standard deviation ``std``."""
    rng = np.random.default_rng(seed)
    init = "he_normal" if std is None else functools.partial(nnlib.init.normal, std=std)
    return Sequential([Dense(64, 64, init=init, bias=bias, rng=rng, dtype=dtype), Activation(act),
                       Dense(64, 32, init=init, bias=bias, rng=rng, dtype=dtype), Activation(act),
                       Dense(32, 10, init=init, rng=rng, dtype=dtype)])


def small_conv_net(seed=0):
    return Sequential([Reshape((1, 8, 8)), Conv2D(1, 4, 3, padding=1, rng=seed), Activation("relu"), MaxPool2D(2),
                       Flatten(), Dense(64, 10, rng=seed + 1)])


# ---- the measured step ------------------------------------------------------------------------
@pytest.mark.parametrize("make_optimizer", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=1e-3)],
                         ids=["sgd-momentum", "adam"])
def test_a_watched_optimiser_takes_exactly_the_steps_of_the_one_it_wraps(make_optimizer):
    X, y, _, _ = digits()
    plain, watched = network(), network()
    plain.fit(X / 16, y, loss=SoftmaxCrossEntropy(), optimizer=make_optimizer(), epochs=2, batch_size=32, rng=0,
              progress=False)
    monitor = Monitor(X[:64] / 16, y[:64], SoftmaxCrossEntropy())
    monitor.fit(watched, X / 16, y, optimizer=make_optimizer(), epochs=2, batch_size=32, rng=0, progress=False)
    for a, b in zip(plain.parameters(), watched.parameters()):
        assert np.array_equal(a.value, b.value), a.name
    assert monitor.step_ratios.shape == (2 * 19, 3)   # 600 samples in batches of 32: 19 steps an epoch


def test_for_plain_sgd_the_measured_ratio_is_lr_times_gradient_over_weights(rng):
    model = network()
    X, y, _, _ = digits()
    monitor = Monitor(X[:32] / 16, y[:32], SoftmaxCrossEntropy())
    monitor(0, model, None)
    before = [layer.params["W"].copy() for layer in model.layers if isinstance(layer, Dense)]
    model.forward(X[:32] / 16)
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(X[:32] / 16), y[:32])
    model.backward(loss.backward())
    grads = [layer.grads["W"].copy() for layer in model.layers if isinstance(layer, Dense)]
    monitor.watch(SGD(lr=0.05)).step(model.parameters())
    (step,) = monitor._steps
    for k, (W, g) in enumerate(zip(before, grads)):
        expected = 0.05 * np.linalg.norm(g) / np.linalg.norm(W)
        ratio, sgd_ratio = step[2 * k]
        assert ratio == pytest.approx(expected, rel=1e-10)
        assert sgd_ratio == pytest.approx(expected, rel=1e-12)


def test_for_adam_the_ratio_is_the_real_change_and_not_the_sgd_formula():
    model = network()
    X, y, _, _ = digits()
    monitor = Monitor(X[:32] / 16, y[:32], SoftmaxCrossEntropy())
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(X[:32] / 16), y[:32])
    model.backward(loss.backward())
    before = model.layers[0].params["W"].copy()
    gradient = model.layers[0].grads["W"].copy()
    monitor.watch(Adam(lr=1e-3)).step(model.parameters())
    after = model.layers[0].params["W"]
    ratio, sgd_ratio = monitor._steps[0][0]
    assert ratio == pytest.approx(np.linalg.norm(after - before) / np.linalg.norm(before), rel=1e-10)
    # Adam's first step moves every weight with a gradient by lr (its sign), whatever the gradient's size.
    moving = np.abs(gradient) > 1e-6
    assert np.allclose(np.abs(after - before)[moving], 1e-3, rtol=1e-2)
    assert ratio > 10 * sgd_ratio


# ---- what is recorded ---------------------------------------------------------------------------
def test_records_every_epoch_for_dense_and_conv_layers_as_layer_statistics_measures_them():
    X, y, X_val, y_val = digits()
    model = small_conv_net()
    model.layers[1].params["W"][0] = -1.0        # filter 1: negative weights and a large negative bias,
    model.layers[1].params["b"][0] = -100.0      # so it outputs 0 everywhere: a dead filter
    monitor = Monitor(X[:128] / 16, y[:128], SoftmaxCrossEntropy(), bins=12)
    monitor.fit(model, X / 16, y, optimizer=SGD(lr=0.05), epochs=2, batch_size=64, rng=0,
                validation_data=(X_val / 16, y_val), metric="accuracy", progress=False)
    assert monitor.epochs == [0, 1, 2]
    assert [entry["kind"] for entry in monitor.layers] == ["Conv2D", "Dense"]
    assert monitor.series("dead").shape == (3, 2) and monitor.series("dead")[-1, 0] >= 0.25   # at least 1 of 4
    stats = layer_statistics(model, X[:128] / 16, y[:128], SoftmaxCrossEntropy())
    for name in ("act_mean", "act_std", "dead", "grad_norm", "weight_norm"):
        assert np.allclose(monitor.series(name)[-1], [getattr(s, name) for s in stats], equal_nan=True), name
    assert monitor.histograms.shape == (3, 2, 12) and monitor.edges.shape == (3, 2, 13)
    assert np.allclose(monitor.histograms.sum(axis=2), 1.0)
    assert np.isnan(monitor.series("update_ratio")[0]).all()                  # no step before epoch 0
    assert np.isfinite(monitor.series("update_ratio")[1:]).all()
    assert np.isnan(monitor.val_metric[0]) and np.isfinite(monitor.val_metric[1:]).all()
    start = small_conv_net()
    start.layers[1].params["W"][0], start.layers[1].params["b"][0] = -1.0, -100.0
    assert monitor.probe_loss[0] == pytest.approx(SoftmaxCrossEntropy()(start.predict(X[:128] / 16), y[:128]))


def test_the_spread_across_inputs_sees_units_that_no_longer_differ_between_inputs():
    # Layer 1: tiny weights and biases of very different sizes. Every sigmoid unit then sits at a value
    # of its own, practically the same for every input: the standard deviation of all activations is
    # large (it compares units with each other), the spread across inputs is almost 0.
    X, y, _, _ = digits()
    model = network(act="sigmoid")
    model.layers[0].params["W"] *= 1e-6
    model.layers[0].params["b"][...] = np.linspace(-4, 4, 64)
    monitor = Monitor(X[:128] / 16, y[:128], SoftmaxCrossEntropy())
    monitor(0, model, None)
    activations, _ = nnlib.diagnostics.measured_activations(model, X[:128] / 16)
    expected = [a.std(axis=0).mean() for a in activations]
    assert np.allclose(monitor.series("spread")[0], expected, rtol=1e-12)
    act_std, spread = monitor.series("act_std")[0, 0], monitor.series("spread")[0, 0]
    assert act_std > 0.3 and spread < 1e-5
    assert "spread" in monitor.summary()
    # The diagnosis names the fading signal even though the gradient still reaches layer 1.
    (finding,) = [f for f in monitor.diagnose() if f.cause == "vanishing gradient"]
    assert "outputs differ between inputs" in finding.evidence and "gradient norm" not in finding.evidence


def test_the_spread_of_a_conv_layer_runs_over_every_filter_and_position():
    X, y, _, _ = digits()
    model = small_conv_net()
    monitor = Monitor(X[:64] / 16, y[:64], SoftmaxCrossEntropy())
    monitor(0, model, None)
    maps = np.maximum(model.layers[1].forward(model.layers[0].forward(X[:64] / 16)), 0)   # (64, 4, 8, 8)
    assert monitor.series("spread")[0, 0] == pytest.approx(maps.std(axis=0).mean(), rel=1e-12)


def test_monitoring_a_batch_norm_network_changes_nothing_and_measures_after_the_relu():
    from nnlib.normalization import BatchNorm

    def make():
        return Sequential([Dense(64, 32, rng=0), BatchNorm(32), Activation("relu"), Dense(32, 10, rng=1)])

    X, y, X_val, y_val = digits()
    plain, watched = make(), make()
    arguments = dict(epochs=3, batch_size=50, rng=0, validation_data=(X_val / 16, y_val), progress=False)
    plain.fit(X / 16, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=0.1), **arguments)
    monitor = Monitor(X[:100] / 16, y[:100], SoftmaxCrossEntropy())
    monitor.fit(watched, X / 16, y, optimizer=SGD(lr=0.1), **arguments)
    for name in ("running_mean", "running_var"):        # measuring ran no training step of BatchNorm
        assert np.array_equal(plain.layers[1].buffers[name], watched.layers[1].buffers[name]), name
    for a, b in zip(plain.parameters(), watched.parameters()):
        assert np.array_equal(a.value, b.value), a.name
    # The histogram is that of the ReLU's output, which follows BatchNorm: no negative values.
    assert monitor.edges[-1, 0, 0] == 0.0
    activations, _ = nnlib.diagnostics.measured_activations(watched, X[:100] / 16)
    assert monitor.series("spread")[-1, 0] == pytest.approx(activations[0].std(axis=0).mean())


def test_the_epoch_average_of_the_steps_goes_to_the_record_of_that_epoch():
    X, y, _, _ = digits()
    monitor = Monitor(X[:64] / 16, y[:64], SoftmaxCrossEntropy())
    monitor.fit(network(), X / 16, y, optimizer=Adam(lr=1e-3), epochs=3, batch_size=100, rng=0, progress=False)
    steps = monitor.step_ratios                     # 6 steps an epoch
    for epoch in (1, 2, 3):
        assert np.allclose(monitor.series("update_ratio")[epoch], steps[6 * (epoch - 1):6 * epoch].mean(axis=0))


# ---- diagnosing runs with a known fault -------------------------------------------------------
FAULTS = {
    # name: (network arguments, optimiser, input scale, labels shuffled, the cause the monitor must name)
    "healthy": (dict(), lambda: Adam(lr=1e-3), 16, False, None),
    "learning rate too low": (dict(), lambda: Adam(lr=1e-5), 16, False, "learning rate too low"),
    "shuffled labels": (dict(), lambda: Adam(lr=1e-3), 16, True, "labels do not match the inputs"),
    "unscaled inputs": (dict(), lambda: Adam(lr=1e-3), 1, False, "unscaled inputs"),
    "saturated sigmoids": (dict(act="sigmoid", std=2.0), lambda: Adam(lr=1e-3), 16, False, "saturated units"),
    "dead ReLUs (negative biases)": (dict(bias=-1.5), lambda: Adam(lr=1e-3), 16, False, "dead ReLUs"),
    "dead ReLUs (rate too high)": (dict(), lambda: SGD(lr=1.0), 16, False, "dead ReLUs"),
    "vanishing gradient": (dict(act="sigmoid", std=0.01), lambda: SGD(lr=0.1), 16, False, "vanishing gradient"),
}


@functools.lru_cache(maxsize=None)
def monitored(fault):
    arguments, make_optimizer, scale, shuffled, _ = FAULTS[fault]
    X, y, X_val, y_val = digits()
    if shuffled:
        y = np.random.default_rng(1).permutation(y)
    monitor = Monitor(X[:200] / scale, y[:200], SoftmaxCrossEntropy())
    monitor.fit(network(**arguments), X / scale, y, optimizer=make_optimizer(), epochs=10, batch_size=32, rng=0,
                validation_data=(X_val / scale, y_val), metric="accuracy", progress=False)
    return monitor


@pytest.mark.parametrize("fault", FAULTS)
def test_the_monitor_names_the_known_fault_of_a_run(fault):
    monitor = monitored(fault)
    expected = FAULTS[fault][-1]
    assert monitor.verdict() == expected, [str(f) for f in monitor.diagnose()]
    assert all(f.cause in CAUSES for f in monitor.diagnose())


def test_a_run_whose_relus_all_die_outputs_a_constant_and_the_finding_says_so():
    monitor = monitored("dead ReLUs (negative biases)")
    (finding,) = [f for f in monitor.diagnose() if f.cause == "dead ReLUs"]
    assert "same output" in finding.evidence and finding.epoch == 0
    assert max(monitor.val_metric[1:]) < 0.15


def test_the_diagnosis_up_to_an_epoch_reads_only_the_records_until_then():
    monitor = monitored("dead ReLUs (rate too high)")
    assert monitor.diagnose(until=0) == []                       # healthy before the first step
    causes = [f.cause for f in monitor.diagnose(until=1)]
    assert "learning rate too high" in causes
    assert monitor.diagnose(until=10) == monitor.diagnose()


def test_limits_separate_the_healthy_run_from_the_faulty_ones_with_room_to_spare():
    healthy = monitored("healthy").series("update_ratio")[1, :2]
    assert LIMITS["ratio_low"] * 3 < healthy.min() and healthy.max() * 3 < LIMITS["ratio_high"]
    low = monitored("learning rate too low").series("update_ratio")[1, :2]
    assert low.max() * 2 < LIMITS["ratio_low"]


# ---- sanity checks ------------------------------------------------------------------------------
def checks(fault):
    arguments, make_optimizer, scale, shuffled, _ = FAULTS[fault]
    X, y, X_val, y_val = digits()
    if shuffled:
        y = np.random.default_rng(1).permutation(y)
    return sanity_checks(lambda: network(**arguments), X / scale, y, SoftmaxCrossEntropy(), make_optimizer,
                         validation_data=(X_val / scale, y_val))


def test_sanity_checks_pass_on_a_healthy_recipe():
    report = checks("healthy")
    assert report.passed
    assert report.reference_loss == pytest.approx(np.log(10))
    assert abs(report.init_loss - np.log(10)) < 0.5
    assert "FAILED" not in str(report)


@pytest.mark.parametrize("fault,failing", [("learning rate too low", "overfit_ok"),
                                           ("shuffled labels", "baseline_ok"),
                                           ("unscaled inputs", "init_ok"),
                                           ("dead ReLUs (negative biases)", "overfit_ok")])
def test_each_sanity_check_catches_the_fault_it_is_for(fault, failing):
    report = checks(fault)
    assert not getattr(report, failing), str(report)
    assert not report.passed and "FAILED" in str(report)


def test_shuffled_labels_still_overfit_one_batch():
    assert checks("shuffled labels").overfit_ok   # memorising 16 samples needs no real labels


# ---- the figure and the errors ----------------------------------------------------------------
def test_the_figure_is_legible_on_a_phone():
    import matplotlib.pyplot as plt

    nnlib.plotting.use_book_style()
    fig = plot_monitor(monitored("dead ReLUs (rate too high)"))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")   # as a notebook shows it
    plt.close(fig)
    assert smallest_text_px(buffer.getvalue()) >= MIN_TEXT_PX


def test_bad_input_gets_a_clear_error():
    X, y, _, _ = digits()
    with pytest.raises(ValueError, match="X_probe and y_probe must have the same number of samples"):
        Monitor(X[:10], y[:9], SoftmaxCrossEntropy())
    monitor = Monitor(X[:10] / 16, y[:10], SoftmaxCrossEntropy())
    with pytest.raises(TypeError, match="nnlib optimiser"):
        monitor.watch("adam")
    with pytest.raises(RuntimeError, match="no records yet"):
        monitor.diagnose()
    monitor(0, network(), None)
    with pytest.raises(ValueError, match="unknown statistic 'gradient'.*grad_norm"):
        monitor.series("gradient")
    with pytest.raises(ValueError, match="another model"):
        monitor(1, small_conv_net(), None)
    with pytest.raises(TypeError, match="Sequential model"):
        monitor(1, "model", None)


def test_the_monitor_is_importable_from_nnlib_diagnostics_too():
    import nnlib.diagnostics
    import nnlib.monitor

    for name in ("Monitor", "sanity_checks", "plot_monitor", "SanityReport", "Finding", "WatchedOptimizer",
                 "CAUSES", "LIMITS"):
        assert getattr(nnlib.diagnostics, name) is getattr(nnlib.monitor, name), name


# ---- two classes: chance is 50%, so "twice chance" would be 100% -------------------------------
def two_class_run(shuffled):
    """Digits 0 against 1 with two softmax outputs; labels shuffled or true."""
    X, y, X_val, y_val = digits()
    keep, keep_val = y < 2, y_val < 2
    X, y, X_val, y_val = X[keep] / 16, y[keep], X_val[keep_val] / 16, y_val[keep_val]
    if shuffled:
        y = np.random.default_rng(1).permutation(y)
    model = Sequential([Dense(64, 16, init="he_normal", rng=0), Activation("relu"), Dense(16, 2, rng=1)])
    monitor = Monitor(X[:64], y[:64], SoftmaxCrossEntropy())
    monitor.fit(model, X, y, optimizer=Adam(lr=1e-3), epochs=10, batch_size=16, rng=0,
                validation_data=(X_val, y_val), metric="accuracy", progress=False)
    return monitor


def test_a_healthy_two_class_run_that_falls_short_of_100_percent_is_not_told_its_labels_are_wrong():
    monitor = two_class_run(shuffled=False)
    assert 0.9 < max(monitor.val_metric[1:]) < 1.0             # learns, but not every image
    assert "labels do not match the inputs" not in [f.cause for f in monitor.diagnose()]


def test_a_two_class_run_on_shuffled_labels_is_told_its_labels_do_not_match():
    monitor = two_class_run(shuffled=True)
    assert max(monitor.val_metric[1:]) < 0.556
    assert "labels do not match the inputs" in [f.cause for f in monitor.diagnose()]
