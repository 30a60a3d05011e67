"""Drop the code-highlighting spans that change nothing on screen.

Pygments wraps every token of a code cell in a span: ``<span class="n">x</span>`` for a name,
``p`` for punctuation, ``w`` for whitespace. The book's theme colours those three exactly like
the code block's own text, in light and in dark mode, so their spans only add bytes: on the
longest chapter they were about 150 kB of a 460 kB page, enough to push its first visit past the
2 MB budget. This extension unwraps them inside highlighted blocks, leaving the text and every
other token's colour as they were. ``tests/book/test_site.py`` checks that the theme still
colours the three classes like plain code, so a theme that starts to distinguish them fails the
tests instead of losing colours silently.
"""
from __future__ import annotations

import re

#: The token classes whose colour is the code block's own (checked against the built CSS by the tests).
PLAIN_TOKENS = ("n", "p", "w")
_PLAIN_SPAN = re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(PLAIN_TOKENS))
_HIGHLIGHTED = re.compile(r'(<div class="highlight[^"]*"><pre>)(.*?)(</pre>)', re.DOTALL)


def unwrap_plain_tokens(html: str) -> str:
    """``html`` with the spans of :data:`PLAIN_TOKENS` removed inside highlighted ``<pre>`` blocks."""
    return _HIGHLIGHTED.sub(lambda m: m.group(1) + _PLAIN_SPAN.sub(r"\1", m.group(2)) + m.group(3), html)


def _lean_body(app, pagename, templatename, context, doctree):
    if "body" in context and '<div class="highlight' in context["body"]:
        context["body"] = unwrap_plain_tokens(context["body"])


def setup(app):
    app.connect("html-page-context", _lean_body)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
