"""Callbacks: StopTraining ends a run cleanly; EarlyStopping stops an overfitting run and restores its best epoch."""
import numpy as np
import pytest

import nnlib
from nnlib.callbacks import EarlyStopping, StopTraining
from nnlib.dropout import Dropout
from nnlib.layers import Activation, Dense
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.model import Sequential
from nnlib.normalization import BatchNorm
from nnlib.optim import SGD, Adam


def overfitting_setup(batchnorm=False):
    """50 training digits and a wide network trained hard: the validation loss bottoms out early, then rises."""
    X, y = nnlib.data.load_digits()
    X = X / 16.0
    middle = [BatchNorm(128)] if batchnorm else []
    model = Sequential([Dense(64, 128, init="he_normal", rng=0), *middle, Activation("relu"), Dense(128, 10, rng=1)])
    return model, (X[:50], y[:50]), (X[500:900], y[500:900])


def validation_loss(model, validation):
    X_val, y_val = validation
    return SoftmaxCrossEntropy()(model.predict(X_val), y_val)


def test_early_stopping_stops_an_overfitting_run_and_restores_the_best_weights():
    model, (X, y), validation = overfitting_setup()
    stop = EarlyStopping(patience=8)
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=150,
                        validation_data=validation, callbacks=[stop], progress=False)
    val = np.array(history.val_loss)
    best = int(np.argmin(val)) + 1
    assert stop.best_epoch == best and stop.best == val[best - 1]
    assert history.stopped_epoch == stop.stopped_epoch == best + 8 == len(history.loss) < 150
    assert "weights of epoch" in history.stop_reason
    # it really overfitted: the training loss kept falling while the validation loss rose
    assert history.loss[-1] < history.loss[best - 1] and val[-1] > val[best - 1]
    # and the model now holds the weights of the best epoch, not those of the last
    assert validation_loss(model, validation) == pytest.approx(val[best - 1], rel=1e-12)


def test_restored_state_includes_running_statistics():
    model, (X, y), validation = overfitting_setup(batchnorm=True)
    states = {}
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=150, batch_size=25, rng=0,
                        validation_data=validation, progress=False,
                        callbacks=[lambda epoch, m, h: states.__setitem__(epoch, m.state_dict()),
                                   EarlyStopping(patience=5)])
    best = int(np.argmin(history.val_loss)) + 1
    assert history.stopped_epoch == best + 5
    assert states.keys() == set(range(1, best + 6))  # every callback ran, also in the epoch that stopped
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, states[best][name], err_msg=name)
    assert not np.array_equal(states[best]["1.running_mean"], states[best + 5]["1.running_mean"])


def test_the_best_weights_are_restored_also_when_the_epochs_run_out():
    model, (X, y), validation = overfitting_setup()
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=40,
                        validation_data=validation, callbacks=[EarlyStopping(patience=100)], progress=False)
    assert history.stopped_epoch is None and len(history.loss) == 40
    assert validation_loss(model, validation) == pytest.approx(min(history.val_loss), rel=1e-12)
    assert min(history.val_loss) < history.val_loss[-1]


def test_without_restore_the_last_weights_stay():
    model, (X, y), validation = overfitting_setup()
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=150,
                        validation_data=validation, callbacks=[EarlyStopping(patience=8, restore_best=False)],
                        progress=False)
    assert history.stopped_epoch is not None
    assert validation_loss(model, validation) == pytest.approx(history.val_loss[-1], rel=1e-12)


def test_monitoring_a_metric_maximises_it_and_min_delta_demands_real_progress():
    model, (X, y), validation = overfitting_setup()
    stop = EarlyStopping(monitor="val_metric", patience=3, min_delta=0.5)  # no accuracy gain can beat 0.5
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=50, metric="accuracy",
                        validation_data=validation, callbacks=[stop], progress=False)
    assert stop.mode == "max" and stop.best_epoch == 1 and history.stopped_epoch == 4


def test_an_early_stopping_object_starts_afresh_in_every_fit():
    model, (X, y), validation = overfitting_setup()
    stop = EarlyStopping(patience=3)
    model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=Adam(1e-2), epochs=60, validation_data=validation,
              callbacks=[stop], progress=False)
    first_best = stop.best
    fresh, _, _ = overfitting_setup()
    history = fresh.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(1e-3), epochs=3, validation_data=validation,
                        callbacks=[stop], progress=False)
    assert stop.best_epoch == 3 and stop.best == history.val_loss[-1] > first_best and stop.stopped_epoch is None


def test_any_callback_can_stop_a_run_and_fit_returns_normally(rng):
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    model = Sequential([Dense(4, 8, rng=0), Activation("relu"), Dropout(0.5, rng=0), Dense(8, 3, rng=1)])
    seen = []

    class Recorder:
        def __call__(self, epoch, model, history):
            seen.append(("epoch", epoch, model.training))

        def on_train_begin(self, model, history):
            seen.append(("begin", len(history.loss), model.training))

        def on_train_end(self, model, history):
            seen.append(("end", len(history.loss), model.training))

    def stop_at_three(epoch, model, history):
        if epoch == 3:
            raise StopTraining("enough")

    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), epochs=10, callbacks=[stop_at_three, Recorder()],
                        progress=False)
    assert len(history.loss) == 3 and history.stopped_epoch == 3 and history.stop_reason == "enough"
    # callbacks see the model in evaluation mode; after a stop the others still run, then on_train_end
    assert seen == [("begin", 0, False), ("epoch", 1, False), ("epoch", 2, False), ("epoch", 3, False),
                    ("end", 3, False)]
    assert model.training
