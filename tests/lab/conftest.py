"""Fixtures for the JupyterLab tests: one server, one headless Chromium, chapters that have run.

These tests run every chapter in JupyterLab 4, as a reader does after `make lab`, and look
at the result in a real browser. They take minutes, so they run only when asked for:
`make check-lab`, or `pytest tests/lab` (a plain `pytest tests` leaves them out and says so).
Where Chromium is missing they skip with a message saying what to install.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..book.conftest import CHROMIUM, CHROMIUM_ARGS
from .notebook_page import NotebookPage
from .review_copy import REVIEW, write_review_copy
from .server import LAB_OVERRIDES, NOTEBOOKS, LabServer

HERE = Path(__file__).resolve().parent
CHAPTERS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
#: Chapters run two at a time: the next one runs while the tests look at the current one.
PREFETCH = int(os.environ.get("NNLIB_LAB_PREFETCH", "1"))
#: The review tests (screenshots, latency) use chapter 1 at this size and pixel ratio.
REVIEW_VIEWPORT, REVIEW_SCALE = (1280, 900), 2


# ---- only when asked for -------------------------------------------------------------------
def _asked_for(config) -> bool:
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    if HERE in Path(collection_path).resolve().parents and not _asked_for(config):
        config._nnlib_lab_left_out = True
        return True
    return None


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, "_nnlib_lab_left_out", False):
        terminalreporter.write_line("tests/lab (every chapter in JupyterLab, in Chromium) was left out: "
                                    "run it with `make check-lab` or `pytest tests/lab`.")
    latency = getattr(config, "_nnlib_lab_latency", None)
    if latency:
        terminalreporter.section("JupyterLab: slider key press to new figure (medians, same run)")
        for case in ("first_move", "repeated_moves"):
            r = latency[case]
            terminalreporter.write_line(f"{case:15} explorer {r['explorer_median_ms']:7.1f} ms   naive interact "
                                        f"{r['naive_median_ms']:7.1f} ms   ratio {r['ratio']:.2f} "
                                        f"(at most {latency['max_ratio']})")
    shots = getattr(config, "_nnlib_lab_screenshots", None)
    if shots:
        terminalreporter.write_line("JupyterLab screenshots for review: " + ", ".join(shots))


def pytest_collection_modifyitems(config, items):
    """Remember which chapters this run selected, in the order they run, so that only those
    are run ahead (the review copy of chapter 1 last, after the chapters' own tests)."""
    chosen = {item.callspec.params["chapter"] for item in items
              if hasattr(item, "callspec") and "chapter" in item.callspec.params}
    review = any("chapter_one" in getattr(item, "fixturenames", ()) for item in items)
    config._nnlib_lab_chapters = [name for name in CHAPTERS if name in chosen] + ([REVIEW] if review else [])


# ---- server and browser ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
                    "(or set CHROMIUM=/path/to/chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lab_server(browser):
    if not LAB_OVERRIDES.exists():
        pytest.fail(f"{LAB_OVERRIDES} is missing: JupyterLab would greet the tests with its news prompt. "
                    "Run `make install` (it writes the settings `make lab` uses).")
    server = LabServer().start()
    yield server
    server.stop()


class ChapterRuns:
    """Opens chapters and runs them (Run All Cells), the next one in the background.

    A chapter is known by its file name; ``REVIEW`` is chapter 1's review copy, opened at
    device pixel ratio 2.
    """

    def __init__(self, browser, server, order: list[str]):
        self.browser, self.server, self.order = browser, server, order
        self.pages: dict[str, NotebookPage] = {}

    def _open(self, name: str) -> NotebookPage:
        if name == REVIEW:
            return NotebookPage(self.browser, self.server, write_review_copy(self.server.root),
                                viewport=REVIEW_VIEWPORT, scale=REVIEW_SCALE, workspace="review")
        return NotebookPage(self.browser, self.server, name, workspace="run-" + name.split("_")[0])

    def _start(self, name: str):
        if name not in self.pages:
            page = self._open(name)
            page.start_run_all()
            self.pages[name] = page

    def get(self, name: str) -> NotebookPage:
        """The chapter, with every cell run (started now if it is not running yet)."""
        self._start(name)
        position = self.order.index(name) if name in self.order else len(self.order)
        for upcoming in self.order[position + 1: position + 1 + PREFETCH]:
            self._start(upcoming)
        page = self.pages[name]
        page.wait_until_finished()
        return page

    def done(self, name: str):
        page = self.pages.pop(name, None)
        if page is not None:
            page.close()

    def close(self):
        for name in list(self.pages):
            self.done(name)


@pytest.fixture(scope="session")
def chapter_runs(request, browser, lab_server):
    runs = ChapterRuns(browser, lab_server, getattr(request.config, "_nnlib_lab_chapters", CHAPTERS))
    yield runs
    runs.close()
