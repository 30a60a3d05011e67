"""The book build is a test too: a failing cell or a broken reference must fail it.

Builds two one-page books in a temporary folder with the same flags as `make book`
and checks that jupyter-book really exits non-zero.
"""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
ROOT = Path(__file__).resolve().parents[2]


def build(tmp_path, cells):
    (tmp_path / "_config.yml").write_text(
        "title: t\nexecute:\n  execute_notebooks: force\n  allow_errors: false\n"
        "sphinx:\n  config:\n    nb_execution_raise_on_error: true\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "page.ipynb")
    return subprocess.run([str(JUPYTER_BOOK), "build", str(tmp_path), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=300)


pytestmark = pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is not installed in this environment")


def test_a_clean_page_builds(tmp_path):
    result = build(tmp_path, [nbformat.v4.new_markdown_cell("# Title\n\nText."),
                              nbformat.v4.new_code_cell("x = 1\nassert x == 1")])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_failing_cell_fails_the_build(tmp_path):
    result = build(tmp_path, [nbformat.v4.new_markdown_cell("# Title"),
                              nbformat.v4.new_code_cell("assert 1 == 2, 'checkpoint failed'")])
    assert result.returncode != 0
    assert "checkpoint failed" in result.stdout + result.stderr


def test_a_broken_reference_fails_the_build(tmp_path):
    result = build(tmp_path, [nbformat.v4.new_markdown_cell("# Title\n\nSee {ref}`no-such-label`.")])
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr
