r"""Explorers of the forward pass (chapter 2): one sample through a 3-4-1 network, and the
input plane through a tiny 2-2-1 network.

Both are small maths, so the web book computes them in the browser (``forward.js`` holds the
twins of the ``compute`` functions below).
"""
from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..data import xor
from ..explore import Dropdown, Explorer, Slider
from . import factory

#: The hand-picked weights of chapter 2's 3-4-1 network: column j of W1 holds unit j's weights.
W1 = np.array([[0.5, -1.0, 0.8, 0.2],
               [-0.4, 0.9, 0.3, -0.7],
               [0.1, 0.2, -0.5, 0.6]])
B1 = np.array([0.1, -0.2, 0.0, 0.3])
W2 = np.array([[1.2], [-0.8], [0.5], [-1.1]])
B2 = np.array([0.05])

#: Hidden activations offered by the drop-down: label -> key of ACTIVATIONS.
HIDDEN_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "ReLU": "relu"}

#: Chapter 2's 2-2-1 network that computes XOR: unit 1 is "x1 OR x2", unit 2 "x1 AND x2",
#: and the output "OR but not AND". The sliders change unit 1 and the weight W2[1, 0].
TINY_W1 = np.array([[6.0, 6.0], [6.0, 6.0]])
TINY_B1 = np.array([-3.0, -9.0])
TINY_W2 = np.array([[6.0], [-6.0]])
TINY_B2 = np.array([-3.0])


def _forward_one(x1, x2, act):
    """One sample (x1, x2, 1) through the 3-4-1 network, every intermediate kept."""
    x = np.array([[x1, x2, 1.0]])                   # a batch of one sample: (1, 3)
    z1 = x @ W1 + B1                                # (1, 4)
    a1 = ACTIVATIONS[act]().forward(z1)             # (1, 4)
    z2 = a1 @ W2 + B2                               # (1, 1)
    y_hat = ACTIVATIONS["sigmoid"]().forward(z2)    # (1, 1)
    return x[0], z1[0], a1[0], float(z2[0, 0]), float(y_hat[0, 0])


