r"""Optimisers: turn gradients into parameter updates.

An optimiser's ``step(parameters)`` takes the list returned by
:meth:`nnlib.model.Sequential.parameters` and updates every parameter in
place. Each item is a :class:`~nnlib.model.Parameter`, a small dataclass with
fields ``name``, ``value`` and ``grad``; ``value`` and ``grad`` are the layer's
own arrays, not copies. So an in-place update such as ``p.value -= lr * p.grad``
(or, after unpacking, ``value -= lr * grad``) changes the layer itself.

The trap is the assignment ``value = value - lr * grad``: it builds a *new*
array and rebinds the local name ``value`` to it, while the layer keeps its old
array. Nothing fails, and nothing learns. The optimisers here always update in
place.

For convenience ``step`` also accepts the model itself, ``model.parameters``
(the method), a list of layers, or ``(name, value, grad)`` tuples, and means by
them the obvious thing.

The optimisers: :class:`SGD` (with momentum, Nesterov momentum and weight
decay), :class:`RMSProp`, :class:`Adam` and :class:`AdamW`. Every one keeps
its learning rate in the attribute ``lr``, which a schedule may change between
steps (:mod:`nnlib.schedules`); an optimiser that wraps another exposes it as
``inner``, and schedules set the rate of the innermost one.
:func:`clip_grad_norm` rescales the gradients before a step.
"""
from __future__ import annotations

import math

import numpy as np

from ._validation import (check_bool, check_finite, check_fraction, check_non_negative, check_positive_number,
                          numeric_guard)

_LR_HINT = " Typical learning rates lie between 1e-4 and 1."
_DECAY_HINT = " Typical values lie between 1e-5 and 1e-2; 0 switches weight decay off."


def _parameters_of_layers(layers):
    from .model import Parameter

    return [Parameter(f"{i}.{key}", layer.params[key], layer.grads[key])
            for i, layer in enumerate(layers) for key in layer.params]


def as_parameters(parameters) -> list:
    """Return ``parameters`` as a checked list of :class:`~nnlib.model.Parameter`.

    Accepts what :meth:`Sequential.parameters` returns, the model itself, the
    bound method ``model.parameters``, a list of layers, one layer, or
    ``(name, value, grad)`` tuples. Every ``value`` must be a float numpy
    array that can be updated in place, with a ``grad`` of the same shape.
    """
    from .layers import Layer
    from .model import Parameter

    if callable(parameters) and getattr(parameters, "__name__", "") == "parameters":
        parameters = parameters()  # model.parameters without the brackets
    elif hasattr(parameters, "parameters") and hasattr(parameters, "layers"):
        parameters = parameters.parameters()  # the model itself
    elif isinstance(parameters, Layer):
        parameters = _parameters_of_layers([parameters])
    try:
        items = list(parameters)
    except TypeError:
        raise TypeError(
            f"step() expects the list from model.parameters(), got {type(parameters).__name__} "
            f"{parameters!r}. Call optimizer.step(model.parameters())."
        ) from None
    if items and all(isinstance(item, Layer) for item in items):
        items = _parameters_of_layers(items)
    checked = []
    for i, item in enumerate(items):
        if not isinstance(item, Parameter):
            try:
                if isinstance(item, (str, bytes)):
                    raise TypeError
                name, value, grad = item
            except (TypeError, ValueError):
                raise TypeError(
                    f"step(): item {i} is a {type(item).__name__}, not a Parameter(name, value, grad). "
                    "Pass model.parameters()."
                ) from None
            item = Parameter(str(name), value, grad)
        checked.append(_check_parameter(item))
    return checked


def _check_parameter(param):
    value, grad = param.value, param.grad
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        raise TypeError(
            f"parameter {param.name!r}: value must be a float numpy array that can be updated in place, got "
            f"{type(value).__name__}{' of dtype ' + str(value.dtype) if isinstance(value, np.ndarray) else ''}. "
            "A Python number or an integer array cannot change in place; use np.array(..., dtype=float)."
        )
    grad_array = grad if isinstance(grad, np.ndarray) else np.asarray(grad, dtype=float)
    if grad_array.shape != value.shape:
        raise ValueError(f"parameter {param.name!r}: grad has shape {grad_array.shape}, but value has shape "
                         f"{value.shape}; they must match entry for entry.")
    check_finite(grad_array, f"the gradient of parameter {param.name!r}",
                 fix="The loss has probably diverged: try a smaller learning rate, or check the data.")
    if grad_array is not grad:
        param.grad = grad_array
    return param


