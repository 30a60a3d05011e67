"""Explorer-update benchmark: slider change to finished frame, against a bare redraw.

Runs every chapter's code in one IPython shell, collects each ``Explorer`` it
creates, then for each explorer times, interleaved and over several value
changes:

* ``draw``: a bare ``fig.canvas.draw()`` of the same figure (the floor);
* ``update + draw``: ``explorer.set(...)`` (the explorer's update) then the draw;
* ``live frame``: what a slider move costs in a notebook, update + draw + PNG encoding.
"""
from __future__ import annotations

import contextlib
import io
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def collect_explorers(notebooks):
    """Execute the notebooks and return ``[(notebook, index, explorer)]``."""
    import matplotlib

    matplotlib.use("Agg")
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    from nnlib.explore import legacy as explore

    found = []
    original = explore.Explorer.__post_init__

    def recording_post_init(self):
        original(self)
        found.append(self)

    explore.Explorer.__post_init__ = recording_post_init
    results = []
    try:
        for path in notebooks:
            before = len(found)
            shell = InteractiveShell()
            cwd = os.getcwd()
            os.chdir(path.parent)
            try:
                nb = nbformat.read(path, as_version=4)
                for cell in nb.cells:
                    if cell.cell_type != "code":
                        continue
                    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                        outcome = shell.run_cell(cell.source, store_history=False)
                    if not outcome.success:
                        raise RuntimeError(f"{path.name}: a cell failed: {outcome.error_in_exec or outcome.error_before_exec}")
            finally:
                os.chdir(cwd)
                InteractiveShell.clear_instance()
            results += [(path.stem, k + 1, ex) for k, ex in enumerate(found[before:])]
    finally:
        explore.Explorer.__post_init__ = original
    return results


def value_changes(explorer, count=6):
    """A cycle of control values to move through: each step changes one control."""
    grids = explorer.static_grid()
    changes = []
    for step in range(count):
        k = step % len(grids)
        grid = grids[k]
        changes.append({explorer.controls[k].name: grid[(step // len(grids) + 1) % len(grid)]})
    return changes


def time_explorer(explorer, repeats=5):
    fig = explorer.fig
    changes = value_changes(explorer)
    draw, update_draw, live = [], [], []
    fig.canvas.draw()  # warm-up
    for _ in range(repeats):
        for change in changes:
            start = time.perf_counter()
            fig.canvas.draw()
            draw.append(time.perf_counter() - start)
            start = time.perf_counter()
            explorer.set(**change)
            fig.canvas.draw()
            update_draw.append(time.perf_counter() - start)
            start = time.perf_counter()
            explorer.render("png", **change)
            live.append(time.perf_counter() - start)
    return float(np.median(draw)), float(np.median(update_draw)), float(np.median(live))


def measure(notebooks=None):
    notebooks = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows = []
    for notebook, index, explorer in collect_explorers(notebooks):
        draw, update_draw, live = time_explorer(explorer)
        rows.append({"explorer": f"{notebook} #{index}", "draw_ms": draw * 1e3,
                     "update_draw_ms": update_draw * 1e3, "live_ms": live * 1e3,
                     "update_ratio": update_draw / draw, "live_ratio": live / draw})
    return rows
