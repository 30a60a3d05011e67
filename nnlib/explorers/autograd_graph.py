r"""Explorers of automatic differentiation (chapter 14): the engine's own graphs, walked backwards.

* :func:`autograd_backward`: the graph that :class:`nnlib.autograd.Value` records for
  chapter 4's network with one unit per layer, and the engine's backward pass through it,
  one operation at a time.
* :func:`autograd_expression`: the graph of an expression picked from a menu, with every
  value and gradient at an input $x$, the share of the gradient each edge carried back, and
  $f$ and the engine's $df/dx$ over a range of $x$.

Both run the engine itself in Python. Both are also computed in the browser:
``autograd_graph.js`` holds a small interpreter of a recorded graph (values in topological
order, gradients in reverse, with the local rules of :class:`~nnlib.autograd.Value`), and
the book's browser tests compare it with the engine.

A recorded graph travels to the browser as :func:`describe` writes it: one entry per node in
the engine's topological order (``nnlib.autograd.topological_order``), each with its
operation, its parents (indices of earlier entries) and a place on a grid
(:func:`layered_layout`): a column for how far the node is from the inputs and a row.
"""
from __future__ import annotations

from ..autograd import Value, topological_order
from ..explore import Dropdown, Explorer, SelectionSlider, Slider
from . import factory

#: How a node's operation is drawn inside its circle.
OP_SYMBOLS = {"+": "+", "*": "×", "exp": "exp", "log": "log", "tanh": "tanh", "relu": "relu", "sigmoid": "σ"}


def _op(node: Value) -> tuple[str, float | None]:
    """(operation, exponent): "leaf" for inputs and constants; "pow" with its exponent for ``**``."""
    if not node._parents:
        return "leaf", None
    if node._op.startswith("**"):
        return "pow", float(node._op[2:])
    return node._op, None


def local_derivative(node: Value, slot: int) -> float:
    r"""$\partial\,\text{node}/\partial\,\text{parent}$ for the parent in position ``slot``, by the engine's rules.

    The same numbers the node's ``_backward`` multiplies ``node.grad`` by: 1 for ``+``; the
    other factor for ``*``; $k a^{k-1}$ for ``** k``; $e^a$, $1/a$, $1 - \tanh^2 a$,
    $[a > 0]$ and $\sigma(1 - \sigma)$ for exp, log, tanh, relu and sigmoid.
    """
    op, power = _op(node)
    a = node._parents[slot].data
    if op == "+":
        return 1.0
    if op == "*":
        return node._parents[1 - slot].data
    if op == "pow":
        return power * a ** (power - 1) if power != 0 else 0.0
    if op == "exp":
        return node.data
    if op == "log":
        return 1.0 / a
    if op == "tanh":
        return 1.0 - node.data * node.data
    if op == "relu":
        return 1.0 if a > 0 else 0.0
    if op == "sigmoid":
        return node.data * (1.0 - node.data)
    raise ValueError(f"no local derivative for the operation {node._op!r}")


def layered_layout(parents: list[list[int]]) -> tuple[list[int], list[int]]:
    """A column and a row for every node of a graph given in topological order (output last).

    Columns: each operation one to the right of its latest input, then every node moved as
    far right as its first consumer allows (so constants sit next to where they are used).
    Rows: from the output backwards, a node's deepest input continues its row and the other
    inputs take the nearest free rows above, then below.
    """
    n = len(parents)
    children = [[] for _ in range(n)]
    for child, ps in enumerate(parents):
        for p in ps:
            children[p].append(child)
    column = [0] * n
    for i, ps in enumerate(parents):
        column[i] = 1 + max(column[p] for p in ps) if ps else 0
    for i in reversed(range(n - 1)):
        if children[i]:
            column[i] = min(column[c] for c in children[i]) - 1
    low = min(column)
    column = [c - low for c in column]
    height = [0] * n  # longest path down to a leaf: the deepest input continues the row
    for i, ps in enumerate(parents):
        height[i] = 1 + max(height[p] for p in ps) if ps else 0
    row, taken = {n - 1: 0}, {(column[n - 1], 0)}
    for i in reversed(range(n)):
        unplaced = sorted({p for p in parents[i] if p not in row}, key=lambda p: (-height[p], p))
        for k, p in enumerate(unplaced):
            offsets = [0, -1, 1, -2, 2, -3, 3, -4, 4] if k == 0 else [-1, 1, -2, 2, -3, 3, -4, 4]
            r = next(row[i] + d for d in offsets if (column[p], row[i] + d) not in taken)
            row[p] = r
            taken.add((column[p], r))
    top = min(row.values())
    return column, [row[i] - top for i in range(n)]


