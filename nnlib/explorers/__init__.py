"""The book's explorers, one module per topic, each beside the view script that draws it.

A module ``topic.py`` holds factories that return :class:`nnlib.explore.Explorer` objects
(the ``compute`` function, controls, alt text and caption); ``topic.js`` registers the
browser views they name, and for ``web="browser"`` explorers a browser twin of ``compute``.
Chapters show an explorer with one call, e.g. ``neuron_line()``.

Every function a module marks with :func:`factory` is collected here when the package is
imported, so a new explorer needs no edit of this file. Factories take keyword arguments
only, so that the book's browser tests can rebuild an explorer from its page (see
:func:`rebuild`) and compare its Python ``compute`` with the browser's.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil


def factory(function):
    """Mark ``function`` as an explorer factory and record how each explorer was made."""

    @functools.wraps(function)
    def make(**kwargs):
        explorer = function(**kwargs)
        explorer.origin = {"factory": f"{function.__module__}:{function.__name__}", "kwargs": kwargs}
        return explorer

    make.is_explorer_factory = True
    return make


def rebuild(origin: dict):
    """The explorer an ``origin`` record (from a built page) describes."""
    module, name = origin["factory"].split(":")
    return getattr(importlib.import_module(module), name)(**origin.get("kwargs", {}))


def _collect() -> list[str]:
    names = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, value in vars(module).items():
            if getattr(value, "is_explorer_factory", False) and value.__module__ == module.__name__:
                globals()[name] = value
                names.append(name)
    return sorted(names)


FACTORIES = _collect()
__all__ = ["FACTORIES", "factory", "rebuild", *FACTORIES]
