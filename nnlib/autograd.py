r"""Automatic differentiation: the chain rule, done by the computer.

Every other module of nnlib differentiates by hand: each layer's ``backward``
is a formula someone derived. This module derives nothing in advance. Each
operation records, as it runs, which inputs it used and how to push a gradient
back to them; ``backward()`` then replays the record in reverse. That is all a
deep-learning framework's autograd does, and it fits in one file.

Two engines share one design:

* :class:`Value` holds **one number**. It is small enough to read in one sitting
  and to draw node by node.
* :class:`Tensor` holds a **numpy array**. It is the same idea with shapes, and
  it can express every network of the book; :func:`sequential_loss` runs an
  nnlib :class:`~nnlib.model.Sequential` through it.

The design, in four decisions
-----------------------------
**A recorded graph.** An operation returns a new node that remembers its
parents (the nodes it was computed from) and a small ``backward`` rule: given
$\bar o = \partial L/\partial o$ for its output $o$, add
$\bar o \, \partial o/\partial p$ to each parent $p$. Every rule below is written
next to its forward rule, with the local derivative in its docstring.

**Reverse mode.** A network has one loss $L$ and thousands of parameters
$\theta_i$. Walking the graph backwards from $L$ computes
$\partial L/\partial\theta_i$ for *all* of them in one pass that costs about as
much as the forward pass. (Forward mode would need one pass per parameter.)
The walk visits nodes in reverse topological order: a node passes its gradient
on only after every node that used it has passed theirs, so its gradient is
complete when it is read.

**Gradients accumulate.** When a node feeds several others (a weight used by
two layers, or simply ``x * x``), the chain rule *sums* the contributions of
every path: $\partial L/\partial x = \sum_k \partial L/\partial o_k \cdot
\partial o_k/\partial x$. So each rule adds (``+=``) into a parent's gradient;
one that assigned would keep only the last path. Within one ``backward()`` the
gradients of intermediate nodes start from zero; those of leaves (the inputs
and parameters you created) keep accumulating across calls, as in every
framework, so a training loop clears them each step (``zero_grad``).

**Broadcasting is undone on the way back.** numpy lets ``z + b`` add a bias
``b`` of shape ``(K,)`` to every row of ``z`` ``(N, K)``. Each of ``b``'s
entries then reached ``N`` outputs, so its gradient is the **sum** of the
``N`` rows of $\bar o$: :func:`_unbroadcast` sums over every broadcast axis.
Forgetting this is the classic first bug of an array engine: the gradient
comes back with the wrong shape, and an update ``b -= lr * grad`` quietly
broadcasts ``b`` itself to ``(N, K)``.

What is fused
-------------
Most operations are tiny; networks are compositions of them (:func:`conv2d`
is padding, a gather, a reshape and a matrix product). Two are single
operations with a hand-written backward, because composing them is slow or
unstable: :func:`softmax_cross_entropy` (gradient $(p - \text{onehot}(y))/N$)
and :meth:`Tensor.softplus`. nnlib's own layers fuse far more: a ``Dense``
layer's backward is three matrix expressions written into ready-made arrays,
with no graph to build; ``bench/autograd_speed.py`` measures what the
bookkeeping costs.

References: the scalar engine follows the design of A. Karpathy's *micrograd*;
the conventions (``requires_grad``, ``no_grad``, ``detach``) are those of
PyTorch's autograd.
"""
from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np

from ._validation import as_float_array, check_dtype, check_positive_int, check_positive_number, check_rng
from .activations import get_activation
from .conv import Conv2D, MaxPool2D, Reshape
from .layers import Activation, Dense, Flatten
from .losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy, get_loss
from . import regularization
from .regularization import L1, L2

_GELU_SCALE = math.sqrt(2.0 / math.pi)  # Python floats keep float32 tensors float32
_GELU_CUBIC = 0.044715


# --------------------------------------------------------------------------- the graph
def topological_order(output) -> list:
    """Every node that ``output`` depends on, each listed after all of its parents.

    Works for :class:`Value` and :class:`Tensor`. ``backward`` walks this list
    in reverse, so a node is processed only once its gradient is complete.
    Iterative (no recursion), so deep graphs do not hit Python's recursion limit.
    """
    order, seen = [], set()
    stack = [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))  # revisit after its parents are listed
        stack.extend((parent, False) for parent in node._parents if id(parent) not in seen)
    return order


_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Context manager: Tensor operations inside it record no graph.

    Use it for evaluation and for parameter updates, where nothing will be
    differentiated: ``with no_grad(): accuracy = ...``.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _grad_enabled


def _mixing_error(left, right, op: str) -> TypeError:
    return TypeError(
        f"cannot combine a {type(left).__name__} with a {type(right).__name__} in '{op}': Value is the "
        "scalar engine and Tensor the array engine, and one computation uses one of them. Convert "
        "with Tensor(v.data) or Value(float(t.item()))."
    )


# --------------------------------------------------------------------------- scalars
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
        if isinstance(data, (Value, Tensor)):
            raise TypeError(f"Value(...) needs a plain number, got a {type(data).__name__}; "
                            "use its .data (a Value) or .item() (a one-element Tensor).")
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
        if isinstance(other, Value):
            return other
        if isinstance(other, Tensor):
            raise _mixing_error(Value(0.0), other, op)
        return Value(other)

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


