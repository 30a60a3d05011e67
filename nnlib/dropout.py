r"""Dropout: switch off a random share of the units at every training step.

In training mode each value of the input is kept with probability $1 - p$ and
set to 0 with probability $p$, afresh at every forward pass. The kept values are
divided by $1 - p$ (**inverted dropout**), so each output keeps the expected
value of its input:

$$y = x \odot \frac{r}{1 - p},\quad r_k \sim \text{Bernoulli}(1 - p)
  \qquad\Rightarrow\qquad \mathbb E[y_k] = x_k.$$

Because the scaling happens while training, evaluation mode needs no correction:
it is the identity, $y = x$. (The original paper, Srivastava et al. 2014, scaled
the weights at test time instead; the two agree in expectation.)

A network cannot rely on any one unit being there, so it learns redundant
features; and every step trains a different thinned network, so the trained
network behaves like an average over many of them.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_number, check_rng
from .layers import Layer


class Dropout(Layer):
    r"""Inverted dropout: zero each value with probability ``p``, scale the rest by $1/(1-p)$.

    Backward: $\partial L/\partial x = \partial L/\partial y \odot m$ with the
    same scaled mask $m = r/(1 - p)$ as the forward pass (the identity in
    evaluation mode).

    Parameters
    ----------
    p : float in [0, 1), default 0.5
        Probability of dropping a value (PyTorch's ``p``; Keras calls it ``rate``).
        0 keeps everything.
    rng : numpy.random.Generator or int or None
        Source of the masks: every training-mode forward pass draws a new one
        from it, so a seeded ``rng`` makes a run repeatable.

    Attributes
    ----------
    mask : ndarray or None
        The scaled mask $m$ of the last training-mode forward pass (entries 0
        and $1/(1-p)$, the shape of the input); ``None`` after an
        evaluation-mode pass.
    training : bool
        Set by ``Sequential.train()`` / ``eval()``; evaluation mode is the identity.

    Shapes
    ------
    x : any shape (batch, ...) -> y : the same shape.
    """

    def __init__(self, p: float = 0.5, rng=None):
        super().__init__()
        self.p = check_number(p, "Dropout p", low=0, high=1, high_open=True,
                              hint=" p is the probability of dropping a value, e.g. 0.5 or 0.2; 0 keeps all.")
        self.rng = check_rng(rng)
        self.mask = None

    def _check_input(self, x):
        x = as_float_array(x, f"{self!r} input")
        if x.ndim < 1:
            raise ValueError(f"{self!r} expects a batch, shape (batch, ...), got a single number ({x!r}). "
                             "Wrap it as np.array([[value]]).")
        return x

    def new_mask(self, shape, dtype=np.float64) -> np.ndarray:
        """Draw a scaled mask of ``shape`` from the layer's ``rng``: 0 with probability ``p``, else $1/(1-p)$."""
        keep = self.rng.random(shape) >= self.p  # True with probability 1 - p
        return np.multiply(keep, 1.0 / (1.0 - self.p), dtype=dtype)

    def _forward(self, x):
        self._out_shape = x.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        self.mask = self.new_mask(x.shape, x.dtype)
        return x * self.mask

    def _backward(self, dout, input_grad: bool = True):
        return dout if self.mask is None else dout * self.mask

    def __repr__(self):
        return f"Dropout(p={self.p:g})"
