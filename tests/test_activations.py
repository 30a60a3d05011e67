"""Activations: values, derivatives (finite differences), stability, input types, properties."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib import activations as A
from nnlib.activations import ACTIVATIONS, get_activation
from nnlib.gradcheck import check_activation, numerical_grad, rel_error

ALL = sorted(ACTIVATIONS)
MONOTONE = [name for name in ALL if name != "gelu"]  # GELU dips below 0 for z < 0


@pytest.mark.parametrize("name", ALL)
def test_grad_matches_finite_differences(name, rng):
    result = check_activation(name, rng=rng)
    assert result.passed, result


@pytest.mark.parametrize("name", ALL)
def test_grad_matches_finite_differences_per_entry(name, rng):
    # Entry by entry too, so that one wrong region cannot hide behind the norm.
    z = rng.uniform(0.05, 4.0, 40) * rng.choice([-1.0, 1.0], 40)
    act = get_activation(name)
    for zi in z:
        point = np.array([zi])
        numeric = numerical_grad(lambda: float(act.forward(point)[0]), point)
        assert rel_error(act.grad(point), numeric) < 1e-6, (name, zi)


HAND_VALUES = {
    "identity": ([-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0], [1.0, 1.0, 1.0]),
    "sigmoid": ([0.0, np.log(3.0), -np.log(3.0)], [0.5, 0.75, 0.25], [0.25, 0.1875, 0.1875]),
    "tanh": ([0.0, np.log(2.0)], [0.0, 0.6], [1.0, 0.64]),
    "relu": ([-2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0, 0.0, 1.0]),
    "leaky_relu": ([-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0], [0.01, 0.01, 1.0]),
    "elu": ([-np.log(2.0), 0.0, 3.0], [-0.5, 0.0, 3.0], [0.5, 1.0, 1.0]),
    "softplus": ([0.0, np.log(3.0)], [np.log(2.0), np.log(4.0)], [0.5, 0.75]),
    "gelu": ([0.0, 1.0], [0.0, 0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * 1.044715))], [0.5, None]),
}


@pytest.mark.parametrize("name", ALL)
def test_hand_computed_values(name):
    z, expected, expected_grad = HAND_VALUES[name]
    act = get_activation(name)
    np.testing.assert_allclose(act.forward(z), expected, rtol=1e-12, atol=1e-15)
    for zi, gi in zip(z, expected_grad):
        if gi is not None:
            np.testing.assert_allclose(act.grad(zi), gi, rtol=1e-12, atol=1e-15)


def test_registry_covers_the_book():
    assert set(ACTIVATIONS) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"}
    for name, cls in ACTIVATIONS.items():
        assert cls.name == name and isinstance(get_activation(name), cls)


def test_unknown_name_lists_the_options():
    with pytest.raises(ValueError, match=r"unknown activation 'relux'.*'relu'"):
        get_activation("relux")
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(3.5)


@pytest.mark.parametrize("name", ALL)
def test_extreme_inputs_are_finite_and_silent(name):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act = get_activation(name)
        out, grad = act.forward(z), act.grad(z)
        out32, grad32 = act.forward(z.astype(np.float32)), act.grad(z.astype(np.float32))
    for array in (out, grad, out32, grad32):
        assert np.all(np.isfinite(array)), (name, array)


def test_sigmoid_exact_limits_and_no_clipping():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert A.sigmoid(1000.0) == 1.0
        assert A.sigmoid(-1000.0) == 0.0
        assert A.sigmoid(-700.0) > 0.0  # tiny but not zero: exp(-700) is representable
    # Sigmoid never clips: just past 1 it is still well below 1.
    assert 0.73 < A.sigmoid(1.0) < 0.74
    assert A.sigmoid(-1.0) == pytest.approx(1 - A.sigmoid(1.0), abs=1e-16)
    # Tail precision: sigmoid(-30) keeps its relative accuracy.
    assert A.sigmoid(-30.0) == pytest.approx(np.exp(-30.0) / (1 + np.exp(-30.0)), rel=1e-14)


def test_softmax_is_stable():
    z = np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = A.softmax(z)
        log_p = A.log_softmax(z)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    assert log_p[0, 2] == pytest.approx(-2000.0)


@pytest.mark.parametrize("name", ALL)
def test_input_types(name):
    act = get_activation(name)
    scalar = act.forward(2)
    assert np.ndim(scalar) == 0 and isinstance(float(scalar), float)
    np.testing.assert_allclose(act.forward([1, 2]), act.forward(np.array([1.0, 2.0])))
    ints = np.arange(-3, 4)
    assert act.forward(ints).dtype == np.float64
    f32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert act.forward(f32).dtype == np.float32
    assert act.grad(f32).dtype == np.float32
    cube = np.zeros((2, 3, 4))
    assert act.forward(cube).shape == (2, 3, 4) and act.grad(cube).shape == (2, 3, 4)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="real numbers.*dtype '<U1'"):
        A.relu(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="regular array"):
        A.sigmoid([[1, 2], [3]])


def test_plain_functions_match_classes():
    z = np.linspace(-4, 4, 17)
    assert np.array_equal(A.relu(z), A.ReLU()(z))
    assert np.array_equal(A.sigmoid_grad(z), A.Sigmoid().grad(z))
    assert np.array_equal(A.tanh_grad(z), A.Tanh().grad(z))
    assert np.array_equal(A.relu_grad(z), A.ReLU().grad(z))
    assert np.array_equal(A.leaky_relu(z, 0.2), A.LeakyReLU(0.2)(z))
    assert np.array_equal(A.elu(z), A.ELU()(z))
    assert np.array_equal(A.softplus(z), A.Softplus()(z))
    assert np.array_equal(A.gelu(z), A.GELU()(z))
    assert np.array_equal(A.identity(z), z)


def test_relu_derivative_at_zero_is_the_zero_convention():
    assert A.relu_grad(0.0) == 0.0


def test_gelu_tanh_approximation_is_close_to_exact():
    from math import erf

    z = np.linspace(-5, 5, 101)
    exact = np.array([0.5 * v * (1 + erf(v / np.sqrt(2))) for v in z])
    assert np.max(np.abs(A.gelu(z) - exact)) < 1e-3


finite = st.floats(-50, 50, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=finite))
def test_properties_shape_range_and_derivative_sign(z):
    for name in ALL:
        act = get_activation(name)
        assert act.forward(z).shape == z.shape
        grad = act.grad(z)
        assert grad.shape == z.shape
        if name in MONOTONE:
            assert np.all(grad >= 0)
    s = A.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    moderate = np.abs(z) < 30
    assert np.all((s[moderate] > 0) & (s[moderate] < 1))
    assert np.all(A.sigmoid_grad(z) <= 0.25)
    assert np.all(A.tanh_grad(z) <= 1.0)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 6)), elements=st.floats(-500, 500)))
def test_softmax_rows_sum_to_one(z):
    p = A.softmax(z, axis=1)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
