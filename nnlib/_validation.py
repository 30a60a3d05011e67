"""Input checks shared by every nnlib module.

Each helper either returns a clean value or raises an error whose message says
what was expected, what arrived and what the reader can do about it. The
book's readers are learning; an error is part of the lesson.

Where the checks run
--------------------
Data are checked once, where they enter nnlib: a loss, a layer or an
activation called directly, ``Sequential.forward``, ``predict`` and ``fit``.
Inside ``fit`` the mini-batches are slices of arrays that were checked before
the first step, so the training loop calls the layers' unchecked ``_forward``
and ``_backward`` and pays nothing for the checks.

Types: a wrong *type* (a string where a number belongs) raises ``TypeError``;
a value of the right type that is out of range, non-finite or of the wrong
shape raises ``ValueError``.
"""
from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


# ---------------------------------------------------------------- arrays

def as_float_array(value, name: str = "input", dtype=None) -> np.ndarray:
    """Convert ``value`` to a floating-point numpy array.

    Python scalars, lists and integer or boolean arrays become float64;
    float32 and float64 arrays keep their dtype unless ``dtype`` is given.
    Other float types (float16, longdouble) become float64.

    Raises
    ------
    TypeError
        If the values are not real numbers (strings, objects, complex numbers,
        ``None``) or a list is ragged.
    """
    if isinstance(value, np.ndarray) and value.dtype in FLOAT_DTYPES and dtype is None:
        return value  # the common case, kept cheap
    if value is None:
        raise TypeError(f"{name} must be an array of numbers, got None. Pass the data itself, "
                        "e.g. np.array([[0.0, 1.0]]).")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged lists and the like
        raise TypeError(
            f"{name} must be numbers arranged as a regular array (every row the same length); "
            f"could not convert the {type(value).__name__} ({err})."
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


def _position(index: tuple, ndim: int) -> str:
    if ndim == 0:
        return ""
    if ndim == 1:
        return f" at row {index[0]}"
    if ndim == 2:
        return f" at row {index[0]}, column {index[1]}"
    return f" at index {tuple(int(i) for i in index)}"


def check_finite(x: np.ndarray, name: str, fix: str | None = None) -> None:
    """Require that a float array holds no NaN and no infinity.

    The message names the first bad entry (row and column for a table) and
    how many there are, so the reader can find them in the data.
    """
    if x.dtype.kind != "f" or np.isfinite(x).all():
        return
    bad = ~np.isfinite(x)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    value = x[first]
    n_nan = int(np.isnan(x).sum())
    n_inf = int(bad.sum()) - n_nan
    kind = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    counts = ", ".join(part for part in (f"{n_nan} NaN" if n_nan else "", f"{n_inf} infinite" if n_inf else "") if part)
    if fix is None:
        fix = ("Find them with np.argwhere(~np.isfinite(a)), then remove or fill those entries "
               "(e.g. keep = np.isfinite(X).all(axis=1); X, y = X[keep], y[keep]).")
    raise ValueError(
        f"{name} must contain finite numbers, but it holds {counts}; the first is {kind}"
        f"{_position(first, x.ndim)}. {fix}"
    )


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a numpy dtype if it is float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
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
    if x.ndim == 0:
        raise ValueError(f"{name} must be 2-D with shape {expected}, got a single number "
                         f"({x!r}). Wrap it as np.array([[value]]).")
    raise ValueError(f"{name} must be 2-D with shape {expected}, got shape {x.shape}. "
                     "For images use x.reshape(len(x), -1), or start the network with Flatten().")


def check_not_empty(x: np.ndarray, name: str) -> None:
    """Require at least one sample."""
    if x.size == 0 or (x.ndim >= 1 and x.shape[0] == 0):
        raise ValueError(f"{name} is empty (shape {x.shape}); it needs at least one sample "
                         "with at least one value. Check the slicing or filtering that made it.")


def check_batch(x: np.ndarray, name: str) -> None:
    """Require an array of samples (at least one axis, at least one sample)."""
    if x.ndim == 0:
        raise ValueError(f"{name} must be an array of samples, one per row, got a single number ({x!r}). "
                         "Wrap one sample as np.array([[...]]).")
    check_not_empty(x, name)


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Require two arrays with the same number of samples (rows)."""
    if b.ndim == 0 or a.ndim == 0 or a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples (rows), got "
            f"{name_a} {a.shape} and {name_b} {b.shape}. Each row of {name_a} needs one target "
            f"row in {name_b}."
        )


def check_labels(y, n_classes: int | None, name: str = "y", who: str = "") -> np.ndarray:
    """Return class labels as int64, requiring whole numbers in ``0 .. n_classes - 1``.

    Floats that are whole numbers (``2.0``) and booleans are accepted; NaN,
    infinities, fractions and labels outside the range are not. With
    ``n_classes=None`` any whole number >= 0 is accepted.
    """
    prefix = f"{who}: " if who else ""
    allowed = "0, 1, 2, ..." if n_classes is None else f"0 .. {n_classes - 1}"
    y = np.asarray(y)
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise TypeError(f"{prefix}{name} must hold class labels (whole numbers {allowed}), "
                        f"got dtype '{y.dtype}'. Convert them, e.g. y.astype(int).")
    if y.dtype.kind == "f":
        check_finite(y, f"{prefix}{name} (class labels)",
                     fix=f"Every sample needs a label in {allowed}; drop the unlabelled rows.")
        fractional = y != np.round(y)
        if fractional.any():
            i = int(np.argmax(fractional))
            raise ValueError(
                f"{prefix}{name} must hold whole-number class labels {allowed}, but "
                f"{name}[{i}] = {float(y.flat[i]):g}. If these are probabilities or regression targets, "
                "use BinaryCrossEntropy or MSE instead."
            )
    high = np.inf if n_classes is None else n_classes
    if y.size and (y.min() < 0 or y.max() >= high):
        bad = ((y < 0) | (y >= high)).reshape(-1)
        i = int(np.argmax(bad))
        if n_classes is None:
            raise ValueError(f"{prefix}{name}: labels must be whole numbers >= 0, got values from {y.min():g} "
                             f"(first bad one: {name}[{i}] = {float(y.flat[i]):g}). Renumber the classes from 0.")
        raise ValueError(
            f"{prefix}{name}: labels must lie in 0..{n_classes - 1} for {n_classes} classes, "
            f"got values from {y.min():g} to {y.max():g} "
            f"(first bad one: {name}[{i}] = {float(y.flat[i]):g}). Renumber the classes from 0, "
            "or give the last layer one output per class (one column per class)."
        )
    return y.astype(np.int64, copy=False)


# ---------------------------------------------------------------- numbers

def _is_real(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def check_number(value, name: str, low=None, high=None, low_open: bool = False,
                 high_open: bool = False, hint: str = "") -> float:
    """Require a finite real number in the interval the bounds describe; return it as a float.

    Python and numpy scalars (and 0-d arrays) are accepted; ``True`` and
    ``False`` are not numbers here.
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.{hint}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number!r}.{hint}")
    low_ok = low is None or (number > low if low_open else number >= low)
    high_ok = high is None or (number < high if high_open else number <= high)
    if not (low_ok and high_ok):
        if high is None:
            if low == 0:
                wanted = "be greater than 0" if low_open else "be >= 0"
            else:
                wanted = f"be greater than {low:g}" if low_open else f"be at least {low:g}"
        elif low is None:
            wanted = f"be below {high:g}" if high_open else f"be at most {high:g}"
        else:
            wanted = "lie in " + ("(" if low_open else "[") + f"{low:g}, {high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name} must {wanted}, got {value!r}.{hint}")
    return number