class Optimizer:
    """Base class holding per-parameter state keyed by parameter name."""

    def __init__(self, lr: float):
        self.lr = check_positive_number(lr, "learning rate lr", _LR_HINT)
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, parameters) -> None:
        """Update every parameter in place from its gradient (see the module docstring)."""
        params = as_parameters(parameters)
        self.check_state(params)
        with numeric_guard(f"{self!r}.step", "The gradients are too large for the data type: "
                                             "try a smaller learning rate, or check the data."):
            self._step(params)

    def check_state(self, params) -> None:
        """Refuse state (velocities, moments) that belongs to parameters of another shape."""
        for param in params:
            for key, array in self.state.get(param.name, {}).items():
                if isinstance(array, np.ndarray) and array.shape != param.value.shape:
                    raise ValueError(
                        f"{self!r} holds {key!r} of shape {array.shape} for parameter {param.name!r}, "
                        f"which now has shape {param.value.shape}: this optimiser was used with another "
                        "model. Create a fresh optimiser for each model."
                    )

    def _step(self, params) -> None:
        """Update without checks (``fit`` checks once, before the first step)."""
        for param in params:
            self._update(param.name, param.value, param.grad)

    def _state_of(self, name: str, value: np.ndarray, *keys: str) -> dict:
        """The state of parameter ``name``, created on first use with zero arrays ``keys`` shaped like ``value``.

        (``self.state.setdefault(name, {...})`` would build the zero arrays on every step
        only to throw them away.)
        """
        state = self.state.get(name)
        if state is None:
            state = self.state[name] = {key: np.zeros_like(value) for key in keys}
        return state

    def _scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A reusable array of the shape and dtype of ``like`` for a step's intermediate results.

        Adam's update written as one expression builds nine new arrays the size of the
        parameter on every step, and the allocator may hand that memory back to the operating
        system and fault it in again each time. Writing the intermediate results into arrays
        kept here (``np.multiply(grad, 1 - beta1, out=buffer)``) computes the same numbers, bit
        for bit, in about half the time for chapter 9's network. Plain SGD's one
        temporary, ``lr * grad``, costs less than the extra call would. ``slot`` tells apart
        buffers used at the same time.
        """
        buffers = self.__dict__.setdefault("_buffers", {})
        key = (like.shape, like.dtype, slot)
        buffer = buffers.get(key)
        if buffer is None:
            buffer = buffers[key] = np.empty(like.shape, dtype=like.dtype)
        return buffer

    def _update(self, name, value, grad):
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum (plain or Nesterov) and weight decay.

    With $g = \nabla_\theta L + \lambda \theta$ (weight decay $\lambda$):

    * plain: $\theta \leftarrow \theta - \eta\, g$;
    * momentum $\mu$: $v \leftarrow \mu v + g$, then $\theta \leftarrow \theta - \eta\, v$;
    * Nesterov momentum: $v \leftarrow \mu v + g$, then
      $\theta \leftarrow \theta - \eta\,(g + \mu v)$.

    Nesterov's method takes the gradient at the point momentum is about to
    carry the parameters to, $\theta - \eta\mu v$, rather than where they
    are. Rewritten in the variable $\theta - \eta\mu v$ (Sutskever et al.,
    2013; Bengio et al., 2013) it needs only the gradient at the current
    parameters and becomes the update above: the step adds the new gradient
    once more, so a velocity that starts to point the wrong way is corrected a
    step earlier. It is the form PyTorch uses.

    Parameters
    ----------
    lr : float
        Learning rate $\eta > 0$.
    momentum : float in [0, 1), default 0
    weight_decay : float >= 0, default 0
        Applied to every parameter, biases included; for weight-only penalties
        use :mod:`nnlib.regularization`.
    nesterov : bool, default False
        Use Nesterov momentum (needs ``momentum > 0``).
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(lr)
        self.momentum = check_fraction(momentum, "momentum")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay", _DECAY_HINT)
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and not self.momentum:
            raise ValueError("nesterov=True needs a momentum above 0, got momentum=0.0: Nesterov's method is a "
                             "way of applying momentum. Give one, e.g. SGD(lr=0.1, momentum=0.9, nesterov=True).")

    def _update(self, name, value, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        if self.momentum:
            velocity = self._state_of(name, value, "v")["v"]
            velocity *= self.momentum
            velocity += grad
            grad = grad + self.momentum * velocity if self.nesterov else velocity
        value -= self.lr * grad  # in place: the layer sees the new value

    def __repr__(self):
        nesterov = ", nesterov=True" if self.nesterov else ""
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay}{nesterov})"


class RMSProp(Optimizer):
    r"""RMSProp: divide each parameter's step by a running root mean square of its gradients.

    $$s \leftarrow \rho\, s + (1 - \rho)\, g^2,\qquad
      \theta \leftarrow \theta - \eta\,\frac{g}{\sqrt{s} + \epsilon}$$

    (elementwise, $s$ starting at 0), with $g = \nabla_\theta L + \lambda\theta$.
    A parameter whose gradients are large takes small steps and one whose
    gradients are small takes large ones, so the step size is roughly $\eta$
    in every direction. Proposed by G. Hinton in his 2012 lecture course;
    it is Adam without the momentum and without the bias correction.

    Parameters
    ----------
    lr : float > 0, default 1e-3
    rho : float in [0, 1), default 0.9
        Decay rate of the running mean of $g^2$ (PyTorch calls it ``alpha``,
        default 0.99).
    eps : float > 0, default 1e-8
    weight_decay : float >= 0, default 0
        Added to the gradient as $\lambda\theta$ (an L2 penalty on every parameter).
    """

    def __init__(self, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr)
        self.rho = check_fraction(rho, "rho")
        self.eps = check_positive_number(eps, "eps", " The usual value is 1e-8.")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay", _DECAY_HINT)

    def _update(self, name, value, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        square = self._state_of(name, value, "s")["s"]
        # The same operations in the same order as lr * g / (sqrt(s) + eps), into kept buffers.
        g_part = np.multiply(grad, 1 - self.rho, out=self._scratch(grad))
        g_part *= grad
        square *= self.rho
        square += g_part  # s = rho s + (1 - rho) g^2
        denominator = np.sqrt(square, out=self._scratch(square, slot=1))
        denominator += self.eps
        step = np.multiply(grad, self.lr, out=g_part)
        step /= denominator
        value -= step

    def __repr__(self):
        return f"RMSProp(lr={self.lr}, rho={self.rho}, eps={self.eps}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    r"""Adam: momentum plus a per-parameter step size from a running second moment.

    $$m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
      v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
      \theta \leftarrow \theta - \eta\,\frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}.$$

    Parameters
    ----------
    lr : float > 0, default 1e-3
    beta1, beta2 : float in [0, 1), defaults 0.9 and 0.999
        Decay rates of the running first and second moments.
    eps : float > 0, default 1e-8
    weight_decay : float >= 0, default 0
        Added to the gradient as $\lambda\theta$ (L2-style, not AdamW's decoupled decay).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.eps = check_positive_number(eps, "eps", " The usual value is 1e-8.")
        self.weight_decay = check_non_negative(weight_decay, "weight_decay", _DECAY_HINT)

    def _update(self, name, value, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        self._adam_step(name, value, grad)

    def _adam_step(self, name, value, grad):
        """Adam's update of ``value`` in place from ``grad`` (moments and step count kept per name)."""
        state = self._state_of(name, value, "m", "v")
        state["t"] = state.get("t", 0) + 1
        m, v, t = state["m"], state["v"], state["t"]
        # The formulas above, one operation at a time into two kept buffers (no new arrays):
        # the same operations in the same order as lr * m_hat / (sqrt(v_hat) + eps).
        g_part = self._scratch(grad)
        np.multiply(grad, 1 - self.beta1, out=g_part)
        m *= self.beta1
        m += g_part  # m = beta1 m + (1 - beta1) g
        np.multiply(grad, 1 - self.beta2, out=g_part)
        g_part *= grad
        v *= self.beta2
        v += g_part  # v = beta2 v + (1 - beta2) g^2
        denominator = np.divide(v, 1 - self.beta2**t, out=self._scratch(v, slot=1))  # v_hat
        np.sqrt(denominator, out=denominator)
        denominator += self.eps
        step = np.divide(m, 1 - self.beta1**t, out=self._scratch(m, slot=2))  # m_hat
        step *= self.lr
        step /= denominator
        value -= step

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}, weight_decay={self.weight_decay})"


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Each step first shrinks every parameter, then takes Adam's step from the
    gradient of the loss alone:

    $$\theta \leftarrow (1 - \eta\lambda)\,\theta, \qquad
      \theta \leftarrow \theta - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}$$

    with $\hat m$, $\hat v$ as in :class:`Adam`, computed from $\nabla_\theta L$.
    (The step does not depend on $\theta$, so shrinking first or last gives the
    same result; PyTorch shrinks first.)

    Why not Adam with an L2 penalty? :class:`Adam` with ``weight_decay``
    adds $\lambda\theta$ to the gradient, and Adam then divides the whole
    gradient by $\sqrt{\hat v}$: a parameter with large gradients is barely
    decayed and one with small gradients is decayed hard. Decoupled, every
    parameter shrinks by the same factor $1 - \eta\lambda$ per step, as weight
    decay does under plain SGD. The rate $\eta$ is the current one, so a
    schedule scales the decay too.

    Parameters
    ----------
    lr : float > 0, default 1e-3
    beta1, beta2, eps : as in :class:`Adam`
    weight_decay : float >= 0, default 1e-2
        $\lambda$; applied to every parameter, biases included. ``lr * weight_decay``
        must stay below 1.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(lr, beta1, beta2, eps, weight_decay)
        if self.lr * self.weight_decay >= 1:
            raise ValueError(f"AdamW shrinks every weight by the factor 1 - lr * weight_decay per step, which must "
                             f"stay above 0; got lr={self.lr:g} and weight_decay={self.weight_decay:g} "
                             f"(product {self.lr * self.weight_decay:g}). Typical values: lr 1e-3, weight_decay 1e-2.")

    def _update(self, name, value, grad):
        if self.weight_decay:
            value *= 1.0 - self.lr * self.weight_decay  # decoupled: not part of the gradient Adam rescales
        self._adam_step(name, value, grad)

    def __repr__(self):
        return f"AdamW(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}, weight_decay={self.weight_decay})"


