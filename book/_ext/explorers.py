"""Serve the explorers' browser code, and keep their precomputed frames out of the page.

* Writes ``_static/nnlib-explore.js`` (Plot, d3, the runtime and every view, from
  :mod:`nnlib.explore.bundle`) and ``_static/nnlib-explore.css`` once per build, and adds
  them to the pages that hold an explorer, and only to those.
* Moves each explorer's table of precomputed frames out of its page into
  ``_static/explorer-frames/<hash>.js``, a script that hands the table to the runtime when
  loaded. The page keeps the explorer's first frame, so it draws at once; the rest loads
  when the reader scrolls near the explorer or moves a control. Script files load from
  ``file://`` as well as from a server, which ``fetch`` would not.
* Reports every page's size, with the frames it loads later, and the whole site's.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPT = "nnlib-explore.js"
STYLESHEET = "nnlib-explore.css"
FRAMES_DIR = "explorer-frames"
FRAMES = re.compile(r'<script type="application/json" class="nnlib-frames">(.*?)</script>', re.DOTALL)


def _write_assets(app):
    from nnlib.explore import bundle

    static = Path(app.outdir) / "_static"
    (static / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
    (static / SCRIPT).write_text(bundle.script(), encoding="utf-8")
    (static / STYLESHEET).write_text(bundle.stylesheet(), encoding="utf-8")


def _move_frames(app, pagename, context) -> int:
    """Replace inline frame tables by references to lazily loaded files; return their bytes."""
    body = context.get("body", "")
    moved = 0

    def replace(match):
        nonlocal moved
        table = match.group(1)
        key = hashlib.sha1(table.encode("utf-8")).hexdigest()[:16]
        path = Path(app.outdir) / "_static" / FRAMES_DIR / f"{key}.js"
        code = f'nnlibExplore.deliver("{key}", {table});\n'
        path.write_text(code, encoding="utf-8")
        moved += len(code.encode("utf-8"))
        src = context["pathto"](f"_static/{FRAMES_DIR}/{key}.js", 1)
        return f'<script type="application/json" class="nnlib-frames" data-src="{src}" data-key="{key}"></script>'

    context["body"] = FRAMES.sub(replace, body)
    return moved


def _page_context(app, pagename, templatename, context, doctree):
    if "nnlib-explorer" not in context.get("body", "") or 'data-static' not in context.get("body", ""):
        return
    if not getattr(app, "_nnlib_assets_written", False):
        _write_assets(app)
        app._nnlib_assets_written = True
    app.add_css_file(STYLESHEET)
    app.add_js_file(SCRIPT, loading_method="defer")
    app._nnlib_lazy_bytes[pagename] = _move_frames(app, pagename, context)


def _report(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    rows = []
    for page in sorted(outdir.rglob("*.html")):
        name = str(page.relative_to(outdir).with_suffix(""))
        lazy = app._nnlib_lazy_bytes.get(name, 0)
        rows.append((name, page.stat().st_size, lazy))
    total = sum(f.stat().st_size for f in outdir.rglob("*") if f.is_file())
    logger.info("Page weights (the page itself; frames that load when the reader reaches an explorer):")
    for name, size, lazy in rows:
        if lazy or size > 200_000:
            logger.info(f"  {name:<50} {size / 1e6:5.2f} MB   later {lazy / 1e6:5.2f} MB")
    logger.info(f"Whole site: {total / 1e6:.1f} MB")


def setup(app):
    app._nnlib_lazy_bytes = {}
    # Before offline_book, which replaces the page's list of scripts with a filtered copy.
    app.connect("html-page-context", _page_context, priority=100)
    app.connect("build-finished", _report)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
