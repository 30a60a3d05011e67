"""Dropout: the mask and its scaling, the identity in evaluation mode, the layer's own rng, gradients."""
import numpy as np
import pytest

from nnlib.dropout import Dropout
from nnlib.gradcheck import numerical_grad, rel_error
from nnlib.layers import Activation, Dense
from nnlib.losses import MSE
from nnlib.model import Sequential


def test_mask_holds_zeros_and_the_inverse_keep_probability(rng):
    layer = Dropout(0.3, rng=1)
    x = rng.normal(size=(200, 500))
    out = layer.forward(x)
    assert set(np.unique(layer.mask)) == {0.0, 1 / 0.7}
    np.testing.assert_array_equal(out, x * layer.mask)
    dropped = np.mean(layer.mask == 0)
    n = x.size
    assert abs(dropped - 0.3) < 5 * np.sqrt(0.3 * 0.7 / n)  # five standard errors of a binomial share


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expected_value_is_preserved(p):
    """Each output is x / (1 - p) with probability 1 - p, else 0: mean x, variance x^2 p / (1 - p)."""
    layer = Dropout(p, rng=3)
    x = np.full((400, 500), 2.0)
    out = layer.forward(x)
    standard_error = 2.0 * np.sqrt(p / (1 - p) / x.size)
    assert abs(out.mean() - 2.0) < 5 * standard_error


def test_evaluation_mode_is_the_identity(rng):
    layer = Dropout(0.5, rng=0)
    layer.training = False
    x = rng.normal(size=(4, 6))
    assert np.array_equal(layer.forward(x), x) and layer.mask is None
    dout = rng.normal(size=(4, 6))
    assert np.array_equal(layer.backward(dout), dout)
    assert np.array_equal(Dropout(0.0, rng=0).forward(x), x)  # p = 0 keeps everything in training mode too


def test_masks_come_from_the_layers_rng():
    shape = (3, 7)
    layer = Dropout(0.4, rng=11)
    first = layer.forward(np.ones(shape))
    second = layer.forward(np.ones(shape))
    assert not np.array_equal(first, second)  # a new mask at every training-mode pass
    reference = np.random.default_rng(11)
    np.testing.assert_array_equal(first, (reference.random(shape) >= 0.4) / 0.6)
    np.testing.assert_array_equal(second, (reference.random(shape) >= 0.4) / 0.6)
    state = np.random.get_state()[1].copy()
    Dropout(0.4, rng=11).forward(np.ones(shape))
    assert np.array_equal(np.random.get_state()[1], state)  # numpy's global generator is left alone
    again = Dropout(0.4, rng=np.random.default_rng(11)).forward(np.ones(shape))
    np.testing.assert_array_equal(again, first)


def test_gradient_with_a_fixed_mask(rng):
    """Re-seeding the layer's rng before each forward pass fixes the mask, so the finite differences
    see one smooth function, x -> x * mask."""
    layer = Dropout(0.5)
    x = rng.normal(size=(5, 8))
    weights = rng.normal(size=(5, 8))

    def f():
        layer.rng = np.random.default_rng(7)
        return float(np.sum(layer.forward(x) * weights))

    f()
    dx = layer.backward(weights)
    assert rel_error(dx, numerical_grad(f, x)) < 1e-8
    np.testing.assert_array_equal(dx, weights * layer.mask)
    assert np.any(layer.mask == 0)


def test_network_dropout_switches_with_the_model(rng):
    model = Sequential([Dense(4, 16, rng=rng), Activation("relu"), Dropout(0.5, rng=0), Dense(16, 1, rng=rng)])
    X = rng.normal(size=(10, 4))
    assert not np.array_equal(model.forward(X), model.forward(X))  # training mode: two different masks
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    assert model.training  # predict switched to evaluation mode and back
    model.eval()
    np.testing.assert_array_equal(model.forward(X), model.predict(X))
    history = model.train().fit(X, rng.normal(size=(10, 1)), loss=MSE(), epochs=3, progress=False)
    assert len(history.step_loss) == 3 and model.training
