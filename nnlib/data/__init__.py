"""Data sets and preprocessing for the book.

Everything here is generated on the fly from an explicit ``rng`` or read from
files shipped inside the package: nothing is downloaded.

Shapes follow the rest of nnlib: ``X`` is ``(n_samples, n_features)``; targets
for regression-style losses are ``(n_samples, n_outputs)`` and class labels
are integer vectors ``(n_samples,)``.
"""
from __future__ import annotations

from importlib import resources

import numpy as np

from .._validation import (as_float_array, check_2d, check_bool, check_finite, check_fraction, check_labels,
                           check_non_negative, check_not_empty, check_positive_int, check_rng)


def toy_dataset():
    """The four-sample data set of the classic from-scratch tutorial.

    Three binary inputs; the target is the XOR of the first two (the third
    input is always 1 and acts like a bias).

    Returns
    -------
    X : ndarray, shape (4, 3)
    y : ndarray, shape (4, 1), values 0, 1, 1, 0
    """
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def xor():
    """The four points of XOR: ``X`` (4, 2) and ``y`` (4, 1)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng=None):
    """Interleaved spiral arms, one per class: a classic non-linear problem.

    Returns
    -------
    X : ndarray, shape (n_per_class * n_classes, 2)
    y : ndarray of int, shape (n_per_class * n_classes,)
    """
    n_per_class = check_positive_int(n_per_class, "n_per_class")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = check_non_negative(noise, "noise", " It is the standard deviation of the noise, e.g. 0.2.")
    rng = check_rng(rng)
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    angle = (labels * 2 * np.pi / n_classes + radius * 4.0
             + rng.standard_normal(radius.size) * noise)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, labels


def moons(n_samples: int = 200, noise: float = 0.1, rng=None):
    """Two interleaving half circles; ``y`` is 0 for the upper and 1 for the lower moon.

    Returns ``X`` (n_samples, 2) and integer ``y`` (n_samples,).
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_non_negative(noise, "noise", " It is the standard deviation of the noise, e.g. 0.1.")
    rng = check_rng(rng)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.standard_normal((n_samples, 2)) * noise
    y = np.concatenate([np.zeros(n_upper, int), np.ones(n_lower, int)])
    return X, y


def circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, rng=None):
    """A small circle (label 1) inside a large one (label 0).

    ``factor`` is the ratio of the inner to the outer radius, in (0, 1).
    Returns ``X`` (n_samples, 2) and integer ``y`` (n_samples,).
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_non_negative(noise, "noise", " It is the standard deviation of the noise, e.g. 0.05.")
    factor = check_fraction(factor, "factor", low_open=True)
    rng = check_rng(rng)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    X = np.vstack([outer, inner]) + rng.standard_normal((n_samples, 2)) * noise
    y = np.concatenate([np.zeros(n_outer, int), np.ones(n_inner, int)])
    return X, y


def load_digits(flatten: bool = True):
    """The 8×8 handwritten digits shipped with nnlib (1,797 images, labels 0–9).

    Pixel values are 0–16 (see ``PROVENANCE.md`` beside the data file).

    Parameters
    ----------
    flatten : bool, default True
        Return images as rows of 64 pixels; ``False`` keeps them ``(8, 8)``.

    Returns
    -------
    X : ndarray of float64, shape (1797, 64) or (1797, 8, 8)
    y : ndarray of int64, shape (1797,)
    """
    flatten = check_bool(flatten, "flatten")
    with resources.files(__package__).joinpath("digits.npz").open("rb") as handle:
        with np.load(handle) as archive:
            images = archive["images"].astype(np.float64)
            labels = archive["labels"].astype(np.int64)
    return (images.reshape(len(images), -1) if flatten else images), labels


def one_hot(y, n_classes: int | None = None) -> np.ndarray:
    """Integer labels ``(n,)`` to one-hot rows ``(n, n_classes)`` of float64.

    Labels may be integers, or floats that are whole numbers; ``n_classes``
    defaults to the largest label plus one.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot expects a 1-D array of integer labels, got shape {y.shape}, dtype {y.dtype}."
                         + (" For labels in a column use y.ravel()." if y.ndim == 2 and y.shape[1] == 1 else ""))
    if n_classes is None:
        if y.size == 0:
            raise ValueError("one_hot got no labels (an empty array) and no n_classes, so the number of columns "
                             "is unknown. Pass n_classes=... explicitly.")
        # Whole, finite and >= 0 first; then the largest label sets the number of classes.
        largest = check_labels(y, None, "y", who="one_hot").max()
        n_classes = int(largest) + 1
    else:
        n_classes = check_positive_int(n_classes, "n_classes")
    labels = check_labels(y, n_classes, "y", who="one_hot")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def _column_statistics(value, X, name, who):
    """A user-given mean/std/low/high: one finite number per column of ``X``."""
    value = as_float_array(value, f"{who}: {name}", dtype=X.dtype)
    if value.shape not in ((), (X.shape[1],), (1, X.shape[1])):
        raise ValueError(f"{who}: {name} must hold one number per column of X, shape ({X.shape[1]},), got "
                         f"{value.shape}. Pass the {name} returned for the training set.")
    check_finite(value, f"{who}: {name}")
    return value


