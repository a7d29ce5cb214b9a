"""The landscape chart: a 2-D loss drawn as a shaded height map, with the path of
each optimizer on it (`kind: landscape` in a lesson's `charts:`).

The TUI's `ChartPanel`, `gradtour run` and the tests all draw it through
`render_canvas` and `captions` (plot.py and captions.py hand a landscape
panel to this module), so there is one drawing of it, not one per front end.

How it is drawn, and why. plotext has no contour plot, and its matrix plot
paints one cell per value, which at 80x24 leaves a 60x12 map too coarse to
show a valley's width. Braille (2x4 dots a cell) is fine-grained for lines but
cannot shade: a dot is on or off in one colour per cell. Rich half-blocks
(`▀`, foreground = upper pixel, background = lower pixel) give each cell two
independently shaded pixels, which doubles the vertical resolution of the
height map, and leave the cell free to carry a path glyph on the shaded
background instead. The shaded map is cached per surface and size, each path's
trace resumes where the last frame stopped, and the TUI gets the rows as
segments cached by content (`render_rows`), so a frame while training costs
about 5 ms at 160x48 with four 700-step paths and repaints only the rows that
changed (bench/FINDINGS.md; tests/test_landscape.py bounds it, and
`python -m bench.landscape` measures whole frames in the app).

* The height map is split into bands of equal area (quantiles of the visible
  heights), so a narrow valley, a bowl and Rosenbrock's banana all show their
  shape without a per-lesson colour scale; nearby bands are neighbouring greys.
  Without colour (`gradtour run`, a screen reader, NO_COLOR) the band
  boundaries are drawn as `·` contour dots instead.
* Each path has its own glyph (`GLYPHS`, shapes, not only colours), drawn
  along its segments; its current point is the same glyph in reverse video
  (in colour) and the minimum is `@`. The previous run's paths are `.`.
* Arrows: a demo's own (`chart.arrow`, no kind) is `-|/\\` with a head, in
  red; a watched optimizer's (spec-16 §2: gradient, velocity, step) is its
  kind's letter and colour (`ARROW_KINDS`) with a head, one legend entry per
  kind. Only one series' kinds are drawn: the selected one
  (`PanelData.selected`, the state panel's choice), else the newest.
* Every value a demo can send draws: non-finite heights are left unshaded,
  coordinates beyond the picture are clipped at its border, where an arrow
  (`< > ^ v`) marks where the path left it, and the readout says so.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from lessons.charts import titles as chart_titles
from lessons.charts.axes import format_number
from lessons.charts.captions import Captions, Gettext, Span, crop, identity, pack
from lessons.charts.data import PanelData, Series, Surface
from lessons.charts.kinds import is_landscape
from lessons.charts.series import PALETTE, PREVIOUS_GLYPH, display_order, sgr, spec_series
from lessons.course.i18n import N_

__all__ = ["ARROW_KINDS", "BANDS", "GLYPHS", "MINIMUM_GLYPH", "captions", "height_at", "is_landscape",
           "left_picture", "point_cell", "render_canvas", "render_rows", "render_text"]

#: Path glyphs by series index: shapes a reader tells apart without colour.
#: `@` is kept for the minimum.
GLYPHS: tuple[str, ...] = ("*", "+", "o", "x", "#", "%", "=")
MINIMUM_GLYPH = "@"
#: Where a path leaves the picture, by the side it leaves through.
EXIT_GLYPHS = {"left": "<", "right": ">", "up": "^", "down": "v"}
CONTOUR_GLYPH = "·"
#: A demo's own arrows (chart.arrow: 8.2's negative gradient) in a colour no path uses.
ARROW_COLOR = 196
ARROW_KEY = "->"


@dataclass(frozen=True)
class ArrowKind:
    """How the arrows of one kind (a watched optimizer's, spec-16 §2) are drawn.

    `glyph` fills the shaft and `color` the whole arrow; the tip is a head
    (`<>^v`) that shows the direction. The glyphs are letters no path uses,
    so that without colour (NO_COLOR, `gradtour run`) each arrow still says
    what it is; an arrow too short for a shaft is its letter alone.
    """

    glyph: str
    color: int
    label: str


#: In drawing order: the step taken last, on top, as it is what moved the path.
#: Colours bright on the map's dark greys (the map paints its own background,
#: so the same in every theme): red, cyan, white; none is a path's (PALETTE).
ARROW_KINDS: dict[str, ArrowKind] = {
    "gradient": ArrowKind("g", 196, N_("-lr·g")),
    "velocity": ArrowKind("m", 51, N_("velocity")),
    "step": ArrowKind("s", 231, N_("step Δw")),
}
#: The background of an arrow kind's legend key: a middle band of the map, so
#: the key reads as the arrow does on the map, on a light theme too.
_KEY_BACKGROUND = 238
#: Height bands in colour (greys, dark = low) and without (contour lines).
#: Eight bands, not more: each band boundary on a row is a style change, and
#: Textual's cost per frame grows with them (12 bands: 649 styled runs on a
#: 160x48 ravine, 8: 487; keys wait for that frame while a demo trains).
BANDS = 8
PLAIN_BANDS = 7
#: xterm-256 greys from 235 to 246: dark enough under every path colour of
#: PALETTE, on dark and light themes alike (the map paints its own background).
_SHADES = tuple(235 + round(i * 11 / (BANDS - 1)) for i in range(BANDS))
_PREVIOUS_FG = 252
_MINIMUM_FG = 231
#: Coordinates are clamped this many picture widths beyond the picture, so a
#: diverging path (1e30, say) never overflows the arithmetic of clipping.
_FAR = 1e6

_MIN_LEGEND = N_("minimum")
_LEFT_LEGEND = N_("left the picture")
_PREVIOUS = N_("previous run")
_DIVERGED = N_("diverged")
_NO_DATA = N_("no data yet")
_AT = N_("{name}: at ({x}, {y})")
_LEFT = N_("{name}: left the picture, now at ({x}, {y})")
_DIVERGED_AT = N_("{name}: diverged at step {step}")
_READOUT_SEPARATOR = N_("; ")
_ARROW = N_("{name}: ({dx}, {dy}) at ({x}, {y})")

MIN_WIDTH = 12
MIN_HEIGHT = 4


def glyph(index: int) -> str:
    return GLYPHS[index % len(GLYPHS)]


def path_color(index: int) -> int:
    return PALETTE[index % len(PALETTE)]


# --- layout ----------------------------------------------------------------------


class _Frame:
    """Where the map sits in a canvas of width x height cells: y labels on the
    left, a `│`, the map, and one line of x labels below."""

    def __init__(self, surface: Surface | None, width: int, height: int) -> None:
        self.x_lo, self.x_hi, self.y_lo, self.y_hi = (
            (surface.x_lo, surface.x_hi, surface.y_lo, surface.y_hi) if surface else (0.0, 1.0, 0.0, 1.0))
        self.y_labels = [format_number(v) for v in (self.y_hi, (self.y_hi + self.y_lo) / 2, self.y_lo)]
        self.label_width = max(len(label) for label in self.y_labels)
        self.cols = width - self.label_width - 1
        self.rows = height - 1
        self.width, self.height = width, height

    def cell(self, x: float, y: float) -> tuple[float, float]:
        """Continuous cell coordinates (column, row) of a point; row 0 is the top."""
        u = (x - self.x_lo) / (self.x_hi - self.x_lo)
        v = (self.y_hi - y) / (self.y_hi - self.y_lo)
        u = min(_FAR, max(-_FAR, u))
        v = min(_FAR, max(-_FAR, v))
        return u * self.cols, v * self.rows

    def y_label(self, row: int) -> str:
        middle = self.rows // 2
        index = {0: 0, middle: 1, self.rows - 1: 2}.get(row)
        return (self.y_labels[index] if index is not None else "").rjust(self.label_width)

    def x_axis(self) -> str:
        left, mid, right = (format_number(v) for v in (self.x_lo, (self.x_lo + self.x_hi) / 2, self.x_hi))
        line = [" "] * self.cols
        for text, at in ((left, 0), (mid, (self.cols - len(mid)) // 2), (right, self.cols - len(right))):
            for i, ch in enumerate(text):
                if 0 <= at + i < self.cols:
                    line[at + i] = ch
        return " " * (self.label_width + 1) + "".join(line)


# --- the height map ----------------------------------------------------------------

_band_cache: dict[tuple[int, int, int, int], tuple[Surface, list[list[int]]]] = {}


def _bands(surface: Surface, cols: int, pixel_rows: int, count: int) -> list[list[int]]:
    """Band index (0 = lowest) of each pixel, top row first; -1 where the height is not finite.

    Cached per surface and size: while a demo trains only the paths change.
    """
    key = (id(surface), cols, pixel_rows, count)
    hit = _band_cache.get(key)
    if hit is not None and hit[0] is surface:
        return hit[1]
    z = surface.z
    n_rows, n_cols = len(z), len(z[0])
    # Nearest grid sample at each pixel centre; row 0 of z is the bottom.
    col_index = [min(n_cols - 1, int((c + 0.5) / cols * n_cols)) for c in range(cols)]
    row_index = [min(n_rows - 1, int((pixel_rows - 1 - r + 0.5) / pixel_rows * n_rows)) for r in range(pixel_rows)]
    samples = [[z[j][i] for i in col_index] for j in row_index]
    finite = sorted(v for row in samples for v in row if math.isfinite(v)) or [0.0]
    # Equal-area bands: the edges are quantiles of the visible heights.
    edges = [finite[min(len(finite) - 1, len(finite) * k // count)] for k in range(1, count)]
    bands = [[-1 if math.isnan(v) else min(count - 1, bisect_right(edges, v)) for v in row] for row in samples]
    if len(_band_cache) > 16:
        _band_cache.clear()
    _band_cache[key] = (surface, bands)
    return bands


# --- paths --------------------------------------------------------------------------


def _clip(p: tuple[float, float], q: tuple[float, float], cols: int, rows: int) -> tuple[float, float] | None:
    """Liang–Barsky: the part t0..t1 of the segment p→q inside [0, cols) x [0, rows), or None."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_p, edge_q in ((-dx, p[0]), (dx, cols - 1e-9 - p[0]), (-dy, p[1]), (dy, rows - 1e-9 - p[1])):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return t0, t1


def _exit_glyph(p: tuple[float, float], q: tuple[float, float], cols: int, rows: int) -> str:
    """The arrow for a path going from p (inside) towards q (outside)."""
    if q[0] < 0 or q[0] >= cols:
        horizontal = "left" if q[0] < 0 else "right"
        if not (q[1] < 0 or q[1] >= rows):
            return EXIT_GLYPHS[horizontal]
        # Out through a corner: name the side crossed further.
        over_x = -q[0] if q[0] < 0 else q[0] - cols
        over_y = -q[1] if q[1] < 0 else q[1] - rows
        if over_x >= over_y:
            return EXIT_GLYPHS[horizontal]
    return EXIT_GLYPHS["up" if q[1] < 0 else "down"]


def _inside(point: tuple[float, float], cols: int, rows: int) -> bool:
    return 0 <= point[0] < cols and 0 <= point[1] < rows


class _Traced:
    """A path's cells and exit arrows so far, up to its kept point `done` (see _trace)."""

    __slots__ = ("series", "geometry", "stride", "done", "cells", "exits", "last")

    def __init__(self, series: Series, geometry: tuple, stride: int) -> None:
        self.series, self.geometry, self.stride = series, geometry, stride
        self.done = 0
        self.cells: dict[tuple[int, int], None] = {}
        self.exits: dict[tuple[int, int], str] = {}
        self.last: tuple[float, float] | None = None


_trace_cache: dict[int, _Traced] = {}


def _trace(series: Series, frame: _Frame) -> tuple[list[tuple[int, int]], dict[tuple[int, int], str], tuple[int, int, str] | None]:
    """The cells a path covers, its exit arrows, and its head (column, row, glyph or '' for its own).

    Resumed where the last frame stopped: a series' kept points only grow
    between two strides, so each frame traces only the steps that arrived
    since (tracing all of them every frame was most of a frame's cost); the
    tail, which the next point replaces, is traced afresh each time.
    """
    geometry = (frame.x_lo, frame.x_hi, frame.y_lo, frame.y_hi, frame.cols, frame.rows)
    xs, ys = series.kept
    traced = _trace_cache.get(id(series))
    if (traced is None or traced.series is not series or traced.geometry != geometry
            or traced.stride != series.stride or traced.done > len(xs)):
        if len(_trace_cache) > 64:
            _trace_cache.clear()
        traced = _trace_cache[id(series)] = _Traced(series, geometry, series.stride)
    for i in range(traced.done, len(xs)):
        traced.last = _extend(traced.last, frame.cell(xs[i], ys[i]), frame, traced.cells, traced.exits)
    traced.done = len(xs)
    cells, exits, last = traced.cells, traced.exits, traced.last
    if series.tail is not None:
        cells, exits = dict(cells), dict(exits)
        last = _extend(last, frame.cell(*series.tail), frame, cells, exits)
    if last is None:
        return [], {}, None
    head: tuple[int, int, str] | None = None
    if _inside(last, frame.cols, frame.rows):
        head = (int(last[0]), int(last[1]), "")
    elif cells:
        # Outside now: the head is the arrow where it last left.
        for (c, r), arrow in exits.items():
            head = (c, r, arrow)
    return list(cells), exits, head


def _extend(p: tuple[float, float] | None, q: tuple[float, float], frame: _Frame,
            cells: dict[tuple[int, int], None], exits: dict[tuple[int, int], str]) -> tuple[float, float]:
    """Add the step p → q of a path (q alone for its first point) to its cells and exits; return q.

    `cells` is an ordered set: a slow path visits each cell many times, and
    drawing it once is enough.
    """
    cols, rows = frame.cols, frame.rows
    if p is None:
        if _inside(q, cols, rows):
            cells.setdefault((int(q[0]), int(q[1])))
        return q
    # Most steps of a training run move less than a cell: no clipping or sampling needed.
    if 0 <= q[0] < cols and 0 <= q[1] < rows and int(p[0]) == int(q[0]) and int(p[1]) == int(q[1]):
        cells.setdefault((int(q[0]), int(q[1])))
        return q
    span = _clip(p, q, cols, rows)
    if span is None:
        return q
    t0, t1 = span
    a = (p[0] + (q[0] - p[0]) * t0, p[1] + (q[1] - p[1]) * t0)
    b = (p[0] + (q[0] - p[0]) * t1, p[1] + (q[1] - p[1]) * t1)
    # Two samples per cell crossed, so a diagonal leaves no gaps.
    n = max(1, int(2 * max(abs(b[0] - a[0]), abs(b[1] - a[1]))) + 1)
    for k in range(n + 1):
        t = k / n
        cells.setdefault((int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t)))
    if not _inside(q, cols, rows):
        exits[(int(b[0]), int(b[1]))] = _exit_glyph(p, q, cols, rows)
    return q


