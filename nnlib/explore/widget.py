"""The live explorer in a notebook: an anywidget whose controls call ``compute`` in the kernel.

The browser side is the same runtime and view as in the web book; only the source of frames
differs. A control change sends the new values with a sequence number; the kernel answers
with the frame for exactly those values (or the error it raised), and the browser, which
keeps at most one request in flight, draws it.
"""
from __future__ import annotations

import anywidget
import traitlets

from .bundle import stylesheet, widget_module
from .encoding import encode


class ExplorerWidget(anywidget.AnyWidget):
    """Wraps an :class:`~nnlib.explore.Explorer` for Jupyter (JupyterLab, Notebook 7, VS Code, Colab)."""

    _esm = widget_module()
    _css = stylesheet()
    spec = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)

    def __init__(self, explorer, **kwargs):
        self._explorer = explorer
        first = {"seq": 0, "frame": encode(explorer.frame(**explorer.values))}
        super().__init__(spec=explorer.spec(),
                         values=dict(explorer.values), frame=first, **kwargs)

    @traitlets.observe("values")
    def _values_changed(self, change):
        values = dict(change["new"])
        seq = values.pop("__seq__", None)
        if seq is None:
            return
        try:
            reply = {"seq": seq, "frame": encode(self._explorer.frame(**values))}
        except Exception as error:  # shown in the figure's place, so the reader sees what went wrong
            reply = {"seq": seq, "error": f"{type(error).__name__}: {error}"}
        self.frame = reply
