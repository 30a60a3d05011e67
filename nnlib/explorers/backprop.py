r"""Explorers of backpropagation and training (chapter 4).

* :func:`backward_graph`: the backward pass of a network with one unit per layer, one node
  of its computational graph per step (computed in the browser).
* :func:`training_run`: the chapter's 1500-step run of the 3-4-1 sigmoid network, at any
  step: the hidden units' and the output's surfaces, the loss and the gradient norms. The
  run's weights at every step travel with the page; the browser redoes the small forward
  pass for the chosen step.
* :func:`learning_rates`: the same run for fifteen learning rates; the curves travel with the page.

The two training explorers train with :meth:`nnlib.model.Sequential.fit` from keyword
arguments (seed, steps, learning rate), so the book's tests can rebuild them exactly.
"""
from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..data import toy_dataset
from ..explore import Explorer, SelectionSlider, Slider
from ..layers import Activation, Dense
from ..losses import SSE
from ..model import Sequential
from ..optim import SGD
from . import factory

_sigmoid = ACTIVATIONS["sigmoid"]()

# ---------------------------------------------------------------- the backward pass, node by node

#: Nodes of the one-unit network's graph, in the order the frame lists them.
GRAPH_NODES = ("x", "w1", "b1", "z1", "a1", "w2", "b2", "z2", "y_hat", "y", "L")
#: The node the backward pass reaches at each step, starting from the loss.
BACKWARD_ORDER = ("L", "y_hat", "z2", "b2", "w2", "a1", "z1", "b1", "w1")
#: The node each of those gets its gradient from (its successor in the graph).
SUCCESSOR = {"y_hat": "L", "z2": "y_hat", "b2": "z2", "w2": "z2", "a1": "z2", "z1": "a1", "b1": "z1", "w1": "z1"}
#: Chapter 4's parameters and target for the one-unit network.
ONE_UNIT = {"w1": 0.5, "b1": -0.5, "w2": 1.5, "b2": -0.5, "y": 1.0}


def one_unit_network(x, y, w1, b1, w2, b2):
    r"""Forward and backward pass of $\hat y = \sigma(w_2\,\sigma(w_1 x + b_1) + b_2)$, $L = (\hat y - y)^2$.

    Returns two dicts: the value of every node, and $\partial L / \partial(\text{node})$ for
    every node that is not data, together with ``local``, the local derivative of each node
    with respect to the node before it on the way back from $L$.
    """
    z1 = w1 * x + b1
    a1 = float(_sigmoid.forward(z1))
    z2 = w2 * a1 + b2
    y_hat = float(_sigmoid.forward(z2))
    L = (y_hat - y) ** 2
    local = {"L": 1.0, "y_hat": 2 * (y_hat - y), "z2": y_hat * (1 - y_hat), "b2": 1.0, "w2": a1, "a1": w2,
             "z1": a1 * (1 - a1), "b1": 1.0, "w1": x}
    grads = {"L": 1.0}
    for node in BACKWARD_ORDER[1:]:
        grads[node] = grads[SUCCESSOR[node]] * local[node]
    values = {"x": x, "w1": w1, "b1": b1, "z1": z1, "a1": a1, "w2": w2, "b2": b2, "z2": z2, "y_hat": y_hat,
              "y": y, "L": L}
    return values, grads, local


@factory
def backward_graph(x_min: float = -3.0, x_max: float = 3.0):
    r"""The backward pass on the computational graph of a network with one unit per layer.

    Controls: ``step`` (0 to 8: how many nodes backpropagation has reached, starting at the
    loss) and the input ``x``. The frame lists, in the order of :data:`GRAPH_NODES`, every
    node's ``values`` and its gradient ``grads`` (``None`` for nodes not reached yet or that
    are data), and gives the current step's ``local`` derivative and the ``incoming``
    gradient it multiplies (``None`` at step 0, where the walk starts with dL/dL = 1).
    """

    def compute(step, x):
        values, grads, local = one_unit_network(x, ONE_UNIT["y"], ONE_UNIT["w1"], ONE_UNIT["b1"],
                                                ONE_UNIT["w2"], ONE_UNIT["b2"])
        reached = BACKWARD_ORDER[:step + 1]
        node = BACKWARD_ORDER[step]
        return {"values": [values[n] for n in GRAPH_NODES],
                "grads": [grads[n] if n in reached else None for n in GRAPH_NODES],
                "local": local[node] if step > 0 else None,
                "incoming": grads[SUCCESSOR[node]] if step > 0 else None}

    return Explorer(
        "backward-graph", compute,
        [SelectionSlider("step", tuple(range(len(BACKWARD_ORDER))), value=0, label="backward step"),
         Slider("x", x_min, x_max, 0.25, 2.0, label="input x")],
        data={"nodes": list(GRAPH_NODES), "order": list(BACKWARD_ORDER),
              "successor": [SUCCESSOR.get(n) for n in BACKWARD_ORDER]},
        alt="A computational graph of a network with one unit per layer: x, w1 and b1 feed z1, then a1, "
            "then z2 (with w2 and b2), then y-hat, then the loss L (with the target y). Every node shows "
            "its value from the forward pass. Each step of the slider highlights the next node backwards "
            "from L, writes its gradient, and the text below gives the local derivative and the product "
            "that produced the gradient.",
        caption="The backward pass, one node per step. Grey: the value of each node in the forward pass; "
                "red: the gradient dL/d(node) once backpropagation has reached it. Each gradient is the "
                "gradient of the node after it times one local derivative.",
        max_width=760,
    )


