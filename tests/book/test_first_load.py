"""What a reader's browser downloads on a first visit to each page: at most 2 MB.

The budget covers everything a first visit really loads, not just the page's own file: the
theme's stylesheets and scripts, the maths renderer and the web fonts the page asks for,
images, and any explorer code or data that loads before the reader scrolls. Each page is
opened from ``file://`` in a fresh browser context (an empty cache) at 1280x900, without
scrolling, and every response is counted until the network has been idle for half a second.
Explorer code and data, and the search index, may load later: when the reader reaches an
explorer or uses the search box (see ``book/_ext/explorers.py`` and ``offline_search.py``).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from .conftest import SITE, html_pages, is_redirect, wait_for_math

FIRST_LOAD_BUDGET_BYTES = 2_000_000
PAGES = [str(p.relative_to(SITE)) for p in html_pages() if not is_redirect(p)]


def _response_bytes(response) -> int:
    """The bytes of one response: its body, or for a file:// response the file it read."""
    try:
        return len(response.body())
    except Exception:  # a body the browser did not keep (e.g. a redirect); read the file instead
        parsed = urlparse(response.url)
        path = Path(unquote(parsed.path))
        return path.stat().st_size if parsed.scheme == "file" and path.is_file() else 0


def first_load(browser, url: str, viewport=(1280, 900)) -> dict[str, int]:
    """Every URL a first visit to ``url`` loads, with its bytes, once the network is idle."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="networkidle")
    wait_for_math(page)
    page.wait_for_load_state("networkidle")  # fonts the typeset maths asked for
    loaded: dict[str, int] = {}
    for response in responses:
        loaded[response.url] = max(loaded.get(response.url, 0), _response_bytes(response))
    context.close()
    return loaded


def _largest(loaded: dict[str, int], count: int = 6) -> str:
    rows = sorted(loaded.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{url.rsplit('/', 1)[-1].split('?')[0]} {size / 1e3:.0f} kB" for url, size in rows)


@pytest.mark.parametrize("relative", PAGES)
def test_first_visit_loads_at_most_two_megabytes(site, browser, relative):
    loaded = first_load(browser, (site / relative).resolve().as_uri())
    total = sum(loaded.values())
    assert loaded, f"{relative}: the browser loaded nothing"
    assert total <= FIRST_LOAD_BUDGET_BYTES, (
        f"{relative}: a first visit loads {total / 1e6:.2f} MB in {len(loaded)} files, over the "
        f"{FIRST_LOAD_BUDGET_BYTES / 1e6:.0f} MB budget; largest: {_largest(loaded)}")


# ---- what waits for the reader -------------------------------------------------------------
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]
EXPLORER_CODE = ("nnlib-explore.js", "explorer-frames/")
FIRST_EXPLORER_TOP = "() => { const f = document.querySelector('figure.nnlib-explorer'); " \
                     "return f ? f.getBoundingClientRect().top + window.scrollY : null; }"
# Explorers load when they come within 1500 px of the 900 px viewport (book/_ext/explorers.py).
NEAR_PX, VIEWPORT_PX = 1500, 900


def _far_explorer_chapter(browser, site):
    """A chapter whose first explorer is out of reach of the first screen, opened from file://."""
    for relative in CHAPTERS:
        context = browser.new_context(viewport={"width": 1280, "height": VIEWPORT_PX})
        page = context.new_page()
        urls = []
        page.on("request", lambda request: urls.append(request.url))
        page.goto((site / relative).resolve().as_uri(), wait_until="networkidle")
        top = page.evaluate(FIRST_EXPLORER_TOP)
        if top is not None and top > VIEWPORT_PX + NEAR_PX + 200:
            return relative, context, page, urls
        context.close()
    pytest.skip("no chapter has an explorer beyond the first two screens")


def test_explorers_load_when_the_reader_comes_near(site, browser):
    relative, context, page, urls = _far_explorer_chapter(browser, site)
    early = [url for url in urls if any(name in url for name in EXPLORER_CODE)]
    assert not early, f"{relative}: explorer code or data loaded before the reader came near: {early}"
    assert page.evaluate("() => typeof window.nnlibExplore") == "undefined"
    explorer = page.query_selector("figure.nnlib-explorer")
    explorer.scroll_into_view_if_needed()
    explorer.wait_for_selector(".nnlib-figure svg", timeout=20000)
    assert any("nnlib-explore.js" in url for url in urls)
    context.close()


def test_a_keyboard_reader_reaches_an_explorer_that_has_not_loaded(site, browser):
    relative, context, page, urls = _far_explorer_chapter(browser, site)
    explorer = page.query_selector("figure.nnlib-explorer")
    assert explorer.get_attribute("tabindex") == "0", f"{relative}: an unloaded explorer is not a tab stop"
    # Tab from the element just before the explorer, as a reader moving through the page would.
    page.evaluate("""f => {
        const all = Array.from(document.querySelectorAll('a[href], button, input, select, [tabindex]'))
            .filter(el => el.tabIndex >= 0 && (el.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING)
                          && !f.contains(el) && el.getClientRects().length);
        all[all.length - 1].focus();
    }""", explorer)
    page.keyboard.press("Tab")
    page.wait_for_function("f => f.contains(document.activeElement) && document.activeElement !== f"
                           " && /^(INPUT|SELECT)$/.test(document.activeElement.tagName)", arg=explorer, timeout=20000)
    assert explorer.get_attribute("tabindex") is None, "the loaded explorer is still an extra tab stop"
    figure = explorer.query_selector(".nnlib-figure")
    explorer.wait_for_selector(".nnlib-figure svg", timeout=20000)
    before = figure.inner_html()
    key = page.evaluate("""() => { const el = document.activeElement;
        if (el.tagName === 'SELECT') return el.selectedIndex < el.options.length - 1 ? 'ArrowDown' : 'ArrowUp';
        return el.value === el.max ? 'ArrowLeft' : 'ArrowRight'; }""")
    page.keyboard.press(key)
    page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)
    context.close()


def test_pages_load_the_search_index_only_for_a_search(site, browser):
    page_path = site / CHAPTERS[0]
    assert 'searchindex.js"' not in page_path.read_text(encoding="utf-8"), \
        f"{CHAPTERS[0]} links the search index in its head"
    loaded = first_load(browser, page_path.resolve().as_uri())
    assert not [url for url in loaded if "searchindex.js" in url or "searchtools.js" in url]
