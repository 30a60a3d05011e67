"""The built book in a real browser (headless Chromium), served on localhost and from file://."""
import pytest

from .conftest import SITE, chapter_pages, html_pages, is_redirect, wait_for_math

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
        root.querySelectorAll('pre, code, .highlight, script, style').forEach(el => el.remove());
        return root.innerText;
    }""")
    leftovers = [token for token in RAW_MATH if token in text]
    assert not leftovers, f"untypeset math {leftovers} on {relative}"


@pytest.mark.parametrize("relative", CHAPTERS)
def test_every_explorer_control_changes_the_frame(open_page, relative):
    page, watch = open_page(relative)
    explorers = page.query_selector_all("figure.nnlib-explorer")
    assert len(explorers) >= 2, f"{relative} has {len(explorers)} explorers"
    for explorer in explorers:
        frame = explorer.query_selector("img.nnlib-frame")
        assert frame.get_attribute("alt")
        for control in explorer.query_selector_all("input[type=range]"):
            label = explorer.query_selector(f'label[for="{control.get_attribute("id")}"]')
            assert label and label.inner_text().strip()
            output = explorer.query_selector(f'output[for="{control.get_attribute("id")}"]')
            before_src, before_text = frame.get_attribute("src"), output.inner_text()
            at_max = control.evaluate("el => el.value === el.max")
            control.focus()
            page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")  # the keyboard path
            assert frame.get_attribute("src") != before_src, f"{relative}: slider {label.inner_text()} froze"
            assert output.inner_text() != before_text
            assert control.get_attribute("aria-valuetext") == output.inner_text()
        for select in explorer.query_selector_all("select"):
            before_src = frame.get_attribute("src")
            options = select.evaluate("el => Array.from(el.options).map(o => o.value)")
            current = select.evaluate("el => el.value")
            select.select_option(next(v for v in options if v != current))
            assert frame.get_attribute("src") != before_src, f"{relative}: a drop-down froze"
    assert not watch.errors, watch.errors


def test_site_root_leads_to_the_landing_page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url("**/book/intro.html", wait_until="load", timeout=10000)
    assert "Neural Networks from Scratch" in page.title()
    context.close()


def test_slider_responds_to_pointer(open_page):
    page, _ = open_page(CHAPTERS[0])
    control = page.query_selector("figure.nnlib-explorer input[type=range]")
    frame = page.query_selector("figure.nnlib-explorer img.nnlib-frame")
    before = frame.get_attribute("src")
    control.scroll_into_view_if_needed()
    box = control.bounding_box()  # viewport coordinates, after scrolling
    at_min = control.evaluate("el => el.value === el.min")
    # click the end of the track farther from the current value
    x = box["x"] + box["width"] - 2 if at_min else box["x"] + 2
    page.mouse.click(x, box["y"] + box["height"] / 2)
    assert frame.get_attribute("src") != before


def test_chapter_works_from_the_file_system(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((SITE / CHAPTERS[0]).as_uri(), wait_until="load")
    wait_for_math(page)
    assert page.query_selector_all("mjx-container"), "MathJax did not typeset from file://"
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
    widest = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('img.nnlib-frame')).map(i => i.getBoundingClientRect().width))")
    assert widest <= 390
