"""BatchNorm and LayerNorm: gradients in both modes, what each normalises over, running statistics."""
import numpy as np
import pytest

from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.gradcheck import check_layer, check_model
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import SoftmaxCrossEntropy
from nnlib.model import Sequential
from nnlib.normalization import BatchNorm, LayerNorm
from nnlib.optim import SGD

SHAPES = {"dense": (6, 4), "feature maps": (3, 4, 3, 2)}


def randomised(layer, rng):
    """gamma, beta (and running statistics) away from 1 and 0, so that a wrong formula cannot hide."""
    n = layer.num_features
    layer.params["gamma"][...] = rng.uniform(0.5, 2.0, n)
    layer.params["beta"][...] = rng.normal(size=n)
    if isinstance(layer, BatchNorm):
        layer.buffers["running_mean"][...] = rng.normal(size=n)
        layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, n)
    return layer


def inputs(shape, rng):
    return rng.normal(size=shape) * 2.0 + 1.0


@pytest.mark.parametrize("kind", SHAPES)
@pytest.mark.parametrize("training", [True, False], ids=["training mode", "evaluation mode"])
def test_batchnorm_gradients_in_both_modes(kind, training, rng):
    """check_layer perturbs one input entry at a time and reruns the whole batch, so in training mode
    the batch mean and variance move with every perturbation: the check covers all three paths."""
    layer = randomised(BatchNorm(4), rng)
    layer.training = training
    result = check_layer(layer, inputs(SHAPES[kind], rng), rng=1)
    assert result.passed, result


@pytest.mark.parametrize("kind", SHAPES)
def test_layernorm_gradients(kind, rng):
    result = check_layer(randomised(LayerNorm(4), rng), inputs(SHAPES[kind], rng), rng=1)
    assert result.passed, result


def test_training_mode_gradient_needs_the_paths_through_the_batch_statistics(rng):
    """The gradient of the evaluation-mode formula (statistics held fixed) is wrong in training mode:
    a check that treated the statistics as constants would not notice the difference."""
    layer = randomised(BatchNorm(4), rng)
    x = inputs((6, 4), rng)
    dout = rng.normal(size=(6, 4))
    layer.forward(x)
    dx_training = layer.backward(dout)
    inv_std = 1 / np.sqrt(x.var(axis=0) + layer.eps)
    fixed_statistics = dout * layer.params["gamma"] * inv_std
    assert np.abs(dx_training - fixed_statistics).max() > 0.1
    np.testing.assert_allclose(dx_training.sum(axis=0), 0.0, atol=1e-12)  # a shift of the batch changes nothing


def test_whole_networks_with_normalisation_pass_the_gradient_check(rng):
    X, y = rng.normal(size=(8, 5)), rng.integers(0, 3, 8)
    dense = Sequential([Dense(5, 6, rng=rng), BatchNorm(6), Activation("tanh"), Dense(6, 6, rng=rng),
                        LayerNorm(6), Activation("relu"), Dense(6, 3, rng=rng)])
    result = check_model(dense, SoftmaxCrossEntropy(), X, y)
    # The bias of a layer right before BatchNorm is subtracted again with the batch mean: its gradient
    # is exactly 0 in training mode, and the finite difference is rounding noise of about 1e-10, so the
    # relative error of two numbers that are both 0 means nothing. Check the value instead.
    assert np.abs(dense.layers[0].grads["b"]).max() < 1e-12
    assert all(error < 1e-6 for name, error in result.errors.items() if name != "0.b"), result
    conv = Sequential([Reshape((1, 4, 4)), Conv2D(1, 3, 3, padding=1, rng=rng), BatchNorm(3), Activation("tanh"),
                       MaxPool2D(2), Flatten(), Dense(12, 3, rng=rng)])
    result = check_model(conv, SoftmaxCrossEntropy(), rng.normal(size=(5, 16)), y[:5])
    assert np.abs(conv.layers[1].grads["b"]).max() < 1e-12  # the conv bias before BatchNorm, as above
    assert all(error < 1e-6 for name, error in result.errors.items() if name != "1.b"), result
    dense.eval()
    assert check_model(dense, SoftmaxCrossEntropy(), X, y).passed  # running statistics: the bias counts again
    assert np.abs(dense.layers[0].grads["b"]).max() > 1e-3


def test_batchnorm_training_output_has_mean_0_and_variance_1_per_feature(rng):
    for kind, shape in SHAPES.items():
        x = inputs(shape, rng)
        out = BatchNorm(4).forward(x)  # gamma 1, beta 0
        axes = (0,) if x.ndim == 2 else (0, 2, 3)
        np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-12)
        np.testing.assert_allclose(out.var(axis=axes), x.var(axis=axes) / (x.var(axis=axes) + 1e-5), rtol=1e-12)