def _outside(surface: Surface, x: float, y: float) -> bool:
    return not (surface.x_lo <= x <= surface.x_hi and surface.y_lo <= y <= surface.y_hi)


def left_picture(series: Series, surface: Surface | None) -> bool:
    """Whether the path's current point lies outside the picture."""
    if surface is None or not len(series):
        return False
    return _outside(surface, series.xs[-1], series.ys[-1])


#: id(series) → [series, surface, stride, kept points looked at, whether one was outside]
_left_cache: dict[int, list] = {}


def ever_left(series: Series, surface: Surface | None) -> bool:
    """Whether any kept point of the path lies outside the picture (it shows an exit arrow).

    Like _trace, it resumes where the last frame stopped (the legend asks every frame).
    """
    if surface is None:
        return False
    xs, ys = series.kept
    seen = _left_cache.get(id(series))
    if seen is None or seen[0] is not series or seen[1] is not surface or seen[2] != series.stride or seen[3] > len(xs):
        if len(_left_cache) > 64:
            _left_cache.clear()
        seen = _left_cache[id(series)] = [series, surface, series.stride, 0, False]
    if not seen[4]:
        seen[4] = any(_outside(surface, xs[i], ys[i]) for i in range(seen[3], len(xs)))
    seen[3] = len(xs)
    tail = series.tail
    return seen[4] or (tail is not None and _outside(surface, *tail))


