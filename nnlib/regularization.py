r"""Weight penalties added to the loss.

A penalty $R(W)$ is added to the data loss, $L_\text{total} = L + R$, and its
gradient $\partial R / \partial W$ to each weight gradient. Only weights are
penalised: the matrix $W$ of every :class:`~nnlib.layers.Dense` layer and the
kernels $W$ of every :class:`~nnlib.conv.Conv2D` layer. Biases are left alone
because they do not make the function steeper.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_non_negative, numeric_guard
from .conv import Conv2D
from .layers import Dense

#: Layer types whose ``params["W"]`` a penalty covers.
PENALISED_LAYERS = (Dense, Conv2D)


def weighted_layers(model) -> list:
    """The layers of ``model`` whose weights a penalty covers: Dense and Conv2D, input side first."""
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"a penalty needs a Sequential model (with .layers), got {type(model).__name__}. "
                        "To penalise one weight array W use penalty(W) and penalty.grad(W).")
    return [layer for layer in layers if isinstance(layer, PENALISED_LAYERS)]


class Penalty:
    """Base class: ``penalty(W) -> float`` and ``grad(W) -> array like W``.

    Parameters
    ----------
    strength : float >= 0
        $\\lambda$, how strongly large weights are discouraged (0 switches the penalty off).
    """

    def __init__(self, strength: float):
        self.strength = check_non_negative(
            strength, f"{type(self).__name__} strength",
            " Typical strengths lie between 1e-5 and 1e-1, e.g. L2(1e-3).")

    def __call__(self, W) -> float:
        return self.penalty(W)

    def penalty(self, W) -> float:
        """The penalty of one weight array (any shape)."""
        W = self._checked(W)
        with numeric_guard(f"{self!r}.penalty", "The weights are too large; the run has probably diverged."):
            return self._penalty(W)

    def grad(self, W) -> np.ndarray:
        """The gradient $\\partial R / \\partial W$, same shape as ``W``."""
        return self._grad(self._checked(W))

    def total(self, model) -> float:
        """The penalty summed over the weights of every Dense and Conv2D layer of ``model``."""
        return sum(self._penalty(layer.params["W"]) for layer in weighted_layers(model))

    def add_grads(self, model) -> None:
        """Add the penalty's gradient to every Dense and Conv2D layer's ``grads["W"]`` (after backward)."""
        for layer in weighted_layers(model):
            layer.grads["W"] += self._grad(layer.params["W"])

    def _checked(self, W):
        W = as_float_array(W, f"{type(self).__name__}: W")
        check_finite(W, f"{type(self).__name__}: W")
        return W

    def _penalty(self, W) -> float:
        raise NotImplementedError

    def _grad(self, W) -> np.ndarray:
        raise NotImplementedError

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

    def _penalty(self, W) -> float:
        return self.strength * float(np.sum(np.abs(W)))

    def _grad(self, W):
        return self.strength * np.sign(W)


class L2(Penalty):
    r"""$R(W) = \tfrac{\lambda}{2} \sum_{ij} W_{ij}^2$, gradient $\lambda W$.

    Shrinks each weight in proportion to its size (``weight decay``): large
    weights are discouraged, small ones barely touched.
    """

    def _penalty(self, W) -> float:
        return 0.5 * self.strength * float(np.sum(W * W))

    def _grad(self, W):
        return self.strength * W
