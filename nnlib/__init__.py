"""nnlib: a small, readable neural-network library in numpy, written for the book.

Modules
-------
activations     activation functions with their derivatives, and the ACTIVATIONS registry
layers          Dense, Activation, Flatten: forward(x) / backward(dout)
conv            Conv2D, MaxPool2D, Reshape for images (batch, channels, height, width)
normalization   BatchNorm and LayerNorm
dropout         Dropout (inverted; the identity in evaluation mode)
losses          SSE, MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
model           Sequential (training and evaluation mode) and its fit() training loop
optim           SGD (momentum, Nesterov, weight decay), RMSProp, Adam, AdamW; gradient clipping
schedules       learning-rate schedules for fit: step, exponential, cosine, linear warm-up
callbacks       fit callbacks: EarlyStopping, and StopTraining to end a run
init            weight initialisers (zeros ... Xavier, He)
regularization  L1 and L2 weight penalties
gradcheck       finite-difference gradient checks
autograd        automatic differentiation: a scalar Value and an array Tensor engine
data            toy data sets, the 8x8 digits, scaling and splitting
diagnostics     per-layer statistics of activations and gradients
monitor         the health monitor: records every layer while fit trains, and diagnoses the run
divergence      the rule by which fit stops a diverging run early, with an explanation
progress        the progress bar of long training runs
plotting        plot helpers that return figures, in the book's style
explore         explorers: controls over a figure that the browser draws (live in a notebook,
                computed in the page or from precomputed frames in the web book)
exercises       checks for the exercises
source          show_source(obj): nnlib's own code, displayed in a chapter
explorers       the book's explorers, each a compute function beside its browser view
"""
from . import (activations, callbacks, conv, data, diagnostics, dropout, exercises, explore, gradcheck, init, layers,
               losses, model, normalization, optim, plotting, regularization, schedules)
from . import autograd
from . import explorers, source
from .source import show_source
from .activations import ACTIVATIONS
from .callbacks import EarlyStopping, StopTraining
from .conv import Conv2D, MaxPool2D, Reshape
from .dropout import Dropout
from .layers import Activation, Dense, Flatten
from .losses import MSE, SSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from .model import Sequential
from .normalization import BatchNorm, LayerNorm
from .optim import SGD, Adam, AdamW, RMSProp, clip_grad_norm
from .schedules import CosineDecay, ExponentialDecay, LinearWarmup, StepDecay

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "Activation", "autograd", "Adam", "AdamW", "BatchNorm", "BinaryCrossEntropy", "Conv2D",
    "CosineDecay", "Dense", "Dropout", "EarlyStopping", "ExponentialDecay", "LayerNorm", "LinearWarmup", "MaxPool2D",
    "Reshape", "RMSProp", "Flatten", "MSE", "SGD", "SSE", "Sequential", "SoftmaxCrossEntropy", "StepDecay",
    "StopTraining", "activations", "callbacks", "clip_grad_norm", "conv", "data", "diagnostics", "dropout",
    "exercises", "explore", "gradcheck", "init", "layers", "losses", "model", "normalization", "optim", "plotting",
    "regularization", "schedules", "explorers", "show_source", "source",
]
