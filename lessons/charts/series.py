"""Which series a panel draws, in which colour and glyph, and which of their points."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lessons.charts.axes import clamp
from lessons.charts.data import PanelData

#: Series colours by series index, as xterm-256 numbers: exact in every
#: terminal that has 256 colours, unlike the 16 ANSI colours whose shades
#: each terminal theme picks, and legible on dark and light backgrounds.
#: Red comes last, so that few-series charts do not read as "error".
PALETTE: tuple[int, ...] = (33, 208, 40, 170, 178, 44, 141, 160)
#: The faded colour of the previous run drawn underneath.
PREVIOUS_COLOR = 244
#: Without colour, series are told apart by glyph (same index as PALETTE).
GLYPHS: tuple[str, ...] = ("*", "+", "o", "x", "#", "@", "%", "=")
PREVIOUS_GLYPH = "."
#: The focus view's cursor: a full-height line of its own glyph, drawn under the curves.
CURSOR_GLYPH = "│"
CURSOR_COLOR = 250
#: The legend key in colour: a full braille cell, like the curves it keys.
KEY_GLYPH = "⣿"
BAR_GLYPH = "#"

#: Below this size there is no room for a frame and one plotted cell.
MIN_WIDTH = 6
MIN_HEIGHT = 3


def is_log(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("yscale", "linear")).lower() == "log"


def is_bar(spec: Mapping[str, Any], panel: PanelData) -> bool:
    return str(spec.get("kind", "line")).lower() == "bar" or (bool(panel.bar_labels) and not panel.series)


def spec_series(spec: Mapping[str, Any]) -> dict[str, str]:
    declared = spec.get("series") or {}
    return {str(key): str(label) for key, label in declared.items()} if isinstance(declared, Mapping) else {}


def _series_index(spec: Mapping[str, Any], panel: PanelData) -> dict[str, int]:
    """Each series key's colour/glyph index.

    Declared series (the spec's `series` mapping) take their declared
    position even before they have data, so "validation" keeps its colour
    whichever series the demo sends first; the others follow in arrival order.
    """
    index = {key: i for i, key in enumerate(spec_series(spec))}
    for key in panel.series:
        index.setdefault(key, len(index))
    return index


def display_order(spec: Mapping[str, Any], panel: PanelData) -> list[tuple[str, int]]:
    index = _series_index(spec, panel)
    return sorted(((key, index[key]) for key in panel.series), key=lambda item: item[1])


def series_color(index: int) -> int:
    """The xterm-256 colour of the series at `index` (wraps around PALETTE)."""
    return PALETTE[index % len(PALETTE)]


def glyph(index: int) -> str:
    return GLYPHS[index % len(GLYPHS)]


def prepared(xs: Sequence[float], ys: Sequence[float], log: bool) -> tuple[list[float], list[float]]:
    """The drawable points: finite, positive on a log scale (then as log10), clamped."""
    finite = math.isfinite
    if log:
        pairs = [(clamp(x), math.log10(y)) for x, y in zip(xs, ys) if finite(x) and finite(y) and y > 0]
    else:
        pairs = [(clamp(x), clamp(y)) for x, y in zip(xs, ys) if finite(x) and finite(y)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def envelope(xs: list[float], ys: list[float], buckets: int) -> tuple[list[float], list[float]]:
    """Thin a long series to the canvas resolution, keeping each stretch's min and max.

    Plotting more points than the canvas has dots only costs time on the UI
    thread; keeping both extremes of every stretch keeps spikes visible.
    """
    n = len(xs)
    if n <= 2 * buckets or buckets < 1:
        return xs, ys
    out_x: list[float] = []
    out_y: list[float] = []
    for b in range(buckets):
        start, end = b * n // buckets, (b + 1) * n // buckets
        if start >= end:
            continue
        chunk = range(start, end)
        low = min(chunk, key=ys.__getitem__)
        high = max(chunk, key=ys.__getitem__)
        for i in sorted({low, high}):
            out_x.append(xs[i])
            out_y.append(ys[i])
    if out_x[-1] != xs[-1] or out_y[-1] != ys[-1]:
        out_x.append(xs[-1])
        out_y.append(ys[-1])
    return out_x, out_y


def sgr(fg: int | None, bg: int | None, *, bold: bool = False, reverse: bool = False) -> str:
    """The ANSI escape that sets a cell's 256-colour style (the text renderers' colour output)."""
    codes = ["0"]
    if bold:
        codes.append("1")
    if reverse:
        codes.append("7")
    if fg is not None:
        codes.append(f"38;5;{fg}")
    if bg is not None:
        codes.append(f"48;5;{bg}")
    return "\x1b[" + ";".join(codes) + "m"
