"""Show nnlib's own code inside a chapter, wherever the chapter is read.

``show_source(nnlib.losses.SSE)`` returns an object that a notebook displays as the
highlighted source of ``SSE``, read from the installed package at that moment. The web book
shows the same (its cells hide the one-line call and keep the code), JupyterLab, VS Code and
Colab render it as a highlighted Markdown code block, and a plain console prints the code.
The book therefore never pastes library code, and page and package cannot drift apart.
"""
from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class Source:
    """The source of one function, class or method of nnlib, with where it lives."""

    def __init__(self, obj, start_at: str | None = None, end_at: str | None = None):
        obj = inspect.unwrap(obj)  # a decorated function (lru_cache, wraps) shows its own code
        try:
            lines, first = inspect.getsourcelines(obj)
            path = Path(inspect.getsourcefile(obj)).resolve()
        except (TypeError, OSError) as error:
            raise TypeError(f"show_source needs a function, class or method defined in a file, got "
                            f"{obj!r} ({error}).") from None
        if start_at is not None or end_at is not None:
            lines, offset = _excerpt(lines, start_at, end_at, obj)
            first += offset
        self.code = textwrap.dedent("".join(lines)).rstrip("\n")
        self.first, self.last = first, first + len(lines) - 1
        try:
            self.path = path.relative_to(_PACKAGE_ROOT).as_posix()
        except ValueError:
            self.path = path.name
        self.name = getattr(obj, "__qualname__", getattr(obj, "__name__", "object"))

    def _repr_markdown_(self) -> str:
        fence = "~~~~" if "```" in self.code else "```"
        return (f"`{self.name}` from `{self.path}`, lines {self.first}–{self.last}:\n\n"
                f"{fence}python\n{self.code}\n{fence}\n")

    def __repr__(self) -> str:
        return f"# {self.name} from {self.path}, lines {self.first}-{self.last}\n{self.code}"


def _excerpt(lines: list[str], start_at, end_at, obj):
    """The lines from the first that contains ``start_at`` to the next that contains ``end_at``."""
    begin = 0
    if start_at is not None:
        found = [i for i, line in enumerate(lines) if start_at in line]
        if not found:
            raise ValueError(f"no line of {obj.__qualname__} contains {start_at!r}.")
        begin = found[0]
    end = len(lines)
    if end_at is not None:
        found = [i for i, line in enumerate(lines) if i >= begin and end_at in line]
        if not found:
            raise ValueError(f"no line of {obj.__qualname__} after {start_at!r} contains {end_at!r}.")
        end = found[0] + 1
    return lines[begin:end], begin


def show_source(obj, start_at: str | None = None, end_at: str | None = None) -> Source:
    """The source of ``obj`` (a function, class or method of nnlib), for display in a notebook.

    ``start_at`` and ``end_at`` show an excerpt instead: from the first line that contains
    ``start_at`` to the next line that contains ``end_at`` (both included).
    """
    return Source(obj, start_at, end_at)
