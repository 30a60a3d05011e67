"""Every chapter in JupyterLab, run as a reader runs it (Run > Run All Cells), then checked:

* no error output, and no traceback or warning on stderr;
* every explorer redraws its figure when any of its controls moves (a key press on a
  slider, another option of a drop-down), and its SVG is drawn at its natural size;
* every exercise's solution stays hidden until asked for: the folded "Solution" block is
  closed, the solution's code cell and the answer key the check uses are collapsed with their
  outputs hidden; a click on the summary shows the reasoning, a click on a collapsed cell
  shows the code;
* every ``nnlib.show_source(...)`` shows the library code it names, highlighted;
* no MyST markup that JupyterLab cannot render shows as raw text.

A failure names the cell by its index in the notebook (counting from 0).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import CHAPTERS
from .explorers import CONTROLS, move, natural_size_problems
from .notebook_page import DRAW_TIMEOUT_MS

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RAW_MYST = re.compile(r":::\{|```\{|\{literalinclude\}|\{[a-z][a-z-]*\}`")
EXERCISE = re.compile(r"^#{2,4}\s+Exercise\s+(\d+\.\d+)", re.MULTILINE)
FOLDED_CODE = re.compile(r"#\s*(?:Solution to|Answer key for) Exercise\s+(\d+\.\d+)")


@pytest.fixture(scope="module", params=CHAPTERS)
def chapter(request, chapter_runs):
    yield chapter_runs.get(request.param)
    chapter_runs.done(request.param)


def fail_with(problems: list[str], what: str):
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems), pytrace=False)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


# ---- (a) errors ---------------------------------------------------------------------------
ERRORS_SHOWN = """() => {
  const where = e => Number(e.closest('.jp-Cell').getAttribute('data-windowed-list-index'));
  const shown = [];
  document.querySelectorAll('.jp-Notebook .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')
    .forEach(e => shown.push({cell: where(e), kind: 'error', text: e.textContent}));
  document.querySelectorAll('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    .forEach(e => shown.push({cell: where(e), kind: 'stderr', text: e.textContent}));
  document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')
    .forEach(e => { if (/Error displaying widget|Failed to load model class|model not found/.test(e.textContent))
                      shown.push({cell: where(e), kind: 'widget', text: e.textContent}); });
  return shown;
}"""


def test_runs_without_errors(chapter):
    problems = []
    for shown in chapter.page.evaluate(ERRORS_SHOWN):
        text = shown["text"].strip()
        if shown["kind"] == "stderr" and not re.search(r"Traceback|\w+(Error|Warning)\b", text):
            continue  # stderr without a traceback or a warning (a progress line, say) is allowed
        lines = [line for line in text.splitlines() if line.strip()]
        problems.append(f"cell {shown['cell']}: {shown['kind']} output: {' | '.join(lines[-3:])[:400]}")
    for cell in chapter.state():
        if cell["type"] == "code" and cell["source"].strip() and cell["executionCount"] is None:
            problems.append(f"cell {cell['index']} did not run ({first_line(cell['source'])[:80]!r})")
    fail_with(problems, f"problems after Run All Cells in {chapter.path} ({chapter.run_seconds:.0f} s)")


# ---- (e) raw MyST -----------------------------------------------------------------------------
RENDERED_TEXT = """() => Array.from(document.querySelectorAll(
    '.jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown, .jp-Notebook .jp-OutputArea-output'))
  .map(e => ({cell: Number(e.closest('.jp-Cell').getAttribute('data-windowed-list-index')), text: e.textContent}))"""


def test_no_raw_myst_markup(chapter):
    unrendered = [cell["index"] for cell in chapter.state() if cell["type"] == "markdown"
                  and not chapter.cell(cell["index"]).locator(".jp-RenderedMarkdown").count()]
    problems = [f"cell {i}: markdown not rendered" for i in unrendered]
    for block in chapter.page.evaluate(RENDERED_TEXT):
        for match in RAW_MYST.finditer(block["text"]):
            start = max(0, match.start() - 40)
            snippet = block["text"][start:match.end() + 40].replace("\n", " ")
            problems.append(f"cell {block['cell']}: raw {match.group(0)!r} in {snippet!r}")
    fail_with(problems, f"places where {chapter.path} shows MyST markup as raw text")


# ---- (d) library code -------------------------------------------------------------------------
SOURCE_SHOWN = """cell => Array.from(cell.querySelectorAll('.jp-OutputArea-output pre')).map(pre => ({
  text: pre.textContent,
  highlighted: pre.querySelectorAll('span[class]').length,
  visible: pre.checkVisibility ? pre.checkVisibility() : pre.offsetParent !== null,
}))"""
SHOW_SOURCE_CALL = re.compile(r"show_source\(\s*([\w.]+)(?:\s*,\s*start_at\s*=\s*([\"'])(.*?)\2)?")


def test_library_code_is_shown(chapter):
    cells = [c for c in chapter.state() if c["type"] == "code" and "show_source(" in c["source"]]
    if not cells:
        pytest.skip(f"{chapter.path} shows no library code with nnlib.show_source")
    problems = []
    for cell in cells:
        call = SHOW_SOURCE_CALL.search(cell["source"])
        # The code shown must be the object's own: its name, or the line an excerpt starts at.
        expected = call.group(3) if call and call.group(3) else (call.group(1).split(".")[-1] if call else "")
        chapter.cell(cell["index"]).scroll_into_view_if_needed()
        blocks = chapter.cell(cell["index"]).evaluate(SOURCE_SHOWN)
        good = [b for b in blocks if b["visible"] and b["highlighted"] > 0 and expected in b["text"]
                and len([line for line in b["text"].splitlines() if line.strip()]) >= 2]
        if not good:
            found = [(b["text"][:80], b["highlighted"], b["visible"]) for b in blocks]
            problems.append(f"cell {cell['index']} ({first_line(cell['source'])[:70]!r}): no visible, highlighted "
                            f"code block of two or more lines containing {expected!r} (found {found})")
    fail_with(problems, f"show_source cells of {chapter.path} without their code")


# ---- (c) solutions ---------------------------------------------------------------------------
SOLUTION_BLOCKS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-MarkdownCell details'))
  .filter(d => d.querySelector(':scope > summary') &&
               /^\\s*Solution/.test(d.querySelector(':scope > summary').textContent))
  .map((d, k) => ({k, cell: Number(d.closest('.jp-Cell').getAttribute('data-windowed-list-index')),
                   summary: d.querySelector(':scope > summary').textContent.trim()}))"""

DETAILS_SHOWN = """k => { const d = Array.from(document.querySelectorAll('.jp-Notebook .jp-MarkdownCell details'))
  .filter(d => d.querySelector(':scope > summary') &&
               /^\\s*Solution/.test(d.querySelector(':scope > summary').textContent))[k];
  const content = Array.from(d.childNodes).filter(n => n.nodeName !== 'SUMMARY');
  const visible = content.some(n => n.nodeType === Node.ELEMENT_NODE ? n.checkVisibility()
                                                                     : d.open && n.textContent.trim() !== '');
  return {open: d.open, visible, text: content.map(n => n.textContent).join('').trim().length}; }"""


def test_solutions_hidden_until_asked_for(chapter):
    cells = chapter.state()
    exercises = sorted({n for c in cells if c["type"] == "markdown" for n in EXERCISE.findall(c["source"])})
    assert exercises, f"{chapter.path} has no '### Exercise N.k' heading"
    blocks = chapter.page.evaluate(SOLUTION_BLOCKS)
    code_cells = [c for c in cells if c["type"] == "code" and FOLDED_CODE.match(first_line(c["source"]))]
    problems = []
    for number in exercises:
        if not any(re.search(rf"\b{re.escape(number)}\b", b["summary"]) for b in blocks):
            problems.append(f"Exercise {number}: no folded <details> block with the summary "
                            f"'Solution to Exercise {number}'")
        for kind in ("Solution to", "Answer key for"):
            if not any(first_line(c["source"]).startswith(f"# {kind} Exercise {number}") for c in code_cells):
                problems.append(f"Exercise {number}: no code cell starting '# {kind} Exercise {number}'")

    # The worked reasoning: closed, showing only its summary, until the summary is clicked.
    for block in blocks:
        where = f"cell {block['cell']} ({block['summary']!r})"
        summary = chapter.cell(block["cell"]).locator("details > summary").filter(has_text=block["summary"]).first
        summary.scroll_into_view_if_needed()
        shown = chapter.page.evaluate(DETAILS_SHOWN, block["k"])
        if shown["open"] or shown["visible"]:
            problems.append(f"{where}: the solution is visible before it is asked for")
        summary.click()
        try:
            chapter.page.wait_for_function(f"() => {{ const s = ({DETAILS_SHOWN})({block['k']}); "
                                           "return s.open && s.visible && s.text > 20; }", timeout=DRAW_TIMEOUT_MS)
        except PlaywrightTimeout:
            problems.append(f"{where}: clicking the summary did not show the reasoning")

    # The solution in code and the answer key: collapsed to the first line, outputs hidden; a click
    # shows the code.
    opened = {c["index"]: c for c in chapter.state_at_open}
    for cell in code_cells:
        node, where = chapter.cell(cell["index"]), f"cell {cell['index']} ({first_line(cell['source'])[:40]!r}...)"
        node.scroll_into_view_if_needed()
        collapsed = (node.locator(".jp-InputPlaceholder").is_visible()
                     and not node.locator(".jp-Cell-inputArea").is_visible())
        if not collapsed:
            problems.append(f"{where}: the code is not collapsed")
        if cell["outputs"] and (node.locator(".jp-Cell-outputArea").is_visible()
                                or not node.locator(".jp-OutputPlaceholder").is_visible()):
            text = " | ".join(node.locator(".jp-Cell-outputArea").inner_text().split("\n"))[:160]
            at_open = "hidden" if opened.get(cell["index"], {}).get("outputHidden") else "shown"
            problems.append(f"{where}: its output is shown after Run All Cells ({text!r}); "
                            f"it was {at_open} when the notebook was opened")
        if not collapsed:
            continue
        code_line = next((line for line in cell["source"].splitlines()[1:] if line.strip()), "")
        node.locator(".jp-InputPlaceholder .jp-Placeholder-content").click()
        try:
            node.locator(".jp-Cell-inputArea .cm-content").filter(has_text=code_line.strip()[:40]).wait_for(
                state="visible", timeout=DRAW_TIMEOUT_MS)
        except PlaywrightTimeout:
            problems.append(f"{where}: clicking the collapsed cell did not show its code")
    fail_with(problems, f"problems with the exercises' solutions in {chapter.path}")


# ---- (b) explorers ---------------------------------------------------------------------------
def test_explorers_redraw_at_natural_size(chapter):
    cells = [c for c in chapter.state() if any(WIDGET_VIEW in o.get("data", {}) for o in c["outputs"])]
    problems = [] if len(cells) >= 2 else [f"{len(cells)} explorer(s); a chapter has at least two"]
    for cell in cells:
        node = chapter.cell(cell["index"])
        roots = node.locator(".nnlib-explorer").element_handles()
        if not roots:
            if node.locator(".widget-image, .widget-slider, .widget-dropdown").count():
                problems.append(f"cell {cell['index']}: ipywidgets controls over an image, "
                                "not an nnlib.explore explorer")
            else:
                text = node.locator(".jp-Cell-outputArea").inner_text()[:200]
                problems.append(f"cell {cell['index']}: a widget output without an explorer: {text!r}")
            continue
        for k, root in enumerate(roots):
            where = f"cell {cell['index']}, explorer {k}"
            controls = root.query_selector_all(CONTROLS)
            if not controls:
                problems.append(f"{where}: no controls")
            for control in controls:
                what, seen = move(chapter.page, root, control)
                problems += [f"{where}: {p}" for p in seen]
                problems += natural_size_problems(root, f"{where} after moving {what}")
    if problems and chapter.console_errors:
        problems.append("browser console errors: " + " | ".join(chapter.console_errors[-5:])[:600])
    fail_with(problems, f"problems with the explorers of {chapter.path}")
