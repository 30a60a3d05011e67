r"""Explorer of input scaling (chapter 8): the loss of a two-weight linear model as a bowl.

A linear model without bias, $\hat y = u_1 w_1 + u_2 w_2$, trained on the mean squared error
$L(\mathbf w) = \frac1N \sum_n (\hat y_n - y_n)^2$, has an exactly quadratic loss: a bowl
whose matrix of second derivatives (Hessian) is $H = \tfrac2N U^\top U$, with $U$ the $(N, 2)$ matrix of
inputs. Its shape depends only on the inputs. Four properties of raw features stretch it:
the scale $s$ of feature 1, a shared mean $m$ (inputs that are not centred), a correlation
$\rho$ between the features, and the preprocessing that is (or is not) applied to them.
Gradient descent with the best fixed learning rate and Adam walk on it from the same start.
"""
from __future__ import annotations

import numpy as np

from ..data import minmax_scale, standardize
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..model import Parameter
from ..optim import SGD, Adam
from . import factory

#: Scale factors s of feature 1: 10**k for k = 0, 1/8, ..., 2, to three significant digits.
SCALES = tuple(float(f"{10 ** (k / 8):.3g}") for k in range(17))
#: Preprocessing offered: label -> key.
PREPROCESSING = {"raw": "raw", "min-max to [0, 1]": "minmax", "standardised": "standardise",
                 "whitened": "whiten"}
#: True weights of the two features in their natural units, and the start of every run.
TRUE_WEIGHTS = (1.5, 1.0)
START = (-1.5, -1.5)
#: Contours drawn: the loss above its minimum, as fractions of its value at the start.
LEVELS = (1.0, 0.4, 0.15, 0.05, 0.015, 0.004)
ADAM_LR = 0.1


def bowl_data(samples: int = 100, seed: int = 8):
    """Latent features ``Z`` (samples, 2) with mean 0 and identity covariance exactly, and noise (samples,).

    Drawn from ``default_rng(seed)``: ``Z`` first (whitened afterwards), then noise of standard
    deviation 0.3.
    """
    rng = np.random.default_rng(seed)
    Z = preprocess(rng.standard_normal((samples, 2)), "whiten")
    return Z, 0.3 * rng.standard_normal(samples)


def raw_features(Z, noise, s, m, rho):
    r"""Features in the units they were measured in, and the target.

    ``Z`` (N, 2) has mean 0 and identity covariance. Feature 2 is mixed with feature 1 to
    correlation $\rho$, both are shifted by $m$, and feature 1 is multiplied by $s$:
    $x_1 = s\,(z_1 + m)$, $x_2 = \rho z_1 + \sqrt{1 - \rho^2}\, z_2 + m$. The target is
    $y = 1.5\,(z_1 + m) + 1.0\,(x_2) + \text{noise}$, so the best $w_1$ is $s$ times smaller
    than it would be at $s = 1$.
    """
    c1 = Z[:, 0] + m
    c2 = rho * Z[:, 0] + np.sqrt(1 - rho * rho) * Z[:, 1] + m
    y = TRUE_WEIGHTS[0] * c1 + TRUE_WEIGHTS[1] * c2 + noise
    return np.column_stack([s * c1, c2]), y


def inverse_square_root(c11, c12, c22):
    r"""$C^{-1/2}$ of a symmetric positive definite 2x2 matrix, in closed form.

    $\sqrt C = (C + \sqrt{\det C}\, I) / \sqrt{\operatorname{tr} C + 2\sqrt{\det C}}$; its
    inverse is the adjugate over the determinant. Returns the entries (r11, r12, r22).
    """
    root_det = np.sqrt(c11 * c22 - c12 * c12)
    t = np.sqrt(c11 + c22 + 2 * root_det)
    s11, s12, s22 = (c11 + root_det) / t, c12 / t, (c22 + root_det) / t
    det_s = s11 * s22 - s12 * s12
    return s22 / det_s, -s12 / det_s, s11 / det_s


def preprocess(X, how):
    """The inputs the model sees: ``X`` as it is, min-max scaled, standardised or whitened (ZCA)."""
    if how == "minmax":
        return minmax_scale(X)[0]
    if how == "standardise":
        return standardize(X)[0]
    if how == "whiten":
        Xc = X - X.mean(axis=0)
        n = len(Xc)
        r11, r12, r22 = inverse_square_root(np.sum(Xc[:, 0] * Xc[:, 0]) / n, np.sum(Xc[:, 0] * Xc[:, 1]) / n,
                                            np.sum(Xc[:, 1] * Xc[:, 1]) / n)
        return np.column_stack([Xc[:, 0] * r11 + Xc[:, 1] * r12, Xc[:, 0] * r12 + Xc[:, 1] * r22])
    return X


def bowl(U, y):
    r"""Hessian $H = \tfrac2N U^\top U$ (entries a11, a12, a22) and $\mathbf b = \tfrac2N U^\top \mathbf y$.

    The gradient of the loss is $A\mathbf w - \mathbf b$.
    """
    n = len(y)
    a11 = 2 / n * np.sum(U[:, 0] * U[:, 0])
    a12 = 2 / n * np.sum(U[:, 0] * U[:, 1])
    a22 = 2 / n * np.sum(U[:, 1] * U[:, 1])
    return (a11, a12, a22), (2 / n * np.sum(U[:, 0] * y), 2 / n * np.sum(U[:, 1] * y))


