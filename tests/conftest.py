"""Shared fixtures. Every test that draws random numbers gets its own seeded generator."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
