"""Explorers: controls, encoding, frames, the web block and the live widget."""
import json
import re

import numpy as np
import pytest

from nnlib.explore import MIN_POSITIONS, Dropdown, Explorer, SelectionSlider, Slider, decode, encode
from nnlib.explore import bundle
from nnlib.explore.controls import control_spec


def make_explorer(calls=None, **kw):
    z = np.linspace(-3, 3, 50)

    def compute(gain, shape):
        if calls is not None:
            calls.append((gain, shape))
        return {"y": np.tanh(gain * z) if shape == "tanh" else gain * z, "gain": gain}

    return Explorer("test-curve", compute, [Slider("gain", 0.5, 2.0, 0.1, 1.0), Dropdown("shape", ["tanh", "linear"])],
                    data={"z": z}, alt="a curve", caption="c", **kw)


# ---- controls ---------------------------------------------------------------------------
def test_slider_offers_every_step_and_exact_labels():
    slider = Slider("w", -3.0, 3.0, 0.1, 1.0)
    assert len(slider.values) == 61 and slider.values[0] == -3.0 and slider.values[-1] == 3.0
    assert 0.0 in slider.values and 1.0 in slider.values
    assert slider.labels[30] == "0.0" and slider.labels[31] == "0.1"
    assert not any(label.startswith("-0.0") for label in slider.labels)
    assert Slider("depth", 2, 16, 1, 12).values == tuple(range(2, 17))


def test_a_slider_needs_enough_positions_and_a_reachable_start():
    with pytest.raises(ValueError, match=f"at least {MIN_POSITIONS}"):
        Slider("w", -3.0, 3.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="not a whole number"):
        Slider("w", 0.0, 1.0, 0.3, 0.3)
    with pytest.raises(ValueError, match="start value 0.05"):
        Slider("w", 0.0, 2.0, 0.1, 0.05)


def test_selection_slider_and_dropdown_specs():
    rates = SelectionSlider("lr", [0.01, 0.1, 1.0], value=0.1, labels=["0.01", "0.1", "1"])
    spec = control_spec(rates)
    assert spec["kind"] == "range" and spec["values"] == [0.01, 0.1, 1.0] and spec["start"] == 1
    act = Dropdown("act", {"sigmoid": "sigmoid", "ReLU": "relu"}, value="relu", label="activation")
    spec = control_spec(act)
    assert spec == {"name": "act", "label": "activation", "kind": "select", "values": ["sigmoid", "relu"],
                    "labels": ["sigmoid", "ReLU"], "start": 1, "listed": True}
    with pytest.raises(ValueError, match="not one of"):
        Dropdown("act", ["a", "b"], value="c")
    with pytest.raises(TypeError, match="numbers or strings"):
        Dropdown("act", {"a": object()})


# ---- encoding ---------------------------------------------------------------------------
def test_encoding_packs_large_arrays_and_round_trips():
    big = np.linspace(0, 1, 100)
    frame = {"big": big, "small": np.array([1.5, 2.5]), "n": np.int64(3), "x": np.float32(0.25),
             "bad": float("nan"), "nested": [{"m": np.eye(9)}], "text": "hi", "none": None, "flag": np.bool_(True)}
    encoded = encode(frame)
    text = json.dumps(encoded)  # plain JSON, no NaN
    assert "NaN" not in text
    assert encoded["big"]["dtype"] == "f4" and encoded["small"] == [1.5, 2.5] and encoded["n"] == 3
    assert encoded["bad"] is None and encoded["flag"] is True
    back = decode(json.loads(text))
    np.testing.assert_allclose(back["big"], big, rtol=1e-7)
    np.testing.assert_array_equal(back["nested"][0]["m"], np.eye(9))
    np.testing.assert_array_equal(decode(encode(big, float_dtype=np.float64)), big)


def test_encoding_refuses_what_json_cannot_carry():
    with pytest.raises(TypeError, match="return numbers, strings, numpy arrays"):
        encode({"f": lambda: 1})