def walk(optimizer, a, b, steps):
    """``steps`` updates of ``optimizer`` on the bowl, from START; returns the path (steps + 1, 2)."""
    a11, a12, a22 = a
    param = Parameter("w", np.array(START, dtype=float), np.zeros(2))
    path = [param.value.copy()]
    for _ in range(steps):
        w1, w2 = param.value
        param.grad[0] = a11 * w1 + a12 * w2 - b[0]
        param.grad[1] = a12 * w1 + a22 * w2 - b[1]
        optimizer.step([param])
        path.append(param.value.copy())
    return np.array(path)


def first_step_below(distance, threshold=1e-3):
    """First step at which the relative distance is at most ``threshold`` (None if never)."""
    below = np.nonzero(distance <= threshold)[0]
    return int(below[0]) if below.size else None


@factory
def input_scaling_bowl(show_adam: bool = False, s: float = 100.0, m: float = 0.0, rho: float = 0.0,
                       inputs: str = "raw", samples: int = 100, steps: int = 100, seed: int = 8):
    r"""Loss contours of a two-weight linear model, with gradient descent (and Adam) walking on them.

    ``show_adam`` adds Adam's path (learning rate 0.1) to the figure; ``s``, ``m``, ``rho`` and
    ``inputs`` are the controls' starting values. The data come from :func:`bowl_data` and
    :func:`raw_features`.

    The frame holds the bowl's curvatures ``curvatures`` (the eigenvalues of the Hessian,
    $\kappa_{\max}$ first) and its condition number ``cond`` $= \kappa_{\max}/\kappa_{\min}$, the best
    fixed learning rate ``eta`` $= 2/(\kappa_{\max} + \kappa_{\min})$, the minimum
    ``w_best``, the contours ``ellipses`` (levels, 121, 2) of the loss above its minimum at
    :data:`LEVELS` times its value at the start, the paths ``path_gd`` and ``path_adam``
    (steps + 1, 2), their distances to the minimum relative to the start (``dist_gd``,
    ``dist_adam``), the first steps at which those fall below 1/1000 (``steps_gd``,
    ``steps_adam``, None if never), and ``same_sign``, the fraction of samples whose two inputs
    have the same sign (their gradients move $w_1$ and $w_2$ the same way).
    """
    Z, noise = bowl_data(samples, seed)
    angles = np.linspace(0, 2 * np.pi, 121)

    def compute(s, m, rho, inputs):
        X, y = raw_features(Z, noise, s, m, rho)
        U = preprocess(X, inputs)
        a, b = bowl(U, y)
        a11, a12, a22 = a
        half_trace = (a11 + a22) / 2
        radius = np.sqrt(((a11 - a22) / 2) ** 2 + a12 * a12)
        big = half_trace + radius
        det = a11 * a22 - a12 * a12
        small = det / big
        w_best = np.array([(a22 * b[0] - a12 * b[1]) / det, (a11 * b[1] - a12 * b[0]) / det])
        eta = 2 / (big + small)
        path_gd = walk(SGD(lr=eta), a, b, steps)
        path_adam = walk(Adam(lr=ADAM_LR), a, b, steps)
        start = np.array(START) - w_best
        excess = (a11 * start[0] * start[0] + 2 * a12 * start[0] * start[1] + a22 * start[1] * start[1]) / 2
        # The contour (w - w*)^T H (w - w*) = 2 E is w* + sqrt(2 E) H^(-1/2) (cos t, sin t).
        r11, r12, r22 = inverse_square_root(a11, a12, a22)
        ellipses = []
        for level in LEVELS:
            radius_t = np.sqrt(2 * excess * level)
            cos_t, sin_t = radius_t * np.cos(angles), radius_t * np.sin(angles)
            ellipses.append(np.column_stack([w_best[0] + r11 * cos_t + r12 * sin_t, w_best[1] + r12 * cos_t + r22 * sin_t]))
        reach = np.sqrt(start[0] * start[0] + start[1] * start[1])
        dist_gd = np.sqrt(np.sum((path_gd - w_best) ** 2, axis=1)) / reach
        dist_adam = np.sqrt(np.sum((path_adam - w_best) ** 2, axis=1)) / reach
        return {"curvatures": [big, small], "cond": big / small, "eta": eta, "w_best": w_best,
                "ellipses": np.array(ellipses), "path_gd": path_gd, "path_adam": path_adam,
                "dist_gd": dist_gd, "dist_adam": dist_adam, "steps_gd": first_step_below(dist_gd),
                "steps_adam": first_step_below(dist_adam),
                "same_sign": float(np.mean(U[:, 0] * U[:, 1] > 0))}

    optimisers = "gradient descent (the best fixed learning rate) and Adam" if show_adam else \
        "gradient descent with the best fixed learning rate"
    return Explorer(
        "input-scaling-bowl", compute,
        [SelectionSlider("s", SCALES, value=s, label="scale s of feature 1", fmt="{:g}"),
         Slider("m", 0.0, 3.0, 0.2, m, label="mean m of the features"),
         Slider("rho", 0.0, 0.95, 0.05, rho, label="correlation ρ"),
         Dropdown("inputs", PREPROCESSING, value=inputs, label="inputs")],
        data={"Z": Z, "noise": noise, "start": list(START), "levels": list(LEVELS), "steps": steps,
              "adamLr": ADAM_LR, "showAdam": bool(show_adam)},
        alt="Left: elliptical contour lines of the loss of a linear model with two weights w1 and w2, a start "
            f"point, the minimum, and the path of {steps} steps of {optimisers}. Right: the distance to the "
            "minimum against the step number, on a logarithmic axis. Controls set the scale of feature 1, "
            "the mean of both features, their correlation, and how the inputs are preprocessed.",
        caption=f"The loss of a linear model with two weights and {steps} steps of {optimisers}, from the "
                "black square. Contours show the loss above its minimum; the star marks the minimum.",
        web="browser", max_width=720,
    )