def describe(output: Value, input_node: Value | None = None, names: dict | None = None) -> dict:
    """The graph ``output`` was computed by, as lists the browser can read (see the module docstring).

    Returns ``op`` ("leaf", "+", "*", "pow", "exp", "log", "tanh", "relu", "sigmoid"),
    ``power`` (the exponent of "pow", else 0), ``parents``, ``constant`` (a leaf's value; 0
    for the input and for operations), ``symbol`` (drawn in the circle), ``name`` (a label
    such as "z⁽¹⁾", or ""), ``column``, ``row``, the index ``input`` of ``input_node``
    (-1 without one) and ``edges``, one ``[parent, child, slot]`` per input of every operation.
    """
    order = topological_order(output)
    index = {id(node): i for i, node in enumerate(order)}
    names = names or {}
    ops, powers, parents, constants, symbols, labels, edges = [], [], [], [], [], [], []
    for i, node in enumerate(order):
        op, power = _op(node)
        ops.append(op)
        powers.append(0.0 if power is None else power)
        parents.append([index[id(p)] for p in node._parents])
        edges += [[index[id(p)], i, slot] for slot, p in enumerate(node._parents)]
        is_input = node is input_node
        constants.append(node.data if op == "leaf" and not is_input else 0.0)
        if op == "leaf":
            symbols.append(node.label or f"{node.data:g}".replace("-", "−"))
        elif op == "pow":
            symbols.append(node._op.replace("-", "−"))  # "**2": the engine's name, as the reader writes it
        else:
            symbols.append(OP_SYMBOLS[op])
        labels.append(names.get(id(node), node.label if op != "leaf" else ""))
    column, row = layered_layout(parents)
    return {"op": ops, "power": powers, "parents": parents, "constant": constants, "symbol": symbols,
            "name": labels, "column": column, "row": row, "edges": edges,
            "input": index[id(input_node)] if input_node is not None else -1}


# ---------------------------------------------------------------- chapter 4's graph, step by step

#: Chapter 4's parameters and target for the network with one unit per layer.
ONE_UNIT = {"w1": 0.5, "b1": -0.5, "w2": 1.5, "b2": -0.5, "y": 1.0}


