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
