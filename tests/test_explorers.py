"""The book's explorers (nnlib.explorers): each builds, computes finite frames, and fits its budget."""
import inspect
import json

import numpy as np
import pytest

import nnlib.explorers as explorers
from nnlib.explore import Explorer, decode, encode

FACTORIES = explorers.FACTORIES


@pytest.mark.parametrize("name", FACTORIES)
def test_factory_builds_an_explorer_that_can_be_rebuilt(name):
    explorer = getattr(explorers, name)()
    assert isinstance(explorer, Explorer)
    assert explorer.origin == {"factory": f"{getattr(explorers, name).__module__}:{name}", "kwargs": {}}
    again = explorers.rebuild(json.loads(json.dumps(explorer.origin)))
    assert again.view == explorer.view and again.values == explorer.values
    json.dumps(explorer.spec())  # everything the browser gets is JSON


@pytest.mark.parametrize("name", FACTORIES)
def test_frames_are_finite_at_the_ends_of_every_control(name):
    explorer = getattr(explorers, name)()
    rng = np.random.default_rng(0)
    settings = [{c.name: c.values[0] for c in explorer.controls}, {c.name: c.values[-1] for c in explorer.controls}]
    settings += [{c.name: c.values[rng.integers(len(c.values))] for c in explorer.controls} for _ in range(5)]
    for values in settings:
        frame = decode(json.loads(json.dumps(encode(explorer.frame(**values)))))
        for key, value in frame.items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                assert np.isfinite(value).all(), (name, key, values)


@pytest.mark.parametrize("name", FACTORIES)
def test_precomputed_explorers_fit_their_frame_budget(name):
    explorer = getattr(explorers, name)()
    if explorer.web == "frames":
        table = explorer.frames()
        assert len(table["index"]) == int(np.prod([len(c.values) for c in explorer.controls]))


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_take_keywords_only_and_document_their_frame(name):
    function = getattr(explorers, name)
    assert function.__doc__ and len(function.__doc__) > 40
    for parameter in inspect.signature(function).parameters.values():
        assert parameter.default is not inspect.Parameter.empty, f"{name}({parameter.name}) needs a default"


def test_every_view_a_factory_names_is_registered_by_a_script():
    from nnlib.explore import bundle

    script = bundle.script()
    for name in FACTORIES:
        view = getattr(explorers, name)().view
        assert f'NX.register("{view}"' in script, view
