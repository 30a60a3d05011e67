"""Chapter 13's experiments and explorers: shifted digits, the training sets, early stopping's epochs, dropout's batch."""
import numpy as np
import pytest

from nnlib.callbacks import EarlyStopping, StopTraining
from nnlib.dropout import Dropout
from nnlib.explorers import dropout_batch, regularisation_curves
from nnlib.explorers.regularisation_practice import (DROPOUT_SEED, EPOCHS, PATIENCE, SETTINGS, WRONG_LABELS,
                                                     RandomShift, WrongLabels, early_stopping_epochs, make_network,
                                                     shift_each, shifted, train_run, training_set)
from nnlib.gradcheck import numerical_grad, rel_error
from nnlib.layers import Dense
from nnlib.model import Sequential


# ---- moving digits ----------------------------------------------------------------------------
@pytest.mark.parametrize("max_shift", [1, 2])
def test_shift_each_moves_every_image_like_chapter_10s_shifted(rng, max_shift):
    images = rng.integers(0, 17, size=(30, 64)).astype(float)
    moves = rng.integers(-max_shift, max_shift + 1, size=(30, 2))
    moved = shift_each(images, moves, max_shift)
    for image, (rows, columns), result in zip(images, moves, moved):
        assert np.array_equal(result, shifted(image[None], rows, columns)[0])


def test_shifted_moves_down_and_right_and_fills_with_paper():
    image = np.arange(1, 65, dtype=float).reshape(1, 64)
    down_right = shifted(image, 1, 1).reshape(8, 8)
    assert np.all(down_right[0] == 0) and np.all(down_right[:, 0] == 0)
    assert np.array_equal(down_right[1:, 1:], image.reshape(8, 8)[:-1, :-1])


def test_random_shift_draws_new_moves_in_training_mode_only(rng):
    images = rng.random((50, 64))
    layer = RandomShift(max_shift=1, rng=3)
    first = layer.forward(images)
    expected_moves = np.random.default_rng(3).integers(-1, 2, size=(50, 2))
    assert np.array_equal(layer.moves, expected_moves)
    assert np.array_equal(first, shift_each(images, expected_moves, 1))
    layer.forward(images)
    assert not np.array_equal(layer.moves, expected_moves)       # a fresh draw at every pass
    assert set(map(tuple, layer.moves)) <= {(r, c) for r in (-1, 0, 1) for c in (-1, 0, 1)}
    layer.training = False
    assert np.array_equal(layer.forward(images), images) and layer.moves is None
    assert np.array_equal(RandomShift(max_shift=0, rng=0).forward(images), images)


def test_random_shift_backward_is_the_gradient(rng):
    x = rng.random((4, 64))
    dout = rng.normal(size=(4, 64))
    layer = RandomShift(max_shift=1, rng=11)

    def loss():
        layer.rng = np.random.default_rng(11)                    # the same moves at every evaluation
        return float(np.sum(dout * layer.forward(x)))

    numerical = numerical_grad(loss, x)
    loss()
    assert rel_error(numerical, layer.backward(dout)) < 1e-7
    assert layer.backward(dout, input_grad=False) is None


def test_random_shift_in_a_network_is_the_identity_in_evaluation_mode():
    model = Sequential([RandomShift(1, rng=0), Dense(64, 10, rng=0)])
    model.eval()
    x = np.random.default_rng(1).random((3, 64))
    assert np.allclose(model.forward(x), model.layers[1].forward(x))   # evaluation mode: no move
    assert model.dtype == np.float64


@pytest.mark.parametrize("bad, message", [(dict(max_shift=8), "at most 7"), (dict(max_shift=-1), "max_shift"),
                                          (dict(max_shift=1.5), "max_shift")])
