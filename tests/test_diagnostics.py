"""Per-layer statistics: saturation, dead units and vanishing gradients show up as numbers."""
import numpy as np
import pytest

from nnlib.diagnostics import StatsRecorder, layer_statistics
from nnlib.layers import Activation, Dense
from nnlib.losses import MSE
from nnlib.model import Sequential
from nnlib.optim import SGD


def deep(act, depth, rng, scale=1.0, bias=0.0, width=32):
    layers = []
    for _ in range(depth):
        dense = Dense(width, width, init="xavier_normal", rng=rng, bias=bias)
        dense.params["W"] *= scale
        layers += [dense, Activation(act)]
    layers.append(Dense(width, 1, rng=rng))
    return Sequential(layers)


def test_sigmoid_gradients_vanish_towards_the_input_relu_ones_do_not(rng):
    X, y = rng.standard_normal((64, 32)), rng.standard_normal((64, 1))
    sig = layer_statistics(deep("sigmoid", 8, rng), X, y, MSE())
    assert len(sig) == 9
    assert sig[0].grad_norm < sig[7].grad_norm / 100
    relu = deep("relu", 8, rng)
    for layer in relu.layers:
        if isinstance(layer, Dense):
            layer.params["W"] *= np.sqrt(2)  # He scale
    stats = layer_statistics(relu, X, y, MSE())
    assert stats[0].grad_norm > stats[7].grad_norm / 10


def test_saturated_and_dead_fractions(rng):
    X, y = rng.standard_normal((64, 32)), rng.standard_normal((64, 1))
    saturated = layer_statistics(deep("tanh", 2, rng, scale=30.0), X, y, MSE())
    assert saturated[1].saturated > 0.5
    assert np.isnan(saturated[1].dead)
    dead = layer_statistics(deep("relu", 2, rng, bias=-100.0), X, y, MSE())
    assert dead[0].dead == 1.0 and dead[0].zero == 1.0
    assert np.isnan(dead[0].saturated)
    healthy = layer_statistics(deep("relu", 2, rng, bias=0.1), X, y, MSE(), lr=0.01)
    assert healthy[0].dead < 0.2 and 0 < healthy[0].update_ratio < 1


def test_statistics_do_not_change_parameters(rng):
    model = deep("relu", 2, rng)
    before = [p.value.copy() for p in model.parameters()]
    layer_statistics(model, rng.standard_normal((8, 32)), rng.standard_normal((8, 1)), MSE())
    assert all(np.array_equal(b, p.value) for b, p in zip(before, model.parameters()))


def test_recorder_during_fit(rng):
    model = deep("tanh", 2, rng, width=8)
    X, y = rng.standard_normal((32, 8)), rng.standard_normal((32, 1))
    recorder = StatsRecorder(X[:16], y[:16], MSE(), lr=0.05, every=2)
    model.fit(X, y, loss=MSE(), optimizer=SGD(lr=0.05), epochs=6, progress=False, callbacks=[recorder])
    assert recorder.epochs == [2, 4, 6]
    assert recorder.series("grad_norm").shape == (3, 3)


def test_statistics_cover_conv_layers_and_dead_filters(rng):
    from nnlib.conv import Conv2D, MaxPool2D, Reshape
    from nnlib.layers import Flatten
    from nnlib.losses import SoftmaxCrossEntropy

    conv = Conv2D(1, 4, 3, padding=1, rng=rng)
    conv.params["b"][:2] = -100.0  # filters 0 and 1 output 0 everywhere after the ReLU
    model = Sequential([Reshape((1, 4, 4)), conv, Activation("relu"), MaxPool2D(2), Flatten(),
                        Dense(16, 3, rng=rng)])
    X, y = rng.standard_normal((8, 16)), rng.integers(0, 3, 8)
    stats = layer_statistics(model, X, y, SoftmaxCrossEntropy(), lr=0.1)
    assert [s.kind for s in stats] == ["Conv2D", "Dense"]
    assert stats[0].activation == "relu" and stats[0].dead == 0.5
    assert stats[0].grad_norm == np.linalg.norm(conv.grads["W"]) > 0
    assert 0 < stats[0].update_ratio < 1


# ---- networks with normalisation and dropout between a layer and its activation ----------------
def normalised(act, norm, rng, width=8, depth=2, dropout=0.0):
    """``depth`` blocks Dense -> norm -> (Dropout) -> activation, then a linear output."""
    from nnlib.dropout import Dropout
    from nnlib.normalization import BatchNorm, LayerNorm

    layers = []
    for _ in range(depth):
        layers += [Dense(width, width, rng=rng), {"batch": BatchNorm, "layer": LayerNorm}[norm](width)]
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
        layers.append(Activation(act))
    layers.append(Dense(width, 1, rng=rng))
    return Sequential(layers)


def same_statistics(first, second):
    """Two lists of LayerStats with equal fields (nan equal to nan: a field that does not apply)."""
    return len(first) == len(second) and all(
        a.activation == b.activation and a.norm == b.norm and a.kind == b.kind and np.allclose(
            [getattr(a, f) for f in NUMBERS], [getattr(b, f) for f in NUMBERS], rtol=0, atol=0, equal_nan=True)
        for a, b in zip(first, second))