# --- drawing -------------------------------------------------------------------------

# A cell: (text, foreground, background, reverse); colours are xterm-256 numbers.
_Cell = tuple[str, int | None, int | None, bool]


def render_canvas(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                  previous: PanelData | None = None, color: bool = True) -> str:
    """The landscape of `panel` as `height` lines of `width` cells (ANSI colours with `color`)."""
    width, height = int(width), int(height)
    drawn = _draw(spec, panel, width, height, previous, color)
    if drawn is None:
        return "\n".join(" " * max(0, width) for _ in range(max(0, height)))
    frame, grid = drawn
    lines = [frame.y_label(r) + "│" + _encode(grid[r], color) for r in range(frame.rows)]
    lines.append(frame.x_axis())
    return "\n".join(lines)


def render_text(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                previous: PanelData | None = None) -> Text:
    """The same canvas in colour as a rich Text, for the TUI.

    Built directly rather than parsed back from ANSI: at 160x48, parsing took
    as long as drawing (about 9 ms each here), on the UI thread, ten times a second.
    """
    width, height = int(width), int(height)
    drawn = _draw(spec, panel, width, height, previous, True)
    text = Text(no_wrap=True, overflow="crop", end="")
    if drawn is None:
        text.append("\n".join(" " * max(0, width) for _ in range(max(0, height))))
        return text
    frame, grid = drawn
    for r in range(frame.rows):
        text.append(frame.y_label(r) + "│")
        run: list[str] = []
        style = None
        for cell_text, fg, bg, reverse in grid[r]:
            now = (fg, bg, reverse)
            if now != style and run:
                text.append("".join(run), _rich_style(*style))
                run = []
            style = now
            run.append(cell_text)
        if run:
            text.append("".join(run), _rich_style(*style))
        text.append("\n")
    text.append(frame.x_axis())
    return text


