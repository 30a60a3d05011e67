"""Explorer benchmark: what a slider move costs the kernel, and what the browser measured.

Three parts, each reported only where its data exist:

* **Kernel time per control change.** For every factory in ``nnlib.explorers.FACTORIES``
  the explorer is built with its defaults (the build is timed too: it trains networks for
  some explorers), then every control is moved through its values (at most
  :data:`MAX_VALUES` of them, evenly spread) with the others at their starting values. A
  move is timed as the live widget pays for it: ``explorer.frame(**values)`` (the Python
  ``compute``), then ``encode`` and JSON, the message the kernel sends to the browser.
  The first visit of each value is timed separately from a second visit, since some
  explorers cache what they computed. Reported per explorer: the median over all values
  of all controls, and the slowest value.
* **JupyterLab latency**, from ``_build/lab/latency.json``, which ``make check-lab``
  (``tests/lab/``) writes: key press to new figure, the book's explorer against a naive
  ``interact`` that rebuilds a matplotlib figure, first and repeated moves.
* **Page weights** of the built book (``_build/html``, ``make book``): what a first visit to
  each page loads (the page, the shared theme, maths renderer and fonts; counted as the
  build's report counts it, ``book/_ext/page_weight.py``), what it loads later (explorer
  code and data, when the reader reaches an explorer), and the whole site.

Run as a script it prints one JSON line: ``python bench/explorers.py``.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interleave import pin_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LATENCY_JSON = ROOT / "_build" / "lab" / "latency.json"
HTML = ROOT / "_build" / "html"
MAX_VALUES = 25
#: Budgets from issue 9: a page's first load and the whole site.
PAGE_BUDGET_BYTES, SITE_BUDGET_BYTES = 2_000_000, 60_000_000


def spread(values, most=MAX_VALUES):
    values = list(values)
    if len(values) <= most:
        return values
    picks = sorted({round(i * (len(values) - 1) / (most - 1)) for i in range(most)})
    return [values[i] for i in picks]


def kernel_times() -> list[dict]:
    import nnlib.explorers as explorers
    from nnlib.explore import encode

    rows = []
    for name in explorers.FACTORIES:
        start = time.perf_counter()
        try:
            explorer = getattr(explorers, name)()
        except Exception as error:  # report it and go on: one broken explorer must not hide the others
            rows.append({"explorer": name, "error": f"{type(error).__name__}: {error}"})
            continue
        build = time.perf_counter() - start
        start_values = dict(explorer.values)
        cold, warm, sizes = [], [], []
        for control in explorer.controls:
            for value in spread(control.values):
                for series in (cold, warm):
                    start = time.perf_counter()
                    message = json.dumps(encode(explorer.frame(**{control.name: value})), separators=(",", ":"))
                    series.append(time.perf_counter() - start)
                sizes.append(len(message))
            explorer.frame(**start_values)
        rows.append({"explorer": name, "build_s": build, "controls": len(explorer.controls),
                     "moves": len(cold), "median_ms": 1e3 * statistics.median(cold),
                     "max_ms": 1e3 * max(cold), "repeat_median_ms": 1e3 * statistics.median(warm),
                     "message_kb": statistics.median(sizes) / 1e3, "web": explorer.web})
    return rows


def lab_latency():
    if not LATENCY_JSON.exists():
        return None
    data = json.loads(LATENCY_JSON.read_text(encoding="utf-8"))
    return {key: data.get(key) for key in ("chapter", "explorer", "date", "max_ratio", "first_move", "repeated_moves",
                                           "naive", "measured", "device_scale_factor")}


def _page_weight_module():
    """The build's own count of a first visit (``book/_ext/page_weight.py``), so both agree."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "book" / "_ext" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_weights(html: Path = HTML):
    """What a first visit to each page loads, what it loads later, and the whole site.

    ``first_load_bytes`` counts the page, its scripts, stylesheets, preloads and eager images,
    plus every web font its stylesheets declare (``font_bytes``, an upper bound: a browser
    fetches only the fonts the page uses); see ``book/_ext/page_weight.py``, which the build's
    report uses too, and ``tests/book/test_first_load.py``, which measures the exact bytes in
    Chromium. ``explorer_assets_bytes`` is everything of that first visit but the page's own
    file (the shared theme, maths renderer, fonts and explorer loader), so that ``page_bytes +
    explorer_assets_bytes`` is the first visit. ``later_bytes`` is what loads when the reader
    reaches the explorers: their code (``nnlib-explore.js``) and data files.
    """
    html = Path(html)
    if not (html / "index.html").exists():
        return None
    page_weight = _page_weight_module()
    weights = page_weight.site_weights(html)
    pages = []
    for row in weights["pages"]:
        name = row["page"]
        if not (name.startswith("notebooks/") or name.startswith("book/")):
            continue
        first = row["first_load_bytes"] + row["font_bytes"]
        pages.append({"page": name, "page_bytes": row["page_bytes"],
                      "first_load_bytes": first, "font_bytes": row["font_bytes"],
                      "explorer_assets_bytes": first - row["page_bytes"],
                      "later_bytes": row["later_bytes"], "explorers": row["explorers"],
                      "largest_first_load_files": page_weight.largest(row["files"])})
    frames = html / "_static" / "explorer-frames"
    shared = html / "_static" / "nnlib-explore.js"
    return {"html": str(html), "pages": pages, "site_bytes": weights["site_bytes"],
            "counted": page_weight.WHAT_IS_COUNTED,
            "frame_files_bytes": sum(f.stat().st_size for f in frames.glob("*")) if frames.exists() else 0,
            "shared_script_bytes": shared.stat().st_size if shared.exists() else 0,
            "page_budget_bytes": PAGE_BUDGET_BYTES, "site_budget_bytes": SITE_BUDGET_BYTES}


def measure(kernel: bool = True) -> dict:
    return {"kernel": kernel_times() if kernel else None, "lab": lab_latency(), "site": page_weights()}


if __name__ == "__main__":
    pin_threads()
    print(json.dumps(measure("--no-kernel" not in sys.argv)))
