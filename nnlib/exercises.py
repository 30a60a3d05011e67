"""Checks for the book's exercises.

An exercise leaves the reader a placeholder (``None``, ``...`` or a function
that raises ``NotImplementedError``). :func:`check` says "not attempted yet"
for a placeholder, "correct" for a right answer, and raises an
``AssertionError`` that shows expected and actual values for a wrong one. The
worked solutions in the book call the same function, so running a chapter
proves that its solutions are right.
"""
from __future__ import annotations

import numpy as np


def _is_placeholder(answer) -> bool:
    return answer is None or answer is Ellipsis


def check(answer, expected, name: str = "exercise", atol: float = 1e-8, rtol: float = 1e-6,
          args: tuple = (), quiet: bool = False) -> bool | None:
    """Compare the reader's ``answer`` with ``expected``.

    Parameters
    ----------
    answer : value or callable
        A callable is called with ``args`` first.
    expected : value or callable
        The reference; a callable is called with the same ``args``.
    name : str
        Shown in the messages.
    atol, rtol : float
        Tolerances for numeric comparison (``numpy.allclose``).
    args : tuple
        Arguments for callables.
    quiet : bool
        Print nothing for a right answer. The book's worked solutions use it: JupyterLab
        shows a folded cell's output again when the cell runs, and a solution cell
        should reveal nothing until the reader opens it.

    Returns
    -------
    True if correct; None if not attempted yet (so a notebook shows only the
    message, and ``assert check(...)`` still fails on a placeholder).

    Raises
    ------
    AssertionError
        If the answer is wrong (the message shows both values).
    """
    if _is_placeholder(answer):
        print(f"{name}: not attempted yet. Replace the placeholder above and run this cell again.")
        return None
    if callable(answer):
        try:
            answer = answer(*args)
        except NotImplementedError:
            print(f"{name}: not attempted yet. Fill in the function above and run this cell again.")
            return None
    if callable(expected):
        expected = expected(*args)
    got, want = np.asarray(answer), np.asarray(expected)
    if got.shape != want.shape:
        raise AssertionError(f"{name}: expected shape {want.shape}, got {got.shape}.")
    same = (np.allclose(got, want, atol=atol, rtol=rtol) if want.dtype.kind in "biufc"
            else bool(np.all(got == want)))
    if not same:
        raise AssertionError(f"{name}: not quite. Expected\n{want}\ngot\n{got}")
    if not quiet:
        print(f"{name}: correct.")
    return True
