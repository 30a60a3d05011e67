"""Plot helpers used across the book.

Every helper takes ``ax=None`` (a new figure is made when it is ``None``),
returns the figure, and never calls ``plt.show()``: a notebook shows the figure
itself, a script saves it. Colours come from :data:`PALETTE`, the Okabe–Ito
palette, which stays distinguishable for the common forms of colour blindness.
"""
from __future__ import annotations

import numpy as np

#: Okabe–Ito colour-blind-safe palette, in the order the book uses it.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Diverging colour map for signed quantities, sequential one for magnitudes (both colour-blind safe).
DIVERGING_CMAP = "RdBu_r"
SEQUENTIAL_CMAP = "viridis"


#: Narrowest column a figure is shown in: the web book on a 390-pixel-wide phone (CSS pixels).
PHONE_COLUMN_PX = 342
#: No text in a figure may be drawn smaller than this many CSS pixels, on a phone or a desktop.
MIN_TEXT_PX = 10
#: Points per inch, and CSS pixels per inch: an SVG figure w inches wide is 96 w pixels wide.
_PT_PER_IN, _PX_PER_IN = 72.0, 96.0


def use_book_style() -> None:
    """Set matplotlib defaults for the book: palette, grid, sizes legible on a phone, SVG output.

    Figures are SVG with real text, so they stay sharp at any pixel density and their text
    can be measured. Text is 11 pt and figures at most 5.2 inches wide, so that text stays
    at least :data:`MIN_TEXT_PX` CSS pixels tall even when a phone shrinks the figure to
    :data:`PHONE_COLUMN_PX` pixels (see :func:`smallest_text_px`).
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.figsize": (5.2, 3.4),
        "figure.dpi": 96,
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 11,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.fontsize": 11,
        "legend.title_fontsize": 11,
        "figure.titlesize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "image.cmap": SEQUENTIAL_CMAP,
        "svg.fonttype": "none",
    })
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("svg")


def svg_text_sizes(svg: str) -> tuple[float, list[float]]:
    """The width (in points) of a matplotlib SVG and the size of each of its texts (in points).

    Works on SVGs written with ``svg.fonttype = "none"`` (text kept as text).
    """
    import re

    width = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg)
    if width is None:
        raise ValueError("not a matplotlib SVG: no width in points on its <svg> element")
    sizes = [float(size) for size in re.findall(r"font(?:-size)?:\s*(?:[a-z-]+\s+)*?([\d.]+)px", svg)]
    return float(width.group(1)), sizes


def smallest_text_px(svg: str, column_px: float = PHONE_COLUMN_PX) -> float | None:
    """CSS pixel height of the smallest text of an SVG figure shown in a column ``column_px`` wide.

    The figure is drawn at its natural size (1 pt = 4/3 CSS px) or shrunk to the column,
    whichever is smaller. ``None`` if it has no text.
    """
    width_pt, sizes = svg_text_sizes(svg)
    if not sizes:
        return None
    natural_px = width_pt * _PX_PER_IN / _PT_PER_IN
    scale = min(1.0, column_px / natural_px)
    return min(sizes) * _PX_PER_IN / _PT_PER_IN * scale


def _axes(ax, **kwargs):
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(**kwargs)
        return fig, ax
    return ax.figure, ax


def plot_activation(act, z=None, ax=None, derivative: bool = True):
    """Plot an activation $\\varphi(z)$ and, dashed, its derivative $\\varphi'(z)$."""
    from .activations import get_activation

    act = get_activation(act)
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z, dtype=float)
    fig, ax = _axes(ax)
    (line,) = ax.plot(z, act.forward(z), label=f"{act.name}(z)")
    if derivative:
        ax.plot(z, act.grad(z), linestyle="--", color=line.get_color(), label=f"{act.name}'(z)")
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("value")
    ax.set_title(f"{act.name} and its derivative" if derivative else act.name)
    ax.legend()
    return fig


