r"""Explorers of training (chapter 6): learning rates on a small network, and descent in a valley.

The chapter trains one small regression network throughout: one input $x$, 16 tanh units and
one linear output, fitted to $y = \sin 2x + x/2$ plus noise (:func:`wavy_data`,
:func:`small_network`). Chapter 7 trains the same network with other activations.

* :func:`learning_rate_sweep` shows that network trained with learning rates from 0.01 to
  3.16, and for every run that finished the largest stable rate $2/\kappa_{\max}$ of the place
  it ended, from the curvature of its loss (:func:`hessian`). The runs are trained once, by
  :func:`learning_rate_runs`, and travel to the page as data; the browser only looks them up
  (``web="browser"``).
* :func:`valley_descent` walks :class:`nnlib.optim.SGD` down the quadratic valley
  $L(\theta) = \tfrac12 (\kappa_1 \theta_1^2 + \kappa_2 \theta_2^2)$ for any learning rate and momentum
  (``web="browser"``: forty steps of two numbers are computed in the page).
"""
from __future__ import annotations

import functools

import numpy as np

from ..layers import Activation, Dense
from ..losses import MSE
from ..model import DIVERGENCE, Parameter, Sequential, TrainingDivergedError
from ..optim import SGD
from ..explore import Explorer, SelectionSlider, Slider
from . import factory

#: Learning rates of the sweep: 10**(k/10) for k = -20 ... 5, to three significant figures.
LEARNING_RATES = tuple(float(f"{10 ** (k / 10):.3g}") for k in range(-20, 6))
#: A run is "about right" when its final loss is within this factor of the best run's.
ABOUT_RIGHT = 1.3
#: The variance of the noise in the targets: no model beats this mean squared error on new data.
NOISE_FLOOR = 0.01


def wavy_curve(x):
    r"""The pattern behind the chapter's data, $\sin 2x + x/2$ (any shape)."""
    return np.sin(2 * x) + 0.5 * x


