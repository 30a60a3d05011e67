r"""Normalisation layers: :class:`BatchNorm` and :class:`LayerNorm`.

Both rescale their input to mean 0 and variance 1 and then let the network choose
the scale and shift it wants, through two trained parameters per feature or
channel, $\gamma$ (``gamma``, starts at 1) and $\beta$ (``beta``, starts at 0):

$$\hat x = \frac{x - \mu}{\sqrt{v + \epsilon}},\qquad y = \gamma\,\hat x + \beta.$$

They differ in *which* numbers share one mean $\mu$ and one variance $v$:

* :class:`BatchNorm` (Ioffe and Szegedy, 2015) averages over the **batch**: one
  $\mu$ and $v$ per feature (per channel for images). So each sample's
  output depends on the other samples in its batch, and a trained network needs
  another source of statistics for single samples: the *running* averages it
  keeps while training, used in evaluation mode.
* :class:`LayerNorm` (Ba, Kiros and Hinton, 2016) averages over the **features of
  one sample**: one $\mu$ and $v$ per sample. It behaves the same in
  training and evaluation, for any batch size.

Training and evaluation mode
----------------------------
Every layer has a ``training`` attribute, set for the whole network by
:meth:`Sequential.train() <nnlib.model.Sequential.train>` and
:meth:`Sequential.eval() <nnlib.model.Sequential.eval>`. ``fit`` trains in
training mode; ``predict`` and every evaluation inside ``fit`` run in evaluation
mode. Only :class:`BatchNorm` (and :class:`~nnlib.dropout.Dropout`) read it.

Shapes
------
``(batch, F)`` after a :class:`~nnlib.layers.Dense` layer, or
``(batch, C, H, W)`` after a :class:`~nnlib.conv.Conv2D` layer; ``gamma`` and
``beta`` have shape ``(F,)`` or ``(C,)``: one pair per feature or channel.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_dtype, check_fraction, check_positive_int, check_positive_number
from .layers import Layer

_EPS_HINT = " The usual value is 1e-5; it only keeps the division away from 0."


def _check_feature_maps(layer, x, what: str) -> np.ndarray:
    """``x`` as a float array of shape (batch, F) or (batch, F, H, W) with F = ``layer.num_features``."""
    x = as_float_array(x, f"{layer!r} input", dtype=layer.dtype)
    if x.ndim not in (2, 4):
        raise ValueError(
            f"{layer!r} expects {what}: shape (batch, {layer.num_features}) after a Dense layer or "
            f"(batch, {layer.num_features}, height, width) after a Conv2D layer, got shape {x.shape}. "
            + ("For a single sample use x.reshape(1, -1)." if x.ndim == 1 else
               "Put the layer right after a Dense or Conv2D layer.")
        )
    if x.shape[1] != layer.num_features:
        raise ValueError(
            f"{layer!r} expected {layer.num_features} features (axis 1), got shape {x.shape}. "
            f"num_features must equal the previous layer's out_features (Dense) or out_channels (Conv2D)."
        )
    return x


class _Normalization(Layer):
    """What BatchNorm and LayerNorm share: gamma and beta, eps, the dtype and the affine backward."""

    def __init__(self, num_features: int, eps: float, dtype):
        super().__init__()
        self.num_features = check_positive_int(num_features, "num_features")
        self.eps = check_positive_number(eps, "eps", _EPS_HINT)
        self.dtype = check_dtype(dtype)
        self.params = {"gamma": np.ones(self.num_features, dtype=self.dtype),
                       "beta": np.zeros(self.num_features, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self._cache = None

    @staticmethod
    def _channel_shape(x) -> tuple:
        """Shape that broadcasts a per-feature vector over ``x``: (1, F) or (1, C, 1, 1)."""
        return (1, x.shape[1]) if x.ndim == 2 else (1, x.shape[1], 1, 1)

    @staticmethod
    def _sample_axes(x) -> tuple:
        """Axes over which one feature's or channel's values are spread: (0,) or (0, 2, 3)."""
        return (0,) if x.ndim == 2 else (0, 2, 3)

    def _affine(self, x_hat):
        shape = self._channel_shape(x_hat)
        return x_hat * self.params["gamma"].reshape(shape) + self.params["beta"].reshape(shape)

    def _parameter_grads(self, dout, x_hat):
        """Fill dL/dgamma = sum(dout * x_hat) and dL/dbeta = sum(dout) over every axis but the channel's."""
        axes = self._sample_axes(dout)
        np.sum(dout * x_hat, axis=axes, out=self.grads["gamma"])  # (F,)
        np.sum(dout, axis=axes, out=self.grads["beta"])  # (F,)


