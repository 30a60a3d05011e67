"""The explorers' browser code as one script: Plot and d3, the runtime, and every view.

The same text is served to a running notebook (as the widget's module) and written into the
web book's ``_static`` folder by the book build, so both show an explorer with the same code.
The vendored libraries run inside a function whose ``define``, ``module`` and ``exports`` are
undefined, so they attach themselves to ``globalThis`` whatever module loader the page has.
"""
from __future__ import annotations

import functools
from pathlib import Path

JS_DIR = Path(__file__).with_name("js")
VIEWS_DIR = Path(__file__).resolve().parents[1] / "explorers"
VENDOR = ("d3.min.js", "plot.umd.min.js")


def _vendor() -> str:
    parts = []
    for name in VENDOR:
        code = (JS_DIR / "vendor" / name).read_text(encoding="utf-8")
        parts.append(f"(function (define, module, exports) {{\n{code}\n}}).call(globalThis);")
    return "\n".join(parts)


def view_files() -> list[Path]:
    """Every view's script, in a fixed order."""
    return sorted(VIEWS_DIR.glob("*.js"))


@functools.lru_cache(maxsize=None)
def _script(stamp: tuple) -> str:
    views = "\n".join(path.read_text(encoding="utf-8") for path in view_files())
    runtime = (JS_DIR / "runtime.js").read_text(encoding="utf-8")
    return f"{_vendor()}\n{runtime}\n{views}\n"


def _stamp() -> tuple:
    """Changes when any source file changes, so an edited view is picked up without a restart."""
    files = [JS_DIR / "runtime.js", *view_files()]
    return tuple((str(p), p.stat().st_mtime_ns) for p in files)


def script() -> str:
    """Plot, d3, the runtime and the views, as one classic script (for the web book)."""
    return _script(_stamp()) + "nnlibExplore.mountAll();\n"


def stylesheet() -> str:
    return (JS_DIR / "explore.css").read_text(encoding="utf-8")


WIDGET_GLUE = """
export default {
  render({ model, el }) {
    const NX = globalThis.nnlibExplore;
    const spec = model.get("spec");
    el.classList.add("nnlib-explorer", "nnlib-live");
    el.innerHTML = '<div class="nnlib-controls"></div><div class="nnlib-figure" role="img"></div>';
    el.querySelector(".nnlib-figure").setAttribute("aria-label", spec.alt || "interactive figure");
    if (spec.caption) {
      const caption = document.createElement("figcaption");
      caption.textContent = spec.caption;
      el.appendChild(caption);
    }
    let seq = 0;
    const waiting = new Map();
    const onFrame = () => {
      const reply = model.get("frame");
      const resolve = waiting.get(reply.seq);
      if (!resolve) return;
      waiting.delete(reply.seq);
      resolve(reply);
    };
    model.on("change:frame", onFrame);
    let first = model.get("frame");
    const source = (values) => {
      if (first && first.seq === 0) { const reply = first; first = null; return unwrap(reply); }
      seq += 1;
      const promise = new Promise((resolve) => waiting.set(seq, resolve));
      model.set("values", Object.assign({}, values, { __seq__: seq }));
      model.save_changes();
      return promise.then(unwrap);
    };
    const unwrap = (reply) => {
      if (reply.error) throw new Error(reply.error);
      return reply.frame;
    };
    const controller = NX.mount(el, spec, source);
    el.nnlibExplorer = controller;
    return () => model.off("change:frame", onFrame);
  },
};
"""


def widget_module() -> str:
    """The same code as an ES module for the notebook widget."""
    return _script(_stamp()) + WIDGET_GLUE
