"""Serve the explorers' browser code, and keep their precomputed frames out of the page.

* Writes ``_static/nnlib-explore.js`` (Plot, d3, the runtime and every view, from
  :mod:`nnlib.explore.bundle`, 700 kB) and ``_static/nnlib-explore.css`` once per build. The
  pages that hold an explorer, and only those, get the stylesheet (1 kB) and a small loader,
  ``_static/nnlib-explore-loader.js``, which loads the bundle only when an explorer comes
  within :data:`NEAR` of the viewport or receives keyboard focus (an explorer not yet loaded
  is a tab stop, and focusing it loads it and moves focus to its first control). The runtime
  then mounts each explorer as the reader comes near it. So a first visit loads no explorer
  code unless an explorer is near the top of the page.
* Moves each explorer's large data out of its page into ``_static/explorer-frames/<hash>.js``,
  scripts that hand the data to the runtime when loaded: the table of precomputed frames
  (loaded when the reader reaches the explorer or moves a control) and any specification
  (controls, data, first frame) over :data:`INLINE_SPEC_BYTES` (loaded when the explorer
  mounts). Script files load from ``file://`` as well as from a server, which ``fetch`` would
  not.
* Reports, for every page, what a first visit loads (:mod:`page_weight` lists which files it
  counts) and what loads later, against the 2 MB budget, and the whole site against 60 MB.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPT = "nnlib-explore.js"
LOADER = "nnlib-explore-loader.js"
STYLESHEET = "nnlib-explore.css"
FRAMES_DIR = "explorer-frames"
FRAMES = re.compile(r'<script type="application/json" class="nnlib-frames">(.*?)</script>', re.DOTALL)
SPEC = re.compile(r'<script type="application/json" class="nnlib-spec">(.*?)</script>', re.DOTALL)
#: A specification larger than this leaves the page for a lazily loaded file.
INLINE_SPEC_BYTES = 4_000
#: How near the viewport (above or below) an explorer loads: about two screens ahead.
NEAR = "1500px 0px"

LOADER_JS = """\
/* Loads the explorers' code (%(script)s: Plot, d3 and the views) only when the reader comes
 * near an explorer (within %(near)s of the viewport) or reaches one with the keyboard, not
 * with the page. Until then each explorer is a tab stop: focusing it loads it, and focus moves
 * to its first control. Written by book/_ext/explorers.py. */
