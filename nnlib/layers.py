r"""Layers: the building blocks of :class:`nnlib.model.Sequential`.

Every layer has

* ``forward(x)``: computes the output and caches what ``backward`` needs;
* ``backward(dout)``: takes $\partial L / \partial\,\text{output}$ and returns
  $\partial L / \partial x$, filling ``grads`` for the layer's parameters;
* ``params`` and ``grads``: dicts with the same keys (empty for layers
  without parameters).

Shapes are batch-first: ``x`` is ``(batch, in_features)``.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_2d, check_dtype, check_positive_int, check_rng
from .activations import get_activation
from .init import get_initializer


class Layer:
    """Base class. Subclasses set ``params``/``grads`` and implement forward/backward."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout, input_grad: bool = True):
        """Fill ``grads`` and return dL/dx (``None`` when ``input_grad`` is False)."""
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _require_forward(self, cache):
        if cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called before forward(); "
                "run a forward pass first so the layer can cache its input."
            )


class Dense(Layer):
    r"""Fully connected layer: $z = x W + b$.

    Parameters
    ----------
    in_features, out_features : int
        Sizes $D$ and $H$ of the input and output.
    init : str or callable, default "xavier_uniform"
        Weight initialiser, a name from :data:`nnlib.init.INITIALIZERS` or a
        function ``(fan_in, fan_out, rng, dtype) -> array``.
    bias : float, default 0.0
        Initial value of every bias (try 0.1 for ReLU layers).
    rng : numpy.random.Generator or int or None
        Source of randomness for the initial weights.
    dtype : float32 or float64, default float64

    Shapes
    ------
    x : (batch, in_features) -> z : (batch, out_features);
    W : (in_features, out_features); b : (out_features,).

    Backward, with $\delta = \partial L / \partial z$ (``dout``):
    $\partial L/\partial W = x^\top \delta$, $\partial L/\partial b = \mathbf 1^\top \delta$
    (sum over the batch), $\partial L/\partial x = \delta W^\top$.
    """

    def __init__(self, in_features: int, out_features: int, init="xavier_uniform",
                 bias: float = 0.0, rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        self.dtype = check_dtype(dtype)
        initializer = get_initializer(init)
        W = np.asarray(initializer(self.in_features, self.out_features, rng=check_rng(rng), dtype=self.dtype))
        if W.shape != (self.in_features, self.out_features):
            raise ValueError(f"initialiser returned shape {W.shape}, expected {(self.in_features, self.out_features)}.")
        self.params = {"W": W.astype(self.dtype, copy=False),
                       "b": np.full(self.out_features, bias, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self._x = None

    def forward(self, x):
        x = as_float_array(x, "Dense input", dtype=self.dtype)
        if x.ndim != 2:  # build the message only when it is needed: this is the hot path
            check_2d(x, f"{self!r} input", f"(batch, {self.in_features})")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r} expected input of shape (batch, {self.in_features}), got {x.shape}: "
                f"{x.shape[1]} features instead of {self.in_features}. Check the previous "
                "layer's out_features or the number of columns in your data."
            )
        self._x = x
        out = x @ self.params["W"]  # (batch, out)
        out += self.params["b"]  # broadcast over the batch, in place
        return out

    def backward(self, dout, input_grad: bool = True):
        self._require_forward(self._x)
        dout = as_float_array(dout, "dout", dtype=self.dtype)
        expected = (self._x.shape[0], self.out_features)
        if dout.shape != expected:
            raise ValueError(f"{self!r}.backward expected dout of shape {expected}, got {dout.shape}.")
        np.matmul(self._x.T, dout, out=self.grads["W"])  # (in, out)
        dout.sum(axis=0, out=self.grads["b"])  # (out,)
        # The first layer's dL/dx is never used in training: skipping it saves a matmul.
        return dout @ self.params["W"].T if input_grad else None  # (batch, in)

    def __repr__(self):
        return f"Dense({self.in_features} -> {self.out_features})"


class Activation(Layer):
    r"""Applies an activation function elementwise: $a = \varphi(z)$.

    Backward: $\partial L/\partial z = \partial L/\partial a \odot \varphi'(z)$.

    Parameters
    ----------
    act : str, class or instance
        A name from :data:`nnlib.activations.ACTIVATIONS` (e.g. ``"relu"``) or
        an activation object.
    """

    def __init__(self, act="relu"):
        super().__init__()
        self.act = get_activation(act)
        self._z = None

    def forward(self, z):
        z = as_float_array(z, "Activation input")
        self._z = z
        return self.act._forward(z)  # z is already a checked float array

    def backward(self, dout, input_grad: bool = True):
        self._require_forward(self._z)
        dout = as_float_array(dout, "dout")
        if dout.shape != self._z.shape:
            raise ValueError(f"{self!r}.backward expected dout of shape {self._z.shape}, got {dout.shape}.")
        return dout * self.act._grad(self._z)

    def __repr__(self):
        return f"Activation({self.act.name!r})"


class Flatten(Layer):
    """Reshapes ``(batch, d1, d2, ...)`` to ``(batch, d1*d2*...)``; backward undoes it."""

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, x):
        x = as_float_array(x, "Flatten input")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, input_grad: bool = True):
        self._require_forward(self._shape)
        return np.asarray(dout).reshape(self._shape)

    def __repr__(self):
        return "Flatten()"
