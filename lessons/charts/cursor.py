"""A cursor on a chart's x axis: where it may stand, and what every curve reads there.

The values come from the recorded series (`charts.data.Series`, the same
bounded points the charts draw), never from the demo's printed output. A
long run is decimated at a uniform stride, so the cursor steps over the x
values actually kept; every series of a panel receives the same x values
in the lessons, so they are kept at the same stride and read together.

The readout line, e.g. "step 12 · LR=0.1: 0.005215 · LR=0.5: 0", is the
text a screen reader can use as well as what the focus view prints under
the chart. A bar panel has one cursor position per bar.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lessons.charts.axes import format_number
from lessons.charts.captions import Line, legend_keys, pack
from lessons.charts.data import PanelData
from lessons.course.i18n import N_

__all__ = ["CursorReading", "nearest", "positions", "reading", "readout_lines", "readout_text"]

Gettext = Callable[[str], str]

_AT = N_("{axis} {x}")
_VALUE = N_("{name}: {value}")
_DIVERGED = N_("{name}: diverged")
_MISSING = N_("{name}: –")
#: Between readout items; translated because Chinese punctuation differs.
_SEPARATOR = N_(" · ")


def _identity(message: str) -> str:
    return message


def positions(panel: PanelData | None, hidden: Collection[str] = ()) -> list[float]:
    """The x values a cursor can stand on, ascending: every kept point of a shown series.

    For a bar panel, the bars' positions 1 … n (as the canvas draws them).
    """
    if panel is None:
        return []
    if panel.bar_labels and not panel.series:
        return [float(i + 1) for i in range(len(panel.bar_labels))]
    xs: set[float] = set()
    for key, series in panel.series.items():
        if key not in hidden:
            xs.update(series.xs)
    return sorted(xs)


def nearest(xs: Sequence[float], x: float | None) -> int | None:
    """The index in ascending `xs` closest to `x` (None: the last; no xs: None)."""
    if not xs:
        return None
    if x is None:
        return len(xs) - 1
    i = bisect.bisect_left(xs, x)
    if i == len(xs):
        return i - 1
    if i and x - xs[i - 1] < xs[i] - x:
        return i - 1
    return i


@dataclass(frozen=True)
class CursorReading:
    """What the cursor reads at `x`: (display name, y or None, diverged) per shown series."""

    x: float
    label: str  # the x as a reader sees it: the number, or a bar's label
    values: tuple[tuple[str, float | None, bool], ...]


def reading(spec: Mapping[str, Any] | None, panel: PanelData, x: float, gettext: Gettext = _identity,
            hidden: Collection[str] = ()) -> CursorReading:
    """Every shown series' recorded value at exactly `x`."""
    if panel.bar_labels and not panel.series:
        index = int(x) - 1 if math.isfinite(x) else -1
        if 0 <= index < len(panel.bar_labels):
            y_name = gettext(str((spec or {}).get("y") or "y"))
            return CursorReading(x, panel.bar_labels[index], ((y_name, panel.bar_values[index], False),))
        return CursorReading(x, format_number(x), ())
    values = []
    for key, name, _index, _diverged in legend_keys(spec, panel, gettext):
        if key in hidden:
            continue
        series = panel.series[key]
        xs = series.xs
        i = bisect.bisect_left(xs, x)
        y = series.ys[i] if i < len(xs) and xs[i] == x else None
        gone = panel.diverged.get(key)
        values.append((name, y, y is None and gone is not None and x >= gone))
    return CursorReading(x, format_number(x), tuple(values))


def readout_text(spec: Mapping[str, Any] | None, read: CursorReading, gettext: Gettext = _identity,
                 ui_gettext: Gettext = _identity) -> str:
    """One line: "step 12 · LR=0.1: 0.005215 · LR=0.5: 0", in the reader's language."""
    return ui_gettext(_SEPARATOR).join(_parts(spec, read, gettext, ui_gettext))


def readout_lines(spec: Mapping[str, Any] | None, read: CursorReading, width: int, gettext: Gettext = _identity,
                  ui_gettext: Gettext = _identity) -> tuple[Line, ...]:
    """The readout wrapped to `width` cells, between items only: a value is never split from its name."""
    chunks = [[(part, "readout")] for part in _parts(spec, read, gettext, ui_gettext)]
    return pack(chunks, width, gap=ui_gettext(_SEPARATOR))


def _parts(spec: Mapping[str, Any] | None, read: CursorReading, gettext: Gettext, ui_gettext: Gettext) -> list[str]:
    spec = spec or {}
    axis = gettext(str(spec["x"])) if spec.get("x") else "x"
    parts = [ui_gettext(_AT).format(axis=axis, x=read.label)]
    for name, y, diverged in read.values:
        if diverged:
            parts.append(ui_gettext(_DIVERGED).format(name=name))
        elif y is None:
            parts.append(ui_gettext(_MISSING).format(name=name))
        else:
            parts.append(ui_gettext(_VALUE).format(name=name, value=format_number(y)))
    return parts