class BatchNorm(_Normalization):
    r"""Batch normalisation: each feature (or channel) scaled to mean 0, variance 1 over the batch.

    Per feature, over the $m$ values that share it ($m = N$ for input
    ``(N, F)``, $m = N H W$ for feature maps ``(N, C, H, W)``, so that every
    position of a channel is treated alike):

    $$\mu = \frac1m \sum_i x_i,\quad v = \frac1m \sum_i (x_i - \mu)^2,\quad
      \hat x_i = \frac{x_i - \mu}{\sqrt{v + \epsilon}},\quad y_i = \gamma \hat x_i + \beta.$$

    **Training mode** uses the batch's own $\mu$ and $v$ and updates the
    running averages

    $$\mu^\text{run} \leftarrow \rho\,\mu^\text{run} + (1 - \rho)\,\mu,\qquad
      v^\text{run} \leftarrow \rho\,v^\text{run} + (1 - \rho)\,\tfrac{m}{m - 1}v$$

    with $\rho$ = ``momentum`` (the unbiased variance, as PyTorch keeps it).
    **Evaluation mode** uses $\mu^\text{run}$ and $v^\text{run}$ instead,
    so a sample's output no longer depends on its batch.

    Backward pass
    -------------
    With $\delta_i = \partial L/\partial y_i$ (``dout``, the shape of ``x``) and
    sums over the $m$ values of one feature:

    * $\partial L/\partial\beta = \sum_i \delta_i$ and
      $\partial L/\partial\gamma = \sum_i \delta_i \hat x_i$, shape ``(F,)``;
    * **evaluation mode**: $\mu$ and $v$ are constants, so
      $\partial L/\partial x_i = \gamma\,\delta_i / \sqrt{v^\text{run} + \epsilon}$;
    * **training mode**: $\mu$ and $v$ depend on every $x_i$ of the batch,
      so each $x_i$ reaches the loss by three paths: directly through
      $\hat x_i$, through $\mu$ and through $v$. Write
      $s = \sqrt{v + \epsilon}$ and $g_i = \partial L/\partial\hat x_i = \gamma\delta_i$. Then

      $$\frac{\partial L}{\partial v} = -\frac{1}{2 s^3}\sum_j g_j (x_j - \mu),\qquad
        \frac{\partial L}{\partial \mu} = -\frac1s \sum_j g_j
        \quad\Big(\text{the path through } v \text{ adds }
        \tfrac{\partial L}{\partial v}\cdot\tfrac{-2}{m}\sum_j (x_j - \mu) = 0\Big),$$

      $$\frac{\partial L}{\partial x_i} = \frac{g_i}{s}
        + \frac{\partial L}{\partial v}\,\frac{2 (x_i - \mu)}{m}
        + \frac{\partial L}{\partial \mu}\,\frac1m
        = \frac{\gamma}{m\,s}\Big(m\,\delta_i - \sum_j \delta_j - \hat x_i \sum_j \delta_j \hat x_j\Big)
        = \frac{\gamma}{m\,s}\Big(m\,\delta_i - \frac{\partial L}{\partial\beta}
          - \hat x_i\,\frac{\partial L}{\partial\gamma}\Big).$$

      The two sums are the parameter gradients, already computed: the input
      gradient costs two more elementwise passes. It is $\delta$ with its mean
      and its component along $\hat x$ removed, so it sums to 0 over the batch
      and is orthogonal to $\hat x$: shifting or scaling a feature over the
      whole batch cannot change the output.

    Parameters
    ----------
    num_features : int
        $F$ for input ``(batch, F)``, or the channels $C$ for ``(batch, C, H, W)``.
    momentum : float in [0, 1), default 0.9
        $\rho$, the share of the old running average kept at each training step.
        (PyTorch's ``momentum`` is $1 - \rho$: its 0.1 is this 0.9.)
    eps : float > 0, default 1e-5
    dtype : float32 or float64, default float64

    Attributes
    ----------
    params : {"gamma", "beta"}, each (F,)
    buffers : {"running_mean", "running_var"}, each (F,)
        Not trained by the optimiser, but part of the model's state
        (:meth:`Sequential.state_dict <nnlib.model.Sequential.state_dict>`).
    training : bool
        Which statistics ``forward`` uses; set by ``Sequential.train()`` / ``eval()``.

    Shapes
    ------
    x : (batch, F) or (batch, F, H, W) -> y : the same shape.
    In training mode a batch needs at least 2 samples.
    """

    #: ``fit`` refuses mini-batches smaller than this (see ``Sequential.fit``).
    min_training_batch = 2

    def __init__(self, num_features: int, momentum: float = 0.9, eps: float = 1e-5, dtype=np.float64):
        super().__init__(num_features, eps, dtype)
        self.momentum = check_fraction(momentum, "BatchNorm momentum")
        self.buffers = {"running_mean": np.zeros(self.num_features, dtype=self.dtype),
                        "running_var": np.ones(self.num_features, dtype=self.dtype)}

    @property
    def running_mean(self) -> np.ndarray:
        return self.buffers["running_mean"]

    @property
    def running_var(self) -> np.ndarray:
        return self.buffers["running_var"]

    def _check_input(self, x):
        x = _check_feature_maps(self, x, "a batch of features")
        if self.training and x.shape[0] < self.min_training_batch:
            raise ValueError(
                f"{self!r} in training mode normalises over the batch and needs at least "
                f"{self.min_training_batch} samples, got a batch of shape {x.shape}. For single samples "
                "switch the model to evaluation mode first (model.eval(), or use model.predict), which "
                "uses the running statistics."
            )
        return x

    def _forward(self, x):
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        shape = self._channel_shape(x)  # (1, F) or (1, C, 1, 1)
        if self.training:
            axes = self._sample_axes(x)
            m = x.size // self.num_features  # values per feature
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            var = np.mean(centred * centred, axis=axes, keepdims=True)
            inv_std = 1.0 / np.sqrt(var + self.eps)
            x_hat = centred * inv_std
            keep = self.momentum
            self.buffers["running_mean"] *= keep
            self.buffers["running_mean"] += (1.0 - keep) * mean.reshape(-1)
            self.buffers["running_var"] *= keep
            # unbiased; max() keeps a batch of one value per feature (reached only unchecked) finite
            self.buffers["running_var"] += (1.0 - keep) * (m / max(m - 1, 1)) * var.reshape(-1)
        else:
            inv_std = (1.0 / np.sqrt(self.buffers["running_var"] + self.eps)).reshape(shape)
            x_hat = (x - self.buffers["running_mean"].reshape(shape)) * inv_std
        self._cache = (x_hat, inv_std, self.training)
        self._out_shape = x.shape
        return self._affine(x_hat)

    def _backward(self, dout, input_grad: bool = True):
        x_hat, inv_std, training = self._cache
        if dout.dtype != self.dtype:
            dout = dout.astype(self.dtype)
        self._parameter_grads(dout, x_hat)
        if not input_grad:
            return None
        shape = inv_std.shape  # (1, F) or (1, C, 1, 1)
        scale = self.params["gamma"].reshape(shape) * inv_std  # gamma / s
        if not training:
            return dout * scale
        m = dout.size // self.num_features
        dbeta, dgamma = self.grads["beta"].reshape(shape), self.grads["gamma"].reshape(shape)
        return scale * (dout - dbeta / m - x_hat * (dgamma / m))  # (gamma / (m s)) (m dout - dbeta - x_hat dgamma)

    def __repr__(self):
        return f"BatchNorm({self.num_features})"


