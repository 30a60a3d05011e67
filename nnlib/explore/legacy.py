"""Explorers: figures with sliders, defined once, shown live or as a static web page.

An explorer is a matplotlib figure, an ``update(**values)`` function that
changes the figure's artists for given slider values, and the specifications
of its controls (:class:`Slider`, :class:`SelectionSlider`, :class:`Dropdown`). From that one definition:

* in a running notebook it shows ipywidgets controls above the figure, and a
  control change calls ``update`` and redraws the same image in place (no new
  figure, no flicker);
* when the book is built (environment variable ``NNLIB_STATIC_EXPLORERS=1``)
  it precomputes frames over a grid of control values and emits a
  self-contained HTML block whose small inline script swaps the frame as the
  reader moves a slider: no kernel, no server, no network.

Example
-------
>>> fig, ax = figure()
>>> z = np.linspace(-6, 6, 200)
>>> (line,) = ax.plot(z, np.tanh(z))
>>> def update(gain):
...     line.set_ydata(np.tanh(gain * z))
>>> Explorer(fig, update, [Slider("gain", 0.1, 3.0, 0.1, 1.0)],
...          alt="tanh of gain times z")  # doctest: +SKIP
"""
from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
import html
import io
import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STATIC_ENV = "NNLIB_STATIC_EXPLORERS"
_EXPLORER_IDS = itertools.count(1)


