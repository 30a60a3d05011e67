"""Driving an explorer in a page: move a control as a reader does, wait for its figure.

In a running notebook an explorer is a widget whose root element has the class
``nnlib-explorer``; its controls are native ``<input type=range>`` and ``<select>`` elements
in ``.nnlib-controls``, its figure is SVG in ``.nnlib-figure``, and every redraw dispatches
``nnlib:drawn`` on the root.
"""
from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .notebook_page import DRAW_TIMEOUT_MS

CONTROLS = ".nnlib-controls input[type=range], .nnlib-controls select"
#: Why a key press may not reach a control, when JupyterLab's notebook took the focus.
SHORTCUT_HINT = ("JupyterLab's command-mode shortcuts (arrow keys move between cells and headings) "
                 "take keys from any focused element in a notebook that lacks the attribute "
                 "data-lm-suppress-shortcuts")


def focus_note(page) -> str:
    """Where the focus is now, and the likely reason if a notebook cell took it."""
    focus = page.evaluate("() => document.activeElement === null ? '' : "
                          "(document.activeElement.className || document.activeElement.tagName)")
    hint = f"; {SHORTCUT_HINT}" if "jp-Cell" in str(focus) else ""
    return f"focus is now on {focus!r}{hint}"

# Counts redraws on an explorer's root (once per root).
COUNT_DRAWS = """root => {
  if (root.__nnlibDraws === undefined) {
    root.__nnlibDraws = 0;
    root.addEventListener('nnlib:drawn', () => { root.__nnlibDraws += 1; });
  }
  const figure = root.querySelector('.nnlib-figure');
  return {draws: root.__nnlibDraws, html: figure ? figure.innerHTML : ''};
}"""

# SVGs drawn larger or smaller than their own coordinate system are stretched (or squeezed).
SCALED_SVGS = """root => Array.from(root.querySelectorAll('.nnlib-figure svg'))
  .filter(svg => svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0)
  .map(svg => ({natural: svg.viewBox.baseVal.width, shown: svg.getBoundingClientRect().width}))
  .filter(s => Math.abs(s.natural - s.shown) > 0.5)"""

COUNT_VIEWBOX_SVGS = """root => Array.from(root.querySelectorAll('.nnlib-figure svg'))
  .filter(svg => svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0).length"""


def natural_size_problems(root, where: str) -> list[str]:
    """Problems if the explorer's SVG is not drawn at exactly its own size (or there is none)."""
    if root.evaluate(COUNT_VIEWBOX_SVGS) == 0:
        return [f"{where}: no SVG figure with a viewBox"]
    return [f"{where}: SVG {s['natural']:.1f} px wide drawn at {s['shown']:.1f} px (scaled)"
            for s in root.evaluate(SCALED_SVGS)]


def key_for(control) -> str:
    """ArrowRight, unless the slider is already at its end."""
    at_end = control.evaluate("e => Number(e.value) >= Number(e.max)")
    return "ArrowLeft" if at_end else "ArrowRight"


def move(page, root, control) -> tuple[str, list[str]]:
    """Move one control (a key press on a range input, another option of a select) and wait
    for the redraw. Returns a description of the move and the problems seen."""
    name = control.evaluate("e => e.dataset.name || e.id")
    before = root.evaluate(COUNT_DRAWS)
    value_before = control.evaluate("e => e.value")
    control.scroll_into_view_if_needed()
    if control.evaluate("e => e.tagName") == "SELECT":
        count = control.evaluate("e => e.options.length")
        index = (control.evaluate("e => e.selectedIndex") + 1) % count
        control.select_option(index=index)
        what = f"{name} (select, option {index})"
    else:
        key = key_for(control)
        control.focus()
        page.keyboard.press(key)
        what = f"{name} (range, {key})"
    problems = []
    if control.evaluate("e => e.value") == value_before:
        return what, [f"{what}: the control did not change ({focus_note(page)})"]
    try:
        page.wait_for_function("([root, draws]) => root.__nnlibDraws > draws", arg=[root, before["draws"]],
                               timeout=DRAW_TIMEOUT_MS)
    except PlaywrightTimeout:
        text = root.evaluate("r => (r.querySelector('.nnlib-figure') || r).textContent.slice(0, 200)")
        return what, [f"{what}: no redraw within {DRAW_TIMEOUT_MS / 1000:.0f} s (figure: {text!r})"]
    after = root.evaluate(COUNT_DRAWS)
    if after["html"] == before["html"]:
        problems.append(f"{what}: redrawn, but the figure did not change")
    if "could not be drawn" in after["html"]:
        problems.append(f"{what}: {root.evaluate('r => r.textContent.slice(0, 300)')}")
    return what, problems
