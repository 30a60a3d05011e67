r"""Layers: the building blocks of :class:`nnlib.model.Sequential`.

Every layer has

* ``forward(x)``: computes the output and caches what ``backward`` needs;
* ``backward(dout)``: takes $\partial L / \partial\,\text{output}$ and returns
  $\partial L / \partial x$, filling ``grads`` for the layer's parameters;
* ``params`` and ``grads``: dicts with the same keys (empty for layers
  without parameters);
* ``buffers``: arrays that are part of the layer's state but not trained
  (the running statistics of :class:`~nnlib.normalization.BatchNorm`), empty for most layers;
* ``training``: ``True`` in training mode, ``False`` in evaluation mode. Only
  layers that behave differently in the two (``BatchNorm``, ``Dropout``) read it;
  :meth:`Sequential.train <nnlib.model.Sequential.train>` and ``eval`` set it
  for every layer of a network.

Shapes are batch-first: ``x`` is ``(batch, in_features)``.

Checked and unchecked paths
---------------------------
``forward`` and ``backward`` are where a reader's data enter, so they check
everything: type, shape, and that every number is finite. Each is a thin
wrapper: ``_check_input`` (type and shape), a finiteness check, then the
computation itself in ``_forward`` (``_check_dout`` and ``_backward`` for the
backward pass). :meth:`Sequential.fit <nnlib.model.Sequential.fit>` checks its
data once and then calls ``_forward`` and ``_backward`` directly, so training
pays nothing per mini-batch. A layer written from scratch only needs
``forward`` and ``backward``; ``Sequential`` then calls those.
"""
from __future__ import annotations

import numpy as np

from ._validation import (as_float_array, check_2d, check_dtype, check_finite, check_number, check_positive_int,
                          check_rng, numeric_guard)
from .activations import get_activation
from .init import get_initializer


class Layer:
    """Base class. Subclasses set ``params``/``grads`` and implement the four hooks below."""

    #: Training mode (the default) or evaluation mode; a class default, so that a layer
    #: written from scratch without ``super().__init__()`` has it too.
    training: bool = True

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}  # state that is not trained (running statistics)
        self.training = True
        self._out_shape = None  # shape of the last forward output; backward's dout must match it

    def forward(self, x):
        """Check ``x`` (type, shape, finite numbers), then compute the output."""
        x = self._check_input(x)
        check_finite(x, f"{self!r} input")
        with numeric_guard(f"{self!r}.forward"):
            return self._forward(x)

    def backward(self, dout, input_grad: bool = True):
        """Fill ``grads`` and return dL/dx (``None`` when ``input_grad`` is False)."""
        self._require_forward()
        dout = self._check_dout(dout)
        check_finite(dout, f"{self!r}.backward dout")
        with numeric_guard(f"{self!r}.backward"):
            return self._backward(dout, input_grad)

    def __call__(self, x):
        return self.forward(x)

    # Hooks for subclasses ----------------------------------------------------
    def _check_input(self, x) -> np.ndarray:
        """Convert ``x`` to a float array and check its shape; raise a clear error if it is wrong."""
        return as_float_array(x, f"{self!r} input")

    def _forward(self, x):
        raise NotImplementedError

    def _backward(self, dout, input_grad: bool):
        raise NotImplementedError

    def _check_dout(self, dout) -> np.ndarray:
        """Convert ``dout`` and require the shape of the last forward output."""
        dout = as_float_array(dout, f"{self!r}.backward dout", dtype=getattr(self, "dtype", None))
        if dout.shape != self._out_shape:
            raise ValueError(
                f"{self!r}.backward expected dout of shape {self._out_shape}, got {dout.shape}. dout holds "
                "dL/d(output), one entry per entry of the last forward output: pass the gradient for "
                "the same batch that went through forward."
            )
        return dout

    def _require_forward(self):
        if self._out_shape is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called before forward(); "
                "run a forward pass first so the layer can cache its input."
            )


