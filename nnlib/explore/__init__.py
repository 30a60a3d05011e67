"""Explorers: figures with controls, computed in Python and drawn in the browser.

An explorer has three parts:

* ``compute(**values) -> dict``: the model. It takes one value per control and returns
  everything the figure shows (arrays, numbers, texts). This Python function is the
  explorer's single source of truth.
* a **view**: a short script in ``nnlib/explorers/`` that draws such a dict with
  Observable Plot (``nnlibExplore.register(name, {render, compute?})``).
* its **controls**: :class:`Slider`, :class:`SelectionSlider`, :class:`Dropdown`, each
  with the exact list of values it offers.

Shown in a running notebook, an explorer is a widget: moving a control calls ``compute``
in the kernel and the browser redraws the figure from its result, at the width of the
output area and at the screen's pixel density (the figure is SVG, never a stretched image).

Built into the web book (environment variable ``NNLIB_STATIC_EXPLORERS=1``, set by
``make book``), it becomes a self-contained HTML block that needs no kernel. Frames then
come from one of two places, chosen per explorer with ``web=``:

* ``"browser"``: the view's own ``compute``, a line-for-line browser twin of the Python
  function for explorers whose maths is small (a neuron, a forward pass, a loss surface).
  The book's browser tests evaluate both at sampled control values and require agreement
  to 1e-6, which keeps the twins honest.
* ``"frames"``: the book build runs the Python ``compute`` at every combination of control
  values (explorers that show trained networks); large frame tables are moved by the book
  build into files that load when the reader reaches the explorer.

Example
-------
>>> import numpy as np
>>> from nnlib.explore import Explorer, Slider
>>> z = np.linspace(-6, 6, 121)
>>> def compute(gain):
...     return {"z": z, "a": np.tanh(gain * z)}
>>> Explorer("curve", compute, [Slider("gain", 0.1, 3.0, 0.1, 1.0)],
...          alt="tanh of gain times z")  # doctest: +SKIP
"""
from .controls import MIN_POSITIONS, Dropdown, SelectionSlider, Slider
from .encoding import decode, encode
from .explorer import STATIC_ENV, Explorer, static_mode

__all__ = ["MIN_POSITIONS", "Dropdown", "Explorer", "STATIC_ENV", "SelectionSlider", "Slider", "decode",
           "encode", "static_mode"]
