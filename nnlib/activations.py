r"""Activation functions and their derivatives.

An activation $\varphi$ is applied elementwise to a layer's pre-activation
$z$ to give its activation $a = \varphi(z)$. Each class below keeps its
forward rule and its derivative $\varphi'(z)$ side by side, so that a reader
can check one against the other.

Every function accepts Python scalars, lists and numpy arrays of any shape and
of any numeric dtype. Integers become float64; float32 stays float32. A 0-d
input gives a numpy scalar back. NaN or infinite inputs raise a ``ValueError``
that says where they are: they almost always mean broken data upstream.

The registry :data:`ACTIVATIONS` maps a name to its class; the layers, the
explorers' drop-downs and the tests all read it.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_non_negative, check_positive_number, numeric_guard

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))  # a Python float keeps float32 inputs float32
_GELU_CUBIC = 0.044715
_GELU_CLIP = 10.0


def _out(array: np.ndarray):
    """Return a numpy scalar for 0-d results, the array otherwise."""
    return array[()] if array.ndim == 0 else array


class ActivationFunction:
    """Base class: ``forward(z)`` and ``grad(z)``, both elementwise.

    Subclasses implement :meth:`_forward` and :meth:`_grad` on a float array;
    this class converts and checks the input once.
    """

    name = "activation"

    def forward(self, z):
        """Return $\\varphi(z)$, same shape as ``z``."""
        z = self._checked(z)
        with numeric_guard(f"{self!r}.forward"):
            return _out(self._forward(z))

    def grad(self, z):
        """Return the derivative $\\varphi'(z)$ at the pre-activation ``z``."""
        z = self._checked(z)
        with numeric_guard(f"{self!r}.grad"):
            return _out(self._grad(z))

    def _checked(self, z):
        z = as_float_array(z, f"{type(self).__name__} input z")
        check_finite(z, f"{type(self).__name__} input z")
        return z

    __call__ = forward

    def _forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _grad(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(ActivationFunction):
    r"""The identity $\varphi(z) = z$, with $\varphi'(z) = 1$.

    Used on the output layer of a regression network.
    """

    name = "identity"

    def _forward(self, z):
        return z.copy()

    def _grad(self, z):
        return np.ones_like(z)


class Sigmoid(ActivationFunction):
    r"""The logistic sigmoid $\sigma(z) = \dfrac{1}{1 + e^{-z}}$.

    Derivative: $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, at most $1/4$ (at $z = 0$).

    The output lies strictly between 0 and 1 in exact arithmetic; sigmoid never
    clips. In floating point it rounds to exactly 1.0 for $z \gtrsim 37$ (float64)
    and underflows to 0.0 only below $z \approx -745$.

    Stability: $e^{-z}$ overflows for $z < -709$, so we only ever exponentiate
    $-|z|$ and use the algebraically equal form $e^{z} / (1 + e^{z})$ for
    negative $z$.
    """

    name = "sigmoid"

    def _forward(self, z):
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def _grad(self, z):
        s = self._forward(z)
        return s * (1.0 - s)


class Tanh(ActivationFunction):
    r"""The hyperbolic tangent $\tanh(z) = \dfrac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$, in $(-1, 1)$.

    Derivative: $\tanh'(z) = 1 - \tanh^2(z)$, at most 1 (at $z = 0$).
    """

    name = "tanh"

    def _forward(self, z):
        return np.tanh(z)

    def _grad(self, z):
        t = np.tanh(z)
        return 1.0 - t * t


class ReLU(ActivationFunction):
    r"""The rectified linear unit $\operatorname{ReLU}(z) = \max(0, z)$.

    Derivative: 1 for $z > 0$ and 0 for $z < 0$. At $z = 0$ the derivative does
    not exist; any value in $[0, 1]$ is a valid subgradient and we use 0, the
    common convention.
    """

    name = "relu"

    def _forward(self, z):
        return np.maximum(z, 0.0)

    def _grad(self, z):
        return (z > 0).astype(z.dtype)


class LeakyReLU(ActivationFunction):
    r"""Leaky ReLU: $\varphi(z) = z$ for $z > 0$ and $\alpha z$ otherwise.

    Derivative: 1 for $z > 0$, $\alpha$ otherwise (convention at 0). The small
    slope $\alpha$ keeps a gradient flowing through negative inputs, so a unit
    cannot die.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for negative inputs.
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        # alpha > 1 would make the negative side steeper than the positive one.
        self.alpha = check_non_negative(alpha, "LeakyReLU alpha", " A small slope such as 0.01 is usual.")
        if self.alpha > 1:
            raise ValueError(f"LeakyReLU alpha must lie in [0, 1], got {alpha!r}. A small slope such as 0.01 is usual.")

    def _forward(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def _grad(self, z):
        return np.where(z > 0, 1.0, self.alpha).astype(z.dtype)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(ActivationFunction):
    r"""Exponential linear unit: $z$ for $z > 0$, $\alpha (e^{z} - 1)$ otherwise.

    Derivative: 1 for $z > 0$, $\alpha e^{z}$ otherwise. Smooth at 0 when
    $\alpha = 1$; its outputs can be negative, which keeps their mean nearer 0.

    Parameters
    ----------
    alpha : float, default 1.0
        Value the function approaches as $z \to -\infty$ is $-\alpha$.
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_positive_number(alpha, "ELU alpha", " The usual value is 1.0.")

    def _forward(self, z):
        # exp of min(z, 0) only: the branch we discard must not overflow either.
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def _grad(self, z):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype)

    def __repr__(self):
        return f"ELU(alpha={self.alpha})"


