"""The heat-map chart: a grid of cells, one per (x, y) setting, shaded by its
number (`kind: heatmap` in a lesson's `charts:`; the demo sends the grid with
`chart.heatmap`). 8.4's lr × momentum convergence map and 8.6's layer × step
gradient strips are drawn by it.

Like the landscape, it is drawn here once for every front end: plot.py and
its `captions` hand a heat-map panel to this module, so the TUI's chart, the
focus view (with a cell cursor) and `gradtour run` show the same picture.

How it is drawn, and why:

* A cell is a block of terminal cells, all blocks the same size, as large as
  the canvas allows; a grid with more columns (or rows) than the canvas has
  shows, in each terminal cell, the cell at its centre. The focus view's
  readout names the exact cell under the cursor either way.
* A cell's number falls in one of at most nine levels with round edges
  (1-2-5 steps; on `zscale: log`, decades or 1-2-5 within them), painted on a
  ramp of xterm-256 colours that darkens with the number and rises in
  luminance level by level, so that NO_COLOR's grey rendering keeps the order;
  the level's digit (1 = lowest) is drawn in the block too, so that the map
  reads without colour at all. The key in the legend gives each digit its
  range of numbers. The map paints its own backgrounds: it looks the same in
  the dark, light and high-contrast themes.
* A diverged cell (NaN) is `×`, one that never reached the target within the
  budget (+inf) is `·`, both on the theme's own background.
* The run's own setting (the event's `mark`: the values of the panel's
  `x_param` and `y_param`) is `*`; the focus view's cursor is its block in
  reverse video, bracketed where the block is three cells wide.
* Axis labels are round numbers (axes.py) placed where they fall between the
  cells' values, on a log scale when the values are spaced geometrically
  (learning rates often are).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.color import Color
from rich.style import Style
from rich.text import Text

from lessons.charts import titles as chart_titles
from lessons.charts.axes import Axis, clamp, format_number, round_ticks
from lessons.charts.captions import Captions, Gettext, Span, crop, identity, pack
from lessons.charts.data import Heatmap, PanelData
from lessons.charts.kinds import is_heatmap
from lessons.charts.series import sgr
from lessons.course.i18n import N_

__all__ = [
    "CURSOR_STYLE", "DIVERGED_GLYPH", "LEVEL_GLYPHS", "MARK_GLYPH", "RAMP", "UNREACHED_GLYPH", "Levels",
    "captions", "cell_of", "cell_readout", "grid_of", "is_heatmap", "levels", "render_canvas", "render_text", "separator",
    "text_height",
]

#: A level's glyph is its number: 1 is the lowest.
LEVEL_GLYPHS = "123456789"
MAX_LEVELS = len(LEVEL_GLYPHS)
DIVERGED_GLYPH = "×"
UNREACHED_GLYPH = "·"
MARK_GLYPH = "*"
#: The colour ramp, lowest first (xterm-256): purple, blues, greens, yellow, as
#: viridis goes, and rising in luminance at every step (0.03 … 0.93), so that
#: Textual's NO_COLOR greys keep the order. Fewer levels take evenly spaced
#: entries of it.
RAMP: tuple[int, ...] = (53, 61, 67, 36, 77, 113, 149, 220, 226)
#: Digits on the ramp: black on the light colours, white on the dark ones.
_DARK_TEXT, _LIGHT_TEXT = 16, 231
_LIGHT_RAMP = frozenset((67, 36, 77, 113, 149, 220, 226))
_DIVERGED_FG = 196
_UNREACHED_FG = 244
#: The cursor's style where the canvas is plain text (gradtour run has no cursor).
CURSOR_STYLE = "reverse"

_DIVERGED = N_("diverged")
_UNREACHED = N_("not reached")
_MARK = N_("this run's setting")
_NO_DATA = N_("no data yet")
_RANGE = N_("{z}: {lo} to {hi}")
_LOG_TEXT = N_("{axis} (log scale)")
_DIVERGED_COUNT = N_("{count} diverged")
_UNREACHED_COUNT = N_("{count} not reached")
_MARK_AT = N_("this run ({x}, {y}): {value}")
_AT = N_("{axis} {x}")
_VALUE = N_("{name}: {value}")
_SEPARATOR = N_(" · ")
_READOUT_SEPARATOR = N_("; ")

MIN_WIDTH = 8
MIN_HEIGHT = 3


#: Lines of `gradtour run`'s canvas at most: a row per grid row up to this.
TEXT_HEIGHT = 31


def text_height(panel: PanelData | None, previous: PanelData | None = None) -> int:
    """The canvas height `gradtour run` prints: a line per grid row (and the x labels), within TEXT_HEIGHT."""
    grid = grid_of(panel, previous)
    return min(TEXT_HEIGHT, max(MIN_HEIGHT, (len(grid.ys) if grid is not None else 0) + 1))


def is_log(spec: Mapping[str, Any] | None) -> bool:
    return str((spec or {}).get("zscale", "linear")).lower() == "log"


# --- levels ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Levels:
    """How numbers become levels: `edges` are the inner boundaries (a number
    at an edge belongs to the level above it); `labels` say each level's range."""

    edges: tuple[float, ...]
    labels: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.labels)

    def level(self, value: float) -> int:
        """0 … count-1 for a finite number; on a log scale zero and below are the lowest level."""
        return min(self.count - 1, bisect_right(self.edges, value))

    def color(self, level: int) -> int:
        if self.count <= 1:
            return RAMP[len(RAMP) // 2]
        return RAMP[round(level * (len(RAMP) - 1) / (self.count - 1))]


def _linear_edges(lo: float, hi: float, integer: bool) -> list[float]:
    """Round edges in (lo, hi], a step of 1, 2, 2.5 or 5 times a power of ten (whole for counts)."""
    exponent = math.floor(math.log10((hi - lo) / MAX_LEVELS))
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * 10.0**exponent
            if integer and not float(step).is_integer():
                continue
            first, last = math.floor(lo / step + 1e-9), math.floor(hi / step + 1e-9)
            if last - first + 1 <= MAX_LEVELS:
                return [_round_edge(k * step) for k in range(first + 1, last + 1)]
        exponent += 1


def _round_edge(value: float) -> float:
    # 3 * 0.1 is 0.30000000000000004: an edge is the round number it stands for.
    return float(f"{value:.12g}")


def _log_edges(lo: float, hi: float) -> list[float]:
    """Round edges in (lo, hi] of two positive numbers: 1…9, 1-2-5, 1-3 per decade, then every k-th decade."""
    first, last = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1

    def within(edges):
        return [e for e in edges if lo * (1 + 1e-12) < e <= hi * (1 + 1e-12)]

    for mantissas in ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,)):
        edges = within(float(f"{m}e{k}") for k in range(first, last + 1) for m in mantissas)
        if len(edges) + 1 <= MAX_LEVELS:
            return edges
    stride = 2
    while True:
        edges = within(float(f"1e{k}") for k in range(first, last + 1) if k % stride == 0)
        if len(edges) + 1 <= MAX_LEVELS:
            return edges
        stride += 1


