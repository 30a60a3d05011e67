r"""Check analytic gradients against finite differences.

The central difference

$$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}$$

has error $O(h^2)$. In float64 with $h = 10^{-6}$ a correct gradient agrees to
about 7–10 significant digits, while a wrong one (a missing factor 2, a
transposed matrix) is off by order 1. So a relative error below $10^{-6}$
means "correct".

Every check runs in float64; float32 has too few digits for this test.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import numbers

from ._validation import as_float_array, check_finite, check_positive_number, check_rng

TOLERANCE = 1e-6


def numerical_grad(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored exactly;
    ``f`` takes no arguments and reads ``x`` itself (so it can be a parameter
    deep inside a model).

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            f"numerical_grad needs a float64 numpy array to perturb in place, got "
            f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}. Make one with np.array(x, dtype=np.float64)."
        )
    if not callable(f):
        raise TypeError(f"numerical_grad needs a function f() of no arguments that returns the loss, got "
                        f"{type(f).__name__}. Write e.g. lambda: loss.forward(model.forward(X), y).")
    h = check_positive_number(h, "step h", " The usual value is 1e-6 in float64.")
    check_finite(x, "numerical_grad: x")
    if not x.flags.writeable or (x.size and not np.shares_memory(x.reshape(-1), x)):
        raise ValueError("numerical_grad: x must be a writeable, contiguous array that f() reads, so that its "
                         f"entries can be perturbed in place; got a {'read-only' if not x.flags.writeable else 'non-contiguous'} "
                         "array (a view such as W.T is copied by reshape). Pass the array itself, e.g. W.")
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)  # views: writes reach x
    for i in range(flat_x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + h
            f_plus = _scalar(f())
            flat_x[i] = original - h
            f_minus = _scalar(f())
        finally:
            flat_x[i] = original  # restored exactly, even if f fails
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _scalar(value) -> float:
    """The number a loss function returned; refuse arrays and non-numbers with an explanation."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        number = float(value.reshape(()))
    else:
        shape = f" of shape {value.shape}" if isinstance(value, np.ndarray) else ""
        raise TypeError(f"numerical_grad: f() must return one number (the loss), got {type(value).__name__}{shape}. "
                        "Sum or average the result, e.g. lambda: float(np.sum(...)).")
    if not np.isfinite(number):
        raise ValueError(f"numerical_grad: f() returned {number}, not a finite number, at a perturbed point. "
                         "Check the inputs, or use a smaller step h.")
    return number


def rel_error(a, b, floor: float = 1e-12) -> float:
    r"""Relative error of two gradients, $\|a - b\| / \max(\|a\| + \|b\|, \text{floor})$.

    Norms (not entries) are compared, so that entries that are zero in exact
    arithmetic, where the finite difference returns rounding noise of about
    $10^{-10}$, cannot make a correct gradient look wrong.
    """
    a, b = as_float_array(a, "rel_error: a"), as_float_array(b, "rel_error: b")
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}; compare a gradient with the "
                         "numerical gradient of the same array.")
    check_finite(a, "rel_error: a")
    check_finite(b, "rel_error: b")
    floor = check_positive_number(floor, "rel_error floor")
    scale = max(float(np.linalg.norm(a) + np.linalg.norm(b)), floor)
    return float(np.linalg.norm(a - b)) / scale


@dataclass
class GradCheckResult:
    """Relative error per checked quantity; truthy when all are below ``tolerance``."""

    errors: dict = field(default_factory=dict)
    tolerance: float = TOLERANCE

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_error < self.tolerance

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        rows = ", ".join(f"{k}: {v:.1e}" for k, v in self.errors.items())
        return f"GradCheckResult({verdict}, max relative error {self.max_error:.1e}; {rows})"


def _require_float64(arrays, what):
    for name, value in arrays.items():
        if value.dtype != np.float64:
            raise TypeError(f"gradient checks need float64, but {what} {name} is {value.dtype}; "
                            "build it with dtype=np.float64.")


def check_activation(act, z=None, rng=None) -> GradCheckResult:
    """Compare ``act.grad(z)`` with the numerical derivative of ``act.forward``.

    ``z`` defaults to 50 points that avoid 0 (where ReLU-like functions have a kink).
    """
    from .activations import get_activation

    act = get_activation(act)
    if z is None:
        rng = check_rng(rng)
        z = rng.uniform(0.1, 3.0, 50) * rng.choice([-1.0, 1.0], 50)
    z = np.array(as_float_array(z, "check_activation: z"), dtype=np.float64)
    numeric = numerical_grad(lambda: float(np.sum(act.forward(z))), z)
    return GradCheckResult({"dz": rel_error(act.grad(z), numeric)})


def check_loss(loss, y_hat, y) -> GradCheckResult:
    """Compare ``loss.backward()`` with the numerical gradient of ``loss.forward`` in ``y_hat``.

    The report names the checked input ``dz`` when the loss takes logits (softmax cross-entropy,
    or binary cross-entropy with ``from_logits=True``) and ``dy_hat`` when it takes predictions.
    """
    from .losses import get_loss

    loss = get_loss(loss)
    y_hat = np.array(as_float_array(y_hat, "check_loss: y_hat"), dtype=np.float64)
    loss.forward(y_hat, y)
    analytic = loss.backward()
    numeric = numerical_grad(lambda: loss.forward(y_hat, y), y_hat)
    return GradCheckResult({"dz" if loss.takes_logits else "dy_hat": rel_error(analytic, numeric)})


def check_layer(layer, x, rng=None) -> GradCheckResult:
    r"""Check a layer's ``backward`` for its input and every parameter.

    Uses the scalar $f = \sum (\text{layer}(x) \odot R)$ with a fixed random
    $R$, whose gradient with respect to the output is exactly $R$.
    """
    from .layers import Layer

    if not isinstance(layer, Layer):
        raise TypeError(f"check_layer needs an nnlib layer such as Dense(3, 2), got {type(layer).__name__}.")
    x = np.array(as_float_array(x, "check_layer: x"), dtype=np.float64)
    _require_float64(layer.params, "parameter")
    out = layer.forward(x)
    weights = check_rng(rng).standard_normal(out.shape)
    dx = layer.backward(weights)
    analytic = {key: grad.copy() for key, grad in layer.grads.items()}

    def f():
        return float(np.sum(layer.forward(x) * weights))

    errors = {"dx": rel_error(dx, numerical_grad(f, x))}
    for key, value in layer.params.items():
        errors[f"d{key}"] = rel_error(analytic[key], numerical_grad(f, value))
    return GradCheckResult(errors)


def check_model(model, loss, X, y, penalty=None) -> GradCheckResult:
    """Check back-propagation through a whole :class:`~nnlib.model.Sequential` for every parameter."""
    from .losses import get_loss

    loss = get_loss(loss)
    X = np.array(as_float_array(X, "check_model: X"), dtype=np.float64)
    params = model.parameters()
    _require_float64({p.name: p.value for p in params}, "parameter")

    def total_loss():
        value = loss.forward(model.forward(X), y)
        return value + penalty.total(model) if penalty is not None else value

    total_loss()
    model.backward(loss.backward())
    if penalty is not None:
        penalty.add_grads(model)
    analytic = {p.name: p.grad.copy() for p in params}
    errors = {name: rel_error(analytic[name], numerical_grad(total_loss, p.value))
              for name, p in zip(analytic, params)}
    return GradCheckResult(errors)
