"""Data sets and preprocessing."""
import numpy as np
import pytest

from nnlib import data


def test_toy_dataset_is_the_source_articles():
    X, y = data.toy_dataset()
    assert X.tolist() == [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    assert y.ravel().tolist() == [0, 1, 1, 0]


def test_digits_ship_with_the_package():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16
    assert sorted(set(y.tolist())) == list(range(10))
    assert np.bincount(y).min() >= 174
    images, _ = data.load_digits(flatten=False)
    assert images.shape == (1797, 8, 8)
    from importlib import resources
    assert resources.files("nnlib.data").joinpath("PROVENANCE.md").read_text().count("CC BY 4.0") >= 1


@pytest.mark.parametrize("maker", [data.spiral, data.moons, data.circles])
def test_generators_are_seeded_and_shaped(maker):
    X1, y1 = maker(rng=3)
    X2, y2 = maker(rng=3)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert X1.ndim == 2 and X1.shape[1] == 2 and y1.shape == (X1.shape[0],)
    assert y1.dtype.kind == "i"


def test_standardize_and_minmax(rng):
    X = rng.normal(5, 3, (100, 3))
    Xs, mean, std = data.standardize(X)
    np.testing.assert_allclose(Xs.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=0), 1, atol=1e-12)
    X_test = rng.normal(5, 3, (10, 3))
    Xt, _, _ = data.standardize(X_test, mean, std)
    np.testing.assert_allclose(Xt, (X_test - mean) / std)
    Xm, low, high = data.minmax_scale(X)
    assert Xm.min() == 0 and Xm.max() == 1
    constant = np.ones((4, 2))
    assert np.all(data.standardize(constant)[0] == 0)
    assert np.all(data.minmax_scale(constant)[0] == 0)
    with pytest.raises(ValueError, match=r"got a 1-D array of shape \(3,\)"):
        data.standardize(np.ones(3))
    with pytest.raises(ValueError, match="X is empty"):
        data.minmax_scale(np.ones((0, 3)))


def test_train_test_split(rng):
    X, y = data.load_digits()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, 0.2, rng=rng, stratify=True)
    assert len(X_tr) + len(X_te) == len(X)
    assert abs(len(X_te) - 0.2 * len(X)) <= 10
    assert np.bincount(y_te).min() >= 34
    X_tr2, X_te2, _, _ = data.train_test_split(X, y, 0.2, rng=np.random.default_rng(12345), stratify=True)
    assert np.array_equal(X_te, X_te2)
    with pytest.raises(ValueError, match=r"test_fraction must lie in \(0, 1\), got 1.5"):
        data.train_test_split(X, y, 1.5)
    with pytest.raises(ValueError, match="same number of rows, got 1797 and 3"):
        data.train_test_split(X, y[:3])


def test_one_hot():
    assert data.one_hot(np.array([0, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    with pytest.raises(ValueError, match=r"labels must lie in 0..1 for 2 classes, got values from 0 to 2"):
        data.one_hot(np.array([0, 2]), n_classes=2)
