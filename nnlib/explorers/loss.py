r"""Explorers of losses (chapter 3): one prediction under three losses, and a loss landscape.

* :func:`loss_curves`: a batch of four in which three predictions are exactly right; the reader
  moves the fourth, $\hat y_4$, and sees the SSE, the MSE and the binary cross-entropy as
  curves over $\hat y_4$ with their slopes $\partial L / \partial \hat y_4$.
* :func:`loss_landscape`: one sigmoid neuron without a bias, $\hat y_n = \sigma(w_1 x_{n1} +
  w_2 x_{n2})$, on two overlapping clouds of points. The loss over a grid of $(w_1, w_2)$,
  its gradient at the chosen weights, and the steps gradient descent takes from there.

Both are computed from closed-form expressions (the chapter checks them against
``nnlib.losses`` and a backward pass through ``nnlib.Sequential``), so the browser can compute
them too.
"""
from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..explore import Dropdown, Explorer, Slider
from . import factory

#: Losses of loss_curves, in the order of its panels.
CURVE_LOSSES = ("SSE", "MSE", "BCE")


def curves_of_y_hat4(p, t):
    r"""Value and slope of (SSE, MSE, BCE) for the batch of four, as functions of $\hat y_4$ = ``p``.

    The other three predictions equal their targets, so only the fourth term counts:
    $L_{\text{SSE}} = (p - t)^2$, $L_{\text{MSE}} = (p - t)^2 / 4$ and
    $L_{\text{BCE}} = -\tfrac14\big[t \log p + (1 - t) \log(1 - p)\big]$, with slopes
    $2(p - t)$, $(p - t)/2$ and $\tfrac14 (p - t) / \big(p (1 - p)\big)$.

    Returns a dict ``{name: (value, slope)}``; ``p`` may be a number or an array.
    """
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)) / 4
    return {"SSE": ((p - t) ** 2, 2 * (p - t)),
            "MSE": ((p - t) ** 2 / 4, (p - t) / 2),
            "BCE": (bce, (p - t) / (p * (1 - p)) / 4)}


@factory
def loss_curves(points: int = 197):
    r"""SSE, MSE and BCE of a batch of four as functions of the fourth prediction $\hat y_4$.

    The frame holds, for the target ``target`` ($y_4$, 0 or 1): each loss over the grid
    ``data["p"]`` of ``points`` values of $\hat y_4$ from 0.01 to 0.99 (keys ``"SSE"``,
    ``"MSE"``, ``"BCE"``, each of shape ``(points,)``), and at the chosen ``y_hat4`` the
    values ``value`` and slopes ``slope`` of the three losses (shape ``(3,)``, in that order).
    """
    p = np.linspace(0.01, 0.99, points)

    def compute(y_hat4, target):
        curves = curves_of_y_hat4(p, target)
        here = curves_of_y_hat4(y_hat4, target)
        frame = {name: curves[name][0] for name in CURVE_LOSSES}
        frame["value"] = np.array([here[name][0] for name in CURVE_LOSSES])
        frame["slope"] = np.array([here[name][1] for name in CURVE_LOSSES])
        return frame

    return Explorer(
        "loss-curves", compute,
        [Slider("y_hat4", 0.01, 0.99, 0.01, 0.83, label="prediction ŷ₄"),
         Dropdown("target", {"y₄ = 1": 1, "y₄ = 0": 0}, label="target")],
        data={"p": p},
        alt="Three line plots, for the sum of squared errors, the mean squared error and the binary "
            "cross-entropy. Each shows the loss as a curve over the fourth prediction from 0.01 to 0.99, "
            "a dot at the chosen prediction and a dashed tangent line through it, with the loss value and "
            "its slope written above the plot.",
        caption="One prediction, three losses. The tangent's slope is the gradient ∂L/∂ŷ₄. SSE and MSE "
                "differ only by the factor 1/N = 1/4; the cross-entropy rises steeply for confident "
                "mistakes.",
    )


def two_clouds(seed: int = 5, n_per_class: int = 12):
    r"""Two overlapping clouds in the plane: class 0 around $(-1, -0.5)$, class 1 around $(1, 0.5)$.

    Both have standard deviation 1.3. Returns ``X`` of shape ``(2 n, 2)`` (class 0 first) and
    ``y`` of shape ``(2 n, 1)``.
    """
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.0, -0.5], 1.3, size=(n_per_class, 2)),
                   rng.normal([1.0, 0.5], 1.3, size=(n_per_class, 2))])
    y = np.repeat([0.0, 1.0], n_per_class).reshape(-1, 1)
    return X, y


