r"""The optimisers of chapter 11 walking down chapter 6's narrow valley.

The valley is the quadratic $L(\theta) = \tfrac12 (\kappa_1 \theta_1^2 + \kappa_2 \theta_2^2)$ with
curvatures $\kappa_1 = 1$ (shallow) and $\kappa_2 = 20$ (steep), started at $(-4, 1)$, as in
chapter 6. Its gradient $(\kappa_1\theta_1, \kappa_2\theta_2)$ is written into a
:class:`~nnlib.model.Parameter` before every step, and one of :mod:`nnlib.optim`'s optimisers takes
the step, so what the chapter and the explorer show is what ``nnlib`` does.

* :func:`make_optimizer` builds each of the five optimisers from one set of settings: a learning
  rate $\eta$, a momentum $\mu$ (Adam's $\beta_1$) and a decay rate $\beta_2$ of the mean square
  (RMSProp's $\rho$).
* :func:`valley_walk` runs one optimiser and returns its path.
* :func:`optimiser_valley` is the explorer (``web="browser"``: forty steps of two numbers are
  computed in the page, by a twin of :func:`valley_walk` in ``optimiser_valley.js``).
"""
from __future__ import annotations

import numpy as np

from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from ..model import Parameter
from ..optim import SGD, Adam, Optimizer, RMSProp
from . import factory

#: The optimisers in the order the chapter introduces them.
OPTIMISERS = ("SGD", "momentum", "Nesterov", "RMSProp", "Adam")
#: The valley of chapter 6: curvatures, start and number of steps.
CURVATURES = (1.0, 20.0)
START = (-4.0, 1.0)
STEPS = 40
#: Diverging walks grow past anything float32 holds; the explorer reports coordinates beyond
#: PATH_CAP and losses beyond LOSS_CAP as these caps (the figure shows far less).
PATH_CAP, LOSS_CAP = 1e6, 1e12
#: The decay rates beta_2 the explorer offers (listed: they matter on a scale of 1 - beta_2).
BETA2_VALUES = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995)


def make_optimizer(name: str, lr: float, momentum: float = 0.9, beta2: float = 0.999) -> Optimizer:
    r"""One of :data:`OPTIMISERS` from shared settings.

    ``"SGD"`` ignores ``momentum`` and ``beta2``; ``"momentum"`` and ``"Nesterov"`` use
    ``momentum`` as $\mu$ (Nesterov with $\mu = 0$ is plain SGD); ``"RMSProp"`` uses ``beta2``
    as its $\rho$; ``"Adam"`` uses ``momentum`` as $\beta_1$ and ``beta2`` as $\beta_2$.
    """
    if name == "SGD":
        return SGD(lr=lr)
    if name == "momentum":
        return SGD(lr=lr, momentum=momentum)
    if name == "Nesterov":
        return SGD(lr=lr, momentum=momentum, nesterov=True) if momentum else SGD(lr=lr)
    if name == "RMSProp":
        return RMSProp(lr=lr, rho=beta2)
    if name == "Adam":
        return Adam(lr=lr, beta1=momentum, beta2=beta2)
    raise ValueError(f"unknown optimiser {name!r}; choose one of {OPTIMISERS}.")


def valley_loss(path, curvatures=CURVATURES) -> np.ndarray:
    r"""$L(\theta) = \tfrac12 (\kappa_1 \theta_1^2 + \kappa_2 \theta_2^2)$ for every row of ``path`` (shape (n, 2))."""
    path = np.asarray(path, dtype=float)
    return 0.5 * (curvatures[0] * path[:, 0] ** 2 + curvatures[1] * path[:, 1] ** 2)


def valley_walk(optimizer: Optimizer, steps: int = STEPS, curvatures=CURVATURES, start=START) -> np.ndarray:
    r"""Let ``optimizer`` take ``steps`` steps down the valley from ``start``.

    Returns the path, shape ``(steps + 1, 2)``: row $t$ holds $\theta_t$, row 0 the start.
    """
    curvature = np.array(curvatures, dtype=float)
    theta, grad = np.array(start, dtype=float), np.zeros(2)
    params = [Parameter("theta", theta, grad)]  # the kind of list model.parameters() returns
    path = [theta.copy()]
    for _ in range(steps):
        grad[:] = curvature * theta  # dL/dtheta, written into the gradient array
        optimizer.step(params)  # updates theta in place
        path.append(theta.copy())
    return np.array(path)


@factory
def optimiser_valley(lr: float = 0.05, momentum: float = 0.9, beta2: float = 0.999, optimiser: str = "Nesterov"):
    r"""The five optimisers of :data:`OPTIMISERS` on chapter 6's valley, side by side.

    Controls: the learning rate ``lr`` ($\eta$, shared by all five), the momentum ``momentum``
    ($\mu$; Adam's $\beta_1$), ``beta2`` ($\beta_2$; RMSProp's $\rho$), and which optimiser's
    path is drawn on the contours. The frame holds ``paths`` (5, 41, 2), each optimiser's
    path in the order of :data:`OPTIMISERS`, and ``losses`` (5, 41), the loss along each.
    The arguments are the controls' starting values.
    """

    def compute(lr, momentum, beta2, optimiser):
        paths = np.array([valley_walk(make_optimizer(name, lr, momentum, beta2)) for name in OPTIMISERS])
        losses = np.array([valley_loss(path) for path in paths])
        return {"paths": np.clip(paths, -PATH_CAP, PATH_CAP), "losses": np.minimum(losses, LOSS_CAP)}

    a1, a2 = CURVATURES
    return Explorer(
        "optimiser-valley", compute,
        [Slider("lr", 0.01, 0.3, 0.01, lr, label="learning rate η"),
         Slider("momentum", 0.0, 0.95, 0.05, momentum, label="momentum μ (Adam's β₁)"),
         SelectionSlider("beta2", BETA2_VALUES, value=beta2, label="β₂ (RMSProp's ρ)", fmt="{:g}"),
         Dropdown("optimiser", {name: name for name in OPTIMISERS}, value=optimiser, label="path drawn")],
        data={"names": list(OPTIMISERS), "a1": a1, "a2": a2, "start": list(START), "steps": STEPS,
              "path_cap": PATH_CAP, "loss_cap": LOSS_CAP},
        alt="Top: the elliptical contours of a long, narrow valley with the path of the chosen optimiser from a "
            "start on the left towards the minimum in the centre. Bottom: the loss along the path of each of "
            "five optimisers, SGD, momentum, Nesterov, RMSProp and Adam, against the step, on a log scale, "
            "the chosen one drawn thicker. A sentence gives each optimiser's loss after the last step and the "
            "stability limits of the three without adaptive step sizes.",
        caption=f"Five optimisers from nnlib.optim, {STEPS} steps each from ({START[0]:g}, {START[1]:g}) in the "
                f"valley of chapter 6 (curvatures κ₁ = {a1:g}, κ₂ = {a2:g}), with one learning rate for all. "
                "The momentum slider sets μ for momentum and Nesterov and β₁ for Adam; β₂ sets Adam's β₂ and "
                "RMSProp's ρ.",
    )
