r"""Weight initialisers.

Each initialiser takes ``fan_in`` (inputs to a unit) and ``fan_out`` (units in
the layer) and returns a weight matrix of shape ``(fan_in, fan_out)``, the
batch-first layout used by :class:`nnlib.layers.Dense`. Random ones take an
explicit ``rng`` (a ``numpy.random.Generator``); nothing here touches a global
seed.

The scaled schemes keep the variance of activations roughly constant from layer
to layer:

* Xavier/Glorot: $\operatorname{Var}(W) = 2 / (\text{fan\_in} + \text{fan\_out})$. Derived for tanh
  (zero mean, slope 1 at 0); the sigmoid, with mean 1/2 and slope 1/4 at 0, breaks both
  assumptions, and no standard scheme keeps deep sigmoid layers trainable (chapter 5).
* He/Kaiming (for ReLU, which zeroes half its inputs): $\operatorname{Var}(W) = 2 / \text{fan\_in}$.

A uniform distribution on $[-r, r]$ has variance $r^2/3$, which fixes the
uniform variants' limits.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_dtype, check_number, check_positive_int, check_positive_number, check_rng


def _fans(fan_in, fan_out):
    return check_positive_int(fan_in, "fan_in"), check_positive_int(fan_out, "fan_out")


def zeros(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """All zeros. Every unit then computes the same thing and receives the same
    gradient, so the units never become different: fine for biases, bad for weights."""
    return np.zeros(_fans(fan_in, fan_out), dtype=check_dtype(dtype))


def constant(fan_in: int, fan_out: int, rng=None, dtype=np.float64, value: float = 0.1) -> np.ndarray:
    """Every entry equal to ``value`` (same symmetry problem as :func:`zeros`)."""
    value = check_number(value, "constant initialiser value")
    return np.full(_fans(fan_in, fan_out), value, dtype=check_dtype(dtype))


def normal(fan_in: int, fan_out: int, rng=None, dtype=np.float64, std: float = 0.01) -> np.ndarray:
    r"""Entries drawn from $\mathcal N(0, \text{std}^2)$, ignoring the layer size."""
    shape = _fans(fan_in, fan_out)
    std = check_positive_number(std, "normal initialiser std", " Typical values lie between 0.001 and 1.")
    return (check_rng(rng).standard_normal(shape) * std).astype(check_dtype(dtype))


def xavier_uniform(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Uniform on $[-r, r]$ with $r = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}$."""
    n_in, n_out = _fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / (n_in + n_out))
    return check_rng(rng).uniform(-limit, limit, (n_in, n_out)).astype(check_dtype(dtype))


def xavier_normal(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Normal with standard deviation $\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}$."""
    n_in, n_out = _fans(fan_in, fan_out)
    std = np.sqrt(2.0 / (n_in + n_out))
    return (check_rng(rng).standard_normal((n_in, n_out)) * std).astype(check_dtype(dtype))


def he_uniform(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Uniform on $[-r, r]$ with $r = \sqrt{6 / \text{fan\_in}}$."""
    n_in, n_out = _fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / n_in)
    return check_rng(rng).uniform(-limit, limit, (n_in, n_out)).astype(check_dtype(dtype))


def he_normal(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    r"""Normal with standard deviation $\sqrt{2 / \text{fan\_in}}$."""
    n_in, n_out = _fans(fan_in, fan_out)
    std = np.sqrt(2.0 / n_in)
    return (check_rng(rng).standard_normal((n_in, n_out)) * std).astype(check_dtype(dtype))


#: name -> initialiser, used by ``Dense(init=...)``.
INITIALIZERS = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def get_initializer(init):
    """Return an initialiser function from a name in :data:`INITIALIZERS` (any case) or a callable."""
    if callable(init):
        return init
    if isinstance(init, str):
        key = init.strip().lower().replace("-", "_").replace(" ", "_")
        if key in INITIALIZERS:
            return INITIALIZERS[key]
        hint = ""
        from .activations import ACTIVATIONS  # an activation name in the initialiser's place
        if key in ACTIVATIONS:
            hint = (f" {init!r} is an activation: activations are layers of their own, "
                    f"e.g. [Dense(3, 4), Activation({init!r})].")
        raise ValueError(f"unknown initialiser {init!r}; expected one of {sorted(INITIALIZERS)} or a function.{hint}")
    raise TypeError(f"init must be the name of an initialiser, one of {sorted(INITIALIZERS)}, or a function "
                    f"(fan_in, fan_out, rng, dtype) -> array; got {type(init).__name__} {init!r}.")
