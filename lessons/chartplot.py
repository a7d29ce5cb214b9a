"""Draw chart panels with plotext, and lay out their captions by terminal cells.

Two outputs share this module: the TUI's `ChartPanel` (tui/chart.py), which
wants an ANSI canvas plus caption lines it can style, and `gradtour run`,
which wants one plain-text block per panel (`render_panel_text`).

Why plotext draws only the plot area: it lays text out by `len()`, and a CJK
character takes two terminal cells, so any translated title, axis name or
legend it placed would misalign the frame. Every translated string is laid
out here instead, measured with `rich.cells.cell_len`. What plotext does draw
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
* limits and ticks are chosen here: a spec's `ylim` fixes the y range (plotext
  clips what lies outside at the frame); otherwise a zero-width range (one
  point, a flat curve) is padded. Ticks are round (1, 2, 2.5 or 5 times a
  power of ten, whole numbers when every x is), at least two per axis and
  three on a log axis spanning a decade wherever the rows allow, and fitted
  to the space so their labels never overlap.

plotext keeps its figure in module-global state, so every draw happens under
one lock, starts from `figure.clear()`, and leaves nothing behind that a
later draw depends on.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import math
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from rich.cells import cell_len, set_cell_size

from lessons import chart_titles
from lessons.chartdata import PanelData, Series, SeriesReadout, to_float
from lessons.i18n import N_

__all__ = [
    "PALETTE", "PREVIOUS_COLOR", "GLYPHS", "PREVIOUS_GLYPH", "KEY_GLYPH",
    "Arrangement", "Captions", "CURSOR_GLYPH", "Line", "Span", "MIN_CANVAS_HEIGHT",
    "arrange", "captions", "crop", "cursor_column", "pack", "format_number", "format_tick", "legend_keys",
    "plain", "render_canvas", "render_panel_text", "series_color",
]

Gettext = Callable[[str], str]
#: A caption span: its text and how to style it, either a `PALETTE` colour
#: (xterm-256 number) or a role: "title", "axis", "readout", "diverged",
#: "previous", or None for the default style.
Span = tuple[str, Union[int, str, None]]
Line = tuple[Span, ...]

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
DEFAULT_TEXT_HEIGHT = 14

_LOG_TEXT = N_("{axis} (log scale)")
_DIVERGED = N_("diverged")
_PREVIOUS = N_("previous run")
_HIDDEN = N_("hidden")
_NO_DATA = N_("no data yet")
_READOUT = N_("{name}: last {last}, min {min}")
_READOUT_DIVERGED = N_("{name}: diverged at {axis} {x}")
_READOUT_EMPTY = N_("{name}: no data yet")
_READOUT_BAR = N_("{name}: {value}")
#: Between readout items; translated because Chinese punctuation differs.
_READOUT_SEPARATOR = N_("; ")
#: A legend entry whose curve lies exactly under another one, which is drawn
#: later and so is the only one seen.
_SAME_AS = N_("{name} (same as {other})")

_CLAMP = 1e300
#: plotext's "center" alignment of values in cells (its limit_deltas), as it places ticks.
_CENTRED = 0.5
_TINY = 1e-250
_LOCK = threading.Lock()
_log = logging.getLogger(__name__)


def _identity(message: str) -> str:
    return message


# ---------------------------------------------------------------- numbers


def _compact_exponent(text: str) -> str:
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def format_number(value: float | None) -> str:
    """A readout number: four significant digits, short exponents, nan/inf as words."""
    if value is None:
        return "–"
    if value == 0:
        return "0"  # not "-0": a loss that reached its minimum is 0, whatever its sign bit
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return _compact_exponent(f"{value:.4g}")


def _decimals(step: float) -> int:
    """How many decimals write `step` (a round number like 0.25 or 50) exactly."""
    for decimals in range(7):
        if abs(round(step, decimals) - step) <= abs(step) * 1e-6:
            return decimals
    return 6


def format_tick(value: float, step: float) -> str:
    """A tick label precise enough to tell ticks `step` apart, in ASCII only."""
    magnitude = abs(value)
    if magnitude <= abs(step) * 1e-6:
        return "0"  # also the float residue, like 5.6e-17, of a tick meant to be 0
    if 1e-3 <= magnitude < 1e6:
        text = f"{value:.{_decimals(step)}f}"
        # Shortest exact form ("0.5", "1" beside "0.25"): distinct, and narrow,
        # which leaves a small canvas more columns to plot in.
        return text.rstrip("0").rstrip(".") if "." in text else text
    scale = 10.0 ** math.floor(math.log10(magnitude))
    mantissa, _, exponent = f"{value:.{min(4, _decimals(step / scale))}e}".partition("e")
    if "." in mantissa:
        # Shortest form per tick ("1e30", "1.5e30"): still distinct, and narrow.
        mantissa = mantissa.rstrip("0").rstrip(".")
    return _compact_exponent(f"{mantissa}e{exponent}")


#: Round tick steps are these times a power of ten.
_NICE_FACTORS = (1.0, 2.0, 2.5, 5.0)
#: Mantissas of the ticks on a log axis too short for decades, sparsest first.
_LOG_MANTISSAS = ((1, 3), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
#: Decade strides on a log axis too tall for every decade (1e0, 1e3, 1e6 for 3).
_DECADE_FACTORS = (1, 2, 3, 5)


def _nice_steps(least: float, integer: bool = False) -> Iterator[float]:
    """Round steps, from the smallest one of at least `least` upwards.

    On an integer axis (steps, epochs) only whole steps: a tick at 0.5
    epochs names a point that does not exist.
    """
    if integer:
        least = max(least, 1.0)
    if not 0 < least < math.inf:
        return
    exponent = math.floor(math.log10(least))
    while exponent <= 308:
        base = 10.0**exponent
        for factor in _NICE_FACTORS:
            step = factor * base
            if not math.isfinite(step):
                return
            if step >= least * (1 - 1e-9) and not (integer and step % 1):
                yield step
        exponent += 1


def _multiples(lo: float, hi: float, step: float, most: int) -> list[float] | None:
    """The multiples of `step` within [lo, hi]; None when there are more than `most`."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    if last - first + 1 > most:
        return None
    return [k * step for k in range(first, last + 1)]