# --------------------------------------------------------------------------- arrays
def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    r"""Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    If an input of shape ``shape`` was broadcast to ``grad.shape``, each of its
    entries was used once per copy, so its gradient is the sum over the copies:
    leading axes that broadcasting added are summed away, and axes where the
    input had size 1 are summed with ``keepdims``.
    """
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _axes(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes))


class Tensor:
    r"""A numpy array that remembers how it was computed, for reverse-mode differentiation.

    Parameters
    ----------
    data : array_like
        Numbers of any shape. float32 and float64 arrays are kept as they are
        (not copied, so a Tensor can share a layer's weight array); other
        numbers become float64 unless ``dtype`` is given.
    requires_grad : bool, default False
        True for the parameters you want gradients of. A result requires a
        gradient if any of its inputs does.
    dtype : float32 or float64, optional
    name : str, optional
        Shown in ``repr`` and drawings of the graph.

    Attributes
    ----------
    data : ndarray
    grad : ndarray or None
        $\partial L/\partial\,\text{data}$, same shape, after ``L.backward()``.
        Treat it as read-only: the engine may share one gradient array between
        nodes (it never writes into one).

    Mixing float32 and float64 tensors raises an error; plain numbers and
    numpy arrays take the tensor's dtype, so float32 stays float32.
    """

    __array_ufunc__ = None  # `array + Tensor` must reach Tensor.__radd__, not numpy

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str = ""):
        if isinstance(data, (Tensor, Value)):
            raise TypeError(f"Tensor(...) needs numbers, got a {type(data).__name__}; use its .data, "
                            "or .detach() to cut a Tensor from its graph.")
        self.data = as_float_array(data, "Tensor data", dtype=dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._parents = ()
        self._op = ""
        self._backward = None

    # ---- bookkeeping
    def _result(self, data, parents, op: str, backward) -> "Tensor":
        """A new node; it records its parents and rule only if a gradient can flow through it."""
        out = Tensor.__new__(Tensor)
        # numpy reductions of whole arrays return numpy scalars: keep every node's data an ndarray
        out.data, out.grad, out.name, out._op = np.asarray(data), None, "", op
        out.requires_grad = _grad_enabled and any(p.requires_grad for p in parents)
        out._parents = parents if out.requires_grad else ()
        out._backward = backward if out.requires_grad else None
        return out

    def _accumulate(self, grad: np.ndarray) -> None:
        """Add ``grad`` to this node's gradient (the sum over every path through it)."""
        if not self.requires_grad:  # a constant (data, targets): nobody asks for its gradient
            return
        if self.grad is None:
            self.grad = grad
        else:
            self.grad = self.grad + grad  # a new array: a shared gradient is never written into

    def _operand(self, other, op: str) -> "Tensor":
        """``other`` as a Tensor of this tensor's dtype (numbers and arrays become constants)."""
        if isinstance(other, Tensor):
            if other.data.dtype != self.data.dtype:
                raise TypeError(
                    f"'{op}' got a {self.data.dtype} and a {other.data.dtype} tensor; the engine does not "
                    f"mix precisions. Convert one first, e.g. t.astype(np.{self.data.dtype})."
                )
            return other
        if isinstance(other, Value):
            raise _mixing_error(self, other, op)
        return Tensor(as_float_array(other, f"operand of '{op}'", dtype=self.data.dtype))

    def _broadcast_shape(self, other: "Tensor", op: str) -> None:
        try:
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ValueError(
                f"'{op}' cannot broadcast shapes {self.shape} and {other.shape}: aligned from the right, "
                "each pair of sizes must be equal or contain a 1. A bias for (batch, K) has shape (K,); "
                "a per-sample column has shape (batch, 1)."
            ) from None

    # ---- properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> "Tensor":
        """The transpose (axes reversed)."""
        return self.transpose()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}.")
        return float(self.data.reshape(()))

    def detach(self) -> "Tensor":
        """The same numbers (shared, not copied), cut from the graph: no gradient flows through."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (call it on parameters before each step)."""
        self.grad = None

    # ---- elementwise arithmetic
    def __add__(self, other):
        r"""$o = a + b$ (broadcast); $\partial o/\partial a = \partial o/\partial b = 1$."""
        other = self._operand(other, "+")
        self._broadcast_shape(other, "+")

        def backward(g):
            self._accumulate(_unbroadcast(g, self.shape))
            other._accumulate(_unbroadcast(g, other.shape))
        return self._result(self.data + other.data, (self, other), "+", backward)

    def __sub__(self, other):
        r"""$o = a - b$; $\partial o/\partial a = 1$, $\partial o/\partial b = -1$."""
        other = self._operand(other, "-")
        self._broadcast_shape(other, "-")

        def backward(g):
            self._accumulate(_unbroadcast(g, self.shape))
            other._accumulate(_unbroadcast(-g, other.shape))
        return self._result(self.data - other.data, (self, other), "-", backward)

    def __mul__(self, other):
        r"""$o = a \odot b$; $\partial o/\partial a = b$, $\partial o/\partial b = a$."""
        other = self._operand(other, "*")
        self._broadcast_shape(other, "*")

        def backward(g):
            if self.requires_grad:
                self._accumulate(_unbroadcast(g * other.data, self.shape))
            if other.requires_grad:
                other._accumulate(_unbroadcast(g * self.data, other.shape))
        return self._result(self.data * other.data, (self, other), "*", backward)

    def __truediv__(self, other):
        r"""$o = a / b$; $\partial o/\partial a = 1/b$, $\partial o/\partial b = -a/b^2$."""
        other = self._operand(other, "/")
        self._broadcast_shape(other, "/")
        if np.any(other.data == 0):
            raise ZeroDivisionError(f"'/' by a tensor that contains 0 (shape {other.shape}).")

        def backward(g):
            if self.requires_grad:
                self._accumulate(_unbroadcast(g / other.data, self.shape))
            if other.requires_grad:
                other._accumulate(_unbroadcast(-g * self.data / (other.data * other.data), other.shape))
        return self._result(self.data / other.data, (self, other), "/", backward)

    def __neg__(self):
        r"""$o = -a$; $\partial o/\partial a = -1$."""
        return self._result(-self.data, (self,), "neg", lambda g: self._accumulate(-g))

    def __pow__(self, exponent):
        r"""$o = a^k$ for a constant $k$; $\partial o/\partial a = k a^{k-1}$."""
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"Tensor ** needs a constant exponent (int or float), got {type(exponent).__name__}. "
                            "For a**b with a tensor b write (b * a.log()).exp().")
        exponent = float(exponent) if not isinstance(exponent, numbers.Integral) else int(exponent)

        def backward(g):
            self._accumulate(g * (exponent * self.data ** (exponent - 1)))
        return self._result(self.data ** exponent, (self,), f"**{exponent:g}", backward)

    def __radd__(self, other):
        return self._operand(other, "+") + self

    def __rsub__(self, other):
        return self._operand(other, "-") - self

    def __rmul__(self, other):
        return self._operand(other, "*") * self

    def __rtruediv__(self, other):
        return self._operand(other, "/") / self

    # Comparisons give plain boolean arrays (no gradient), for where(...) and masks.
    def __gt__(self, other):
        return self.data > _plain(other)

    def __ge__(self, other):
        return self.data >= _plain(other)

    def __lt__(self, other):
        return self.data < _plain(other)

    def __le__(self, other):
        return self.data <= _plain(other)

    # ---- elementwise functions
    def exp(self):
        r"""$o = e^{a}$; $\partial o/\partial a = e^{a} = o$."""
        out_data = np.exp(self.data)
        return self._result(out_data, (self,), "exp", lambda g: self._accumulate(g * out_data))

    def log(self):
        r"""$o = \ln a$ for $a > 0$; $\partial o/\partial a = 1/a$."""
        if np.any(self.data <= 0):
            raise ValueError(
                f"log is defined for positive numbers only, got values down to {self.data.min():.3g}. "
                "Clip probabilities first (p.clip(eps, 1 - eps)), or work with logits and "
                "softplus/log_softmax."
            )
        return self._result(np.log(self.data), (self,), "log", lambda g: self._accumulate(g / self.data))

    def tanh(self):
        r"""$o = \tanh a$; $\partial o/\partial a = 1 - o^2$."""
        out_data = np.tanh(self.data)
        return self._result(out_data, (self,), "tanh", lambda g: self._accumulate(g * (1.0 - out_data * out_data)))

    def relu(self):
        r"""$o = \max(0, a)$; $\partial o/\partial a = 1$ where $a > 0$, else 0 (0 at the kink)."""
        return self._result(np.maximum(self.data, 0.0), (self,), "relu",
                            lambda g: self._accumulate(g * (self.data > 0).astype(self.dtype)))

    def sigmoid(self):
        r"""$o = \sigma(a) = 1/(1 + e^{-a})$; $\partial o/\partial a = o (1 - o)$.

        Stable: only $e^{-|a|}$ is computed, as in :class:`nnlib.activations.Sigmoid`.
        """
        out_data = _stable_sigmoid(self.data)
        return self._result(out_data, (self,), "sigmoid", lambda g: self._accumulate(g * (out_data * (1.0 - out_data))))

    def softplus(self):
        r"""$o = \ln(1 + e^{a})$; $\partial o/\partial a = \sigma(a)$.

        A primitive (not ``(1 + a.exp()).log()``) because $e^{a}$ overflows for
        large $a$; computed as ``logaddexp(0, a)``.
        """
        out_data = np.logaddexp(0.0, self.data).astype(self.dtype, copy=False)
        return self._result(out_data, (self,), "softplus",
                            lambda g: self._accumulate(g * _stable_sigmoid(self.data)))

    def abs(self):
        r"""$o = |a|$; $\partial o/\partial a = \operatorname{sign}(a)$ (0 at 0)."""
        return self._result(np.abs(self.data), (self,), "abs", lambda g: self._accumulate(g * np.sign(self.data)))

    def clip(self, low: float, high: float):
        r"""$o = \min(\max(a, \text{low}), \text{high})$; $\partial o/\partial a = 1$ inside, 0 where clipped."""
        inside = ((self.data >= low) & (self.data <= high)).astype(self.dtype)
        return self._result(np.clip(self.data, low, high), (self,), "clip", lambda g: self._accumulate(g * inside))

    def astype(self, dtype):
        """A copy in ``dtype`` (float32 or float64); the gradient is converted back."""
        dtype = check_dtype(dtype)
        return self._result(self.data.astype(dtype), (self,), f"astype({dtype})",
                            lambda g: self._accumulate(g.astype(self.dtype)))

    # ---- reductions
    def sum(self, axis=None, keepdims: bool = False):
        r"""$o = \sum a$ over ``axis``; $\partial o/\partial a_i = 1$: the gradient is copied back to every entry."""
        out_data = self.data.sum(axis=axis, keepdims=keepdims)
        axes = _axes(axis, self.ndim)

        def backward(g):
            g = g if keepdims else np.expand_dims(g, axes)
            self._accumulate(np.broadcast_to(g, self.shape))
        return self._result(out_data, (self,), "sum", backward)

    def mean(self, axis=None, keepdims: bool = False):
        r"""$o = \frac1M \sum a$ over ``axis`` ($M$ entries); $\partial o/\partial a_i = 1/M$."""
        out_data = self.data.mean(axis=axis, keepdims=keepdims)
        axes = _axes(axis, self.ndim)
        count = int(np.prod([self.shape[a] for a in axes]))

        def backward(g):
            g = g if keepdims else np.expand_dims(g, axes)
            self._accumulate(np.broadcast_to(g / count, self.shape))
        return self._result(out_data, (self,), "mean", backward)

    def max(self, axis=None, keepdims: bool = False):
        r"""$o = \max a$ over ``axis``; $\partial o/\partial a_i = 1$ at the arg-max, 0 elsewhere.

        Ties send the whole gradient to the first maximum (as ``np.argmax`` and
        :class:`nnlib.conv.MaxPool2D` do).
        """
        out_data = self.data.max(axis=axis, keepdims=keepdims)
        axes = _axes(axis, self.ndim)

        def backward(g):
            kept = [a for a in range(self.ndim) if a not in axes]
            moved = self.data.transpose(kept + list(axes))  # reduced axes last
            flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
            first = flat.argmax(axis=-1)[..., None]
            grad = np.zeros_like(flat)
            np.put_along_axis(grad, first, g.reshape(flat.shape[:-1])[..., None], axis=-1)
            self._accumulate(grad.reshape(moved.shape).transpose(np.argsort(kept + list(axes))))
        return self._result(out_data, (self,), "max", backward)

    # ---- shapes
    def reshape(self, *shape):
        """Same entries, new shape; the gradient is reshaped back."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            out_data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} ({self.size} entries) "
                             f"to {tuple(shape)}.") from None
        return self._result(out_data, (self,), "reshape", lambda g: self._accumulate(g.reshape(self.shape)))

    def transpose(self, *axes):
        """Permute the axes (reverse them if none are given); the gradient is permuted back."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))
        return self._result(self.data.transpose(axes), (self,), "transpose",
                            lambda g: self._accumulate(g.transpose(inverse)))

    def __getitem__(self, index):
        """Indexing and slicing as in numpy; each picked entry sends its gradient back to where it came from.

        An entry picked twice (advanced indexing) receives the sum of both
        gradients (``np.add.at``, not assignment).
        """
        if isinstance(index, Tensor) or (isinstance(index, tuple) and any(isinstance(i, Tensor) for i in index)):
            raise TypeError("index a Tensor with integers, slices or numpy arrays, not with a Tensor; "
                            "use t.data for a mask.")

        def backward(g):
            grad = np.zeros_like(self.data)
            np.add.at(grad, index, g)
            self._accumulate(grad)
        return self._result(self.data[index], (self,), "index", backward)

    def pad(self, widths):
        """Zero padding as ``np.pad(data, widths)``; the gradient is the un-padded middle."""
        widths = tuple((int(lo), int(hi)) for lo, hi in widths)
        if len(widths) != self.ndim:
            raise ValueError(f"pad needs one (before, after) pair per axis: {self.ndim} for shape {self.shape}, "
                             f"got {len(widths)}.")
        middle = tuple(slice(lo, lo + size) for (lo, _), size in zip(widths, self.shape))
        return self._result(np.pad(self.data, widths), (self,), "pad", lambda g: self._accumulate(g[middle]))

    # ---- matrix product
    def __matmul__(self, other):
        r"""$O = A B$ for 2-D $A$ ``(n, k)`` and $B$ ``(k, m)``.

        $\partial L/\partial A = \bar O B^\top$ ``(n, k)``,
        $\partial L/\partial B = A^\top \bar O$ ``(k, m)``.
        """
        other = self._operand(other, "@")
        if self.ndim != 2 or other.ndim != 2:
            raise ValueError(
                f"'@' multiplies two 2-D tensors, got shapes {self.shape} and {other.shape}. For one sample "
                "use x.reshape(1, -1); for a vector of weights use w.reshape(-1, 1)."
            )
        if self.shape[1] != other.shape[0]:
            raise ValueError(
                f"'@' cannot multiply {self.shape} by {other.shape}: the left has {self.shape[1]} columns but "
                f"the right has {other.shape[0]} rows. For x @ W, W must have shape (in_features, "
                f"out_features) = ({self.shape[1]}, ...); perhaps transpose it (W.T)."
            )

        def backward(g):
            if self.requires_grad:
                self._accumulate(g @ other.data.T)  # (n, m) @ (m, k) -> (n, k)
            if other.requires_grad:
                other._accumulate(self.data.T @ g)  # (k, n) @ (n, m) -> (k, m)
        return self._result(self.data @ other.data, (self, other), "@", backward)

    def __rmatmul__(self, other):
        return self._operand(other, "@") @ self

    # ---- the backward pass
    def backward(self, grad=None) -> None:
        """Fill ``grad`` of every tensor this one depends on (those with ``requires_grad``).

        Parameters
        ----------
        grad : array_like, optional
            $\\partial L/\\partial\\,\\text{self}$. May be left out only when this
            tensor holds one number (a loss); then it is 1.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that depends on no tensor with requires_grad=True (or was computed "
                "inside no_grad()). Create the parameters with Tensor(values, requires_grad=True)."
            )
        if grad is None:
            if self.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a single number (a loss), got shape {self.shape}. "
                    "Reduce it first (y.sum() or y.mean()), or pass backward(grad) with the same shape."
                )
            grad = np.ones_like(self.data)
        else:
            grad = as_float_array(grad, "grad", dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward(grad) needs grad of shape {self.shape} like the tensor, "
                                 f"got {grad.shape}.")
        order = topological_order(self)
        for node in order:
            if node._parents:
                node.grad = None  # intermediate results start afresh; leaves accumulate
        self._accumulate(grad)
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)

    def __repr__(self):
        label = f", name={self.name!r}" if self.name else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        if self.size <= 12:
            body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        else:
            body = f"<shape {self.shape}>"
        return f"Tensor({body}, dtype={self.dtype}{grad}{label})"


def _plain(value):
    """The numpy data of a Tensor, anything else unchanged (for comparisons)."""
    return value.data if isinstance(value, Tensor) else value


def _stable_sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _as_tensor(value, name: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Value):
        raise TypeError(f"{name} must be a Tensor, got a Value (the scalar engine); use Tensor(v.data).")
    return Tensor(value)


# --------------------------------------------------------------------------- functions of tensors
def where(condition, a, b) -> Tensor:
    r"""$o = a$ where ``condition`` holds, else $b$; the gradient goes to the branch that was chosen.

    ``condition`` is a boolean array (e.g. ``z > 0``); ``a`` and ``b`` are
    tensors or numbers and broadcast against it.
    """
    anchor = a if isinstance(a, Tensor) else _as_tensor(b, "where(..., b)")
    a, b = anchor._operand(a, "where"), anchor._operand(b, "where")
    condition = np.asarray(condition, dtype=bool)
    out_data = np.where(condition, a.data, b.data)

    def backward(g):
        if a.requires_grad:
            a._accumulate(_unbroadcast(np.where(condition, g, 0.0).astype(g.dtype, copy=False), a.shape))
        if b.requires_grad:
            b._accumulate(_unbroadcast(np.where(condition, 0.0, g).astype(g.dtype, copy=False), b.shape))
    return anchor._result(out_data, (a, b), "where", backward)


def maximum(a, b) -> Tensor:
    r"""Elementwise $\max(a, b)$; the gradient goes to the larger one (to $a$ on a tie)."""
    a = _as_tensor(a, "maximum(a, ...)")
    b = a._operand(b, "maximum")
    return where(a.data >= b.data, a, b)


def minimum(a, b) -> Tensor:
    r"""Elementwise $\min(a, b)$; the gradient goes to the smaller one (to $a$ on a tie)."""
    a = _as_tensor(a, "minimum(a, ...)")
    b = a._operand(b, "minimum")
    return where(a.data <= b.data, a, b)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    r"""$\log\operatorname{softmax}(z) = s - \log\sum_j e^{s_j}$ with $s = z - \max z$, composed from primitives.

    The maximum is detached: softmax does not change when a constant is
    subtracted from every logit, so no gradient needs to flow through it.
    """
    z = _as_tensor(z, "log_softmax input")
    shifted = z - z.data.max(axis=axis, keepdims=True)
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


def _class_targets(y, logits_shape: tuple, dtype) -> np.ndarray:
    """Labels ``(batch,)`` as int64 in ``0 .. classes - 1``, or target rows ``(batch, classes)`` as floats."""
    batch, classes = logits_shape
    y = np.asarray(y)
    if y.shape == tuple(logits_shape):
        return as_float_array(y, "y (target rows)", dtype=dtype)
    if y.shape != (batch,):
        raise ValueError(f"softmax_cross_entropy: y must be integer labels of shape ({batch},) or one-hot rows of "
                         f"shape {tuple(logits_shape)}, got {y.shape}.")
    if y.dtype.kind not in "iuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise TypeError(f"softmax_cross_entropy: labels must be whole numbers, got {y.dtype} values such as "
                        f"{y.ravel()[:3]}. Convert them with y.astype(int).")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"softmax_cross_entropy: labels must lie in 0..{classes - 1} for {classes} classes, "
                         f"got values from {y.min():g} to {y.max():g}.")
    return y.astype(np.int64, copy=False)


def softmax_cross_entropy(logits: Tensor, y) -> Tensor:
    r"""Mean cross-entropy of softmax(``logits``) against labels or target rows, one fused operation.

    With $p = \operatorname{softmax}(z)$ row by row and target rows $t$
    (one-hot for labels):

    $$L = -\frac1N \sum_{n,k} t_{nk} \log p_{nk};\qquad
      \frac{\partial L}{\partial z_{nk}} = \frac1N \Big(p_{nk} \sum_j t_{nj} - t_{nk}\Big),$$

    which is the familiar $(p - \operatorname{onehot}(y))/N$ when each row of
    $t$ sums to 1.

    Parameters
    ----------
    logits : Tensor, shape (batch, classes)
    y : integer labels (batch,) or target rows (batch, classes)
    """
    logits = _as_tensor(logits, "logits")
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy expects logits of shape (batch, classes), got {logits.shape}.")
    targets = _class_targets(y, logits.shape, logits.dtype)
    z = logits.data
    shifted = z - z.max(axis=1, keepdims=True)  # every exponent <= 0: nothing overflows
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (batch, classes)
    batch = z.shape[0]
    rows = np.arange(batch)
    picked = log_p[rows, targets] if targets.ndim == 1 else np.sum(targets * log_p, axis=1)

    def backward(g):
        grad = np.exp(log_p)  # p
        if targets.ndim == 1:
            grad[rows, targets] -= 1.0
        else:
            grad = grad * targets.sum(axis=1, keepdims=True) - targets
        grad /= batch
        logits._accumulate(grad * g)
    return logits._result(-picked.mean(), (logits,), "softmax_ce", backward)


def _same_shape(y_hat: Tensor, y, name: str) -> Tensor:
    y = as_float_array(y, "y", dtype=y_hat.dtype)
    if y.shape != y_hat.shape:
        raise ValueError(f"{name}: y_hat and y must have the same shape, got y_hat {y_hat.shape} and y {y.shape}."
                         + (" Reshape the targets with y.reshape(-1, 1)." if y.ndim == 1 else ""))
    return Tensor(y)


def sse(y_hat: Tensor, y) -> Tensor:
    r"""Sum of squared errors $\sum (\hat y - y)^2$, as :class:`nnlib.losses.SSE`."""
    y_hat = _as_tensor(y_hat, "y_hat")
    diff = y_hat - _same_shape(y_hat, y, "sse")
    return (diff * diff).sum()


def mse(y_hat: Tensor, y) -> Tensor:
    r"""Mean squared error $\frac1M \sum (\hat y - y)^2$, as :class:`nnlib.losses.MSE`."""
    y_hat = _as_tensor(y_hat, "y_hat")
    diff = y_hat - _same_shape(y_hat, y, "mse")
    return (diff * diff).mean()


def binary_cross_entropy(y_hat: Tensor, y, from_logits: bool = False) -> Tensor:
    r"""Mean binary cross-entropy, as :class:`nnlib.losses.BinaryCrossEntropy`.

    From probabilities $p$ (clipped to $[\epsilon, 1 - \epsilon]$):
    $-\frac1M\sum [y \ln p + (1 - y)\ln(1 - p)]$. From logits $z$:
    $\frac1M\sum[\operatorname{softplus}(z) - y z]$, which never takes the log of 0.
    """
    y_hat = _as_tensor(y_hat, "y_hat")
    target = _same_shape(y_hat, y, "binary_cross_entropy")
    if from_logits:
        return (y_hat.softplus() - target * y_hat).mean()
    if np.any((y_hat.data < 0) | (y_hat.data > 1)):
        raise ValueError("binary_cross_entropy expects probabilities in [0, 1]; pass logits with from_logits=True.")
    eps = float(np.finfo(y_hat.dtype).eps)
    p = y_hat.clip(eps, 1.0 - eps)
    return -(target * p.log() + (1.0 - target) * (1.0 - p).log()).mean()


def l1_penalty(W: Tensor, strength: float) -> Tensor:
    r"""$\lambda \sum |W_{ij}|$, as :class:`nnlib.regularization.L1`."""
    return strength * _as_tensor(W, "W").abs().sum()


def l2_penalty(W: Tensor, strength: float) -> Tensor:
    r"""$\frac{\lambda}{2} \sum W_{ij}^2$, as :class:`nnlib.regularization.L2`."""
    W = _as_tensor(W, "W")
    return (0.5 * strength) * (W * W).sum()


def _window_indices(out_size: int, kernel: int, stride: int) -> np.ndarray:
    """Row (or column) of the input under kernel offset ``u`` at output position ``i``: ``i * stride + u``."""
    return np.arange(out_size)[:, None] * stride + np.arange(kernel)[None, :]  # (out_size, kernel)


def conv2d(x: Tensor, W: Tensor, b: Tensor, stride: int = 1, padding: int = 0) -> Tensor:
    r"""2-D convolution (cross-correlation) as :class:`nnlib.conv.Conv2D`, built from primitives.

    Pad, gather every receptive field with one indexing operation (im2col),
    multiply by the filters as a matrix, add the bias. Its backward pass is
    then automatic; the gather's backward (``np.add.at``) is col2im, adding
    the gradients of overlapping windows.

    Shapes: x (N, C, H, W), W (O, C, k, k), b (O,) -> (N, O, H_out, W_out).
    """
    x, W, b = _as_tensor(x, "x"), _as_tensor(W, "W"), _as_tensor(b, "b")
    if x.ndim != 4 or W.ndim != 4 or W.shape[2] != W.shape[3] or x.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d needs x (N, C, H, W) and W (O, C, k, k) with the same C, got x {x.shape} "
                         f"and W {W.shape}.")
    batch, channels, height, width = x.shape
    filters, _, k, _ = W.shape
    h_out, w_out = (height + 2 * padding - k) // stride + 1, (width + 2 * padding - k) // stride + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"conv2d: a {height}x{width} input is smaller than the {k}x{k} kernel; add padding.")
    if padding:
        x = x.pad(((0, 0), (0, 0), (padding, padding), (padding, padding)))
    rows = _window_indices(h_out, k, stride)[:, None, :, None]  # (Ho, 1, k, 1)
    cols = _window_indices(w_out, k, stride)[None, :, None, :]  # (1, Wo, 1, k)
    windows = x[:, :, rows, cols]  # (N, C, Ho, Wo, k, k)
    patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(batch * h_out * w_out, channels * k * k)
    out = patches @ W.reshape(filters, channels * k * k).T + b  # (N*Ho*Wo, O)
    return out.reshape(batch, h_out, w_out, filters).transpose(0, 3, 1, 2)


def max_pool2d(x: Tensor, size: int = 2) -> Tensor:
    """Max pooling over non-overlapping ``size × size`` blocks, as :class:`nnlib.conv.MaxPool2D`.

    A reshape that puts each block on its own axis, then :meth:`Tensor.max`.
    Shapes: (N, C, H, W) -> (N, C, H / size, W / size).
    """
    x = _as_tensor(x, "x")
    if x.ndim != 4 or x.shape[2] % size or x.shape[3] % size:
        raise ValueError(f"max_pool2d({size}) needs (N, C, H, W) with H and W divisible by {size}, got {x.shape}.")
    batch, channels, height, width = x.shape
    blocks = x.reshape(batch, channels, height // size, size, width // size, size).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(batch, channels, height // size, width // size, size * size).max(axis=-1)


# --------------------------------------------------------------------------- nnlib networks on the engine
def _gelu(z: Tensor, act) -> Tensor:
    u = _GELU_SCALE * (z + _GELU_CUBIC * z ** 3)
    return 0.5 * z * (1.0 + u.tanh())


#: How each activation of :data:`nnlib.activations.ACTIVATIONS` is written with the engine's operations.
ACTIVATION_RULES = {
    "identity": lambda z, act: z,
    "sigmoid": lambda z, act: z.sigmoid(),
    "tanh": lambda z, act: z.tanh(),
    "relu": lambda z, act: z.relu(),
    "leaky_relu": lambda z, act: where(z > 0, z, act.alpha * z),
    "elu": lambda z, act: where(z > 0, z, act.alpha * (minimum(z, 0.0).exp() - 1.0)),
    "softplus": lambda z, act: z.softplus(),
    "gelu": _gelu,
}


def apply_activation(act, z: Tensor) -> Tensor:
    """Apply an nnlib activation (a name, class or instance) to ``z`` with the engine's operations."""
    act = get_activation(act)
    if act.name not in ACTIVATION_RULES:
        raise TypeError(f"the engine has no rule for the activation {act!r}; it knows {sorted(ACTIVATION_RULES)}.")
    return ACTIVATION_RULES[act.name](z, act)


