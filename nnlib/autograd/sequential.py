r"""Run an nnlib :class:`~nnlib.model.Sequential` through the engine.

:func:`sequential_loss` rebuilds a model's forward pass and loss out of
Tensor operations, with the model's own weight arrays as the leaves, so the
engine's gradients can be compared with the hand-written ``backward`` of
every layer, and :func:`train_sgd` can train the model with them.
"""
from __future__ import annotations

import math

import numpy as np

from .. import regularization
from .._validation import as_float_array, check_positive_int, check_positive_number, check_rng
from ..activations import get_activation
from ..conv import Conv2D, MaxPool2D, Reshape
from ..dropout import Dropout
from ..layers import Activation, Dense, Flatten
from ..normalization import BatchNorm, LayerNorm
from ..losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy, get_loss
from ..regularization import L1, L2
from .losses import binary_cross_entropy, l1_penalty, l2_penalty, mse, softmax_cross_entropy, sse
from .ops import batch_norm, conv2d, dropout, layer_norm, max_pool2d, minimum, where
from .tensor import Tensor

_GELU_SCALE = math.sqrt(2.0 / math.pi)  # Python floats keep float32 tensors float32
_GELU_CUBIC = 0.044715


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
    """The output of nnlib ``layer`` (the ``index``-th of its model) on ``x``, computed by the engine.

    Layers with two modes follow ``layer.training``. :class:`~nnlib.normalization.BatchNorm`
    in training mode differentiates through the batch's statistics and leaves the running
    ones alone; in evaluation mode it uses the running ones. :class:`~nnlib.dropout.Dropout`
    in training mode draws its mask from the layer's own ``rng``, as the layer's forward
    pass does: re-seed ``layer.rng`` to give the engine and the layer the same mask.
    """
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
    if isinstance(layer, BatchNorm):
        gamma, beta = params[f"{index}.gamma"], params[f"{index}.beta"]
        if layer.training:
            return batch_norm(x, gamma, beta, layer.eps)
        return batch_norm(x, gamma, beta, layer.eps, layer.running_mean, layer.running_var)
    if isinstance(layer, LayerNorm):
        return layer_norm(x, params[f"{index}.gamma"], params[f"{index}.beta"], layer.eps)
    if isinstance(layer, Dropout):
        if not layer.training or layer.p == 0.0:
            return x
        return dropout(x, layer.new_mask(x.shape, x.dtype))
    raise TypeError(f"the engine cannot express the layer {layer!r}; it knows Dense, Activation, Flatten, "
                    "Reshape, Conv2D, MaxPool2D, BatchNorm, LayerNorm and Dropout.")


def sequential_forward(model, x, params: dict | None = None) -> Tensor:
    """Run an nnlib ``Sequential`` on ``x`` with the engine; ``params`` from :func:`sequential_parameters`."""
    params = sequential_parameters(model) if params is None else params
    out = Tensor(as_float_array(x, "x", dtype=model.dtype))
    for index, layer in enumerate(model.layers):
        out = apply_layer(layer, out, params, index)
    return out


def _penalised_layer_types() -> tuple:
    """The layer types whose ``W`` nnlib's penalties cover (Dense and Conv2D kernels)."""
    return regularization.PENALISED_LAYERS


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