def render_rows(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int, *,
                previous: PanelData | None = None) -> list[tuple[Segment, ...]]:
    """The same canvas in colour as one tuple of rich Segments per line, for the TUI.

    Each row's segments are cached by the row's content (its label and every
    cell), so a frame while training rebuilds only the rows a path moved in
    (a handful of 47 at 160x48), and the caller can keep what it made of an
    unchanged row by the tuple's identity: re-styling all ~490 runs of the map
    every frame was what kept keys waiting (bench/FINDINGS.md).
    """
    width, height = int(width), int(height)
    drawn = _draw(spec, panel, width, height, previous, True)
    if drawn is None:
        return [(Segment(" " * max(0, width)),) for _ in range(max(0, height))]
    frame, grid = drawn
    rows = [_row_segments(frame.y_label(r) + "│", tuple(grid[r])) for r in range(frame.rows)]
    rows.append((Segment(frame.x_axis()),))
    if len(_ROW_CACHE) > 4 * _ROW_CACHE_ROWS:
        # Rows of maps and sizes no longer shown: start again rather than track age.
        _ROW_CACHE.clear()
    return rows


_ROW_CACHE: dict[tuple[str, tuple[_Cell, ...]], tuple[Segment, ...]] = {}
#: About the rows of two 160x48 maps with their previous runs.
_ROW_CACHE_ROWS = 200


