"""Search result snippets when the book is opened from the file system (``file://``).

Sphinx's ``searchtools.js`` cuts each result's snippet from the result page, which it
downloads with ``fetch``. Browsers refuse ``fetch`` on ``file://`` pages, so a reader who
opens ``_build/html/index.html`` directly gets a CORS error and an uncaught "Failed to
fetch" for every result, and no snippets.

``searchtools.js`` has no hook for where a page's text comes from; its only dependency is
the global ``fetch``. So, on the search page only and only under ``file://``, a small
script (``_static/offline-search.js``) answers ``fetch`` requests for the book's own pages
from a text copy of them written at build time (``_static/offline-search-texts.js``,
loaded by that script on first use, as a ``<script>``, which ``file://`` allows). Every
other request, and every request over http, goes to the browser's ``fetch`` untouched, so
a served book behaves exactly as before.

On every other page the theme links Sphinx's search scripts and the whole search index
(``searchindex.js``, 160 kB and growing with the book) in the page head, though only the search
page uses them (the theme's search-as-you-type is off: the search box opens the search page).
After the build those three tags are replaced by ``_static/search-on-demand.js``, a few lines
that load them, in order, the first time the reader focuses the search box or its button.

The text copy keeps, for each page, the text of its article (what a reader reads: no
navigation, no table of contents) and the elements that carry an ``id``, so that a result
pointing at a section (``page.html#section``) still finds that section's text.
"""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

SHIM = "offline-search.js"
TEXTS = "offline-search-texts.js"
TEXTS_GLOBAL = "offlineSearchTexts"

SHIM_JS = """\
/* Search result snippets when the book is opened from the file system (file://).
 * searchtools.js fetches each result page to cut a snippet from it, and browsers refuse
 * fetch() on file:// pages. Here, and only under file://, requests for the book's own pages
 * are answered from a text copy written at build time (%(texts)s, loaded on first use);
 * everything else goes to the browser's fetch. Written by book/_ext/offline_search.py. */
(() => {
  "use strict";
  if (window.location.protocol !== "file:") return;
  const textsUrl = new URL("%(texts)s", document.currentScript.src).href;
  const siteRoot = new URL(document.documentElement.dataset.content_root || "./", window.location.href).href;
  const browserFetch = window.fetch.bind(window);
  let texts = null;
  const loadTexts = () => texts || (texts = new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = textsUrl;
    script.onload = () => resolve(window.%(global)s || {});
    script.onerror = () => resolve({});
    document.head.appendChild(script);
  }));
  window.fetch = (resource, options) => {
    const url = new URL(resource instanceof Request ? resource.url : String(resource), window.location.href);
    url.hash = "";
    url.search = "";
    const page = url.href.startsWith(siteRoot) ? decodeURIComponent(url.href.slice(siteRoot.length)) : "";
    if (!page.endsWith(".html")) return browserFetch(resource, options);
    // A page missing from the copy gets an empty answer: no snippet, and no error either.
    return loadTexts().then((pages) => new Response(
      Object.prototype.hasOwnProperty.call(pages, page) ? `<div role="main">${pages[page]}</div>` : "",
      {headers: {"Content-Type": "text/html; charset=utf-8"}}));
  };
})();
"""

ON_DEMAND = "search-on-demand.js"
ON_DEMAND_JS = """\
/* The search scripts and index, loaded the first time the reader turns to the search box
 * (focus on it or on the search button, which the keyboard shortcut also opens), not with
 * every page. Written by book/_ext/offline_search.py. */
(() => {
  "use strict";
  const here = document.currentScript.src;
  const scripts = ["searchtools.js", "language_data.js", "../searchindex.js"].map((name) => new URL(name, here).href);
  const SEARCH_BOX = 'input[name="q"], .search-button__button, .search-button-field, form.bd-search';
  let started = false;
  // searchtools.js empties every search box when it starts (it fills them from the page's ?q=),
  // which here may be while the reader types: put back what they typed.
  const typed = () => Array.from(document.querySelectorAll('input[name="q"]'), (box) => [box, box.value]);
  const loadNext = (index) => {
    if (index >= scripts.length) return;
    const script = document.createElement("script");
    script.src = scripts[index];
    const before = typed();
    script.onload = () => {
      before.forEach(([box, value]) => { if (!box.value && value) box.value = value; });
      loadNext(index + 1);
    };
    document.head.appendChild(script);
  };
  const load = () => {
    if (started) return;
    started = true;
    loadNext(0);
  };
  document.addEventListener("focusin", (event) => {
    if (event.target.closest && event.target.closest(SEARCH_BOX)) load();
  });
  document.addEventListener("pointerdown", (event) => {
    if (event.target.closest && event.target.closest(SEARCH_BOX)) load();
  });
})();
"""
# What the theme's layout writes into every page head but the search page's.
SEARCH_TAGS = re.compile(r'<script src="(?P<root>[^"]*)_static/searchtools\.js"></script>\s*'
                         r'<script src="[^"]*_static/language_data\.js"></script>\s*'
                         r'<script src="[^"]*searchindex\.js"></script>')
