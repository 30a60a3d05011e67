"""Set the book's repository URL in its one home, and in what is derived from it.

The URL lives in `_config.yml` (`repository.url`). The launch buttons (Binder, Colab)
read it there; each notebook's setup cell installs nnlib from it when nnlib is missing
(as on Colab). Run this after forking:

    python tools/set_repository_url.py https://github.com/<you>/<your-fork>

With no argument it re-applies the URL already in `_config.yml` to the notebooks.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
URL_LINE = re.compile(r"^(\s*url:\s*)(\S+)\s*$", re.MULTILINE)

SETUP_CELL = '''# Setup: where nnlib is missing (as on Colab), install the book's package from its repository.
# Locally `make lab` has installed it already, and this cell does nothing.
import importlib.util, subprocess, sys
if importlib.util.find_spec("nnlib") is None:
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+{url}"], capture_output=True)
    if pip.returncode != 0:  # e.g. offline, or the repository is private or gone
        print("nnlib is not installed, and installing it from the book's repository failed.\\n"
              "To run this chapter: download the runnable book (the link at the top of this chapter\\n"
              "in the web book), unzip it and run `make lab` in its folder; or install nnlib from a\\n"
              "local copy of the book with `pip install -e path/to/the/book`, then restart the kernel.")'''


def configured_url() -> str:
    match = URL_LINE.search(CONFIG.read_text())
    if not match:
        raise SystemExit("_config.yml has no `repository: url:` line")
    return match.group(2)


def setup_cell(url: str) -> str:
    return SETUP_CELL.format(url=url)


def apply(url: str) -> list[str]:
    """Write ``url`` into _config.yml and every notebook's setup cell; returns changed files."""
    if not re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", url):
        raise SystemExit(f"expected a repository URL like https://github.com/owner/name, got {url!r}")
    changed = []
    text = CONFIG.read_text()
    new_text = URL_LINE.sub(lambda m: m.group(1) + url, text, count=1)
    if new_text != text:
        CONFIG.write_text(new_text)
        changed.append(str(CONFIG.relative_to(ROOT)))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        if not code_cells or "find_spec(\"nnlib\")" not in "".join(code_cells[0]["source"]):
            raise SystemExit(f"{path.name}: its first code cell is not the setup cell")
        source = setup_cell(url)
        if "".join(code_cells[0]["source"]) != source:
            code_cells[0]["source"] = source.splitlines(keepends=True)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            changed.append(str(path.relative_to(ROOT)))
    return changed


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else configured_url()
    for name in apply(target):
        print("updated", name)
