"""Every notebook's first code cell (the setup cell) installs nnlib where it is missing.

When that install fails (offline, or the repository is unreachable) the cell must not raise:
it says how to run the chapter instead. These tests run the cell's own code, taken from the
notebooks, with nnlib made to look missing.
"""
import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Nothing listens on the discard port of this machine, so git's clone is refused at once.
UNREACHABLE = "https://127.0.0.1:9/nobody/nothing"


def _setup_cell(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


@pytest.fixture
def nnlib_looks_missing(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "nnlib" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_failed_install_prints_what_to_do_and_raises_nothing(nnlib_looks_missing, monkeypatch, capsys):
    source = _setup_cell(NOTEBOOKS[0])
    url = re.search(r'"git\+(https://[^"]+)"', source)
    assert url, "the setup cell must install nnlib with pip from git+<repository URL>"
    # pip must fail fast and offline: no package index, no version check, no credential prompt.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    calls = []
    real_run = subprocess.run

    def run(command, *args, **kwargs):
        calls.append(command)
        return real_run(command, *args, timeout=60, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)

    exec(compile(source.replace(url.group(1), UNREACHABLE), "setup cell", "exec"), {})

    assert len(calls) == 1 and f"git+{UNREACHABLE}" in calls[0], calls  # it did try pip
    printed = capsys.readouterr().out
    assert "installing it from the book's repository failed" in printed
    assert "download the runnable book" in printed and "`make lab`" in printed
    assert "pip install -e" in printed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_does_nothing_where_nnlib_is_installed(path, monkeypatch, capsys):
    assert importlib.util.find_spec("nnlib") is not None

    def run(*args, **kwargs):
        raise AssertionError(f"the setup cell ran {args} although nnlib is installed")

    monkeypatch.setattr(subprocess, "run", run)
    exec(compile(_setup_cell(path), f"{path.name} setup cell", "exec"), {})
    assert capsys.readouterr().out == ""