def levels(heatmap: Heatmap | None, log: bool = False) -> Levels:
    """The levels of a grid's finite numbers; no levels when it has none."""
    # Clamped like a curve's values (axes.clamp), so that no span overflows to inf.
    values = [clamp(v) for v in heatmap.finite()] if heatmap is not None else []
    if not values:
        return Levels((), ())
    lo, hi = min(values), max(values)
    positive = [v for v in values if v > 0]
    if log and positive:
        low = min(positive)
        edges = _log_edges(low, hi) if hi > low else []
    else:
        edges = _linear_edges(lo, hi, all(float(v).is_integer() for v in values)) if hi > lo else []
    if not edges:
        return Levels((), (format_number(lo) if lo == hi else f"{format_number(lo)}–{format_number(hi)}",))
    text = [format_number(e) for e in edges]
    labels = [f"<{text[0]}", *(f"{a}–{b}" for a, b in zip(text, text[1:])), f"≥{text[-1]}"]
    if all(float(v).is_integer() for v in values + edges):
        # Counts (steps to converge): a level [a, b) holds a … b-1, and one
        # that holds a single number says that number, not "2–3" for the 2s.
        labels = [f"≤{format_number(edges[0] - 1)}"]
        for a, b in zip(edges, edges[1:]):
            labels.append(format_number(a) if b - a == 1 else f"{format_number(a)}–{format_number(b - 1)}")
        labels.append(f"≥{text[-1]}")
    return Levels(tuple(edges), tuple(labels))


