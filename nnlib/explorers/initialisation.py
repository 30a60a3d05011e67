"""Explorer of weight initialisation (chapter 8): how the spread of the signal travels through a deep stack.

A batch of random inputs goes forward through ``depth`` dense layers of ``width`` units with
zero biases, and a random output gradient goes back through the same layers. For every
initialiser and activation the figure shows the histogram of each layer's activations and the
standard deviation of the activations (forward) and of the gradients (backward) layer by layer.
"""
from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..explore import Dropdown, Explorer
from ..init import get_initializer
from . import factory

#: Initialisers offered: label -> name in nnlib.init, or a name of :data:`GAINS`.
INITIALISERS = {"zeros": "zeros", "small random (std 0.01)": "normal",
                "Xavier (normal)": "xavier_normal", "He (normal)": "he_normal",
                "Xavier × 5/3 (tanh's gain)": "xavier_normal_gain_5/3"}
#: Initialisers that are another one times a gain: name -> (initialiser, gain). 5/3 is the gain
#: commonly recommended for tanh (PyTorch's ``calculate_gain('tanh')``).
GAINS = {"xavier_normal_gain_5/3": ("xavier_normal", 5 / 3)}
#: Activations offered: label -> name in nnlib.activations.
STACK_ACTIVATIONS = {"tanh": "tanh", "sigmoid": "sigmoid", "ReLU": "relu"}
#: Histogram range of each activation's output.
RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 4.0)}
#: A sigmoid or tanh unit counts as saturated where its slope is below 1% of its largest slope.
MAX_SLOPE = {"tanh": 1.0, "sigmoid": 0.25}


def signal_through_stack(X, dout, weights, act):
    r"""Forward ``X`` and backward ``dout`` through dense layers with zero biases.

    Parameters
    ----------
    X : ndarray, shape (batch, width)
        Inputs $\mathbf a^{(0)}$.
    dout : ndarray, shape (batch, width)
        Gradient $\partial L / \partial \mathbf a^{(L)}$ arriving at the last layer.
    weights : list of ndarray, each (width, width)
    act : str
        Activation $\varphi$ after every layer.

    Returns
    -------
    activations : list of ndarray (batch, width)
        $\mathbf a^{(\ell)} = \varphi(\mathbf a^{(\ell-1)} W^{(\ell)})$, $\ell = 1, \dots, L$.
    deltas : list of ndarray (batch, width)
        $\boldsymbol\delta^{(\ell)} = \partial L / \partial \mathbf z^{(\ell)}$, from
        $\boldsymbol\delta^{(\ell)} = (\boldsymbol\delta^{(\ell+1)} {W^{(\ell+1)}}^\top) \odot \varphi'(\mathbf z^{(\ell)})$.
    pre_activations : list of ndarray (batch, width)
    """
    phi = get_activation(act)
    a, activations, pre_activations = X, [], []
    for W in weights:
        z = a @ W  # (batch, width)
        a = phi.forward(z)
        pre_activations.append(z)
        activations.append(a)
    deltas = [None] * len(weights)
    grad = dout
    for layer in range(len(weights) - 1, -1, -1):
        deltas[layer] = grad * phi.grad(pre_activations[layer])
        grad = deltas[layer] @ weights[layer].T
    return activations, deltas, pre_activations


@factory
def init_histograms(width: int = 64, depth: int = 10, batch: int = 256, seed: int = 2024, bins: int = 40):
    r"""Activation histograms and signal sizes in a deep stack, per initialiser and activation.

    The inputs and the output gradient are standard normal, drawn from
    ``numpy.random.default_rng(seed)`` (inputs first, shape ``(batch, width)``); the weights of
    every initialiser come from ``default_rng(seed + 1)``, so the random initialisers use the
    same standard-normal numbers and differ only in scale (Xavier's times 5/3 is exactly that).

    The frame holds, for the ``depth`` layers (layer 1 first): ``counts`` (depth, bins), each
    layer's histogram of $a^{(\ell)}$ over the activation's range scaled to a largest bar of 1
    (ReLU: the exact zeros left out); ``spread``, how much a unit's activation varies from one
    input to the next (its standard deviation over the batch, averaged over the units: the part
    of the signal that carries information about the input); ``grad_spread``, the same for
    $\boldsymbol\delta^{(\ell)} = \partial L/\partial \mathbf z^{(\ell)}$;
    ``share``, per layer, the fraction of saturated units (tanh, sigmoid) or of exact zeros (ReLU);
    and ``act_mean``, the mean of the last layer's activations (with all-zero weights, the value
    every unit outputs for every input).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, width))
    dout = rng.standard_normal((batch, width))
    weights = {}
    for name in INITIALISERS.values():
        draws = np.random.default_rng(seed + 1)
        base, gain = GAINS.get(name, (name, 1.0))
        weights[name] = [gain * get_initializer(base)(width, width, rng=draws) for _ in range(depth)]
    edges = {act: np.linspace(low, high, bins + 1) for act, (low, high) in RANGES.items()}

    def compute(init, act):
        activations, deltas, pre = signal_through_stack(X, dout, weights[init], act)
        counts, share = [], []
        for a, z in zip(activations, pre):
            values = a[a > 0] if act == "relu" else a.ravel()
            c, _ = np.histogram(values, bins=edges[act])
            counts.append(c / c.max() if c.max() > 0 else c.astype(float))
            if act == "relu":
                share.append(float(np.mean(a == 0)))
            else:
                share.append(float(np.mean(get_activation(act).grad(z) < 0.01 * MAX_SLOPE[act])))
        return {"counts": np.array(counts), "spread": np.array([a.std(axis=0).mean() for a in activations]),
                "grad_spread": np.array([d.std(axis=0).mean() for d in deltas]), "share": np.array(share),
                "act_mean": float(activations[-1].mean())}

    return Explorer(
        "init-histograms", compute,
        [Dropdown("init", INITIALISERS, value="xavier_normal", label="initialiser"),
         Dropdown("act", STACK_ACTIVATIONS, value="tanh", label="activation")],
        data={"edges": {act: e for act, e in edges.items()}, "depth": depth, "width": width},
        alt=f"Left: histograms of the activations of each of {depth} layers, stacked from layer 1 at the top "
            f"to layer {depth} at the bottom. Right: for each layer, on a logarithmic axis, how much the "
            "activations vary from one input to the next (forward signal) and how much the gradients with "
            "respect to the pre-activations do (backward signal). Drop-downs choose the initialiser and the activation.",
        caption=f"A stack of {depth} dense layers of {width} units with zero biases, fed {batch} random "
                "inputs; a random gradient enters at the top and travels back. Each histogram is scaled "
                "to the same height.",
        web="frames", max_width=720,
    )