def _row_segments(label: str, cells: tuple[_Cell, ...]) -> tuple[Segment, ...]:
    key = (label, cells)
    hit = _ROW_CACHE.get(key)
    if hit is not None:
        return hit
    segments = [Segment(label)]
    run: list[str] = []
    style = None
    for cell_text, fg, bg, reverse in cells:
        now = (fg, bg, reverse)
        if now != style and run:
            segments.append(Segment("".join(run), _rich_style(*style)))
            run = []
        style = now
        run.append(cell_text)
    if run:
        segments.append(Segment("".join(run), _rich_style(*style)))
    _ROW_CACHE[key] = made = tuple(segments)
    return made


@lru_cache(maxsize=8)
def _key_style(fg: int) -> Style:
    return Style(color=Color.from_ansi(fg), bgcolor=Color.from_ansi(_KEY_BACKGROUND), bold=True)


@lru_cache(maxsize=512)
def _rich_style(fg: int | None, bg: int | None, reverse: bool) -> Style:
    return Style(color=Color.from_ansi(fg) if fg is not None else None,
                 bgcolor=Color.from_ansi(bg) if bg is not None else None, reverse=reverse or None)


def _draw(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, height: int,
          previous: PanelData | None, color: bool) -> tuple[_Frame, list[list[_Cell]]] | None:
    """The frame and every map cell (glyph and colours), or None when too small to draw."""
    panel = panel if panel is not None else PanelData()
    surface = panel.surface or (previous.surface if previous is not None else None)
    frame = _Frame(surface, width, height)
    if width < MIN_WIDTH or height < MIN_HEIGHT or frame.cols < 4:
        return None
    cols, rows = frame.cols, frame.rows
    grid = [row[:] for row in _base(surface, cols, rows, color)]

    def put(c: int, r: int, text: str, fg: int | None, reverse: bool = False) -> None:
        if 0 <= c < cols and 0 <= r < rows:
            bg = grid[r][c][2]
            grid[r][c] = (text, fg, bg, reverse)

    if previous is not None:
        for series in previous.series.values():
            cells, exits, _ = _trace(series, frame)
            for c, r in cells:
                put(c, r, PREVIOUS_GLYPH, _PREVIOUS_FG if color else None)
    heads = []
    for key, index in display_order(spec or {}, panel):
        cells, exits, head = _trace(panel.series[key], frame)
        fg = path_color(index) if color else None
        for c, r in cells:
            put(c, r, glyph(index), fg)
        for (c, r), arrow in exits.items():
            put(c, r, arrow, fg)
        if head is not None:
            heads.append((head, index, fg))
    for (_series, kind), (x, y, dx, dy) in _arrows_in_order(panel):
        style = ARROW_KINDS.get(kind) if kind is not None else None
        fg = (style.color if style else ARROW_COLOR) if color else None
        for c, r, text in _arrow_cells(frame, x, y, dx, dy, style.glyph if style else None):
            put(c, r, text, fg)
    minimum = _minimum(surface)
    if minimum is not None:
        c, r = frame.cell(*minimum)
        if _inside((c, r), cols, rows):
            put(int(c), int(r), MINIMUM_GLYPH, _MINIMUM_FG if color else None)
    # Heads last: the current point is never hidden under another path.
    for (c, r, arrow), index, fg in heads:
        put(c, r, arrow or glyph(index), fg, reverse=color)
    return frame, grid