def static_mode() -> bool:
    """True while the book is being built: explorers render as static HTML."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


def figure(nrows: int = 1, ncols: int = 1, figsize=(6.4, 3.6), **subplot_kw):
    """A figure for an explorer, with its axes.

    It is *not* registered with pyplot, so a notebook does not also show it as
    a static picture at the end of the cell.

    Returns
    -------
    fig : Figure
    axes : Axes or array of Axes (as ``plt.subplots`` returns them)
    """
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


@dataclass(frozen=True)
class Slider:
    """A numeric control.

    Parameters
    ----------
    name : str
        Keyword passed to ``update``.
    min, max, step : float
        Range and resolution of the live slider.
    value : float
        Starting value (always one of the web version's frames).
    label : str, optional
        Shown beside the slider; defaults to ``name``.
    static_steps : int
        How many values the web version precomputes across ``[min, max]``.
    """

    name: str
    min: float
    max: float
    step: float
    value: float
    label: str | None = None
    static_steps: int = 7

    def __post_init__(self):
        if not self.min <= self.value <= self.max or self.step <= 0:
            raise ValueError(
                f"Slider {self.name!r}: need min <= value <= max and step > 0, got "
                f"min={self.min}, value={self.value}, max={self.max}, step={self.step}."
            )

    def static_values(self, count: int | None = None) -> list[float]:
        """About ``count`` values spread over the range, snapped to ``step``.

        The starting ``value`` is always one of them: it takes the place of the
        nearest interior grid point, so the count (and the web page) does not grow.
        """
        count = max(self.static_steps if count is None else count, 2)
        raw = np.linspace(self.min, self.max, count)
        snapped = self.min + np.round((raw - self.min) / self.step) * self.step
        values = sorted({round(float(v), 10) for v in np.clip(snapped, self.min, self.max)})
        start = round(float(self.value), 10)
        if start not in values:
            interior = list(range(1, len(values) - 1))
            if interior:
                nearest = min(interior, key=lambda i: abs(values[i] - start))
                values[nearest] = start
            else:
                values.append(start)
        return sorted(set(values))

    @property
    def decimals(self) -> int:
        """Decimals needed to show every multiple of ``step`` exactly (0.25 -> 2, 0.1 -> 1, 5 -> 0)."""
        exponent = Decimal(repr(float(self.step))).normalize().as_tuple().exponent
        return max(0, -int(exponent))

    def describe(self, value) -> str:
        return f"{value:.{self.decimals}f}"

    def widget(self):
        import ipywidgets as widgets

        decimals = self.decimals
        return widgets.FloatSlider(
            value=self.value, min=self.min, max=self.max, step=self.step,
            description=self.label or self.name, readout_format=f".{decimals}f",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="22em"),
        )


@dataclass(frozen=True)
class SelectionSlider:
    """A slider that steps through a given list of numbers, e.g. log-spaced learning rates.

    Parameters
    ----------
    name : str
        Keyword passed to ``update``.
    values : sequence of float
        The positions of the slider, in order.
    value : float, optional
        Starting value (one of ``values``); defaults to the first.
    label : str, optional
    fmt : str
        Format of the value shown beside the slider.
    labels : sequence of str, optional
        Text shown for each value instead of ``fmt`` (e.g. ``"100"`` for a
        slider whose values are the exponents ``k`` of ``10**k``).
    static_steps : int, optional
        How many of the values the web version precomputes (all by default).
    """

    name: str
    values: tuple
    value: float | None = None
    label: str | None = None
    fmt: str = "{:.3g}"
    labels: tuple | None = None
    static_steps: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(self.values))
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
            if len(self.labels) != len(self.values):
                raise ValueError(f"SelectionSlider {self.name!r}: {len(self.labels)} labels for "
                                 f"{len(self.values)} values.")
        if not self.values:
            raise ValueError(f"SelectionSlider {self.name!r} needs at least one value.")
        if self.value is not None and self.value not in self.values:
            raise ValueError(f"SelectionSlider {self.name!r}: start value {self.value!r} is not one of {self.values}.")
        if self.static_steps is None:
            object.__setattr__(self, "static_steps", len(self.values))

    @property
    def start(self):
        return self.values[0] if self.value is None else self.value

    def static_values(self, count: int | None = None) -> list:
        """About ``count`` of the values, evenly spaced by position, always with the start."""
        count = min(max(self.static_steps if count is None else count, 2), len(self.values))
        positions = {int(round(p)) for p in np.linspace(0, len(self.values) - 1, count)}
        start = self.values.index(self.start)
        if start not in positions:
            interior = sorted(positions)[1:-1]
            if interior:
                positions.discard(min(interior, key=lambda p: abs(p - start)))
            positions.add(start)
        return [self.values[p] for p in sorted(positions)]

    def describe(self, value) -> str:
        if self.labels is not None:
            return self.labels[self.values.index(value)]
        return self.fmt.format(value)

    def widget(self):
        import ipywidgets as widgets

        return widgets.SelectionSlider(
            options=[(self.describe(v), v) for v in self.values], value=self.start,
            description=self.label or self.name, continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="22em"),
        )


@dataclass(frozen=True)
class Dropdown:
    """A choice between named options (e.g. an activation function).

    ``options`` is a sequence of labels, or a dict from label to the value
    passed to ``update``.
    """

    name: str
    options: Sequence | dict
    value: object = None
    label: str | None = None

    def _pairs(self):
        if isinstance(self.options, dict):
            return list(self.options.items())
        return [(str(option), option) for option in self.options]

    @property
    def start(self):
        pairs = self._pairs()
        if not pairs:
            raise ValueError(f"Dropdown {self.name!r} needs at least one option.")
        return pairs[0][1] if self.value is None else self.value

    def static_values(self, count: int | None = None) -> list:
        return [value for _, value in self._pairs()]

    def describe(self, value) -> str:
        for label, option in self._pairs():
            if option == value:
                return label
        return str(value)

    def widget(self):
        import ipywidgets as widgets

        return widgets.Dropdown(options=self._pairs(), value=self.start,
                                description=self.label or self.name,
                                style={"description_width": "initial"})


def _start(control):
    return control.start if isinstance(control, (Dropdown, SelectionSlider)) else control.value


@dataclass
class Explorer:
    """A figure plus the controls that drive it; see the module docstring.

    Parameters
    ----------
    fig : Figure
        Best made with :func:`figure`.
    update : callable
        ``update(**values)`` sets the artists of ``fig`` for the given control
        values. It should change existing artists (``set_data``,
        ``set_ydata``...) rather than clear and redraw the axes.
    controls : list of Slider, SelectionSlider or Dropdown
    alt : str
        Alternative text for the image: what the figure shows.
    caption : str
        Shown under the static web version.
    max_frames : int
        Upper bound on precomputed frames in the web version; slider grids are
        coarsened until the product of their sizes fits.
    dpi : int
        Resolution of each frame.
    freeze_layout : bool, default True
        Lay the figure out once (constrained layout) and keep those positions:
        re-running the layout engine on every slider move made each redraw
        about three times slower. Set False if an update changes the size of
        titles or tick labels a lot.
    """

    fig: Figure
    update: Callable
    controls: list
    alt: str = ""
    caption: str = ""
    max_frames: int = 64
    dpi: int = 80
    freeze_layout: bool = True
    values: dict = field(init=False)

    def __post_init__(self):
        if not isinstance(self.fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(self.fig)
        # Frames are drawn at this resolution, live and static alike (the page budget depends on it).
        self.fig.set_dpi(self.dpi)
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be unique, got {names}.")
        self.values = {c.name: _start(c) for c in self.controls}
        self.set(**self.values)
        if self.freeze_layout and self.fig.get_layout_engine() is not None:
            self.fig.canvas.draw()  # the layout engine places everything once...
            self.fig.set_layout_engine("none")  # ...and later draws reuse those positions

    def set(self, **values) -> "Explorer":
        """Update the figure for new control values (unnamed ones keep their value)."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.values)}.")
        self.values.update(values)
        self.update(**self.values)
        return self

    def render(self, fmt: str = "png", **values) -> bytes:
        """The figure for ``values`` as encoded image bytes (``"png"`` or ``"webp"``).

        The figure is drawn once and its pixels encoded directly (``savefig``
        would draw it a second time). PNG uses fast compression: in a live
        notebook the frame is sent once and thrown away.
        """
        from PIL import Image

        if values:
            self.set(**values)
        self.fig.canvas.draw()
        image = Image.fromarray(np.asarray(self.fig.canvas.buffer_rgba())).convert("RGB")
        buffer = io.BytesIO()
        if fmt == "png":
            image.save(buffer, format="PNG", compress_level=1)
        else:
            image.save(buffer, format=fmt.upper(), quality=70, method=6)
        return buffer.getvalue()

    # ---- live version -------------------------------------------------
    def widget(self):
        """An ipywidgets box: controls above an image that is redrawn in place."""
        import ipywidgets as widgets

        image = widgets.Image(value=self.render("png"), format="png",
                              layout=widgets.Layout(max_width="100%"))
        control_widgets = {c.name: c.widget() for c in self.controls}

        def on_change(change):
            name = change["owner"]._nnlib_name
            image.value = self.render("png", **{name: change["new"]})

        for name, w in control_widgets.items():
            w._nnlib_name = name
            w.observe(on_change, names="value")
        return widgets.VBox([widgets.HBox(list(control_widgets.values()),
                                          layout=widgets.Layout(flex_flow="row wrap")), image])

    # ---- static version -----------------------------------------------
    def static_grid(self) -> list[list]:
        """Per control, the values precomputed for the web version (at most ``max_frames`` in all).

        Starting from each slider's ``static_steps``, the slider with the most
        values is coarsened one step at a time until the grid fits.
        """
        requested = [c.static_steps if isinstance(c, (Slider, SelectionSlider)) else None for c in self.controls]
        grids = [c.static_values() for c in self.controls]
        while int(np.prod([len(g) for g in grids])) > self.max_frames:
            shrinkable = [i for i, r in enumerate(requested) if r is not None and r > 2]
            if not shrinkable:
                raise ValueError(
                    f"explorer needs {int(np.prod([len(g) for g in grids]))} frames even at the "
                    f"coarsest slider grid; raise max_frames (now {self.max_frames}) or offer "
                    "fewer dropdown options."
                )
            i = max(shrinkable, key=lambda k: len(grids[k]))
            requested[i] -= 1
            grids[i] = self.controls[i].static_values(requested[i])
        return grids

    def static_html(self, fmt: str = "webp") -> str:
        """A self-contained HTML block: controls, frames as data URIs, and a tiny script."""
        start = dict(self.values)
        grids = self.static_grid()
        frames = {}
        for combo in itertools.product(*[range(len(g)) for g in grids]):
            values = {c.name: grids[k][i] for k, (c, i) in enumerate(zip(self.controls, combo))}
            data = base64.b64encode(self.render(fmt, **values)).decode("ascii")
            frames["-".join(map(str, combo))] = f"data:image/{fmt};base64,{data}"
        self.set(**start)
        start_index = [self._nearest(g, start[c.name]) for c, g in zip(self.controls, grids)]
        # Unique on the page and stable from one build to the next.
        uid = f"nnlib-ex-{next(_EXPLORER_IDS)}-" + hashlib.sha1(self.alt.encode()).hexdigest()[:6]
        labels = [[c.describe(v) for v in g] for c, g in zip(self.controls, grids)]
        first = frames["-".join(map(str, start_index))]
        width, height = (self.fig.get_size_inches() * self.dpi).astype(int)
        rows = []
        for k, (control, grid) in enumerate(zip(self.controls, grids)):
            cid = f"{uid}-c{k}"
            text = html.escape(control.label or control.name)
            if isinstance(control, (Slider, SelectionSlider)):
                rows.append(
                    f'<div class="nnlib-control"><label for="{cid}">{text}</label> '
                    f'<input type="range" id="{cid}" min="0" max="{len(grid) - 1}" step="1" '
                    f'value="{start_index[k]}" aria-valuetext="{html.escape(labels[k][start_index[k]])}"> '
                    f'<output for="{cid}">{html.escape(labels[k][start_index[k]])}</output></div>')
            else:
                options = "".join(
                    f'<option value="{i}"{" selected" if i == start_index[k] else ""}>{html.escape(lab)}</option>'
                    for i, lab in enumerate(labels[k]))
                rows.append(f'<div class="nnlib-control"><label for="{cid}">{text}</label> '
                            f'<select id="{cid}">{options}</select></div>')
        payload = json.dumps({"labels": labels, "frames": frames}, separators=(",", ":"))
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (
            f'<figure class="nnlib-explorer" id="{uid}" role="group" '
            f'aria-label="{html.escape(self.alt or "interactive figure")}">'
            f'<div class="nnlib-controls">{"".join(rows)}</div>'
            f'<img class="nnlib-frame" src="{first}" alt="{html.escape(self.alt)}" '
            f'width="{width}" height="{height}" style="max-width:100%;height:auto">'
            f"{caption}"
            f'<script type="application/json" class="nnlib-data">{payload}</script>'
            f"<script>{_STATIC_SCRIPT.replace('__UID__', uid)}</script></figure>"
        )

    @staticmethod
    def _nearest(grid, value):
        if all(isinstance(v, (int, float)) for v in grid) and isinstance(value, (int, float)):
            return int(np.argmin([abs(v - value) for v in grid]))
        return grid.index(value) if value in grid else 0

    # ---- display ------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        if static_mode():
            return {"text/html": self.static_html(), "text/plain": self.alt or repr(self)}
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)

    def __repr__(self):
        return f"Explorer(controls={[c.name for c in self.controls]})"


# Swaps the frame when a control changes. Runs once per explorer; reads its own
# JSON block, so it needs nothing from any other host.
_STATIC_SCRIPT = """(function(){var root=document.getElementById('__UID__');if(!root)return;
var data=JSON.parse(root.querySelector('script.nnlib-data').textContent);
var img=root.querySelector('img.nnlib-frame');var inputs=root.querySelectorAll('input,select');
function show(){var key=[];inputs.forEach(function(el,k){var i=parseInt(el.value,10);key.push(i);
if(el.tagName==='INPUT'){var t=data.labels[k][i];el.setAttribute('aria-valuetext',t);
var out=root.querySelector('output[for="'+el.id+'"]');if(out)out.textContent=t;}});
var src=data.frames[key.join('-')];if(src)img.src=src;}
inputs.forEach(function(el){el.addEventListener('input',show);el.addEventListener('change',show);});})();"""
