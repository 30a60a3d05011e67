"""A small progress bar for training loops.

In a notebook it is one output that updates in place (an HTML ``<progress>``
element and a line of text); in a terminal it rewrites one line on stderr. It is
throttled so that drawing never slows training down noticeably.
"""
from __future__ import annotations

import html
import sys
import time


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where rich output can be updated in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class ProgressBar:
    """Shows ``done / total`` with a message; ``update`` is cheap to call often.

    Parameters
    ----------
    total : int
        Number of steps (e.g. epochs).
    label : str
        Shown before the counter.
    min_interval : float
        Seconds between redraws; the final state is always drawn.
    """

    def __init__(self, total: int, label: str = "training", min_interval: float = 0.2):
        from ._validation import check_non_negative, check_positive_int

        self.total = check_positive_int(total, "ProgressBar total")
        self.label = str(label)
        self.min_interval = check_non_negative(min_interval, "ProgressBar min_interval")
        self._last_draw = 0.0
        self._handle = None
        self._notebook = in_notebook()

    def update(self, done: int, message: str = "", force: bool = False) -> None:
        now = time.perf_counter()
        if not force and done < self.total and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        text = f"{self.label}: {done}/{self.total} {message}".rstrip()
        if self._notebook:
            self._draw_notebook(done, text)
        else:
            end = "\n" if done >= self.total else ""
            print(f"\r{text}", end=end, file=sys.stderr, flush=True)

    def _draw_notebook(self, done: int, text: str) -> None:
        from IPython.display import HTML, display

        bar = (
            f'<div class="nnlib-progress"><progress value="{done}" max="{self.total}" '
            f'aria-label="{html.escape(self.label)}" style="width: 16em"></progress> '
            f"<code>{html.escape(text)}</code></div>"
        )
        obj = HTML(bar)
        if self._handle is None:
            self._handle = display(obj, display_id=True)
        else:
            self._handle.update(obj)
