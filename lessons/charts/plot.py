"""Draw a chart panel's plot area with plotext; and a whole panel as plain text.

Two outputs share this package: the TUI's `ChartPanel` (tui/widgets/chart.py), which
wants an ANSI canvas (`render_canvas`) plus caption lines it can style
(captions.py), and `gradtour run`, which wants one plain-text block per panel
(`render_panel_text`).

Why plotext draws only the plot area: it lays text out by `len()`, and a CJK
character takes two terminal cells, so any translated title, axis name or
legend it placed would misalign the frame. Every translated string is laid
out by captions.py instead, measured with `rich.cells.cell_len`. What plotext does draw
(tick labels, the frame, braille dots, ASCII glyphs) is one cell per
character by construction: tick labels come from `format_tick`, and bar labels
that contain wide characters are replaced by their 1-based index (the readout
line names each bar in full).

Every value a demo can produce must draw, so the data are sanitised before
plotext sees them (its C kernel takes doubles, and it raises on a log of zero):

* NaN, inf and -inf are skipped (`ChartData` marks the series diverged);
* on a log y scale, zero and negative values are **dropped**, not clamped: a
  clamp would draw an invented value, while a gap says "not on this scale";
  the log is taken here and the axis labelled with powers of ten, because
  plotext's own log scale shows no ticks across very wide ranges;
* finite values beyond ±1e300 are clamped to it, so that a span never
  overflows to inf;
* limits and ticks are chosen before plotext draws (axes.py).

plotext keeps its figure in module-global state, so every draw happens under
one lock, starts from `figure.clear()`, and leaves nothing behind that a
later draw depends on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text

from lessons.charts import landscape
from lessons.charts.axes import CLAMP, Axis, data_limits, fit_x_axis, fit_y_axis, fixed_ylim, y_limits
from lessons.charts.captions import captions as line_captions
from lessons.charts.captions import Captions, Gettext, identity, plain
from lessons.charts.data import PanelData
from lessons.charts.series import (
    BAR_GLYPH, MIN_HEIGHT, MIN_WIDTH, PREVIOUS_COLOR, PREVIOUS_GLYPH, display_order, envelope, glyph, is_bar,
    is_log, prepared, series_color,
)

__all__ = ["DEFAULT_TEXT_HEIGHT", "captions", "cursor_column", "render_canvas", "render_landscape",
           "render_landscape_rows", "render_panel_text"]

DEFAULT_TEXT_HEIGHT = 14
LANDSCAPE_TEXT_HEIGHT = 22
#: plotext's "center" alignment of values in cells (its limit_deltas), as it places ticks.
_CENTRED = 0.5

_LOCK = threading.Lock()
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Layer:
    xs: list[float]
    ys: list[float]
    color: int | None
    glyph: str


def _blank(width: int, height: int) -> str:
    return "\n".join(" " * max(0, width) for _ in range(max(0, height)))


def render_canvas(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    height: int,
    *,
    previous: PanelData | None = None,
    color: bool = True,
    hidden: Collection[str] = (),
) -> str:
    """The plot area of one panel: frame, numeric ticks and data, `height` lines of `width` cells.

    With `color`, curves are braille dots in `PALETTE` colours (ANSI escapes,
    no background) and `previous`, another run of the same panel, is drawn
    underneath in `PREVIOUS_COLOR`. Without, curves are drawn with `GLYPHS`
    and the previous run with `PREVIOUS_GLYPH`, so they stay distinguishable.
    Nothing in the output needs more than one cell per character.

    On a log y scale, points with y <= 0 are dropped (not clamped), and so
    are bars of such values. Bar panels (`kind: bar`, or a panel that only
    received bars) ignore `previous`. The series named in `hidden` are left
    out. Never raises and never writes to stdout
    or stderr; a size below MIN_WIDTH x MIN_HEIGHT gives blank lines.
    """
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    width, height = int(width), int(height)
    if landscape.is_landscape(spec):
        try:
            return landscape.render_canvas(spec, panel, width, height, previous=previous, color=color)
        except Exception:  # noqa: BLE001 - as below: a chart glitch never takes the lesson down
            _log.debug("landscape %r not drawn", spec.get("title"), exc_info=True)
            return _blank(width, height)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _blank(width, height)
    try:
        import plotext  # deferred: importing it costs ~0.1 s, which the first screen must not pay

        with _LOCK, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            # plotext reports some conditions by printing; the UI owns the terminal.
            if is_bar(spec, panel):
                text = _draw_bars(plotext, spec, panel, width, height, color)
            else:
                text = _draw_lines(plotext, spec, panel, previous, width, height, color, hidden)
    except Exception:  # noqa: BLE001 - a chart glitch must never take the lesson down
        _log.debug("chart %r not drawn", spec.get("title"), exc_info=True)
        return _blank(width, height)
    return _fit(text, width, height)


def cursor_column(spec: Mapping[str, Any] | None, panel: PanelData | None, x: float, width: int, height: int, *,
                  previous: PanelData | None = None, hidden: Collection[str] = ()) -> int | None:
    """The column of `render_canvas`'s output (same arguments) where `x` lies, or None outside the plot.

    For a cursor drawn over a cached canvas: re-rendering the canvas with
    plotext for every cursor step took ~25 ms at 160×48; this plans the axes
    without drawing. The plot area runs from the column after the y tick
    labels' frame to the one before the right frame, and x maps onto it by
    plotext's own rescale (centred cells), as its x ticks do: a test checks
    the columns against the ticks plotext draws. A bar's x is its 1-based position.
    """
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    width, height = int(width), int(height)
    if width < MIN_WIDTH or height < MIN_HEIGHT or not math.isfinite(x):
        return None
    try:
        if is_bar(spec, panel):
            x_axis, y_axis = _bar_plan(spec, panel, width, height)[2:]
        else:
            x_axis, y_axis = _line_plan(spec, panel, previous, width, height, hidden)[1:]
        if not x_axis.lo <= x <= x_axis.hi or not x_axis.hi > x_axis.lo:
            return None
        from plotext._methods.ruler import rescale  # loaded with plotext by the canvas this marks

        first, last = y_axis.widest + 1, width - 2
        return first + int(rescale(x, x_axis.lo, x_axis.hi, last - first + 1, _CENTRED))
    except Exception:  # noqa: BLE001 - like the canvas: no cursor rather than no lesson
        _log.debug("cursor of %r not placed", spec.get("title"), exc_info=True)
        return None


def _fit(text: str, width: int, height: int) -> str:
    lines = text.split("\n")[:height]
    lines += [" " * width] * (height - len(lines))
    return "\n".join(lines)


def _start(plotext: Any, width: int, height: int) -> Any:
    figure = plotext.figure
    figure.clear()
    # The master figure is clipped to the real terminal by default; a panel
    # rendered for a pipe or a test must get the size asked for.
    plotext.terminal.limit(False, False)
    figure.theme("colorless")
    figure.plot_size(width, height)
    return figure


def _finish(figure: Any, x: Axis, y: Axis, color: bool) -> str:
    figure.ruler("x").lim(x.lo, x.hi)
    figure.ruler("x").ticks(list(x.ticks), list(x.labels))
    figure.ruler("y").lim(y.lo, y.hi)
    figure.ruler("y").ticks(list(y.ticks), list(y.labels))
    return figure.build().string(colorless=not color)


def _line_plan(spec: Mapping[str, Any], panel: PanelData, previous: PanelData | None, width: int, height: int,
               hidden: Collection[str] = ()) -> tuple[list[_Layer], Axis, Axis]:
    """The curves to draw and both axes: everything but the drawing itself."""
    log = is_log(spec)
    # One stretch per cell column, two points each: as many as braille has
    # dot columns. plotext spends ~20 µs a point on the UI thread.
    budget = max(1, width)
    layers: list[_Layer] = []
    if previous is not None:
        for series in previous.series.values():
            xs, ys = envelope(*prepared(series.xs, series.ys, log), budget)
            layers.append(_Layer(xs, ys, PREVIOUS_COLOR, PREVIOUS_GLYPH))
    for key, index in display_order(spec, panel):
        if key in hidden:
            continue
        series = panel.series[key]
        xs, ys = envelope(*prepared(series.xs, series.ys, log), budget)
        layers.append(_Layer(xs, ys, series_color(index), glyph(index)))
    layers = [layer for layer in layers if layer.xs]

    ylim = fixed_ylim(spec, log)
    x_lo, x_hi = data_limits((x for layer in layers for x in layer.xs), log=False)
    y_lo, y_hi = y_limits((y for layer in layers for y in layer.ys), log, ylim)
    y_axis = fit_y_axis(y_lo, y_hi, height, width, log, movable=(ylim[0] is None, ylim[1] is None))
    # Steps and epochs are whole numbers: a tick between two of them names nothing.
    integer = all(x.is_integer() for layer in layers for x in layer.xs)
    x_axis = fit_x_axis(x_lo, x_hi, width - y_axis.widest - 2, integer)
    return layers, x_axis, y_axis


def _draw_lines(plotext: Any, spec: Mapping[str, Any], panel: PanelData, previous: PanelData | None,
                width: int, height: int, color: bool, hidden: Collection[str] = ()) -> str:
    layers, x_axis, y_axis = _line_plan(spec, panel, previous, width, height, hidden)
    figure = _start(plotext, width, height)
    for layer in layers:
        marker = plotext.marker("braille", pixel=plotext.pixel(foreground=layer.color)) if color else layer.glyph
        signal = figure.signal(layer.xs, layer.ys, marker=marker)
        signal.lines()
        figure.draw(signal)
    return _finish(figure, x_axis, y_axis, color)


def _bar_axis_label(label: str, index: int) -> str:
    # plotext centres tick labels by len(); a wide character would shift the
    # frame, so such a bar is labelled by its number (the readout names it).
    if label.isprintable() and cell_len(label) == len(label) and label.strip():
        return label
    return str(index + 1)


def _bar_plan(spec: Mapping[str, Any], panel: PanelData, width: int, height: int
              ) -> tuple[list[float], list[float], Axis, Axis]:
    """The bars to draw (positions 1 … n, heights) and both axes."""
    log = is_log(spec)
    positions: list[float] = []
    heights: list[float] = []
    for i, value in enumerate(panel.bar_values):
        if not math.isfinite(value) or (log and value <= 0):
            continue
        positions.append(i + 1.0)
        heights.append(math.log10(value) if log else min(CLAMP, max(-CLAMP, value)))

    ylim = fixed_ylim(spec, log)
    if log:
        # Bars rise from the decade below the smallest one (or from a fixed
        # floor), so even that bar has a height: heights and ticks are drawn
        # relative to that base.
        lo, hi = y_limits(heights, True, ylim)
        base = lo if ylim[0] is not None else math.ceil(lo) - 1
        axis = fit_y_axis(base, hi, height, width, log=True, movable=(False, ylim[1] is None))
        y_axis = Axis(0.0, axis.hi - base, tuple(t - base for t in axis.ticks), axis.labels)
        heights = [h - base for h in heights]
    else:
        lo, hi = y_limits([0.0, *heights], False, ylim)
        y_axis = fit_y_axis(lo, hi, height, width, log=False, movable=(ylim[0] is None, ylim[1] is None))

    count = len(panel.bar_values)
    plot_width = width - y_axis.widest - 2
    names = [_bar_axis_label(label, i) for i, label in enumerate(panel.bar_labels)]
    if sum(len(name) + 1 for name in names) > plot_width:
        names = [str(i + 1) for i in range(count)]
    if sum(len(name) + 1 for name in names) > plot_width:
        names = []
    x_axis = Axis(0.5, max(1, count) + 0.5, tuple(float(i + 1) for i in range(len(names))), tuple(names))
    return positions, heights, x_axis, y_axis


def _draw_bars(plotext: Any, spec: Mapping[str, Any], panel: PanelData, width: int, height: int, color: bool) -> str:
    positions, heights, x_axis, y_axis = _bar_plan(spec, panel, width, height)
    figure = _start(plotext, width, height)
    if positions:
        marker = plotext.marker("braille", pixel=plotext.pixel(foreground=series_color(0))) if color else BAR_GLYPH
        figure.draw(figure.bar(positions, heights, marker=marker))
    return _finish(figure, x_axis, y_axis, color)


def render_landscape(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                     previous: PanelData | None = None) -> Text:
    """A landscape panel's canvas in colour as a rich Text (what the TUI's ChartPanel shows).

    Built directly rather than parsed back from `render_canvas`'s ANSI: at
    160x48 the parsing cost as much as the drawing, on the UI thread.
    """
    try:
        return landscape.render_text(spec, panel, width, height, previous=previous)
    except Exception:  # noqa: BLE001 - a chart glitch never takes the lesson down
        _log.debug("landscape %r not drawn", (spec or {}).get("title"), exc_info=True)
        return Text(_blank(int(width), int(height)), no_wrap=True, overflow="crop", end="")


def render_landscape_rows(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                          previous: PanelData | None = None) -> list[tuple[Segment, ...]]:
    """A landscape's canvas as one tuple of rich Segments per line, each row's cached
    by its content (landscape.render_rows): what the TUI's ChartPanel draws while a demo trains."""
    try:
        return landscape.render_rows(spec, panel, width, height, previous=previous)
    except Exception:  # noqa: BLE001 - a chart glitch never takes the lesson down
        _log.debug("landscape %r not drawn", (spec or {}).get("title"), exc_info=True)
        return [(Segment(" " * max(0, int(width))),) for _ in range(max(0, int(height)))]


