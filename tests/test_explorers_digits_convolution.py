"""The explorers of chapters 9 and 10 show what nnlib computes: the hardest test digits in order,
the monitor's runs with the diagnosis each recipe should get (and none for the mystery runs), the
hand-set filters as a plain correlation, and the learnt network's stages."""
import numpy as np
import pytest

from nnlib.activations import softmax
from nnlib.explorers import convolution, digits
from nnlib.monitor import CAUSES


def test_hardest_order_puts_the_mistakes_first_then_the_least_sure_right_answers():
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.55, 0.45], [0.2, 0.8], [0.7, 0.3]])
    labels = np.array([0, 0, 0, 1, 1])
    # wrong: rows 1 (p_true 0.4) and 4 (0.3); right: row 2 (0.55), 3 (0.8), 0 (0.9)
    assert digits.hardest_order(probabilities, labels).tolist() == [4, 1, 2, 3, 0]


def test_hardest_digits_shows_the_chapter_networks_probabilities():
    explorer = digits.hardest_digits()
    model, _ = digits.train_network("/16", 0)
    data = digits.digits_split()
    first = explorer.frame(k=1)
    i = first["index"]
    expected = softmax(model.predict(data["X_test"][i:i + 1] / 16).astype(np.float64), axis=1)[0]
    assert np.allclose(first["probabilities"], expected)
    assert first["predicted"] != first["true"]                       # the hardest digit is a mistake
    assert np.array_equal(first["image"], data["X_test"][i].reshape(8, 8))
    assert first["rival"] != first["true"] and first["probabilities"][first["rival"]] == max(
        p for c, p in enumerate(first["probabilities"]) if c != first["true"])


@pytest.mark.parametrize("name", list(digits.TAUGHT_RUNS) + list(digits.MYSTERY_RUNS))
def test_every_monitored_run_gets_the_diagnosis_of_its_recipe(name):
    monitor = digits.monitored_run(name).monitor
    fault = digits.recipe_of(name).fault
    assert fault is None or fault in CAUSES
    assert monitor.verdict() == fault, [str(f) for f in monitor.diagnose()]


@pytest.mark.parametrize("name", list(digits.MYSTERY_RUNS))
def test_each_mystery_run_has_one_fault_and_only_its_consequences_besides(name):
    # Fair to grade: the most fundamental cause is the run's fault, and the only other sign a run may
    # show is large first outputs, as a consequence of unscaled inputs (the exercise asks for the
    # most fundamental cause).
    causes = [f.cause for f in digits.monitored_run(name).monitor.diagnose()]
    fault = digits.MYSTERY_RUNS[name].fault
    assert causes[0] == fault
    assert set(causes[1:]) <= ({"large initial outputs"} if fault == "unscaled inputs" else set()), causes


def test_the_mystery_dashboard_leaves_the_diagnosis_to_the_reader():
    taught, mystery = digits.monitor_dashboard(), digits.monitor_dashboard(runs="mystery")
    assert taught.frame(run="ReLU, He, SGD η = 1.5", epoch=15)["findings"]
    for run in digits.MYSTERY_RUNS:
        frame = mystery.frame(run=run, epoch=15)
        assert frame["findings"] is None
    assert "fault" not in str(mystery.data)


def test_hand_filters_map_is_a_plain_correlation_with_zero_padding():
    explorer = convolution.hand_filters()
    for name, weights in convolution.FILTERS.items():
        for digit in (0, 7):
            frame = explorer.frame(filter=name, digit=digit)
            padded = np.pad(frame["image"], 1)
            expected = np.array([[np.sum(weights * padded[i:i + 3, j:j + 3]) for j in range(8)] for i in range(8)])
            assert np.allclose(frame["map"], expected), (name, digit)
    identity = explorer.frame(filter="identity", digit=3)
    assert np.allclose(identity["map"], identity["image"])


def test_learnt_filters_show_the_trained_networks_stages():
    explorer = convolution.learnt_filters()
    model, _ = convolution.trained_network("conv net", 0)
    assert np.allclose(explorer.data["filters"], model.layers[1].params["W"][:, 0])
    z, a, pooled = (explorer.frame(digit=4, stage=stage)["maps"] for stage in ("z", "a", "pool"))
    assert np.allclose(a, np.maximum(z, 0))
    assert np.allclose(pooled, a.reshape(8, 4, 2, 4, 2).max(axis=(2, 4)))
    frame = explorer.frame(digit=4, stage="z")
    assert frame["label"] == 4 and frame["top"] == pytest.approx(np.abs(z).max())


def test_the_conv_chapter_validates_on_its_validation_split_not_on_the_test_set():
    data = convolution.conv_digits()
    assert (len(data["y_train"]), len(data["y_val"]), len(data["y_test"])) == (1151, 287, 359)
    model, history = convolution.trained_network("conv net", 0)
    assert len(history.val_metric) == convolution.EPOCHS
    on_val = np.mean(model.predict(data["A_val"]).argmax(axis=1) == data["y_val"])
    assert history.val_metric[-1] == pytest.approx(on_val)


def test_the_conv_chapter_uses_chapter_nines_piles_so_that_scores_compare_across_chapters():
    data, split = convolution.conv_digits(), digits.digits_split()
    for name in ("X_train", "X_val", "X_test", "y_train", "y_val", "y_test"):
        assert np.array_equal(data[name], split[name]), name
    assert np.isclose(data["A_train"].mean(), 0, atol=1e-6) and np.isclose(data["A_train"].std(), 1, atol=1e-6)
    assert np.allclose(convolution.inputs("/16")["test"], split["X_test"] / 16)
    with pytest.raises(ValueError, match="scaling must be one of"):
        convolution.inputs("per pixel")


def test_the_small_mlp_has_about_as_many_parameters_as_the_conv_net():
    def count(model):
        return sum(p.value.size for p in model.parameters())

    assert count(convolution.make_conv_net()) == 1370 and count(convolution.make_small_mlp()) == 1510
