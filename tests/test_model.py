"""Sequential: whole-model gradients, the source article's worked example, training errors."""
import numpy as np
import pytest

from nnlib import data
from nnlib.gradcheck import check_model
from nnlib.layers import Activation, Dense, Layer
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy
from nnlib.model import Sequential, TrainingDivergedError, accuracy
from nnlib.optim import SGD, Adam
from nnlib.regularization import L1, L2


def mlp(sizes, act, rng, dtype=np.float64, bias=0.0, out_act=None):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, rng=rng, dtype=dtype, bias=bias))
        last = i == len(sizes) - 2
        if not last:
            layers.append(Activation(act))
        elif out_act:
            layers.append(Activation(out_act))
    return Sequential(layers)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "elu", "softplus", "gelu", "identity"])
def test_whole_model_gradient_regression(act, rng):
    model = mlp([3, 5, 4, 2], act, rng, bias=0.1)
    X, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    result = check_model(model, MSE(), X, y)
    assert result.passed, result


def test_whole_model_gradient_classification_with_penalties(rng):
    model = mlp([4, 6, 3], "tanh", rng)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    for penalty in (None, L2(0.3), L1(0.05)):
        result = check_model(model, SoftmaxCrossEntropy(), X, y, penalty=penalty)
        assert result.passed, (penalty, result)


def test_whole_model_gradient_relu_and_bce(rng):
    model = mlp([2, 8, 1], "relu", rng, bias=0.1)
    X = rng.standard_normal((6, 2))
    y = rng.integers(0, 2, (6, 1)).astype(float)
    assert check_model(model, BinaryCrossEntropy(from_logits=True), X, y).passed


def source_article_network(seed=1):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(3, 4, rng=rng), Activation("sigmoid"), Dense(4, 1, rng=rng), Activation("sigmoid")])


def test_source_article_worked_example():
    X, y = data.toy_dataset()
    model = source_article_network()
    history = model.fit(X, y, loss=SSE(), optimizer=SGD(lr=1.0), epochs=1500, progress=False)
    assert len(history.step_loss) == 1500
    assert np.all(np.diff(history.step_loss) < 0), "the loss must fall at every step"
    predictions = model.predict(X)
    assert np.all(np.abs(predictions - y) < 0.1), predictions


def test_seeded_runs_are_identical():
    X, y = data.toy_dataset()
    runs = []
    for _ in range(2):
        model = source_article_network(seed=7)
        history = model.fit(X, y, loss=SSE(), optimizer=SGD(lr=0.5), epochs=50, batch_size=2, rng=3,
                            progress=False)
        runs.append((history.step_loss, model.predict(X)))
    assert runs[0][0] == runs[1][0]
    assert np.array_equal(runs[0][1], runs[1][1])


def test_minibatch_training_with_validation_and_metric(rng):
    X, y = data.moons(200, noise=0.1, rng=rng)
    X_train, X_val, y_train, y_val = data.train_test_split(X, y, 0.25, rng=rng)
    model = mlp([2, 16, 2], "relu", rng, bias=0.1)
    history = model.fit(X_train, y_train, loss=SoftmaxCrossEntropy(), optimizer=SGD(lr=0.3, momentum=0.9),
                        epochs=60, batch_size=32, rng=rng, validation_data=(X_val, y_val),
                        metric="accuracy", progress=False)
    assert len(history.loss) == len(history.val_loss) == len(history.val_metric) == 60
    assert history.loss[-1] < history.loss[0] / 3
    assert history.val_metric[-1] > 0.9


def test_float32_training_stays_float32(rng):
    X, y = data.xor()
    model = mlp([2, 8, 1], "tanh", rng, dtype=np.float32, out_act="sigmoid")
    model.fit(X, y, loss=BinaryCrossEntropy(), optimizer=Adam(lr=0.05), epochs=5, progress=False)
    for p in model.parameters():
        assert p.value.dtype == np.float32 and p.grad.dtype == np.float32
    assert model.predict(X).dtype == np.float32
    model.astype(np.float64)
    assert model.predict(X).dtype == np.float64


def test_divergence_is_reported_with_the_step_and_a_fix(rng):
    X = rng.standard_normal((32, 2)) * 100
    y = X @ np.array([[3.0], [-2.0]])
    model = mlp([2, 16, 1], "relu", rng)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+, step \d+: the loss .*ten times smaller than 10\b") as info:
        model.fit(X, y, loss=MSE(), optimizer=SGD(lr=10.0), epochs=100, progress=False)
    history = info.value.history
    assert len(history.step_loss) >= 1 and all(np.isfinite(history.step_loss))


