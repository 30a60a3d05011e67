"""Chapter 1 as the review tests open it: a copy with one cell added at the end.

The added cell is a naive explorer to time the book's own against: ``ipywidgets.interact``
calling a function that rebuilds a matplotlib figure with the same content as
``neuron_line()`` on every change. The copy lives in a folder of its own under the test
server's root, with the chapter's file name, so that JupyterLab's tab reads as the chapter's.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

CHAPTER = "01_what_is_a_neural_network.ipynb"
EXPLORER_CALL = "neuron_line()"
NAIVE_FUNCTION = "naive_neuron_line"
#: The key under which the tests' runner knows this page.
REVIEW = f"review/{CHAPTER}"

# The same figure as neuron_line's view (line z = wx + b; the S with its reference curve,
# the 1/2 level and the midpoint), rebuilt from scratch by matplotlib on every change. It is
# the last cell, so switching the inline format to PNG changes no figure of the chapter.
NAIVE_CELL = '''\
# For timing only: a naive explorer that rebuilds the whole matplotlib figure on every change,
# shown as matplotlib-inline does by default (PNG; the book's SVG figures take longer to make).
import ipywidgets
from matplotlib_inline.backend_inline import set_matplotlib_formats

set_matplotlib_formats("png")

x_naive = np.linspace(-4.0, 4.0, 161)


def naive_neuron_line(w, b):
    z = w * x_naive + b
    fig, (ax_z, ax_a) = plt.subplots(1, 2, figsize=(7.0, 2.8), layout="constrained")
    ax_z.axhline(0.0, color="0.6")
    ax_z.plot(x_naive, z, lw=2)
    ax_z.set(xlim=(-4, 4), ylim=(-8, 8), xlabel="input x", ylabel="pre-activation z",
             title="weighted sum z = wx + b")
    ax_a.axhline(0.5, color="0.6", linestyle="--")
    ax_a.plot(x_naive, sigmoid(x_naive), color="0.6", lw=1.2, label="reference σ(x)")
    ax_a.plot(x_naive, sigmoid(z), lw=2, label="σ(wx + b)")
    if w != 0:
        for ax in (ax_z, ax_a):
            ax.axvline(-b / w, color="C1", linestyle=":", lw=1.5)
    ax_a.set(xlim=(-4, 4), ylim=(-0.05, 1.05), xlabel="input x", ylabel="activation a = σ(z)",
             title="activation a = σ(wx + b)")
    ax_a.legend(loc="upper left")
    plt.show()


ipywidgets.interact(naive_neuron_line,
                    w=ipywidgets.FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.1, description="weight w"),
                    b=ipywidgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.1, description="bias b"));
'''


def write_review_copy(root: Path) -> str:
    """Write the copy under ``root`` (the server's copy of notebooks/); return its path there."""
    notebook = nbformat.read(root / CHAPTER, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(NAIVE_CELL))
    (root / REVIEW).parent.mkdir(exist_ok=True)
    nbformat.write(notebook, root / REVIEW)
    return REVIEW
