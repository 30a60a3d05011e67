"""Search in the built book, served and opened from the file system (book/_ext/offline_search.py).

Sphinx's search page fetches each result page to cut a snippet from it; browsers refuse that
on file:// pages. These tests search as a reader would, in a Chromium started like a reader's
(without the --allow-file-access-from-files switch the other browser tests use, which would
hide the problem), and expect results with snippets and a clean console either way.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS, PageWatch, chapter_pages

READER_ARGS = [arg for arg in CHROMIUM_ARGS if arg != "--allow-file-access-from-files"]
# Words every chapter uses; each test first checks that the search index holds them.
QUERIES = ["gradient", "neuron"]
TEXTS = "_static/offline-search-texts.js"


@pytest.fixture(scope="module")
def reader_browser(site, playwright_session):
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=READER_ARGS, headless=True)
    yield browser
    browser.close()


def _indexed_terms(site: Path) -> set[str]:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    return set(index["terms"]) | {t.lower() for t in index["titleterms"]}


def _search(browser, base: str, query: str):
    """Open the search page for ``query``; returns (results, watch) once every snippet has come."""
    context = browser.new_context()
    page = context.new_page()
    watch = PageWatch(page, [base, "data:", "blob:", "about:"])
    page.goto(f"{base}/search.html?q={query}", wait_until="load")
    page.wait_for_function("() => /Search finished/.test(document.querySelector('#search-results').innerText)",
                           timeout=20000)
    # A result without a description gets its snippet asynchronously, after the status line.
    try:
        page.wait_for_function("""() => Array.from(document.querySelectorAll('ul.search > li'))
            .every(li => li.querySelector(':scope > span') || li.querySelector('p.context'))""", timeout=10000)
    except Exception:
        pass  # the assertions below say which result has no snippet
    page.wait_for_timeout(300)  # let any late console error arrive
    results = page.evaluate("""() => Array.from(document.querySelectorAll('ul.search > li')).map(li => ({
        title: li.querySelector('a').innerText,
        href: li.querySelector('a').getAttribute('href'),
        described: !!li.querySelector(':scope > span'),
        snippet: (li.querySelector('p.context') || {}).innerText || ''}))""")
    fetch_is_native = page.evaluate("() => /\\[native code\\]/.test(window.fetch.toString())")
    context.close()
    return results, watch, fetch_is_native


@pytest.mark.parametrize("where", ["file", "server"])
@pytest.mark.parametrize("query", QUERIES)
def test_search_results_have_snippets_and_no_errors(site, server, reader_browser, where, query):
    assert query in _indexed_terms(site), f"pick another query: {query!r} is not in the search index"
    base = site.resolve().as_uri() if where == "file" else server
    results, watch, fetch_is_native = _search(reader_browser, base, query)
    assert results, f"searching {query!r} from {where} found nothing"
    missing = [r["title"] for r in results if not r["described"] and not r["snippet"].strip()]
    assert not missing, f"results without a snippet from {where}: {missing}"
    assert any(query in r["snippet"].lower() for r in results), [r["snippet"] for r in results]
    assert not watch.errors, watch.errors
    assert not watch.failed, watch.failed
    assert not watch.external, watch.external
    # Over http the page's own fetch does the work, untouched; only file:// gets the stand-in.
    assert fetch_is_native == (where == "server")


def test_section_results_show_that_sections_text_from_file(site, reader_browser):
    """A result pointing into a page (page.html#section) gets the section's text, not the page's."""
    results, watch, _ = _search(reader_browser, site.resolve().as_uri(), "neuron")
    anchored = [r for r in results if "#" in r["href"] and not r["described"]]
    assert anchored, "expected a section title among the results for 'neuron'"
    texts = _offline_texts(site)
    for result in anchored:
        page, anchor = result["href"].split("#", 1)
        section = _element_text(texts[page], anchor)
        assert result["snippet"].strip(".").strip()[:80] in section, (result, section[:300])
        assert len(section) < len(_element_text(texts[page], None))
    assert not watch.errors, watch.errors


def _offline_texts(site: Path) -> dict[str, str]:
    text = (site / TEXTS).read_text(encoding="utf-8")
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


def _element_text(text: str, element_id: str | None) -> str:
    """The plain text of the element with ``element_id`` in an offline text (all of it for None)."""
    if element_id is not None:
        start = text.index(f'<div id="{element_id}">')
        depth, position = 0, start
        for tag in re.finditer(r"<(/?)div\b[^>]*>", text[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                position = start + tag.end()
                break
        text = text[start:position]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()


def test_every_page_has_an_offline_text(site):
    texts = _offline_texts(site)
    chapters = [p.relative_to(site).as_posix() for p in chapter_pages()]
    assert chapters, "no chapter pages in the site"
    for page in chapters:
        assert len(texts.get(page, "")) > 1000, f"{page}: no searchable text in {TEXTS}"
        # Only the id-bearing wrappers are markup; all else is escaped text, and no script.
        assert set(re.findall(r"<(?!div id=\"[^\"]*\">|/div>)[^>]*>", texts[page])) == set(), page
        markup = (site / page).read_text(encoding="utf-8")
        scripts = [body.strip() for body in re.findall(r"<script[^>]*>(.*?)</script>", markup, re.S)]
        for script in (s for s in scripts if len(s) > 40):
            assert html.escape(script[:40], quote=False) not in texts[page], f"{page}: script text"


def test_extra_script_loads_only_on_the_search_page(site):
    assert "offline-search.js" in (site / "search.html").read_text(encoding="utf-8")
    for page in [site / "book" / "intro.html", *chapter_pages()]:
        assert "offline-search" not in page.read_text(encoding="utf-8"), page.name


def test_search_box_of_a_chapter_loads_the_index_on_use_and_finds(site, reader_browser):
    """Other pages load the search scripts and index only when the reader turns to the search box."""
    relative = str(chapter_pages()[0].relative_to(site))
    base = site.resolve().as_uri()
    context = reader_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = PageWatch(page, [base, "data:", "blob:", "about:"])
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/{relative}", wait_until="networkidle")
    assert not [url for url in requests if "searchindex.js" in url], "the search index loaded with the page"
    page.locator(".search-button__button:visible").first.click()
    page.wait_for_function("() => typeof Search !== 'undefined' && Search._index !== null", timeout=10000)
    page.keyboard.type(QUERIES[0])
    assert page.evaluate("() => document.activeElement.value") == QUERIES[0], "typing into the box was lost"
    page.keyboard.press("Enter")
    page.wait_for_url("**/search.html?q=*", timeout=10000)
    page.wait_for_function("() => /Search finished/.test(document.querySelector('#search-results').innerText)",
                           timeout=20000)
    assert page.query_selector_all("ul.search > li"), f"searching {QUERIES[0]!r} from {relative} found nothing"
    assert not watch.errors, watch.errors
    context.close()
