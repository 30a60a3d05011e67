"""Chapter 12's experiments and explorers measure what they say they measure."""
import numpy as np
import pytest

from nnlib.diagnostics import layer_statistics, measured_activations
from nnlib.explorers import normalisation as norm
from nnlib.layers import Activation, Dense
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.model import TrainingDivergedError
from nnlib.normalization import BatchNorm, LayerNorm
from nnlib.optim import SGD


def test_the_same_seed_gives_the_same_weights_with_and_without_normalisation():
    nets = {name: norm.deep_net("relu", name, gain=0.5, seed=3) for name in norm.NORMS}
    weights = {name: [layer.params["W"] for layer in net.layers if isinstance(layer, Dense)]
               for name, net in nets.items()}
    for name in ("BatchNorm", "LayerNorm"):
        assert all(np.array_equal(a, b) for a, b in zip(weights["none"], weights[name]))
    kinds = [type(layer) for layer in nets["BatchNorm"].layers[:4]]
    assert kinds == [Dense, BatchNorm, Activation, Dense] and isinstance(nets["LayerNorm"].layers[1], LayerNorm)
    assert len(weights["none"]) == norm.DEPTH
    with pytest.raises(ValueError, match="norm must be one of"):
        norm.deep_net("relu", "batch")


def test_a_run_records_the_untrained_network_first_as_layer_statistics_measures_it():
    act, gain, lr = norm.SETUPS["sigmoid, He gain"]
    run = norm.train_run(act, gain, lr, "BatchNorm", epochs=2)
    assert run.hist.shape == (3, norm.DEPTH - 1, norm.BINS) and run.spread.shape == (3, norm.DEPTH - 1)
    assert np.allclose(run.hist.sum(axis=2), 1.0) and run.stopped is None  # sigmoid: every value in a bin
    X, y = norm.moons_split()["X"], norm.moons_split()["y"]
    untrained = norm.deep_net(act, "BatchNorm", gain)
    hidden, scores = measured_activations(untrained, X)
    assert np.allclose(run.spread[0], [a.std(axis=0).mean() for a in hidden[:-1]])  # each unit over the samples
    assert run.loss[0] == pytest.approx(SoftmaxCrossEntropy().forward(scores, y))
    counts, _ = np.histogram(hidden[0], bins=norm.EDGES[act])
    assert np.allclose(run.hist[0, 0], counts / hidden[0].size) and np.all(run.zero[0] == 0)
    stats = layer_statistics(untrained, X, y, SoftmaxCrossEntropy())
    assert np.allclose(run.monitor.series("grad_norm")[0], [s.grad_norm for s in stats])
    assert run.monitor.epochs == [0, 1, 2] and len(run.history.val_metric) == 2
    assert not np.allclose(run.spread[2], run.spread[0])  # it trained


def test_relu_histograms_leave_out_the_zeros_and_count_them_apart():
    run = norm.train_run("relu", 0.5, 0.1, "none", epochs=1)
    hidden, _ = measured_activations(norm.deep_net("relu", "none", 0.5), norm.moons_split()["X"])
    assert np.allclose(run.zero[0], [np.mean(a == 0) for a in hidden[:-1]])
    assert np.allclose(run.hist[0].sum(axis=1) + run.zero[0], 1.0)
    positive = hidden[8][hidden[8] > 0]
    assert positive.max() < 1e-3  # gain 0.5: the signal of layer 9 has faded to thousandths or less
    assert run.hist[0, 8, np.searchsorted(norm.EDGES["relu"], 1e-3):].sum() == 0


def test_a_run_stopped_as_diverging_keeps_its_last_record_for_the_epochs_it_missed():
    run = norm.train_run("relu", 4.0, 10.0, "none", epochs=4)  # weights and step far too large
    assert run.stopped is not None and 1 <= run.stopped <= 4
    assert run.loss.shape == (5,) and np.all(run.loss[run.stopped:] == run.loss[run.stopped])


def test_runs_are_trained_once_and_shared_read_only():
    first = norm.runs()
    assert norm.runs(norm.EPOCHS) is first and len(first) == len(norm.SETUPS) * len(norm.NORMS)
    with pytest.raises(ValueError):
        first["ReLU, gain 0.5", "none"].spread[0, 0] = 1.0


def test_the_histogram_explorer_shows_the_runs_it_names():
    explorer = norm.activation_histograms()
    recorded = norm.runs()
    frame = explorer.frame(setup="ReLU, η = 1", norm="none", epoch=5)
    run = recorded["ReLU, η = 1", "none"]
    dead_layers = np.array(frame["zero"]) == 1.0  # every activation 0: an empty histogram
    assert frame["hist"].dtype == np.uint8 and dead_layers.any()
    assert np.all(frame["hist"].max(axis=1)[~dead_layers] == 255) and np.all(frame["hist"][dead_layers] == 0)
    peak = run.hist[5].max(axis=1, keepdims=True)
    assert np.allclose(frame["hist"] / 255, run.hist[5] / np.where(peak > 0, peak, 1), atol=0.5 / 255)
    assert np.allclose(frame["zero"], run.zero[5], atol=5e-3)
    assert np.allclose(frame["share"], run.monitor.series("dead")[5, :-1], atol=5e-3)
    for k, other in enumerate(norm.NORMS):
        assert np.allclose(frame["spread"][k], recorded["ReLU, η = 1", other].spread[5], rtol=5e-3)
    assert frame["accuracy"] == run.accuracy[5]


