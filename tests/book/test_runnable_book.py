"""The runnable book: one zip in the built site, linked from every chapter (book/_ext/runnable_book.py).

A reader with only the web book downloads it, unzips it and runs `make lab` or `make test`.
The first tests check the packing rules on a small made-up tree (no build needed); the rest
check the archive and the links in the built site.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin

import pytest

from .conftest import ROOT, SITE, chapter_pages

_spec = importlib.util.spec_from_file_location("runnable_book", ROOT / "book" / "_ext" / "runnable_book.py")
runnable_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runnable_book)

FOLDER = runnable_book.NAME
NEEDED = ["nnlib/__init__.py", "nnlib/data/digits.npz", "requirements.txt", "pyproject.toml", "Makefile",
          "README.md", "tests/conftest.py"]
TOP_LEVEL = {"notebooks", "nnlib", "tests", "requirements.txt", "pyproject.toml", "Makefile", "README.md",
             ".gitignore"}
NEVER = {".venv", "_build", "__pycache__", ".ipynb_checkpoints", ".git", ".pytest_cache", ".jupyter_cache"}


# --- the packing rules, on a made-up tree ---------------------------------------------------

@pytest.fixture
def made_up_tree(tmp_path):
    """A repository-like tree with everything a checkout holds, wanted or not (not a git checkout)."""
    root = tmp_path / "checkout"
    notebook = {"cells": [{"cell_type": "code", "source": "1 + 1", "metadata": {}, "execution_count": 3,
                           "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"}}]},
                          {"cell_type": "markdown", "source": "# A chapter", "metadata": {}}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    files = {
        "notebooks/01_chapter.ipynb": json.dumps(notebook),
        "notebooks/CHAPTER_GUIDE.md": "for authors",
        "notebooks/.ipynb_checkpoints/01_chapter-checkpoint.ipynb": "{}",
        "nnlib/__init__.py": "", "nnlib/data/digits.npz": "npz", "nnlib/__pycache__/x.cpython-311.pyc": "",
        "tests/conftest.py": "", "tests/test_layers.py": "", "tests/book/conftest.py": "",
        "tests/test_repository.py": "", "requirements.txt": "", "pyproject.toml": "", "Makefile": "",
        "README.md": "", ".gitignore": "", "_config.yml": "", "bench/run.py": "", "book/intro.md": "",
        ".venv/bin/python": "", "_build/html/index.html": "", "nnlib.egg-info/PKG-INFO": "",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_packs_exactly_what_a_reader_needs(made_up_tree, tmp_path):
    packed = runnable_book.build_archive(made_up_tree, tmp_path / "book.zip")
    assert packed == sorted(["notebooks/01_chapter.ipynb", "nnlib/__init__.py", "nnlib/data/digits.npz",
                             "tests/conftest.py", "tests/test_layers.py", "requirements.txt",
                             "pyproject.toml", "Makefile", "README.md", ".gitignore"])
    with zipfile.ZipFile(tmp_path / "book.zip") as archive:
        assert archive.namelist() == [f"{FOLDER}/{name}" for name in packed]
        notebook = json.loads(archive.read(f"{FOLDER}/notebooks/01_chapter.ipynb"))
    code = notebook["cells"][0]
    assert code["outputs"] == [] and code["execution_count"] is None and code["source"] == "1 + 1"


def test_archive_is_reproducible(made_up_tree, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runnable_book.build_archive(made_up_tree, tmp_path / "first.zip")
    (made_up_tree / "README.md").touch()  # a newer modification time must not matter
    runnable_book.build_archive(made_up_tree, tmp_path / "second.zip")
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()


def test_size_label():
    assert runnable_book.size_label(523_400) == "523 kB"
    assert runnable_book.size_label(1_520_000) == "1.5 MB"
    assert runnable_book.size_label(200) == "1 kB"


# --- the archive and its links in the built site ------------------------------------------

@pytest.fixture(scope="module")
def archive_path(site) -> Path:
    path = site / runnable_book.ARCHIVE
    assert path.is_file(), f"{runnable_book.ARCHIVE} is missing from the built site"
    return path


@pytest.fixture(scope="module")
def names(archive_path) -> list[str]:
    with zipfile.ZipFile(archive_path) as archive:
        assert archive.testzip() is None, "the archive is corrupt"
        everything = archive.namelist()
    assert all(n.startswith(f"{FOLDER}/") for n in everything), "everything must sit in one folder"
    return [n[len(FOLDER) + 1:] for n in everything]


def test_archive_holds_every_chapter_and_what_runs_it(site, names):
    chapters = {p.stem for p in chapter_pages()}
    assert chapters, "no chapter pages in the site"
    assert {n[len("notebooks/"):-len(".ipynb")] for n in names if n.startswith("notebooks/")} == chapters
    missing = [n for n in NEEDED if n not in names]
    assert not missing, f"the runnable book lacks {missing}"


def test_archive_holds_nothing_else(names):
    assert {PurePosixPath(n).parts[0] for n in names} <= TOP_LEVEL
    unwanted = [n for n in names if NEVER.intersection(PurePosixPath(n).parts) or n.endswith(".pyc")
                or n.startswith("tests/book/") or n == "tests/test_repository.py"]
    assert not unwanted, unwanted
    assert all(n.endswith(".ipynb") for n in names if n.startswith("notebooks/"))


def test_archived_notebooks_have_no_outputs(archive_path, names):
    with zipfile.ZipFile(archive_path) as archive:
        for name in (n for n in names if n.endswith(".ipynb")):
            cells = json.loads(archive.read(f"{FOLDER}/{name}"))["cells"]
            dirty = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                     and (c.get("outputs") or c.get("execution_count"))]
            assert not dirty, f"{name}: cells {dirty} carry outputs"


def test_unzipped_book_imports_its_own_nnlib_and_data(archive_path, tmp_path):
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(tmp_path)
    book = tmp_path / FOLDER
    makefile = (book / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    probe = ("import nnlib, nnlib.data; X, y = nnlib.data.load_digits(); "
             "print(nnlib.__file__); print(X.shape[0])")
    env = dict(os.environ, PYTHONPATH=str(book))
    done = subprocess.run([sys.executable, "-c", probe], cwd=book, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    module_file, samples = done.stdout.split()
    assert Path(module_file).is_relative_to(book), module_file
    assert int(samples) > 0


def _download_links(page: Path) -> list[tuple[str, str]]:
    markup = page.read_text(encoding="utf-8")
    box = re.search(r'<div class="admonition tip nnlib-runnable-book">(.*?)</div>', markup, re.S)
    assert box, f"{page.name}: no 'Run this chapter yourself' box"
    title_end = markup.find("</h1>", markup.find('<article class="bd-article"'))
    assert 0 <= title_end < box.start(), f"{page.name}: the box should follow the page's title"
    assert not re.search(r"<h2|<p>", markup[title_end:box.start()]), f"{page.name}: the box is not near the top"
    return re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]*)</a>', box.group(1))


@pytest.mark.parametrize("page", chapter_pages() + [SITE / "book" / "intro.html"], ids=lambda p: p.name)
def test_every_chapter_links_to_the_archive(site, archive_path, page):
    if not page.exists():
        pytest.skip(f"{page} is not built")
    links = _download_links(page)
    assert len(links) == 1, links
    href, text = links[0]
    page_url = page.resolve().as_uri()
    target = Path(unquote(urljoin(page_url, href)[len("file://"):]))
    assert target == archive_path.resolve(), f"{page.name}: {href} leads to {target}"
    label = runnable_book.size_label(archive_path.stat().st_size)
    assert f"(zip, {label})" in page.read_text(encoding="utf-8"), f"{page.name}: the size shown is not {label}"


def test_download_link_works_in_the_browser(open_page, archive_path):
    page, watch = open_page(f"notebooks/{chapter_pages()[0].name}")
    link = page.query_selector(".nnlib-runnable-book a")
    assert link and link.is_visible() and "runnable book" in link.inner_text()
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.ok, response.status
    assert response.body() == archive_path.read_bytes()
    assert not watch.errors, watch.errors