def wavy_data(n: int = 160, noise: float = 0.1, seed: int = 6):
    r"""The chapter's regression data: $x$ uniform on $[-2, 2]$, $y = \sin 2x + x/2 + \varepsilon$.

    Returns ``X`` of shape ``(n, 1)`` and ``y`` of shape ``(n, 1)``; $\varepsilon$ is normal with
    standard deviation ``noise``. The draws are those of chapter 6's first cells (seed 6).
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 1))
    y = wavy_curve(X) + noise * rng.standard_normal((n, 1))
    return X, y


def small_network(hidden: int = 16, seed: int = 0, activation: str = "tanh") -> Sequential:
    """1 input -> ``hidden`` units with ``activation`` -> 1 linear output, reproducible weights."""
    return Sequential([Dense(1, hidden, rng=seed), Activation(activation), Dense(hidden, 1, rng=seed + 1)])


def full_gradient(model: Sequential, X, y) -> np.ndarray:
    """The gradient of the MSE on all of ``X`` with respect to every parameter, as one vector."""
    loss = MSE()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    return np.concatenate([p.grad.ravel() for p in model.parameters()])


def hessian(model: Sequential, X, y, h: float = 1e-5) -> np.ndarray:
    r"""The matrix of second derivatives of the MSE on ``(X, y)``, by central differences of the gradient.

    Column $i$ is $\big(\nabla L(\theta + h e_i) - \nabla L(\theta - h e_i)\big) / 2h$: how the
    gradient changes when parameter $i$ alone is nudged. The result, shape (P, P) for P
    parameters, is symmetrised, $(H + H^\top)/2$, which removes only the rounding by which
    the two halves of a true Hessian differ. The model's parameters are left as they were.
    """
    columns = []
    for p in model.parameters():
        flat = p.value.reshape(-1)  # a view: writing into it changes the layer
        for i in range(flat.size):
            kept = flat[i]
            flat[i] = kept + h
            up = full_gradient(model, X, y)
            flat[i] = kept - h
            down = full_gradient(model, X, y)
            flat[i] = kept
            columns.append((up - down) / (2 * h))
    H = np.array(columns)
    return (H + H.T) / 2


def largest_curvature(model: Sequential, X, y) -> float:
    r"""$\kappa_{\max}$: the largest eigenvalue of :func:`hessian`, the curvature of the steepest direction."""
    return float(np.linalg.eigvalsh(hessian(model, X, y))[-1])


@functools.lru_cache(maxsize=8)
def learning_rate_runs(rates: tuple = LEARNING_RATES, epochs: int = 40, batch_size: int = 16,
                       seed: int = 1) -> list[dict]:
    r"""Train :func:`small_network` on :func:`wavy_data` once per learning rate (plain SGD).

    Every run starts from the same weights and sees the same mini-batches. A run that
    diverges stops with :class:`~nnlib.model.TrainingDivergedError`; it is kept, with the
    losses recorded up to the stop and the reason ``fit`` gave.

    Returns
    -------
    list of dict, one per rate, with ``lr``, ``step_loss`` (array of the loss of every update),
    ``final`` (mean loss in the last epoch, ``None`` if stopped), ``start`` (the loss before
    training), ``limit`` ($2/\kappa_{\max}$ where the run ended, from :func:`largest_curvature`
    on all the data; ``None`` if stopped), and for a stopped run ``reason``, ``epoch``, ``step``
    and ``message``.
    """
    X, y = wavy_data()
    runs = []
    for lr in rates:
        run = {"lr": lr, "final": None, "limit": None, "reason": None, "epoch": None, "step": None, "message": None}
        model = small_network()
        try:
            history = model.fit(X, y, optimizer=SGD(lr=lr), epochs=epochs, batch_size=batch_size, rng=seed,
                                progress=False)
            run["final"] = history.loss[-1]
            run["limit"] = 2 / largest_curvature(model, X, y)
        except TrainingDivergedError as err:
            history = err.history  # the losses recorded before fit stopped the run
            run.update(reason=err.reason, epoch=err.epoch, step=err.step, message=str(err))
        run["step_loss"] = np.array(history.step_loss)
        run["start"] = history.start_loss
        runs.append(run)
    return runs


def verdicts(runs: list[dict]) -> list[str]:
    """Sort each run into "too small", "about right", "too large" or "divergent".

    "About right" means a final loss within :data:`ABOUT_RIGHT` times the best run's; the
    others that finished are too small or too large by their side of the best rate.
    """
    finished = [k for k, run in enumerate(runs) if run["final"] is not None]
    best = min(finished, key=lambda k: runs[k]["final"])
    out = []
    for k, run in enumerate(runs):
        if run["final"] is None:
            out.append("divergent")
        elif run["final"] <= ABOUT_RIGHT * runs[best]["final"]:
            out.append("about right")
        else:
            out.append("too small" if k < best else "too large")
    return out


@factory
def learning_rate_sweep(epochs: int = 40, batch_size: int = 16):
    r"""The chapter's network trained with each rate of :data:`LEARNING_RATES` (plain SGD).

    The runs of :func:`learning_rate_runs` travel to the page once, in ``data``; the frame for a
    rate looks its run up. It holds ``step_loss`` (the loss of every update until the end or the
    stop), the run's ``verdict``, the ``final`` loss and its ratio ``to_best`` to the best run's
    (both ``None`` when stopped), ``updates``, ``limit`` ($2/\kappa_{\max}$ where the run ended,
    ``None`` when stopped), and for a stopped run the ``reason``, ``epoch`` and ``step`` of the
    stop; ``ratio`` is the last loss over the starting loss.
    """
    runs = learning_rate_runs(LEARNING_RATES, epochs, batch_size)
    kinds = verdicts(runs)
    best_final = min(run["final"] for run in runs if run["final"] is not None)
    lengths = np.array([run["step_loss"].size for run in runs])
    data = {"rates": list(LEARNING_RATES), "losses": np.concatenate([run["step_loss"] for run in runs]),
            "offsets": np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist(), "lengths": lengths.tolist(),
            "finals": [run["final"] for run in runs], "starts": [run["start"] for run in runs],
            "verdicts": kinds, "reasons": [run["reason"] for run in runs],
            "epochs_stopped": [run["epoch"] for run in runs], "steps_stopped": [run["step"] for run in runs],
            "best_final": best_final, "best_lr": next(run["lr"] for run in runs if run["final"] == best_final),
            "limits": [run["limit"] for run in runs],
            "start_limit": 2 / largest_curvature(small_network(), *wavy_data()),
            "far_above_start": DIVERGENCE["far_above_start"], "noise_floor": NOISE_FLOOR, "epochs": epochs}

    def compute(lr):
        k = data["rates"].index(lr)
        start = data["offsets"][k]
        losses = data["losses"][start:start + data["lengths"][k]]
        final = data["finals"][k]
        return {"step_loss": losses, "verdict": data["verdicts"][k], "final": final, "reason": data["reasons"][k],
                "epoch": data["epochs_stopped"][k], "step": data["steps_stopped"][k], "updates": data["lengths"][k],
                "ratio": losses[-1] / data["starts"][k], "to_best": None if final is None else final / data["best_final"],
                "limit": data["limits"][k]}

    return Explorer(
        "training-lr-sweep", compute,
        [SelectionSlider("lr", LEARNING_RATES, value=0.1, label="learning rate η", fmt="{:g}")],
        data=data,
        alt="Three plots and a sentence. First: the loss of every mini-batch update, on a log scale, for the "
            "selected learning rate, over the best rate's curve in grey; a run that diverges climbs steeply "
            "and ends in a red cross above a dashed line at ten thousand times the starting loss. Second: the "
            "mean loss in the last epoch against the learning rate, both on log scales, a valley-shaped "
            "curve, with red crosses along the top for the rates whose runs were stopped. Third: for every run "
            "that finished, the largest stable rate 2 over kappa max of the place where it ended, against its "
            "learning rate, with the diagonal where the two are equal; the runs with rates above about 0.2 "
            "end on the diagonal. A sentence names the regime and, for a stopped run, the rule that stopped it.",
        caption=f"The same network, the same start and the same {epochs} epochs of mini-batches of {batch_size}, "
                "trained with learning rates from 0.01 to 3.16. Runs that diverge are stopped by fit's "
                "guard within a few updates. For the others, 2/κₘₐₓ comes from the Hessian of the loss on all "
                "the data at the weights where the run ended.",
    )


@factory
def valley_descent(a1: float = 1.0, a2: float = 20.0, start=(-4.0, 1.0), steps: int = 40,
                   lr: float = 0.09, momentum: float = 0.0):
    r"""SGD with momentum on the valley $L(\theta) = \tfrac12 (\kappa_1 \theta_1^2 + \kappa_2 \theta_2^2)$.

    The curvatures $\kappa_1$, $\kappa_2$ are the arguments ``a1``, ``a2``. The gradient
    $(\kappa_1 \theta_1, \kappa_2 \theta_2)$ is written into a :class:`~nnlib.model.Parameter`
    and :class:`~nnlib.optim.SGD` takes ``steps`` steps from ``start``. The frame holds the
    ``path`` (shape ``(steps + 1, 2)``), its ``loss`` (``(steps + 1,)``) and ``plain``, the loss
    along the path of plain gradient descent ($\mu = 0$) at the same learning rate. ``lr`` and
    ``momentum`` are the controls' starting values.
    """
    curvature = np.array([float(a1), float(a2)])
    theta_start = np.array([float(v) for v in start])

    def descend(lr, momentum):
        theta, grad = theta_start.copy(), np.zeros(2)
        params = [Parameter("theta", theta, grad)]  # the kind of list model.parameters() returns
        optimizer = SGD(lr=lr, momentum=momentum)
        path = [theta.copy()]
        for _ in range(steps):
            grad[:] = curvature * theta  # dL/dtheta
            optimizer.step(params)  # updates theta in place
            path.append(theta.copy())
        path = np.array(path)
        return path, 0.5 * np.sum(curvature * path**2, axis=1)

    def compute(lr, momentum):
        path, loss = descend(lr, momentum)
        return {"path": path, "loss": loss, "plain": descend(lr, 0.0)[1]}

    return Explorer(
        "training-valley", compute,
        [Slider("lr", 0.005, 0.12, 0.005, lr, label="learning rate η"),
         Slider("momentum", 0.0, 0.95, 0.05, momentum, label="momentum μ")],
        data={"a1": curvature[0], "a2": curvature[1], "start": theta_start.tolist(), "steps": steps},
        alt=f"Top: the elliptical contours of a long, narrow valley, {np.sqrt(a2 / a1):.1f} times as long as it is "
            "wide, with the path of gradient descent from a start on the left towards the minimum in the "
            "centre. Bottom: the loss along the path against the step, on a log scale, with plain gradient "
            "descent at the same learning rate in grey. A sentence gives the factor by which each step "
            "multiplies each coordinate and whether the run converges.",
        caption=f"Gradient descent with momentum in the valley with curvatures κ₁ = {a1:g} and κ₂ = {a2:g}, "
                f"{steps} steps from ({theta_start[0]:g}, {theta_start[1]:g}). The steep direction sets the "
                f"largest stable learning rate, 2(1 + μ)/κ₂.",
    )
