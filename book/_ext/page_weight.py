"""What a first visit to each page of the built book loads, counted from the files alone.

Used by the build's report (``explorers.py``) and by the benchmark (``bench/explorers.py``).
The exact figure is measured in a browser by ``tests/book/test_first_load.py``; this count
reads only the HTML and CSS. Its ``first_load_bytes`` counts (:data:`WHAT_IS_COUNTED`):

* the page itself;
* every local script and stylesheet it links, and every file it preloads;
* every image it shows, except those marked ``loading="lazy"`` (the book marks all its
  figures so; one within the first screen would still load at once, and is not counted).

Web fonts are counted apart, as ``font_bytes``: every font that the linked stylesheets declare,
one file per ``@font-face`` (the first source, the one a browser that reads WOFF2 takes). A
browser fetches only the fonts the page uses (in this book, the theme's icon fonts and a few of
KaTeX's twenty), so ``first_load_bytes + font_bytes`` is an upper bound and ``first_load_bytes``
a lower one; the browser test measures the truth between them.

What the page loads later is not counted: the explorer code and data that the explorer loader
fetches when the reader comes near an explorer, and the search index that loads when the
reader uses the search box.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

PAGE_BUDGET_BYTES = 2_000_000
SITE_BUDGET_BYTES = 60_000_000
WHAT_IS_COUNTED = ("the page, its scripts, stylesheets, preloads and eager images; + up to: every web font its "
                   "stylesheets declare (a browser fetches only those the page uses); explorer code and data, "
                   "lazy images and the search index load later and are not counted")

TAG = re.compile(r"<(script|link|img)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')
FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}", re.IGNORECASE)
FIRST_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)")
LAZY_DATA = re.compile(r'class="nnlib-(?:frames|spec)"[^>]*\bdata-src="([^"]+)"')


def _local(base: Path, link: str) -> Path | None:
    if "://" in link or link.startswith(("data:", "//", "#")):
        return None
    target = (base / unquote(link.split("?")[0].split("#")[0])).resolve()
    return target if target.is_file() else None


def _stylesheet_files(sheet: Path, seen: set[Path], fonts: dict[Path, int]) -> dict[Path, int]:
    """The stylesheet and those it imports; the first source of each of their fonts goes to ``fonts``."""
    if sheet in seen:
        return {}
    seen.add(sheet)
    files = {sheet: sheet.stat().st_size}
    text = sheet.read_text(encoding="utf-8", errors="replace")
    for link in IMPORT.findall(text):
        target = _local(sheet.parent, link)
        if target:
            files.update(_stylesheet_files(target, seen, fonts))
    for block in FONT_FACE.findall(text):
        first = FIRST_URL.search(block)
        target = _local(sheet.parent, first.group(1)) if first else None
        if target:
            fonts[target] = target.stat().st_size
    return files


def first_load_files(page: Path) -> tuple[dict[Path, int], dict[Path, int]]:
    """The files counted for a first visit to ``page``, and the fonts it may load, with their bytes."""
    page = Path(page).resolve()
    files, fonts, seen = {page: page.stat().st_size}, {}, set()
    for tag, attributes in TAG.findall(page.read_text(encoding="utf-8", errors="replace")):
        attrs = dict(ATTRIBUTE.findall(attributes))
        tag = tag.lower()
        if tag == "script":
            link = attrs.get("src")
        elif tag == "img":
            link = None if attrs.get("loading") == "lazy" else attrs.get("src")
        else:
            rel = attrs.get("rel", "").lower().split()
            link = attrs.get("href") if {"stylesheet", "preload", "modulepreload", "icon"} & set(rel) else None
        target = _local(page.parent, link) if link else None
        if target is None:
            continue
        if target.suffix == ".css":
            files.update(_stylesheet_files(target, seen, fonts))
        else:
            files[target] = target.stat().st_size
    return files, fonts


def later_files(page: Path, site: Path) -> dict[Path, int]:
    """Explorer code and data that a page loads when the reader reaches its explorers."""
    text = Path(page).read_text(encoding="utf-8", errors="replace")
    files = {}
    if 'class="nnlib-explorer"' in text:
        bundle = Path(site) / "_static" / "nnlib-explore.js"
        if bundle.is_file():
            files[bundle.resolve()] = bundle.stat().st_size
    for link in LAZY_DATA.findall(text):
        target = _local(Path(page).parent, link)
        if target:
            files[target] = target.stat().st_size
    return files


def largest(files: dict[Path, int], count: int = 5) -> str:
    rows = sorted(files.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{path.name} {size / 1e3:.0f} kB" for path, size in rows)


def site_pages(site: Path) -> list[Path]:
    return sorted(p for p in Path(site).rglob("*.html") if "_static" not in p.relative_to(site).parts)


def site_weights(site: Path) -> dict:
    """Every page's first-visit and later bytes, and the whole site's bytes."""
    site = Path(site)
    pages = []
    for page in site_pages(site):
        files, fonts = first_load_files(page)
        later = later_files(page, site)
        text = page.read_text(encoding="utf-8", errors="replace")
        pages.append({"page": str(page.relative_to(site).with_suffix("")), "page_bytes": page.stat().st_size,
                      "first_load_bytes": sum(files.values()), "files": files,
                      "font_bytes": sum(fonts.values()),
                      "later_bytes": sum(later.values()),
                      "explorer_code_bytes": sum(size for path, size in later.items() if path.name == "nnlib-explore.js"),
                      "explorers": text.count('class="nnlib-explorer"')})
    site_bytes = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    return {"pages": pages, "site_bytes": site_bytes}
