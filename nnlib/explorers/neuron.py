"""Explorers of a single neuron (chapter 1): one input on a line, two inputs on the plane."""
from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..data import xor
from ..explore import Dropdown, Explorer, Slider
from . import factory

#: Activations offered on the plane: label -> key of ACTIVATIONS.
PLANE_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "ReLU": "relu"}


@factory
def neuron_line(x_min: float = -4.0, x_max: float = 4.0, points: int = 161):
    r"""One sigmoid neuron with one input: $z = wx + b$ and $a = \sigma(z)$ over a range of $x$.

    The frame holds ``z`` and ``a`` (shape ``(points,)``), the ``midpoint`` $x = -b/w$
    where $a = 1/2$ (``None`` when $w = 0$) and the slope $w/4$ of the S there.
    """
    x = np.linspace(x_min, x_max, points)
    sigmoid = ACTIVATIONS["sigmoid"]()

    def compute(w, b):
        z = w * x + b
        midpoint = -b / w if w != 0 else None
        return {"z": z, "a": sigmoid.forward(z), "midpoint": midpoint, "slope": w / 4,
                "flat": float(sigmoid.forward(b))}

    return Explorer(
        "neuron-line", compute,
        [Slider("w", -3.0, 3.0, 0.1, 1.0, label="weight w"),
         Slider("b", -3.0, 3.0, 0.1, 0.0, label="bias b")],
        data={"x": x, "reference": sigmoid.forward(x)},
        alt="Two line plots against the input x from -4 to 4. First: the straight line z = w x + b. "
            "Second: the S-shaped curve sigmoid(w x + b) with a grey reference sigmoid and a dotted "
            "vertical line at the midpoint x = −b/w. Sliders set the weight w and the bias b.",
        caption="A neuron with one input. The weight w sets the slope of the line z = wx + b and so "
                "the steepness and direction of the S; the bias b shifts it sideways, moving the "
                "midpoint x = −b/w.",
    )


@factory
def neuron_plane(low: float = -1.5, high: float = 2.5, points: int = 101):
    r"""One neuron with two inputs, $a = \varphi(w_1 x_1 + w_2 x_2 + b)$, over a square of the plane.

    The frame holds the output ``a`` on a ``points`` x ``points`` grid (row ``i`` is
    $x_2$ = ``grid[i]``, column ``j`` is $x_1$ = ``grid[j]``), the output at the four XOR
    corners, the unit normal of the decision line $z = 0$ (``normal``, the direction of the
    weights) and the weight arrow drawn from the line (``foot`` to ``tip``, placed inside
    the view and clear of the corners); the last three are ``None`` when $w_1 = w_2 = 0$.
    """
    grid = np.linspace(low, high, points)
    G1, G2 = np.meshgrid(grid, grid)
    corners, targets = xor()
    centre = np.array([(low + high) / 2, (low + high) / 2])
    offsets = np.linspace(-4.0, 4.0, 41)  # candidate places for the weight arrow along the line

    def arrow(normal, length, b):
        # The arrow starts on the line, inside the view, as far from the four corners as it can.
        nearest = centre - (centre @ (normal * length) + b) / length * normal
        feet = nearest + offsets[:, None] * np.array([-normal[1], normal[0]])
        tips = feet + 0.35 * np.sqrt(length) * normal
        ends = np.concatenate([feet, tips], axis=1)
        inside = np.all((ends > low + 0.2) & (ends < high - 0.2), axis=1)
        gaps = [np.sqrt((ends[:, [k]] - corners[:, 0]) ** 2 + (ends[:, [k + 1]] - corners[:, 1]) ** 2).min(axis=1)
                for k in (0, 2)]
        k = int(np.argmax(np.where(inside, np.minimum(*gaps), -np.abs(offsets))))
        return feet[k], tips[k]

    def compute(w1, w2, b, act):
        activation = ACTIVATIONS[act]()
        weights = np.array([w1, w2])
        length = float(np.hypot(w1, w2))
        result = {"a": activation.forward(w1 * G1 + w2 * G2 + b),
                  "corners": activation.forward(corners @ weights + b), "length": length,
                  "foot": None, "tip": None, "normal": None}
        if length > 0:
            normal = weights / length
            result["foot"], result["tip"] = arrow(normal, length, b)
            result["normal"] = normal
        return result

    return Explorer(
        "neuron-plane", compute,
        [Slider("w1", -2.0, 2.0, 0.1, 2.0, label="weight w1"),
         Slider("w2", -2.0, 2.0, 0.1, 2.0, label="weight w2"),
         Slider("b", -2.0, 2.0, 0.1, -2.0, label="bias b"),
         Dropdown("act", PLANE_ACTIVATIONS, label="activation")],
        data={"grid": grid, "corners": corners, "targets": targets.ravel(), "low": low, "high": high},
        alt="A square map of the plane of inputs x1 and x2 from -1.5 to 2.5, coloured by the output "
            "of one neuron from blue (low) through white to red (high), with a black decision line "
            "where z = 0, an arrow for the weight vector, and the four XOR corners: circles at (0, 0) "
            "and (1, 1), squares at (0, 1) and (1, 0), each labelled with the neuron's output.",
        caption="One neuron with two inputs. Colour: the output a over the plane; black line: the "
                "decision line w1 x1 + w2 x2 + b = 0; arrow: the weights (w1, w2). Circles are the XOR "
                "corners with target 0, squares those with target 1.",
        max_width=560,
    )