def test_bad_hyperparameters_and_data(rng):
    X, y = data.toy_dataset()
    model = source_article_network()
    with pytest.raises(ValueError, match=r"learning rate lr must be a finite number greater than 0, got 0"):
        SGD(lr=0)
    with pytest.raises(ValueError, match=r"greater than 0, got -0.1"):
        SGD(lr=-0.1)
    with pytest.raises(TypeError, match="learning rate lr must be a number, got str"):
        SGD(lr="0.1")
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\), got 1.5"):
        SGD(lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        model.fit(X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got -2"):
        model.fit(X, y, batch_size=-2, progress=False)
    with pytest.raises(ValueError, match=r"same number of samples \(rows\), got X \(4, 3\) and y \(3, 1\)"):
        model.fit(X, y[:3], progress=False)
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0, 3\)\)"):
        model.fit(np.zeros((0, 3)), np.zeros((0, 1)), progress=False)
    with pytest.raises(TypeError, match="X must contain real numbers"):
        model.fit(np.array([["a", "b", "c"]]), np.zeros((1, 1)), progress=False)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\), got \(4, 2\)"):
        model.fit(X[:, :2], y, progress=False)
    with pytest.raises(TypeError, match="optimizer must be an nnlib.optim optimiser"):
        model.fit(X, y, optimizer="sgd", progress=False)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.fit(X, y, metric="f1", progress=False)
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential([])
    with pytest.raises(TypeError, match="layer 0 is a str"):
        Sequential(["relu"])


def test_parameters_are_named_views(rng):
    model = mlp([3, 4, 1], "relu", rng)
    params = model.parameters()
    assert [p.name for p in params] == ["0.W", "0.b", "2.W", "2.b"]
    params[0].value[0, 0] = 42.0
    assert model.layers[0].params["W"][0, 0] == 42.0


def test_accuracy_metric():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert accuracy(np.array([[0.7], [0.2]]), np.array([[1.0], [0.0]])) == 1.0


def test_callbacks_and_progress_bar_in_terminal(rng, capsys):
    X, y = data.xor()
    model = mlp([2, 4, 1], "tanh", rng)
    seen = []
    model.fit(X, y, epochs=3, progress=True, callbacks=[lambda epoch, m, h: seen.append((epoch, len(h.loss)))])
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert "epoch: 3/3 loss" in capsys.readouterr().err


def test_backward_without_input_gradient_fills_the_same_grads(rng):
    model = mlp([3, 5, 2], "tanh", rng)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    loss = MSE()
    loss.forward(model.forward(X), y)
    dx = model.backward(loss.backward())
    full = [p.grad.copy() for p in model.parameters()]
    assert dx.shape == X.shape
    assert model.backward(loss.backward(), input_grad=False) is None
    assert all(np.array_equal(a, p.grad) for a, p in zip(full, model.parameters()))


def test_parameters_support_in_place_updates_and_unpacking(rng):
    model = mlp([2, 3, 1], "tanh", rng)
    p = model.parameters()[0]
    before = p.value.copy()
    p.grad[...] = 1.0
    p.value -= 0.5 * p.grad  # the natural beginner's update works
    assert np.allclose(model.layers[0].params["W"], before - 0.5)
    name, value, grad = p
    assert name == "0.W" and value is model.layers[0].params["W"]


def test_divergence_in_validation_is_reported(rng):
    X = rng.standard_normal((16, 2))
    y = X @ np.array([[1.0], [1.0]])
    model = mlp([2, 4, 1], "identity", rng)
    X_val = np.full((4, 2), 1e200)
    with pytest.raises(TrainingDivergedError, match=r"validation loss became non-finite .* after epoch 1"):
        model.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.01), epochs=3, validation_data=(X_val, np.zeros((4, 1))),
                  progress=False)


class Square(Layer):
    """A layer written from scratch, the way a reader would: only forward and backward."""

    def forward(self, x):
        self.x = np.asarray(x, dtype=float)
        return self.x ** 2

    def backward(self, dout):
        return 2 * self.x * dout


class AbsoluteError(Loss):
    """A hand-written loss: forward and backward only."""

    def forward(self, y_hat, y):
        self._cache = (y_hat, y)
        return float(np.mean(np.abs(y_hat - y)))

    def backward(self):
        y_hat, y = self._cache
        return np.sign(y_hat - y) / y.size


def test_hand_written_layers_and_losses_still_train(rng):
    X, y = rng.standard_normal((16, 2)), rng.standard_normal((16, 1))
    model = Sequential([Dense(2, 3, rng=0), Square(), Dense(3, 1, rng=1)])
    assert check_model(model, MSE(), X, y).passed  # backward through the hand-written layer is right
    history = model.fit(X, y, loss=AbsoluteError(), optimizer=SGD(lr=0.01), epochs=20, batch_size=4, rng=0,
                        progress=False)
    assert len(history.step_loss) == 80 and history.loss[-1] < history.loss[0]
    assert model.predict(X).shape == (16, 1)


