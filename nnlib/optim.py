r"""Optimisers: turn gradients into parameter updates.

An optimiser's ``step(parameters)`` takes the list returned by
:meth:`nnlib.model.Sequential.parameters` — ``Parameter(name, value, grad)``
tuples — and updates every ``value`` in place.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_fraction, check_positive_number

_LR_HINT = " Typical learning rates lie between 1e-4 and 1."


class Optimizer:
    """Base class holding per-parameter state keyed by parameter name."""

    def __init__(self, lr: float):
        self.lr = check_positive_number(lr, "learning rate lr", _LR_HINT)
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, parameters) -> None:
        for param in parameters:
            self._update(param.name, param.value, param.grad)

    def _update(self, name, value, grad):
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum and weight decay.

    With $g = \nabla_\theta L + \lambda \theta$ (weight decay $\lambda$):

    * plain: $\theta \leftarrow \theta - \eta\, g$;
    * momentum $\mu$: $v \leftarrow \mu v + g$, then $\theta \leftarrow \theta - \eta\, v$.

    Parameters
    ----------
    lr : float
        Learning rate $\eta > 0$.
    momentum : float in [0, 1), default 0
    weight_decay : float >= 0, default 0
        Applied to every parameter, biases included; for weight-only penalties
        use :mod:`nnlib.regularization`.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(lr)
        self.momentum = check_fraction(momentum, "momentum")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}.")
        self.weight_decay = float(weight_decay)

    def _update(self, name, value, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        if self.momentum:
            velocity = self.state.setdefault(name, {"v": np.zeros_like(value)})["v"]
            velocity *= self.momentum
            velocity += grad
            grad = velocity
        value -= self.lr * grad  # in place: the layer sees the new value

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    r"""Adam: momentum plus a per-parameter step size from a running second moment.

    $$m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
      v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
      \theta \leftarrow \theta - \eta\,\frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}.$$
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.eps = check_positive_number(eps, "eps")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}.")
        self.weight_decay = float(weight_decay)

    def _update(self, name, value, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        state = self.state.setdefault(name, {"m": np.zeros_like(value), "v": np.zeros_like(value), "t": 0})
        state["t"] += 1
        m, v, t = state["m"], state["v"], state["t"]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        value -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2})"
