r"""The array engine: :class:`Tensor`, a numpy array that remembers how it was computed.

The same design as :class:`~nnlib.autograd.value.Value`, with shapes: every
rule receives the output's gradient ``g`` (an array shaped like the output)
and adds the product with its local derivative into each parent's ``grad``.
Where numpy broadcast an input, :func:`_unbroadcast` sums the gradient back to
the input's shape.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_float_array, check_dtype
from .graph import is_grad_enabled, topological_order
from .value import Value


def _mixing_error(left, right, op: str) -> TypeError:
    return TypeError(
        f"cannot combine a {type(left).__name__} with a {type(right).__name__} in '{op}': Value is the "
        "scalar engine and Tensor the array engine, and one computation uses one of them. Convert "
        "with Tensor(v.data) or Value(t.item())."
    )


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
        self.data = as_float_array(data, "Tensor data", dtype=None if dtype is None else check_dtype(dtype))
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._parents = ()
        self._op = ""
        self._backward = None

    # ---- bookkeeping
    @staticmethod
    def _result(data, parents, op: str, backward) -> "Tensor":
        """A new node; it records its parents and rule only if a gradient can flow through it."""
        out = Tensor.__new__(Tensor)
        # numpy reductions of whole arrays return numpy scalars: keep every node's data an ndarray
        out.data, out.grad, out.name, out._op = np.asarray(data), None, "", op
        out.requires_grad = is_grad_enabled() and any(p.requires_grad for p in parents)
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
            if exponent == 0:  # a ** 0 = 1 is flat; k a^(k-1) would give 0 * inf = nan at a = 0
                self._accumulate(np.zeros_like(g))
            else:
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
                            lambda g: self._accumulate(g * (self.data > 0)))  # a bool mask: no float copy

    def sigmoid(self):
        r"""$o = \sigma(a) = 1/(1 + e^{-a})$; $\partial o/\partial a = o (1 - o)$.

        Stable: only $e^{-|a|}$ is computed, as in :class:`nnlib.activations.Sigmoid`.
        """
        out_data = _stable_sigmoid(self.data)
        return self._result(out_data, (self,), "sigmoid",
                            lambda g: self._accumulate(g * (out_data * (1.0 - out_data))))

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


def as_tensor(value, name: str) -> Tensor:
    """``value`` itself if it is a Tensor; numbers and arrays become a constant Tensor."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Value):
        raise TypeError(f"{name} must be a Tensor, got a Value (the scalar engine); use Tensor(v.data).")
    return Tensor(value)
