"""Property-based fuzzing of nnlib's public entry points (hypothesis).

Each property feeds random shapes, dtypes, values and NaN/inf placements to one entry
point and accepts exactly two outcomes:

* a correct result (checked against a reference where one is simple to write, and
  always: the right shape, and finite numbers whenever the input was finite); or
* a ``ValueError`` or ``TypeError`` raised by nnlib's own checks (the innermost frame of
  the traceback lies in ``nnlib/``), whose message is a sentence, not a numpy internal.

Anything else fails: a numpy error (IndexError, broadcasting ValueError from numpy's
own code, FloatingPointError), a warning (pytest turns warnings into errors), or NaN
out of finite input.
"""
from __future__ import annotations

import os
import traceback

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import activations, data, gradcheck, init
from nnlib.activations import ACTIVATIONS
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.diagnostics import layer_statistics
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from nnlib.model import Sequential, TrainingDivergedError, accuracy
from nnlib.optim import SGD, Adam
from nnlib.regularization import L1, L2

NNLIB_DIR = os.path.dirname(nnlib.__file__)
FUZZ = settings(max_examples=int(os.environ.get("NNLIB_FUZZ_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIALS = (float("nan"), float("inf"), float("-inf"))


class NnlibError(Exception):
    """Marks an outcome that was a clean refusal by nnlib."""


def outcome(call):
    """Run ``call``; return its result, or NnlibError for a clean ValueError/TypeError raised by nnlib."""
    try:
        return call()
    except (ValueError, TypeError) as err:
        frames = traceback.extract_tb(err.__traceback__)
        assert frames and frames[-1].filename.startswith(NNLIB_DIR), (
            f"{type(err).__name__} raised outside nnlib: {err!r} at {frames[-1] if frames else None}")
        message = str(err)
        assert len(message) > 30 and message[0] != "<", f"not an explanation: {message!r}"
        return NnlibError(message)


def finite(array) -> bool:
    return bool(np.all(np.isfinite(np.asarray(array, dtype=float))))


# ---------------------------------------------------------------- strategies
DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.bool_])


@st.composite
def poisoned_arrays(draw, min_dims=0, max_dims=3, min_side=0, max_side=5, magnitude=1e3, dtypes=DTYPES,
                    shape=None):
    """An array of random dtype and shape; float arrays sometimes get a NaN or +-inf somewhere."""
    dtype = draw(dtypes)
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    if np.dtype(dtype).kind == "f":
        width = 32 if dtype == np.float32 else 64
        bound = float(np.float32(min(magnitude, 1e38))) if width == 32 else magnitude
        elements = st.floats(-bound, bound, width=width)
    elif np.dtype(dtype).kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(-100, 100)
    array = draw(hnp.arrays(dtype, shape, elements=elements))
    if array.size and np.dtype(dtype).kind == "f" and draw(st.booleans()):
        flat = array.reshape(-1)
        flat[draw(st.integers(0, array.size - 1))] = draw(st.sampled_from(SPECIALS))
    return array


def as_input(array, draw_form):
    """The same values as an array, a nested list or (0-d) a Python scalar."""
    if draw_form == "list":
        return array.tolist()
    return array


# ---------------------------------------------------------------- activations
def reference(name, z):
    with np.errstate(all="ignore"):
        return {
            "identity": z,
            "sigmoid": 1.0 / (1.0 + np.exp(-z)),
            "tanh": np.tanh(z),
            "relu": np.maximum(z, 0.0),
            "leaky_relu": np.where(z > 0, z, 0.01 * z),
            "elu": np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
            "softplus": np.logaddexp(0.0, z),
            "gelu": 0.5 * z * (1.0 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
        }[name]


@FUZZ
@given(name=st.sampled_from(sorted(ACTIVATIONS)), z=poisoned_arrays(magnitude=1e300),
       form=st.sampled_from(["array", "list"]))
def test_activation_forward_is_correct_or_refused(name, z, form):
    act = ACTIVATIONS[name]()
    z_in = as_input(z, form)
    z = np.asarray(z_in)  # a (0, 0) array becomes the list [], of shape (0,)
    result = outcome(lambda: act.forward(z_in))
    if not finite(z):
        assert isinstance(result, NnlibError)
        return
    assert not isinstance(result, NnlibError), result
    expected = reference(name, z.astype(np.float64))
    assert np.shape(result) == z.shape and finite(result)
    tolerance = 1e-5 if z.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(np.asarray(result, dtype=float), expected, rtol=tolerance, atol=tolerance)


@FUZZ
@given(name=st.sampled_from(sorted(ACTIVATIONS)), z=poisoned_arrays(magnitude=1e300, dtypes=st.just(np.float64)))
def test_activation_grad_is_finite_and_right(name, z):
    act = ACTIVATIONS[name]()
    result = outcome(lambda: act.grad(z))
    if not finite(z):
        assert isinstance(result, NnlibError)
        return
    assert np.shape(result) == z.shape and finite(result)
    # Away from kinks and from the tails, the derivative agrees with a central difference.
    smooth = (np.abs(z) > 1e-3) & (np.abs(z) < 20)
    if smooth.any():
        h = 1e-6
        zs = z[smooth]
        numeric = (act.forward(zs + h) - act.forward(zs - h)) / (2 * h)
        np.testing.assert_allclose(np.asarray(result)[smooth], numeric, rtol=1e-5, atol=1e-6)


@FUZZ
@given(z=poisoned_arrays(min_dims=0, max_dims=3, magnitude=1e100), axis=st.integers(-4, 3),
       log=st.booleans())
def test_softmax_is_a_distribution_or_refused(z, axis, log):
    fn = activations.log_softmax if log else activations.softmax
    result = outcome(lambda: fn(z, axis=axis))
    valid = z.ndim >= 1 and -z.ndim <= axis < z.ndim and z.shape[axis] > 0 and finite(z)
    if not valid:
        assert isinstance(result, NnlibError)
        return
    p = np.exp(result) if log else result
    assert result.shape == z.shape and finite(p)
    assert np.all(np.isfinite(result)) or log  # log of a probability below the float range is -inf
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-5)


# ---------------------------------------------------------------- losses
LOSSES = [SSE(), MSE(), BinaryCrossEntropy(), BinaryCrossEntropy(from_logits=True), SoftmaxCrossEntropy()]


@st.composite
def loss_inputs(draw):
    loss = draw(st.sampled_from(LOSSES))
    batch, width = draw(st.integers(0, 5)), draw(st.integers(1, 4))
    kind = type(loss).__name__
    if isinstance(loss, BinaryCrossEntropy) and not loss.from_logits:
        y_hat = draw(hnp.arrays(np.float64, (batch, width), elements=st.floats(0, 1)))
    else:
        y_hat = draw(hnp.arrays(np.float64, (batch, width), elements=st.floats(-50, 50)))
    if kind == "SoftmaxCrossEntropy" and draw(st.booleans()):
        y = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(-1, width)))
    elif kind in ("BinaryCrossEntropy", "SoftmaxCrossEntropy"):
        y = draw(hnp.arrays(np.float64, (batch, width), elements=st.sampled_from([0.0, 1.0, 0.5, -1.0, 2.0])))
    else:
        y = draw(hnp.arrays(np.float64, (batch, width), elements=st.floats(-50, 50)))
    if draw(st.booleans()) and y_hat.size:  # a wrong shape, a NaN or an inf somewhere
        mistake = draw(st.sampled_from(["transpose", "drop row", "poison y_hat", "poison y"]))
        if mistake == "transpose":
            y = y.T if y.ndim == 2 else y[:, None]
        elif mistake == "drop row":
            y = y[1:]
        elif mistake == "poison y_hat":
            y_hat = y_hat.copy()
            y_hat.reshape(-1)[draw(st.integers(0, y_hat.size - 1))] = draw(st.sampled_from(SPECIALS))
        elif y.dtype.kind == "f":
            y = y.copy()
            y.reshape(-1)[draw(st.integers(0, y.size - 1))] = draw(st.sampled_from(SPECIALS))
    return loss, y_hat, y