def _arrows_in_order(panel: PanelData) -> list[tuple[tuple[str, str | None], tuple[float, float, float, float]]]:
    """The panel's shown arrows, a demo's own first, then by kind in ARROW_KINDS' order."""
    order = {kind: i for i, kind in enumerate(ARROW_KINDS)}
    return sorted(panel.shown_arrows(), key=lambda item: -1 if item[0][1] is None else order.get(item[0][1], -1))


def _arrow_cells(frame: _Frame, x: float, y: float, dx: float, dy: float,
                 glyph_: str | None = None) -> list[tuple[int, int, str]]:
    """The cells of an arrow from (x, y) by (dx, dy): a shaft of `glyph_` (default `-|/\\` by
    direction) and a head of `<>^v`; an arrow of one cell with `glyph_` is that glyph."""
    p, q = frame.cell(x, y), frame.cell(x + dx, y + dy)
    span = _clip(p, q, frame.cols, frame.rows)
    if span is None:
        return []
    dc, dr = q[0] - p[0], q[1] - p[1]
    if abs(dr) < 0.4 * abs(dc):
        shaft = "-"
    elif abs(dc) < 0.4 * abs(dr):
        shaft = "|"
    else:
        shaft = "/" if dc * dr < 0 else "\\"
    head = (">" if dc > 0 else "<") if abs(dc) >= abs(dr) else ("v" if dr > 0 else "^")
    t0, t1 = span
    n = max(1, int(2 * max(abs(dc), abs(dr)) * (t1 - t0)))
    cells = dict.fromkeys((int(p[0] + dc * (t0 + (t1 - t0) * k / n)), int(p[1] + dr * (t0 + (t1 - t0) * k / n)))
                          for k in range(n + 1))
    shaft = glyph_ or shaft
    out = [(c, r, shaft) for c, r in cells]
    if out and t1 == 1.0 and (len(out) > 1 or glyph_ is None):
        c, r, _ = out[-1]
        out[-1] = (c, r, head)
    return out


def height_at(surface: Surface | None, x: float, y: float) -> float | None:
    """The surface's height at (x, y), interpolated through the grid's 3 × 3 nearest
    samples (a quadratic each way: exact on the lessons' bowls and ravines, which
    are quadratic, where a bilinear estimate was 7% off near 8.2's minimum), or
    None outside the grid or where a sample is not finite."""
    if surface is None or not (surface.x_lo <= x <= surface.x_hi and surface.y_lo <= y <= surface.y_hi):
        return None
    z = surface.z
    n_rows, n_cols = len(z), len(z[0])
    u = (x - surface.x_lo) / (surface.x_hi - surface.x_lo) * (n_cols - 1)
    v = (y - surface.y_lo) / (surface.y_hi - surface.y_lo) * (n_rows - 1)
    columns, cw = _quadratic_weights(u, n_cols)
    rows, rw = _quadratic_weights(v, n_rows)
    value = sum(wr * wc * z[j][i] for j, wr in zip(rows, rw) for i, wc in zip(columns, cw))
    return value if math.isfinite(value) else None


