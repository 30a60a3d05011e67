"""The gradient checker itself: it must pass right gradients and catch wrong ones."""
import numpy as np
import pytest

from nnlib.activations import Sigmoid
from nnlib.gradcheck import check_activation, check_layer, numerical_grad, rel_error
from nnlib.layers import Dense


def test_numerical_grad_of_a_known_function(rng):
    x = rng.standard_normal(5)
    grad = numerical_grad(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    before = x.copy()
    numerical_grad(lambda: float(np.sum(np.sin(x))), x)
    assert np.array_equal(x, before), "x must be restored exactly"


def test_numerical_grad_needs_float64():
    with pytest.raises(TypeError, match="float64 numpy array"):
        numerical_grad(lambda: 0.0, np.zeros(3, np.float32))


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([0.0], [0.0]) == 0.0
    assert rel_error([1.0], [-1.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error([1.0], [1.0, 2.0])


class WrongSigmoid(Sigmoid):
    """The classic mistake: forgetting the (1 - s) factor."""

    def _grad(self, z):
        return self._forward(z)


class MissingTwo(Dense):
    """A layer whose weight gradient is off by a factor of 2."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["W"] *= 0.5
        return dx


def test_wrong_gradients_are_caught(rng):
    result = check_activation(WrongSigmoid(), rng=rng)
    assert not result.passed and result.max_error > 0.1
    assert "FAILED" in repr(result)
    layer = MissingTwo(3, 2, rng=rng)
    result = check_layer(layer, rng.standard_normal((4, 3)), rng=rng)
    assert not result.passed and result.errors["dW"] > 0.1 and result.errors["dx"] < 1e-6


def test_layer_check_refuses_float32(rng):
    with pytest.raises(TypeError, match="need float64"):
        check_layer(Dense(3, 2, rng=rng, dtype=np.float32), np.zeros((2, 3)))
