"""The explorers of the built book, as a reader meets them in Chromium.

* every control moves the figure, by keyboard, and sliders move smoothly (at least 15
  positions, or the listed values of a SelectionSlider);
* no text of an explorer or of a static figure is under 10 CSS pixels, on a desktop or on a
  390-pixel phone at device pixel ratio 2, and figures are vector graphics (sharp at any
  pixel density);
* what the browser computes (``web="browser"`` explorers) equals nnlib's Python ``compute``
  to 1e-6 at sampled control values;
* the "Try this" prompt before each explorer asks only for values its controls offer;
* frames beyond the first load lazily, from files that load from file:// too.
"""
from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest

from nnlib.explore import MIN_POSITIONS, decode, encode
from nnlib.plotting import MIN_TEXT_PX

from .conftest import SITE, chapter_pages, scroll_to_explorers

CHAPTERS = [str(p.relative_to(SITE)) for p in chapter_pages()]
SPEC = re.compile(r'<figure class="nnlib-explorer"[^>]*>.*?<script type="application/json" class="nnlib-spec"([^>]*)>(.*?)</script>',
                  re.DOTALL)
DATA_SRC = re.compile(r'data-src="([^"]+)"')
DELIVERY = re.compile(r'^nnlibExplore\.deliver\("[0-9a-f]+", (.*)\);\s*$', re.DOTALL)
VIEWPORTS = {"desktop": (1280, 900, 1), "phone": (390, 844, 2)}


def _spec_of(relative, match) -> dict:
    """An explorer's specification: inline, or in the file the page loads it from when it mounts."""
    attributes, inline = match.group(1), match.group(2)
    source = DATA_SRC.search(attributes)
    if source:
        code = (SITE / relative).parent.joinpath(source.group(1)).resolve().read_text(encoding="utf-8")
        inline = DELIVERY.match(code).group(1)
    return json.loads(inline.replace("<\\/", "</"))


def explorer_matches(relative):
    """(position in the page, specification) of every explorer of a page."""
    text = (SITE / relative).read_text(encoding="utf-8")
    return [(match.start(), _spec_of(relative, match)) for match in SPEC.finditer(text)]


def explorer_specs(relative):
    return [spec for _, spec in explorer_matches(relative)]


def all_specs():
    return [(relative, k, spec) for relative in CHAPTERS for k, spec in enumerate(explorer_specs(relative))]