# ---- the explorer -----------------------------------------------------------------------
def test_compute_receives_every_value_and_unknown_names_are_refused():
    calls = []
    explorer = make_explorer(calls)
    assert calls[-1] == (1.0, "tanh")
    frame = explorer.frame(gain=0.5)
    assert calls[-1] == (0.5, "tanh") and frame["gain"] == 0.5
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['gian'\]"):
        explorer.frame(gian=1)
    with pytest.raises(ValueError, match="not a value of control 'gain'"):
        explorer.frame(gain=0.55)


def test_explorer_checks_its_arguments():
    with pytest.raises(ValueError, match="alt text"):
        Explorer("v", lambda: {}, [], alt=" ")
    with pytest.raises(ValueError, match="web must be one of"):
        Explorer("v", lambda: {}, [], alt="a", web="pictures")
    with pytest.raises(TypeError, match="return a dict"):
        Explorer("v", lambda: [1, 2], [], alt="a")
    with pytest.raises(ValueError, match="unique"):
        Explorer("v", lambda **k: {}, [Dropdown("a", ["x"]), Dropdown("a", ["y"])], alt="a")


def test_frames_cover_the_grid_once_each_and_share_identical_frames():
    explorer = make_explorer(web="frames")
    table = explorer.frames()
    assert len(table["index"]) == 16 * 2
    assert len(table["frames"]) == len(set(json.dumps(f) for f in table["frames"]))
    key = "5-1"  # gain = 1.0, shape = linear
    frame = decode(table["frames"][table["index"][key]])
    np.testing.assert_allclose(frame["y"], np.linspace(-3, 3, 50), rtol=1e-6)
    assert explorer.values == {"gain": 1.0, "shape": "tanh"}  # left as it was
    with pytest.raises(ValueError, match="max_frames"):
        make_explorer(web="frames", max_frames=10).frames()


def test_static_html_is_self_contained():
    explorer = make_explorer(web="frames")
    page = explorer.static_html()
    assert page.startswith('<figure class="nnlib-explorer"') and "data-static" in page
    assert 'role="img" aria-label="a curve"' in page and "<figcaption>c</figcaption>" in page
    spec = json.loads(re.search(r'class="nnlib-spec">(.*?)</script>', page).group(1))
    assert spec["view"] == "test-curve" and spec["mode"] == "frames" and spec["startFrame"]["gain"] == 1.0
    assert [c["name"] for c in spec["controls"]] == ["gain", "shape"]
    frames = json.loads(re.search(r'class="nnlib-frames">(.*?)</script>', page).group(1))
    assert set(frames) == {"index", "frames"}
    assert "http" not in page  # nothing from another host
    assert "</script" not in json.dumps(spec).replace("<\\/", "")


def test_static_mode_renders_html(monkeypatch):
    monkeypatch.setenv("NNLIB_STATIC_EXPLORERS", "1")
    bundle_ = make_explorer()._repr_mimebundle_()
    assert "text/html" in bundle_ and "nnlib-explorer" in bundle_["text/html"]


def test_widget_answers_a_control_change_with_the_frame_for_it():
    explorer = make_explorer()
    widget = explorer.widget()
    assert widget.frame["seq"] == 0 and widget.spec["view"] == "test-curve"
    widget.values = {"gain": 2.0, "shape": "linear", "__seq__": 7}
    assert widget.frame["seq"] == 7
    np.testing.assert_allclose(decode(widget.frame["frame"])["y"], 2 * np.linspace(-3, 3, 50), rtol=1e-6)
    widget.values = {"gain": 2.05, "shape": "linear", "__seq__": 8}  # not a slider value
    assert widget.frame["seq"] == 8 and "not a value of control" in widget.frame["error"]


def test_bundle_holds_plot_the_runtime_and_every_view():
    script = bundle.script()
    assert "@observablehq/plot" in script and "d3js.org" in script
    assert "nnlibExplore" in script and script.rstrip().endswith("nnlibExplore.mountAll();")
    for path in bundle.view_files():
        assert path.read_text()[:2000] in script
    module = bundle.widget_module()
    assert "export default" in module and "nnlibExplore.mountAll" not in module