@FUZZ
@given(loss_inputs())
def test_loss_is_right_or_refused(args):
    loss, y_hat, y = args
    value = outcome(lambda: loss.forward(y_hat, y))
    if isinstance(value, NnlibError):
        return
    assert isinstance(value, float) and np.isfinite(value) and value >= -1e-12
    grad = loss.backward()
    assert grad.shape == y_hat.shape and finite(grad)
    at_the_edge = isinstance(loss, BinaryCrossEntropy) and not loss.from_logits and np.any(
        (y_hat < 1e-3) | (y_hat > 1 - 1e-3))  # clipped there, and h would step outside [0, 1]
    # A gradient near 0 is below what finite differences resolve when the loss itself is a
    # difference of large terms (softplus(z) - y z at z = 10), so the tolerance is looser than
    # the library's 1e-6; a wrong formula is off by order 1, not 1e-5.
    resolvable = np.linalg.norm(grad) > 1e-4
    if y_hat.size <= 12 and not at_the_edge and resolvable:
        assert gradcheck.check_loss(loss, y_hat, y).max_error < 1e-4  # backward is the gradient of forward


# ---------------------------------------------------------------- layers
@st.composite
def layer_and_input(draw):
    kind = draw(st.sampled_from(["dense", "conv", "pool", "flatten", "reshape", "activation"]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    if kind == "dense":
        layer = Dense(draw(st.integers(1, 4)), draw(st.integers(1, 4)), rng=0, dtype=dtype)
    elif kind == "conv":
        layer = Conv2D(draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3)),
                       stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)), rng=0, dtype=dtype)
    elif kind == "pool":
        layer = MaxPool2D(draw(st.integers(1, 2)))
    elif kind == "flatten":
        layer = Flatten()
    elif kind == "reshape":
        layer = Reshape(draw(st.sampled_from([(4,), (1, 2, 2), (2, 2)])))
    else:
        layer = Activation(draw(st.sampled_from(sorted(ACTIVATIONS))))
    x = draw(poisoned_arrays(min_dims=0, max_dims=4, max_side=4, magnitude=100))
    return layer, x


