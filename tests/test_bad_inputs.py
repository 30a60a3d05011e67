"""A battery of the mistakes a learner makes, each answered by a clear error.

Every case calls one public function or class the wrong way and asserts three things:
the exception type; that the message names what was expected *and* what arrived
(two or more patterns, searched as regular expressions); and that the error was raised
by nnlib's own checks (the innermost frame of the traceback lies in ``nnlib/``), not by
numpy deep inside a computation. pytest runs with warnings as errors, so a case that
warns fails too.

The cases are grouped by the kind of mistake: wrong shapes, wrong types, empty arrays,
NaN and inf, targets and labels out of range, wrong hyperparameters, wrong call order and
the wrong object passed. At the end, unusual but valid inputs (lists, integer arrays,
numpy scalars, upper-case names) must give the same answer as float arrays.
"""
from __future__ import annotations

import os
import re
import traceback

import numpy as np
import pytest

import nnlib
from nnlib import activations, data, gradcheck, init
from nnlib.conv import Conv2D, MaxPool2D, Reshape
from nnlib.diagnostics import StatsRecorder, layer_statistics
from nnlib.layers import Activation, Dense, Flatten
from nnlib.losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy, get_loss
from nnlib.model import Parameter, Sequential, accuracy
from nnlib.callbacks import EarlyStopping
from nnlib.dropout import Dropout
from nnlib.normalization import BatchNorm, LayerNorm
from nnlib.optim import SGD, Adam, AdamW, RMSProp, clip_grad_norm
from nnlib.regularization import L1, L2
from nnlib.schedules import CosineDecay, ExponentialDecay, LinearWarmup, StepDecay

NNLIB_DIR = os.path.dirname(nnlib.__file__)
NAN, INF = float("nan"), float("inf")