class Softplus(ActivationFunction):
    r"""Softplus $\varphi(z) = \ln(1 + e^{z})$, a smooth ReLU.

    Derivative: $\varphi'(z) = \sigma(z)$. Computed as ``logaddexp(0, z)``,
    which does not overflow for large $z$.
    """

    name = "softplus"

    def _forward(self, z):
        return np.logaddexp(0.0, z).astype(z.dtype, copy=False)

    def _grad(self, z):
        return Sigmoid()._forward(z)


class GELU(ActivationFunction):
    r"""Gaussian error linear unit, in its widely used tanh approximation.

    .. math::
        \varphi(z) = \tfrac12 z \left(1 + \tanh u\right),\quad
        u = \sqrt{2/\pi}\,\left(z + 0.044715\, z^3\right)

    Derivative:
    $\varphi'(z) = \tfrac12 (1 + \tanh u) + \tfrac12 z\,(1 - \tanh^2 u)\,
    \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, z^2)$.

    The exact GELU is $z\,\Phi(z)$ with $\Phi$ the standard normal CDF; the
    approximation differs from it by less than $10^{-3}$ everywhere.
    """

    name = "gelu"

    def _u(self, z):
        # z * z * z, not z**3: numpy's general power is dozens of times slower.
        return _SQRT_2_OVER_PI * (z + _GELU_CUBIC * (z * z * z))

    @staticmethod
    def _clipped(z):
        # For |z| >= 10, tanh(u) is exactly +-1 in float32 and float64, so clipping
        # changes no result; it only keeps z^3 from overflowing for huge z.
        return np.clip(z, -_GELU_CLIP, _GELU_CLIP)

    def _forward(self, z):
        return 0.5 * z * (1.0 + np.tanh(self._u(self._clipped(z))))

    def _grad(self, z):
        zc = self._clipped(z)
        t = np.tanh(self._u(zc))
        du_dz = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * zc * zc)
        return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t * t) * du_dz


#: name -> class, for every activation in the book.
ACTIVATIONS: dict[str, type[ActivationFunction]] = {
    cls.name: cls
    for cls in (Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus, GELU)
}


def get_activation(act) -> ActivationFunction:
    """Return an activation object from a name in :data:`ACTIVATIONS`, a class or an instance."""
    if isinstance(act, ActivationFunction):
        return act
    if isinstance(act, type) and issubclass(act, ActivationFunction):
        return act()
    if isinstance(act, str):
        key = act.strip().lower().replace("-", "_").replace(" ", "_")
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]()
        raise ValueError(
            f"unknown activation {act!r}; expected one of {sorted(ACTIVATIONS)}."
        )
    hint = ""
    if callable(act):
        hint = (" A plain function has no derivative for backward; use a name, or subclass "
                "nnlib.activations.ActivationFunction with _forward and _grad.")
    raise TypeError(
        f"activation must be a name such as 'relu', an ActivationFunction class or "
        f"instance, got {type(act).__name__} {act!r}.{hint}"
    )