@FUZZ
@given(layer_and_input(), st.data())
def test_layer_forward_and_backward_are_right_or_refused(args, draw):
    layer, x = args
    out = outcome(lambda: layer.forward(x))
    if isinstance(out, NnlibError):
        return
    assert finite(x) and finite(out)
    if isinstance(layer, Dense):
        np.testing.assert_allclose(out, x.astype(layer.dtype) @ layer.params["W"] + layer.params["b"], rtol=1e-5)
    good = draw.draw(st.booleans())
    shape = out.shape if good else draw.draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4))
    dout = np.ones(shape)
    dx = outcome(lambda: layer.backward(dout))
    if shape != out.shape:
        assert isinstance(dx, NnlibError)
        return
    assert not isinstance(dx, NnlibError), dx
    assert dx.shape == np.shape(x) and finite(dx)


@st.composite
def layer_and_fitting_input(draw):
    """A float64 layer and a finite input of a shape it accepts, drawn directly rather than
    filtered out of ``layer_and_input`` (most of whose shapes a layer rightly refuses)."""
    kind = draw(st.sampled_from(["dense", "conv", "pool", "flatten", "reshape", "activation"]))
    batch = draw(st.integers(1, 3))
    if kind == "dense":
        fan_in = draw(st.integers(1, 4))
        layer = Dense(fan_in, draw(st.integers(1, 4)), rng=0)
        shape = (batch, fan_in)
    elif kind == "conv":
        channels, kernel, padding = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(0, 1))
        layer = Conv2D(channels, draw(st.integers(1, 2)), kernel, stride=draw(st.integers(1, 2)),
                       padding=padding, rng=0)
        side = st.integers(max(1, kernel - 2 * padding), 4)
        shape = (batch, channels, draw(side), draw(side))
    elif kind == "pool":
        size = draw(st.integers(1, 2))
        layer = MaxPool2D(size)
        shape = (batch, draw(st.integers(1, 2)), size * draw(st.integers(1, 2)), size * draw(st.integers(1, 2)))
    elif kind == "flatten":
        layer = Flatten()
        shape = (batch,) + draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    elif kind == "reshape":
        layer = Reshape(draw(st.sampled_from([(4,), (1, 2, 2), (2, 2)])))
        shape = (batch,) + draw(st.sampled_from([(4,), (2, 2), (1, 4), (1, 2, 2)]))
    else:
        layer = Activation(draw(st.sampled_from(sorted(ACTIVATIONS))))
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, max_side=3))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))  # where the gradients are not tiny
    return layer, x