NUMBERS = ("act_mean", "act_std", "saturated", "dead", "zero", "grad_norm", "weight_norm", "update_ratio")


def test_the_activation_after_a_normalisation_layer_is_the_one_measured(rng):
    X, y = rng.standard_normal((64, 8)), rng.standard_normal((64, 1))
    model = normalised("relu", "batch", rng)
    model.layers[1].params["beta"][:2] = -100.0  # units 0 and 1 of layer 1: negative for every sample
    stats = layer_statistics(model, X, y, MSE())
    assert [s.activation for s in stats] == ["relu", "relu", "identity"]
    assert [s.norm for s in stats] == ["BatchNorm", "BatchNorm", ""]
    assert stats[0].dead == 2 / 8  # exactly the two units that the shift switched off
    relu_out = model.layers[2]._forward(model.layers[1]._forward(model.layers[0]._forward(X)))
    assert stats[0].act_mean == relu_out.mean() and stats[0].zero == np.mean(relu_out == 0)


def test_saturation_is_measured_on_the_input_of_the_activation_after_layer_norm(rng):
    X, y = rng.standard_normal((64, 8)), rng.standard_normal((64, 1))
    model = normalised("sigmoid", "layer", rng)
    model.layers[4].params["gamma"][:] = 30.0  # layer 2: normalised values times 30, far into the tails
    stats = layer_statistics(model, X, y, MSE())
    assert stats[1].activation == "sigmoid" and stats[1].norm == "LayerNorm"
    assert stats[1].saturated > 0.5 and stats[0].saturated < 0.1


def test_statistics_are_those_of_a_training_step_whatever_the_mode_and_change_nothing(rng):
    X, y = rng.standard_normal((32, 8)) * 3 + 1, rng.standard_normal((32, 1))
    model = normalised("tanh", "batch", rng)
    buffers = [{k: v.copy() for k, v in layer.buffers.items()} for layer in model.layers]
    in_training = layer_statistics(model, X, y, MSE())
    assert model.training
    model.eval()
    in_evaluation = layer_statistics(model, X, y, MSE())
    assert not model.training and not any(layer.training for layer in model.layers)  # the mode is kept
    assert same_statistics(in_training, in_evaluation)
    for layer, saved in zip(model.layers, buffers):  # the running statistics did not move
        assert all(np.array_equal(layer.buffers[k], saved[k]) for k in saved)
    # A training step's forward pass normalises with the batch's statistics: mean 0 over the batch.
    model.train()
    z = model.layers[1].forward(model.layers[0].forward(X))
    assert np.allclose(z.mean(axis=0), 0) and in_training[0].act_mean == np.tanh(z).mean()
    # ... and its backward pass fills the gradients a training step would use.
    loss = MSE()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    expected = model.layers[0].grads["W"].copy()
    buffers = [{k: v.copy() for k, v in layer.buffers.items()} for layer in model.layers]
    layer_statistics(model, X, y, MSE())
    assert np.allclose(model.layers[0].grads["W"], expected)


def test_evaluation_mode_measures_with_the_running_statistics(rng):
    X, y = rng.standard_normal((32, 8)) * 3 + 1, rng.standard_normal((32, 1))
    model = normalised("tanh", "batch", rng)
    model.layers[1].buffers["running_mean"][:] = 5.0  # far from the batch mean: the two modes differ
    stats = layer_statistics(model, X, y, MSE(), mode="eval")
    assert model.training  # the model's own mode is kept
    model.eval()
    z = model.layers[1].forward(model.layers[0].forward(X))  # evaluation mode: running statistics
    assert stats[0].act_mean == np.tanh(z).mean()
    assert stats[0].act_mean != layer_statistics(model, X, y, MSE(), mode="train")[0].act_mean
    assert model.layers[1].buffers["running_mean"][0] == 5.0


def test_dropout_drops_nothing_while_measuring_and_draws_no_random_numbers(rng):
    X, y = rng.standard_normal((32, 8)), rng.standard_normal((32, 1))
    model = normalised("relu", "batch", rng, dropout=0.5)
    dropout = model.layers[2]
    state = dropout.rng.bit_generator.state
    first, second = layer_statistics(model, X, y, MSE()), layer_statistics(model, X, y, MSE())
    assert same_statistics(first, second) and dropout.rng.bit_generator.state == state
    assert first[0].activation == "relu"
    assert model.training and dropout.training


def test_a_single_sample_cannot_give_batch_statistics_and_the_error_says_what_to_do(rng):
    model = normalised("relu", "batch", rng)
    with pytest.raises(ValueError, match="mode='eval'"):
        layer_statistics(model, rng.standard_normal((1, 8)), np.zeros((1, 1)), MSE())
    assert len(layer_statistics(model, rng.standard_normal((1, 8)), np.zeros((1, 1)), MSE(), mode="eval")) == 3
    with pytest.raises(ValueError, match="'train', 'eval'"):
        layer_statistics(model, rng.standard_normal((4, 8)), np.zeros((4, 1)), MSE(), mode="training")
