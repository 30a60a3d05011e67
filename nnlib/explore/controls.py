"""The controls of an explorer: sliders over numbers and drop-downs over named options.

Each control knows the exact list of values it can take. The browser shows a slider as a
range input over the *positions* of that list, so the web book and the notebook offer the
same values, every one of them reachable with the keyboard.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Sequence

import numpy as np

#: A continuous control offers at least this many positions (unless its values are listed).
MIN_POSITIONS = 15


def _jsonable(value):
    """Control values travel as JSON: plain Python numbers and strings."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value  # keep 1.0 a float: compute() may rely on it
    if not isinstance(value, (int, float, str, bool)):
        raise TypeError(f"control values must be numbers or strings, got {value!r} of type "
                        f"{type(value).__name__}; map labels to such values instead.")
    return value


def _fixed(value, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, never "-0.0"."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


@dataclass(frozen=True)
class Slider:
    """A numeric slider: every multiple of ``step`` from ``min`` to ``max``.

    Parameters
    ----------
    name : str
        Keyword passed to ``compute``.
    min, max, step : float
        Range and resolution; ``(max - min) / step`` must be a whole number, and the slider
        has at least :data:`MIN_POSITIONS` positions so that it moves smoothly.
    value : float
        Starting value (a multiple of ``step`` from ``min``).
    label : str, optional
        Shown beside the slider; defaults to ``name``.
    """

    name: str
    min: float
    max: float
    step: float
    value: float
    label: str | None = None
    values: tuple = field(init=False, repr=False)

    def __post_init__(self):
        if not (self.step > 0 and self.min < self.max):
            raise ValueError(f"Slider {self.name!r}: need min < max and step > 0, got min={self.min}, "
                             f"max={self.max}, step={self.step}.")
        count = (self.max - self.min) / self.step
        if abs(count - round(count)) > 1e-9:
            raise ValueError(f"Slider {self.name!r}: (max - min) / step = {count:g} is not a whole number; "
                             f"choose a step that divides the range {self.min}..{self.max}.")
        count = int(round(count)) + 1
        if count < MIN_POSITIONS:
            raise ValueError(f"Slider {self.name!r} has {count} positions; a slider needs at least "
                             f"{MIN_POSITIONS} to move smoothly. Use a smaller step, or a SelectionSlider "
                             "listing exactly the values the chapter discusses.")
        decimals = self.decimals
        values = tuple(round(self.min + i * self.step, decimals) for i in range(count))
        values = tuple(int(v) if decimals == 0 and float(v).is_integer() else float(v) for v in values)
        object.__setattr__(self, "values", values)
        if not any(abs(v - self.value) < 1e-9 * max(1.0, abs(v)) for v in values):
            raise ValueError(f"Slider {self.name!r}: start value {self.value} is not min + k * step "
                             f"(min={self.min}, step={self.step}).")

    @property
    def decimals(self) -> int:
        """Decimals needed to show every multiple of ``step`` exactly (0.25 -> 2, 0.1 -> 1, 5 -> 0)."""
        exponents = [Decimal(repr(float(x))).normalize().as_tuple().exponent for x in (self.step, self.min)]
        return max(0, -min(int(e) for e in exponents))

    @property
    def start(self):
        return min(self.values, key=lambda v: abs(v - self.value))

    @property
    def labels(self) -> tuple:
        return tuple(_fixed(v, self.decimals) for v in self.values)

    kind = "range"


@dataclass(frozen=True)
class SelectionSlider:
    """A slider that steps through a given list of numbers, e.g. log-spaced learning rates.

    Parameters
    ----------
    name : str
    values : sequence of float
        The positions of the slider, in order.
    value : float, optional
        Starting value (one of ``values``); defaults to the first.
    label : str, optional
    fmt : str
        Format of the value shown beside the slider.
    labels : sequence of str, optional
        Text shown for each value instead of ``fmt``.
    """

    name: str
    values: tuple
    value: float | None = None
    label: str | None = None
    fmt: str = "{:.3g}"
    labels: tuple | None = None

    def __post_init__(self):
        values = tuple(_jsonable(v) for v in self.values)
        object.__setattr__(self, "values", values)
        if not values:
            raise ValueError(f"SelectionSlider {self.name!r} needs at least one value.")
        if len(set(values)) != len(values):
            raise ValueError(f"SelectionSlider {self.name!r}: values repeat: {values}.")
        if self.labels is None:
            object.__setattr__(self, "labels", tuple(self.fmt.format(v) for v in values))
        else:
            object.__setattr__(self, "labels", tuple(str(t) for t in self.labels))
            if len(self.labels) != len(values):
                raise ValueError(f"SelectionSlider {self.name!r}: {len(self.labels)} labels for {len(values)} values.")
        if self.value is not None and _jsonable(self.value) not in values:
            raise ValueError(f"SelectionSlider {self.name!r}: start value {self.value!r} is not one of {values}.")

    @property
    def start(self):
        return self.values[0] if self.value is None else _jsonable(self.value)

    kind = "range"


@dataclass(frozen=True)
class Dropdown:
    """A choice between named options (e.g. an activation function).

    ``options`` is a sequence of labels (each label is also the value passed to
    ``compute``), or a dict from label to value. Values must be numbers or strings.
    """

    name: str
    options: Sequence | dict
    value: object = None
    label: str | None = None

    def __post_init__(self):
        pairs = (list(self.options.items()) if isinstance(self.options, dict)
                 else [(str(option), option) for option in self.options])
        if not pairs:
            raise ValueError(f"Dropdown {self.name!r} needs at least one option.")
        values = tuple(_jsonable(v) for _, v in pairs)
        if self.value is not None and _jsonable(self.value) not in values:
            raise ValueError(f"Dropdown {self.name!r}: start value {self.value!r} is not one of {values}.")
        object.__setattr__(self, "_pairs", tuple((str(label), v) for (label, _), v in zip(pairs, values)))

    @property
    def values(self) -> tuple:
        return tuple(v for _, v in self._pairs)

    @property
    def labels(self) -> tuple:
        return tuple(label for label, _ in self._pairs)

    @property
    def start(self):
        return self.values[0] if self.value is None else _jsonable(self.value)

    kind = "select"


def control_spec(control) -> dict:
    """What the browser needs to draw ``control``: kind, label, values, their labels, start position."""
    values = list(control.values)
    return {"name": control.name, "label": control.label or control.name, "kind": control.kind,
            "values": values, "labels": list(control.labels), "start": values.index(control.start),
            "listed": not isinstance(control, Slider)}