# ---------------------------------------------------------------- the worked example, step by step

def _toy_network(seed: int) -> Sequential:
    """Chapter 4's 3-4-1 sigmoid network with nnlib's default initialisation, from ``seed``."""
    rng = np.random.default_rng(seed)
    return Sequential([Dense(3, 4, rng=rng), Activation("sigmoid"), Dense(4, 1, rng=rng), Activation("sigmoid")])


def flat_parameters(model: Sequential) -> np.ndarray:
    """W1 (3, 4), b1 (4,), W2 (4, 1), b2 (1,) of the 3-4-1 network as one row of 21 numbers."""
    return np.concatenate([model.layers[i].params[key].ravel() for i in (0, 2) for key in ("W", "b")])


def set_parameters(model: Sequential, row: np.ndarray) -> None:
    """The inverse of :func:`flat_parameters`: copy 21 numbers into the model's own arrays."""
    start = 0
    for i in (0, 2):
        for key in ("W", "b"):
            target = model.layers[i].params[key]
            target[...] = row[start:start + target.size].reshape(target.shape)
            start += target.size


def record_run(seed: int = 1, steps: int = 1500, lr: float = 1.0) -> dict:
    r"""Train chapter 4's network with ``Sequential.fit`` and record it after every step.

    Returns ``weights`` (steps + 1, 21), the parameters after $t$ steps in the layout of
    :func:`flat_parameters`; ``loss`` (steps + 1,), the SSE on the toy data after $t$ steps
    (``loss[:-1]`` is ``fit``'s ``step_loss``); ``grad_norms`` (2, steps + 1), the Frobenius
    norms $\lVert\partial L/\partial W^{(1)}\rVert$ and $\lVert\partial L/\partial W^{(2)}\rVert$
    at those weights; and the final predictions ``y_hat`` (4,).
    """
    X, y = toy_dataset()
    model = _toy_network(seed)
    snapshots = [flat_parameters(model)]
    history = model.fit(X, y, loss=SSE(), optimizer=SGD(lr=lr), epochs=steps, progress=False,
                        callbacks=[lambda epoch, m, h: snapshots.append(flat_parameters(m))])
    weights = np.array(snapshots)
    probe, loss_fn = _toy_network(seed), SSE()
    loss, grad_norms = np.empty(len(weights)), np.empty((2, len(weights)))
    for t, row in enumerate(weights):
        set_parameters(probe, row)
        loss[t] = loss_fn.forward(probe.forward(X), y)
        probe.backward(loss_fn.backward())
        grad_norms[:, t] = [np.linalg.norm(probe.layers[i].grads["W"]) for i in (0, 2)]
    if not np.array_equal(loss[:-1], history.step_loss):
        raise RuntimeError("the recorded losses differ from fit's step_loss: the replay is not the run")
    return {"weights": weights, "loss": loss, "grad_norms": grad_norms, "y_hat": model.predict(X)[:, 0]}


