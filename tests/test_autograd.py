"""nnlib.autograd: every operation of Value and Tensor against central finite differences (float64),
broadcasting, accumulation, float32, and clear errors."""
import math

import numpy as np
import pytest

from nnlib import autograd as ag
from nnlib.autograd import Tensor, Value
from nnlib.gradcheck import numerical_grad, rel_error

TOLERANCE = 1e-7  # central differences in float64 with h = 1e-6 reach about 1e-9 here


# --------------------------------------------------------------------------- Value
def value_numeric_grads(f, point, h=1e-6):
    """Central differences of the scalar function f(*floats) at ``point``."""
    grads = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def value_grads(fn, point):
    inputs = [Value(x) for x in point]
    out = fn(*inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]


VALUE_CASES = {
    "a + b": (lambda a, b: a + b, (0.7, -1.3)),
    "a - b": (lambda a, b: a - b, (0.7, -1.3)),
    "a * b": (lambda a, b: a * b, (0.7, -1.3)),
    "a / b": (lambda a, b: a / b, (0.7, -1.3)),
    "a ** 3": (lambda a: a ** 3, (-0.8,)),
    "a ** -1.5": (lambda a: a ** -1.5, (1.7,)),
    "-a": (lambda a: -a, (0.4,)),
    "2 + a, 2 - a, 2 * a, 2 / a": (lambda a: (2 + a) * (2 - a) + 2 * a + 2 / a, (0.9,)),
    "exp": (lambda a: a.exp(), (0.9,)),
    "log": (lambda a: a.log(), (0.3,)),
    "tanh": (lambda a: a.tanh(), (-0.6,)),
    "relu (positive)": (lambda a: a.relu(), (0.5,)),
    "relu (negative)": (lambda a: a.relu(), (-0.5,)),
    "sigmoid (positive)": (lambda a: a.sigmoid(), (1.2,)),
    "sigmoid (negative)": (lambda a: a.sigmoid(), (-2.5,)),
    "neuron": (lambda x, w, b: (x * w + b).sigmoid(), (0.5, -1.2, 0.3)),
}


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_value_operation_gradients(name):
    fn, point = VALUE_CASES[name]
    _, analytic = value_grads(fn, point)
    numeric = value_numeric_grads(lambda *xs: fn(*(Value(x) for x in xs)).data, point)
    assert rel_error(analytic, numeric) < TOLERANCE, (analytic, numeric)


def test_value_forward_rules_match_math():
    assert Value(0.3).exp().data == math.exp(0.3)
    assert Value(-800.0).sigmoid().data == 0.0 and Value(800.0).sigmoid().data == 1.0  # no overflow
    assert Value(-2.0).relu().data == 0.0 and (Value(6.0) / 4).data == 1.5


def test_value_used_twice_accumulates():
    # x * x uses x twice: dL/dx = x + x. An engine that assigned gradients would report x alone.
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    a = Value(2.0)
    b = a + a
    (b * a).backward()  # L = 2a^2, dL/da = 4a; a reaches L along three paths
    assert a.grad == 8.0


def test_value_backward_twice_accumulates_in_leaves_only():
    a, b = Value(1.5), Value(-0.5)
    hidden = (a * b).tanh()
    out = hidden * a
    out.backward()
    first = (a.grad, b.grad, hidden.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])  # leaves keep accumulating, as in frameworks
    assert hidden.grad == first[2]  # an intermediate value starts afresh on every pass


def test_power_zero_is_a_constant_with_slope_zero_even_at_zero():
    # x ** 0 = 1 for every x, so its derivative is 0 everywhere; the rule k * x ** (k - 1) would
    # evaluate 0 * 0 ** -1 at x = 0 (a ZeroDivisionError for a Value, 0 * inf = nan for a Tensor).
    for x in (0.0, -2.0, 3.0):
        v = Value(x)
        out = v ** 0 + v
        out.backward()
        assert out.data == 1.0 + x and v.grad == 1.0
    t = Tensor(np.array([0.0, -2.0, 3.0]), requires_grad=True)
    (t ** 0 * 5.0 + t).sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0, 1.0])


def test_value_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(20_000):  # far deeper than Python's recursion limit
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_topological_order_lists_parents_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = ag.topological_order(d)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == 4 and order[-1] is d
    for node in order:
        assert all(position[id(parent)] < position[id(node)] for parent in node._parents)