def _quadratic_weights(t: float, n: int) -> tuple[list[int], list[float]]:
    """The grid indices around position `t` (of `n`) and their Lagrange weights:
    three points where the grid has three, else the two (a line)."""
    if n < 3:
        i = min(n - 2, int(t))
        return [i, i + 1], [1 - (t - i), t - i]
    centre = min(n - 2, max(1, round(t)))
    d = t - centre
    return [centre - 1, centre, centre + 1], [d * (d - 1) / 2, 1 - d * d, d * (d + 1) / 2]


def point_cell(spec: Mapping[str, Any] | None, panel: PanelData | None, x: float, y: float, width: int,
               height: int, *, previous: PanelData | None = None) -> tuple[int, int] | None:
    """The (column, row) of `render_canvas`'s output (same size) where (x, y) lies, or None outside the map.

    For marks drawn over a cached canvas (the focus view's cursor on a path).
    """
    panel = panel if panel is not None else PanelData()
    surface = panel.surface or (previous.surface if previous is not None else None)
    frame = _Frame(surface, int(width), int(height))
    if frame.cols < 4 or int(width) < MIN_WIDTH or int(height) < MIN_HEIGHT:
        return None
    c, r = frame.cell(x, y)
    if not _inside((c, r), frame.cols, frame.rows):
        return None
    return frame.label_width + 1 + int(c), int(r)


def _minimum(surface: Surface | None) -> tuple[float, float] | None:
    if surface is None:
        return None
    if surface.minimum is not None:
        return surface.minimum
    best = None
    for j, row in enumerate(surface.z):
        for i, v in enumerate(row):
            if math.isfinite(v) and (best is None or v < best[0]):
                best = (v, i, j)
    if best is None:
        return None
    _, i, j = best
    n_rows, n_cols = len(surface.z), len(surface.z[0])
    return (surface.x_lo + i * (surface.x_hi - surface.x_lo) / (n_cols - 1),
            surface.y_lo + j * (surface.y_hi - surface.y_lo) / (n_rows - 1))


_base_cache: dict[tuple[int, int, int, bool], tuple[Surface | None, list[list[_Cell]]]] = {}


def _base(surface: Surface | None, cols: int, rows: int, color: bool) -> list[list[_Cell]]:
    """The shaded map without paths, cached: while a demo trains only the paths change."""
    key = (id(surface), cols, rows, color)
    hit = _base_cache.get(key)
    if hit is not None and hit[0] is surface:
        return hit[1]
    grid: list[list[_Cell]] = [[(" ", None, None, False)] * cols for _ in range(rows)]
    if surface is not None:
        _shade(grid, surface, cols, rows, color)
    if len(_base_cache) > 8:
        _base_cache.clear()
    _base_cache[key] = (surface, grid)
    return grid


def _shade(grid: list[list[_Cell]], surface: Surface, cols: int, rows: int, color: bool) -> None:
    if color:
        bands = _bands(surface, cols, 2 * rows, BANDS)
        for r in range(rows):
            upper, lower = bands[2 * r], bands[2 * r + 1]
            line = grid[r]
            for c in range(cols):
                top = _SHADES[upper[c]] if upper[c] >= 0 else None
                bottom = _SHADES[lower[c]] if lower[c] >= 0 else None
                if top == bottom:
                    line[c] = (" ", None, bottom, False)
                elif top is None:
                    line[c] = ("▄", bottom, None, False)
                else:
                    line[c] = ("▀", top, bottom, False)
        return
    bands = _bands(surface, cols, rows, PLAIN_BANDS)
    for r in range(rows):
        for c in range(cols):
            here = bands[r][c]
            right = bands[r][c + 1] if c + 1 < cols else here
            below = bands[r + 1][c] if r + 1 < rows else here
            if here >= 0 and ((right >= 0 and right != here) or (below >= 0 and below != here)):
                grid[r][c] = (CONTOUR_GLYPH, None, None, False)