def standardize(X, mean=None, std=None):
    r"""Shift and scale every column to mean 0 and standard deviation 1.

    $x' = (x - \mu) / s$. Pass the training set's ``mean`` and ``std`` when
    scaling test data, so both are transformed identically. Constant columns
    (``std == 0``) are only shifted.

    Returns
    -------
    X_scaled, mean, std
    """
    X = as_float_array(X, "X")
    check_2d(X, "X", "(n_samples, n_features)")
    check_not_empty(X, "X")
    check_finite(X, "standardize: X")
    mean = X.mean(axis=0) if mean is None else _column_statistics(mean, X, "mean", "standardize")
    std = X.std(axis=0) if std is None else _column_statistics(std, X, "std", "standardize")
    if np.any(std < 0):
        raise ValueError(f"standardize: std must be >= 0 in every column, got {std}. Pass the std returned "
                         "for the training set.")
    safe_std = np.where(std > 0, std, 1.0)
    with np.errstate(over="raise"):
        try:
            return (X - mean) / safe_std, mean, std
        except FloatingPointError:
            raise ValueError("standardize: the scaled values overflow the data type (a tiny std with huge "
                             "values); check the mean and std you passed.") from None


def minmax_scale(X, low=None, high=None):
    r"""Map every column linearly onto [0, 1]: $x' = (x - \min) / (\max - \min)$.

    Pass the training set's ``low`` and ``high`` for test data. Constant
    columns map to 0.

    Returns
    -------
    X_scaled, low, high
    """
    X = as_float_array(X, "X")
    check_2d(X, "X", "(n_samples, n_features)")
    check_not_empty(X, "X")
    check_finite(X, "minmax_scale: X")
    low = X.min(axis=0) if low is None else _column_statistics(low, X, "low", "minmax_scale")
    high = X.max(axis=0) if high is None else _column_statistics(high, X, "high", "minmax_scale")
    with np.errstate(over="raise", invalid="raise"):
        try:
            span = np.where(high > low, high - low, 1.0)
            return (X - low) / span, low, high
        except FloatingPointError:
            raise ValueError("minmax_scale: the range of a column is larger than the data type can hold; "
                             "rescale the data first (e.g. divide by a constant).") from None


def train_test_split(X, y, test_fraction: float = 0.2, rng=None, stratify: bool = False):
    """Shuffle and split into training and test sets.

    Parameters
    ----------
    X : array, shape (n_samples, ...)
    y : array, shape (n_samples, ...)
    test_fraction : float in (0, 1)
    rng : Generator or int
    stratify : bool
        Keep each class's share equal in both parts (``y`` must hold labels).

    Returns
    -------
    X_train, X_test, y_train, y_test
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"train_test_split needs arrays of samples, got X of shape {X.shape} and y of shape {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}. "
                         "Each sample needs exactly one target.")
    test_fraction = check_fraction(test_fraction, "test_fraction", low_open=True)
    stratify = check_bool(stratify, "stratify")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}.")
    rng = check_rng(rng)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"stratify=True needs y as class labels of shape (n,), got shape {y.shape}. "
                             "For one-hot rows pass y.argmax(axis=1) to stratify on, or split without stratify.")
        test_parts = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test_parts.append(members[: int(round(len(members) * test_fraction))])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.setdiff1d(np.arange(n), test_idx))
        if test_idx.size == 0 or train_idx.size == 0:
            part = "test" if test_idx.size == 0 else "training"
            raise ValueError(f"stratify=True with test_fraction={test_fraction:g} leaves the {part} set empty "
                             f"({n} samples in {len(np.unique(y))} classes). Use more data, another "
                             "test_fraction, or stratify=False.")
    else:
        order = rng.permutation(n)
        n_test = min(max(1, int(round(n * test_fraction))), n - 1)
        test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