def test_value_errors_are_clear():
    with pytest.raises(TypeError, match=r"Value holds one number; for an array of shape \(3,\) use Tensor"):
        Value(np.zeros(3))
    with pytest.raises(TypeError, match="needs a real number, got str"):
        Value("1.0")
    with pytest.raises(TypeError, match=r"constant exponent.*\(b \* a.log\(\)\).exp\(\)"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="log is defined for positive numbers only, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(ZeroDivisionError, match="divided by 0"):
        Value(1.0) / Value(0.0)
    with pytest.raises(OverflowError, match=r"exp\(1000\) is too large"):
        Value(1000.0).exp()
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) + Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="cannot combine a Value with a ndarray|real number, got ndarray"):
        np.array([1.0, 2.0]) + Value(1.0)  # numpy must not loop over the array and build Values


# --------------------------------------------------------------------------- Tensor
def _uniform(low, high):
    return lambda rng, shape: rng.uniform(low, high, shape)


def _away_from_zero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


NORMAL = lambda rng, shape: rng.standard_normal(shape)  # noqa: E731
POSITIVE = _uniform(0.5, 2.0)
PROBABILITY = _uniform(0.05, 0.95)
LABELS = np.array([2, 0, 1, 2])
ONE_HOT = np.eye(3)[LABELS]
WEIGHTED_ROWS = np.array([[0.2, 0.5, 0.1], [1.0, 0.0, 0.0], [0.0, 0.3, 0.3], [0.6, 0.2, 0.4]])  # sums other than 1
TARGETS = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])

