"""Input checks shared by every nnlib module.

Each helper either returns a clean numpy array or raises an error whose message
says what was expected, what arrived and what the reader can do about it. The
book's readers are learning; an error is part of the lesson.
"""
from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def as_float_array(value, name: str = "input", dtype=None) -> np.ndarray:
    """Convert ``value`` to a floating-point numpy array.

    Python scalars, lists and integer or boolean arrays become float64;
    float32 and float64 arrays keep their dtype unless ``dtype`` is given.

    Raises
    ------
    TypeError
        If the values are not numbers (strings, objects, complex numbers).
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged lists and the like
        raise TypeError(
            f"{name} must be numbers arranged as a regular array; "
            f"could not convert a {type(value).__name__} ({err})."
        ) from None
    kind = array.dtype.kind
    if kind not in "biuf":
        raise TypeError(
            f"{name} must contain real numbers, got an array of dtype "
            f"'{array.dtype}'. Convert it first, e.g. np.asarray(data, dtype=float)."
        )
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if kind != "f" or array.dtype not in FLOAT_DTYPES:
        return array.astype(np.float64)
    return array


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a numpy dtype if it is float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in FLOAT_DTYPES:
        raise ValueError(
            f"dtype must be float32 or float64, got {dtype!r}. "
            "Use np.float64 for gradient checks and np.float32 for speed."
        )
    return resolved


def check_2d(x: np.ndarray, name: str, expected: str) -> None:
    """Require a batch-first 2-D array; explain how to fix a 1-D one."""
    if x.ndim == 2:
        return
    if x.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D with shape {expected}, got a 1-D array of shape "
            f"{x.shape}. For a single sample use x.reshape(1, -1); "
            "for one feature per sample use x.reshape(-1, 1)."
        )
    raise ValueError(f"{name} must be 2-D with shape {expected}, got shape {x.shape}.")


def check_not_empty(x: np.ndarray, name: str) -> None:
    """Require at least one sample."""
    if x.size == 0 or (x.ndim >= 1 and x.shape[0] == 0):
        raise ValueError(f"{name} is empty (shape {x.shape}); it needs at least one sample.")


def check_positive_number(value, name: str, hint: str = "") -> float:
    """Require a finite real number greater than zero."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value!r}.{hint}")
    return float(value)


def check_positive_int(value, name: str) -> int:
    """Require a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}.")
    return int(value)


def check_fraction(value, name: str, low_open: bool = False, high_open: bool = True) -> float:
    """Require a number in [0, 1) (or the interval the flags describe)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < 1 if high_open else value <= 1
    if not (low_ok and high_ok):
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise ValueError(f"{name} must lie in {interval}, got {value!r}.")
    return float(value)


def check_rng(rng) -> np.random.Generator:
    """Accept a Generator, a seed (int) or None (fresh, unseeded generator)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a numpy Generator (np.random.default_rng(seed)), an int seed or "
        f"None, got {type(rng).__name__}."
    )