def plot_loss(history, ax=None, log: bool = False, label: str = "training loss", per_step: bool = False):
    """Loss against epoch (or step) from a :class:`~nnlib.model.History` or a list of numbers."""
    values = history
    if hasattr(history, "loss"):
        values = history.step_loss if per_step else history.loss
    fig, ax = _axes(ax)
    steps = np.arange(1, len(values) + 1)
    ax.plot(steps, values, label=label)
    if hasattr(history, "val_loss") and history.val_loss and not per_step:
        ax.plot(steps, history.val_loss, label="validation loss")
    ax.set_xlabel("step" if per_step else "epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    ax.set_title("Loss during training")
    ax.legend()
    return fig


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 200, margin: float = 0.5):
    """Colour the plane by a classifier's output and overlay labelled points.

    ``predict`` maps an array ``(n, 2)`` to scores ``(n, classes)`` or
    probabilities ``(n, 1)``; the arg-max (or a 0.5 threshold) is the class.
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X, dtype=float)
    y = np.asarray(y).reshape(-1)
    x_min, y_min = X.min(axis=0) - margin
    x_max, y_max = X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    scores = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])))
    classes = scores.argmax(axis=1) if scores.ndim == 2 and scores.shape[1] > 1 else (scores.reshape(-1) >= 0.5).astype(int)
    n_classes = int(max(classes.max(), y.max())) + 1
    cmap = ListedColormap(PALETTE[:n_classes])
    fig, ax = _axes(ax)
    ax.contourf(gx, gy, classes.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25)
    for label in range(n_classes):
        mask = y == label
        ax.scatter(X[mask, 0], X[mask, 1], s=14, color=PALETTE[label], edgecolor="white", linewidth=0.4,
                   label=f"class {label}")
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_title("Decision regions")
    ax.legend(loc="best")
    return fig


def plot_layer_stats(stats, field: str = "grad_norm", ax=None, log: bool = True, label=None):
    """Bar-style line of one :class:`~nnlib.diagnostics.LayerStats` field against layer depth."""
    fig, ax = _axes(ax)
    layers = [s.layer for s in stats]
    values = [getattr(s, field) for s in stats]
    ax.plot(layers, values, marker="o", label=label or field)
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(field.replace("_", " "))
    if log:
        ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_title(f"{field.replace('_', ' ')} by layer")
    return fig


def plot_digits(images, labels=None, predictions=None, ncols: int = 10, fig=None):
    """A grid of 8×8 digit images with their labels (and predictions, red when wrong)."""
    import matplotlib.pyplot as plt

    images = np.asarray(images).reshape(-1, 8, 8)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    if fig is None:
        fig = plt.figure(figsize=(ncols * 0.8, nrows * 0.95))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(images[k], cmap="gray_r", vmin=0, vmax=16)
        title = "" if labels is None else f"{labels[k]}"
        color = "black"
        if predictions is not None:
            title = f"{labels[k]}→{predictions[k]}" if labels is not None else f"{predictions[k]}"
            color = PALETTE[3] if labels is not None and predictions[k] != labels[k] else "black"
        ax.set_title(title, color=color)
    return fig


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as ``j``."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    n_classes = int(max(y_true.max(), y_pred.max())) + 1 if n_classes is None else n_classes
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def plot_confusion_matrix(y_true, y_pred, ax=None, n_classes: int | None = None):
    """Heat map of :func:`confusion_matrix` with the counts written in each cell."""
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    fig, ax = _axes(ax, figsize=(5.2, 4.8))
    image = ax.imshow(matrix, cmap=SEQUENTIAL_CMAP)
    threshold = matrix.max() / 2
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha="center", va="center",
                    color="black" if count > threshold else "white")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.grid(False)
    ax.set_title("Confusion matrix (counts)")
    fig.colorbar(image, ax=ax, label="samples")
    return fig