def apply_loss(loss, y_hat: Tensor, y) -> Tensor:
    """Compute an nnlib loss (an instance or a name such as ``"sse"``) with the engine."""
    loss = get_loss(loss)
    if isinstance(loss, SoftmaxCrossEntropy):
        return softmax_cross_entropy(y_hat, y)
    if isinstance(loss, BinaryCrossEntropy):
        return binary_cross_entropy(y_hat, y, from_logits=loss.from_logits)
    if isinstance(loss, MSE):
        return mse(y_hat, y)
    if isinstance(loss, SSE):
        return sse(y_hat, y)
    raise TypeError(f"the engine cannot express the loss {loss!r}; it knows SSE, MSE, "
                    "BinaryCrossEntropy and SoftmaxCrossEntropy.")


def apply_penalty(penalty, W: Tensor) -> Tensor:
    """The value of an nnlib :class:`~nnlib.regularization.L1` or ``L2`` penalty on ``W``, as a Tensor."""
    if isinstance(penalty, L1):
        return l1_penalty(W, penalty.strength)
    if isinstance(penalty, L2):
        return l2_penalty(W, penalty.strength)
    raise TypeError(f"the engine cannot express the penalty {penalty!r}; it knows L1 and L2.")


def sequential_parameters(model) -> dict[str, Tensor]:
    """A leaf Tensor (``requires_grad=True``) for every parameter of an nnlib ``Sequential``.

    Keys are the names of :meth:`Sequential.parameters` (``"0.W"``, ``"0.b"``,
    ...). Each Tensor **shares** the layer's array: updating ``t.data`` in place
    updates the model, so nnlib's ``predict`` sees the engine's training.
    """
    return {p.name: Tensor(p.value, requires_grad=True, name=p.name) for p in model.parameters()}