@factory
def training_run(seed: int = 1, steps: int = 1500, lr: float = 1.0, points: int = 41):
    r"""Chapter 4's worked example at any step $t$ of its run (0 to ``steps``).

    The factory trains the 3-4-1 sigmoid network on the toy data (SSE, plain gradient
    descent, full batch) and records its 21 parameters after every step (``data["weights"]``,
    shape (steps + 1, 21)), the loss curve and the gradient norms of both layers. The frame
    for step $t$ holds each hidden unit's activation over the plane of $(x_1, x_2)$ with
    $x_3 = 1$ (``hidden``, shape (4, points, points); row ``i`` is $x_2$ = ``grid[i]``,
    column ``j`` is $x_1$ = ``grid[j]``), the output over the same plane (``output``), the
    predictions ``y_hat`` for the four samples, their loss ``loss`` and the two gradient
    norms ``grad_norms`` at step $t$.
    """
    run = record_run(seed, steps, lr)
    X, y = toy_dataset()
    grid = np.linspace(-0.5, 1.5, points)
    G1, G2 = np.meshgrid(grid, grid)
    plane = np.column_stack([G1.ravel(), G2.ravel(), np.ones(G1.size)])   # x3 = 1, as in the data
    model, loss_fn = _toy_network(seed), SSE()

    def compute(step):
        set_parameters(model, run["weights"][step])
        hidden = model.layers[1].forward(model.layers[0].forward(plane))    # (points**2, 4)
        output = model.layers[3].forward(model.layers[2].forward(hidden))   # (points**2, 1)
        y_hat = model.forward(X)                                            # (4, 1)
        return {"hidden": hidden.T.reshape(4, points, points), "output": output.reshape(points, points),
                "y_hat": y_hat[:, 0], "loss": loss_fn.forward(y_hat, y), "grad_norms": run["grad_norms"][:, step]}

    return Explorer(
        "training-run", compute,
        [Slider("step", 0, steps, 1, 0, label="training step t")],
        data={"weights": run["weights"], "loss": run["loss"], "grad_norms": run["grad_norms"], "grid": grid,
              "X": X[:, :2], "targets": y[:, 0]},
        alt="The training run of the 3-4-1 network at the chosen step. Four small colour maps show each "
            "hidden unit's activation over the plane of inputs x1 and x2 (x3 = 1) with its switching line; "
            "a larger map shows the network's output with the four training samples and the prediction "
            "for each. Below, the loss on a log scale over all steps, and the gradient norms of the two "
            "layers, each with a marker at the chosen step.",
        caption="Watching the worked example learn. Move the step slider: the hidden units turn and "
                "sharpen their switching lines, the output surface takes the shape of XOR, and the loss "
                "and the gradient norms show where in the run the learning happens.",
    )


# ---------------------------------------------------------------- learning rates

@factory
def learning_rates(seed: int = 1, steps: int = 1500, low: float = -2.0, high: float = 1.5, per_decade: int = 4):
    r"""The worked example trained with log-spaced learning rates $\eta = 10^{k/\text{per\_decade}}$.

    Every run starts from the same weights (``seed``). ``data`` holds every run's loss
    curve (``curves``, one row of ``steps`` losses per rate, each the loss before that step),
    and the frame for one rate picks its row: the curve ``loss``, the final predictions
    ``y_hat`` (4,), the loss after the last step ``final``, and ``rises``, the number of
    steps at which the loss went up. The browser twin picks the same row.
    """
    exponents = np.arange(round(low * per_decade), round(high * per_decade) + 1) / per_decade
    rates = [float(10.0 ** e) for e in exponents]
    X, y = toy_dataset()
    curves, predictions, finals = [], [], []
    for lr in rates:
        model = _toy_network(seed)
        curves.append(model.fit(X, y, loss=SSE(), optimizer=SGD(lr=lr), epochs=steps, progress=False).step_loss)
        y_hat = model.predict(X)
        predictions.append(y_hat[:, 0])
        finals.append(SSE().forward(y_hat, y))
    curves, predictions = np.array(curves), np.array(predictions)
    rises = np.sum(np.diff(curves, axis=1) > 0, axis=1)
    start = min(rates, key=lambda r: abs(r - 1.0))

    def compute(lr):
        k = rates.index(lr)
        return {"loss": curves[k], "y_hat": predictions[k], "final": finals[k], "rises": int(rises[k])}

    return Explorer(
        "learning-rates", compute,
        [SelectionSlider("lr", tuple(rates), value=start, label="learning rate η", fmt="{:.3g}")],
        data={"rates": rates, "curves": curves, "y_hat": predictions, "final": finals, "rises": rises.tolist(),
              "reference": rates.index(start), "targets": y[:, 0],
              "low": 10 ** np.floor(np.log10(curves.min())), "high": 10 ** np.ceil(np.log10(curves.max()))},
        alt="First panel: the loss curve over the training steps for the chosen learning rate, on a log scale, "
            "with the curve for learning rate 1 in grey behind it. Second panel: bars of the four final "
            "predictions, with the targets 0, 1, 1, 0 marked by black lines.",
        caption="The worked example trained with fifteen learning rates from 0.01 to about 32, all from "
                "the same starting weights. Too small and the loss barely moves; moderately large and it "
                "falls fast but not at every step; far too large and the output sigmoid saturates and "
                "training stalls.",
    )
