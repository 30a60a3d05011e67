"""Whole-book timings: every notebook, ``make test``, and ``make book`` from clean.

* **Notebooks**: each chapter (``notebooks/*.ipynb``, however many there are) executed top
  to bottom in a fresh kernel, as a reader runs it (live explorers), one after the other.
  A notebook that fails or times out is reported with its error and does not stop the
  others. Budget: :data:`NOTEBOOK_BUDGET_S` each.
* **make test**: the wall time of ``make test`` in the repository (the virtual environment
  already installed): the unit tests and every notebook under nbval. Budget
  :data:`MAKE_TEST_BUDGET_S`. Timed as it is, and once more with BLAS limited to one
  thread (``OPENBLAS_NUM_THREADS=1``): on two shared cores, a second BLAS thread that
  waits for a busy core makes the book's small matrix products several times slower.
* **make book from clean**: a snapshot of the working tree (the files git lists: tracked,
  plus new ones it does not ignore) is copied to a temporary folder, without ``_build``
  or any cache, and ``make book`` runs there with the same virtual environment; its
  ``nnlib`` is the snapshot's own. Nothing in the repository's ``_build`` is touched. The
  build's notebook cache then says how long each notebook took to execute in the build
  (explorers precompute their frames there). Budget :data:`MAKE_BOOK_BUDGET_S`.

Run as a script it prints one JSON line: ``python bench/book_times.py [--notebooks] [--make-test] [--make-book]``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
NOTEBOOK_BUDGET_S, MAKE_TEST_BUDGET_S, MAKE_BOOK_BUDGET_S = 20.0, 180.0, 240.0
NOTEBOOK_TIMEOUT_S = 600


def chapters(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if not p.name.startswith("."))


def execute_notebooks(root: Path = ROOT) -> dict[str, dict]:
    """Seconds to execute each notebook in a fresh kernel, or the error that stopped it."""
    import nbformat
    from nbclient import NotebookClient

    results = {}
    for path in chapters(root):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT_S, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            results[path.stem] = {"seconds": time.perf_counter() - start}
        except Exception as error:  # a chapter being written may fail today: report it, time the rest
            message = str(error).strip().splitlines()
            results[path.stem] = {"seconds": time.perf_counter() - start,
                                  "error": f"{type(error).__name__}: {message[-1] if message else ''}"[:300]}
    return results


def _tail(text: str, lines: int = 3) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def make_test_seconds(root: Path = ROOT, threads: int | None = None) -> dict:
    """Wall time of ``make test``; with ``threads``, BLAS and OpenMP limited to that many threads."""
    env = dict(os.environ)
    if threads is not None:
        from interleave import THREAD_VARIABLES

        env.update({name: str(threads) for name in THREAD_VARIABLES})
    start = time.perf_counter()
    out = subprocess.run(["make", "test"], cwd=root, capture_output=True, text=True, env=env)
    return {"seconds": time.perf_counter() - start, "returncode": out.returncode, "summary": _tail(out.stdout),
            "threads": threads}


def snapshot(root: Path, target: Path) -> int:
    """Copy the files git lists (tracked and new, not ignored) to ``target``, keeping their times."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout.decode().split("\0")
    count = 0
    for name in filter(None, listing):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
            count += 1
    return count


def execution_seconds(cache_dir: Path) -> dict[str, float]:
    """Per notebook, the execution time the book build recorded in its jupyter-cache."""
    try:
        from jupyter_cache import get_cache

        return {Path(record.uri).stem: float(record.data["execution_seconds"])
                for record in get_cache(str(cache_dir)).list_cache_records()
                if record.data.get("execution_seconds") is not None}
    except Exception as error:  # the cache's layout is jupyter-cache's business: report, do not fail
        return {"error": f"{type(error).__name__}: {error}"}


def make_book_from_clean(root: Path = ROOT, keep: Path | None = None) -> dict:
    """Wall time of ``make book`` on a clean snapshot of the working tree."""
    work = Path(tempfile.mkdtemp(prefix="nnlib-book-"))
    try:
        files = snapshot(root, work)
        (work / ".venv").symlink_to(root / ".venv")
        env = dict(os.environ, PYTHONPATH=str(work))  # the snapshot's nnlib, not the repository's
        start = time.perf_counter()
        # -o: the shared .venv is installed; never let make reinstall it because the copies are newer.
        out = subprocess.run(["make", "-o", ".venv/.installed", "book"], cwd=work, env=env,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - start
        result = {"seconds": seconds, "returncode": out.returncode, "files": files,
                  "summary": _tail(out.stdout if out.returncode == 0 else out.stdout + out.stderr, 4),
                  "notebook_seconds": execution_seconds(work / "_build" / ".jupyter_cache")}
        if keep is not None and (work / "_build" / "html").exists():
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work / "_build" / "html", keep)
            result["html"] = str(keep)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    report = {}
    if "--notebooks" in sys.argv:
        report["notebooks"] = execute_notebooks()
    if "--make-test" in sys.argv:
        report["make_test"] = make_test_seconds()
    if "--make-book" in sys.argv:
        report["make_book"] = make_book_from_clean()
    print(json.dumps(report))