# ---------------------------------------------------------------- training and evaluation mode
def dropout_net(rng, p=0.5):
    from nnlib.dropout import Dropout
    from nnlib.normalization import BatchNorm

    return Sequential([Dense(3, 16, rng=rng), BatchNorm(16), Activation("relu"), Dropout(p, rng=0),
                       Dense(16, 2, rng=rng)])


def test_train_and_eval_switch_every_layer(rng):
    model = dropout_net(rng)
    assert model.training and all(layer.training for layer in model.layers)
    assert model.eval() is model
    assert not model.training and not any(layer.training for layer in model.layers)
    model.training = True  # assigning the attribute switches the layers too
    assert all(layer.training for layer in model.layers)
    model.train(False)
    assert not any(layer.training for layer in model.layers)


@pytest.mark.parametrize("start_in_training_mode", [True, False])
def test_fit_trains_in_training_mode_and_leaves_the_mode_it_found(start_in_training_mode, rng):
    model = dropout_net(rng)
    model.train(start_in_training_mode)
    seen = []
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    original_forward = model.layers[3]._forward

    def spying_forward(x):
        seen.append(model.layers[3].training)
        return original_forward(x)

    model.layers[3]._forward = spying_forward
    model.fit(X, y, loss=SoftmaxCrossEntropy(), epochs=2, batch_size=10, validation_data=(X[:4], y[:4]),
              progress=False)
    # the first-rows check, the validation probe, then 2 steps and 1 validation pass per epoch
    assert seen == [False, False, True, True, False, True, True, False]
    assert model.training == start_in_training_mode
    with pytest.raises(ValueError):
        model.fit(X, np.full(20, 7), loss=SoftmaxCrossEntropy(), epochs=1, progress=False)
    assert model.training == start_in_training_mode  # also after an error


def test_validation_and_starting_loss_are_measured_in_evaluation_mode(rng):
    model = dropout_net(rng, p=0.8)
    X, y = rng.standard_normal((30, 3)), rng.integers(0, 2, 30)
    start = SoftmaxCrossEntropy()(model.predict(X), y)  # 30 rows: the starting loss uses all of them
    val_losses = []
    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(0.05), epochs=3, batch_size=10,
                        validation_data=(X, y), progress=False,
                        callbacks=lambda epoch, m, h: val_losses.append(SoftmaxCrossEntropy()(m.predict(X), y)))
    assert history.start_loss == pytest.approx(start, rel=1e-12)
    np.testing.assert_allclose(history.val_loss, val_losses, rtol=1e-12)


def test_predict_uses_evaluation_mode_and_restores_the_mode(rng):
    model = dropout_net(rng)
    X = rng.standard_normal((6, 3))
    model.forward(X)  # training mode: moves the running statistics once
    expected = model.eval().forward(X)
    model.train()
    np.testing.assert_array_equal(model.predict(X), expected)
    np.testing.assert_allclose(model.predict(X, batch_size=1), expected, rtol=1e-12)  # one sample is fine in eval mode
    assert model.training


# ---------------------------------------------------------------- gradient clipping in fit
def test_fit_clips_the_global_gradient_norm_before_each_update(rng):
    from nnlib.optim import clip_grad_norm

    X, y = rng.standard_normal((16, 3)) * 3, rng.standard_normal((16, 2)) * 5
    clipped = mlp([3, 6, 2], "tanh", np.random.default_rng(0))
    history = clipped.fit(X, y, loss=MSE(), optimizer=SGD(0.1), epochs=4, clip_norm=0.5, progress=False)
    by_hand = mlp([3, 6, 2], "tanh", np.random.default_rng(0))
    loss, norms = MSE(), []
    for _ in range(4):
        loss.forward(by_hand.forward(X), y)
        by_hand.backward(loss.backward())
        norms.append(clip_grad_norm(by_hand.parameters(), 0.5))
        SGD(0.1).step(by_hand.parameters())
    np.testing.assert_allclose(history.grad_norm, norms, rtol=1e-12)
    assert min(norms) > 0.5  # every step was clipped
    for mine, theirs in zip(clipped.parameters(), by_hand.parameters()):
        np.testing.assert_allclose(mine.value, theirs.value, rtol=1e-12)
    assert mlp([3, 4, 2], "tanh", rng).fit(X, y, epochs=2, progress=False).grad_norm == []
