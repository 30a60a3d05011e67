r"""The sigmoid as a smooth step (chapter 1): $\sigma(kz)$ and its slope as the steepness $k$ grows.

The perceptron's step function, 1 for $z > 0$ and 0 otherwise, has slope 0 everywhere
except at $z = 0$, where it jumps. $\sigma(kz)$ tends to that step as $k$ grows, but for
every finite $k$ it has a slope everywhere, $k\,\sigma(kz)\,(1 - \sigma(kz))$, which
gradient descent can follow. Multiplying a neuron's weights and bias by $k$ turns
$\sigma(z)$ into $\sigma(kz)$, so $k$ is also "how large the weights are".
"""
from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..explore import Explorer, Slider
from . import factory


@factory
def soft_step(z_min: float = -4.0, z_max: float = 4.0, points: int = 321):
    r"""$\sigma(kz)$ and its slope over $z$ in [``z_min``, ``z_max``], with the values at one point $z_0$.

    The frame holds, for the steepness ``k``: the curve ``a`` $= \sigma(kz)$ and its slope
    ``slope`` $= k\,\sigma(kz)(1 - \sigma(kz))$ on the grid (shape ``(points,)``); at the
    chosen point ``z0``: ``a0``, ``slope0`` and the step's output ``step0`` (1 for
    $z_0 > 0$, else 0; the step's slope there is 0, or undefined at $z_0 = 0$); and
    ``peak`` $= k/4$, the largest slope, reached at $z = 0$.
    """
    z = np.linspace(z_min, z_max, points)
    sigmoid = ACTIVATIONS["sigmoid"]()

    def compute(k, z0):
        a = sigmoid.forward(k * z)
        a0 = float(sigmoid.forward(k * z0))
        return {"a": a, "slope": k * a * (1.0 - a), "a0": a0, "slope0": k * a0 * (1.0 - a0),
                "step0": 1.0 if z0 > 0 else 0.0, "peak": k / 4}

    return Explorer(
        "soft-step", compute,
        [Slider("k", 0.5, 20.0, 0.5, 1.0, label="steepness k"),
         Slider("z0", -4.0, 4.0, 0.25, 1.0, label="point z₀")],
        data={"z": z, "low": z_min, "high": z_max},
        alt="Two plots against the pre-activation z from -4 to 4. Top: the perceptron's step function "
            "in grey, jumping from 0 to 1 at z = 0, and the S-shaped curve sigmoid(k z) in blue, with a "
            "dot and a short tangent line at the chosen point z0. Bottom: the slope of sigmoid(k z), a "
            "bump centred on z = 0 whose height is k/4, beside the step's slope, which is 0 everywhere "
            "except at z = 0, where the step jumps and has no slope. Sliders set the steepness k and "
            "the point z0.",
        caption="The sigmoid is a smooth step. As the steepness k grows, σ(kz) (blue) approaches the "
                "perceptron's step (grey), and its slope (bottom) piles up near z = 0 and fades "
                "everywhere else. The step itself has slope 0 wherever it has a slope at all, which "
                "gives gradient descent nothing to follow.",
        max_width=620,
    )
