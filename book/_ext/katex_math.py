"""Typeset the book's mathematics with KaTeX, served from the book itself.

MathJax's script alone was 1.2 MB, more than half of the 2 MB a page's first visit may load.
KaTeX (``book/_vendor/katex``, MIT licence) is 270 kB of script and 22 kB of stylesheet, and a
page fetches only the WOFF2 fonts its formulas use. It renders every formula of the book: the
inline ``$...$``, the displayed ``$$...$$`` and the ``align`` environments MyST writes.

The page carries the TeX as Sphinx's MathJax renderer writes it (``\\(...\\)`` in a
``span.math``, ``\\[...\\]`` in a ``div.math``, whose equation number stays in its
``span.eqno``), so a page without script still shows readable TeX. ``_static/katex-render.js``
replaces each formula's TeX by KaTeX's HTML (with MathML for screen readers) once the page has
loaded. A formula KaTeX cannot read is shown in red with the reason, and logged as a console
error, which the browser tests of the book catch.

Only pages with mathematics load KaTeX.
"""
from __future__ import annotations

from pathlib import Path

from sphinx.ext.mathjax import html_visit_displaymath, html_visit_math

RENDERER = "katex"
SCRIPT = "katex/katex.min.js"
STYLESHEET = "katex/katex.min.css"
RENDER_SCRIPT = "katex-render.js"

RENDER_JS = """\
/* Typesets every formula of the page with KaTeX (book/_ext/katex_math.py writes this file).
 * A formula is the text of a span.math (\\(...\\), inline) or a div.math (\\[...\\] or a bare
 * environment, displayed); an equation number in the div's span.eqno is kept. */
(() => {
  "use strict";
  const unwrap = (tex, display) => {
    if (tex.startsWith("\\\\(") && tex.endsWith("\\\\)")) return [tex.slice(2, -2), false];
    if (tex.startsWith("\\\\[") && tex.endsWith("\\\\]")) return [tex.slice(2, -2), true];
    if (tex.startsWith("$$") && tex.endsWith("$$")) return [tex.slice(2, -2), true];
    return [tex, display];
  };
  const typeset = () => {
    document.querySelectorAll("span.math, div.math").forEach((element) => {
      if (element.dataset.typeset) return;
      const texts = Array.from(element.childNodes).filter((node) => node.nodeType === Node.TEXT_NODE);
      const [tex, display] = unwrap(texts.map((node) => node.textContent).join("").trim(),
                                    element.tagName === "DIV");
      if (!tex) return;
      // A displayed formula wider than the column (on a phone) scrolls inside its own box
      // instead of spilling over both edges of the page, where its left part could not be reached.
      const holder = document.createElement(display ? "div" : "span");
      if (display) holder.style.cssText = "overflow-x: auto; overflow-y: hidden; max-width: 100%; min-width: 0";
      window.katex.render(tex, holder, { displayMode: display, throwOnError: false });
      const error = holder.querySelector(".katex-error");
      if (error) console.error("KaTeX could not typeset " + JSON.stringify(tex) + ": " + error.title);
      texts.forEach((node) => node.remove());
      element.appendChild(holder);
      element.dataset.typeset = "1";
    });
    document.documentElement.dataset.mathTypeset = "1";
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", typeset);
  else typeset();
})();
"""


def _write_render_script(app):
    if app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / RENDER_SCRIPT).write_text(RENDER_JS, encoding="utf-8")


def _add_katex(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or getattr(app.builder, "math_renderer_name", None) != RENDERER:
        return
    # The page's own markup, not the maths domain's record, which also marks pages without a
    # formula of their own (the landing page among them).
    if 'class="math notranslate' not in context.get("body", ""):
        return
    app.add_css_file(STYLESHEET)
    # Both deferred, so they run in order after the page is parsed, without holding up its display.
    app.add_js_file(SCRIPT, loading_method="defer")
    app.add_js_file(RENDER_SCRIPT, loading_method="defer")


def setup(app):
    # The same markup as Sphinx's MathJax renderer: the TeX with \\( \\) and \\[ \\] delimiters.
    app.add_html_math_renderer(RENDERER, (html_visit_math, None), (html_visit_displaymath, None))
    app.connect("builder-inited", _write_render_script)
    app.connect("html-page-context", _add_katex, priority=300)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
