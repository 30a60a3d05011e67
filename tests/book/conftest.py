"""Fixtures for tests of the built book: the site folder, a local server, a headless browser.

These tests run after `make book` (`make check-book` runs both). Where the book has not
been built, or Chromium is missing, they skip with a message saying what to do.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BOOK_SITE", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root in a container Chromium needs --no-sandbox; the rest keep it from calling home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--allow-file-access-from-files"]


def html_pages():
    return sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts) if SITE.exists() else []


def is_redirect(page) -> bool:
    """jupyter-book's root index.html only forwards the reader to the landing page."""
    return 'http-equiv="refresh"' in page.read_text(encoding="utf-8", errors="replace")[:2000].lower()


def chapter_pages():
    return [p for p in html_pages() if p.parent.name == "notebooks"]


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.skip("the book is not built: run `make book` first (or `make check-book`)")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright for the whole run: a second one started beside it refuses to run."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
                    "(or set CHROMIUM=/path/to/chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


class PageWatch:
    """Collects console errors, failed requests and requests that leave the machine."""

    def __init__(self, page, allowed_prefixes):
        self.errors, self.failed, self.external = [], [], []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))
        page.on("response", lambda res: res.status >= 400 and self.failed.append(f"{res.url} (HTTP {res.status})"))

        def route(route_obj):
            url = route_obj.request.url
            if url.startswith(tuple(allowed_prefixes)):
                route_obj.continue_()
            else:
                self.external.append(url)
                route_obj.abort()

        page.route("**/*", route)


@pytest.fixture
def open_page(browser, server):
    """Open a page of the site (path relative to the site root); returns (page, watch)."""
    contexts = []

    def _open(relative: str, viewport=(1280, 900), base: str | None = None):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        page = context.new_page()
        root = base or server
        watch = PageWatch(page, [root, "data:", "blob:", "about:"])
        page.goto(f"{root}/{relative}", wait_until="load")
        wait_for_math(page)
        return page, watch

    yield _open
    for context in contexts:
        context.close()


def wait_for_math(page):
    """Wait until KaTeX (if the page loads it) has typeset every formula (book/_ext/katex_math.py)."""
    has_math = page.evaluate("() => !!document.querySelector('script[src*=\"katex-render\"]')")
    if has_math:
        page.wait_for_function("() => document.documentElement.dataset.mathTypeset === '1'", timeout=20000)


def scroll_to_explorers(page):
    """Bring every explorer of the page into view, as a reader scrolling down would.

    Explorers load their code and data only when the reader comes near them.
    """
    for explorer in page.query_selector_all("figure.nnlib-explorer"):
        explorer.scroll_into_view_if_needed()
        explorer.wait_for_selector(".nnlib-figure svg", timeout=20000)
