"""Checks for the book's exercises.

An exercise leaves the reader a placeholder (``None``, ``...`` or a function
that raises ``NotImplementedError``). :func:`check` says "not attempted yet"
for a placeholder, "correct" for a right answer, and raises an
``AssertionError`` for a wrong one that says where the answer goes wrong (which
entries, too large or too small) without showing the expected value: that sits
in the chapter's folded answer key, for the reader who decides to look. The
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
        If the answer is wrong. The message says what differs (see :func:`what_differs`)
        but not the expected value, so that a wrong try does not give the answer away.
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
        raise AssertionError(f"{name}: not quite. {what_differs(got, want, atol, rtol)} "
                             "(The folded answer key above the check holds the expected value.)")
    if not quiet:
        print(f"{name}: correct.")
    return True



def rejects(answer, expected, **options) -> bool:
    """Whether :func:`check` calls ``answer`` wrong (``options`` as for :func:`check`).

    A worked solution uses it to prove that its exercise's check catches a likely slip, for
    example ``assert rejects(forgot_bias, expected_2_3)``. A placeholder is not rejected.
    """
    try:
        check(answer, expected, quiet=True, **options)
    except AssertionError:
        return True
    return False


def what_differs(got: np.ndarray, want: np.ndarray, atol: float = 1e-8, rtol: float = 1e-6) -> str:
    """Where ``got`` misses ``want``, in words that do not reveal ``want``.

    Numbers: how many entries differ (beyond ``numpy.isclose`` with ``atol``, ``rtol``), the
    first of them with its index and the value given, and whether it is too large or too small
    (or not finite). Anything else (text, labels): the first entry that differs, as given.
    """
    numeric = want.dtype.kind in "biufc" and got.dtype.kind in "biufc"
    wrong = np.argwhere(~np.isclose(got, want, atol=atol, rtol=rtol) if numeric else got != want)
    first = tuple(int(i) for i in wrong[0])
    where = "Your answer" if want.ndim == 0 else (f"{len(wrong)} of {want.size} entries differ; "
                                                  f"the first is at index {first}, where your answer")
    value, target = got[first], want[first]
    if not numeric:
        return f"{where} {value.item()!r} is not the expected one." if want.ndim == 0 else f"{where} has {value.item()!r}."
    if not np.isfinite(value):
        how = "is not a finite number"
    elif np.iscomplexobj(value) or np.iscomplexobj(target):
        how = "is off"
    else:
        how = "is too large" if value > target else "is too small"
    return f"{where} {value:.6g} {how}."
