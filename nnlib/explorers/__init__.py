"""The book's explorers, one module per topic, each beside the view script that draws it.

A module ``name.py`` holds factories that return :class:`nnlib.explore.Explorer` objects
(the ``compute`` function, controls, alt text and caption); ``name.js`` registers the
browser views they name, and for ``web="browser"`` explorers a browser twin of ``compute``.
Chapters show an explorer with one call, e.g. ``neuron_line()``.

Factories take keyword arguments only, so that the book's browser tests can rebuild an
explorer from its page (see :func:`factory`) and compare its Python ``compute`` with the
browser's.
"""
from __future__ import annotations

import functools
import importlib


def factory(function):
    """Mark ``function`` as an explorer factory and record how each explorer was made."""

    @functools.wraps(function)
    def make(**kwargs):
        explorer = function(**kwargs)
        explorer.origin = {"factory": f"{function.__module__}:{function.__name__}", "kwargs": kwargs}
        return explorer

    return make


def rebuild(origin: dict):
    """The explorer an ``origin`` record (from a built page) describes."""
    module, name = origin["factory"].split(":")
    return getattr(importlib.import_module(module), name)(**origin.get("kwargs", {}))


from .neuron import neuron_line, neuron_plane  # noqa: E402

__all__ = ["factory", "neuron_line", "neuron_plane", "rebuild"]
