"""The built book in a real browser (headless Chromium), served on localhost and from file://."""
import pytest

from .conftest import SITE, chapter_pages, html_pages, is_redirect, scroll_to_explorers, wait_for_math

PAGES = [str(p.relative_to(SITE)) for p in html_pages() if not is_redirect(p)]
CHAPTERS = [str(p.relative_to(SITE)) for p in chapter_pages()]
RAW_MATH = ["\\(", "\\)", "$$", "\\begin{"]


@pytest.mark.parametrize("relative", PAGES)
def test_page_loads_cleanly(open_page, relative):
    page, watch = open_page(relative)
    assert not watch.errors, watch.errors
    assert not watch.failed, watch.failed
    assert not watch.external, watch.external
    # Prose only: code listings (e.g. a docstring shown with literalinclude) may hold TeX on purpose.
    text = page.evaluate("""() => {
        const root = (document.querySelector('main') || document.body).cloneNode(true);
        // KaTeX's MathML copy (for screen readers) keeps the TeX as an annotation: not a leftover.
        root.querySelectorAll('pre, code, .highlight, script, style, .katex-mathml').forEach(el => el.remove());
        return root.innerText;
    }""")
    leftovers = [token for token in RAW_MATH if token in text]
    assert not leftovers, f"untypeset math {leftovers} on {relative}"
    # Every formula typeset, none that KaTeX could not read (it would show it in red).
    untypeset = page.evaluate("""() => Array.from(document.querySelectorAll('span.math, div.math'))
        .filter(el => !el.querySelector('.katex')).map(el => el.textContent.slice(0, 60))""")
    assert not untypeset, f"formulas left as TeX on {relative}: {untypeset[:5]}"
    errors = page.evaluate("""() => Array.from(document.querySelectorAll('.katex-error, mjx-merror'))
        .map(el => (el.getAttribute('title') || el.textContent).slice(0, 120))""")
    assert not errors, f"maths that could not be typeset on {relative}: {errors[:5]}"


def test_site_root_leads_to_the_landing_page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url("**/book/intro.html", wait_until="load", timeout=10000)
    assert "Neural Networks from Scratch" in page.title()
    context.close()


def test_slider_responds_to_pointer(open_page):
    page, _ = open_page(CHAPTERS[0])
    scroll_to_explorers(page)
    control = page.query_selector("figure.nnlib-explorer input[type=range]")
    figure = page.query_selector("figure.nnlib-explorer .nnlib-figure")
    before = figure.inner_html()
    control.scroll_into_view_if_needed()
    box = control.bounding_box()  # viewport coordinates, after scrolling
    at_min = control.evaluate("el => el.value === el.min")
    # click the end of the track farther from the current value
    x = box["x"] + box["width"] - 2 if at_min else box["x"] + 2
    page.mouse.click(x, box["y"] + box["height"] / 2)
    page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)


def test_chapter_works_from_the_file_system(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((SITE / CHAPTERS[0]).as_uri(), wait_until="load")
    wait_for_math(page)
    assert page.query_selector_all(".katex"), "KaTeX did not typeset from file://"
    assert not errors, errors
    context.close()


def test_readable_on_a_phone_and_screenshots(open_page, site):
    shots = site.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    page, _ = open_page(CHAPTERS[0], viewport=(1280, 900))
    page.screenshot(path=str(shots / "chapter-desktop.png"))
    page, _ = open_page(CHAPTERS[0], viewport=(390, 844))
    page.screenshot(path=str(shots / "chapter-phone.png"))
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
