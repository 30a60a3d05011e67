"""One notebook open in JupyterLab in a browser page: open it, Run All Cells, wait, look.

The page reads the notebook's state from JupyterLab itself (``window.jupyterapp``, which the
test server exposes): which cells are code, which have run, whether the kernel is idle.
What a reader sees is read from the DOM: every cell's node carries its index in the
notebook (``data-windowed-list-index``), so a failure names the cell.
"""
from __future__ import annotations

import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: Generous: a chapter runs in under 20 s on its own, but CI machines are slow and shared.
OPEN_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 240_000
DRAW_TIMEOUT_MS = 30_000

# Helpers installed in every page before JupyterLab loads. `__nnlibPanel()` is the notebook
# panel of this page's notebook (set in window.__nnlibPath), or null while it loads.
HELPERS = r"""
window.__nnlibPanel = () => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === window.__nnlibPath && widget.content) return widget;
  }
  return null;
};
window.__nnlibKernel = () => {
  const panel = window.__nnlibPanel();
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  return session ? session.kernel : null;
};
window.__nnlibCodeCells = () => window.__nnlibPanel().content.widgets
  .map((cell, index) => ({cell, index}))
  .filter(({cell}) => cell.model.type === 'code' && cell.model.sharedModel.getSource().trim() !== '');
window.__nnlibHasError = () => window.__nnlibPanel().content.widgets.some(cell =>
  cell.model.type === 'code' && cell.model.outputs.toJSON().some(o => o.output_type === 'error'));
"""

READY = """() => {
  const panel = window.__nnlibPanel();
  const kernel = window.__nnlibKernel();
  return !!(panel && panel.context.isReady && kernel && kernel.status === 'idle');
}"""

# Done when the kernel is idle and no cell is running, and either every code cell has run
# or one raised (Run All stops at the first error).
FINISHED = """() => {
  const kernel = window.__nnlibKernel();
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = window.__nnlibCodeCells();
  if (cells.some(({cell}) => cell.model.executionState === 'running')) return false;
  return cells.every(({cell}) => cell.model.executionCount !== null) || window.__nnlibHasError();
}"""

# Every cell is in the DOM and every widget output has drawn something (an explorer its SVG,
# a legacy widget its image); a widget that failed shows an error text, which also counts.
SETTLED = """() => {
  const panel = window.__nnlibPanel();
  if (!panel.content.widgets.every(cell => cell.isAttached)) return false;
  const explorers = Array.from(panel.node.querySelectorAll('.nnlib-explorer'));
  const drawn = e => e.querySelector('.nnlib-figure svg') || /could not be drawn/.test(e.textContent);
  if (!explorers.every(drawn)) return false;
  const images = Array.from(panel.node.querySelectorAll('.jp-OutputArea-output img'));
  return images.every(img => img.complete);
}"""

STATE = """() => {
  const panel = window.__nnlibPanel();
  return panel.content.widgets.map((cell, index) => ({
    index, type: cell.model.type, source: cell.model.sharedModel.getSource(),
    inputHidden: cell.inputHidden, outputHidden: cell.model.type === 'code' ? cell.outputHidden : null,
    executionCount: cell.model.type === 'code' ? cell.model.executionCount : null,
    outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
  }));
}"""


class NotebookPage:
    """A notebook of the test server, opened in a new browser context."""

    def __init__(self, browser, server, path: str, *, viewport=(1280, 900), scale: float = 1, workspace: str):
        self.path = path
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           device_scale_factor=scale)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        self.page.add_init_script(f"window.__nnlibPath = {path!r};\n{HELPERS}")
        self.page.goto(server.url(path, workspace), wait_until="domcontentloaded")
        self.page.wait_for_function(READY, timeout=OPEN_TIMEOUT_MS)
        self.state_at_open = self.state()
        self.run_started = None
        self.run_seconds = None

    # ---- running -----------------------------------------------------------------------
    def start_run_all(self):
        """Run > Run All Cells, from the menu bar, as a reader would."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        self.run_started = time.monotonic()

    def wait_until_finished(self):
        try:
            self.page.wait_for_function(FINISHED, timeout=RUN_TIMEOUT_MS, polling=250)
        except PlaywrightTimeout:
            raise AssertionError(f"{self.path}: Run All Cells did not finish within {RUN_TIMEOUT_MS / 1000:.0f} s; "
                                 f"{self.progress()}") from None
        self.run_seconds = time.monotonic() - self.run_started
        self.page.wait_for_function(SETTLED, timeout=DRAW_TIMEOUT_MS, polling=250)

    def wait_kernel_idle(self):
        self.page.wait_for_function("() => { const k = window.__nnlibKernel(); return k && k.status === 'idle'; }",
                                    timeout=RUN_TIMEOUT_MS, polling=50)

    def run_cell(self, index: int):
        """Run one cell again (Ctrl+Enter's command) and wait until it has run."""
        before = self.page.evaluate("i => window.__nnlibPanel().content.widgets[i].model.executionCount", index)
        self.page.evaluate("""i => { const panel = window.__nnlibPanel();
            panel.content.activeCellIndex = i; panel.content.deselectAll();
            return window.jupyterapp.commands.execute('notebook:run-cell'); }""", index)
        self.page.wait_for_function("""([i, before]) => { const cell = window.__nnlibPanel().content.widgets[i];
            const k = window.__nnlibKernel();
            return cell.model.executionCount !== null && cell.model.executionCount !== before
                && cell.model.executionState !== 'running' && k && k.status === 'idle'; }""",
                                    arg=[index, before], timeout=RUN_TIMEOUT_MS, polling=50)

    def progress(self) -> str:
        """Where a run stands: the kernel's status, the cell running, the last cell that ran."""
        return self.page.evaluate("""() => {
          const kernel = window.__nnlibKernel(), cells = window.__nnlibCodeCells();
          const running = cells.filter(({cell}) => cell.model.executionState === 'running').map(c => c.index);
          const ran = cells.filter(({cell}) => cell.model.executionCount !== null).map(c => c.index);
          return `kernel ${kernel ? kernel.status : 'missing'}, cells running ${JSON.stringify(running)}, `
               + `${ran.length} of ${cells.length} code cells ran (last: ${ran.length ? ran[ran.length - 1] : 'none'})`;
        }""")

    # ---- looking -----------------------------------------------------------------------
    def state(self) -> list[dict]:
        """Every cell: index, type, source, hidden input/outputs, execution count, outputs."""
        return self.page.evaluate(STATE)

    def cell(self, index: int):
        """The cell's node, by its index in the notebook."""
        return self.page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')

    def cell_index_of(self, element_handle) -> int:
        return element_handle.evaluate(
            "e => Number(e.closest('.jp-Cell').getAttribute('data-windowed-list-index'))")

    def scroll_to_top(self, index: int):
        """Scroll the notebook so that cell ``index`` is at the top of the view.

        Cells above it may change height as they come into view (JupyterLab skips laying out
        cells off screen), so this scrolls again until the cell stays in place.
        """
        self.page.wait_for_function("""i => {
            const e = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${i}"]`);
            e.scrollIntoView({block: 'start'});
            const top = Math.round(e.getBoundingClientRect().top);
            const steady = e.__nnlibTop === top && top >= 0 && top < window.innerHeight / 2;
            e.__nnlibTop = top;
            return steady;
        }""", arg=index, timeout=DRAW_TIMEOUT_MS, polling=100)

    def close(self):
        try:
            self.page.evaluate("() => { const p = window.__nnlibPanel(); return p && p.sessionContext.shutdown(); }")
        finally:
            self.context.close()