# name: (function of the input tensors, input shapes, how to draw each input)
TENSOR_CASES = {
    # elementwise arithmetic, with and without broadcasting
    "add": (lambda a, b: a + b, [(4, 3), (4, 3)], NORMAL),
    "add bias (N,K)+(K,)": (lambda a, b: a + b, [(4, 3), (3,)], NORMAL),
    "add row (N,K)+(1,K)": (lambda a, b: a + b, [(4, 3), (1, 3)], NORMAL),
    "add column (N,K)+(N,1)": (lambda a, b: a + b, [(4, 3), (4, 1)], NORMAL),
    "add outer (N,1)+(1,K)": (lambda a, b: a + b, [(4, 1), (1, 3)], NORMAL),
    "add 3-D (2,3,4)+(3,1)": (lambda a, b: a + b, [(2, 3, 4), (3, 1)], NORMAL),
    "add number": (lambda a: 2.5 + a + 1.0, [(4, 3)], NORMAL),
    "sub": (lambda a, b: a - b, [(4, 3), (3,)], NORMAL),
    "sub from number": (lambda a: 1.0 - a, [(4, 3)], NORMAL),
    "mul": (lambda a, b: a * b, [(4, 3), (4, 3)], NORMAL),
    "mul scalar tensor * array": (lambda s, a: s * a, [(), (4, 3)], NORMAL),
    "mul number": (lambda a: 3.0 * a * -0.5, [(4, 3)], NORMAL),
    "mul column (N,K)*(N,1)": (lambda a, b: a * b, [(4, 3), (4, 1)], NORMAL),
    "div": (lambda a, b: a / b, [(4, 3), (4, 3)], POSITIVE),
    "div bias (N,K)/(K,)": (lambda a, b: a / b, [(4, 3), (3,)], POSITIVE),
    "number / tensor": (lambda a: 2.0 / a, [(4, 3)], POSITIVE),
    "neg": (lambda a: -a, [(4, 3)], NORMAL),
    "pow 2": (lambda a: a ** 2, [(4, 3)], NORMAL),
    "pow 3": (lambda a: a ** 3, [(4, 3)], NORMAL),
    "pow -1": (lambda a: a ** -1, [(4, 3)], POSITIVE),
    "pow 0.5": (lambda a: a ** 0.5, [(4, 3)], POSITIVE),
    # elementwise functions
    "exp": (lambda a: a.exp(), [(4, 3)], NORMAL),
    "log": (lambda a: a.log(), [(4, 3)], POSITIVE),
    "tanh": (lambda a: a.tanh(), [(4, 3)], NORMAL),
    "relu": (lambda a: a.relu(), [(4, 3)], _away_from_zero),
    "sigmoid": (lambda a: a.sigmoid(), [(4, 3)], lambda rng, shape: 4 * rng.standard_normal(shape)),
    "softplus": (lambda a: a.softplus(), [(4, 3)], lambda rng, shape: 4 * rng.standard_normal(shape)),
    "abs": (lambda a: a.abs(), [(4, 3)], _away_from_zero),
    "clip": (lambda a: a.clip(-0.5, 0.5), [(4, 3)], _away_from_zero),
    "astype float64": (lambda a: a.astype(np.float64) * 2.0, [(4, 3)], NORMAL),
    "maximum": (lambda a, b: ag.maximum(a, b), [(4, 3), (4, 3)], NORMAL),
    "maximum with 0": (lambda a: ag.maximum(a, 0.0), [(4, 3)], _away_from_zero),
    "minimum bias": (lambda a, b: ag.minimum(a, b), [(4, 3), (3,)], NORMAL),
    "where": (lambda a, b: ag.where(a > 0, a * 2.0, b), [(4, 3), (3,)], _away_from_zero),
    # reductions
    "sum": (lambda a: a.sum(), [(4, 3)], NORMAL),
    "sum axis 0": (lambda a: a.sum(axis=0), [(4, 3)], NORMAL),
    "sum axis 1 keepdims": (lambda a: a.sum(axis=1, keepdims=True), [(4, 3)], NORMAL),
    "sum axes (0, 2)": (lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)], NORMAL),
    "mean": (lambda a: a.mean(), [(4, 3)], NORMAL),
    "mean axis -1": (lambda a: a.mean(axis=-1), [(4, 3)], NORMAL),
    "mean axis 0 keepdims": (lambda a: a.mean(axis=0, keepdims=True), [(4, 3)], NORMAL),
    "max": (lambda a: a.max(), [(4, 3)], NORMAL),
    "max axis 1": (lambda a: a.max(axis=1), [(4, 3)], NORMAL),
    "max axis 0 keepdims": (lambda a: a.max(axis=0, keepdims=True), [(4, 3)], NORMAL),
    "max axes (1, 2)": (lambda a: a.max(axis=(1, 2)), [(2, 3, 4)], NORMAL),
    "x - max(x, keepdims)": (lambda a: a - a.max(axis=1, keepdims=True), [(4, 3)], NORMAL),
    # shapes
    "reshape": (lambda a: a.reshape(2, 6) * np.arange(12.0).reshape(2, 6), [(4, 3)], NORMAL),
    "transpose": (lambda a: a.transpose(2, 0, 1), [(2, 3, 4)], NORMAL),
    ".T": (lambda a: a.T, [(4, 3)], NORMAL),
    "index slice": (lambda a: a[1:3, ::2], [(4, 3)], NORMAL),
    "index repeated rows": (lambda a: a[np.array([0, 2, 2, 3, 0])], [(4, 3)], NORMAL),
    "index pick per row": (lambda a: a[np.arange(4), LABELS], [(4, 3)], NORMAL),
    "pad": (lambda a: a.pad(((1, 0), (2, 1))), [(4, 3)], NORMAL),
    # matrix product
    "matmul": (lambda a, b: a @ b, [(4, 3), (3, 5)], NORMAL),
    "matmul + bias": (lambda x, W, b: x @ W + b, [(4, 3), (3, 5), (5,)], NORMAL),
    "matmul with array": (lambda W: np.arange(12.0).reshape(4, 3) @ W, [(3, 2)], NORMAL),
    # losses, penalties and layers
    "log_softmax": (lambda z: ag.log_softmax(z), [(4, 3)], NORMAL),
    "softmax_cross_entropy labels": (lambda z: ag.softmax_cross_entropy(z, LABELS), [(4, 3)], NORMAL),
    "softmax_cross_entropy one-hot": (lambda z: ag.softmax_cross_entropy(z, ONE_HOT), [(4, 3)], NORMAL),
    "softmax_cross_entropy weighted rows": (lambda z: ag.softmax_cross_entropy(z, WEIGHTED_ROWS), [(4, 3)], NORMAL),
    "sse": (lambda p: ag.sse(p, TARGETS), [(4, 2)], NORMAL),
    "mse": (lambda p: ag.mse(p, TARGETS), [(4, 2)], NORMAL),
    "bce probabilities": (lambda p: ag.binary_cross_entropy(p, TARGETS), [(4, 2)], PROBABILITY),
    "bce logits": (lambda z: ag.binary_cross_entropy(z, TARGETS, from_logits=True), [(4, 2)], NORMAL),
    "l1 penalty": (lambda W: ag.l1_penalty(W, 0.3), [(3, 4)], _away_from_zero),
    "l2 penalty": (lambda W: ag.l2_penalty(W, 0.3), [(3, 4)], NORMAL),
    "conv2d": (lambda x, W, b: ag.conv2d(x, W, b), [(2, 2, 5, 5), (3, 2, 3, 3), (3,)], NORMAL),
    "conv2d stride 2 padding 1": (lambda x, W, b: ag.conv2d(x, W, b, stride=2, padding=1),
                                  [(2, 2, 6, 6), (3, 2, 3, 3), (3,)], NORMAL),
    "max_pool2d": (lambda x: ag.max_pool2d(x, 2), [(2, 3, 4, 6)], NORMAL),
}


