"""The runnable book as one download, offered on every chapter page.

A reader who has only the web book should still be able to run every chapter. At the start
of each HTML build this extension packs what that takes into
``_downloads/neural-networks-from-scratch.zip`` in the built site:

* ``notebooks/*.ipynb``, with their outputs stripped;
* ``nnlib/`` with its data;
* ``tests/`` (the unit tests and their fixtures) without ``tests/book`` (tests of the built
  site) and ``tests/test_repository.py`` (rules for commits to the repository, such as
  "notebooks carry no outputs", which a reader's working copy need not follow);
* ``requirements.txt``, ``pyproject.toml``, ``Makefile``, ``README.md`` and ``.gitignore``.

Everything sits under one folder, ``neural-networks-from-scratch/``, so that unzipping
makes one folder in which ``make lab`` and ``make test`` work. Files are taken from the
working tree as git lists them (tracked, plus new files git does not ignore), so
``.venv``, ``_build`` and caches never get in; without git the tree is walked with the same
exclusions. The archive is reproducible: the same files (and commit) give the same bytes.

Each chapter page, and the landing page, then gets a short "Run this chapter yourself" box
near its top that links to the archive and gives its size.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from pathlib import Path, PurePosixPath

from sphinx.util import logging

logger = logging.getLogger(__name__)

NAME = "neural-networks-from-scratch"
ARCHIVE = f"_downloads/{NAME}.zip"  # relative to the site root
ROOT_FILES = {"requirements.txt", "pyproject.toml", "Makefile", "README.md", ".gitignore"}
LEFT_OUT = {"tests/book", "tests/test_repository.py"}
EXCLUDED_PARTS = {".venv", "_build", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
                  ".hypothesis", ".jupyter_cache", ".git"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")
EARLIEST_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def belongs_in_download(path: str) -> bool:
    """Whether a repository path (posix, relative to the root) goes into the runnable book."""
    parts = PurePosixPath(path).parts
    if not parts or EXCLUDED_PARTS.intersection(parts) or any(p.endswith(EXCLUDED_SUFFIXES) for p in parts):
        return False
    if any(path == left or path.startswith(left + "/") for left in LEFT_OUT):
        return False
    if len(parts) == 1:
        return path in ROOT_FILES
    if parts[0] == "notebooks":
        return len(parts) == 2 and path.endswith(".ipynb")
    return parts[0] in {"nnlib", "tests"}


def _listed_by_git(root: Path) -> list[str] | None:
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [name for name in listing.decode("utf-8").split("\0") if name]


def _walked(root: Path) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in EXCLUDED_PARTS]
        found += [Path(folder, f).relative_to(root).as_posix() for f in files]
    return found


def runnable_files(root: Path) -> list[str]:
    """The repository paths the runnable book holds, sorted."""
    listed = _listed_by_git(root)
    if listed is None:
        logger.info("runnable book: git is not available here, so the files are found by walking the tree")
        listed = _walked(root)
    # git still lists a tracked file that was deleted from the working tree: leave it out.
    return sorted({p for p in listed if belongs_in_download(p) and (root / p).is_file()})


def _archive_time(root: Path) -> tuple[int, ...]:
    """One timestamp for every file: SOURCE_DATE_EPOCH, else the last commit's time.

    A fixed time (rather than each file's) keeps the archive byte-for-byte reproducible.
    """
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    if not stamp:
        try:
            stamp = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True,
                                   text=True, check=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            stamp = ""
    if not stamp.isdigit():
        return EARLIEST_ZIP_TIME
    return max(EARLIEST_ZIP_TIME, tuple(time.gmtime(int(stamp))[:6]))


def _stripped_notebook(path: Path) -> bytes:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def build_archive(root: Path, target: Path) -> list[str]:
    """Write the runnable book from ``root`` into the zip ``target``; returns the paths packed."""
    files = runnable_files(root)
    when = _archive_time(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in files:
            source = root / name
            data = _stripped_notebook(source) if name.endswith(".ipynb") else source.read_bytes()
            entry = zipfile.ZipInfo(f"{NAME}/{name}", date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = (0o100755 if os.access(source, os.X_OK) else 0o100644) << 16
            archive.writestr(entry, data)
    partial.replace(target)
    return files


def size_label(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1e3))} kB"


def _build(app):
    if app.builder.format != "html":
        return
    target = Path(app.outdir) / ARCHIVE
    files = build_archive(Path(app.srcdir), target)
    app.runnable_book_label = size_label(target.stat().st_size)
    logger.info(f"runnable book: {len(files)} files, {app.runnable_book_label}, in {ARCHIVE}")


def _offers_download(app, docname: str) -> bool:
    return docname.startswith("notebooks/") or docname == app.config.root_doc


def _pages_showing_an_old_size(app, env, added, changed, removed):
    """Pages to rewrite because the archive's size changed since they were written."""
    label = getattr(app, "runnable_book_label", None)
    if label is None or getattr(env, "runnable_book_label", None) == label:
        return []
    env.runnable_book_label = label
    return [d for d in env.found_docs if _offers_download(app, d) and d not in added | changed]


def _offer_download(app, pagename, templatename, context, doctree):
    label = getattr(app, "runnable_book_label", None)
    if doctree is None or label is None or "body" not in context or not _offers_download(app, pagename):
        return
    href = context["pathto"](ARCHIVE, 1)
    what = "the book" if pagename == app.config.root_doc else "this chapter"
    box = (
        f'<div class="admonition tip nnlib-runnable-book">\n'
        f'<p class="admonition-title">Run {what} yourself</p>\n'
        f'<p><a class="reference download" href="{href}" download>Download the runnable book</a> '
        f'(zip, {label}), unzip it, and run <code class="docutils literal notranslate">make lab</code> '
        f'in its folder: every chapter opens in JupyterLab with live sliders '
        f'(you need Python 3.10 or newer and <code class="docutils literal notranslate">make</code>; '
        f'the first run installs the toolchain from PyPI).</p>\n'
        f'</div>\n'
    )
    body = context["body"]
    title_end = body.find("</h1>")
    at = title_end + len("</h1>") if title_end >= 0 else 0
    context["body"] = body[:at] + "\n" + box + body[at:]


def setup(app):
    app.connect("builder-inited", _build)
    app.connect("env-get-outdated", _pages_showing_an_old_size)
    app.connect("html-page-context", _offer_download)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