def apply_layer(layer, x: Tensor, params: dict, index: int) -> Tensor:
    """The output of nnlib ``layer`` (the ``index``-th of its model) on ``x``, computed by the engine."""
    if isinstance(layer, Dense):
        return x @ params[f"{index}.W"] + params[f"{index}.b"]  # (batch, out) + (out,): broadcast
    if isinstance(layer, Activation):
        return apply_activation(layer.act, x)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    if isinstance(layer, Reshape):
        return x.reshape((x.shape[0],) + layer.shape)
    if isinstance(layer, Conv2D):
        return conv2d(x, params[f"{index}.W"], params[f"{index}.b"], layer.stride, layer.padding)
    if isinstance(layer, MaxPool2D):
        return max_pool2d(x, layer.size)
    raise TypeError(f"the engine cannot express the layer {layer!r}; it knows Dense, Activation, Flatten, "
                    "Reshape, Conv2D and MaxPool2D.")


def sequential_forward(model, x, params: dict | None = None) -> Tensor:
    """Run an nnlib ``Sequential`` on ``x`` with the engine; ``params`` from :func:`sequential_parameters`."""
    params = sequential_parameters(model) if params is None else params
    out = Tensor(as_float_array(x, "x", dtype=model.dtype))
    for index, layer in enumerate(model.layers):
        out = apply_layer(layer, out, params, index)
    return out