# Plain functions for the early chapters: sigmoid(z) reads better than Sigmoid()(z).
def identity(z):
    """$z$ itself; see :class:`Identity`."""
    return Identity().forward(z)


def sigmoid(z):
    r"""$\sigma(z) = 1 / (1 + e^{-z})$, numerically stable; see :class:`Sigmoid`."""
    return Sigmoid().forward(z)


def sigmoid_grad(z):
    r"""$\sigma'(z) = \sigma(z)(1 - \sigma(z))$."""
    return Sigmoid().grad(z)


def tanh(z):
    r"""$\tanh(z)$; see :class:`Tanh`."""
    return Tanh().forward(z)


def tanh_grad(z):
    r"""$1 - \tanh^2(z)$."""
    return Tanh().grad(z)


def relu(z):
    r"""$\max(0, z)$ elementwise; see :class:`ReLU`."""
    return ReLU().forward(z)


def relu_grad(z):
    """1 where ``z > 0``, else 0 (0 at ``z == 0`` by convention)."""
    return ReLU().grad(z)


def leaky_relu(z, alpha: float = 0.01):
    r"""$z$ for $z > 0$, $\alpha z$ otherwise; see :class:`LeakyReLU`."""
    return LeakyReLU(alpha).forward(z)


def elu(z, alpha: float = 1.0):
    r"""$z$ for $z > 0$, $\alpha(e^z - 1)$ otherwise; see :class:`ELU`."""
    return ELU(alpha).forward(z)


def softplus(z):
    r"""$\ln(1 + e^z)$, computed stably; see :class:`Softplus`."""
    return Softplus().forward(z)


def gelu(z):
    """GELU (tanh approximation); see :class:`GELU`."""
    return GELU().forward(z)


def _prepare_softmax(z, axis, who):
    z = as_float_array(z, f"{who} input z")
    if z.ndim == 0:
        raise ValueError(f"{who} needs at least one axis of scores, got a single number {z!r}. "
                         "Pass e.g. np.array([2.0, 1.0, 0.1]).")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{who}: axis must be a whole number, got {type(axis).__name__} {axis!r}.")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"{who}: axis {axis} does not exist for an input of shape {z.shape} "
                         f"(valid: {-z.ndim} .. {z.ndim - 1}). For (batch, classes) use axis=1 or -1.")
    if z.shape[axis] == 0:
        raise ValueError(f"{who}: axis {axis} of the input has length 0 (shape {z.shape}); "
                         "there must be at least one class to normalise over.")
    check_finite(z, f"{who} input z")
    return z


def _shifted(z, axis):
    # Subtracting the maximum keeps every exponent <= 0. A spread wider than the
    # largest float becomes -inf, whose exponential is exactly the 0 it should be.
    with np.errstate(over="ignore"):
        return z - z.max(axis=axis, keepdims=True)


def softmax(z, axis: int = -1):
    r"""Softmax along ``axis``: $\operatorname{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$.

    Subtracting the row maximum first changes nothing mathematically and keeps
    every exponent at most 0, so nothing overflows.

    Parameters
    ----------
    z : array_like, shape (batch, classes)
        Logits.
    axis : int, default -1
        The axis that holds the classes.

    Returns
    -------
    ndarray, same shape as ``z``; each slice along ``axis`` sums to 1.
    """
    z = _prepare_softmax(z, axis, "softmax")
    e = np.exp(_shifted(z, axis))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1):
    r"""$\log \operatorname{softmax}(z) = z - \operatorname{logsumexp}(z)$, computed stably.

    Entries whose probability is below the smallest float come out as ``-inf``
    only when the spread of ``z`` itself exceeds the float range.
    """
    z = _prepare_softmax(z, axis, "log_softmax")
    return _log_softmax(z, axis)


def _log_softmax(z, axis=-1):
    """log_softmax without input checks, for callers that have checked ``z``."""
    shifted = _shifted(z, axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