def captions(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    gettext: Gettext = identity,
    ui_gettext: Gettext = identity,
    *,
    previous: PanelData | None = None,
    color: bool = True,
    hidden: Collection[str] = (),
    numbered: bool = False,
) -> Captions:
    """Title, legend and readout lines for one panel of any kind (see captions.captions).

    A landscape's paths cannot be hidden one by one nor numbered (the focus
    view's curve keys): its legend names each path by its own glyph.
    """
    if landscape.is_landscape(spec):
        return landscape.captions(spec, panel, width, gettext, ui_gettext, previous=previous, color=color)
    return line_captions(spec, panel, width, gettext, ui_gettext, previous=previous, color=color,
                         hidden=hidden, numbered=numbered)


def render_panel_text(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    gettext: Gettext = identity,
    *,
    ui_gettext: Gettext = identity,
    previous: PanelData | None = None,
    height: int | None = None,
) -> str:
    """One panel as plain text for `gradtour run`: title, canvas, legend with axis names, readout.

    Every line is at most `width` terminal cells (trailing spaces trimmed).
    `height`: of the canvas; by default DEFAULT_TEXT_HEIGHT, or
    LANDSCAPE_TEXT_HEIGHT for a map, whose paths need rows as much as columns.
    """
    width = max(MIN_WIDTH, int(width))
    if height is None:
        height = LANDSCAPE_TEXT_HEIGHT if landscape.is_landscape(spec) else DEFAULT_TEXT_HEIGHT
    caps = captions(spec, panel, width, gettext, ui_gettext, previous=previous, color=False)
    canvas = render_canvas(spec, panel, width, height, previous=previous, color=False)
    lines = [*map(plain, caps.title_lines), *canvas.split("\n"), *map(plain, caps.legend), *map(plain, caps.readout)]
    return "\n".join(line.rstrip() for line in lines)