@factory
def forward_sample():
    r"""One sample $\mathbf{x} = (x_1, x_2, 1)$ through chapter 2's 3-4-1 network.

    The frame holds the input ``x`` (3,), the hidden pre-activations ``z1`` and
    activations ``a1`` (4,) for the chosen hidden activation, and the output's ``z2`` and
    ``y_hat`` (numbers; the output unit is always a sigmoid). ``data`` holds the weights
    and fixed axis ranges, so that bars keep their scale while the sliders move.
    """
    corners = np.linspace(0.0, 1.0, 21)
    g1, g2 = np.meshgrid(corners, corners)
    inputs = np.column_stack([g1.ravel(), g2.ravel(), np.ones(g1.size)])
    z1_all = inputs @ W1 + B1
    z2_all = np.concatenate([ACTIVATIONS[key]().forward(z1_all) @ W2 + B2 for key in HIDDEN_ACTIVATIONS.values()])
    hidden_range = [min(float(z1_all.min()), -1.0) - 0.3, max(float(z1_all.max()), 1.0) + 0.3]
    output_range = [min(float(z2_all.min()), 0.0) - 0.3, max(float(z2_all.max()), 1.0) + 0.3]

    def compute(x1, x2, act):
        x, z1, a1, z2, y_hat = _forward_one(x1, x2, act)
        return {"x": x, "z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat}

    return Explorer(
        "forward-sample", compute,
        [Slider("x1", 0.0, 1.0, 0.05, 0.0, label="input x₁"),
         Slider("x2", 0.0, 1.0, 0.05, 1.0, label="input x₂"),
         Dropdown("act", HIDDEN_ACTIVATIONS, value="sigmoid", label="hidden activation φ")],
        data={"W1": W1, "b1": B1, "W2": W2, "b2": B2, "hidden_range": hidden_range, "output_range": output_range},
        alt="Three bar charts for one input sample. First, the three inputs x1, x2 and x3 = 1. Second, "
            "for each of the four hidden units, its pre-activation z (blue) beside its activation a "
            "(orange). Third, the output's pre-activation z and the prediction y-hat. Every bar is "
            "labelled with its value; the bars change with the two input sliders and the hidden "
            "activation function.",
        caption="One sample travels through the 3-4-1 network of this chapter. Changing the hidden "
                "activation changes the hidden activations a and everything after them, never the "
                "pre-activations z of the same layer.",
    )


@factory
def tiny_network(low: float = -0.5, high: float = 1.5, points: int = 81):
    r"""The 2-2-1 sigmoid network of chapter 2 evaluated on a square of the input plane.

    Four sliders set hidden unit 1's weights ``w11`` and ``w21`` and bias ``bias1``, and the
    weight ``v2`` from hidden unit 2 to the output. The frame holds unit 1's activation
    ``a1`` and the output ``y_hat`` on a ``points`` x ``points`` grid (row ``i`` is
    $x_2$ = ``grid[i]``, column ``j`` is $x_1$ = ``grid[j]``), and the prediction at the
    four XOR corners. Unit 2 never changes, so its picture ``a2`` is in ``data``.
    """
    sigmoid = ACTIVATIONS["sigmoid"]()
    grid = np.linspace(low, high, points)
    G1, G2 = np.meshgrid(grid, grid)
    plane = np.column_stack([G1.ravel(), G2.ravel()])   # every pixel is a sample: (points**2, 2)
    corners, targets = xor()
    a2 = sigmoid.forward(plane @ TINY_W1[:, 1] + TINY_B1[1]).reshape(points, points)

    def compute(w11, w21, bias1, v2):
        W1_now = np.array([[w11, TINY_W1[0, 1]], [w21, TINY_W1[1, 1]]])
        b1_now = np.array([bias1, TINY_B1[1]])
        W2_now = np.array([[TINY_W2[0, 0]], [v2]])
        a1_plane = sigmoid.forward(plane @ W1_now + b1_now)            # (points**2, 2)
        y_plane = sigmoid.forward(a1_plane @ W2_now + TINY_B2)          # (points**2, 1)
        y_corners = sigmoid.forward(sigmoid.forward(corners @ W1_now + b1_now) @ W2_now + TINY_B2)
        return {"a1": a1_plane[:, 0].reshape(points, points), "y_hat": y_plane.reshape(points, points),
                "corners": y_corners[:, 0]}

    return Explorer(
        "tiny-network", compute,
        [Slider("w11", -6.0, 6.0, 0.5, 6.0, label="W⁽¹⁾₁₁: x₁ → unit 1"),
         Slider("w21", -6.0, 6.0, 0.5, 6.0, label="W⁽¹⁾₂₁: x₂ → unit 1"),
         Slider("bias1", -9.0, 3.0, 0.5, -3.0, label="b⁽¹⁾₁: bias of unit 1"),
         Slider("v2", -6.0, 6.0, 0.5, -6.0, label="W⁽²⁾₂₁: unit 2 → output")],
        data={"grid": grid, "low": low, "high": high, "a2": a2, "corners": corners, "targets": targets[:, 0],
              "W1": TINY_W1, "b1": TINY_B1, "W2": TINY_W2, "b2": TINY_B2},
        alt="Three square colour maps over the inputs x1 and x2 from -0.5 to 1.5, from blue (0) through "
            "white (0.5) to red (1): the activation of hidden unit 1 with its switching line, the "
            "activation of hidden unit 2 with its line, and the network's output. The four XOR points "
            "are marked, circles where the target is 0 and squares where it is 1, and the output map "
            "prints the prediction at each. At the start unit 1 is on above one diagonal line, unit 2 "
            "only near (1, 1), and the output is high in the band between the two lines.",
        caption="A 2-2-1 network evaluated on the whole input plane, one pixel per sample. Each hidden "
                "unit switches on across a straight line (black); the output combines the two soft "
                "steps. The sliders change hidden unit 1 and the output weight of unit 2.",
    )
