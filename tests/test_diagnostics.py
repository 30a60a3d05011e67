"""Per-layer statistics: saturation, dead units and vanishing gradients show up as numbers."""
import numpy as np

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