def wait_for_explorers(page):
    """Scroll to every explorer (they load as the reader comes near) and wait until each has drawn."""
    scroll_to_explorers(page)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('figure.nnlib-explorer'))
        .every(f => f.querySelector('.nnlib-figure svg'))""", timeout=20000)


# ---- structure --------------------------------------------------------------------------
@pytest.mark.parametrize("relative", CHAPTERS)
def test_chapter_has_explorers_with_alt_text_and_captions(relative):
    text = (SITE / relative).read_text(encoding="utf-8")
    specs = explorer_specs(relative)
    assert len(specs) >= 2, f"{relative} has {len(specs)} explorers"
    assert 'class="nnlib-frame"' not in text, f"{relative} still has bitmap-frame explorers"
    for spec in specs:
        assert spec["alt"].strip() and spec["caption"].strip(), spec["view"]


@pytest.mark.parametrize("relative,index,spec", all_specs(), ids=lambda v: v if isinstance(v, str) else None)
def test_sliders_move_smoothly(relative, index, spec):
    for control in spec["controls"]:
        if control["kind"] == "range" and not control.get("listed"):
            assert len(control["values"]) >= MIN_POSITIONS, (relative, spec["view"], control["name"])


# ---- the "Try this" prompts ---------------------------------------------------------------
NUMBER = r"(−?-?\d+(?:\.\d+)?)"


def try_this_before(text: str, position: int) -> str:
    """The paragraph that starts with "Try this" closest before ``position``."""
    start = text.rfind("Try this", 0, position)
    if start < 0:
        return ""
    end = text.find("</p>", start)
    return re.sub(r"<[^>]+>", "", unescape(text[start:end]))


def asked_values(prose: str, control: dict) -> list[float]:
    """Numbers the prose sets this control to: "`w` = 0", "set w to 0", "w1 = 2, b = -1"."""
    names = {control["name"], control["label"]}
    found = []
    for name in names:
        pattern = rf"(?<![\w₀-₉]){re.escape(name)}`?\s*(?:=|to|at)\s*{NUMBER}"
        found += [float(v.replace("−", "-")) for v in re.findall(pattern, prose)]
    return found


@pytest.mark.parametrize("relative", CHAPTERS)
def test_try_this_asks_only_for_reachable_values(relative):
    text = (SITE / relative).read_text(encoding="utf-8")
    for position, spec in explorer_matches(relative):
        prose = try_this_before(text, position)
        assert prose, f"{relative}: explorer {spec['view']} has no 'Try this' prompt before it"
        for control in spec["controls"]:
            if control["kind"] != "range":
                continue
            for value in asked_values(prose, control):
                assert any(abs(value - v) < 1e-9 for v in control["values"]), \
                    f"{relative}: the prose asks for {control['name']} = {value}, which its slider cannot reach"


# ---- in the browser ------------------------------------------------------------------------
@pytest.mark.parametrize("relative", CHAPTERS)
def test_every_control_changes_the_figure(open_page, relative):
    page, watch = open_page(relative)
    wait_for_explorers(page)
    for explorer in page.query_selector_all("figure.nnlib-explorer"):
        explorer.scroll_into_view_if_needed()
        figure = explorer.query_selector(".nnlib-figure")
        for control in explorer.query_selector_all("input[type=range]"):
            label = explorer.query_selector(f'label[for="{control.get_attribute("id")}"]')
            output = explorer.query_selector(f'output[for="{control.get_attribute("id")}"]')
            assert label and label.inner_text().strip()
            before, before_text = figure.inner_html(), output.inner_text()
            at_max = control.evaluate("el => el.value === el.max")
            control.focus()
            page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
            page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)
            assert output.inner_text() != before_text
            assert control.get_attribute("aria-valuetext") == output.inner_text()
        for select in explorer.query_selector_all("select"):
            before = figure.inner_html()
            options = select.evaluate("el => Array.from(el.options).map(o => o.value)")
            current = select.evaluate("el => el.value")
            select.select_option(next(v for v in options if v != current))
            page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)
    assert not watch.errors, watch.errors
    assert not watch.failed, watch.failed


SMALL_TEXT = """() => {
  // Every piece of text a reader sees in an explorer: SVG text, legends (HTML), controls, notes.
  const small = [];
  document.querySelectorAll('figure.nnlib-explorer').forEach(explorer => {
    const walker = document.createTreeWalker(explorer, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!node.textContent.trim() || !el || el.closest('script, style') || el.getClientRects().length === 0) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svg = el.ownerSVGElement;
      if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
        size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      }
      if (size < %s) small.push([node.textContent.trim().slice(0, 30), Math.round(size * 10) / 10]);
    }
  });
  return small;
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("relative", CHAPTERS)
def test_explorer_text_is_legible_and_vector(browser, server, relative, viewport):
    width, height, ratio = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=ratio)
    page = context.new_page()
    page.goto(f"{server}/{relative}", wait_until="load")
    wait_for_explorers(page)
    small = page.evaluate(SMALL_TEXT % MIN_TEXT_PX)
    assert not small, f"{relative} at {viewport}: text under {MIN_TEXT_PX} px: {small[:6]}"
    # Explorers are SVG, drawn at the width the page gives them: never a stretched bitmap.
    stretched = page.evaluate("""() => Array.from(document.querySelectorAll('figure.nnlib-explorer svg'))
        .filter(s => s.viewBox.baseVal && s.viewBox.baseVal.width
                     && Math.abs(s.getBoundingClientRect().width - s.viewBox.baseVal.width) > 1)
        .map(s => s.getBoundingClientRect().width + ' vs ' + s.viewBox.baseVal.width)""")
    assert not stretched, f"{relative} at {viewport}: scaled SVGs {stretched[:4]}"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{relative} at {viewport}: the page scrolls sideways by {overflow}px"
    context.close()


# ---- browser twins against Python -----------------------------------------------------------
def browser_specs():
    return [(relative, k, spec) for relative, k, spec in all_specs() if spec["mode"] == "browser"]


@pytest.mark.parametrize("relative,index,spec", browser_specs(), ids=lambda v: v if isinstance(v, str) else None)
def test_browser_twin_equals_python(open_page, relative, index, spec):
    from nnlib.explorers import rebuild

    assert "origin" in spec, f"{spec['view']}: a browser-computed explorer must come from an nnlib.explorers factory"
    explorer = rebuild(spec["origin"])
    rng = np.random.default_rng(index)
    samples = [{c["name"]: c["values"][c["start"]] for c in spec["controls"]}]
    samples += [{c["name"]: c["values"][0] for c in spec["controls"]}, {c["name"]: c["values"][-1] for c in spec["controls"]}]
    samples += [{c["name"]: c["values"][rng.integers(len(c["values"]))] for c in spec["controls"]} for _ in range(12)]
    page, _ = open_page(relative)
    wait_for_explorers(page)
    for values in samples:
        browser = page.evaluate("""([view, values, data]) => {
            const NX = window.nnlibExplore;
            const out = NX.views[view].compute(values, NX.decode(data));
            const plain = (v) => ArrayBuffer.isView(v) ? Array.from(v) : Array.isArray(v) ? v.map(plain)
                : (v && typeof v === 'object') ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
            return plain(out);
        }""", [spec["view"], values, spec["data"]])
        python = decode(encode(explorer.frame(**values), float_dtype=np.float64))
        assert set(browser) == set(python), (spec["view"], values)
        for key in python:
            expected, actual = python[key], browser[key]
            if expected is None or isinstance(expected, str) or isinstance(expected, bool):
                assert actual == expected, (spec["view"], values, key)
            else:
                np.testing.assert_allclose(np.asarray(actual, dtype=float).ravel(),
                                           np.asarray(expected, dtype=float).ravel(), rtol=1e-6, atol=1e-6,
                                           err_msg=f"{spec['view']} {key} at {values}")


