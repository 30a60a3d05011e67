"""Chapters read as well in JupyterLab as in the web book.

JupyterLab renders CommonMark with HTML and math, not MyST: roles and directives would show
as raw text there. These checks keep every chapter to markup that both render, and keep the
cells the web book folds folded in JupyterLab too.
"""
import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
RAW_MYST = [":::{", "```{", "{term}`", "{ref}`", "{numref}`", "{doc}`", "{eq}`", "{math}`", "literalinclude"]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_myst_only_markup(path):
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] == "markdown":
            found = [token for token in RAW_MYST if token in source(cell)]
            assert not found, f"{path.name} cell {index}: {found} would show raw in JupyterLab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_details_blocks_fold_markdown_in_every_viewer(path):
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] != "markdown" or "<details>" not in text:
            continue
        assert text.count("<details>") == text.count("</details>"), f"{path.name} cell {index}"
        # CommonMark ends an HTML block at a blank line: the summary must be followed by one,
        # and the closing tag preceded by one, or the Markdown inside is not rendered.
        assert re.search(r"</summary>\n\n", text) and re.search(r"\n\n</details>", text), f"{path.name} cell {index}"


def assert_folded_and_silent(path, index, cell, startswith):
    """A solution or answer-key cell: folded in the web book and in JupyterLab, code and output,
    its first line (all a folded cell shows) as given, and no print: JupyterLab shows a folded
    cell's output again once the cell runs (Run All)."""
    text, meta = source(cell), cell["metadata"]
    assert "hide-cell" in meta.get("tags", []), f"{path.name} cell {index}: the web book must fold it"
    assert meta.get("jupyter", {}) == {"source_hidden": True, "outputs_hidden": True}, \
        f"{path.name} cell {index}: JupyterLab must fold code and output"
    first = text.splitlines()[0]
    assert first.startswith(startswith), f"{path.name} cell {index}: {first!r}"
    assert not re.search(r"^\s*print\(", text, re.M), f"{path.name} cell {index}: a folded cell prints"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_solutions_are_hidden_until_asked_for(path):
    solutions = 0
    exercise = None
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] == "markdown":
            found = re.search(r"^### (Exercise [\d.]+)", text, re.M)
            exercise = found.group(1) if found else exercise
            if re.search(r"<summary><strong>Solution", text):
                assert exercise and f"Solution to {exercise}" in text, f"{path.name} cell {index}"
            continue
        if "assert check(" not in text:
            continue
        solutions += 1
        # A folded cell shows its first line: it names the solution and gives nothing away.
        assert_folded_and_silent(path, index, cell, startswith=f"# Solution to {exercise}")
        assert "quiet=True" in text, f"{path.name} cell {index}: use assert check(..., quiet=True)"
    assert solutions >= 3, f"{path.name} has {solutions} checked solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_folded_in_the_web_book_is_folded_in_jupyterlab(path):
    for index, cell in enumerate(cells(path)):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and ("hide-input" in tags or "hide-cell" in tags):
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, f"{path.name} cell {index}"
            assert source(cell).startswith("#"), f"{path.name} cell {index}: a folded cell starts with a comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_library_code_is_shown_from_the_package(path):
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] == "code" and "show_source(" in text:
            assert "remove-input" in cell["metadata"].get("tags", []), f"{path.name} cell {index}"


KEY_FIRST_LINE = "# Answer key for {}: folded so that it does not give the answer away."


def _reader_checks(text):
    """The ``check(...)`` calls of a reader's exercise cell, as ast.Call nodes."""
    calls = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "check"]
    return [call for call in calls if any(k.arg == "name" for k in call.keywords)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_checks_do_not_show_the_answer(path):
    """The reader's check cell names its expected value; a folded key cell above computes it."""
    exercise, keys, checked = None, set(), 0
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] == "markdown":
            found = re.search(r"^### (Exercise [\d.]+)", text, re.M)
            if found:
                exercise, keys = found.group(1), set()
            continue
        if exercise is None:
            continue
        meta = cell["metadata"]
        if text.startswith("# Answer key"):
            assert text.splitlines()[0] == KEY_FIRST_LINE.format(exercise), f"{path.name} cell {index}"
            assert_folded_and_silent(path, index, cell, startswith=KEY_FIRST_LINE.format(exercise))
            keys |= {name.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Assign)
                     for target in node.targets for name in ast.walk(target) if isinstance(name, ast.Name)}
            continue
        if "assert check(" in text or "hide-cell" in meta.get("tags", []):
            continue
        for call in _reader_checks(text):
            expected = call.args[1] if len(call.args) > 1 else None
            if isinstance(expected, ast.Subscript):      # one entry of a key's dict, e.g. expected_9_5[name]
                expected = expected.value
            where = f"{path.name} cell {index} ({exercise})"
            assert isinstance(expected, ast.Name) and expected.id.startswith("expected_"), \
                f"{where}: check's expected value must be a name from the folded answer key, not {ast.unparse(expected) if expected else None}"
            assert expected.id in keys, f"{where}: {expected.id} is not set by a folded answer-key cell above"
            checked += 1
    assert checked >= 3, f"{path.name} has {checked} exercise checks"
