"""A JupyterLab server for the tests, started the way `make lab` starts one.

The same JupyterLab from the same ``.venv``, so it reads the settings overrides that the
install step writes there (no news prompt, no update check), with ``--allow-root`` where
the tests run as root. What differs is only what keeps a test run from touching anything
else: a free port and a known token, no browser, fresh settings, workspace and runtime
folders, and a temporary copy of ``notebooks/`` as the root (JupyterLab saves outputs into
the notebooks it runs, and the repository's notebooks stay stripped).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: Written by `make install` (the Makefile's LAB_SETTINGS); JupyterLab reads it from sys.prefix.
LAB_OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """``jupyter lab`` on a copy of the chapters; ``url(path)`` opens a notebook in it."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="nnlib-lab-"))
        self.root = self.folder / "notebooks"
        shutil.copytree(NOTEBOOKS, self.root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = self.folder / "jupyterlab.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "LabServer":
        env = dict(os.environ,
                   JUPYTERLAB_SETTINGS_DIR=str(self.folder / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.folder / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.folder / "runtime"))
        as_root = ["--allow-root"] if os.geteuid() == 0 else []
        command = [sys.executable, "-m", "jupyterlab", *as_root, "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   # window.jupyterapp: the tests ask the notebook model which cells have run
                   "--expose-app-in-browser"]
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(command, env=env, cwd=self.folder, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        self._wait_until_ready()
        return self

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(status, timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"JupyterLab did not answer on port {self.port} within {START_TIMEOUT_S} s:\n{self.log()}")

    def url(self, path: str, workspace: str) -> str:
        """The notebook at ``path`` (relative to the root) in its own, reset workspace.

        One workspace per page: pages opened side by side do not restore each other's tabs.
        """
        return (f"http://127.0.0.1:{self.port}/lab/workspaces/{workspace}/tree/{path}"
                f"?reset&token={self.token}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # JupyterLab shuts down its kernels on SIGTERM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
