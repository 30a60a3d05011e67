"""Plain glossary links, ``[ReLU](#term-relu)``, reach their entry; unknown terms fail the build.

Chapters write the anchor in lower case (the chapter guide's rule), while Sphinx keeps a
term's capitals in its anchor (``term-ReLU``). Builds a two-page book with the book's
``glossary_links`` extension and the same flags as ``make book``.
"""
import subprocess
import sys
from pathlib import Path

import pytest

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
EXTENSIONS = Path(__file__).resolve().parents[2] / "book" / "_ext"

pytestmark = pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is not installed in this environment")

GLOSSARY = """# Glossary

```{glossary}
ReLU
   The rectified linear unit.

dense layer
fully connected layer
   A layer in which every input reaches every unit.
```
"""


def build(tmp_path, page):
    (tmp_path / "_config.yml").write_text(
        "title: t\nexecute:\n  execute_notebooks: 'off'\n"
        f"sphinx:\n  local_extensions:\n    glossary_links: {EXTENSIONS}\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: page\nchapters:\n  - file: glossary\n")
    (tmp_path / "glossary.md").write_text(GLOSSARY)
    (tmp_path / "page.md").write_text(page)
    result = subprocess.run([str(JUPYTER_BOOK), "build", str(tmp_path), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, timeout=300)
    html = tmp_path / "_build" / "html" / "page.html"
    return result, html.read_text(encoding="utf-8") if html.exists() else ""


def test_lower_case_links_reach_terms_written_with_capitals_and_every_alias(tmp_path):
    result, html = build(tmp_path, "# Page\n\nA [ReLU](#term-relu) unit in a [dense layer](#term-dense-layer), "
                                   "also called [fully connected](#term-fully-connected-layer).\n")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for anchor in ("term-ReLU", "term-dense-layer", "term-fully-connected-layer"):
        assert f'href="glossary.html#{anchor}"' in html, anchor


def test_a_link_to_a_term_the_glossary_lacks_fails_the_build(tmp_path):
    result, _ = build(tmp_path, "# Page\n\nA [perceptron](#term-perceptron).\n")
    assert result.returncode != 0
    assert "term-perceptron" in result.stdout + result.stderr