@dataclass(frozen=True)
class _Axis:
    lo: float
    hi: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    @property
    def widest(self) -> int:
        return max((len(label) for label in self.labels), default=0)


Fits = Callable[[_Axis], bool]


def _bare(lo: float, hi: float) -> _Axis:
    return _Axis(lo, hi, (), ())


def _stepped(lo: float, hi: float, ticks: Sequence[float], step: float) -> _Axis:
    return _Axis(lo, hi, tuple(ticks), tuple(format_tick(t, step) for t in ticks))


def _linear_axis(lo: float, hi: float, most: int, fits: Fits, *, integer: bool = False,
                 movable: tuple[bool, bool] = (True, True)) -> _Axis:
    """Evenly spaced round ticks on [lo, hi]: at least two, at most `most`, all that `fits` accepts.

    When fewer than two round values lie within the range (a narrow range,
    few rows), the ends that `movable` allows widen to the round values
    around the data: two round labels say more than one odd one.
    """
    span = hi - lo
    if most < 1 or not 0 < span < math.inf:
        return _bare(lo, hi)
    single = None
    for step in _nice_steps(span / most, integer):
        ticks = _multiples(lo, hi, step, most)
        if ticks is None:
            continue
        axis = _stepped(lo, hi, ticks, step)
        if len(ticks) >= 2:
            if fits(axis):
                return axis
            continue
        single = axis if ticks and fits(axis) else None
        break
    if most >= 2 and any(movable):
        # A handful of steps: beyond them the data would shrink to a sliver.
        for step in itertools.islice(_nice_steps(span / (most - 1), integer), 6):
            wide_lo = math.floor(lo / step + 1e-9) * step if movable[0] else lo
            wide_hi = math.ceil(hi / step - 1e-9) * step if movable[1] else hi
            ticks = _multiples(wide_lo, wide_hi, step, most)
            if ticks is not None and len(ticks) >= 2:
                axis = _stepped(wide_lo, wide_hi, ticks, step)
                if fits(axis):
                    return axis
    return single or _bare(lo, hi)


def _log_label(mantissa: float, exponent: int) -> str:
    """The label of mantissa × 10**exponent: plain digits near 1, else "2e-5"."""
    if -3 <= exponent <= 4:
        return f"{mantissa * 10.0**exponent:g}"
    return f"{mantissa:g}e{exponent}"