def forward_in_model(index: int, layer, x):
    """One layer's forward pass inside a model, whose input was checked once at the model's door.

    A layer built on :class:`Layer` gets only the shape check, and its error names its place,
    ``model.layers[index]``; a hand-written layer runs its own ``forward``, checks included.
    """
    if type(layer).forward is not Layer.forward:
        return layer.forward(x)
    try:
        x = layer._check_input(x)
    except ValueError as err:
        raise ValueError(f"model.layers[{index}]: {err}") from None
    return layer._forward(x)


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
        bias = check_number(bias, "Dense bias", hint=" The bias is the starting value of every b, e.g. 0.0 or 0.1.")
        initializer = get_initializer(init)
        W = initial_weights(initializer, self.in_features, self.out_features, check_rng(rng), self.dtype, init)
        self.params = {"W": W, "b": np.full(self.out_features, bias, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self._x = None

    def _check_input(self, x):
        x = as_float_array(x, f"{self!r} input", dtype=self.dtype)
        check_2d(x, f"{self!r} input", f"(batch, {self.in_features})")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r} expected input of shape (batch, {self.in_features}), got {x.shape}: "
                f"{x.shape[1]} features instead of {self.in_features}. Check the previous "
                "layer's out_features or the number of columns in your data."
            )
        return x

    def _forward(self, x):
        if x.dtype != self.dtype:  # a float64 batch into a float32 layer: cast once, here
            x = x.astype(self.dtype)
        self._x = x
        self._out_shape = (x.shape[0], self.out_features)
        out = x @ self.params["W"]  # (batch, out)
        out += self.params["b"]  # broadcast over the batch, in place
        return out

    def _backward(self, dout, input_grad: bool = True):
        if dout.dtype != self.dtype:
            dout = dout.astype(self.dtype)
        np.matmul(self._x.T, dout, out=self.grads["W"])  # (in, out)
        dout.sum(axis=0, out=self.grads["b"])  # (out,)
        # The first layer's dL/dx is never used in training: skipping it saves a matmul.
        return dout @ self.params["W"].T if input_grad else None  # (batch, in)

    def __repr__(self):
        return f"Dense({self.in_features} -> {self.out_features})"


#: Layers larger than this many weights are refused: 2**28 float64 weights already take 2 GiB.
MAX_WEIGHTS = 2**28


def initial_weights(initializer, fan_in: int, fan_out: int, rng, dtype, init_name) -> np.ndarray:
    """Call an initialiser and check what it returns: shape ``(fan_in, fan_out)``, finite numbers."""
    if fan_in * fan_out > MAX_WEIGHTS:
        raise ValueError(f"a layer with fan_in {fan_in} and fan_out {fan_out} would need {fan_in * fan_out:,} "
                         f"weights ({fan_in * fan_out * np.dtype(dtype).itemsize / 2**30:.3g} GiB), more than the "
                         f"{MAX_WEIGHTS:,} nnlib allows. Check the layer sizes: they count units, not samples.")
    try:
        W = initializer(fan_in, fan_out, rng=rng, dtype=dtype)
    except TypeError as err:
        if "argument" not in str(err):
            raise
        raise TypeError(f"initialiser {init_name!r} could not be called as f(fan_in, fan_out, rng=rng, dtype=dtype) "
                        f"({err}). Write it with that signature, or pass a name such as 'he_normal'.") from None
    W = as_float_array(W, f"the weights from initialiser {init_name!r}", dtype=dtype)
    if W.shape != (fan_in, fan_out):
        raise ValueError(f"initialiser {init_name!r} returned shape {W.shape}, expected {(fan_in, fan_out)} "
                         "(fan_in, fan_out). An initialiser is a function (fan_in, fan_out, rng, dtype) -> array.")
    check_finite(W, f"the weights from initialiser {init_name!r}")
    return np.array(W, dtype=dtype)  # a copy the layer owns


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

    def _forward(self, z):
        self._z = z
        self._out_shape = z.shape
        return self.act._forward(z)

    def _backward(self, dout, input_grad: bool = True):
        return dout * self.act._grad(self._z)

    def __repr__(self):
        return f"Activation({self.act.name!r})"


class Flatten(Layer):
    """Reshapes ``(batch, d1, d2, ...)`` to ``(batch, d1*d2*...)``; backward undoes it."""

    def __init__(self):
        super().__init__()
        self._shape = None

    def _check_input(self, x):
        x = as_float_array(x, "Flatten input")
        if x.ndim < 2:
            raise ValueError(f"Flatten expects a batch of samples, shape (batch, d1, ...), got shape {x.shape}. "
                             "For a single sample use x[None]; a 1-D array needs no flattening.")
        return x

    def _forward(self, x):
        self._shape = x.shape
        self._out_shape = (x.shape[0], int(np.prod(x.shape[1:])))
        return x.reshape(self._out_shape)

    def _backward(self, dout, input_grad: bool = True):
        return dout.reshape(self._shape)

    def __repr__(self):
        return "Flatten()"
