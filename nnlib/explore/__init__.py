"""Explorers: figures with controls, computed in Python, drawn in the browser.

(Transition: the matplotlib explorers of the first edition live in
:mod:`nnlib.explore.legacy` until every chapter uses views.)
"""
from .legacy import static_mode  # noqa: F401
