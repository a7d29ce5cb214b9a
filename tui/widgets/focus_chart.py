"""The focus view's chart (tui/screens/focus_view.py): a chart panel laid out
for the whole screen, with a cursor that reads every curve's value.

The cursor is a column drawn over the cached canvas, so a step costs no
plotext render; the readout line under the chart quotes the recorded value
of every curve at the cursor ("step 12 · LR=0.1: 0.005215 · …"). On a heat
map the cursor is a cell (`cell`, moved by `move_cell`), drawn with the map,
and the readout names it ("lr 0.21 · momentum 0.9 · steps: 23").

On a landscape the cursor moves along the paths' steps instead (a map's x is
a weight, not time): each path's point at the chosen step is marked on the
map, and the readout quotes where each path is and its loss there
("step 12 · SGD (3.1, 0.9) loss 0.52 · …"; lessons/charts/cursor.py).
"""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from lessons import charts
from lessons.charts import cursor as chart_cursor
from lessons.charts import heatmap, landscape
from lessons.charts.data import Heatmap, PanelData
from tui.i18n import N_
from tui.widgets.chart import ChartPanel

#: After the readout while the cursor follows the newest point; its own
#: leading space, as Chinese puts none before its full-width parenthesis.
_FOLLOWING = N_(" (newest)")
_CURSOR_STYLE = Style(color=Color.from_ansi(charts.CURSOR_COLOR))
#: A path's point at the cursor's step on a landscape: its glyph, dark on the
#: cursor's light grey, unlike the current point (reverse video in its colour).
_PATH_MARK_STYLE = Style(color=Color.from_ansi(16), bgcolor=Color.from_ansi(charts.CURSOR_COLOR), bold=True)