@settings(max_examples=25, deadline=None)
@given(layer_and_fitting_input())
def test_layer_gradients_hold_for_random_layers(args):
    layer, x = args
    if isinstance(layer, (MaxPool2D, Activation)):
        x = x + np.linspace(0.01, 0.02, x.size).reshape(x.shape)  # away from ties and kinks
    assert gradcheck.check_layer(layer, x, rng=0).passed


# ---------------------------------------------------------------- Sequential: forward, predict, fit
@st.composite
def training_problems(draw):
    n, d = draw(st.integers(1, 12)), draw(st.integers(1, 3))
    X = draw(poisoned_arrays(shape=(n, d), magnitude=10, dtypes=st.sampled_from([np.float64, np.float32, np.int64])))
    loss = draw(st.sampled_from(["mse", "sse", "bce", "softmax_cross_entropy", "MSE"]))
    outputs = 2 if loss == "softmax_cross_entropy" else draw(st.integers(1, 2))
    if loss == "softmax_cross_entropy":
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 2)))
    else:
        y = draw(poisoned_arrays(shape=(n, outputs), magnitude=2, dtypes=st.just(np.float64)))
        if loss == "bce":
            y = np.abs(np.nan_to_num(y, nan=0.5)) % 1.0001
    model = Sequential([Dense(d, 4, rng=0), Activation(draw(st.sampled_from(["tanh", "relu", "sigmoid"]))),
                        Dense(4, outputs, rng=1)])
    if loss == "bce":
        model.layers.append(Activation("sigmoid"))
    options = dict(
        loss=loss,
        epochs=draw(st.sampled_from([1, 2, 3, 0, 2.5])),
        batch_size=draw(st.sampled_from([None, 1, 3, 50, -1])),
        optimizer=draw(st.sampled_from([SGD(lr=0.05), SGD(lr=0.1, momentum=0.9), Adam(lr=0.01), SGD(lr=1e6)])),
        shuffle=draw(st.booleans()),
        rng=draw(st.sampled_from([0, 1, None])),
        metric=draw(st.sampled_from([None, "accuracy"])),
        penalty=draw(st.sampled_from([None, L2(0.01), L1(0.001)])),
        progress=False,
    )
    if draw(st.booleans()):
        options["validation_data"] = (X[: max(1, n // 2)], y[: max(1, n // 2)] if draw(st.booleans()) else y[:1])
    return model, X, y, options


@FUZZ
@given(training_problems())
def test_fit_trains_or_refuses(problem):
    model, X, y, options = problem
    try:
        history = outcome(lambda: model.fit(X, y, **options))
    except TrainingDivergedError as err:  # a run that blows up is stopped with an explanation
        assert finite(err.history.step_loss) and "diverged" in str(err)
        return
    if isinstance(history, NnlibError):
        return
    assert finite(X) and finite(history.step_loss) and finite(history.loss)
    assert len(history.loss) == options["epochs"]
    predictions = model.predict(X)
    assert finite(predictions) and predictions.shape[0] == len(X)


@FUZZ
@given(x=poisoned_arrays(min_dims=0, max_dims=3, max_side=5, magnitude=1e3), form=st.sampled_from(["array", "list"]))
def test_predict_and_forward_are_right_or_refused(x, form):
    model = Sequential([Dense(3, 2, rng=0), Activation("relu"), Dense(2, 1, rng=1)])
    x_in = as_input(x, form)
    x = np.asarray(x_in)
    for call in (model.predict, model.forward):
        out = outcome(lambda: call(x_in))
        if isinstance(out, NnlibError):
            continue
        assert finite(x) and x.ndim == 2 and x.shape[1] == 3
        assert out.shape == (x.shape[0], 1) and finite(out)


@FUZZ
@given(y_hat=poisoned_arrays(min_dims=0, max_dims=3, max_side=4, magnitude=2),
       y=poisoned_arrays(min_dims=0, max_dims=2, max_side=4, magnitude=3))
def test_accuracy_is_a_fraction_or_refused(y_hat, y):
    result = outcome(lambda: accuracy(y_hat, y))
    if isinstance(result, NnlibError):
        return
    assert finite(y_hat) and finite(y) and 0.0 <= result <= 1.0


# ---------------------------------------------------------------- hyperparameters
ANYTHING = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.booleans(),
                     st.text(max_size=3), st.none(), st.just([0.1]), st.just(np.float32(0.5)), st.just(np.int64(2)))


@FUZZ
@given(a=ANYTHING, b=ANYTHING, c=ANYTHING, which=st.sampled_from(["sgd", "adam", "l1", "l2", "leaky", "elu",
                                                                   "dense", "conv", "pool", "normal", "moons"]))
def test_every_hyperparameter_is_checked(a, b, c, which):
    build = {
        "sgd": lambda: SGD(lr=a, momentum=b, weight_decay=c),
        "adam": lambda: Adam(lr=a, beta1=b, eps=c),
        "l1": lambda: L1(a), "l2": lambda: L2(a),
        "leaky": lambda: activations.LeakyReLU(a), "elu": lambda: activations.ELU(a),
        "dense": lambda: Dense(a, b, bias=c),
        "conv": lambda: Conv2D(1, 1, 2, stride=a, padding=b, bias=c),
        "pool": lambda: MaxPool2D(a),
        "normal": lambda: init.normal(3, 2, std=a, rng=0),
        "moons": lambda: data.moons(8, noise=a, rng=0),
    }[which]
    result = outcome(build)
    if isinstance(result, NnlibError):
        return
    # Accepted: every number it stored is finite, so nothing can poison a later step.
    stored = [v for v in vars(result).values() if isinstance(v, float)] if hasattr(result, "__dict__") else []
    assert all(np.isfinite(v) for v in stored)
    if isinstance(result, np.ndarray) or isinstance(result, tuple):
        assert all(finite(part) for part in (result if isinstance(result, tuple) else (result,)))


# ---------------------------------------------------------------- data, penalties, gradient checks
@FUZZ
@given(X=poisoned_arrays(min_dims=0, max_dims=3, max_side=5, magnitude=1e6), scale=st.sampled_from(["std", "minmax"]))
def test_scaling_is_right_or_refused(X, scale):
    fn = data.standardize if scale == "std" else data.minmax_scale
    result = outcome(lambda: fn(X))
    if isinstance(result, NnlibError):
        return
    scaled, _, _ = result
    assert finite(X) and X.ndim == 2 and finite(scaled)
    varying = np.ptp(X.astype(float), axis=0) > 0
    if scale == "std" and varying.any():
        np.testing.assert_allclose(scaled[:, varying].mean(axis=0), 0, atol=1e-6)
    if scale == "minmax" and varying.any():
        assert np.allclose(scaled[:, varying].min(axis=0), 0) and np.allclose(scaled[:, varying].max(axis=0), 1)


@FUZZ
@given(y=poisoned_arrays(min_dims=0, max_dims=2, max_side=6, magnitude=5), n_classes=st.one_of(st.none(),
                                                                                                st.integers(-1, 6)))
def test_one_hot_is_right_or_refused(y, n_classes):
    result = outcome(lambda: data.one_hot(y, n_classes))
    if isinstance(result, NnlibError):
        return
    assert y.ndim == 1 and np.allclose(result.sum(axis=1), 1) and np.array_equal(result.argmax(axis=1), y)


@FUZZ
@given(n=st.integers(0, 8), fraction=st.one_of(st.floats(-1, 2), st.just(float("nan"))), stratify=st.booleans(),
       labels=st.integers(1, 3))
def test_train_test_split_is_right_or_refused(n, fraction, stratify, labels):
    X = np.arange(2 * n).reshape(n, 2)
    y = np.arange(n) % labels
    result = outcome(lambda: data.train_test_split(X, y, fraction, rng=0, stratify=stratify))
    if isinstance(result, NnlibError):
        return
    X_train, X_test, y_train, y_test = result
    assert len(X_train) + len(X_test) == n and len(X_train) and len(X_test)
    assert sorted(np.concatenate([X_train[:, 0], X_test[:, 0]]).tolist()) == X[:, 0].tolist()


@FUZZ
@given(W=poisoned_arrays(min_dims=0, max_dims=4, max_side=4, magnitude=1e3), strength=st.floats(0, 10),
       kind=st.sampled_from([L1, L2]))
def test_penalty_is_right_or_refused(W, strength, kind):
    penalty = kind(strength)
    value = outcome(lambda: penalty(W))
    if isinstance(value, NnlibError):
        assert not finite(W) or W.dtype.kind not in "biuf"
        return
    Wf = np.asarray(W, dtype=float)
    expected = strength * np.abs(Wf).sum() if kind is L1 else 0.5 * strength * (Wf * Wf).sum()
    assert np.isclose(value, expected, rtol=1e-5) and finite(penalty.grad(W))


@FUZZ
@given(a=poisoned_arrays(max_dims=2, magnitude=1e3), b=poisoned_arrays(max_dims=2, magnitude=1e3))
def test_rel_error_is_right_or_refused(a, b):
    result = outcome(lambda: gradcheck.rel_error(a, b))
    if isinstance(result, NnlibError):
        return
    assert a.shape == b.shape and finite(a) and finite(b) and 0.0 <= result <= 1.0 + 1e-12


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), with_conv=st.booleans(), penalty=st.sampled_from([None, L1(0.01), L2(0.1)]),
       loss=st.sampled_from([MSE(), SoftmaxCrossEntropy()]))
def test_whole_model_gradients_and_statistics_for_random_networks(seed, with_conv, penalty, loss):
    rng = np.random.default_rng(seed)
    if with_conv:
        model = Sequential([Reshape((1, 4, 4)), Conv2D(1, 2, 3, padding=1, rng=rng), Activation("tanh"),
                            MaxPool2D(2), Flatten(), Dense(8, 3, rng=rng)])
        X = rng.standard_normal((3, 16))
    else:
        model = Sequential([Dense(3, 4, rng=rng), Activation("tanh"), Dense(4, 3, rng=rng)])
        X = rng.standard_normal((3, 3))
    y = rng.integers(0, 3, 3) if isinstance(loss, SoftmaxCrossEntropy) else rng.standard_normal((3, 3))
    assert gradcheck.check_model(model, loss, X, y, penalty=penalty).passed
    stats = layer_statistics(model, X, y, loss, lr=0.1)
    assert [s.kind for s in stats] == (["Conv2D", "Dense"] if with_conv else ["Dense", "Dense"])
    assert all(np.isfinite(s.grad_norm) and np.isfinite(s.act_std) for s in stats)
