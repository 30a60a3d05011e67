"""The Explorer: a compute function, its controls, and a view that draws what it returns."""
from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
from typing import Callable

import numpy as np

from .controls import Dropdown, SelectionSlider, Slider, control_spec
from .encoding import encode

STATIC_ENV = "NNLIB_STATIC_EXPLORERS"
WEB_MODES = ("browser", "frames")


def static_mode() -> bool:
    """True while the book is being built: explorers render as self-contained HTML."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


class Explorer:
    """A figure with controls, computed in Python and drawn in the browser.

    Parameters
    ----------
    view : str
        Name of the browser view that draws a frame (a script in ``nnlib/explorers/``
        registered with ``nnlibExplore.register(view, ...)``).
    compute : callable
        ``compute(**values) -> dict``: everything the figure shows for one setting of the
        controls (arrays, numbers, strings). It is the explorer's single source of truth:
        a running notebook calls it on every control change, and the book build calls it
        for precomputed frames.
    controls : list of Slider, SelectionSlider or Dropdown
    data : dict, optional
        What the view needs that never changes (grids, data points, reference curves);
        sent once.
    alt : str
        Text alternative of the figure: what it shows.
    caption : str
        Shown under the figure.
    web : {"browser", "frames"}
        How the web book gets frames: ``"browser"`` runs the view's own ``compute`` (a
        browser twin of ``compute``, which the book's browser tests compare with this one
        at sampled control values); ``"frames"`` precomputes ``compute`` at every
        combination of control values when the book is built.
    max_width : int
        Widest the figure is drawn, in CSS pixels (narrower columns get a narrower figure).
    max_frames : int
        Largest number of frames ``web="frames"`` may precompute.
    """

    def __init__(self, view: str, compute: Callable[..., dict], controls: list, *, data: dict | None = None,
                 alt: str, caption: str = "", web: str = "browser", max_width: int = 760,
                 max_frames: int = 4000):
        if not isinstance(view, str) or not view:
            raise TypeError(f"view must be the name of a browser view, got {view!r}.")
        if not callable(compute):
            raise TypeError(f"compute must be a function of the control values, got {type(compute).__name__}.")
        controls = list(controls)
        for control in controls:
            if not isinstance(control, (Slider, SelectionSlider, Dropdown)):
                raise TypeError(f"controls must be Slider, SelectionSlider or Dropdown, got {control!r}.")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be unique, got {names}.")
        if web not in WEB_MODES:
            raise ValueError(f"web must be one of {WEB_MODES}, got {web!r}.")
        if not alt or not alt.strip():
            raise ValueError("an explorer needs alt text: say in words what the figure shows.")
        self.view, self.compute, self.controls = view, compute, controls
        self.data = {} if data is None else dict(data)
        self.alt, self.caption, self.web = alt, caption, web
        self.max_width, self.max_frames = max_width, max_frames
        self.values = {c.name: c.start for c in controls}
        self.origin: dict | None = None  # set by nnlib.explorers' factories: how to rebuild this explorer
        self.frame(**self.values)  # fail now, in the notebook, rather than in the browser

    # ---- the model --------------------------------------------------------------------
    def frame(self, **values) -> dict:
        """``compute`` at these control values (unnamed controls keep their current value)."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.values)}.")
        for control in self.controls:
            if control.name in values and values[control.name] not in control.values:
                raise ValueError(f"{values[control.name]!r} is not a value of control {control.name!r}; "
                                 f"it takes {list(control.values)[:6]}{' ...' if len(control.values) > 6 else ''}.")
        self.values.update(values)
        result = self.compute(**self.values)
        if not isinstance(result, dict):
            raise TypeError(f"compute() must return a dict of what the figure shows, got {type(result).__name__}.")
        return result

    def spec(self) -> dict:
        """Everything the browser needs, except frames: view, controls, data, texts."""
        spec = {"view": self.view, "controls": [control_spec(c) for c in self.controls],
                "data": encode(self.data, float_dtype=np.float64), "alt": self.alt, "caption": self.caption,
                "maxWidth": self.max_width, "mode": self.web}
        if self.origin is not None:
            spec["origin"] = self.origin
        return spec

    def grid(self) -> list[tuple]:
        """Every combination of control values, in the order frames are stored."""
        return list(itertools.product(*[c.values for c in self.controls]))

    def frames(self) -> dict:
        """All frames for the web book: ``{"index": {key: i}, "frames": [...]}``.

        A key lists each control's position ("3-0-12"); identical frames are stored once.
        """
        combos = self.grid()
        if len(combos) > self.max_frames:
            sizes = " x ".join(str(len(c.values)) for c in self.controls)
            raise ValueError(f"precomputing this explorer needs {len(combos)} frames ({sizes}), more than "
                             f"max_frames={self.max_frames}. Use fewer control positions, or web='browser' "
                             "with a browser twin of compute().")
        start = dict(self.values)
        index, frames, seen = {}, [], {}
        for combo in combos:
            values = dict(zip([c.name for c in self.controls], combo))
            text = json.dumps(encode(self.frame(**values)), separators=(",", ":"))
            if text not in seen:
                seen[text] = len(frames)
                frames.append(json.loads(text))
            key = "-".join(str(c.values.index(v)) for c, v in zip(self.controls, combo))
            index[key] = seen[text]
        self.values.update(start)
        return {"index": index, "frames": frames}

    # ---- the web book -----------------------------------------------------------------
    def static_html(self) -> str:
        """A self-contained block for the web book; the page's script draws it."""
        spec = self.spec()
        spec["startFrame"] = encode(self.frame(**self.values))
        frames_block = ""
        if self.web == "frames":
            frames = json.dumps(self.frames(), separators=(",", ":"))
            frames_block = f'<script type="application/json" class="nnlib-frames">{_safe(frames)}</script>'
        payload = json.dumps(spec, separators=(",", ":"))
        uid = "nnlib-ex-" + hashlib.sha1((self.view + payload).encode()).hexdigest()[:10]
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="nnlib-explorer" id="{uid}" data-static data-view="{html.escape(self.view)}">'
                f'<div class="nnlib-controls"></div>'
                f'<div class="nnlib-figure" role="img" aria-label="{html.escape(self.alt)}"></div>'
                f'{caption}<script type="application/json" class="nnlib-spec">{_safe(payload)}</script>'
                f"{frames_block}</figure>")

    # ---- the notebook -----------------------------------------------------------------
    def widget(self):
        """A live widget: the controls call ``compute`` in the kernel; the browser draws."""
        from .widget import ExplorerWidget

        return ExplorerWidget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if static_mode():
            return {"text/html": self.static_html(), "text/plain": self.alt}
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)

    def __repr__(self):
        return f"Explorer(view={self.view!r}, controls={[c.name for c in self.controls]})"


def _safe(text: str) -> str:
    """JSON inside <script>: a "</" would end the script element early."""
    return text.replace("</", "<\\/")
