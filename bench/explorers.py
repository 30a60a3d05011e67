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
* **Page weights** of the built book (``_build/html``, ``make book``): each chapter page's
  own bytes, the frame files it loads later (when the reader reaches an explorer), the
  shared explorer script and stylesheet, and the whole site.

Run as a script it prints one JSON line: ``python bench/explorers.py``.
"""
from __future__ import annotations

import json
import os
import re
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


SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="([^"]+)"')
LAZY_SRC = re.compile(r'class="nnlib-frames"[^>]*\bdata-src="([^"]+)"')
STYLE_HREF = re.compile(r'<link[^>]*\bhref="([^"]+\.css)[^"]*"')


def page_weights(html: Path = HTML):
    """Each page's own bytes, the scripts and stylesheets it loads at once, the frame files it loads later."""
    html = Path(html)
    if not (html / "index.html").exists():
        return None
    pages = []
    for page in sorted(html.rglob("*.html")):
        name = str(page.relative_to(html).with_suffix(""))
        if not (name.startswith("notebooks/") or name.startswith("book/")):
            continue
        text = page.read_text(encoding="utf-8", errors="replace")

        def local_bytes(links):
            total = 0
            for link in set(links):
                if "://" in link:
                    continue
                target = (page.parent / link.split("?")[0]).resolve()
                if target.is_file():
                    total += target.stat().st_size
            return total

        explorer_assets = [link for link in SCRIPT_SRC.findall(text) + STYLE_HREF.findall(text) if "nnlib-explore" in link]
        pages.append({"page": name, "page_bytes": page.stat().st_size,
                      "explorer_assets_bytes": local_bytes(explorer_assets),
                      "later_bytes": local_bytes(LAZY_SRC.findall(text)),
                      "explorers": text.count('class="nnlib-explorer"')})
    total = sum(f.stat().st_size for f in html.rglob("*") if f.is_file())
    frames = html / "_static" / "explorer-frames"
    shared = html / "_static" / "nnlib-explore.js"
    return {"html": str(html), "pages": pages, "site_bytes": total,
            "frame_files_bytes": sum(f.stat().st_size for f in frames.glob("*")) if frames.exists() else 0,
            "shared_script_bytes": shared.stat().st_size if shared.exists() else 0,
            "page_budget_bytes": PAGE_BUDGET_BYTES, "site_budget_bytes": SITE_BUDGET_BYTES}


def measure(kernel: bool = True) -> dict:
    return {"kernel": kernel_times() if kernel else None, "lab": lab_latency(), "site": page_weights()}


if __name__ == "__main__":
    pin_threads()
    print(json.dumps(measure("--no-kernel" not in sys.argv)))