def tensor_case(name, rng, dtype=np.float64):
    fn, shapes, draw = TENSOR_CASES[name]
    arrays = [np.asarray(draw(rng, shape), dtype=dtype) for shape in shapes]
    return fn, arrays


@pytest.mark.parametrize("name", sorted(TENSOR_CASES))
def test_tensor_operation_gradients(name, rng):
    fn, arrays = tensor_case(name, rng)
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    weights = rng.standard_normal(out.shape)  # f = sum(out * weights) has d f / d out = weights
    out.backward(weights)

    def f():
        return float(np.sum(fn(*(Tensor(a) for a in arrays)).data * weights))

    for i, (tensor, array) in enumerate(zip(inputs, arrays)):
        assert tensor.grad.shape == array.shape, f"input {i}: gradient shape {tensor.grad.shape}, input {array.shape}"
        error = rel_error(tensor.grad, numerical_grad(f, array))
        assert error < TOLERANCE, f"input {i}: relative error {error:.1e}"


@pytest.mark.parametrize("name", sorted(TENSOR_CASES))
def test_tensor_operation_keeps_float32(name, rng):
    fn, arrays = tensor_case(name, rng, dtype=np.float32)
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    out.backward(np.ones(out.shape, dtype=np.float32))
    if name != "astype float64":
        assert out.dtype == np.float32
    for tensor in inputs:
        assert tensor.grad.dtype == np.float32 and tensor.grad.shape == tensor.shape


# --------------------------------------------------------------------------- the two classic bugs
def bias_gradient_is_right(rng) -> bool:
    """z = x @ W + b with b broadcast over the batch: is dL/db the right shape and value?"""
    x, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    bias = Tensor(b, requires_grad=True)
    loss = ((Tensor(x) @ Tensor(W) + bias).tanh() ** 2).sum()
    loss.backward()
    numeric = numerical_grad(lambda: float(np.sum(np.tanh(x @ W + b) ** 2)), b)
    return bias.grad.shape == b.shape and rel_error(bias.grad, numeric) < TOLERANCE


def test_broadcast_gradient_is_summed_over_the_batch(rng):
    assert bias_gradient_is_right(rng)


def test_broadcast_check_catches_the_missing_sum(rng, monkeypatch):
    # Without the reduce-over-broadcast-axes step the bias gradient comes back with shape (5, 4):
    # one row per sample instead of their sum. The check above must notice.
    monkeypatch.setattr(ag.tensor, "_unbroadcast", lambda grad, shape: grad)
    assert not bias_gradient_is_right(rng)


def used_twice_gradient_is_right(rng) -> bool:
    """L = sum(tanh(x) * x): x feeds two operations, so both paths must add up."""
    x = rng.standard_normal((3, 2))
    tensor = Tensor(x, requires_grad=True)
    (tensor.tanh() * tensor).sum().backward()
    return rel_error(tensor.grad, numerical_grad(lambda: float(np.sum(np.tanh(x) * x)), x)) < TOLERANCE


def test_value_used_twice_gets_both_contributions(rng):
    assert used_twice_gradient_is_right(rng)


def test_accumulation_check_catches_assignment(rng, monkeypatch):
    def assign(self, grad):  # the bug: the last path overwrites the others
        if self.requires_grad:
            self.grad = grad

    monkeypatch.setattr(Tensor, "_accumulate", assign)
    assert not used_twice_gradient_is_right(rng)


# --------------------------------------------------------------------------- graph behaviour
def test_leaves_accumulate_across_passes_and_zero_grad_resets(rng):
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    x = Tensor(rng.standard_normal((4, 3)))
    hidden = (x @ W).tanh()
    loss = (hidden * hidden).sum()
    loss.backward()
    first, first_hidden = W.grad.copy(), hidden.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(W.grad, 2 * first)
    np.testing.assert_array_equal(hidden.grad, first_hidden)
    W.zero_grad()
    loss.backward()
    np.testing.assert_array_equal(W.grad, first)
    assert x.grad is None  # data without requires_grad gets no gradient