# ---- lazily loaded frames --------------------------------------------------------------------
def test_frames_load_lazily_and_from_the_file_system(browser):
    lazy = [relative for relative in CHAPTERS if 'class="nnlib-frames" data-src=' in (SITE / relative).read_text()]
    if not lazy:
        pytest.skip("no chapter has precomputed frames")
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto((SITE / lazy[0]).as_uri(), wait_until="load")
    wait_for_explorers(page)
    explorer = page.query_selector("figure.nnlib-explorer:has(script.nnlib-frames[data-src])")
    explorer.scroll_into_view_if_needed()
    control = explorer.query_selector("input[type=range], select")
    figure = explorer.query_selector(".nnlib-figure")
    before = figure.inner_html()
    if control.evaluate("el => el.tagName") == "SELECT":
        options = control.evaluate("el => Array.from(el.options).map(o => o.value)")
        control.select_option(next(v for v in options if v != control.evaluate("el => el.value")))
    else:
        control.focus()
        page.keyboard.press("ArrowLeft" if control.evaluate("el => el.value === el.max") else "ArrowRight")
    page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)
    assert not errors, errors
    context.close()


# ---- static figures --------------------------------------------------------------------------
def smallest_shown_text_px(svg: str, shown_width: float) -> float | None:
    """CSS pixel size of the smallest text of a matplotlib SVG drawn ``shown_width`` pixels wide.

    Its text sizes are in the SVG's user units, which are points: the figure is ``width_pt``
    user units wide, so a size ``s`` is ``s * shown_width / width_pt`` pixels on the page.
    """
    from nnlib.plotting import svg_text_sizes

    width_pt, sizes = svg_text_sizes(svg)
    if not sizes or not shown_width:
        return None
    return min(sizes) * shown_width / width_pt


def test_text_size_of_a_static_figure_is_what_the_browser_draws(browser, tmp_path):
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    from nnlib.plotting import use_book_style

    use_book_style()
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    ax.set_title("title at 11 pt")
    path = tmp_path / "figure.svg"
    fig.savefig(path)
    plt.close(fig)
    svg = path.read_text(encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    width, drawn = page.evaluate("""() => [document.documentElement.getBoundingClientRect().width,
        Math.min(...Array.from(document.querySelectorAll('text'))
                     .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))]""")
    page.close()
    assert abs(smallest_shown_text_px(svg, width) - drawn) < 0.05, (smallest_shown_text_px(svg, width), drawn)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("relative", CHAPTERS)
def test_static_figures_are_vector_and_legible(browser, server, relative, viewport):
    width, height, ratio = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=ratio)
    page = context.new_page()
    page.goto(f"{server}/{relative}", wait_until="load")
    # Figures load as the reader scrolls near them (loading="lazy"): visit each, then measure it.
    for image in page.query_selector_all(".cell_output img"):
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image, timeout=10000)
    images = page.evaluate("""() => Array.from(document.querySelectorAll('.cell_output img'))
        .map(img => [img.getAttribute('src'), img.getBoundingClientRect().width])""")
    problems = []
    for src, shown_width in images:
        if not src.endswith(".svg"):
            problems.append(f"{src} is a bitmap")
            continue
        svg = (SITE / relative).parent.joinpath(src).resolve().read_text(encoding="utf-8")
        smallest = smallest_shown_text_px(svg, shown_width)
        if smallest is not None and smallest < MIN_TEXT_PX - 1e-6:
            problems.append(f"{src}: smallest text {smallest:.1f} px")
    context.close()
    assert not problems, f"{relative} at {viewport}: {problems[:5]}"


def test_screenshots_of_explorers_on_a_phone_at_double_density(browser, server, site):
    shots = site.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    for relative in CHAPTERS:
        page.goto(f"{server}/{relative}", wait_until="load")
        wait_for_explorers(page)
        for k, explorer in enumerate(page.query_selector_all("figure.nnlib-explorer")):
            explorer.screenshot(path=str(shots / f"{relative.split('/')[-1][:-5]}-explorer{k + 1}-phone.png"))
    context.close()