def test_random_shift_refuses_impossible_moves(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        RandomShift(**bad)


def test_random_shift_says_what_shape_it_needs():
    with pytest.raises(ValueError, match=r"rows of 64 pixels, shape \(batch, 64\), got \(2, 8, 8\)"):
        RandomShift(rng=0).forward(np.zeros((2, 8, 8)))


# ---- the set-up ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 3])
def test_training_sets_hold_ten_of_each_digit_and_exactly_the_stated_wrong_labels(seed):
    clean, noisy = training_set("clean", seed), training_set("noisy", seed)
    assert np.array_equal(clean["X"], noisy["X"]) and np.array_equal(clean["true"], noisy["true"])
    assert np.all(np.bincount(clean["true"]) == 10) and clean["X"].dtype == np.float32
    assert 0 <= clean["X"].min() and clean["X"].max() <= 1
    assert np.array_equal(clean["y"], clean["true"]) and len(clean["wrong"]) == 0
    changed = np.flatnonzero(noisy["y"] != noisy["true"])
    assert np.array_equal(changed, noisy["wrong"]) and len(changed) == round(WRONG_LABELS * 100)
    assert not noisy["y"].flags.writeable
    with pytest.raises(ValueError, match="labels must be one of"):
        training_set("shuffled", seed)


def test_networks_of_one_seed_start_from_the_same_weights_whatever_the_remedy():
    plain, dropped, moved = make_network(2), make_network(2, dropout=0.5), make_network(2, max_shift=1)
    weights = [[p.value for p in model.parameters()] for model in (plain, dropped, moved)]
    assert sum(w.size for w in weights[0]) == 26_122
    for other in weights[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(weights[0], other))
    assert [type(layer).__name__ for layer in dropped.layers] == ["Dense", "Activation", "Dropout", "Dense",
                                                                  "Activation", "Dropout", "Dense"]
    assert isinstance(moved.layers[0], RandomShift)


def test_wrong_labels_callback_counts_what_the_network_says():
    class Fixed:
        def predict(self, X):
            return np.eye(10)[[3, 3, 5, 7]]

    watch = WrongLabels(np.zeros((4, 64)), given=np.array([3, 1, 5, 2]), true=np.array([1, 3, 7, 7]))
    watch(1, Fixed(), None)
    assert watch.learnt == [0.5] and watch.recognised == [0.5]
    empty = WrongLabels(np.zeros((0, 64)), np.array([], dtype=int), np.array([], dtype=int))
    empty(1, Fixed(), None)
    assert empty.learnt == [] and empty.recognised == []


# ---- early stopping ------------------------------------------------------------------------------
def nnlib_epochs(losses, patience):
    """Where nnlib's EarlyStopping, fed these losses one epoch at a time, restores and stops."""
    from types import SimpleNamespace

    callback = EarlyStopping(patience=patience, restore_best=False)
    history = SimpleNamespace(val_loss=[], validation=True, metric_name=None)
    callback.on_train_begin(None, history)
    for epoch, value in enumerate(losses, start=1):
        history.val_loss.append(value)
        try:
            callback(epoch, None, history)
        except StopTraining:
            break
    return callback.best_epoch, callback.stopped_epoch


def test_early_stopping_epochs_agree_with_nnlibs_callback(rng):
    for _ in range(300):
        losses = np.round(rng.random(int(rng.integers(1, 30))), 1)   # rounded: many ties, which do not count
        patience = int(rng.integers(1, 8))
        assert early_stopping_epochs(losses, patience) == nnlib_epochs(list(losses), patience), (losses, patience)
    assert early_stopping_epochs([1.0, np.nan, 0.5, np.nan, np.nan], 2) == nnlib_epochs([1.0, np.nan, 0.5, np.nan, np.nan], 2)


def test_an_early_stopped_run_is_the_full_run_cut_short():
    full, stopped = train_run("noisy", "none", 0), train_run("noisy", "none", 0, early_stopping=True)
    best, stop = early_stopping_epochs(full.history.val_loss, PATIENCE)
    assert stop == stopped.history.stopped_epoch < EPOCHS
    assert np.array_equal(stopped.history.val_loss, full.history.val_loss[:stop])
    # the restored network is the one of the best epoch: its validation accuracy is that epoch's
    from nnlib.explorers.regularisation_practice import held_out

    held = held_out()
    restored = np.mean(stopped.model.predict(held["X_val"]).argmax(axis=1) == held["y_val"])
    assert restored == full.history.val_metric[best - 1]


def test_early_stopping_that_watches_the_validation_accuracy_restores_its_best_epoch():
    full = train_run("noisy", "none", 1)
    watched = train_run("noisy", "none", 1, early_stopping=True, monitor="val_metric")
    # accuracy: higher is better, so the losses' rule applies to its negative (ties do not count)
    best, stop = early_stopping_epochs(-np.array(full.history.val_metric), PATIENCE)
    assert watched.history.stopped_epoch == stop < EPOCHS
    assert np.array_equal(watched.history.val_metric, full.history.val_metric[:stop])
    assert best != early_stopping_epochs(full.history.val_loss, PATIENCE)[0]    # not the loss's epoch
    from nnlib.explorers.regularisation_practice import held_out

    held = held_out()
    restored = np.mean(watched.model.predict(held["X_val"]).argmax(axis=1) == held["y_val"])
    assert restored == full.history.val_metric[best - 1] == max(full.history.val_metric[:stop])
    with pytest.raises(ValueError, match=r"monitor must be one of \['val_loss', 'val_metric'\]"):
        train_run("noisy", "none", 1, early_stopping=True, monitor="loss")


def test_a_longer_budget_continues_the_same_run():
    short, longer = train_run("clean", "shifted digits", 2), train_run("clean", "shifted digits", 2, epochs=EPOCHS + 5)
    assert len(longer.history.loss) == EPOCHS + 5
    assert np.array_equal(longer.history.val_loss[:EPOCHS], short.history.val_loss)   # same data, seeds, moves
    with pytest.raises(ValueError, match="epochs"):
        train_run("clean", "none", 2, epochs=0)


def test_curves_explorer_marks_where_early_stopping_would_stop():
    explorer = regularisation_curves()
    for labels, setting, patience in [("noisy", "none", PATIENCE), ("clean", "dropout p = 0.5", 3),
                                      ("noisy", "shifted digits", 15)]:
        frame = explorer.frame(labels=labels, setting=setting, patience=patience)
        curves = explorer.data["runs"][f"{labels}|{setting}"]
        for k, val_loss in enumerate(curves["val_loss"]):
            best, stop = early_stopping_epochs(val_loss, patience)
            assert frame["best"][k] == best and frame["stopped"][k] == (stop or 0)
            assert frame["restored"][k] == curves["val_metric"][k][best - 1]
    assert set(explorer.data["runs"]) == {f"{labels}|{setting}" for labels in ("clean", "noisy") for setting in SETTINGS}


# ---- dropout on one batch ------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9])
def test_dropout_batch_is_nnlibs_dropout_with_the_same_seed(p):
    explorer = dropout_batch()
    a = explorer.data["a"]
    inverted = explorer.frame(p=p, scaling="inverted", mode="training")
    layer = Dropout(p, rng=DROPOUT_SEED)
    assert np.array_equal(inverted["out"], layer.forward(a))
    assert np.array_equal(inverted["mask"] * inverted["factor"], layer.mask)
    plain = explorer.frame(p=p, scaling="none", mode="training")
    assert np.array_equal(plain["mask"], inverted["mask"]) and plain["factor"] == 1.0
    assert np.allclose(plain["out"] * inverted["factor"], inverted["out"])
    evaluation = explorer.frame(p=p, scaling="inverted", mode="evaluation")
    assert np.array_equal(evaluation["out"], a) and evaluation["kept"] == 1.0


def test_dropout_batch_masks_grow_with_p_and_inverted_scaling_keeps_the_mean():
    explorer = dropout_batch()
    masks = [explorer.frame(p=p, scaling="inverted", mode="training")["mask"] for p in (0.2, 0.5, 0.9)]
    assert np.all(masks[1] <= masks[0]) and np.all(masks[2] <= masks[1])      # dropped at 0.2 => dropped at 0.5
    half = explorer.frame(p=0.5, scaling="inverted", mode="training")
    assert abs(half["kept"] - 0.5) < 0.03
    assert abs(half["mean_out"].sum() / half["mean_in"].sum() - 1) < 0.1
    unscaled = explorer.frame(p=0.5, scaling="none", mode="training")
    assert abs(unscaled["mean_out"].sum() / unscaled["mean_in"].sum() - 0.5) < 0.05