def test_batchnorm_running_statistics_follow_the_momentum_rule(rng):
    layer = BatchNorm(3, momentum=0.8)
    x1, x2 = inputs((10, 3), rng), inputs((10, 3), rng)
    layer.forward(x1)
    layer.forward(x2)
    mean = 0.8 * (0.8 * 0.0 + 0.2 * x1.mean(0)) + 0.2 * x2.mean(0)
    var = 0.8 * (0.8 * 1.0 + 0.2 * x1.var(0, ddof=1)) + 0.2 * x2.var(0, ddof=1)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)
    layer.training = False
    before = layer.running_mean.copy(), layer.running_var.copy()
    out = layer.forward(x1)
    assert np.array_equal(layer.running_mean, before[0]) and np.array_equal(layer.running_var, before[1])
    np.testing.assert_allclose(out, (x1 - mean) / np.sqrt(var + 1e-5), rtol=1e-12)


def test_batchnorm_running_statistics_converge_to_the_data(rng):
    layer = BatchNorm(2, momentum=0.9)
    for _ in range(300):
        layer.forward(rng.normal(loc=[3.0, -1.0], scale=[2.0, 0.5], size=(64, 2)))
    np.testing.assert_allclose(layer.running_mean, [3.0, -1.0], atol=0.15)
    np.testing.assert_allclose(layer.running_var, [4.0, 0.25], rtol=0.15)


def test_conv_batchnorm_is_per_channel_over_batch_and_positions(rng):
    x = inputs((4, 3, 5, 5), rng)
    x[:, 1] *= 10.0
    out = BatchNorm(3).forward(x)
    for c in range(3):
        values = x[:, c]
        np.testing.assert_allclose(out[:, c], (values - values.mean()) / np.sqrt(values.var() + 1e-5), rtol=1e-12)


def test_batchnorm_output_depends_on_the_batch_in_training_mode_only(rng):
    """The train/eval pitfall: in training mode a sample's output changes with its companions."""
    layer = randomised(BatchNorm(4), rng)
    sample, others_a, others_b = inputs((1, 4), rng), inputs((5, 4), rng), inputs((5, 4), rng) + 3.0
    first = layer.forward(np.vstack([sample, others_a]))[0]
    second = layer.forward(np.vstack([sample, others_b]))[0]
    assert np.abs(first - second).max() > 0.1
    layer.training = False
    alone = layer.forward(sample)[0]
    np.testing.assert_allclose(layer.forward(np.vstack([sample, others_a]))[0], alone, rtol=1e-13)


def test_layernorm_normalises_each_sample_alone_in_either_mode(rng):
    for shape in SHAPES.values():
        x = inputs(shape, rng)
        layer = LayerNorm(4)
        out = layer.forward(x)
        axes = tuple(range(1, x.ndim))
        np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-12)
        np.testing.assert_allclose(out.var(axis=axes), x.var(axis=axes) / (x.var(axis=axes) + 1e-5), rtol=1e-12)
        np.testing.assert_allclose(layer.forward(x[:1])[0], out[0], rtol=1e-13)  # batch of one: same answer
        layer.training = False
        np.testing.assert_array_equal(layer.forward(x), out)


def test_float32_and_astype_convert_the_running_statistics(rng):
    model = Sequential([Dense(3, 4, rng=rng), BatchNorm(4), Activation("relu"), Dense(4, 2, rng=rng)])
    model.astype(np.float32)
    x = inputs((5, 3), rng).astype(np.float32)
    assert model.forward(x).dtype == np.float32
    assert model.layers[1].running_mean.dtype == np.float32 and model.layers[1].params["gamma"].dtype == np.float32
    assert model.predict(x).dtype == np.float32
    layer = BatchNorm(4, dtype=np.float32)
    assert layer.forward(inputs((3, 4), rng)).dtype == np.float32


def test_state_dict_holds_the_running_statistics_and_restores_them(rng):
    model = Sequential([Dense(3, 4, rng=rng), BatchNorm(4), Activation("relu"), Dense(4, 2, rng=rng)])
    X, y = inputs((16, 3), rng), rng.integers(0, 2, 16)
    model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(0.1), epochs=2, batch_size=8, rng=0, progress=False)
    state = model.state_dict()
    assert {"1.running_mean", "1.running_var", "1.gamma", "1.beta", "0.W"} <= set(state)
    before = model.predict(X)
    model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(0.1), epochs=3, batch_size=8, rng=1, progress=False)
    assert not np.array_equal(model.layers[1].running_mean, state["1.running_mean"])
    gamma = model.layers[1].params["gamma"]
    model.load_state_dict(state)
    assert model.layers[1].params["gamma"] is gamma  # in place: parameter lists stay valid
    np.testing.assert_array_equal(model.layers[1].running_var, state["1.running_var"])
    np.testing.assert_array_equal(model.predict(X), before)


def test_fit_moves_running_statistics_at_training_steps_only(rng):
    """One full-batch epoch is one training step: one update of the running mean, although fit also ran
    its first-rows check, the starting loss and the validation pass (all in evaluation mode)."""
    X, y = inputs((12, 3), rng), rng.integers(0, 2, 12)
    model = Sequential([BatchNorm(3), Dense(3, 2, rng=rng)])
    model.fit(X, y, loss=SoftmaxCrossEntropy(), epochs=1, validation_data=(X[:5], y[:5]), progress=False)
    np.testing.assert_allclose(model.layers[0].running_mean, 0.1 * X.mean(axis=0), rtol=1e-12)
