"""Explorers: one definition gives the live widget and the static web version."""
import json
import re

import numpy as np
import pytest

from nnlib.explore.legacy import Dropdown, Explorer, Slider, figure


def make_explorer(calls=None, **kw):
    fig, ax = figure()
    z = np.linspace(-3, 3, 50)
    (line,) = ax.plot(z, z)

    def update(gain, shape):
        if calls is not None:
            calls.append((gain, shape))
        line.set_ydata(np.tanh(gain * z) if shape == "tanh" else gain * z)

    return Explorer(fig, update, [Slider("gain", 0.5, 2.0, 0.1, 1.0, static_steps=5),
                                  Dropdown("shape", ["tanh", "linear"])], alt="a curve", caption="c", **kw)


def test_update_receives_all_values():
    calls = []
    explorer = make_explorer(calls)
    assert calls[-1] == (1.0, "tanh")
    explorer.set(gain=0.5)
    assert calls[-1] == (0.5, "tanh")
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['gian'\]"):
        explorer.set(gian=1)


def test_static_grid_contains_the_start_and_respects_the_budget():
    explorer = make_explorer(max_frames=6)
    grids = explorer.static_grid()
    assert 1.0 in grids[0] and grids[1] == ["tanh", "linear"]
    assert len(grids[0]) * len(grids[1]) <= 6
    with pytest.raises(ValueError, match="raise max_frames"):
        make_explorer(max_frames=1).static_grid()


def test_static_html_has_one_distinct_frame_per_grid_point():
    explorer = make_explorer()
    page = explorer.static_html()
    payload = json.loads(re.search(r'<script type="application/json" class="nnlib-data">(.*?)</script>', page).group(1))
    grids = explorer.static_grid()
    assert len(payload["frames"]) == len(grids[0]) * len(grids[1])
    assert len(set(payload["frames"].values())) == len(payload["frames"]), "frames must differ"
    assert payload["labels"][0] == [f"{v:.1f}" for v in grids[0]]
    assert 'alt="a curve"' in page and 'type="range"' in page and "<select" in page
    assert "http" not in page
    assert explorer.values == {"gain": 1.0, "shape": "tanh"}, "building frames restores the start"


def test_display_switches_on_the_environment(monkeypatch):
    explorer = make_explorer()
    monkeypatch.setenv("NNLIB_STATIC_EXPLORERS", "1")
    assert "text/html" in explorer._repr_mimebundle_()
    monkeypatch.delenv("NNLIB_STATIC_EXPLORERS")
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_live_widget_redraws_the_same_image():
    explorer = make_explorer()
    box = explorer.widget()
    slider, dropdown = box.children[0].children
    image = box.children[1]
    first = image.value
    slider.value = 1.8
    assert image.value != first and explorer.values["gain"] == pytest.approx(1.8)
    dropdown.value = "linear"
    assert explorer.values["shape"] == "linear"


def test_bad_slider():
    with pytest.raises(ValueError, match="need min <= value <= max"):
        Slider("w", 0, 1, 0.1, 2.0)


def test_static_values_keep_their_count_and_include_the_start():
    slider = Slider("w", -2.0, 2.0, 0.1, 0.3, static_steps=5)
    values = slider.static_values()
    assert len(values) == 5 and 0.3 in values and values[0] == -2.0 and values[-1] == 2.0
    assert Slider("w", 0.0, 1.0, 0.5, 0.5, static_steps=2).static_values() == [0.0, 0.5, 1.0]


def test_frames_use_the_explorer_dpi():
    explorer = make_explorer(dpi=50)
    from PIL import Image
    import io as _io

    width, height = Image.open(_io.BytesIO(explorer.render("webp"))).size
    assert (width, height) == tuple((explorer.fig.get_size_inches() * 50).round().astype(int))


def test_selection_slider_over_log_spaced_values():
    from nnlib.explore.legacy import SelectionSlider

    rates = tuple(10.0 ** k for k in np.arange(-3, 1.5, 0.5))  # 0.001 ... 10
    slider = SelectionSlider("lr", rates, value=rates[4], label="learning rate")
    assert slider.static_values() == list(rates)
    coarse = slider.static_values(4)
    assert len(coarse) == 4 and rates[4] in coarse and coarse[0] == rates[0] and coarse[-1] == rates[-1]
    assert slider.describe(rates[4]) == "0.1"
    fig, ax = figure()
    (line,) = ax.plot([0, 1], [0, 1])
    seen = []
    explorer = Explorer(fig, lambda lr: seen.append(lr) or line.set_ydata([0, lr]), [slider], alt="a line")
    assert seen[-1] == rates[4]
    widget = explorer.widget().children[0].children[0]
    widget.value = rates[-1]
    assert seen[-1] == rates[-1]
    assert "learning rate" in explorer.static_html()
    with pytest.raises(ValueError, match="start value 0.5 is not one of"):
        SelectionSlider("lr", (0.1, 1.0), value=0.5)


def test_slider_labels_show_every_step_exactly():
    assert Slider("w", -3, 3, 0.25, 0.0).describe(-2.75) == "-2.75"
    assert Slider("w", -3, 3, 0.1, 0.0).describe(0.3) == "0.3"
    assert Slider("n", 0, 100, 5, 10).describe(15.0) == "15"


def test_selection_slider_labels():
    from nnlib.explore.legacy import SelectionSlider

    slider = SelectionSlider("k", (0.0, 1.0, 2.0), labels=("1", "10", "100"), label="scale")
    assert [slider.describe(v) for v in slider.static_values()] == ["1", "10", "100"]
    with pytest.raises(ValueError, match="2 labels for 3 values"):
        SelectionSlider("k", (0.0, 1.0, 2.0), labels=("1", "10"))