def check_positive_number(value, name: str, hint: str = "") -> float:
    """Require a finite real number greater than zero."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.{hint}")
    if not np.isfinite(float(value)) or value <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value!r}.{hint}")
    return float(value)


def check_non_negative(value, name: str, hint: str = "") -> float:
    """Require a finite real number >= 0 (a strength, a decay, a noise level)."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.{hint}")
    if not np.isfinite(float(value)) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.{hint}")
    return float(value)


def _as_whole(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not (_is_real(value)):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}.")
    if isinstance(value, numbers.Integral) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu"):
        return int(value)
    number = float(value)
    if not np.isfinite(number) or not number.is_integer():
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}.")
    return int(number)  # 64.0 or 1e3 means the same as 64 or 1000


def check_positive_int(value, name: str) -> int:
    """Require a whole number of at least 1 (``64.0`` counts as 64)."""
    whole = _as_whole(value, name)
    if whole < 1:
        raise ValueError(f"{name} must be at least 1, got {whole}.")
    return whole


def check_non_negative_int(value, name: str) -> int:
    """Require a whole number of at least 0."""
    whole = _as_whole(value, name)
    if whole < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {whole}.")
    return whole


def check_fraction(value, name: str, low_open: bool = False, high_open: bool = True) -> float:
    """Require a number in [0, 1) (or the interval the flags describe)."""
    return check_number(value, name, low=0, high=1, low_open=low_open, high_open=high_open)