# --- layout ----------------------------------------------------------------------------


class _Placement:
    """Where the n cells of one axis fall among `room` terminal cells.

    n ≤ room: blocks of `size` cells each (the rest of the room unused);
    n > room: one terminal cell per position, showing the cell at its centre.
    Indexes count from the left, or (rows) from the top.
    """

    def __init__(self, n: int, room: int) -> None:
        self.n = n
        self.size = room // n if 0 < n <= room else 1
        self.used = n * self.size if n <= room else room
        self.scale = self.size if n <= room else room / n
        self.index = [min(n - 1, int((p + 0.5) / self.scale)) for p in range(self.used)]
        self._spans: dict[int, list[int]] = {}
        for p, i in enumerate(self.index):
            self._spans.setdefault(i, []).append(p)

    def span(self, i: int) -> list[int]:
        """The terminal cells that show cell i; where sampling left it out, the one nearest it."""
        return self._spans.get(i) or [self.position(i)]

    def centre(self, i: int) -> int:
        span = self.span(i)
        return span[len(span) // 2]

    def position(self, fractional_index: float) -> int:
        """The terminal cell of a fractional cell index (for a tick between two cells' values)."""
        return min(self.used - 1, max(0, int((fractional_index + 0.5) * self.scale)))


def _geometric(values: Sequence[float]) -> bool:
    """Whether the values are spaced evenly on a log scale rather than a linear one."""
    if len(values) < 3 or values[0] <= 0:
        return False
    linear = [b - a for a, b in zip(values, values[1:])]
    ratios = [math.log(b / a) for a, b in zip(values, values[1:])]

    def spread(steps: list[float]) -> float:
        return (max(steps) - min(steps)) / max(abs(s) for s in steps)

    return spread(ratios) < spread(linear)


def _fractional_index(values: Sequence[float], value: float, log: bool) -> float | None:
    """Where `value` lies among the rising `values`, as a fractional index (None: outside)."""
    if len(values) == 1:
        return 0.0 if value == values[0] else None
    keyed = [math.log10(v) for v in values] if log else list(values)
    target = math.log10(value) if log else value
    if not keyed[0] - 1e-9 * abs(keyed[0]) <= target <= keyed[-1] + 1e-9 * abs(keyed[-1]):
        return None
    i = min(len(keyed) - 2, max(0, bisect_right(keyed, target) - 1))
    return i + (target - keyed[i]) / (keyed[i + 1] - keyed[i])


#: Up to this many cells along an axis are labelled with their own values, where they fit.
OWN_LABELS = 10


def _ticks(values: Sequence[float], place: _Placement, most: int, fits: Callable[[list[tuple[int, str]]], bool]
           ) -> list[tuple[int, str]]:
    """(terminal position, label) of round values along an axis of cells."""
    own = [(place.centre(i), format_number(v)) for i, v in enumerate(values)]
    if len(values) <= OWN_LABELS and fits(own):
        # Few cells: each one's own value says more than round numbers between them.
        return own
    log = _geometric(values)
    integer = all(float(v).is_integer() for v in values)
    lo, hi = values[0], values[-1]

    def placed(axis: Axis) -> list[tuple[int, str]]:
        out = []
        for tick, label in zip(axis.ticks, axis.labels):
            index = _fractional_index(values, 10.0**tick if log else tick, log)
            if index is not None:
                out.append((place.position(index), label))
        return out

    axis = round_ticks(math.log10(lo) if log else lo, math.log10(hi) if log else hi, most,
                       lambda axis: fits(placed(axis)), log=log, integer=integer)
    found = placed(axis)
    if len(found) >= 2:
        return found
    ends = [(place.centre(0), format_number(lo)), (place.centre(len(values) - 1), format_number(hi))]
    return ends if fits(ends) else ends[:1]


class _Frame:
    """The canvas: y labels on the left, `│`, the cells; a line of x labels below."""

    def __init__(self, heatmap: Heatmap, width: int, height: int) -> None:
        rows = height - 1
        self.rows_place = _Placement(len(heatmap.ys), rows)

        def y_fits(ticks: list[tuple[int, str]]) -> bool:
            # A label a line: each is read on its own line (the tick count keeps them sparse).
            places = [p for p, _ in ticks]
            return len(set(places)) == len(places)

        # Row 0 of the grid is the bottom, and the cells sit on the x axis'
        # line: tick positions count up from there.
        ticks = _ticks(heatmap.ys, self.rows_place, max(2, min(6, rows // 2)), y_fits)
        offset = rows - self.rows_place.used
        self.y_labels = {offset + self.rows_place.used - 1 - p: label for p, label in ticks}
        self.label_width = max((len(label) for label in self.y_labels.values()), default=0)
        self.cols_place = _Placement(len(heatmap.xs), max(1, width - self.label_width - 1))
        self.top = offset
        self.width, self.height, self.rows = width, height, rows

        def x_fits(ticks: list[tuple[int, str]]) -> bool:
            spans = sorted((start, start + len(label)) for start, label in self._x_starts(ticks))
            return (all(a[1] + 1 <= b[0] for a, b in zip(spans, spans[1:]))
                    and all(0 <= s and e <= width - self.label_width - 1 for s, e in spans))

        self.x_ticks = _ticks(heatmap.xs, self.cols_place, max(2, min(8, width // 6)), x_fits)

    def y_label(self, row: int) -> str:
        return self.y_labels.get(row, "").rjust(self.label_width)

    def _x_starts(self, ticks: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Where each x label starts: centred on its tick, moved inside the line at
        either end (the first cell's label, "0.01", cannot centre on column 1)."""
        room = self.width - self.label_width - 1
        return [(max(0, min(position - len(label) // 2, room - len(label))), label) for position, label in ticks]

    def x_axis(self) -> str:
        line = [" "] * (self.width - self.label_width - 1)
        for at, label in self._x_starts(self.x_ticks):
            for k, ch in enumerate(label):
                if at + k < len(line):
                    line[at + k] = ch
        return (" " * (self.label_width + 1) + "".join(line))[: self.width]


# --- drawing -----------------------------------------------------------------------------

# A cell: (text, foreground, background, bold, reverse); colours are xterm-256 numbers.
_Cell = tuple[str, "int | None", "int | None", bool, bool]
_BLANK: _Cell = (" ", None, None, False, False)


def cell_of(heatmap: Heatmap | None, x: float, y: float) -> tuple[int, int] | None:
    """The (column, row) of the cell nearest to the setting (x, y), None outside the grid."""
    if heatmap is None:
        return None
    found = []
    for values, value in ((heatmap.xs, x), (heatmap.ys, y)):
        index = _fractional_index(values, value, _geometric(values) and value > 0)
        if index is None:
            return None
        found.append(min(len(values) - 1, max(0, round(index))))
    return found[0], found[1]


def grid_of(panel: PanelData | None, previous: PanelData | None = None) -> Heatmap | None:
    """The grid a panel shows: its own, else (a new run that has sent none yet) the previous run's."""
    for source in (panel, previous):
        if source is not None and source.heatmap is not None:
            return source.heatmap
    return None


class _Base:
    """A grid drawn without the cursor, for one size: while the learner moves the
    cursor (or a strip grows) only the rows the cursor covers are drawn again."""

    def __init__(self, heatmap: Heatmap, frame: _Frame, grid: list[list[_Cell]]) -> None:
        self.heatmap, self.frame, self.grid = heatmap, frame, grid
        #: each row's rich Text, built the first time the TUI asks for it
        self.texts: list[Text | None] = [None] * len(grid)


_base_cache: dict[tuple, _Base] = {}


def _base(heatmap: Heatmap, log: bool, width: int, height: int, color: bool) -> _Base:
    key = (id(heatmap), log, width, height, color)
    hit = _base_cache.get(key)
    if hit is not None and hit.heatmap is heatmap:
        return hit
    frame = _Frame(heatmap, width, height)
    cols, rows = frame.cols_place, frame.rows_place
    scale = levels(heatmap, log)
    # Each grid cell's look, shown (its glyph) and as the rest of its block.
    looks = [[(_cell(v, scale, True, color), _cell(v, scale, False, color)) for v in row] for row in heatmap.z]
    # A glyph in every terminal cell of a block when plain (nothing else tells
    # a block from its neighbours); in colour, one at its centre on its colour.
    centre_cols = {cols.centre(i) for i in range(cols.n)} if color else None
    centre_rows = {rows.centre(j) for j in range(rows.n)} if color else None
    grid: list[list[_Cell]] = []
    for line in range(frame.rows):
        r = line - frame.top
        out: list[_Cell] = [_BLANK] * (width - frame.label_width - 1)
        if 0 <= r < rows.used:
            row = looks[rows.n - 1 - rows.index[r]]
            show_row = centre_rows is None or r in centre_rows
            for c in range(cols.used):
                shown, hidden = row[cols.index[c]]
                out[c] = shown if show_row and (centre_cols is None or c in centre_cols) else hidden
        grid.append(out)
    mark = cell_of(heatmap, *heatmap.mark) if heatmap.mark is not None else None
    if mark is not None:
        c, r = cols.centre(mark[0]), rows.centre(rows.n - 1 - mark[1])
        text, fg, bg, _bold, reverse = grid[frame.top + r][c]
        grid[frame.top + r][c] = (MARK_GLYPH, fg if bg is not None else None, bg, True, reverse)
    if len(_base_cache) > 8:
        _base_cache.clear()
    _base_cache[key] = base = _Base(heatmap, frame, grid)
    return base


def _draw(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, color: bool,
          cursor: tuple[int, int] | None, previous: PanelData | None = None
          ) -> tuple[_Base, list[list[_Cell]]] | None:
    """The base drawing and the rows to show: the base's own, but for the rows the cursor covers."""
    heatmap = grid_of(panel, previous)
    if heatmap is None or width < MIN_WIDTH or height < MIN_HEIGHT:
        return None
    base = _base(heatmap, is_log(spec), width, height, color)
    frame, grid = base.frame, list(base.grid)
    cols, rows = frame.cols_place, frame.rows_place
    if cursor is not None and 0 <= cursor[0] < cols.n and 0 <= cursor[1] < rows.n:
        span_c = cols.span(cursor[0])
        for r in rows.span(rows.n - 1 - cursor[1]):
            line = grid[frame.top + r] = list(grid[frame.top + r])
            for c in span_c:
                text, fg, bg, bold, _reverse = line[c]
                line[c] = (text, fg, bg, bold, True)
            if len(span_c) >= 3:
                for c, bracket in ((span_c[0], "["), (span_c[-1], "]")):
                    text, fg, bg, bold, reverse = line[c]
                    line[c] = (bracket, fg, bg, True, reverse)
    return base, grid


def _cell(value: float, scale: Levels, show: bool, color: bool) -> _Cell:
    if math.isnan(value):
        return (DIVERGED_GLYPH if show else " ", _DIVERGED_FG if color else None, None, color, False)
    if value == math.inf:
        return (UNREACHED_GLYPH if show else " ", _UNREACHED_FG if color else None, None, False, False)
    level = scale.level(value)
    glyph = LEVEL_GLYPHS[level] if show else " "
    if not color:
        return (glyph, None, None, False, False)
    bg = scale.color(level)
    return (glyph, _DARK_TEXT if bg in _LIGHT_RAMP else _LIGHT_TEXT, bg, False, False)


def _blank(width: int, height: int) -> str:
    return "\n".join(" " * max(0, width) for _ in range(max(0, height)))


def render_canvas(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                  color: bool = True, cursor: tuple[int, int] | None = None,
                  previous: PanelData | None = None) -> str:
    """The heat map of `panel` as `height` lines of `width` cells (ANSI colours with `color`).

    `cursor`: the (column, row) of the grid cell to mark, row 0 the bottom.
    `previous`: the last run's panel, drawn until this run sends its grid.
    """
    width, height = int(width), int(height)
    drawn = _draw(spec, panel, width, height, color, cursor, previous)
    if drawn is None:
        return _blank(width, height)
    frame, grid = drawn[0].frame, drawn[1]
    lines = []
    for r, cells in enumerate(grid):
        if color:
            out, style = [], None
            for text, fg, bg, bold, reverse in cells:
                if (fg, bg, bold, reverse) != style:
                    style = (fg, bg, bold, reverse)
                    out.append(sgr(fg, bg, bold=bold, reverse=reverse))
                out.append(text)
            out.append("\x1b[0m")
            body = "".join(out)
        else:
            body = "".join(cell[0] for cell in cells)
        lines.append(frame.y_label(r) + "│" + body)
    lines.append(frame.x_axis())
    return "\n".join(lines)


@lru_cache(maxsize=256)
def _rich_style(fg: int | None, bg: int | None, bold: bool, reverse: bool) -> Style:
    return Style(color=Color.from_ansi(fg) if fg is not None else None,
                 bgcolor=Color.from_ansi(bg) if bg is not None else None, bold=bold or None, reverse=reverse or None)


def render_text(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                cursor: tuple[int, int] | None = None, previous: PanelData | None = None) -> Text:
    """The same canvas in colour as a rich Text for the TUI, built directly (no ANSI to parse back)."""
    width, height = int(width), int(height)
    text = Text(no_wrap=True, overflow="crop", end="")
    drawn = _draw(spec, panel, width, height, True, cursor, previous)
    if drawn is None:
        text.append(_blank(width, height))
        return text
    base, grid = drawn
    for r, cells in enumerate(grid):
        if cells is base.grid[r]:
            line = base.texts[r]
            if line is None:
                line = base.texts[r] = _row_text(base.frame.y_label(r), cells)
        else:
            line = _row_text(base.frame.y_label(r), cells)
        text.append_text(line)
        text.append("\n")
    text.append(base.frame.x_axis())
    return text


def _row_text(label: str, cells: list[_Cell]) -> Text:
    """One canvas line: its y label, the frame, the cells in runs of one style."""
    text = Text(label + "│", no_wrap=True, overflow="crop", end="")
    run: list[str] = []
    style = None
    for glyph, *look in cells:
        now = tuple(look)
        if now != style and run:
            text.append("".join(run), _rich_style(*style))
            run = []
        style = now
        run.append(glyph)
    if run:
        text.append("".join(run), _rich_style(*style))
    return text


# --- captions and readouts --------------------------------------------------------------------


def _axis_name(spec: Mapping[str, Any], key: str, gettext: Gettext) -> str:
    return gettext(str(spec[key])) if spec.get(key) else key


def captions(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, gettext: Gettext = identity,
             ui_gettext: Gettext = identity, *, color: bool = True, previous: PanelData | None = None) -> Captions:
    """Title; legend (the key: each level's digit and range, diverged, not reached, this
    run's setting; the axis names and what a cell is); readout (the range of the numbers,
    how many cells diverged or were not reached, and this run's own cell)."""
    spec = spec or {}
    heatmap = grid_of(panel, previous)
    width = max(1, int(width))
    title = gettext(str(spec["title"])) if spec.get("title") else ""
    scale = levels(heatmap, is_log(spec))
    z_name = _axis_name(spec, "z", gettext)

    keys: list[list[Span]] = []
    for level, label in enumerate(scale.labels):
        swatch: list[Span] = [("█", scale.color(level))] if color else []
        keys.append([*swatch, (f"{LEVEL_GLYPHS[level]}: {label}", None)])
    cells = [v for row in heatmap.z for v in row] if heatmap is not None else []
    diverged = sum(math.isnan(v) for v in cells)
    unreached = sum(v == math.inf for v in cells)
    if diverged:
        keys.append([(DIVERGED_GLYPH, _DIVERGED_FG if color else None), (" " + ui_gettext(_DIVERGED), None)])
    if unreached:
        keys.append([(UNREACHED_GLYPH, _UNREACHED_FG if color else None), (" " + ui_gettext(_UNREACHED), None)])
    mark = cell_of(heatmap, *heatmap.mark) if heatmap is not None and heatmap.mark is not None else None
    if mark is not None:
        keys.append([(MARK_GLYPH, None), (" " + ui_gettext(_MARK), None)])
    axes = [[(f"x: {_axis_name(spec, 'x', gettext)}", "axis")], [(f"y: {_axis_name(spec, 'y', gettext)}", "axis")]]
    if spec.get("z"):
        axes.append([(f"z: {ui_gettext(_LOG_TEXT).format(axis=z_name) if is_log(spec) else z_name}", "axis")])

    readout: list[list[Span]] = []
    if heatmap is None:
        readout.append([(ui_gettext(_NO_DATA), "readout")])
    else:
        finite = heatmap.finite()
        if finite:
            readout.append([(ui_gettext(_RANGE).format(z=z_name, lo=format_number(min(finite)),
                                                        hi=format_number(max(finite))), "readout")])
        if diverged:
            readout.append([(ui_gettext(_DIVERGED_COUNT).format(count=diverged), "diverged")])
        if unreached:
            readout.append([(ui_gettext(_UNREACHED_COUNT).format(count=unreached), "readout")])
        if mark is not None:
            x, y = heatmap.mark
            readout.append([(ui_gettext(_MARK_AT).format(
                x=format_number(x), y=format_number(y), value=_value_text(heatmap.z[mark[1]][mark[0]], ui_gettext)),
                "readout")])
    return Captions(
        title=((chart_titles.shorten(title, width), "title"),) if title else (),
        title_lines=tuple(((line, "title"),) for line in chart_titles.wrap(title, width)),
        legend=pack(keys + axes, width),
        readout=pack(readout, width, gap=ui_gettext(_READOUT_SEPARATOR)),
        keys=crop(pack(keys, 10_000)[0], width) if len(keys) >= 2 else (),
    )


def _value_text(value: float, ui_gettext: Gettext) -> str:
    if math.isnan(value):
        return ui_gettext(_DIVERGED)
    if value == math.inf:
        return ui_gettext(_UNREACHED)
    return format_number(value)


def cell_readout(spec: Mapping[str, Any] | None, panel: PanelData | None, cell: tuple[int, int],
                 gettext: Gettext = identity, ui_gettext: Gettext = identity,
                 previous: PanelData | None = None) -> list[str]:
    """What the cell at (column, row) says, in parts: "lr 0.21", "momentum 0.9", "steps: 23"
    (or "diverged", "not reached"); joined with " · " by the focus view's readout."""
    spec = spec or {}
    heatmap = grid_of(panel, previous)
    if heatmap is None:
        return [ui_gettext(_NO_DATA)]
    i, j = cell
    if not (0 <= i < len(heatmap.xs) and 0 <= j < len(heatmap.ys)):
        return [ui_gettext(_NO_DATA)]
    value = heatmap.z[j][i]
    parts = [ui_gettext(_AT).format(axis=_axis_name(spec, "x", gettext), x=format_number(heatmap.xs[i])),
             ui_gettext(_AT).format(axis=_axis_name(spec, "y", gettext), x=format_number(heatmap.ys[j]))]
    if math.isfinite(value):
        parts.append(ui_gettext(_VALUE).format(name=_axis_name(spec, "z", gettext), value=format_number(value)))
    else:
        parts.append(_value_text(value, ui_gettext))
    return parts


def separator(ui_gettext: Gettext = identity) -> str:
    """Between the parts of a cell's readout."""
    return ui_gettext(_SEPARATOR)
