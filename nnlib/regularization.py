r"""Weight penalties added to the loss.

A penalty $R(W)$ is added to the data loss, $L_\text{total} = L + R$, and its
gradient $\partial R / \partial W$ to each weight gradient. Only weight
matrices are penalised; biases are left alone because they do not make the
function steeper.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array
from .layers import Dense


def _dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, Dense)]


class Penalty:
    """Base class: ``penalty(W) -> float`` and ``grad(W) -> array like W``."""

    def __init__(self, strength: float):
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not np.isfinite(strength) or strength < 0:
            raise ValueError(f"{type(self).__name__} strength must be a finite number >= 0, got {strength!r}.")
        self.strength = float(strength)

    def __call__(self, W) -> float:
        return self.penalty(W)

    def total(self, model) -> float:
        """The penalty summed over the weight matrix of every Dense layer of ``model``."""
        return sum(self.penalty(layer.params["W"]) for layer in _dense_layers(model))

    def add_grads(self, model) -> None:
        """Add the penalty's gradient to every Dense layer's ``grads["W"]`` (after backward)."""
        for layer in _dense_layers(model):
            layer.grads["W"] += self.grad(layer.params["W"])

    def __repr__(self):
        return f"{type(self).__name__}({self.strength})"


class L1(Penalty):
    r"""$R(W) = \lambda \sum_{ij} |W_{ij}|$, gradient $\lambda \operatorname{sign}(W)$ (0 at 0).

    Pushes every weight towards 0 by the same amount each step, whatever its
    size, so weights that the data do not need end up near 0: L1 favours sparse
    weights. With plain gradient descent they hover around 0 (each step
    overshoots by up to $\eta\lambda$) rather than landing on exactly 0;
    exact zeros need a proximal step (soft-thresholding), which nnlib does not do.
    """

    def penalty(self, W) -> float:
        return self.strength * float(np.sum(np.abs(as_float_array(W, "W"))))

    def grad(self, W):
        return self.strength * np.sign(as_float_array(W, "W"))


class L2(Penalty):
    r"""$R(W) = \tfrac{\lambda}{2} \sum_{ij} W_{ij}^2$, gradient $\lambda W$.

    Shrinks each weight in proportion to its size (``weight decay``): large
    weights are discouraged, small ones barely touched.
    """

    def penalty(self, W) -> float:
        W = as_float_array(W, "W")
        return 0.5 * self.strength * float(np.sum(W * W))

    def grad(self, W):
        return self.strength * as_float_array(W, "W")