(() => {
  "use strict";
  const bundle = new URL("%(script)s", document.currentScript.src).href;
  let requested = false;
  const load = () => {
    if (requested) return;
    requested = true;
    const script = document.createElement("script");
    script.src = bundle;
    document.head.appendChild(script);
  };
  const start = () => {
    const figures = Array.from(document.querySelectorAll("figure.nnlib-explorer[data-static]"));
    if (!figures.length) return;
    figures.forEach((figure) => {
      if (!figure.dataset.mounted && !figure.hasAttribute("tabindex")) {
        figure.tabIndex = 0;
        figure.dataset.focusUntilMounted = "1";
      }
      figure.addEventListener("focusin", load);
    });
    if (!window.IntersectionObserver) return load();
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        load();
      }
    }, { rootMargin: "%(near)s" });
    figures.forEach((figure) => observer.observe(figure));
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
"""


def _write_assets(app):
    from nnlib.explore import bundle

    static = Path(app.outdir) / "_static"
    (static / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
    (static / SCRIPT).write_text(bundle.script(), encoding="utf-8")
    (static / STYLESHEET).write_text(bundle.stylesheet(), encoding="utf-8")
    (static / LOADER).write_text(LOADER_JS % {"script": SCRIPT, "near": NEAR}, encoding="utf-8")


def _write_assets_once(app):
    if not getattr(app, "_nnlib_assets_written", False):
        _write_assets(app)
        app._nnlib_assets_written = True


def _write_lazy_script(app, context, payload: str) -> tuple[str, str, int]:
    """Write ``nnlibExplore.deliver(key, payload)`` to a frames file; return (src, key, bytes)."""
    key = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]
    path = Path(app.outdir) / "_static" / FRAMES_DIR / f"{key}.js"
    code = f'nnlibExplore.deliver("{key}", {payload});\n'
    path.write_text(code, encoding="utf-8")
    return context["pathto"](f"_static/{FRAMES_DIR}/{key}.js", 1), key, len(code.encode("utf-8"))


def _move_data(app, pagename, context) -> int:
    """Replace inline frame tables and large specifications by lazily loaded files; return their bytes."""
    moved = 0

    def replacer(css_class, smallest):
        def replace(match):
            nonlocal moved
            payload = match.group(1)
            if len(payload.encode("utf-8")) <= smallest:
                return match.group(0)
            src, key, size = _write_lazy_script(app, context, payload)
            moved += size
            return f'<script type="application/json" class="{css_class}" data-src="{src}" data-key="{key}"></script>'
        return replace

    body = FRAMES.sub(replacer("nnlib-frames", 0), context.get("body", ""))
    context["body"] = SPEC.sub(replacer("nnlib-spec", INLINE_SPEC_BYTES), body)
    return moved


def _page_context(app, pagename, templatename, context, doctree):
    if "nnlib-explorer" not in context.get("body", "") or 'data-static' not in context.get("body", ""):
        return
    _write_assets_once(app)
    app.add_css_file(STYLESHEET)
    app.add_js_file(LOADER, loading_method="defer")
    app._nnlib_lazy_bytes[pagename] = _move_data(app, pagename, context)


def _report(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import page_weight

    outdir = Path(app.outdir)
    weights = page_weight.site_weights(outdir)
    budget = page_weight.PAGE_BUDGET_BYTES
    logger.info(f"First-visit weight of every page (budget {budget / 1e6:.0f} MB; tests/book/test_first_load.py "
                f"measures it in Chromium): {page_weight.WHAT_IS_COUNTED}")
    for row in weights["pages"]:
        later = f"   later (explorer code and data) {row['later_bytes'] / 1e6:5.2f} MB" if row["later_bytes"] else ""
        most = row["first_load_bytes"] + row["font_bytes"]
        maybe = "   (with every declared font over budget: the browser test decides)" if most > budget else ""
        logger.info(f"  {row['page']:<50} first visit {row['first_load_bytes'] / 1e6:5.2f} MB "
                    f"+ fonts up to {row['font_bytes'] / 1e6:4.2f} MB (page {row['page_bytes'] / 1e6:4.2f} MB)"
                    f"{later}{maybe}")
        if row["first_load_bytes"] > budget:
            logger.warning(f"{row['page']}: a first visit loads at least {row['first_load_bytes'] / 1e6:.2f} MB, "
                           f"over the {budget / 1e6:.0f} MB budget (largest: {page_weight.largest(row['files'])})")
    heaviest = max(weights["pages"], key=lambda row: row["first_load_bytes"], default=None)
    if heaviest:
        logger.info(f"Heaviest first visit: {heaviest['page']}, {heaviest['first_load_bytes'] / 1e6:.2f} MB "
                    f"+ fonts up to {heaviest['font_bytes'] / 1e6:.2f} MB "
                    f"(largest files: {page_weight.largest(heaviest['files'])})")
    logger.info(f"Whole site: {weights['site_bytes'] / 1e6:.1f} MB (budget {page_weight.SITE_BUDGET_BYTES / 1e6:.0f} MB)")
    if weights["site_bytes"] > page_weight.SITE_BUDGET_BYTES:
        logger.warning(f"the whole site is {weights['site_bytes'] / 1e6:.1f} MB, over the "
                       f"{page_weight.SITE_BUDGET_BYTES / 1e6:.0f} MB budget")


def _refresh_assets(app, exception):
    """An incremental build that rewrites no explorer page (only a view's ``.js`` changed, say)
    would keep a stale bundle; rewrite it whenever an earlier build left one."""
    if exception is None and (Path(app.outdir) / "_static" / SCRIPT).exists():
        _write_assets_once(app)


def setup(app):
    app._nnlib_lazy_bytes = {}
    app.connect("build-finished", _refresh_assets, priority=100)
    # Before offline_book, which replaces the page's list of scripts with a filtered copy.
    app.connect("html-page-context", _page_context, priority=100)
    # After the other extensions have rewritten the pages (offline_search, offline_book).
    app.connect("build-finished", _report, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
