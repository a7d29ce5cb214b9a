"""A cursor on a chart's x axis: where it may stand, and what every curve reads there.

The values come from the recorded series (`charts.data.Series`, the same
bounded points the charts draw), never from the demo's printed output. A
long run is decimated at a uniform stride, so the cursor steps over the x
values actually kept; every series of a panel receives the same x values
in the lessons, so they are kept at the same stride and read together.

The readout line, e.g. "step 12 · LR=0.1: 0.005215 · LR=0.5: 0", is the
text a screen reader can use as well as what the focus view prints under
the chart. A bar panel has one cursor position per bar.

On a landscape (`kind: landscape`) the x axis is a weight, not time, so the
cursor moves along the paths instead: its positions are the steps of the
paths (a point's place in its path, as the runner counts it: 0 = the first
point sent) and the readout quotes each path's point at that step, e.g.
"step 12 · SGD (3.1, 0.9) loss 0.52 · Adam (…)". The loss is the demo's own
when the landscape's spec names the line panel that charts it per step
(`loss: ravine_loss`, with the same series), whose x then labels the step;
otherwise it is read off the height map (interpolated, shown with "≈").
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lessons.charts.axes import format_number
from lessons.charts.captions import Line, legend_keys, pack
from lessons.charts.data import PanelData, Series
from lessons.charts.landscape import height_at, is_landscape
from lessons.course.i18n import N_

__all__ = ["CursorReading", "PathPoint", "PathReading", "nearest", "path_point", "path_reading", "positions", "reading",
           "readout_lines", "readout_text"]

Gettext = Callable[[str], str]

_AT = N_("{axis} {x}")
_VALUE = N_("{name}: {value}")
_DIVERGED = N_("{name}: diverged")
_MISSING = N_("{name}: –")
#: Between readout items; translated because Chinese punctuation differs.
_SEPARATOR = N_(" · ")
_STEP = N_("step {step}")
_PATH_POINT = N_("{name} ({x}, {y})")
_PATH_LOSS = N_("{name} ({x}, {y}) loss {loss}")
#: The loss read off the height map between its grid points: an estimate.
_PATH_LOSS_ESTIMATE = N_("{name} ({x}, {y}) loss ≈ {loss}")


def _identity(message: str) -> str:
    return message


def positions(panel: PanelData | None, hidden: Collection[str] = (),
              spec: Mapping[str, Any] | None = None) -> list[float]:
    """The x values a cursor can stand on, ascending: every kept point of a shown series.

    For a bar panel, the bars' positions 1 … n (as the canvas draws them);
    for a landscape (`spec`), the steps of its paths' kept points.
    """
    if panel is None:
        return []
    if is_landscape(spec):
        return sorted({float(i) for key, series in panel.series.items() if key not in hidden
                       for i in series.indices})
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


@dataclass(frozen=True)
class PathPoint:
    """One path at the cursor's step: its point (None: it has none there), its
    loss (None: unknown), whether that loss is the demo's own or an estimate."""

    name: str
    point: tuple[float, float] | None
    loss: float | None
    exact: bool
    diverged: bool


@dataclass(frozen=True)
class PathReading:
    """What the cursor reads on a landscape at the step `index`; `step` is the
    step as the reader sees it (the loss panel's x there, else `index`)."""

    index: float
    step: float
    label: str
    values: tuple[PathPoint, ...]


def path_point(series: Series | None, index: int) -> tuple[float, float] | None:
    """The kept point of `series` received `index`-th, if it was kept."""
    if series is None:
        return None
    indices = series.indices
    i = bisect.bisect_left(indices, index)
    if i < len(indices) and indices[i] == index:
        return series.xs[i], series.ys[i]
    return None


def path_reading(spec: Mapping[str, Any] | None, panel: PanelData, index: float, gettext: Gettext = _identity,
                 hidden: Collection[str] = (), loss_panel: PanelData | None = None) -> PathReading:
    """Every shown path's point at step `index` of a landscape, with its loss.

    `loss_panel`: the line panel the spec's `loss` names, whose series of the
    same key got one point per path point; its point at the same place gives
    the loss and the step's label.
    """
    at = int(index)
    values = []
    step = None
    for key, name, _index, _diverged in legend_keys(spec, panel, gettext):
        if key in hidden:
            continue
        point = path_point(panel.series[key], at)
        companion = path_point(loss_panel.series.get(key), at) if loss_panel is not None else None
        if companion is not None and step is None:
            step = companion[0]
        if point is None:
            gone = panel.diverged.get(key)
            values.append(PathPoint(name, None, None, False, gone is not None and at >= gone))
        elif companion is not None:
            values.append(PathPoint(name, point, companion[1], True, False))
        else:
            values.append(PathPoint(name, point, height_at(panel.surface, *point), False, False))
    step = float(at) if step is None else step
    return PathReading(float(at), step, format_number(step), tuple(values))


def _path_parts(read: PathReading, ui_gettext: Gettext) -> list[str]:
    parts = [ui_gettext(_STEP).format(step=read.label)]
    for value in read.values:
        if value.point is None:
            parts.append(ui_gettext(_DIVERGED if value.diverged else _MISSING).format(name=value.name))
            continue
        x, y = (format_number(v) for v in value.point)
        if value.loss is None:
            parts.append(ui_gettext(_PATH_POINT).format(name=value.name, x=x, y=y))
        elif value.exact:
            parts.append(ui_gettext(_PATH_LOSS).format(name=value.name, x=x, y=y, loss=format_number(value.loss)))
        else:
            # Two digits: the map's grid holds the heights to four, and between
            # its points they are interpolated.
            loss = format_number(float(f"{value.loss:.2g}"))
            parts.append(ui_gettext(_PATH_LOSS_ESTIMATE).format(name=value.name, x=x, y=y, loss=loss))
    return parts


def readout_text(spec: Mapping[str, Any] | None, read: CursorReading | PathReading, gettext: Gettext = _identity,
                 ui_gettext: Gettext = _identity) -> str:
    """One line: "step 12 · LR=0.1: 0.005215 · LR=0.5: 0", in the reader's language."""
    return ui_gettext(_SEPARATOR).join(_parts(spec, read, gettext, ui_gettext))


def readout_lines(spec: Mapping[str, Any] | None, read: CursorReading | PathReading, width: int,
                  gettext: Gettext = _identity,
                  ui_gettext: Gettext = _identity) -> tuple[Line, ...]:
    """The readout wrapped to `width` cells, between items only: a value is never split from its name."""
    chunks = [[(part, "readout")] for part in _parts(spec, read, gettext, ui_gettext)]
    return pack(chunks, width, gap=ui_gettext(_SEPARATOR))


def _parts(spec: Mapping[str, Any] | None, read: CursorReading | PathReading, gettext: Gettext,
           ui_gettext: Gettext) -> list[str]:
    if isinstance(read, PathReading):
        return _path_parts(read, ui_gettext)
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