@factory
def loss_landscape(seed: int = 5, n_per_class: int = 12, low: float = -3.0, high: float = 3.0, points: int = 121,
                   lr: float = 2.0, steps: int = 25):
    r"""The loss of one sigmoid neuron without a bias over its two weights, and gradient descent on it.

    The neuron predicts $\hat y_n = \sigma(z_n)$ with $z_n = x_{n1} w_1 + x_{n2} w_2$ on the
    data of :func:`two_clouds` (``seed``, ``n_per_class``). For the loss ``loss`` ("BCE" or
    "MSE", both means over the $N$ samples) the frame holds:

    * ``surface``: the loss on a ``points`` x ``points`` grid of weights from ``low`` to
      ``high`` (row ``i`` is $w_2$ = ``grid[i]``, column ``j`` is $w_1$ = ``grid[j]``), and
      ``best``, the grid point where it is lowest;
    * ``loss`` and ``grad``: $L$ and $\nabla L = (\partial L/\partial w_1, \partial L/\partial w_2)$
      at the chosen weights, where
      $\nabla L = \tfrac1N X^\top(\hat y - y)$ for the cross-entropy and
      $\tfrac1N X^\top\big(2(\hat y - y)\,\hat y\,(1 - \hat y)\big)$ for the MSE;
    * ``path``: the weights after 0, 1, ..., ``steps`` steps of gradient descent
      $\mathbf{w} \leftarrow \mathbf{w} - \eta \nabla L$ with $\eta$ = ``lr`` (shape
      ``(steps + 1, 2)``), and ``path_loss``, the loss at each of them.
    """
    X, y = two_clouds(seed, n_per_class)
    grid = np.linspace(low, high, points)
    W1, W2 = np.meshgrid(grid, grid)
    sigmoid = ACTIVATIONS["sigmoid"]()
    surfaces = {}

    def loss_and_grad(name, w):
        z = X @ w                                             # (N, 1)
        y_hat = sigmoid.forward(z)
        if name == "BCE":
            value = np.mean(np.logaddexp(0.0, z) - y * z)     # the cross-entropy from the logits z
            dz = (y_hat - y) / len(y)
        else:
            value = np.mean((y_hat - y) ** 2)
            dz = 2 * (y_hat - y) * y_hat * (1 - y_hat) / len(y)
        return float(value), (X.T @ dz).ravel()               # dL/dw = X^T dL/dz, shape (2,)

    def surface(name):
        if name not in surfaces:                              # the same for every weight: compute once
            Z = X @ np.vstack([W1.ravel(), W2.ravel()])       # (N, points * points)
            if name == "BCE":
                values = np.mean(np.logaddexp(0.0, Z) - y * Z, axis=0)
            else:
                values = np.mean((sigmoid.forward(Z) - y) ** 2, axis=0)
            surfaces[name] = values.reshape(points, points)
        return surfaces[name]

    def compute(w1, w2, loss):
        values = surface(loss)
        i, j = np.unravel_index(int(np.argmin(values)), values.shape)
        w = np.array([[w1], [w2]])
        value, grad = loss_and_grad(loss, w)
        frame = {"surface": values, "best": np.array([grid[j], grid[i]]), "loss": value, "grad": grad}
        path, path_loss = [w.ravel().copy()], [value]
        for _ in range(steps):
            w = w - lr * grad.reshape(2, 1)                   # one step of gradient descent
            value, grad = loss_and_grad(loss, w)
            path.append(w.ravel().copy())
            path_loss.append(value)
        frame["path"], frame["path_loss"] = np.array(path), np.array(path_loss)
        return frame

    return Explorer(
        "loss-landscape", compute,
        [Slider("w1", low, high, 0.1, -3.0, label="weight w₁"),
         Slider("w2", low, high, 0.1, 1.0, label="weight w₂"),
         Dropdown("loss", ["BCE", "MSE"], label="loss")],
        data={"X": X, "y": y.ravel(), "grid": grid, "lr": lr},
        alt="First: a colour map of the loss over the weights w1 and w2 from -3 to 3 with contour lines, a "
            "star at its lowest point, a white dot at the chosen weights, a red arrow showing one "
            "gradient-descent step and a dotted path of the following steps. Second: 24 points of two "
            "classes in the input plane, the black line where the neuron's output is 0.5 and the "
            "shaded side where it is above 0.5.",
        caption="The loss of one neuron as a landscape over its two weights. The red arrow is one "
                "gradient-descent step, −η∇L with η = 2; it crosses the contour lines at right angles. "
                "The dotted path follows the next 24 steps, 25 in all. The second panel shows the same "
                "weights as a line through the data.",
    )