def test_no_grad_and_detach_stop_the_graph(rng):
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        out = (W * 2.0).sum()
    assert ag.is_grad_enabled()
    assert not out.requires_grad and out._parents == ()
    with pytest.raises(RuntimeError, match="depends on no tensor with requires_grad=True"):
        out.backward()
    frozen = W.detach()
    assert frozen.data is W.data and not frozen.requires_grad
    (W * frozen).sum().backward()  # only the first factor carries a gradient
    np.testing.assert_array_equal(W.grad, W.data)


def test_tensor_shares_float_arrays_and_converts_others():
    data = np.zeros((2, 2), dtype=np.float32)
    assert Tensor(data).data is data
    assert Tensor([[1, 2]]).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert (Tensor(np.ones(3, dtype=np.float32)) * 2.0 + np.ones(3)).dtype == np.float32
    assert Tensor([[1.5]]).item() == 1.5


def test_max_gives_ties_to_the_first_maximum():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])


def test_sigmoid_and_softplus_do_not_overflow():
    z = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    (z.sigmoid() + z.softplus()).sum().backward()
    np.testing.assert_array_equal(z.sigmoid().data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(z.softplus().data, [0.0, np.log(2.0), 1000.0])
    np.testing.assert_allclose(z.grad, [0.0, 0.75, 1.0])


# --------------------------------------------------------------------------- errors
def test_tensor_errors_are_clear(rng):
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"cannot multiply \(4, 3\) by \(4, 1\): the left has 3 columns but the "
                                         r"right has 4 rows.*\(3, \.\.\.\); perhaps transpose it"):
        x @ Tensor(np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"multiplies two 2-D tensors, got shapes \(4, 3\) and \(3,\)"):
        x @ Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"backward\(\) without a gradient needs a single number.*shape \(4, 3\).*"
                                         r"y.sum\(\)"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"needs grad of shape \(4, 3\) like the tensor, got \(3,\)"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(RuntimeError, match=r"Tensor\(values, requires_grad=True\)"):
        Tensor(np.ones(3)).sum().backward()
    with pytest.raises(ValueError, match=r"'\+' cannot broadcast shapes \(4, 3\) and \(4,\).*bias for \(batch, K\) "
                                         r"has shape \(K,\)"):
        x + Tensor(np.ones(4))
    with pytest.raises(TypeError, match=r"'\*' got a float64 and a float32 tensor.*astype\(np.float64\)"):
        x * Tensor(np.ones((4, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        x + Value(1.0)
    with pytest.raises(TypeError, match="must contain real numbers"):
        x * "two"
    with pytest.raises(TypeError, match=r"needs numbers, got a Tensor.*\.detach\(\)"):
        Tensor(x)
    with pytest.raises(ValueError, match=r"log is defined for positive numbers only.*clip"):
        Tensor([1.0, 0.0]).log()
    with pytest.raises(ZeroDivisionError, match="contains 0"):
        x / Tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(4, 3\) \(12 entries\) to \(5, 2\)"):
        x.reshape(5, 2)
    with pytest.raises(ValueError, match=r"item\(\) needs a tensor with one element, got shape \(4, 3\)"):
        x.item()
    with pytest.raises(TypeError, match="not with a Tensor"):
        x[Tensor([0.0])]
    with pytest.raises(ValueError, match="y_hat and y must have the same shape.*y.reshape\\(-1, 1\\)"):
        ag.sse(Tensor(np.ones((4, 1))), np.ones(4))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 for 3 classes, got values from 0 to 3"):
        ag.softmax_cross_entropy(x, np.array([0, 1, 2, 3]))
    with pytest.raises(TypeError, match=r"labels must be whole numbers.*y.astype\(int\)"):
        ag.softmax_cross_entropy(x, np.array([0.5, 1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match=r"labels of shape \(4,\) or one-hot rows of shape \(4, 3\), got \(4, 1\)"):
        ag.softmax_cross_entropy(x, np.zeros((4, 1)))
    with pytest.raises(ValueError, match="from_logits=True"):
        ag.binary_cross_entropy(Tensor([[2.0]]), [[1.0]])
    with pytest.raises(ValueError, match="smaller than the 3x3 kernel"):
        ag.conv2d(Tensor(np.ones((1, 1, 2, 2))), Tensor(np.ones((1, 1, 3, 3))), Tensor(np.ones(1)))
    with pytest.raises(ValueError, match=r"divisible by 2, got \(1, 1, 3, 4\)"):
        ag.max_pool2d(Tensor(np.ones((1, 1, 3, 4))), 2)