def _encode(cells: list[_Cell], color: bool) -> str:
    if not color:
        return "".join(cell[0] for cell in cells)
    out: list[str] = []
    style = None
    for text, fg, bg, reverse in cells:
        now = (fg, bg, reverse)
        if now != style:
            out.append(sgr(fg, bg, reverse=reverse))
            style = now
        out.append(text)
    out.append("\x1b[0m")
    return "".join(out)


# --- captions ------------------------------------------------------------------------


def captions(spec: Mapping[str, Any] | None, panel: PanelData | None, width: int, gettext: Gettext = identity,
             ui_gettext: Gettext = identity, *, previous: PanelData | None = None, color: bool = True) -> Captions:
    """Title; legend (each path's glyph and name, the minimum, the previous run,
    the exit arrows, the axis names); readout (where each path is now)."""
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    width = max(1, int(width))
    names = spec_series(spec)
    title = gettext(str(spec["title"])) if spec.get("title") else ""
    surface = panel.surface or (previous.surface if previous is not None else None)

    keys: list[list[Span]] = []
    readout: list[list[Span]] = []
    any_left = False
    for key, index in display_order(spec, panel):
        series = panel.series[key]
        name = gettext(names[key]) if key in names else key
        chunk: list[Span] = [(glyph(index), path_color(index) if color else None), (" " + name, None)]
        if key in panel.diverged:
            chunk.append((" " + ui_gettext(_DIVERGED), "diverged"))
            step = format_number(panel.diverged[key])
            readout.append([(ui_gettext(_DIVERGED_AT).format(name=name, step=step), "diverged")])
        elif len(series):
            x, y = format_number(series.xs[-1]), format_number(series.ys[-1])
            any_left = any_left or ever_left(series, surface)
            if left_picture(series, surface):
                readout.append([(ui_gettext(_LEFT).format(name=name, x=x, y=y), "diverged")])
            else:
                readout.append([(ui_gettext(_AT).format(name=name, x=x, y=y), "readout")])
        keys.append(chunk)
    kinds_shown: list[str] = []
    for (key, kind), (x, y, dx, dy) in _arrows_in_order(panel):
        name = gettext(names[key]) if key in names else key
        style = ARROW_KINDS.get(kind) if kind is not None else None
        if style is None:
            keys.append([(ARROW_KEY, ARROW_COLOR if color else None), (" " + name, None)])
        else:
            name = f"{name} {ui_gettext(style.label)}"
            if kind not in kinds_shown:
                kinds_shown.append(kind)
        readout.append([(ui_gettext(_ARROW).format(name=name, dx=format_number(dx), dy=format_number(dy),
                                                   x=format_number(x), y=format_number(y)), "readout")])
    for kind in kinds_shown:
        style = ARROW_KINDS[kind]
        key_style = _key_style(style.color) if color else None
        keys.append([(style.glyph + ">", key_style), (" " + ui_gettext(style.label), None)])
    if surface is not None:
        keys.append([(MINIMUM_GLYPH, None), (" " + ui_gettext(_MIN_LEGEND), None)])
    if previous is not None and any(len(s) for s in previous.series.values()):
        keys.append([(PREVIOUS_GLYPH, "previous"), (" " + ui_gettext(_PREVIOUS), "previous")])
    if any_left:
        keys.append([("<>^v", "diverged"), (" " + ui_gettext(_LEFT_LEGEND), None)])
    x_name = gettext(str(spec.get("x") or "x"))
    y_name = gettext(str(spec.get("y") or "y"))
    axes = [[(f"x: {x_name}", "axis")], [(f"y: {y_name}", "axis")]]
    legend = pack(keys + axes, width)
    if panel.is_empty:
        readout = [[(ui_gettext(_NO_DATA), "readout")]]
    keys_line = pack(keys, 10_000)[0] if len(keys) >= 2 else ()
    return Captions(
        title=((chart_titles.shorten(title, width), "title"),) if title else (),
        title_lines=tuple(((line, "title"),) for line in chart_titles.wrap(title, width)),
        legend=legend,
        readout=pack(readout, width, gap=ui_gettext(_READOUT_SEPARATOR)),
        keys=crop(keys_line, width) if keys_line else (),
    )