class LayerNorm(_Normalization):
    r"""Layer normalisation: each sample scaled to mean 0, variance 1 over its own features.

    For one sample, over its $n$ values ($n = F$ for input ``(N, F)``;
    $n = C H W$, the whole sample, for feature maps ``(N, C, H, W)``):

    $$\mu = \frac1n \sum_k x_k,\quad v = \frac1n \sum_k (x_k - \mu)^2,\quad
      \hat x_k = \frac{x_k - \mu}{\sqrt{v + \epsilon}},\quad y_k = \gamma \hat x_k + \beta,$$

    with one $\gamma$ and $\beta$ per feature (per channel for feature maps).
    Nothing depends on the other samples, so training and evaluation mode are
    the same and any batch size works, one sample included.

    Backward, per sample, with $\delta_k = \partial L/\partial y_k$ and
    $g_k = \gamma\delta_k$: the derivation of :class:`BatchNorm` with the sums
    taken over the sample's $n$ values instead of the batch,

    $$\frac{\partial L}{\partial x_k} = \frac{1}{s}\Big(g_k - \frac1n\sum_j g_j
      - \hat x_k\,\frac1n\sum_j g_j \hat x_j\Big),\qquad s = \sqrt{v + \epsilon};$$

    $\partial L/\partial\gamma$ and $\partial L/\partial\beta$ sum
    $\delta\hat x$ and $\delta$ over the batch (and the positions of a channel).

    Parameters
    ----------
    num_features : int
        $F$ for input ``(batch, F)``, or the channels $C$ for ``(batch, C, H, W)``.
    eps : float > 0, default 1e-5
    dtype : float32 or float64, default float64

    Shapes
    ------
    x : (batch, F) or (batch, F, H, W) -> y : the same shape; gamma, beta : (F,).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__(num_features, eps, dtype)

    def _check_input(self, x):
        return _check_feature_maps(self, x, "a batch of samples")

    def _forward(self, x):
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        axes = tuple(range(1, x.ndim))  # every axis of one sample
        mean = x.mean(axis=axes, keepdims=True)  # (batch, 1) or (batch, 1, 1, 1)
        centred = x - mean
        inv_std = 1.0 / np.sqrt(np.mean(centred * centred, axis=axes, keepdims=True) + self.eps)
        x_hat = centred * inv_std
        self._cache = (x_hat, inv_std)
        self._out_shape = x.shape
        return self._affine(x_hat)

    def _backward(self, dout, input_grad: bool = True):
        x_hat, inv_std = self._cache
        if dout.dtype != self.dtype:
            dout = dout.astype(self.dtype)
        self._parameter_grads(dout, x_hat)
        if not input_grad:
            return None
        axes = tuple(range(1, dout.ndim))
        g = dout * self.params["gamma"].reshape(self._channel_shape(dout))  # dL/dx_hat
        return inv_std * (g - g.mean(axis=axes, keepdims=True)
                          - x_hat * np.mean(g * x_hat, axis=axes, keepdims=True))

    def __repr__(self):
        return f"LayerNorm({self.num_features})"