class FocusChart(ChartPanel):
    """A `ChartPanel` laid out for the whole screen, with the cursor's readout line.

    `chosen` is the x the learner moved the cursor to, or None to follow the
    newest point (what a chart that is still training wants); the canvas
    marks the x the readout quotes either way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen: float | None = None
        #: On a heat map, the cell the learner moved the cursor to (None: the run's setting)
        self.cell: tuple[int, int] | None = None
        #: On a landscape, the line panel its spec's `loss` names (the loss per step), if any.
        self.loss_panel: PanelData | None = None
        self._positions_key: tuple | None = None
        self._positions: list[float] = []

    @property
    def is_landscape(self) -> bool:
        return charts.is_landscape(self.spec)

    def positions(self) -> list[float]:
        data = self.data
        key = (id(data), data.version if data is not None else None, self.hidden, self.is_landscape)
        if key != self._positions_key:
            self._positions = chart_cursor.positions(data, self.hidden, self.spec)
            self._positions_key = key
        return self._positions

    def cursor_step(self) -> float | None:
        """What the cursor selects, for other views: the x chosen, or on a landscape
        the step as its readout names it; None while it follows the newest point."""
        if self.chosen is None or not self.is_landscape or self.data is None:
            return self.chosen
        return self._path_reading(self.chosen).step

    def _path_reading(self, index: float) -> chart_cursor.PathReading:
        return chart_cursor.path_reading(self.spec, self.data, index, self._gettext, self.hidden, self.loss_panel)

    def reading_x(self) -> float | None:
        """The x the readout quotes: the chosen one (as near as recorded), else the
        followed one (`followed`)."""
        xs = self.positions()
        index = self._reading_index(xs)
        return None if index is None else xs[index]

    def _reading_index(self, xs: list[float]) -> int | None:
        """The index in `xs` of the x the readout quotes (see reading_x)."""
        return chart_cursor.nearest(xs, self.chosen if self.chosen is not None else self.followed())

    def followed(self) -> float | None:
        """Where a cursor that follows the run stands: on a landscape, the newest
        step of the optimizer the state panel shows (`PanelData.selected`), so
        that the readout, the marks and the table speak of the same step (Adam
        paused at step 5 read "step 50" of the racers that had finished);
        else None, the newest point of all."""
        data = self.data
        if not self.is_landscape or data is None or data.selected not in data.series:
            return None
        indices = data.series[data.selected].indices
        return float(indices[-1]) if indices else None

    def move(self, step: int | None = None, *, to: str | None = None) -> float | None:
        """Move the cursor `step` positions, or `to` "home"/"end"; return the x now chosen."""
        xs = self.positions()
        if not xs:
            return None
        if to == "home":
            self.chosen = xs[0]
        elif to == "end":
            self.chosen = None
        else:
            index = max(0, min(len(xs) - 1, self._reading_index(xs) + (step or 0)))
            # Following the newest point, → keeps following it (`end` returns to it).
            self.chosen = None if index == len(xs) - 1 and self.chosen is None else xs[index]
        self.refresh()
        return self.chosen

    # -- a heat map's cell cursor ------------------------------------------------

    @property
    def is_heatmap(self) -> bool:
        return charts.is_heatmap(self.spec)

    def grid(self) -> Heatmap | None:
        """The heat map's grid shown (this run's, else the previous run's), or None."""
        return heatmap.grid_of(self.data, self.previous)

    def reading_cell(self) -> tuple[int, int] | None:
        """The cell the cursor is on: the chosen one (kept inside a grid that
        changed size), else the run's own setting, else the bottom-left one."""
        grid = self.grid()
        if grid is None:
            return None
        if self.cell is None:
            mark = heatmap.cell_of(grid, *grid.mark) if grid.mark is not None else None
            return mark or (0, 0)
        column, row = self.cell
        return min(column, len(grid.xs) - 1), min(row, len(grid.ys) - 1)

    def cursor_cell(self) -> tuple[int, int] | None:
        return self.reading_cell() if self.is_heatmap else None

    def move_cell(self, columns: int = 0, rows: int = 0, *, to: str | None = None) -> tuple[int, int] | None:
        """Move the cell cursor by columns/rows (up is +1: row 0 is the bottom), or
        `to` "home"/"end" of its row; return the cell now chosen."""
        grid = self.grid()
        cell = self.reading_cell()
        if grid is None or cell is None:
            return None
        column, row = cell
        if to == "home":
            column = 0
        elif to == "end":
            column = len(grid.xs) - 1
        column = max(0, min(len(grid.xs) - 1, column + columns))
        row = max(0, min(len(grid.ys) - 1, row + rows))
        self.cell = (column, row)
        self.refresh()
        return self.cell

    def cell_values(self) -> dict[str, float] | None:
        """What `enter` sets: the spec's x_param and y_param → the cursor cell's x and y."""
        grid, cell = self.grid(), self.reading_cell()
        names = (self.spec.get("x_param"), self.spec.get("y_param"))
        if grid is None or cell is None or not all(names):
            return None
        return {str(names[0]): grid.xs[cell[0]], str(names[1]): grid.ys[cell[1]]}

    def readout_line(self, width: int = 10_000) -> tuple[charts.Line, ...]:
        if self.is_heatmap:
            cell = self.reading_cell()
            if cell is None:
                return (((self._ui_gettext(charts.NO_DATA), "readout"),),)
            parts = heatmap.cell_readout(self.spec, self.data, cell, self._gettext, self._ui_gettext, self.previous)
            return charts.pack([[(part, "readout")] for part in parts], width,
                               gap=heatmap.separator(self._ui_gettext))
        data = self.data
        x = self.reading_x()
        if data is None or x is None:
            return (((self._ui_gettext(charts.NO_DATA), "readout"),),)
        if self.is_landscape:
            read = self._path_reading(x)
        else:
            read = chart_cursor.reading(self.view_spec, data, x, self._gettext, self.hidden)
        lines = chart_cursor.readout_lines(self.view_spec, read, width, self._gettext, self._ui_gettext)
        if self.chosen is None and lines:
            last = lines[-1] + ((self._ui_gettext(_FOLLOWING), "axis"),)
            lines = (*lines[:-1], charts.crop(last, width))
        return lines

    def readout_text(self) -> str:
        return " ".join(charts.plain(line) for line in self.readout_line())

    def _with_cursor(self, canvas: Text, width: int, height: int) -> Text:
        """The cached canvas with the cursor's column drawn in its empty cells.

        Drawn over the canvas, not by plotext: a cursor step then costs no
        re-render (bench/RESULTS.md). Where a curve passes, the curve stays.
        """
        if self.is_heatmap:
            return canvas  # its cursor is a cell, drawn with the map
        x = self.reading_x()
        if self.is_landscape:
            return canvas  # a map's cursor marks points, on its rows (_decorate_landscape)
        column = None if x is None else charts.cursor_column(
            self.view_spec, self.data, x, width, height, previous=self.previous, hidden=self.hidden)
        if column is None:
            return canvas
        rows = canvas.split("\n", allow_blank=True)
        # Inside the frame: below its top line, above its bottom line and the x tick labels.
        for index in range(1, len(rows) - 2):
            line = rows[index]
            if line.plain[column:column + 1] == " ":
                rows[index] = Text.assemble(line[:column], (charts.CURSOR_GLYPH, _CURSOR_STYLE), line[column + 1:])
        return Text("\n", no_wrap=True, overflow="crop", end="").join(rows)

    def _path_marks(self, width: int, height: int) -> list[tuple[int, int, str]]:
        """(column, row, glyph) of each path's point at the chosen (or followed) step
        on the map; none at the newest step (the map's current points say it)."""
        data = self.data
        step = self.reading_x()
        xs = self.positions()
        if data is None or step is None or (self.chosen is None and step == xs[-1]):
            return []
        marks = []
        for key, _name, index, _diverged in charts.legend_keys(self.spec, data):
            point = chart_cursor.path_point(data.series[key], int(step))
            cell = None if point is None else landscape.point_cell(
                self.spec, data, *point, width, height, previous=self.previous)
            if cell is not None and cell[1] < height - 1:
                marks.append((*cell, landscape.glyph(index)))
        return marks

    def _decorate_landscape(self, strips: list[Strip], width: int, height: int) -> list[Strip]:
        strips = list(strips)
        for column, row, glyph in self._path_marks(width, height):
            line = strips[row]
            strips[row] = Strip.join([line.crop(0, column), Strip([Segment(glyph, _PATH_MARK_STYLE)], 1),
                                      line.crop(column + 1, width)])
        return strips

    def _layout(self, width: int, height: int) -> tuple[list[Text], int, list[Text]]:
        caps = charts.captions(
            self.view_spec, self.data, width, self._gettext, self._ui_gettext,
            previous=self.previous, color=True, hidden=self.hidden, numbered=True,
        )
        readout = self.readout_line(width)
        title = caps.title_lines
        legend = caps.legend
        # The canvas first; then, as rows run out, the title shrinks to one
        # line and the legend to its keys line.
        if height - len(title) - len(legend) - len(readout) < charts.MIN_CANVAS_HEIGHT:
            title = (caps.title,) if charts.plain(caps.title) else ()
        if height - len(title) - len(legend) - len(readout) < charts.MIN_CANVAS_HEIGHT:
            legend = (caps.keys or caps.legend[0],) if legend else ()
        canvas_height = max(0, height - len(title) - len(legend) - len(readout))
        if canvas_height < charts.MIN_HEIGHT:
            canvas_height = 0
        return ([self._line(line) for line in title], canvas_height,
                [self._line(line) for line in (*legend, *readout)])

    def _canvas_view(self, width: int, height: int) -> Text:
        return self._with_cursor(self._canvas_text(width, height), width, height)
