"""nnlib: a small, readable neural-network library in numpy, written for the book.

Modules
-------
activations     activation functions with their derivatives, and the ACTIVATIONS registry
layers          Dense, Activation, Flatten: forward(x) / backward(dout)
conv            Conv2D, MaxPool2D, Reshape for images (batch, channels, height, width)
losses          SSE, MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
model           Sequential and its fit() training loop
optim           SGD (with momentum and weight decay), Adam
init            weight initialisers (zeros ... Xavier, He)
regularization  L1 and L2 weight penalties
gradcheck       finite-difference gradient checks
autograd        automatic differentiation: a scalar Value and an array Tensor engine
data            toy data sets, the 8x8 digits, scaling and splitting
diagnostics     per-layer statistics of activations and gradients
plotting        plot helpers that return figures
explore         sliders over figures, live in notebooks and static in the book
exercises       checks for the exercises
source          show_source(obj): nnlib's own code, displayed in a chapter
explorers       the book's explorers, each a compute function beside its browser view
"""
from . import (activations, conv, data, diagnostics, exercises, explore, gradcheck, init, layers, losses, model, optim,
               plotting, regularization)
from . import autograd
from . import explorers, source
from .source import show_source
from .activations import ACTIVATIONS
from .conv import Conv2D, MaxPool2D, Reshape
from .layers import Activation, Dense, Flatten
from .losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from .model import Sequential
from .optim import SGD, Adam

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "Activation", "autograd", "Adam", "BinaryCrossEntropy", "Conv2D", "Dense", "MaxPool2D", "Reshape", "Flatten", "MSE", "SGD", "SSE",
    "Sequential", "SoftmaxCrossEntropy", "activations", "conv", "data", "diagnostics", "exercises", "explore", "gradcheck",
    "init", "layers", "losses", "model", "optim", "plotting", "regularization", "explorers", "show_source", "source",
]