def _decade_strides(decades: int) -> Iterator[int]:
    """1, 2, 3, 5, 10, 20, 30, 50, … up to the first that leaves one decade."""
    base = 1
    while True:
        for factor in _DECADE_FACTORS:
            yield factor * base
            if factor * base >= decades:
                return
        base *= 10


def _log_candidates(lo: float, hi: float, most: int) -> Iterator[tuple[list[float], list[str]]]:
    """Tick sets for a log10 axis [lo, hi], in order of preference.

    Decades first, densest first; a stride is tried aligned to its multiples
    (1, 1e3, 1e6) and then from the lowest decade, so three decades still
    show on a short canvas. Then, for a range of few decades, 1-3 and 1-2-5
    sequences; last, for less than a decade, round values of y itself.
    """
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    decades = list(range(first, last + 1))
    for stride in _decade_strides(len(decades)) if decades else ():
        aligned = [k for k in decades if k % stride == 0]
        for chosen in (aligned, decades[::stride]):
            if chosen:
                yield [float(k) for k in chosen], [_log_label(1, k) for k in chosen]
    if hi - lo <= most:
        for mantissas in _LOG_MANTISSAS:
            ticks, labels = [], []
            for k in range(first - 1, last + 1):
                for m in mantissas:
                    t = math.log10(m) + k
                    if lo - 1e-9 <= t <= hi + 1e-9:
                        ticks.append(t)
                        labels.append(_log_label(m, k))
            yield ticks, labels
    if hi - lo < 1:
        low, high = 10.0**lo, 10.0**hi
        for step in itertools.islice(_nice_steps((high - low) / most), 8):
            values = [v for v in _multiples(low, high, step, most) or () if v > 0]
            yield [math.log10(v) for v in values], [format_tick(v, step) for v in values]


def _log_axis(lo: float, hi: float, most: int, fits: Fits, movable: tuple[bool, bool] = (True, True)) -> _Axis:
    """Ticks on a log10 axis: three where the data span a decade and the rows allow, else two.

    Where the data's own range cannot give that many, the ends `movable`
    allows widen to whole decades, as the linear axis widens to round values.
    """
    axis = _log_ticks(lo, hi, most, fits)
    if len(axis.ticks) < min(most, 3 if hi - lo >= 1 - 1e-9 else 2):
        wide_lo = math.floor(lo + 1e-9) if movable[0] else lo
        wide_hi = math.ceil(hi - 1e-9) if movable[1] else hi
        wide = _log_ticks(wide_lo, wide_hi, most, fits)
        if len(wide.ticks) > len(axis.ticks):
            return wide
    return axis


def _log_ticks(lo: float, hi: float, most: int, fits: Fits) -> _Axis:
    """The first candidate with enough ticks and at most `most`; failing that,
    the sparsest with more that still fits the rows (four decades on five
    rows: every decade, rather than two of them); failing that, as many as fit.
    """
    need = 3 if hi - lo >= 1 - 1e-9 else 2
    fitting = [axis for axis in (_Axis(lo, hi, tuple(ticks), tuple(labels))
                                 for ticks, labels in _log_candidates(lo, hi, most) if ticks) if fits(axis)]
    within = [axis for axis in fitting if min(need, most) <= len(axis.ticks) <= most]
    beyond = [axis for axis in fitting if len(axis.ticks) > most]
    if within:
        return within[0]
    if beyond:
        return min(beyond, key=lambda axis: len(axis.ticks))
    return max(fitting, key=lambda axis: len(axis.ticks), default=_bare(lo, hi))


def _limits(values: Iterable[float], log: bool) -> tuple[float, float]:
    lo = hi = None
    for v in values:
        if lo is None or v < lo:
            lo = v
        if hi is None or v > hi:
            hi = v
    if lo is None or hi is None:
        return 0.0, 1.0
    if hi - lo <= max(abs(lo), abs(hi)) * 1e-9 or hi - lo < _TINY:
        # One point, or a flat curve: give it a band around its value, so it
        # is drawn mid-height with ticks that say what the value is. Spans
        # near the float minimum count as flat: dividing them underflows.
        if log:
            return lo - 0.5, hi + 0.5
        pad = abs(lo) * 0.1
        if pad < _TINY:
            # Zero (a loss at its minimum, an accuracy before the first
            # right answer): 0 to 1 shows it without inventing negatives.
            return lo, lo + 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def _ylim(spec: Mapping[str, Any], log: bool) -> tuple[float | None, float | None]:
    """The spec's fixed y range ends (log10 on a log axis); None where open or unusable.

    A lesson file is hand-written, so a bad `ylim` is ignored rather than fatal.
    """
    raw = spec.get("ylim")
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return None, None
    ends: list[float | None] = []
    for value in raw:
        # to_float also reads strings: YAML takes 1e-3 (no dot) for one.
        number = to_float(value)
        if not math.isfinite(number) or (log and number <= 0):
            ends.append(None)
        else:
            ends.append(math.log10(number) if log else _clamp(number))
    lo, hi = ends
    if lo is not None and hi is not None and not lo < hi:
        return None, None
    return lo, hi


