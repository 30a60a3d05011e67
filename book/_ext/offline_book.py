"""Keep the built book self-contained, and say so loudly when it is not.

* Drops sphinx-thebe's scripts: the book has no live-kernel cells in the page
  (its explorers run in the page), and thebe would load its code from a
  third-party host when activated. Drops Font Awesome's script too (the icons
  come from the theme's stylesheet).
* Adds the stylesheet for the static explorers.
* Marks every image ``loading="lazy"``: the browser fetches it when the reader scrolls near
  it (from ``file://`` too), so a chapter's figures further down cost its first visit nothing.
* After the build, scans every HTML page for scripts, stylesheets, fonts and
  images fetched from another host, and for pages over the size budget, and
  checks that every figure of a chapter is an SVG whose smallest text stays
  legible (at least ``MIN_TEXT_PX`` CSS pixels) on a phone. Each finding is a
  Sphinx warning, so ``jupyter-book build -W`` fails on it.
"""
from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

PAGE_BUDGET_BYTES = 2_000_000
EXTERNAL_ASSET = re.compile(
    r"""<(?:script|img|source|iframe)\b[^>]*\bsrc=["'](https?:)?//[^"']+["']"""
    r"""|<link\b(?=[^>]*\brel=["'](?:stylesheet|preload|modulepreload|icon)["'])[^>]*\bhref=["'](?:https?:)?//[^"']+["']"""
    r"""|url\(\s*["']?(?:https?:)?//[^)]+\)""",
    re.IGNORECASE,
)


def _is_thebe(asset) -> bool:
    filename = getattr(asset, "filename", asset) or ""
    body = getattr(asset, "attributes", {}).get("body", "") if hasattr(asset, "attributes") else ""
    return "thebe" in str(filename) or "THEBE_JS_URL" in str(body)


# The theme's icons come from its stylesheet and web fonts; Font Awesome's 1.5 MB script (an
# SVG replacement engine the theme writes into every page head) only repeats them, and was the
# largest download of a first visit.
FONTAWESOME_SCRIPT = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


# An <img> without a loading attribute (the browser's default is to fetch it at once).
EAGER_IMAGE = re.compile(r"<img\b(?![^>]*\bloading=)", re.IGNORECASE)


def _drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


CHAPTER_IMAGE = re.compile(r'<img[^>]*\bsrc="\.\./(_images/[^"]+)"', re.IGNORECASE)


def _check_figures(outdir: Path, page: Path, text: str):
    from nnlib.plotting import MIN_TEXT_PX, PHONE_COLUMN_PX, smallest_text_px

    for source in CHAPTER_IMAGE.findall(text):
        image = outdir / source
        if image.suffix != ".svg":
            logger.warning(f"{page.relative_to(outdir)}: figure {source} is a bitmap; figures are SVG "
                           "(nnlib.plotting.use_book_style() selects it) so they stay sharp on any screen.")
            continue
        smallest = smallest_text_px(image.read_text(encoding="utf-8"), PHONE_COLUMN_PX)
        if smallest is not None and smallest < MIN_TEXT_PX - 1e-6:
            logger.warning(f"{page.relative_to(outdir)}: figure {source} has text {smallest:.1f} CSS px tall on a "
                           f"phone (under {MIN_TEXT_PX}); make the figure narrower (at most 0.47 inch per point of "
                           "its smallest font: 5.2 inches at 11 pt) or its text larger.")


def _check_site(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        rewritten = EAGER_IMAGE.sub('<img loading="lazy"', FONTAWESOME_SCRIPT.sub("", text))
        if rewritten != text:
            text = rewritten
            page.write_text(text, encoding="utf-8")
        for match in EXTERNAL_ASSET.finditer(text):
            logger.warning(f"{page.relative_to(outdir)} loads an asset from another host: {match.group(0)[:160]}")
        if page.parent.name == "notebooks":
            _check_figures(outdir, page, text)
        size = page.stat().st_size
        if size > PAGE_BUDGET_BYTES:
            logger.warning(f"{page.relative_to(outdir)} is {size / 1e6:.2f} MB, over the "
                           f"{PAGE_BUDGET_BYTES / 1e6:.0f} MB page budget; coarsen its explorers' grids.")


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    app.connect("build-finished", _check_site)
    app.add_css_file("css/nnlib-book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