def raised_by_nnlib(error: BaseException) -> bool:
    """True when the innermost frame of the traceback is nnlib's code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(NNLIB_DIR)


def X4():
    return np.arange(12, dtype=float).reshape(4, 3) / 10


def y4():
    return np.array([[0.0], [1.0], [1.0], [0.0]])


def net(out=1, seed=0):
    return Sequential([Dense(3, 5, rng=seed), Activation("tanh"), Dense(5, out, rng=seed + 1)])


def with_nan(array, index, value=NAN):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


def after_forward(layer, x):
    layer.forward(x)
    return layer


def model_after_forward():
    model = net()
    model.forward(X4())
    return model


def conv_net():
    return Sequential([Reshape((1, 4, 4)), Conv2D(1, 2, 3, padding=1, rng=0), Activation("relu"), MaxPool2D(2),
                       Flatten(), Dense(8, 3, rng=1)])


# Each case: (id, call, exception type, patterns that must all appear in the message).
CASES = []


def case(family, name, call, error, *patterns):
    CASES.append(pytest.param(call, error, patterns, id=f"{family}: {name}"))


# ---------------------------------------------------------------- wrong shapes
S = "shape"
case(S, "Dense gets too few features", lambda: Dense(3, 4, rng=0).forward(np.zeros((2, 2))), ValueError,
     r"shape \(batch, 3\)", r"got \(2, 2\)", "number of columns")
case(S, "Dense gets a 1-D sample", lambda: Dense(3, 4, rng=0).forward(np.zeros(3)), ValueError,
     r"2-D", r"shape \(3,\)", r"reshape\(1, -1\)")
case(S, "Dense gets a single number", lambda: Dense(1, 1, rng=0).forward(2.0), ValueError, r"2-D", "single number")
case(S, "Dense gets images", lambda: Dense(64, 4, rng=0).forward(np.zeros((2, 1, 8, 8))), ValueError,
     r"2-D", r"\(2, 1, 8, 8\)", "Flatten")
case(S, "Dense.backward dout wrong width", lambda: after_forward(Dense(3, 2, rng=0), X4()).backward(np.zeros((4, 3))),
     ValueError, r"expected dout of shape \(4, 2\)", r"got \(4, 3\)")
case(S, "Dense.backward dout of another batch",
     lambda: after_forward(Dense(3, 2, rng=0), X4()).backward(np.zeros((1, 2))), ValueError, r"\(4, 2\)", r"\(1, 2\)")
case(S, "Activation.backward dout wrong shape",
     lambda: after_forward(Activation("relu"), np.zeros((2, 2))).backward(np.zeros((2, 1))), ValueError,
     r"\(2, 2\)", r"\(2, 1\)")
case(S, "MaxPool2D.backward batch-1 dout for a batch of 2",
     lambda: after_forward(MaxPool2D(2), np.zeros((2, 1, 4, 4))).backward(np.zeros((1, 1, 2, 2))), ValueError,
     r"\(2, 1, 2, 2\)", r"\(1, 1, 2, 2\)")
case(S, "Flatten.backward transposed dout",
     lambda: after_forward(Flatten(), np.zeros((2, 3, 2))).backward(np.zeros((6, 2))), ValueError,
     r"\(2, 6\)", r"\(6, 2\)")
case(S, "Reshape.backward transposed dout",
     lambda: after_forward(Reshape((1, 2, 2)), np.zeros((3, 4))).backward(np.zeros((4, 3))), ValueError,
     r"\(3, 1, 2, 2\)", r"\(4, 3\)")
case(S, "Conv2D.backward wrong dout",
     lambda: after_forward(Conv2D(1, 2, 3, rng=0), np.zeros((1, 1, 5, 5))).backward(np.zeros((1, 2, 5, 5))),
     ValueError, r"\(1, 2, 3, 3\)", r"\(1, 2, 5, 5\)")
case(S, "Conv2D gets flat rows", lambda: Conv2D(1, 2, 3, rng=0).forward(np.zeros((5, 64))), ValueError,
     "4-D", r"\(5, 64\)", r"reshape\(-1, 1, 8, 8\)")
case(S, "Conv2D gets images without channel axis", lambda: Conv2D(1, 2, 3, rng=0).forward(np.zeros((5, 8, 8))),
     ValueError, "4-D", r"\(5, 8, 8\)", r"x\[:, None\]")
case(S, "Conv2D wrong channels", lambda: Conv2D(1, 2, 3, rng=0).forward(np.zeros((5, 3, 8, 8))), ValueError,
     r"1 channel", r"\(5, 3, 8, 8\)")
case(S, "Conv2D image smaller than kernel", lambda: Conv2D(1, 2, 3, rng=0).forward(np.zeros((1, 1, 2, 2))),
     ValueError, "2x2", "3x3 kernel", "padding")
case(S, "MaxPool2D size does not divide", lambda: MaxPool2D(2).forward(np.zeros((1, 1, 5, 4))), ValueError,
     "divisible by 2", "5x4")
case(S, "Reshape wrong size", lambda: Reshape((1, 3, 3)).forward(np.zeros((2, 10))), ValueError,
     "10 values", "9 are needed")
case(S, "Flatten of a 1-D array", lambda: Flatten().forward(np.zeros(4)), ValueError, r"\(batch, d1", r"\(4,\)")
case(S, "MSE y 1-D for one output", lambda: MSE()(np.zeros((4, 1)), np.zeros(4)), ValueError,
     r"y_hat \(4, 1\)", r"y \(4,\)", r"reshape\(-1, 1\)")
case(S, "SSE different widths", lambda: SSE()(np.zeros((3, 2)), np.zeros((3, 1))), ValueError,
     r"y_hat \(3, 2\)", r"y \(3, 1\)")
case(S, "MSE different lengths", lambda: MSE()(np.zeros((3, 1)), np.zeros((5, 1))), ValueError,
     r"\(3, 1\)", r"\(5, 1\)", "rows")
case(S, "BCE y_hat 1-D, y a column", lambda: BinaryCrossEntropy()(np.full(3, 0.5), np.zeros((3, 1))), ValueError,
     r"\(3,\)", r"\(3, 1\)", r"y_hat.reshape\(-1, 1\)")
case(S, "SoftmaxCE labels as a column", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.zeros((2, 1), int)),
     ValueError, r"\(2,\)", r"one-hot of shape \(2, 3\)", r"got \(2, 1\)", r"ravel")
case(S, "SoftmaxCE 1-D logits", lambda: SoftmaxCrossEntropy()(np.zeros(3), np.array([0])), ValueError,
     r"\(batch, classes\)", r"\(3,\)")
case(S, "SoftmaxCE labels of another length", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 1, 2])),
     ValueError, r"\(2,\)", r"\(3,\)")
case(S, "fit X and y lengths differ", lambda: net().fit(X4(), y4()[:3], progress=False), ValueError,
     r"X \(4, 3\)", r"y \(3, 1\)")
case(S, "fit X has the wrong width", lambda: net().fit(X4()[:, :2], y4(), progress=False), ValueError,
     r"model\.layers\[0\]", r"\(batch, 3\)", r"got \(4, 2\)")
case(S, "fit y has the wrong width", lambda: net().fit(X4(), np.zeros((4, 2)), progress=False), ValueError,
     r"y_hat \(4, 1\)", r"y \(4, 2\)", "out_features")
case(S, "fit y 1-D for one output", lambda: net().fit(X4(), np.zeros(4), progress=False), ValueError,
     r"\(4, 1\)", r"\(4,\)", r"reshape\(-1, 1\)")
case(S, "validation y of the wrong length",
     lambda: net().fit(X4(), y4(), progress=False, validation_data=(X4(), y4()[:2])), ValueError,
     "validation_data", r"\(4, 3\)", r"\(2, 1\)")
case(S, "validation X of the wrong width",
     lambda: net().fit(X4(), y4(), progress=False, validation_data=(X4()[:, :2], y4())), ValueError,
     "validation_data X_val", r"\(4, 2\)", r"\(3,\)")
case(S, "predict with the wrong width", lambda: net().predict(np.zeros((2, 4))), ValueError,
     r"\(batch, 3\)", r"\(2, 4\)")
case(S, "model.backward with a wrong dout", lambda: model_after_forward().backward(np.zeros((4, 2))), ValueError,
     r"\(4, 1\)", r"\(4, 2\)")
case(S, "accuracy 4 predictions, 1 label", lambda: accuracy(np.zeros((4, 2)), np.array([1])), ValueError,
     r"y_hat \(4, 2\)", r"y \(1,\)")
case(S, "accuracy 3-D scores", lambda: accuracy(np.zeros((2, 2, 2)), np.zeros(2)), ValueError,
     r"\(n, classes\)", r"\(2, 2, 2\)")
case(S, "accuracy one-hot of another width", lambda: accuracy(np.zeros((2, 3)), np.eye(2)), ValueError,
     r"\(n, 3\)", r"\(2, 2\)")
case(S, "standardize 1-D", lambda: data.standardize(np.ones(3)), ValueError, r"1-D", r"\(3,\)")
case(S, "standardize mean of the wrong length", lambda: data.standardize(np.ones((3, 2)), mean=np.zeros(3)),
     ValueError, r"\(2,\)", r"\(3,\)")
case(S, "minmax_scale 3-D", lambda: data.minmax_scale(np.ones((2, 2, 2))), ValueError, "2-D", r"\(2, 2, 2\)")
case(S, "train_test_split lengths differ", lambda: data.train_test_split(np.zeros((5, 2)), np.zeros(3)), ValueError,
     "same number of rows", "5 and 3")
case(S, "train_test_split stratify on one-hot",
     lambda: data.train_test_split(np.zeros((6, 2)), np.eye(3)[[0, 1, 2, 0, 1, 2]], stratify=True), ValueError,
     r"\(n,\)", r"\(6, 3\)", "argmax")
case(S, "one_hot of a column", lambda: data.one_hot(np.zeros((3, 1), int)), ValueError, "1-D", r"\(3, 1\)", "ravel")
case(S, "softmax axis out of range", lambda: activations.softmax(np.zeros((2, 3)), axis=2), ValueError,
     "axis 2", r"\(2, 3\)")
case(S, "softmax of a single number", lambda: activations.softmax(3.0), ValueError, "at least one axis", "single number")
case(S, "rel_error shapes differ", lambda: gradcheck.rel_error([1.0], [1.0, 2.0]), ValueError,
     r"\(1,\)", r"\(2,\)")
case(S, "optimiser used on another model", lambda: _reuse_optimizer(), ValueError, r"\(3, 5\)", r"\(2, 5\)",
     "fresh optimiser")
case(S, "grad of another shape", lambda: SGD(0.1).step([Parameter("w", np.zeros(2), np.zeros(3))]), ValueError,
     r"grad has shape \(3,\)", r"value has shape \(2,\)")


def _reuse_optimizer():
    opt = SGD(lr=0.1, momentum=0.9)
    model = net()
    model.fit(X4(), y4(), optimizer=opt, epochs=1, progress=False)
    other = Sequential([Dense(2, 5, rng=0), Activation("tanh"), Dense(5, 1, rng=1)])
    other.fit(X4()[:, :2], y4(), optimizer=opt, epochs=1, progress=False)


# ---------------------------------------------------------------- wrong types
T = "type"
case(T, "strings as X", lambda: net().fit(np.array([["a", "b", "c"]]), np.zeros((1, 1)), progress=False), TypeError,
     "real numbers", "dtype '<U1'")
case(T, "ragged list as X", lambda: Dense(2, 1, rng=0).forward([[1.0, 2.0], [3.0]]), TypeError,
     "regular array", "list")
case(T, "None as data", lambda: MSE()(None, np.zeros(2)), TypeError, "array of numbers", "None")
case(T, "complex numbers", lambda: activations.relu(np.array([1 + 2j])), TypeError, "real numbers", "complex")
case(T, "learning rate as a string", lambda: SGD(lr="0.1"), TypeError, "must be a number", "str '0.1'")
case(T, "weight_decay as a string", lambda: SGD(lr=0.1, weight_decay="0.1"), TypeError, "weight_decay must be a number",
     "str")
case(T, "Adam weight_decay as a list", lambda: Adam(weight_decay=[0.1]), TypeError, "weight_decay must be a number",
     "list")
case(T, "momentum True", lambda: SGD(lr=0.1, momentum=True), TypeError, "momentum must be a number", "bool")
case(T, "epochs 2.5", lambda: net().fit(X4(), y4(), epochs=2.5, progress=False), TypeError, "whole number",
     "float 2.5")
case(T, "batch_size as a string", lambda: net().fit(X4(), y4(), batch_size="32", progress=False), TypeError,
     "whole number", "str '32'")
case(T, "out_features 2.5", lambda: Dense(3, 2.5), TypeError, "whole number", "float 2.5")
case(T, "kernel_size as a tuple", lambda: Conv2D(1, 2, (3, 3)), TypeError, "whole number", "tuple")
case(T, "padding 1.5", lambda: Conv2D(1, 2, 3, padding=1.5), TypeError, "whole number", "1.5")
case(T, "bias as a string", lambda: Dense(3, 2, bias="0.1"), TypeError, "bias must be a number", "str")
case(T, "from_logits as a string", lambda: BinaryCrossEntropy(from_logits="False"), TypeError, "True or False",
     "str 'False'")
case(T, "shuffle as a string", lambda: net().fit(X4(), y4(), shuffle="no", progress=False), TypeError,
     "True or False", "'no'")
case(T, "rng as a float", lambda: net().fit(X4(), y4(), rng=1.5, progress=False), TypeError, "Generator",
     "float", "rng=0")
case(T, "rng as the legacy module", lambda: Dense(2, 2, rng=np.random), TypeError, "Generator", "default_rng")
case(T, "dtype int32", lambda: Dense(3, 2, dtype=np.int32), ValueError, "float32 or float64", "int32")
case(T, "init as a number", lambda: Dense(3, 2, init=0.1), TypeError, "name of an initialiser", "float 0.1")
case(T, "activation as a number", lambda: Activation(3), TypeError, "name such as 'relu'", "int")
case(T, "activation as a plain function", lambda: Activation(np.tanh), TypeError, "name such as 'relu'",
     "no derivative")
case(T, "strength as a string", lambda: L2("0.1"), TypeError, "strength must be a number", "str")
case(T, "loss as a number", lambda: get_loss(3), ValueError, "unknown loss 3", "mse")
case(T, "metric as a number", lambda: net().fit(X4(), y4(), metric=3, progress=False), TypeError,
     "name such as 'accuracy'", "int 3")
case(T, "labels as strings", lambda: SoftmaxCrossEntropy()(np.zeros((2, 2)), np.array(["a", "b"])), TypeError,
     "class labels", "dtype '<U1'")
case(T, "softmax axis as a float", lambda: activations.softmax(np.zeros((2, 2)), axis=1.0), TypeError,
     "whole number", "float")
case(T, "numerical_grad of float32", lambda: gradcheck.numerical_grad(lambda: 0.0, np.zeros(3, np.float32)),
     TypeError, "float64", "float32")
case(T, "numerical_grad f returns an array", lambda: gradcheck.numerical_grad(lambda: np.zeros(2), np.zeros(2)),
     TypeError, "one number", r"shape \(2,\)")
case(T, "numerical_grad f not callable", lambda: gradcheck.numerical_grad(3.0, np.zeros(2)), TypeError,
     "function f()", "float")
case(T, "numerical_grad on a transposed view",
     lambda: gradcheck.numerical_grad(lambda: 0.0, np.zeros((2, 3)).T), ValueError, "contiguous", "non-contiguous")
case(T, "parameter value a Python float", lambda: SGD(0.1).step([Parameter("w", 1.0, 0.5)]), TypeError,
     "float numpy array", "float")
case(T, "parameter value an integer array", lambda: SGD(0.1).step([Parameter("w", np.zeros(2, int), np.ones(2))]),
     TypeError, "float numpy array", "int64")
case(T, "noise as a string", lambda: data.moons(10, noise="0.1"), TypeError, "noise must be a number", "str")
case(T, "flatten as a string", lambda: data.load_digits(flatten="yes"), TypeError, "True or False", "str")
case(T, "ProgressBar total 0", lambda: nnlib.progress.ProgressBar(0), ValueError, "at least 1", "got 0")
case(T, "penalty as a number", lambda: net().fit(X4(), y4(), penalty=0.01, progress=False), TypeError,
     r"L2\(1e-3\)", "float 0.01")
case(T, "callbacks a number", lambda: net().fit(X4(), y4(), callbacks=3, progress=False), TypeError,
     "list of functions", "int")
case(T, "a callback that is not callable", lambda: net().fit(X4(), y4(), callbacks=[3], progress=False), TypeError,
     "callback 0", "int")

# ---------------------------------------------------------------- empty arrays
E = "empty"
case(E, "fit on no rows", lambda: net().fit(np.zeros((0, 3)), np.zeros((0, 1)), progress=False), ValueError,
     "X is empty", r"\(0, 3\)")
case(E, "predict on no rows", lambda: net().predict(np.zeros((0, 3))), ValueError, "empty", r"\(0, 3\)")
case(E, "MSE of empty arrays", lambda: MSE()(np.zeros((0, 1)), np.zeros((0, 1))), ValueError, "empty", r"\(0, 1\)")
case(E, "SoftmaxCE of no samples", lambda: SoftmaxCrossEntropy()(np.zeros((0, 3)), np.zeros(0, int)), ValueError,
     "empty", r"\(0, 3\)")
case(E, "standardize no rows", lambda: data.standardize(np.ones((0, 3))), ValueError, "empty", r"\(0, 3\)")
case(E, "minmax_scale no columns", lambda: data.minmax_scale(np.ones((3, 0))), ValueError, "empty", r"\(3, 0\)")
case(E, "one_hot of nothing", lambda: data.one_hot(np.zeros(0, int)), ValueError, "no labels", "n_classes")
case(E, "softmax over zero classes", lambda: activations.softmax(np.zeros((2, 0))), ValueError, "length 0",
     r"\(2, 0\)")
case(E, "validation X with no rows",
     lambda: net().fit(X4(), y4(), progress=False, validation_data=(np.zeros((0, 3)), np.zeros((0, 1)))), ValueError,
     "validation_data X_val is empty", r"\(0, 3\)")
case(E, "Sequential of nothing", lambda: Sequential([]), ValueError, "at least one layer", "empty list")
case(E, "Reshape to an empty shape", lambda: Reshape(()), ValueError, "at least one axis", r"\(\)")
case(E, "layer_statistics on no rows", lambda: layer_statistics(net(), np.zeros((0, 3)), np.zeros((0, 1)), MSE()),
     ValueError, "empty", r"\(0, 3\)")
case(E, "train_test_split of one sample", lambda: data.train_test_split(np.zeros((1, 2)), np.zeros(1)), ValueError,
     "at least 2 samples", "got 1")
case(E, "stratified split leaves the test set empty",
     lambda: data.train_test_split(np.zeros((4, 1)), np.array([0, 0, 1, 1]), 0.2, stratify=True), ValueError,
     "test set empty", "test_fraction=0.2")

# ---------------------------------------------------------------- NaN and inf
N = "nan/inf"
case(N, "NaN in X for fit", lambda: net().fit(with_nan(X4(), (2, 1)), y4(), progress=False), ValueError,
     "X must contain finite numbers", "NaN at row 2, column 1")
case(N, "inf in X for fit", lambda: net().fit(with_nan(X4(), (0, 2), INF), y4(), progress=False), ValueError,
     "finite numbers", "inf at row 0, column 2")
case(N, "-inf in X for fit", lambda: net().fit(with_nan(X4(), (3, 0), -INF), y4(), progress=False), ValueError,
     "finite numbers", "-inf at row 3, column 0")
case(N, "NaN in y for fit", lambda: net().fit(X4(), with_nan(y4(), (1, 0)), progress=False), ValueError,
     "y must contain finite numbers", "NaN at row 1, column 0")
case(N, "NaN label for SoftmaxCE fit",
     lambda: net(2).fit(X4(), np.array([0, 1, NAN, 1]), loss=SoftmaxCrossEntropy(), progress=False), ValueError,
     "class labels", "NaN at row 2")
case(N, "NaN in validation X",
     lambda: net().fit(X4(), y4(), progress=False, validation_data=(with_nan(X4(), (0, 0)), y4())), ValueError,
     "validation_data X_val must contain finite numbers", "NaN at row 0, column 0")
case(N, "NaN in validation y",
     lambda: net().fit(X4(), y4(), progress=False, validation_data=(X4(), with_nan(y4(), (3, 0)))), ValueError,
     "validation_data y_val", "NaN at row 3")
case(N, "NaN in predict", lambda: net().predict(with_nan(X4(), (1, 1))), ValueError, "finite numbers",
     "NaN at row 1, column 1")
case(N, "NaN in model.forward", lambda: net().forward(with_nan(X4(), (1, 1))), ValueError, "finite", "NaN")
case(N, "NaN in Dense.forward", lambda: Dense(3, 2, rng=0).forward(with_nan(X4(), (0, 0))), ValueError,
     r"Dense\(3 -> 2\) input", "NaN at row 0, column 0")
case(N, "inf in Conv2D.forward", lambda: Conv2D(1, 1, 3, rng=0).forward(with_nan(np.zeros((1, 1, 4, 4)), (0, 0, 1, 2), INF)),
     ValueError, "finite", r"index \(0, 0, 1, 2\)")
case(N, "NaN in dout", lambda: after_forward(Dense(3, 2, rng=0), X4()).backward(with_nan(np.zeros((4, 2)), (0, 1))),
     ValueError, "dout", "NaN at row 0, column 1")
case(N, "NaN in MSE y_hat", lambda: MSE()(np.array([1.0, NAN]), np.array([1.0, 2.0])), ValueError,
     "y_hat must contain finite numbers", "NaN at row 1")
case(N, "inf in MSE y", lambda: MSE()(np.array([1.0, 2.0]), np.array([INF, 2.0])), ValueError,
     "y must contain finite numbers", "inf at row 0")
case(N, "NaN in BCE probabilities", lambda: BinaryCrossEntropy()(np.array([NAN, 0.5]), np.array([0.0, 1.0])),
     ValueError, "finite", "NaN")
case(N, "inf logits in SoftmaxCE", lambda: SoftmaxCrossEntropy()(np.array([[INF, 0.0]]), np.array([0])), ValueError,
     "finite", "inf at row 0, column 0")
case(N, "NaN in one-hot targets", lambda: SoftmaxCrossEntropy()(np.zeros((2, 2)), with_nan(np.eye(2), (1, 1))),
     ValueError, "finite", "NaN at row 1, column 1")
case(N, "NaN into relu", lambda: activations.relu([1.0, NAN]), ValueError, "finite numbers", "NaN at row 1")
case(N, "inf into sigmoid grad", lambda: activations.Sigmoid().grad(np.array([INF])), ValueError, "finite", "inf")
case(N, "NaN into the Activation layer", lambda: Activation("tanh").forward(with_nan(np.zeros((2, 2)), (1, 0))),
     ValueError, "finite", "NaN at row 1, column 0")
case(N, "NaN into softmax", lambda: activations.softmax(with_nan(np.zeros((2, 3)), (0, 2))), ValueError,
     "finite", "NaN at row 0, column 2")
case(N, "NaN into standardize", lambda: data.standardize(with_nan(np.ones((3, 2)), (2, 1))), ValueError,
     "standardize: X", "NaN at row 2, column 1")
case(N, "inf into minmax_scale", lambda: data.minmax_scale(with_nan(np.ones((3, 2)), (0, 0), INF)), ValueError,
     "minmax_scale: X", "inf at row 0, column 0")
case(N, "NaN std passed to standardize", lambda: data.standardize(np.ones((3, 2)), std=np.array([1.0, NAN])),
     ValueError, "std", "NaN")
case(N, "NaN label for one_hot", lambda: data.one_hot(np.array([0.0, NAN])), ValueError, "class labels", "NaN")
case(N, "NaN in accuracy scores", lambda: accuracy(with_nan(np.zeros((2, 2)), (0, 0)), np.array([0, 1])),
     ValueError, "finite", "NaN at row 0, column 0")
case(N, "NaN gradient for the optimiser",
     lambda: SGD(0.1).step([Parameter("w", np.zeros(2), np.array([0.0, NAN]))]), ValueError,
     "gradient of parameter 'w'", "NaN at row 1", "smaller learning rate")
case(N, "NaN weights into a penalty", lambda: L2(0.1)(np.array([[1.0, NAN]])), ValueError, "finite", "NaN")
case(N, "NaN into a gradient check", lambda: gradcheck.check_layer(Dense(2, 1, rng=0), [[1.0, NAN]]), ValueError,
     "finite", "NaN")
case(N, "NaN into rel_error", lambda: gradcheck.rel_error([NAN], [1.0]), ValueError, "finite", "NaN")
case(N, "NaN strength", lambda: L1(NAN), ValueError, "finite number >= 0", "nan")
case(N, "inf learning rate", lambda: SGD(lr=INF), ValueError, "finite number greater than 0", "inf")
case(N, "NaN momentum", lambda: SGD(lr=0.1, momentum=NAN), ValueError, "momentum must be a finite number", "nan")
case(N, "NaN weight decay", lambda: SGD(lr=0.1, weight_decay=NAN), ValueError, "weight_decay", "nan")
case(N, "NaN bias", lambda: Dense(2, 2, bias=NAN), ValueError, "bias must be a finite number", "nan")
case(N, "NaN noise", lambda: data.spiral(noise=NAN), ValueError, "noise must be a finite number >= 0", "nan")
case(N, "NaN from an initialiser", lambda: Dense(2, 2, init=lambda i, o, rng, dtype: np.full((i, o), NAN)),
     ValueError, "finite", "NaN at row 0, column 0")
def steep(i, o, rng, dtype):
    return np.full((i, o), 10.0, dtype=dtype)


case(N, "huge inputs overflow the first forward pass",
     lambda: Sequential([Dense(3, 1, init=steep)]).fit(np.full((4, 3), 1e308), y4(), progress=False), ValueError,
     "before training", "not a finite number", "standardize")
case(N, "huge inputs overflow predict", lambda: Sequential([Dense(3, 1, init=steep)]).predict(np.full((2, 3), 1e308)),
     ValueError, "expected a finite result", "overflow")
case(N, "huge predictions overflow MSE", lambda: MSE()(np.array([1e200]), np.array([-1e200])), ValueError,
     "expected a finite result", "overflow", "scale the targets")

# ---------------------------------------------------------------- targets and labels out of range
R = "range"
case(R, "SoftmaxCE with one output and 0/1 targets",
     lambda: SoftmaxCrossEntropy()(np.zeros((4, 1)), np.array([[0.0], [1.0], [1.0], [0.0]])), ValueError,
     "at least 2 classes", r"\(4, 1\)", r"BinaryCrossEntropy\(from_logits=True\)")
case(R, "fit: SoftmaxCE on a one-output network", lambda: net(1).fit(X4(), y4(), loss=SoftmaxCrossEntropy(),
                                                                      progress=False),
     ValueError, "at least 2 classes", r"\(4, 1\)", "BinaryCrossEntropy")
case(R, "SoftmaxCE rows that do not sum to 1",
     lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])), ValueError,
     "sums to 1", "row 0 sums to 2", "BinaryCrossEntropy")
case(R, "SoftmaxCE rows of zeros", lambda: SoftmaxCrossEntropy()(np.zeros((2, 2)), np.zeros((2, 2))), ValueError,
     "sums to 1", "sums to 0")
case(R, "SoftmaxCE negative one-hot", lambda: SoftmaxCrossEntropy()(np.zeros((1, 2)), np.array([[-1.0, 2.0]])),
     ValueError, r"\[0, 1\]", "from -1 to 2")
case(R, "SoftmaxCE label too large", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3])), ValueError,
     r"0..2 for 3 classes", "from 0 to 3")
case(R, "SoftmaxCE negative label", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([-1, 1])), ValueError,
     r"0..2", "from -1", r"y\[0\] = -1")
case(R, "SoftmaxCE fractional label", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0.5, 1.0])),
     ValueError, "whole-number class labels", r"y\[0\] = 0.5")
case(R, "SoftmaxCE inf label", lambda: SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([INF, 1.0])), ValueError,
     "class labels", "inf at row 0")
case(R, "fit: labels 1..K instead of 0..K-1",
     lambda: net(3).fit(X4(), np.array([1, 2, 3, 1]), loss=SoftmaxCrossEntropy(), progress=False), ValueError,
     r"0..2 for 3 classes", "from 1 to 3", "Renumber")
case(R, "BCE with -1/+1 targets", lambda: BinaryCrossEntropy()(np.array([0.5, 0.2]), np.array([-1.0, 1.0])),
     ValueError, r"0/1 labels or probabilities in \[0, 1\]", "-1", r"\(y \+ 1\) / 2")
case(R, "BCE with class numbers 0/1/2",
     lambda: BinaryCrossEntropy(from_logits=True)(np.zeros(3), np.array([0.0, 1.0, 2.0])), ValueError,
     r"\[0, 1\]", "2", "SoftmaxCrossEntropy")
case(R, "fit: BCE with -1/+1 targets",
     lambda: net().fit(X4(), 2 * y4() - 1, loss=BinaryCrossEntropy(from_logits=True), progress=False), ValueError,
     r"\[0, 1\]", "-1", r"\(y \+ 1\) / 2")
case(R, "BCE probabilities above 1", lambda: BinaryCrossEntropy()(np.array([1.5, -0.5]), np.array([1.0, 0.0])),
     ValueError, r"probabilities in \[0, 1\]", "from -0.5 to 1.5", "from_logits=True")
case(R, "fit: BCE on a network without a sigmoid",
     lambda: Sequential([Dense(3, 1, init="constant", bias=2.0)]).fit(X4(), y4(), loss=BinaryCrossEntropy(),
                                                                     progress=False),
     ValueError, r"probabilities in \[0, 1\]", "from_logits=True")
case(R, "accuracy one column with -1/+1 targets", lambda: accuracy(np.array([[0.7], [0.2]]), np.array([1, -1])),
     ValueError, r"0..1", "-1")
case(R, "accuracy label beyond the columns", lambda: accuracy(np.zeros((2, 3)), np.array([0, 5])), ValueError,
     r"0..2", "5")
case(R, "fit: accuracy on regression targets",
     lambda: net().fit(X4(), y4() * 3.5, metric="accuracy", progress=False), ValueError, "class", "3.5")
case(R, "one_hot labels beyond n_classes", lambda: data.one_hot(np.array([0, 2]), n_classes=2), ValueError,
     r"0..1 for 2 classes", "from 0 to 2")
case(R, "one_hot negative labels", lambda: data.one_hot(np.array([-1, 2])), ValueError, ">= 0", "-1")
case(R, "one_hot fractional labels", lambda: data.one_hot(np.array([0.5])), ValueError, "whole-number", "0.5")
case(R, "negative std passed to standardize", lambda: data.standardize(np.ones((3, 2)), std=np.array([1.0, -1.0])),
     ValueError, "std must be >= 0", "-1")
case(R, "accuracy from a one-output regression y", lambda: accuracy(np.array([0.2, 0.9]), np.array([0.3, 0.8])),
     ValueError, "whole-number", "0.3")

# ---------------------------------------------------------------- hyperparameters
H = "hyperparameter"
case(H, "learning rate 0", lambda: SGD(lr=0), ValueError, "greater than 0", "got 0")
case(H, "negative learning rate", lambda: Adam(lr=-1e-3), ValueError, "greater than 0", "-0.001")
case(H, "momentum 1", lambda: SGD(lr=0.1, momentum=1.0), ValueError, r"\[0, 1\)", "1.0")
case(H, "negative momentum", lambda: SGD(lr=0.1, momentum=-0.5), ValueError, r"\[0, 1\)", "-0.5")
case(H, "negative weight decay", lambda: SGD(lr=0.1, weight_decay=-0.1), ValueError, ">= 0", "-0.1")
case(H, "beta1 of 1", lambda: Adam(beta1=1.0), ValueError, r"beta1 must lie in \[0, 1\)", "1.0")
case(H, "beta2 above 1", lambda: Adam(beta2=1.5), ValueError, r"beta2 must lie in \[0, 1\)", "1.5")
case(H, "eps of 0", lambda: Adam(eps=0.0), ValueError, "eps", "greater than 0", "1e-8")
case(H, "negative penalty strength", lambda: L2(-1), ValueError, ">= 0", "-1")
case(H, "LeakyReLU alpha above 1", lambda: activations.LeakyReLU(2.0), ValueError, r"\[0, 1\]", "2.0")
case(H, "negative LeakyReLU alpha", lambda: activations.leaky_relu([1.0], alpha=-0.1), ValueError, ">= 0", "-0.1")
case(H, "ELU alpha 0", lambda: activations.ELU(0.0), ValueError, "greater than 0", "0.0")
case(H, "zero epochs", lambda: net().fit(X4(), y4(), epochs=0, progress=False), ValueError, "at least 1", "got 0")
case(H, "negative batch size", lambda: net().fit(X4(), y4(), batch_size=-2, progress=False), ValueError,
     "at least 1", "got -2")
case(H, "in_features 0", lambda: Dense(0, 3), ValueError, "in_features must be at least 1", "got 0")
case(H, "negative padding", lambda: Conv2D(1, 1, 3, padding=-1), ValueError, "padding must be a whole number >= 0",
     "-1")
case(H, "stride 0", lambda: Conv2D(1, 1, 3, stride=0), ValueError, "stride must be at least 1", "got 0")
case(H, "pool size 0", lambda: MaxPool2D(0), ValueError, "size must be at least 1", "got 0")
case(H, "Reshape with -1", lambda: Reshape((-1, 8)), ValueError, "at least 1", "-1")
case(H, "normal initialiser negative std", lambda: init.normal(3, 2, std=-0.1), ValueError, "std", "-0.1")
case(H, "constant initialiser NaN", lambda: init.constant(3, 2, value=NAN), ValueError, "finite", "nan")
case(H, "fan_in 0", lambda: init.xavier_uniform(0, 3), ValueError, "fan_in must be at least 1", "got 0")
case(H, "unknown initialiser", lambda: Dense(3, 2, init="glorot"), ValueError, "unknown initialiser 'glorot'",
     "xavier_uniform")
case(H, "activation given as the initialiser", lambda: Dense(3, 4, "relu"), ValueError,
     "unknown initialiser 'relu'", r"Activation\('relu'\)")
case(H, "unknown activation", lambda: Activation("sigmod"), ValueError, "unknown activation 'sigmod'", "sigmoid")
case(H, "unknown loss", lambda: get_loss("hinge"), ValueError, "unknown loss 'hinge'", "mse")
case(H, "unknown metric", lambda: net().fit(X4(), y4(), metric="f1", progress=False), ValueError,
     "unknown metric 'f1'", "accuracy")
case(H, "test_fraction 1.5", lambda: data.train_test_split(np.zeros((5, 1)), np.zeros(5), 1.5), ValueError,
     r"\(0, 1\)", "1.5")
case(H, "circles factor 1", lambda: data.circles(factor=1.0), ValueError, r"\(0, 1\)", "1.0")
case(H, "negative noise", lambda: data.moons(10, noise=-0.1), ValueError, ">= 0", "-0.1")
case(H, "negative seed", lambda: Dense(2, 2, rng=-1), ValueError, "seed must be >= 0", "-1")
case(H, "predict batch_size 0", lambda: net().predict(X4(), batch_size=0), ValueError, "at least 1", "got 0")
case(H, "numerical_grad step 0", lambda: gradcheck.numerical_grad(lambda: 0.0, np.zeros(2), h=0.0), ValueError,
     "step h", "greater than 0")
case(H, "StatsRecorder every 0", lambda: StatsRecorder(X4(), y4(), MSE(), every=0), ValueError, "every", "at least 1")
case(H, "layer_statistics negative lr", lambda: layer_statistics(net(), X4(), y4(), MSE(), lr=-0.1), ValueError,
     "lr", "greater than 0")
case(H, "unknown statistic", lambda: StatsRecorder(X4(), y4(), MSE()).series("grad"), ValueError,
     "unknown statistic 'grad'", "grad_norm")
case(H, "astype int", lambda: net().astype(np.int64), ValueError, "float32 or float64", "int64")

# ---------------------------------------------------------------- wrong call order
O = "call order"
case(O, "Dense.backward before forward", lambda: Dense(3, 2, rng=0).backward(np.zeros((1, 2))), RuntimeError,
     "before forward", "forward pass first")
case(O, "Conv2D.backward before forward", lambda: Conv2D(1, 1, 3).backward(np.zeros((1, 1, 1, 1))), RuntimeError,
     "before forward", "cache")
case(O, "MaxPool2D.backward before forward", lambda: MaxPool2D(2).backward(np.zeros((1, 1, 1, 1))), RuntimeError,
     "before forward", "forward pass first")
case(O, "Flatten.backward before forward", lambda: Flatten().backward(np.zeros((1, 1))), RuntimeError,
     "before forward", "forward pass first")
case(O, "Activation.backward before forward", lambda: Activation("relu").backward(np.zeros((1, 1))), RuntimeError,
     "before forward", "forward pass first")
case(O, "Sequential.backward before forward", lambda: net().backward(np.zeros((4, 1))), RuntimeError,
     "before forward", "forward pass first")
case(O, "loss.backward before forward", lambda: MSE().backward(), RuntimeError, "needs a forward", "MSE")
case(O, "SoftmaxCE.backward before forward", lambda: SoftmaxCrossEntropy().backward(), RuntimeError,
     "needs a forward", "SoftmaxCrossEntropy")

# ---------------------------------------------------------------- the wrong object passed
W = "wrong object"
case(W, "a layer class instead of a layer", lambda: Sequential([Dense, Activation("relu")]), TypeError,
     "layer 0", "class itself")
case(W, "an activation name as a layer", lambda: Sequential([Dense(3, 4), "relu"]), TypeError, "layer 1 is a str",
     r"Activation\('relu'\)")
case(W, "a number as the layers", lambda: Sequential(3), TypeError, "list of layers", "int 3")
case(W, "a keyword Sequential does not take", lambda: Sequential(layer=[Dense(3, 4)]), TypeError, "layers only",
     "layer")
case(W, "an optimiser class", lambda: net().fit(X4(), y4(), optimizer=SGD, progress=False), TypeError,
     "the class SGD", r"SGD\(lr=0.1\)")
case(W, "an optimiser name", lambda: net().fit(X4(), y4(), optimizer="sgd", progress=False), TypeError,
     "optimiser such as SGD", "str 'sgd'")
case(W, "a penalty class", lambda: net().fit(X4(), y4(), penalty=L2, progress=False), TypeError, "the class L2",
     r"L2\(1e-3\)")
case(W, "step on a number", lambda: SGD(0.1).step(3), TypeError, "model.parameters()", "int 3")
case(W, "step on strings", lambda: SGD(0.1).step(["0.W"]), TypeError, "item 0 is a str", "Parameter")
case(W, "validation_data a single array",
     lambda: net().fit(X4(), y4(), validation_data=X4(), progress=False), TypeError, r"pair \(X_val, y_val\)",
     "ndarray")
case(W, "validation_data a triple",
     lambda: net().fit(X4(), y4(), validation_data=(X4(), y4(), y4()), progress=False), TypeError,
     r"pair \(X_val, y_val\)", "length 3")
case(W, "a penalty on a single array", lambda: L2(0.1).total(np.zeros((2, 2))), TypeError, "Sequential model",
     "penalty\\(W\\)")
case(W, "layer_statistics of a layer", lambda: layer_statistics(Dense(3, 1), X4(), y4(), MSE()), TypeError,
     "Sequential model", "Dense")
case(W, "check_layer of a model", lambda: gradcheck.check_layer(net(), X4()), TypeError, "nnlib layer",
     "Sequential")
case(W, "an initialiser with the wrong signature", lambda: Dense(3, 2, init=lambda n: np.zeros((3, 2))), TypeError,
     r"f\(fan_in, fan_out, rng=rng, dtype=dtype\)", "unexpected keyword")
case(W, "an initialiser of the wrong shape", lambda: Dense(3, 2, init=lambda i, o, rng, dtype: np.zeros((o, i))),
     ValueError, r"shape \(2, 3\)", r"expected \(3, 2\)")
case(W, "Reshape of a string", lambda: Reshape("1, 8, 8"), TypeError, "whole number", "str")


# ---------------------------------------------------------------- Part III: normalisation, dropout, schedules
P = "part III"


def bn_net():
    return Sequential([Dense(3, 4, rng=0), BatchNorm(4), Activation("relu"), Dense(4, 1, rng=1)])


def _load_state_of_another_model():
    bn_net().load_state_dict(net().state_dict())


case(P, "BatchNorm num_features 0", lambda: BatchNorm(0), ValueError, "num_features must be at least 1", "got 0")
case(P, "BatchNorm momentum 1", lambda: BatchNorm(4, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\)",
     "1.0")
case(P, "BatchNorm eps 0", lambda: BatchNorm(4, eps=0.0), ValueError, "eps", "greater than 0", "1e-5")
case(P, "BatchNorm of the wrong width", lambda: BatchNorm(4).forward(np.zeros((5, 3))), ValueError,
     "expected 4 features", r"\(5, 3\)", "out_features")
case(P, "BatchNorm of a 1-D sample", lambda: BatchNorm(3).forward(np.zeros(3)), ValueError, r"\(batch, 3\)",
     r"shape \(3,\)", r"reshape\(1, -1\)")
case(P, "BatchNorm of 3-D images", lambda: BatchNorm(1).forward(np.zeros((2, 8, 8))), ValueError,
     r"\(batch, 1, height, width\)", r"\(2, 8, 8\)")
case(P, "BatchNorm training on one sample", lambda: BatchNorm(3).forward(np.ones((1, 3))), ValueError,
     "at least 2 samples", r"\(1, 3\)", r"model.eval\(\)")
case(P, "BatchNorm.backward before forward", lambda: BatchNorm(3).backward(np.zeros((2, 3))), RuntimeError,
     "before forward", "forward pass first")
case(P, "BatchNorm.backward dout of another batch",
     lambda: after_forward(BatchNorm(3), np.ones((4, 3))).backward(np.zeros((2, 3))), ValueError,
     r"\(4, 3\)", r"\(2, 3\)")
case(P, "NaN into BatchNorm", lambda: BatchNorm(2).forward(with_nan(np.ones((3, 2)), (1, 1))), ValueError,
     "finite", "NaN at row 1, column 1")
case(P, "LayerNorm of the wrong width", lambda: LayerNorm(4).forward(np.zeros((2, 5))), ValueError,
     "expected 4 features", r"\(2, 5\)")
case(P, "LayerNorm num_features a float", lambda: LayerNorm(2.5), TypeError, "whole number", "2.5")
case(P, "Dropout p 1", lambda: Dropout(1.0), ValueError, r"p must lie in \[0, 1\)", "1.0", "probability of dropping")
case(P, "Dropout p as a percentage", lambda: Dropout(50), ValueError, r"\[0, 1\)", "50")
case(P, "Dropout p a string", lambda: Dropout("0.5"), TypeError, "p must be a number", "str")
case(P, "Dropout rng a float", lambda: Dropout(0.5, rng=0.5), TypeError, "numpy Generator", "rng=0")
case(P, "Dropout of a single number", lambda: Dropout(0.5).forward(3.0), ValueError, r"\(batch, ...\)",
     "single number")
case(P, "Dropout.backward before forward", lambda: Dropout(0.5).backward(np.zeros((2, 2))), RuntimeError,
     "before forward", "forward pass first")
case(P, "fit leaves one sample for BatchNorm",
     lambda: bn_net().fit(np.zeros((5, 3)), np.zeros((5, 1)), batch_size=2, progress=False), ValueError,
     "at least 2 samples in every training mini-batch", "holds 1", "batch_size")
case(P, "train(mode) with a string", lambda: net().train("False"), TypeError, "mode must be True or False", "str")
case(P, "load_state_dict of another model", _load_state_of_another_model, ValueError, "does not fit this model",
     "missing", "running_mean")
case(P, "Nesterov without momentum", lambda: SGD(lr=0.1, nesterov=True), ValueError, "needs a momentum above 0",
     "momentum=0.0", "momentum=0.9")
case(P, "nesterov as a string", lambda: SGD(lr=0.1, momentum=0.9, nesterov="yes"), TypeError,
     "nesterov must be True or False", "str")
case(P, "RMSProp rho 1", lambda: RMSProp(rho=1.0), ValueError, r"rho must lie in \[0, 1\)", "1.0")
case(P, "RMSProp learning rate 0", lambda: RMSProp(lr=0), ValueError, "greater than 0", "got 0")
case(P, "AdamW decay that flips the weights", lambda: AdamW(lr=1.0, weight_decay=2.0), ValueError,
     "1 - lr \\* weight_decay", "product 2", "weight_decay 1e-2")
case(P, "AdamW negative decay", lambda: AdamW(weight_decay=-0.01), ValueError, "weight_decay", ">= 0", "-0.01")
case(P, "clip_grad_norm max_norm 0", lambda: clip_grad_norm(net().parameters(), 0), ValueError, "max_norm",
     "greater than 0", "got 0")
case(P, "fit clip_norm negative", lambda: net().fit(X4(), y4(), clip_norm=-1.0, progress=False), ValueError,
     "clip_norm", "greater than 0", "-1.0")
case(P, "fit clip_norm a string", lambda: net().fit(X4(), y4(), clip_norm="1", progress=False), TypeError,
     "clip_norm must be a number", "str")
case(P, "StepDecay step_size 0", lambda: StepDecay(0.1, step_size=0), ValueError, "step_size must be at least 1",
     "got 0")
case(P, "StepDecay factor above 1", lambda: StepDecay(0.1, 10, factor=2.0), ValueError, r"factor must lie in \(0, 1\]",
     "2.0")
case(P, "ExponentialDecay rate 0", lambda: ExponentialDecay(0.1, decay_rate=0.0), ValueError,
     r"decay_rate must lie in \(0, 1\]", "0.0")
case(P, "CosineDecay min_lr above lr", lambda: CosineDecay(0.01, 100, min_lr=0.1), ValueError,
     "min_lr must be below lr", "min_lr=0.1 and lr=0.01")
case(P, "CosineDecay total_steps 0", lambda: CosineDecay(0.1, 0), ValueError, "total_steps must be at least 1", "got 0")
case(P, "LinearWarmup of a name", lambda: LinearWarmup("cosine", 10), TypeError, "schedule that follows",
     "str 'cosine'")
case(P, "LinearWarmup of 0 steps", lambda: LinearWarmup(0.1, 0), ValueError, "warmup_steps must be at least 1",
     "got 0")
case(P, "schedule at a negative step", lambda: StepDecay(0.1, 5)(-1), ValueError, "starts at 0", "-1")
case(P, "schedule at a fractional step", lambda: StepDecay(0.1, 5)(1.5), TypeError, "step number", "float 1.5")
case(P, "fit lr_schedule a number", lambda: net().fit(X4(), y4(), lr_schedule=0.1, progress=False), TypeError,
     "lr_schedule must be a schedule", "number 0.1", "optimiser's lr")
case(P, "fit lr_schedule a class", lambda: net().fit(X4(), y4(), lr_schedule=CosineDecay, progress=False), TypeError,
     "the class CosineDecay", r"CosineDecay\(0.1")
case(P, "schedule that gives a negative rate",
     lambda: net().fit(X4(), y4(), epochs=5, lr_schedule=lambda t: 0.1 - 0.04 * t, progress=False), ValueError,
     "returned -0.0199", "step 3", "finite number >= 0")
case(P, "schedule that gives a string", lambda: net().fit(X4(), y4(), lr_schedule=lambda t: "0.1", progress=False),
     TypeError, "returned str '0.1'", "step 0")
case(P, "EarlyStopping unknown monitor", lambda: EarlyStopping(monitor="val_acc"), ValueError,
     "monitor must be one of", "'val_acc'", "val_metric")
case(P, "EarlyStopping patience 0", lambda: EarlyStopping(patience=0), ValueError, "patience must be at least 1",
     "got 0")
case(P, "EarlyStopping mode 'lowest'", lambda: EarlyStopping(mode="lowest"), ValueError, "'min', 'max'", "'lowest'")
case(P, "EarlyStopping negative min_delta", lambda: EarlyStopping(min_delta=-0.1), ValueError, "min_delta", "-0.1")
case(P, "EarlyStopping without validation data",
     lambda: net().fit(X4(), y4(), callbacks=[EarlyStopping()], progress=False), ValueError,
     "monitors 'val_loss'", "no validation data", "validation_data=")
case(P, "EarlyStopping on a metric fit does not compute",
     lambda: net().fit(X4(), y4(), validation_data=(X4(), y4()), callbacks=[EarlyStopping("val_metric")],
                       progress=False), ValueError, "monitors 'val_metric'", "no metric", "metric='accuracy'")


assert len(CASES) >= 200, len(CASES)


@pytest.mark.parametrize("call,error,patterns", CASES)
def test_mistake_gets_a_clear_error(call, error, patterns):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert type(info.value) is error or issubclass(type(info.value), error)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    assert len(patterns) >= 2, "a case must check both what was expected and what arrived"
    assert raised_by_nnlib(info.value), f"raised outside nnlib: {traceback.format_exception(info.value)[-2:]}"


# ---------------------------------------------------------------- unusual but valid inputs
def _fit_losses(X, y, **kwargs):
    model = Sequential([Dense(3, 4, rng=0), Activation("tanh"), Dense(4, 2, rng=1)])
    history = model.fit(X, y, epochs=3, batch_size=2, rng=0, progress=False, **kwargs)
    return history.step_loss, model.predict(np.asarray(X, dtype=float))


X_INT = np.array([[0, 1, 2], [1, 0, 1], [2, 2, 0], [0, 0, 1]])
LABELS = np.array([0, 1, 1, 0])

VALID_PAIRS = [
    ("fit: lists against float arrays",
     lambda: _fit_losses(X_INT.tolist(), LABELS.tolist(), loss="softmax_cross_entropy"),
     lambda: _fit_losses(X_INT.astype(float), LABELS, loss="softmax_cross_entropy")),
    ("fit: integer X and float labels 0.0/1.0",
     lambda: _fit_losses(X_INT, LABELS.astype(float), loss=SoftmaxCrossEntropy()),
     lambda: _fit_losses(X_INT.astype(float), LABELS, loss=SoftmaxCrossEntropy())),
    ("fit: upper-case loss and metric names",
     lambda: _fit_losses(X_INT, LABELS, loss="Softmax_Cross_Entropy", metric="Accuracy"),
     lambda: _fit_losses(X_INT, LABELS, loss="softmax_cross_entropy", metric="accuracy")),
    ("fit: numpy scalars for the hyperparameters",
     lambda: _fit_losses(X_INT, np.eye(2)[LABELS], loss="softmax_cross_entropy",
                         optimizer=SGD(lr=np.float32(0.5), momentum=np.float64(0.5))),
     lambda: _fit_losses(X_INT, np.eye(2)[LABELS], loss="softmax_cross_entropy",
                         optimizer=SGD(lr=0.5, momentum=0.5))),
    ("fit: one-hot rows against labels",
     lambda: _fit_losses(X_INT, np.eye(2)[LABELS], loss="softmax_cross_entropy"),
     lambda: _fit_losses(X_INT, LABELS, loss="softmax_cross_entropy")),
    ("fit: epochs as numpy int and as 3.0",
     lambda: Sequential([Dense(3, 1, rng=0)]).fit(X_INT, LABELS[:, None], epochs=np.int64(3), progress=False).step_loss,
     lambda: Sequential([Dense(3, 1, rng=0)]).fit(X_INT, LABELS[:, None], epochs=3.0, progress=False).step_loss),
    ("Dense: list input", lambda: Dense(3, 2, rng=0).forward(X_INT.tolist()),
     lambda: Dense(3, 2, rng=0).forward(X_INT.astype(float))),
    ("relu: a Python scalar, a numpy scalar and a 0-d array",
     lambda: (activations.relu(-2), activations.relu(np.float32(-2.0)), activations.relu(np.array(3))),
     lambda: (0.0, 0.0, 3.0)),
    ("sigmoid: integers and booleans", lambda: activations.sigmoid(np.array([0, 1, True])),
     lambda: activations.sigmoid(np.array([0.0, 1.0, 1.0]))),
    ("activation names in any case", lambda: Activation("ReLU").forward(X_INT - 1),
     lambda: Activation("relu").forward((X_INT - 1).astype(float))),
    ("initialiser names in any case", lambda: Dense(3, 2, init="He_Normal", rng=4).params["W"],
     lambda: Dense(3, 2, init="he_normal", rng=4).params["W"]),
    ("MSE of lists", lambda: MSE()([[1, 2]], [[0, 0]]), lambda: MSE()(np.array([[1.0, 2.0]]), np.zeros((1, 2)))),
    ("SoftmaxCE: labels as a list", lambda: SoftmaxCrossEntropy()([[1.0, 2.0], [0.0, 0.0]], [1, 0]),
     lambda: SoftmaxCrossEntropy()(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([1, 0]))),
    ("BCE: boolean targets", lambda: BinaryCrossEntropy()(np.array([0.8, 0.3]), np.array([True, False])),
     lambda: BinaryCrossEntropy()(np.array([0.8, 0.3]), np.array([1.0, 0.0]))),
    ("accuracy: boolean predictions and a column of targets",
     lambda: accuracy(np.array([[True], [False]]), np.array([[1.0], [1.0]])), lambda: 0.5),
    ("standardize of integers", lambda: data.standardize([[1, 2], [3, 6]])[0],
     lambda: data.standardize(np.array([[1.0, 2.0], [3.0, 6.0]]))[0]),
    ("one_hot of whole floats", lambda: data.one_hot([0.0, 2.0]), lambda: data.one_hot(np.array([0, 2]))),
    ("optimiser step on the model, the method, the layers and tuples", lambda: _step_each_way(),
     lambda: [True] * 4),
    ("Sequential from layers one by one", lambda: Sequential(Dense(3, 2, rng=0), Activation("relu")).forward(X_INT),
     lambda: Sequential([Dense(3, 2, rng=0), Activation("relu")]).forward(X_INT)),
    ("Reshape from an int", lambda: Reshape(6).forward(np.zeros((2, 2, 3))).shape, lambda: (2, 6)),
    ("a single callback function", lambda: _one_callback(), lambda: [1, 2]),
    ("schedules at a numpy step", lambda: [StepDecay(0.1, 5)(np.int64(5)), CosineDecay(1.0, 4)(np.int32(2))],
     lambda: [StepDecay(0.1, 5)(5), CosineDecay(1.0, 4)(2)]),
    ("Dropout p and BatchNorm momentum as numpy scalars",
     lambda: (Dropout(np.float32(0.25), rng=2).forward(np.ones((3, 4))), BatchNorm(np.int64(4), momentum=np.float64(0.5))
              .forward(X_INT.T.astype(float))),
     lambda: (Dropout(0.25, rng=2).forward(np.ones((3, 4))), BatchNorm(4, momentum=0.5).forward(X_INT.T.astype(float)))),
    ("BatchNorm of integer inputs", lambda: BatchNorm(4).forward(X_INT.T), lambda: BatchNorm(4).forward(X_INT.T * 1.0)),
]


def _step_each_way():
    results = []
    for form in ("model", "method", "layers", "tuples"):
        model = net()
        loss = MSE()
        loss.forward(model.forward(X4()), y4())
        model.backward(loss.backward())
        expected = [p.value - 0.1 * p.grad for p in model.parameters()]
        target = {"model": model, "method": model.parameters, "layers": model.layers,
                  "tuples": [tuple(p) for p in model.parameters()]}[form]
        SGD(0.1).step(target)
        results.append(all(np.allclose(p.value, e) for p, e in zip(model.parameters(), expected)))
    return results


def _one_callback():
    seen = []
    net().fit(X4(), y4(), epochs=2, progress=False, callbacks=lambda epoch, model, history: seen.append(epoch))
    return seen


def _same(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


@pytest.mark.parametrize("unusual,usual", [pytest.param(u, v, id=name) for name, u, v in VALID_PAIRS])
def test_unusual_but_valid_input_gives_the_same_answer(unusual, usual):
    assert _same(unusual(), usual())
