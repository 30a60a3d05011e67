r"""The scalar engine: :class:`Value`, one number that remembers how it was computed.

Each operation returns a new ``Value`` holding its result, its parents and a
``_backward`` closure that adds the output's gradient, times the local
derivative, into each parent's ``grad``. Only ``+``, ``*``, ``**``, ``exp``,
``log``, ``tanh``, ``relu`` and ``sigmoid`` have rules; subtraction, division
and negation are built from them.
"""
from __future__ import annotations

import math
import numbers

from .graph import topological_order


class Value:
    r"""One number that remembers how it was computed, for reverse-mode differentiation.

    Parameters
    ----------
    data : float
        The number (ints and numpy scalars are converted to a Python float).
    label : str, optional
        A name for drawings of the graph, e.g. ``"w1"``.

    Attributes
    ----------
    data : float
    grad : float
        $\partial L/\partial\,\text{this value}$ after ``L.backward()``; 0 before.

    Examples
    --------
    >>> a, b = Value(2.0), Value(-3.0)
    >>> L = a * b + a          # a is used twice
    >>> L.backward()
    >>> a.grad, b.grad         # dL/da = b + 1, dL/db = a
    (-2.0, 2.0)
    """

    __array_ufunc__ = None  # numpy must hand `array + Value` to Value, not loop over the array

    def __init__(self, data, label: str = "", _parents=(), _op: str = ""):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            shape = getattr(data, "shape", None)
            hint = (f" Value holds one number; for an array of shape {shape} use Tensor."
                    if shape not in (None, ()) else "")
            raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}.{hint}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._parents = tuple(_parents)
        self._op = _op
        self._backward = lambda: None  # a leaf passes nothing on

    @staticmethod
    def _operand(other, op: str) -> "Value":
        """``other`` as a Value: plain numbers become constants, anything else is refused."""
        if isinstance(other, Value):
            return other
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return Value(other)
        raise TypeError(
            f"cannot combine a Value with a {type(other).__name__} in '{op}': a Value works with plain numbers "
            "and other Values. Arrays belong to the array engine, Tensor; one computation uses one engine "
            "(convert with Tensor(v.data), or Value(t.item()) for a one-element Tensor)."
        )

    # Each rule: forward value, then how dL/d(out) reaches the inputs.
    def __add__(self, other):
        r"""$o = a + b$; $\partial o/\partial a = \partial o/\partial b = 1$."""
        other = self._operand(other, "+")
        out = Value(self.data + other.data, _parents=(self, other), _op="+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        r"""$o = a b$; $\partial o/\partial a = b$, $\partial o/\partial b = a$."""
        other = self._operand(other, "*")
        out = Value(self.data * other.data, _parents=(self, other), _op="*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        r"""$o = a^k$ for a constant $k$; $\partial o/\partial a = k a^{k-1}$."""
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"Value ** needs a constant exponent (int or float), got {type(exponent).__name__}. "
                "For a^b with both Values write (b * a.log()).exp().")
        if self.data == 0 and exponent < 1 and exponent != 0:
            raise ZeroDivisionError(f"0 ** {exponent:g} (or its derivative) is infinite; is something divided by 0?")
        if self.data < 0 and exponent != int(exponent):
            raise ValueError(f"({self.data:g}) ** {exponent:g}: a negative base needs a whole-number exponent.")
        out = Value(self.data ** exponent, _parents=(self,), _op=f"**{exponent:g}")

        def _backward():
            if exponent != 0:  # a ** 0 = 1 is flat; k a^(k-1) would divide by 0 at a = 0
                self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        r"""$o = e^{a}$; $\partial o/\partial a = e^{a} = o$."""
        try:
            value = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data:g}) is too large for a float (the limit is about "
                                "exp(709)); the inputs or the learning rate are probably too large.") from None
        out = Value(value, _parents=(self,), _op="exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        r"""$o = \ln a$ for $a > 0$; $\partial o/\partial a = 1/a$."""
        if self.data <= 0:
            raise ValueError(f"log is defined for positive numbers only, got {self.data!r}.")
        out = Value(math.log(self.data), _parents=(self,), _op="log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        r"""$o = \tanh a$; $\partial o/\partial a = 1 - o^2$."""
        out = Value(math.tanh(self.data), _parents=(self,), _op="tanh")

        def _backward():
            self.grad += (1.0 - out.data * out.data) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        r"""$o = \max(0, a)$; $\partial o/\partial a = 1$ if $a > 0$ else 0 (0 at the kink)."""
        out = Value(max(self.data, 0.0), _parents=(self,), _op="relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        r"""$o = \sigma(a) = 1/(1 + e^{-a})$; $\partial o/\partial a = o(1 - o)$.

        Only $e^{-|a|}$ is ever computed, so no input overflows.
        """
        e = math.exp(-abs(self.data))
        out = Value(1.0 / (1.0 + e) if self.data >= 0 else e / (1.0 + e), _parents=(self,), _op="sigmoid")

        def _backward():
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    # Everything else is built from the rules above, so needs no backward of its own.
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._operand(other, "-"))

    def __truediv__(self, other):
        return self * self._operand(other, "/") ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._operand(other, "-") - self

    def __rtruediv__(self, other):
        return self._operand(other, "/") / self

    def backward(self) -> None:
        """Fill ``grad`` of every value this one depends on with d(self)/d(that value).

        Intermediate values start from 0; leaves (values with no parents)
        accumulate across calls, so reset them (``v.grad = 0.0``) between steps.
        """
        order = topological_order(self)
        for node in order:
            if node._parents:
                node.grad = 0.0
        self.grad += 1.0  # dL/dL
        for node in reversed(order):
            node._backward()

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"
