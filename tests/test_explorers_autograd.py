"""Chapter 14's explorers show the engine's own graphs: chapter 4's hand derivation node by node,
backward() stopped after each operation, edge shares that add up to each gradient, and layouts
in which no two nodes collide and every edge runs forwards."""
import numpy as np
import pytest

from nnlib.autograd import Value, topological_order
from nnlib.explorers import autograd_backward, autograd_expression
from nnlib.explorers.autograd_graph import (EXPRESSIONS, backward_steps, describe, expression_graph, layered_layout,
                                            local_derivative, one_unit_graph)
from nnlib.explorers.backprop import one_unit_network

#: Chapter 4's names for the nodes of the one-unit network that it derives by hand.
CHAPTER_4 = ("x", "w1", "b1", "z1", "a1", "w2", "b2", "z2", "y_hat", "L")


@pytest.mark.parametrize("x", [2.0, 0.0, -1.75, 3.0])
def test_the_engine_reproduces_chapter_4s_hand_derivation(x):
    values, grads, _ = one_unit_network(x, 1.0, 0.5, -0.5, 1.5, -0.5)
    nodes = one_unit_graph(x)
    nodes["L"].backward()
    for name in CHAPTER_4:
        assert nodes[name].data == pytest.approx(values[name], rel=1e-15, abs=1e-15), name
        if name in grads:  # chapter 4 stops at the parameters; the engine also gives dL/dx
            assert nodes[name].grad == pytest.approx(grads[name], rel=1e-14, abs=1e-16), name
    assert nodes["x"].grad == pytest.approx(grads["z1"] * 0.5, rel=1e-14)  # dL/dx = dL/dz1 * w1


def test_the_explorer_walks_backward_one_operation_at_a_time():
    explorer = autograd_backward()
    graph = explorer.data["graph"]
    operations = [i for i in reversed(range(len(graph["op"]))) if graph["op"][i] != "leaf"]
    steps = explorer.controls[0].values
    assert steps == tuple(range(len(operations) + 1)) == tuple(range(10))
    before = explorer.frame(step=0, x=2.0)["grads"]
    assert before[-1] == 1.0 and not any(before[:-1])  # only dL/dL = 1 at the start
    for step in steps[1:]:
        after = explorer.frame(step=step, x=2.0)["grads"]
        ran = operations[step - 1]
        changed = {i for i, (a, b) in enumerate(zip(before, after)) if a != b}
        assert changed <= set(graph["parents"][ran]), step  # a rule writes only into its own inputs
        before = after
    nodes = one_unit_graph(2.0)
    nodes["L"].backward()
    assert before == [node.grad for node in topological_order(nodes["L"])]  # the last step is backward()


def test_backward_steps_stops_a_real_backward_pass_early():
    nodes = one_unit_graph(1.25)
    order = backward_steps(nodes["L"], 3)
    # L's rule, then y_hat - y's (a sum: to y_hat and to -y), then y_hat's sigmoid (to z2)
    assert [node.grad != 0 for node in order].count(True) == 5
    assert order[-1] is nodes["L"] and order[-1].grad == 1.0


@pytest.mark.parametrize("expression", EXPRESSIONS)
@pytest.mark.parametrize("x", [-2.3, -0.4, 0.7, 2.9])
def test_edge_shares_add_up_to_every_gradient(expression, x):
    explorer = autograd_expression()
    graph = explorer.data["graphs"][expression]
    frame = explorer.frame(expression=expression, x=x)
    totals = np.zeros(len(graph["op"]))
    totals[-1] = 1.0
    for (parent, _, _), share in zip(graph["edges"], frame["contributions"]):
        totals[parent] += share
    np.testing.assert_allclose(totals, frame["grads"], rtol=1e-12, atol=1e-15)
    assert frame["dfdx"] == frame["grads"][graph["input"]]
    assert frame["dfdx"] == pytest.approx(frame["central"], rel=1e-6, abs=1e-8)  # no kink at these x


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_stored_curves_are_the_function_and_its_slope(expression):
    explorer = autograd_expression()
    grid, curve = explorer.data["grid"], explorer.data["curves"][expression]
    step = grid[1] - grid[0]
    slope = np.gradient(curve["f"], step)  # central differences on the grid
    smooth = ~np.isclose(grid[:, None], [0.0, 1.0], atol=1.5 * step).any(axis=1)  # away from relu's kinks
    np.testing.assert_allclose(curve["dfdx"][smooth], slope[smooth], atol=0.02 * np.abs(curve["dfdx"]).max() + 1e-9)


def test_local_derivatives_are_the_slopes_of_each_operation():
    h = 1e-6
    for op in [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a ** 3, lambda a, b: a ** -1,
               lambda a, b: a.exp(), lambda a, b: a.log(), lambda a, b: a.tanh(), lambda a, b: a.relu(),
               lambda a, b: a.sigmoid()]:
        a, b = 0.8, -1.3
        node = op(Value(a), Value(b))
        for slot, parent in enumerate(node._parents):
            if parent.data not in (a, b):
                continue  # a constant the operation made itself (the exponent of **)
            up = [a, b]
            down = [a, b]
            which = 0 if parent.data == a else 1
            up[which] += h
            down[which] -= h
            numeric = (op(Value(up[0]), Value(up[1])).data - op(Value(down[0]), Value(down[1])).data) / (2 * h)
            assert local_derivative(node, slot) == pytest.approx(numeric, rel=1e-7), (node._op, slot)


def graphs():
    nodes = one_unit_graph()
    yield "chapter 4", describe(nodes["L"], nodes["x"])
    for label in EXPRESSIONS:
        source, output = expression_graph(label, 0.3)
        yield label, describe(output, source)


@pytest.mark.parametrize("name,graph", list(graphs()), ids=lambda v: v if isinstance(v, str) else "")
def test_described_graphs_are_in_topological_order_and_laid_out_cleanly(name, graph):
    n = len(graph["op"])
    for i, parents in enumerate(graph["parents"]):
        assert all(p < i for p in parents)  # parents first: the order the browser evaluates in
        assert (graph["op"][i] == "leaf") == (not parents)
    assert len(graph["edges"]) == sum(len(p) for p in graph["parents"])
    places = list(zip(graph["column"], graph["row"]))
    assert len(set(places)) == n, f"{name}: two nodes share a place"
    for parent, child, _ in graph["edges"]:
        assert graph["column"][parent] < graph["column"][child], f"{name}: an edge runs backwards"
    assert graph["column"][-1] == max(graph["column"])  # the output is rightmost
    assert 0 <= graph["input"] < n and graph["op"][graph["input"]] == "leaf"


def test_layout_places_side_inputs_next_to_their_operation():
    # x * w + b: the product continues the row of the sum, w and b sit one column before their use.
    column, row = layered_layout([[], [], [0, 1], [], [2, 3]])
    assert column == [0, 0, 1, 1, 2]
    assert row[2] == row[4] and row[3] != row[4] and row[0] != row[1]


def test_unknown_expression_is_named():
    with pytest.raises(ValueError, match="unknown expression 'x / 0'; choose one of"):
        expression_graph("x / 0", 1.0)
