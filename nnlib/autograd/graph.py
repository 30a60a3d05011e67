"""What both engines share: the order in which a recorded graph is walked, and a switch to stop recording."""
from __future__ import annotations

import contextlib


def topological_order(output) -> list:
    """Every node that ``output`` depends on, each listed after all of its parents.

    Works for :class:`Value` and :class:`Tensor`. ``backward`` walks this list
    in reverse, so a node is processed only once its gradient is complete.
    Iterative (no recursion), so deep graphs do not hit Python's recursion limit.
    """
    order, seen = [], set()
    stack = [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))  # revisit after its parents are listed
        stack.extend((parent, False) for parent in node._parents if id(parent) not in seen)
    return order


_grad_enabled = True  # read by Tensor operations: record the graph or not


@contextlib.contextmanager
def no_grad():
    """Context manager: Tensor operations inside it record no graph.

    Use it for evaluation and for parameter updates, where nothing will be
    differentiated: ``with no_grad(): accuracy = ...``.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _grad_enabled