SEARCH_INDEX_TAG = re.compile(r'<script[^>]*\bsrc="[^"]*searchindex\.js"')

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "param", "source", "track", "wbr"}
# Never text a reader sees, or (headerlink) the pilcrow searchtools also strips.
SKIPPED_ELEMENTS = {"script", "style", "template", "svg", "math", "noscript"}
SKIPPED_CLASSES = {"headerlink"}


class _PageText(HTMLParser):
    """The text of the first element matching ``is_root``, with its id-bearing elements.

    The result is a small HTML string: text (escaped), with ``<div id="...">`` wrapped around
    whatever was inside an element that had an id. Browsers' ``textContent`` of the result
    equals that of the original element, less scripts, styles and header links.
    """

    def __init__(self, is_root):
        super().__init__(convert_charrefs=True)
        self.is_root = is_root
        self.stack: list[tuple[str, str]] = []  # (tag, "root" | "id" | "skip" | "plain")
        self.parts: list[str] = []
        self.found = False
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if not self.stack:
            if self.is_root(tag, attributes, classes):
                self.stack.append((tag, "root"))
                self.found = True
            return
        if tag in VOID_ELEMENTS:
            return
        if self._skipping() or tag in SKIPPED_ELEMENTS or classes & SKIPPED_CLASSES:
            self.stack.append((tag, "skip"))
        elif attributes.get("id"):
            self.parts.append(f'<div id="{html.escape(attributes["id"])}">')
            self.stack.append((tag, "id"))
        else:
            self.stack.append((tag, "plain"))

    def handle_startendtag(self, tag, attrs):
        pass  # <br/>, <img/>: no text

    def handle_endtag(self, tag):
        if self.done or not any(name == tag for name, _ in self.stack):
            return  # a stray end tag: ignore it, as a browser would
        while self.stack:  # close elements left open inside this one
            name, kind = self.stack.pop()
            if kind == "id":
                self.parts.append("</div>")
            elif kind == "root":
                self.done = True
            if name == tag:
                break

    def handle_data(self, data):
        if self.stack and not self.done and not self._skipping():
            self.parts.append(html.escape(data, quote=False))

    def _skipping(self) -> bool:
        return any(kind == "skip" for _, kind in self.stack)

    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()


def _is_article(tag, attributes, classes):
    return "bd-article" in classes


def _is_main(tag, attributes, classes):
    return attributes.get("role") == "main"


def page_text(markup: str) -> str | None:
    """The searchable text of one built page: its article, else its ``role="main"`` element."""
    for is_root in (_is_article, _is_main):
        parser = _PageText(is_root)
        parser.feed(markup)
        parser.close()
        if parser.found:
            return parser.text()
    return None


def _write_shim(app):
    if app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / SHIM).write_text(SHIM_JS % {"texts": TEXTS, "global": TEXTS_GLOBAL}, encoding="utf-8")
    (static / ON_DEMAND).write_text(ON_DEMAND_JS, encoding="utf-8")


def _add_shim_to_search_page(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file(SHIM)


def _write_texts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    texts = {}
    # Read back the written pages (not just this run's): an incremental build rewrites only some.
    for docname in sorted(app.env.found_docs):
        page = outdir / app.builder.get_target_uri(docname)
        if not page.is_file():
            continue
        text = page_text(page.read_text(encoding="utf-8", errors="replace"))
        if text is None:
            logger.warning(f"offline search: {page.relative_to(outdir)} has no article or role=\"main\" "
                           "element, so from file:// its search results get no snippet")
            continue
        texts[page.relative_to(outdir).as_posix()] = text
    body = json.dumps(texts, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    (outdir / "_static" / TEXTS).write_text(f"window.{TEXTS_GLOBAL} = {body};\n", encoding="utf-8")


def _load_search_on_demand(app, exception):
    """On every page but the search page, load the search scripts and index only when used."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        if page == outdir / "search.html" or "_static" in page.relative_to(outdir).parts:
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        replaced = SEARCH_TAGS.sub(lambda m: f'<script defer src="{m["root"]}_static/{ON_DEMAND}"></script>', text)
        if replaced != text:
            page.write_text(replaced, encoding="utf-8")
        if SEARCH_INDEX_TAG.search(replaced):
            logger.warning(f"offline search: {page.relative_to(outdir)} still loads searchindex.js with the page "
                           "(the theme's search tags changed?); book/_ext/offline_search.py's SEARCH_TAGS must "
                           "match them so the index loads only when the reader searches")


def setup(app):
    app.connect("builder-inited", _write_shim)
    # Before offline_book's html-page-context handler, which replaces the page's script list.
    app.connect("html-page-context", _add_shim_to_search_page, priority=400)
    app.connect("build-finished", _write_texts)
    app.connect("build-finished", _load_search_on_demand)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
