"""Losses: hand-computed values, gradients, stability at the edges, clear errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import check_loss
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy, get_loss


def test_sse_and_mse_by_hand():
    y_hat = np.array([[0.5], [0.0], [2.0]])
    y = np.array([[1.0], [0.0], [0.0]])
    # errors -0.5, 0, 2 -> squares 0.25, 0, 4
    assert SSE()(y_hat, y) == pytest.approx(4.25)
    sse = SSE()
    sse.forward(y_hat, y)
    np.testing.assert_allclose(sse.backward(), [[-1.0], [0.0], [4.0]])
    mse = MSE()
    assert mse.forward(y_hat, y) == pytest.approx(4.25 / 3)
    np.testing.assert_allclose(mse.backward(), np.array([[-1.0], [0.0], [4.0]]) / 3)


def test_bce_by_hand():
    y_hat = np.array([0.8, 0.4])
    y = np.array([1.0, 0.0])
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert BinaryCrossEntropy()(y_hat, y) == pytest.approx(expected, rel=1e-12)
    logits = np.log(y_hat / (1 - y_hat))
    assert BinaryCrossEntropy(from_logits=True)(logits, y) == pytest.approx(expected, rel=1e-12)


def test_softmax_cross_entropy_by_hand():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    labels = np.array([0, 1])
    # p = [.5, .5] -> -log .5; p = [.75, .25] -> -log .25
    expected = (np.log(2.0) + np.log(4.0)) / 2
    assert SoftmaxCrossEntropy()(logits, labels) == pytest.approx(expected, rel=1e-12)
    one_hot = np.eye(2)[labels]
    assert SoftmaxCrossEntropy()(logits, one_hot) == pytest.approx(expected, rel=1e-12)


CASES = [
    (SSE(), "regression"), (MSE(), "regression"), (BinaryCrossEntropy(), "probability"),
    (BinaryCrossEntropy(from_logits=True), "regression"), (SoftmaxCrossEntropy(), "labels"),
]


@pytest.mark.parametrize("loss,kind", CASES, ids=lambda c: repr(c) if not isinstance(c, str) else c)
def test_gradient_matches_finite_differences(loss, kind, rng):
    if kind == "labels":
        y_hat, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    elif kind == "probability":
        y_hat, y = rng.uniform(0.05, 0.95, (6, 2)), rng.integers(0, 2, (6, 2)).astype(float)
    else:
        y_hat, y = rng.standard_normal((6, 2)), rng.uniform(0, 1, (6, 2))
    result = check_loss(loss, y_hat, y)
    assert result.passed, result


def test_softmax_cross_entropy_gradient_with_one_hot(rng):
    y_hat = rng.standard_normal((5, 3))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    assert check_loss(SoftmaxCrossEntropy(), y_hat, y).passed


def test_stability_at_the_edges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = np.array([0.0, 1.0, 0.0, 1.0])
        y = np.array([0.0, 1.0, 1.0, 0.0])
        bce = BinaryCrossEntropy()
        value = bce.forward(p, y)
        grad = bce.backward()
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        # the two confidently wrong predictions dominate: -log(eps) each, averaged over 4
        assert value == pytest.approx(-np.log(np.finfo(float).eps) / 2, rel=1e-6)
        logits = np.array([-1000.0, 1000.0, -1000.0, 1000.0])
        bce_logits = BinaryCrossEntropy(from_logits=True)
        assert bce_logits.forward(logits, y) == pytest.approx(500.0)
        assert np.all(np.isfinite(bce_logits.backward()))
        sce = SoftmaxCrossEntropy()
        assert sce.forward(np.array([[1000.0, -1000.0]]), np.array([1])) == pytest.approx(2000.0)
        assert np.all(np.isfinite(sce.backward()))
        p32 = p.astype(np.float32)
        assert np.isfinite(BinaryCrossEntropy().forward(p32, y))


def test_shape_mismatch_names_both_shapes_and_the_fix():
    with pytest.raises(ValueError, match=r"y_hat \(4, 1\) and y \(4,\).*y.reshape\(-1, 1\)"):
        MSE()(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"same shape, got y_hat \(3, 2\) and y \(3, 1\)"):
        SSE()(np.zeros((3, 2)), np.zeros((3, 1)))


def test_bad_inputs():
    with pytest.raises(ValueError, match="y_hat is empty"):
        MSE()(np.zeros((0, 1)), np.zeros((0, 1)))
    with pytest.raises(TypeError, match="y_hat must contain real numbers"):
        MSE()(np.array(["a"]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*from_logits=True"):
        BinaryCrossEntropy()(np.array([1.5, -0.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 for 3 classes, got values from 0 to 3"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"integer labels of shape \(2,\) or one-hot of shape \(2, 3\), got \(2, 1\)"):
        SoftmaxCrossEntropy()(np.zeros((2, 3)), np.zeros((2, 1), int))
    with pytest.raises(RuntimeError, match="needs a forward"):
        MSE().backward()
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        get_loss("hinge")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_losses_are_non_negative(values):
    p = np.array(values)
    y = (p > 0.3).astype(float)
    assert BinaryCrossEntropy()(p, y) >= 0
    assert SSE()(p, y) >= 0 and MSE()(p, y) >= 0


def test_check_loss_names_the_input_it_checked():
    y = np.array([[1.0], [0.0]])
    assert set(check_loss(BinaryCrossEntropy(), np.array([[0.7], [0.2]]), y).errors) == {"dy_hat"}
    assert set(check_loss(BinaryCrossEntropy(from_logits=True), np.array([[0.7], [-2.0]]), y).errors) == {"dz"}
    assert set(check_loss(SoftmaxCrossEntropy(), np.zeros((2, 3)), np.array([0, 2])).errors) == {"dz"}