def clip_grad_norm(parameters, max_norm: float) -> float:
    r"""Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    The global norm joins every gradient into one long vector,
    $\lVert g\rVert = \sqrt{\sum_p \lVert g_p\rVert^2}$ over the parameters $p$.
    If it exceeds $c$ = ``max_norm``, every gradient is multiplied by
    $c / \lVert g\rVert$: the norm becomes exactly $c$ and the direction of
    the step is unchanged. Otherwise nothing changes. A rare huge gradient
    (a spike in the loss) then moves the parameters by a bounded step
    instead of throwing them far away.

    Parameters
    ----------
    parameters : list from :meth:`Sequential.parameters <nnlib.model.Sequential.parameters>`
        (or anything :func:`as_parameters` accepts); gradients are scaled in place.
    max_norm : float > 0

    Returns
    -------
    float
        The global norm before clipping.
    """
    params = as_parameters(parameters)
    max_norm = check_positive_number(max_norm, "max_norm", " It is the largest global gradient norm allowed, "
                                                           "e.g. 1.0 or 5.0.")
    with numeric_guard("clip_grad_norm", "The gradients are too large for the data type: the run has probably "
                                         "diverged; try a smaller learning rate."):
        return _clip_grad_norm(params, max_norm)


def _clip_grad_norm(params, max_norm: float) -> float:
    """:func:`clip_grad_norm` without checks (``fit`` checks once, before the first step)."""
    total = math.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in params))
    if total > max_norm:
        scale = max_norm / total
        for p in params:
            p.grad *= scale  # in place: the layers' own gradient arrays
    return total