def _penalised_layer_types() -> tuple:
    """The layer types whose ``W`` nnlib's penalties cover (read from nnlib.regularization, Dense if it does not say)."""
    return getattr(regularization, "PENALISED_LAYERS", (Dense,))


def sequential_loss(model, X, y, loss, params: dict | None = None, penalty=None) -> Tensor:
    """The loss of an nnlib ``Sequential`` on ``(X, y)``, plus ``penalty`` on its weights, as a Tensor.

    The penalty covers the same weights as :meth:`nnlib.regularization.Penalty.total`
    (the ``W`` of the layers it penalises; never a bias).
    """
    params = sequential_parameters(model) if params is None else params
    value = apply_loss(loss, sequential_forward(model, X, params), y)
    if penalty is not None:
        penalised = _penalised_layer_types()
        for index, layer in enumerate(model.layers):
            if isinstance(layer, penalised):
                value = value + apply_penalty(penalty, params[f"{index}.W"])
    return value


def sequential_gradients(model, X, y, loss, penalty=None) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and its gradient for every parameter of ``model``, by the engine.

    Returns
    -------
    loss : float
    grads : dict name -> ndarray, same keys and shapes as ``model.parameters()``
    """
    params = sequential_parameters(model)
    value = sequential_loss(model, X, y, loss, params, penalty)
    value.backward()
    return value.item(), {name: p.grad if p.grad is not None else np.zeros_like(p.data)
                          for name, p in params.items()}


def train_sgd(model, X, y, loss, lr: float, epochs: int, batch_size: int | None = None, rng=None,
              shuffle: bool = True, penalty=None) -> list[float]:
    r"""Train ``model`` in place with plain gradient descent, gradients by the engine.

    Mirrors :meth:`Sequential.fit` with ``optimizer=SGD(lr)``: the same batches
    in the same order (``rng`` shuffles each epoch when ``batch_size`` is
    smaller than the data), then $\theta \leftarrow \theta - \eta\,\nabla_\theta L$.

    Returns
    -------
    list of float
        The loss of every step, before that step's update (like ``History.step_loss``).
    """
    lr = check_positive_number(lr, "learning rate lr")
    epochs = check_positive_int(epochs, "epochs")
    X = as_float_array(X, "X", dtype=model.dtype)
    labels = isinstance(get_loss(loss), SoftmaxCrossEntropy) and np.ndim(y) == 1
    y = np.asarray(y) if labels else as_float_array(y, "y", dtype=model.dtype)
    n = X.shape[0]
    batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size"), n)
    rng = check_rng(rng)
    params = sequential_parameters(model)
    step_losses = []
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb, yb = (X, y) if batch_size == n else (X[idx], y[idx])
            for p in params.values():
                p.zero_grad()
            value = sequential_loss(model, xb, yb, loss, params, penalty)
            value.backward()
            for p in params.values():
                if p.grad is not None:
                    p.data -= lr * p.grad  # in place: the model's own array
            step_losses.append(value.item())
    return step_losses