def check_bool(value, name: str) -> bool:
    """Require ``True`` or ``False`` (a string such as ``"False"`` would count as true)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")


def check_rng(rng) -> np.random.Generator:
    """Accept a Generator, a seed (int) or None (fresh, unseeded generator)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_))):
        if rng is not None and rng < 0:
            raise ValueError(f"rng seed must be >= 0, got {rng}. Use any non-negative whole number.")
        return np.random.default_rng(rng)
    hint = " Pass the seed as a whole number, e.g. rng=0." if isinstance(rng, float) else ""
    if isinstance(rng, np.random.RandomState) or rng is np.random:
        hint = " The legacy np.random API is not supported; use np.random.default_rng(seed)."
    raise TypeError(
        f"rng must be a numpy Generator (np.random.default_rng(seed)), an int seed or "
        f"None, got {type(rng).__name__}.{hint}"
    )


def check_choice(value, name: str, choices, hint: str = "") -> str:
    """Require one of a few allowed names (such as ``"min"`` or ``"max"``), spelled exactly."""
    if isinstance(value, str) and value in choices:
        return value
    allowed = ", ".join(repr(choice) for choice in choices)
    error = ValueError if isinstance(value, str) else TypeError
    raise error(f"{name} must be one of {allowed}, got {type(value).__name__} {value!r}.{hint}")


def lookup_name(value, registry: dict, what: str):
    """Find ``value`` in a name registry, ignoring case, spaces and hyphens."""
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key in registry:
        return registry[key]
    raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(registry)}.")


class numeric_guard:
    """Turn floating-point overflow and 0/0 inside a public computation into a clear ValueError.

    numpy would otherwise print a RuntimeWarning and return ``inf`` or ``nan``:
    a silent wrong answer. Underflow to 0 is harmless and ignored.

    >>> with numeric_guard("MSE", "Scale the targets."):   # doctest: +SKIP
    ...     value = np.mean(diff * diff)
    """

    def __init__(self, what: str, fix: str = ""):
        self.what, self.fix = what, fix
        self._state = np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")

    def __enter__(self):
        self._state.__enter__()
        return self

    def __exit__(self, kind, error, traceback):
        self._state.__exit__(kind, error, traceback)
        if kind is not None and issubclass(kind, FloatingPointError):
            fix = self.fix or ("The numbers are too large for the data type: scale the data "
                               "(e.g. nnlib.data.standardize) or use float64.")
            raise ValueError(f"{self.what}: expected a finite result from finite numbers, but the "
                             f"computation overflowed ({error}). {fix}") from None
        return False
