r"""Automatic differentiation: the chain rule, done by the computer.

Every other module of nnlib differentiates by hand: each layer's ``backward``
is a formula someone derived. This module derives nothing in advance. Each
operation records, as it runs, which inputs it used and how to push a gradient
back to them; ``backward()`` then replays the record in reverse. That is all a
deep-learning framework's autograd does, and it fits in a few small files.

Two engines share one design:

* :class:`Value` holds **one number**. It is small enough to read in one sitting
  and to draw node by node.
* :class:`Tensor` holds a **numpy array**. It is the same idea with shapes, and
  it can express every kind of layer in the book except the ``RandomShift``
  augmentation; :func:`sequential_loss` runs an nnlib
  :class:`~nnlib.model.Sequential` through it.

The design, in four decisions
-----------------------------
**A recorded graph.** An operation returns a new node that remembers its
parents (the nodes it was computed from) and a small ``backward`` rule: given
$\bar o = \partial L/\partial o$ for its output $o$, add
$\bar o \, \partial o/\partial p$ to each parent $p$. Every rule below is written
next to its forward rule, with the local derivative in its docstring.

**Reverse mode.** A network has one loss $L$ and thousands of parameters
$\theta_i$. Walking the graph backwards from $L$ computes
$\partial L/\partial\theta_i$ for *all* of them in one pass that costs up to about
twice the forward pass (chapter 4 counts it). (Forward mode would need one pass per parameter.)
The walk visits nodes in reverse topological order: a node passes its gradient
on only after every node that used it has passed theirs, so its gradient is
complete when it is read.

**Gradients accumulate.** When a node feeds several others (a weight used by
two layers, or simply ``x * x``), the chain rule *sums* the contributions of
every path: $\partial L/\partial x = \sum_k \partial L/\partial o_k \cdot
\partial o_k/\partial x$. So each rule adds (``+=``) into a parent's gradient;
one that assigned would keep only the last path. Within one ``backward()`` the
gradients of intermediate nodes start from zero; those of leaves (the inputs
and parameters you created) keep accumulating across calls, as in every
framework, so a training loop clears them each step (``zero_grad``).

**Broadcasting is undone on the way back.** numpy lets ``z + b`` add a bias
``b`` of shape ``(K,)`` to every row of ``z`` ``(N, K)``. Each of ``b``'s
entries then reached ``N`` outputs, so its gradient is the **sum** of the
``N`` rows of $\bar o$: ``tensor._unbroadcast`` sums over every broadcast axis.
Forgetting this is the classic first bug of an array engine: the gradient
comes back with the wrong shape ``(N, K)``, and the update
``b = b - lr * grad`` quietly turns the bias itself into an ``(N, K)`` array.

What is fused
-------------
Most operations are tiny; networks are compositions of them (:func:`conv2d`
is padding, a gather, a reshape and a matrix product). Two are single
operations with a hand-written backward, because composing them is slow or
unstable: :func:`softmax_cross_entropy` (gradient $(p - \text{onehot}(y))/N$)
and :meth:`Tensor.softplus`. nnlib's own layers fuse far more: a ``Dense``
layer's backward is three matrix expressions written into ready-made arrays,
with no graph to build; ``bench/autograd_speed.py`` measures what the
bookkeeping costs.

Where things are
----------------
=============== ==============================================================
``value``       :class:`Value`, the scalar engine
``tensor``      :class:`Tensor`, the array engine, and its elementwise,
                reduction, shape and matrix operations
``ops``         :func:`where`, :func:`maximum`, :func:`minimum`,
                :func:`log_softmax`, :func:`conv2d`, :func:`max_pool2d`,
                :func:`batch_norm`, :func:`layer_norm`, :func:`dropout`
``losses``      :func:`sse`, :func:`mse`, :func:`binary_cross_entropy`,
                :func:`softmax_cross_entropy`, :func:`l1_penalty`, :func:`l2_penalty`
``sequential``  nnlib's ``Sequential`` models on the engine: :func:`sequential_loss`,
                :func:`sequential_gradients`, :func:`train_sgd`
``graph``       :func:`topological_order`, :func:`no_grad`
=============== ==============================================================

References: the scalar engine follows the design of A. Karpathy's *micrograd*;
the conventions (``requires_grad``, ``no_grad``, ``detach``) are those of
PyTorch's autograd.
"""
from __future__ import annotations

from .graph import is_grad_enabled, no_grad, topological_order
from .losses import binary_cross_entropy, l1_penalty, l2_penalty, mse, softmax_cross_entropy, sse
from .ops import batch_norm, conv2d, dropout, layer_norm, log_softmax, max_pool2d, maximum, minimum, where
from .sequential import (ACTIVATION_RULES, apply_activation, apply_layer, apply_loss, apply_penalty,
                         sequential_forward, sequential_gradients, sequential_loss, sequential_parameters, train_sgd)
from .tensor import Tensor, as_tensor
from .value import Value

__all__ = [
    "ACTIVATION_RULES", "Tensor", "Value", "apply_activation", "apply_layer", "apply_loss", "apply_penalty",
    "as_tensor", "batch_norm", "binary_cross_entropy", "conv2d", "dropout", "is_grad_enabled", "l1_penalty",
    "l2_penalty", "layer_norm", "log_softmax",
    "max_pool2d", "maximum", "minimum", "mse", "no_grad", "sequential_forward", "sequential_gradients",
    "sequential_loss", "sequential_parameters", "softmax_cross_entropy", "sse", "topological_order", "train_sgd",
    "where",
]