def one_unit_graph(x: float = 2.0, w1: float = 0.5, b1: float = -0.5, w2: float = 1.5, b2: float = -0.5,
                   y: float = 1.0) -> dict[str, Value]:
    r"""Chapter 4's network with one unit per layer, recorded by the engine for one sample.

    $z^{(1)} = w^{(1)} x + b^{(1)}$, $a^{(1)} = \sigma(z^{(1)})$, $z^{(2)} = w^{(2)} a^{(1)} + b^{(2)}$,
    $\hat y = \sigma(z^{(2)})$, $L = (\hat y - y)^2$, written as a reader would write it with
    :class:`~nnlib.autograd.Value`. Returns the named nodes (keys as in chapter 4: ``x``,
    ``w1``, ..., ``y_hat``, ``L``); every node carries a ``label`` for drawings.
    """
    node = {name: Value(value, label=label) for name, value, label in
            [("x", x, "x"), ("w1", w1, "w⁽¹⁾"), ("b1", b1, "b⁽¹⁾"), ("w2", w2, "w⁽²⁾"), ("b2", b2, "b⁽²⁾"),
             ("y", y, "y")]}
    node["z1"] = node["w1"] * node["x"] + node["b1"]
    node["a1"] = node["z1"].sigmoid()
    node["z2"] = node["w2"] * node["a1"] + node["b2"]
    node["y_hat"] = node["z2"].sigmoid()
    node["L"] = (node["y_hat"] - node["y"]) ** 2
    for name, label in [("z1", "z⁽¹⁾"), ("a1", "a⁽¹⁾"), ("z2", "z⁽²⁾"), ("y_hat", "ŷ"), ("L", "L")]:
        node[name].label = label
    # The products and the subtraction's pieces have no name in chapter 4; name them by what they hold.
    node["z1"]._parents[0].label = "w⁽¹⁾x"
    node["z2"]._parents[0].label = "w⁽²⁾a⁽¹⁾"
    difference = node["L"]._parents[0]  # y_hat - y is y_hat + (-1) * y
    difference.label = "ŷ − y"
    difference._parents[1].label = "−y"
    return node


def backward_steps(output: Value, step: int) -> list[Value]:
    """Run the first ``step`` operations of ``output.backward()``; return the graph in topological order.

    Exactly what :meth:`Value.backward` does, stopped early: gradients of operations start
    at 0, the output's at 1, and the operations run their rules in reverse topological
    order (the engine also visits the leaves, whose rule does nothing; they are not counted).
    """
    order = topological_order(output)
    for node in order:
        if node._parents:
            node.grad = 0.0
    output.grad += 1.0
    operations = [node for node in reversed(order) if node._parents]
    for node in operations[:step]:
        node._backward()
    return order


@factory
def autograd_backward(x_min: float = -3.0, x_max: float = 3.0):
    r"""The engine's backward pass through chapter 4's one-unit network, one operation per step.

    Controls: ``step`` (0: only $\partial L/\partial L = 1$ is set; $k$: the last $k$
    operations of the topological order have run their backward rules) and the input ``x``.
    ``data["graph"]`` is the recorded graph (:func:`describe`); the frame holds every node's
    ``values`` and its ``grads`` so far, in the graph's order (0 for a gradient nothing has
    reached yet).
    """
    graph_nodes = one_unit_graph(2.0)
    graph = describe(graph_nodes["L"], graph_nodes["x"])
    operations = sum(op != "leaf" for op in graph["op"])

    def compute(step, x):
        order = backward_steps(one_unit_graph(x)["L"], step)
        return {"values": [node.data for node in order], "grads": [node.grad for node in order]}

    return Explorer(
        "autograd-backward", compute,
        [SelectionSlider("step", tuple(range(operations + 1)), value=0, label="backward step"),
         Slider("x", x_min, x_max, 0.25, 2.0, label="input x")],
        data={"graph": graph},
        alt="The computational graph that the autograd engine recorded for chapter 4's network with one unit "
            "per layer: sixteen nodes, the inputs x and y, the four parameters, the constant -1 and nine "
            "operations (three products, three sums, two sigmoids and a square), with arrows from each "
            "operation's inputs to its result. Each node shows its value. The step slider runs the "
            "operations' backward rules one at a time, from the loss L backwards: the current operation is "
            "highlighted, the edges to its inputs turn red, the gradients it adds appear in red beside its "
            "inputs, and the text below writes out each addition.",
        caption="The engine's backward pass, one operation per step. Grey: the value of each node; red: its "
                "gradient ∂L/∂(node) so far. Each operation adds its output's gradient, times its local "
                "derivative, into the gradient of each of its inputs.",
        max_width=760,
    )


# ---------------------------------------------------------------- an expression of your choice