def _y_limits(values: Iterable[float], log: bool, fixed: tuple[float | None, float | None]) -> tuple[float, float]:
    lo, hi = _limits(values, log)
    fixed_lo, fixed_hi = fixed
    if fixed_lo is not None:
        lo = fixed_lo
        if not hi > lo:
            # All the data below a fixed floor: a unit (or decade) above it.
            hi = lo + 1.0
    if fixed_hi is not None:
        hi = fixed_hi
        if not lo < hi:
            lo = hi - 1.0
    return lo, hi


def _fit_x_axis(lo: float, hi: float, plot_width: int, integer: bool) -> _Axis:
    """As many x ticks as fit side by side, each label with a cell to spare."""

    def fits(axis: _Axis) -> bool:
        return len(set(axis.labels)) == len(axis.labels) and len(axis.ticks) * (axis.widest + 1) <= plot_width

    return _linear_axis(lo, hi, min(7, max(2, plot_width // 4)), fits, integer=integer)


# ---------------------------------------------------------------- series


def _spec_series(spec: Mapping[str, Any]) -> dict[str, str]:
    declared = spec.get("series") or {}
    return {str(key): str(label) for key, label in declared.items()} if isinstance(declared, Mapping) else {}


def _series_index(spec: Mapping[str, Any], panel: PanelData) -> dict[str, int]:
    """Each series key's colour/glyph index.

    Declared series (the spec's `series` mapping) take their declared
    position even before they have data, so "validation" keeps its colour
    whichever series the demo sends first; the others follow in arrival order.
    """
    index = {key: i for i, key in enumerate(_spec_series(spec))}
    for key in panel.series:
        index.setdefault(key, len(index))
    return index


def _display_order(spec: Mapping[str, Any], panel: PanelData) -> list[tuple[str, int]]:
    index = _series_index(spec, panel)
    return sorted(((key, index[key]) for key in panel.series), key=lambda item: item[1])


def series_color(index: int) -> int:
    """The xterm-256 colour of the series at `index` (wraps around PALETTE)."""
    return PALETTE[index % len(PALETTE)]


def _glyph(index: int) -> str:
    return GLYPHS[index % len(GLYPHS)]


def _clamp(value: float) -> float:
    return _CLAMP if value > _CLAMP else -_CLAMP if value < -_CLAMP else value


def _prepared(xs: Sequence[float], ys: Sequence[float], log: bool) -> tuple[list[float], list[float]]:
    """The drawable points: finite, positive on a log scale (then as log10), clamped."""
    finite = math.isfinite
    if log:
        pairs = [(_clamp(x), math.log10(y)) for x, y in zip(xs, ys) if finite(x) and finite(y) and y > 0]
    else:
        pairs = [(_clamp(x), _clamp(y)) for x, y in zip(xs, ys) if finite(x) and finite(y)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def _envelope(xs: list[float], ys: list[float], buckets: int) -> tuple[list[float], list[float]]:
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


# ---------------------------------------------------------------- canvas


@dataclass(frozen=True)
class _Layer:
    xs: list[float]
    ys: list[float]
    color: int | None
    glyph: str


def _blank(width: int, height: int) -> str:
    return "\n".join(" " * max(0, width) for _ in range(max(0, height)))


def _is_log(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("yscale", "linear")).lower() == "log"


def _is_bar(spec: Mapping[str, Any], panel: PanelData) -> bool:
    return str(spec.get("kind", "line")).lower() == "bar" or (bool(panel.bar_labels) and not panel.series)


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
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _blank(width, height)
    try:
        import plotext  # deferred: importing it costs ~0.1 s, which the first screen must not pay

        with _LOCK, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            # plotext reports some conditions by printing; the UI owns the terminal.
            if _is_bar(spec, panel):
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
        if _is_bar(spec, panel):
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


def _finish(figure: Any, x: _Axis, y: _Axis, color: bool) -> str:
    figure.ruler("x").lim(x.lo, x.hi)
    figure.ruler("x").ticks(list(x.ticks), list(x.labels))
    figure.ruler("y").lim(y.lo, y.hi)
    figure.ruler("y").ticks(list(y.ticks), list(y.labels))
    return figure.build().string(colorless=not color)


def _y_axis(lo: float, hi: float, height: int, width: int, log: bool, movable: tuple[bool, bool] = (True, True)) -> _Axis:
    # The rows inside the frame, less the x tick row.
    rows = max(1, height - 3)
    most = min(5, max(2, (rows + 2) // 2)) if rows >= 2 else 1
    # plotext overprints ticks that share a row; a free row between labels
    # reads better wherever there is room for one.
    gap = 2 if rows >= 6 else 1

    def fits(axis: _Axis) -> bool:
        if width - axis.widest - 2 < 2 or len(set(axis.labels)) < len(axis.labels):
            return False
        scale = (rows - 1) / (axis.hi - axis.lo)
        places = [round((t - axis.lo) * scale) for t in axis.ticks]
        return all(b - a >= gap for a, b in zip(places, places[1:]))

    if log:
        return _log_axis(lo, hi, most, fits, movable)
    return _linear_axis(lo, hi, most, fits, movable=movable)


def _line_plan(spec: Mapping[str, Any], panel: PanelData, previous: PanelData | None, width: int, height: int,
               hidden: Collection[str] = ()) -> tuple[list[_Layer], _Axis, _Axis]:
    """The curves to draw and both axes: everything but the drawing itself."""
    log = _is_log(spec)
    # One stretch per cell column, two points each: as many as braille has
    # dot columns. plotext spends ~20 µs a point on the UI thread.
    budget = max(1, width)
    layers: list[_Layer] = []
    if previous is not None:
        for series in previous.series.values():
            xs, ys = _envelope(*_prepared(series.xs, series.ys, log), budget)
            layers.append(_Layer(xs, ys, PREVIOUS_COLOR, PREVIOUS_GLYPH))
    for key, index in _display_order(spec, panel):
        if key in hidden:
            continue
        series = panel.series[key]
        xs, ys = _envelope(*_prepared(series.xs, series.ys, log), budget)
        layers.append(_Layer(xs, ys, series_color(index), _glyph(index)))
    layers = [layer for layer in layers if layer.xs]

    ylim = _ylim(spec, log)
    x_lo, x_hi = _limits((x for layer in layers for x in layer.xs), log=False)
    y_lo, y_hi = _y_limits((y for layer in layers for y in layer.ys), log, ylim)
    y_axis = _y_axis(y_lo, y_hi, height, width, log, movable=(ylim[0] is None, ylim[1] is None))
    # Steps and epochs are whole numbers: a tick between two of them names nothing.
    integer = all(x.is_integer() for layer in layers for x in layer.xs)
    x_axis = _fit_x_axis(x_lo, x_hi, width - y_axis.widest - 2, integer)
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
              ) -> tuple[list[float], list[float], _Axis, _Axis]:
    """The bars to draw (positions 1 … n, heights) and both axes."""
    log = _is_log(spec)
    positions: list[float] = []
    heights: list[float] = []
    for i, value in enumerate(panel.bar_values):
        if not math.isfinite(value) or (log and value <= 0):
            continue
        positions.append(i + 1.0)
        heights.append(math.log10(value) if log else min(_CLAMP, max(-_CLAMP, value)))

    ylim = _ylim(spec, log)
    if log:
        # Bars rise from the decade below the smallest one (or from a fixed
        # floor), so even that bar has a height: heights and ticks are drawn
        # relative to that base.
        lo, hi = _y_limits(heights, True, ylim)
        base = lo if ylim[0] is not None else math.ceil(lo) - 1
        axis = _y_axis(base, hi, height, width, log=True, movable=(False, ylim[1] is None))
        y_axis = _Axis(0.0, axis.hi - base, tuple(t - base for t in axis.ticks), axis.labels)
        heights = [h - base for h in heights]
    else:
        lo, hi = _y_limits([0.0, *heights], False, ylim)
        y_axis = _y_axis(lo, hi, height, width, log=False, movable=(ylim[0] is None, ylim[1] is None))

    count = len(panel.bar_values)
    plot_width = width - y_axis.widest - 2
    names = [_bar_axis_label(label, i) for i, label in enumerate(panel.bar_labels)]
    if sum(len(name) + 1 for name in names) > plot_width:
        names = [str(i + 1) for i in range(count)]
    if sum(len(name) + 1 for name in names) > plot_width:
        names = []
    x_axis = _Axis(0.5, max(1, count) + 0.5, tuple(float(i + 1) for i in range(len(names))), tuple(names))
    return positions, heights, x_axis, y_axis


def _draw_bars(plotext: Any, spec: Mapping[str, Any], panel: PanelData, width: int, height: int, color: bool) -> str:
    positions, heights, x_axis, y_axis = _bar_plan(spec, panel, width, height)
    figure = _start(plotext, width, height)
    if positions:
        marker = plotext.marker("braille", pixel=plotext.pixel(foreground=series_color(0))) if color else BAR_GLYPH
        figure.draw(figure.bar(positions, heights, marker=marker))
    return _finish(figure, x_axis, y_axis, color)


# ---------------------------------------------------------------- captions


@dataclass(frozen=True)
class Captions:
    """The text around a canvas, each line at most `width` cells wide.

    `keys` is one line naming the series, for when there is room for one
    legend line only: whole entries, as many as fit, then "…" (never half a
    name: the part cut would be the one telling curves apart, "LR=0.1");
    it is empty with fewer than two series, where colour tells nothing apart.
    `title` is the title shortened to one line (`chart_titles.shorten`),
    `title_lines` the whole title wrapped to the width.
    """

    title: Line
    legend: tuple[Line, ...]
    readout: tuple[Line, ...]
    keys: Line = ()
    title_lines: tuple[Line, ...] = ()


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def crop(spans: Sequence[Span], width: int) -> Line:
    """`spans` cut to at most `width` cells, ending in "…" when something was cut."""
    total = sum(cell_len(text) for text, _ in spans)
    if total <= width:
        return tuple(spans)
    out: list[Span] = []
    room = max(0, width - 1)
    for text, style in spans:
        size = cell_len(text)
        if size <= room:
            out.append((text, style))
            room -= size
            continue
        if room:
            # set_cell_size pads with a space where the cut would halve a
            # wide character, so the width stays exact.
            out.append((set_cell_size(text, room), style))
        break
    if width >= 1:
        out.append(("…", out[-1][1] if out else None))
    return tuple(out)


#: Between legend entries.
_GAP = "  "


def pack(chunks: Iterable[Sequence[Span]], width: int, gap: str = _GAP) -> tuple[Line, ...]:
    """Chunks side by side, wrapped onto new lines by cells; a chunk never splits."""
    lines: list[list[Span]] = []
    used = 0
    for chunk in chunks:
        chunk = crop(chunk, width)
        size = sum(cell_len(text) for text, _ in chunk)
        if lines and used + cell_len(gap) + size <= width:
            lines[-1].append((gap, None))
            lines[-1].extend(chunk)
            used += cell_len(gap) + size
        else:
            lines.append(list(chunk))
            used = size
    return tuple(tuple(line) for line in lines)


def _display_name(key: str, spec: Mapping[str, Any], gettext: Gettext) -> str:
    label = _spec_series(spec).get(key)
    return gettext(label) if label else key


def _axis_name(spec: Mapping[str, Any], axis: str, gettext: Gettext) -> str:
    name = spec.get(axis)
    return gettext(str(name)) if name else axis


def legend_keys(spec: Mapping[str, Any] | None, panel: PanelData | None, gettext: Gettext = _identity) -> list[tuple[str, str, int, bool]]:
    """(key, display name, colour index, diverged) per series, in legend order."""
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    return [(key, _display_name(key, spec, gettext), index, key in panel.diverged) for key, index in _display_order(spec, panel)]


def _same_points(a: Series, b: Series) -> bool:
    """Whether two series draw the same curve: same x, y equal to float32 precision.

    float32 because demos compute in it: two runs that agree mathematically
    (lesson 8.3's LR=0.1 and LR=0.9) differ there in the last bit.
    """
    if len(a) != len(b) or not len(a) or not math.isclose(a.last or 0.0, b.last or 0.0, rel_tol=1e-5):
        return False
    return a.xs == b.xs and all(math.isclose(p, q, rel_tol=1e-5) for p, q in zip(a.ys, b.ys))


def _hidden_under(spec: Mapping[str, Any], panel: PanelData) -> dict[str, str]:
    """Series whose whole curve is covered by a later one: key → the key on top.

    Curves are drawn in legend order, so the last of a set of identical ones
    is the one seen; every earlier one is named after it.
    """
    order = [key for key, _ in _display_order(spec, panel)]
    hidden = {}
    for i, key in enumerate(order):
        for later in reversed(order[i + 1:]):
            if _same_points(panel.series[key], panel.series[later]):
                hidden[key] = later
                break
    return hidden


def _has_points(panel: PanelData | None) -> bool:
    return panel is not None and any(len(series) for series in panel.series.values())


def captions(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    gettext: Gettext = _identity,
    ui_gettext: Gettext = _identity,
    *,
    previous: PanelData | None = None,
    color: bool = True,
    hidden: Collection[str] = (),
    numbered: bool = False,
) -> Captions:
    """Title, legend and readout lines for one panel, laid out by cells.

    `gettext` translates the lesson's strings (title, axis and series names:
    the "lessons" domain); `ui_gettext` the fixed words this module adds
    ("diverged", "previous run", …: the "tui" domain). The legend ends with
    the axis names; its keys match `render_canvas` with the same `color`.
    `numbered` puts each series' number (1, 2, …: the focus view's keys to
    hide it) before its key; a series in `hidden` is named in grey, "hidden".
    """
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    width = max(1, int(width))
    title = gettext(str(spec["title"])) if spec.get("title") else ""

    chunks: list[list[Span]] = []
    series_count = 0
    if not _is_bar(spec, panel):
        keys = legend_keys(spec, panel, gettext)
        series_count = len(keys)
        covered = _hidden_under(spec, panel)
        for number, (key, name, index, diverged) in enumerate(keys, 1):
            if key in covered:
                # Colour cannot show a curve that another one covers; words can.
                name = ui_gettext(_SAME_AS).format(name=name, other=_display_name(covered[key], spec, gettext))
            chunk: list[Span] = [(f"{number} ", "axis")] if numbered else []
            if key in hidden:
                chunk += [(KEY_GLYPH if color else _glyph(index), "previous"),
                          (f" {name} ({ui_gettext(_HIDDEN)})", "previous")]
            else:
                chunk += [(KEY_GLYPH if color else _glyph(index), series_color(index)), (" " + name, None)]
            if diverged:
                chunk.append((" " + ui_gettext(_DIVERGED), "diverged"))
            chunks.append(chunk)
        if _has_points(previous):
            chunks.append([(KEY_GLYPH if color else PREVIOUS_GLYPH, "previous"), (" " + ui_gettext(_PREVIOUS), "previous")])
    key_chunks = list(chunks)
    y_name = _axis_name(spec, "y", gettext)
    if _is_log(spec):
        y_name = ui_gettext(_LOG_TEXT).format(axis=y_name)
    chunks.append([(f"x: {_axis_name(spec, 'x', gettext)}", "axis")])
    chunks.append([(f"y: {y_name}", "axis")])

    legend = pack(chunks, width)
    return Captions(
        title=((chart_titles.shorten(title, width), "title"),) if title else (),
        title_lines=tuple(((line, "title"),) for line in chart_titles.wrap(title, width)),
        legend=legend,
        readout=pack(_readout_chunks(spec, panel, gettext, ui_gettext), width, gap=ui_gettext(_READOUT_SEPARATOR)),
        keys=_keys_line(key_chunks, legend, width) if series_count >= 2 else (),
    )


def _keys_line(chunks: list[list[Span]], legend: tuple[Line, ...], width: int) -> Line:
    """Every legend key on one line: the legend's first line if it holds them all,
    else the whole entries that fit, then "…"."""
    if len(pack(chunks, width)) == 1:
        return legend[0]
    spans: list[Span] = []
    used = 0
    for chunk in chunks:
        size = sum(cell_len(text) for text, _ in chunk) + (cell_len(_GAP) if spans else 0)
        if used + size + cell_len(_GAP) + 1 > width:
            break
        if spans:
            spans.append((_GAP, None))
        spans.extend(chunk)
        used += size
    if not spans:
        # Not even one entry fits: its start is better than nothing.
        return crop(list(chunks[0]), width)
    return (*spans, (_GAP + "…", None))


def _readout_chunks(spec: Mapping[str, Any], panel: PanelData, gettext: Gettext, ui_gettext: Gettext) -> list[list[Span]]:
    if panel.is_empty:
        return [[(ui_gettext(_NO_DATA), "readout")]]
    x_name = _axis_name(spec, "x", gettext)
    chunks: list[list[Span]] = []
    readouts: list[SeriesReadout] = list(panel.readout())
    if not panel.bar_labels:
        order = {key: i for i, (key, _) in enumerate(_display_order(spec, panel))}
        readouts.sort(key=lambda r: order.get(r.name, len(order)))
    for r in readouts:
        name = _display_name(r.name, spec, gettext)
        if panel.bar_labels:
            text = ui_gettext(_READOUT_BAR).format(name=name, value=format_number(r.last))
            chunks.append([(text, "readout")])
        elif r.diverged:
            text = ui_gettext(_READOUT_DIVERGED).format(name=name, axis=x_name, x=format_number(r.diverged_at))
            chunks.append([(text, "diverged")])
        elif r.last is None:
            chunks.append([(ui_gettext(_READOUT_EMPTY).format(name=name), "readout")])
        else:
            text = ui_gettext(_READOUT).format(name=name, last=format_number(r.last), min=format_number(r.min))
            chunks.append([(text, "readout")])
    return chunks


#: The smallest canvas worth drawing: the frame, two plotted rows and the x tick labels.
MIN_CANVAS_HEIGHT = 5
#: The canvas height reached before any caption line beyond the essential ones.
ROOMY_CANVAS_HEIGHT = 8


@dataclass(frozen=True)
class Arrangement:
    """Caption lines above and below a canvas of `canvas_height` lines (0: no canvas)."""

    above: tuple[Line, ...]
    canvas_height: int
    below: tuple[Line, ...]


def arrange(caps: Captions, width: int, height: int) -> Arrangement:
    """What fits in `height` lines: the canvas first, then captions by importance.

    In order: a whole canvas of MIN_CANVAS_HEIGHT (its x tick labels are
    what make it readable) with, for two or more series, the keys line, as
    colour alone must not tell curves apart; the title; the first readout
    line; the canvas up to ROOMY_CANVAS_HEIGHT; the rest of the legend; the
    rest of the readout; the remainder to the canvas. Too small for that
    minimum, a panel shows its title and readout only: numbers say more than
    a squashed plot.
    """
    height = max(0, int(height))
    title = (caps.title,) if plain(caps.title) else ()
    keys = (caps.keys,) if caps.keys else ()
    if width < MIN_WIDTH or height < MIN_CANVAS_HEIGHT + len(keys):
        readout = caps.readout[:height]
        return Arrangement(title[: height - len(readout)], 0, readout)
    room = height - MIN_CANVAS_HEIGHT - len(keys)
    above = title[:room]
    room -= len(above)
    readout = caps.readout[: min(1, room)]
    room -= len(readout)
    legend = keys
    if not legend and caps.legend and room:
        # One series, or bars: the legend's line names the axes.
        legend = caps.legend[:1]
        room -= 1
    canvas = MIN_CANVAS_HEIGHT + min(room, ROOMY_CANVAS_HEIGHT - MIN_CANVAS_HEIGHT)
    room -= canvas - MIN_CANVAS_HEIGHT
    if legend and len(caps.legend) - len(legend) <= room:
        room -= len(caps.legend) - len(legend)
        legend = caps.legend
    more = caps.readout[len(readout): len(readout) + room] if readout else ()
    return Arrangement(above, canvas + room - len(more), legend + readout + more)


def render_panel_text(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    gettext: Gettext = _identity,
    *,
    ui_gettext: Gettext = _identity,
    previous: PanelData | None = None,
    height: int = DEFAULT_TEXT_HEIGHT,
) -> str:
    """One panel as plain text for `gradtour run`: title, canvas, legend with axis names, readout.

    Every line is at most `width` terminal cells (trailing spaces trimmed).
    """
    width = max(MIN_WIDTH, int(width))
    caps = captions(spec, panel, width, gettext, ui_gettext, previous=previous, color=False)
    canvas = render_canvas(spec, panel, width, height, previous=previous, color=False)
    lines = [*map(plain, caps.title_lines), *canvas.split("\n"), *map(plain, caps.legend), *map(plain, caps.readout)]
    return "\n".join(line.rstrip() for line in lines)