def test_population_statistics_keeps_the_statistics_of_the_data_and_restores_the_model():
    model = norm.deep_net("relu", "BatchNorm", seed=1)
    X = norm.moons_split()["X"]
    model.eval()
    norm.population_statistics(model, X)
    layers = [layer for layer in model.layers if isinstance(layer, BatchNorm)]
    assert not model.training and all(layer.momentum == 0.9 for layer in layers)
    # What reaches each BatchNorm layer in a training-mode pass over X, with the same weights:
    twin = norm.deep_net("relu", "BatchNorm", seed=1)
    out, inputs = X, []
    for layer in twin.layers:
        if isinstance(layer, BatchNorm):
            inputs.append(out)
        out = layer.forward(out)
    for layer, x in zip(layers, inputs):
        assert np.allclose(layer.running_mean, x.mean(axis=0)) and np.allclose(layer.running_var, x.var(axis=0, ddof=1))


def test_batch_noise_draws_batches_that_hold_the_sample_and_respect_the_bound():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    for size in (2, 5, 40):
        values = norm.normalised_in_batches(x, 7, size, 300, rng, 0.0)
        assert values.shape == (300,) and np.all(np.abs(values) <= np.sqrt(size - 1) + 1e-9)
    assert np.allclose(norm.normalised_in_batches(x, 7, 2, 50, rng, 0.0) ** 2, 1.0)  # batches of 2: +-1
    whole = norm.normalised_in_batches(x, 7, 40, 5, rng, 0.0)
    assert np.allclose(whole, (x[7] - x.mean()) / x.std())  # the whole data set every time
    explorer = norm.batch_noise()
    frame = explorer.frame(batch=3, percentile=99)  # the values the chapter's "Try this" names
    source = norm.noise_unit()
    assert sum(frame["counts"]) == norm.NOISE_DRAWS and frame["bound"] == pytest.approx(np.sqrt(2))
    assert frame["value"] == pytest.approx(np.sort(source["x"])[int(round(0.99 * 199))], rel=1e-3)
    expected = (frame["value"] - source["running_mean"]) / np.sqrt(source["running_var"] + source["eps"])
    assert frame["eval"] == pytest.approx(expected, rel=1e-2) and abs(frame["eval"]) > frame["bound"]


def test_batch_size_runs_measure_all_three_accuracies_of_each_network():
    results = norm.batch_size_runs()
    assert set(results) == {(n, b) for n in ("none", "BatchNorm") for b in norm.BATCH_SIZES}
    for size in norm.BATCH_SIZES:
        plain = results["none", size]
        assert plain["eval"] == plain["batches"] == plain["recomputed"]  # nothing depends on the batch
        for name in ("none", "BatchNorm"):  # each accuracy is the mean of one run per seed
            for key in ("eval", "batches", "recomputed"):
                per_seed = results[name, size]["seeds"][key]
                assert len(per_seed) == len(norm.BATCH_SEEDS)
                assert results[name, size][key] == pytest.approx(np.mean(per_seed))
    assert results["BatchNorm", 2]["eval"] < results["BatchNorm", 2]["batches"]


def _validation_accuracy(act, gain, lr, name, seed, batch_size=norm.BATCH):
    """Validation accuracy of deep_net trained as chapter 12 trains it, from ``seed``; None if fit stopped it."""
    data = norm.moons_split()
    model = norm.deep_net(act, name, gain, seed=seed)
    try:
        model.fit(data["X"], data["y"], loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=lr), epochs=norm.EPOCHS,
                  batch_size=batch_size, rng=seed, progress=False)
    except TrainingDivergedError:
        return None
    return float(np.mean(model.predict(data["X_val"]).argmax(axis=1) == data["y_val"]))


@pytest.mark.parametrize("seed", [1, 2])
def test_from_other_seeds_every_network_fails_without_normalisation_and_trains_with_it(seed):
    # Chapter 12 reports one run per network and says the outcome is the same from other seeds.
    for label, (act, gain, lr) in norm.SETUPS.items():
        without = _validation_accuracy(act, gain, lr, "none", seed)
        with_bn = _validation_accuracy(act, gain, lr, "BatchNorm", seed)
        assert without is None or without == 0.5, (label, without)
        assert with_bn is not None and with_bn > 0.9, (label, with_bn)
        if label == "ReLU, η = 1":
            assert without is None  # from these seeds fit stops it as diverging


def test_from_another_seed_batches_of_two_still_cost_batch_normalisation_its_evaluation_accuracy():
    act, gain, lr = norm.BATCH_SETUP
    with_bn = _validation_accuracy(act, gain, lr, "BatchNorm", seed=1, batch_size=2)
    without = _validation_accuracy(act, gain, lr, "none", seed=1, batch_size=2)
    assert with_bn < 0.65 < 0.9 < without
    # The same runs as batch_size_runs' from seed 1 (it shuffles the validation points, which changes no accuracy)
    results, i = norm.batch_size_runs(), norm.BATCH_SEEDS.index(1)
    assert results["BatchNorm", 2]["seeds"]["eval"][i] == with_bn and results["none", 2]["seeds"]["eval"][i] == without