def _expressions() -> dict:
    """Label -> function of one Value; each writes its formula as the engine records it."""
    return {
        "x · x": lambda x: x * x,
        "x · σ(x)": lambda x: x * x.sigmoid(),
        "x³ − 3x": lambda x: x ** 3 + x * -3.0,
        "tanh(2x − 1)": lambda x: (2.0 * x + -1.0).tanh(),
        "log(1 + eˣ)": lambda x: (1.0 + x.exp()).log(),
        "eˣ / (1 + eˣ)": lambda x: _ratio(x.exp()),
        "relu(x) − relu(x − 1)": lambda x: x.relu() + (x + -1.0).relu() * -1.0,
    }


def _ratio(e: Value) -> Value:
    return e / (1.0 + e)  # e is used twice: by the division and by the sum


EXPRESSIONS = tuple(_expressions())


def expression_graph(expression: str, x: float) -> tuple[Value, Value]:
    """(input, output) of ``expression`` (a label of :data:`EXPRESSIONS`) recorded by the engine at ``x``."""
    functions = _expressions()
    if expression not in functions:
        raise ValueError(f"unknown expression {expression!r}; choose one of {list(functions)}.")
    source = Value(x, label="x")
    output = functions[expression](source)
    output.label = "f"
    return source, output


@factory
def autograd_expression(x_min: float = -3.0, x_max: float = 3.0, points: int = 121, h: float = 1e-5):
    r"""An expression from a menu as the engine records it: values, gradients and each edge's share.

    Controls: ``expression`` (a label of :data:`EXPRESSIONS`) and the input ``x``. The
    frame holds, in the graph's topological order, every node's ``values`` and ``grads``
    after ``f.backward()``; ``contributions``, one per edge of ``data["graphs"][expression]
    ["edges"]``: the child's gradient times the local derivative, which is what the
    child's rule added into the parent's gradient (the contributions into a node add up to
    its gradient); ``f`` and ``dfdx`` (the input's gradient), and ``central``, the central
    difference $(f(x + h) - f(x - h)) / 2h$ computed with the engine's forward pass.
    ``data["curves"]`` holds $f$ and the engine's $df/dx$ at ``points`` inputs.
    """
    import numpy as np

    grid = np.linspace(x_min, x_max, points)
    graphs, curves = {}, {}
    for label in EXPRESSIONS:
        source, output = expression_graph(label, 0.5)
        graphs[label] = describe(output, source)
        values, slopes = [], []
        for x in grid:
            source, output = expression_graph(label, float(x))
            output.backward()
            values.append(output.data)
            slopes.append(source.grad)
        curves[label] = {"f": np.array(values), "dfdx": np.array(slopes)}

    def compute(expression, x):
        source, output = expression_graph(expression, x)
        output.backward()
        order = topological_order(output)
        contributions = [local_derivative(order[child], slot) * order[child].grad
                         for _, child, slot in graphs[expression]["edges"]]
        up, down = expression_graph(expression, x + h)[1].data, expression_graph(expression, x - h)[1].data
        return {"values": [node.data for node in order], "grads": [node.grad for node in order],
                "contributions": contributions, "f": output.data, "dfdx": source.grad,
                "central": (up - down) / (2 * h)}

    return Explorer(
        "autograd-expression", compute,
        [Dropdown("expression", list(EXPRESSIONS), value="x · σ(x)", label="expression f(x)"),
         Slider("x", x_min, x_max, 0.1, 1.0, label="input x")],
        data={"graphs": graphs, "curves": curves, "grid": grid, "h": h},
        alt="Top: the computational graph the autograd engine records for the chosen expression of x, with "
            "the value (grey) and the gradient (red) of every node after the backward pass, and on each "
            "edge the part of the gradient that travelled back along it. Bottom: the expression f(x) and "
            "the engine's derivative df/dx over x from -3 to 3, with the tangent line at the chosen x.",
        caption="Any expression, differentiated by the engine. Where a node is used twice (by two operations, "
                "or twice by one), two edges leave it and its gradient is the sum of what came back along both.",
        max_width=760,
    )
