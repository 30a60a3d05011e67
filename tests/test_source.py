"""show_source: nnlib's own code, displayed in a chapter."""
import inspect

import pytest

import nnlib
from nnlib.source import show_source


def test_markdown_holds_the_exact_source_and_where_it_lives():
    shown = show_source(nnlib.losses.SSE)
    markdown = shown._repr_markdown_()
    assert "```python\n" in markdown and markdown.rstrip().endswith("```")
    assert inspect.getsource(nnlib.losses.SSE).strip() in markdown
    assert "`nnlib/losses.py`" in markdown and f"lines {shown.first}" in markdown


def test_methods_are_dedented():
    shown = show_source(nnlib.layers.Dense.backward)
    assert shown.code.startswith("def ")
    assert ".backward from nnlib/layers.py" in repr(shown)


def test_objects_without_source_are_refused():
    with pytest.raises(TypeError, match="function, class or method"):
        show_source(3)


def test_an_excerpt_runs_from_start_at_to_end_at():
    shown = show_source(nnlib.model.Sequential.fit, start_at="for epoch in", end_at="history.loss.append")
    assert shown.code.startswith("for epoch in") and "history.loss.append" in shown.code.splitlines()[-1]
    full = show_source(nnlib.model.Sequential.fit)
    assert full.first < shown.first <= shown.last <= full.last
    with pytest.raises(ValueError, match="no line of Sequential.fit contains 'no such text'"):
        show_source(nnlib.model.Sequential.fit, start_at="no such text")


def test_decorated_functions_show_their_own_code():
    import functools

    @functools.lru_cache(maxsize=None)
    def cached(x):
        return x + 1

    assert "return x + 1" in show_source(cached).code
