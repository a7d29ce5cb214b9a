"""The focus view's chart (tui/screens/focus_view.py): a chart panel laid out
for the whole screen, with a cursor that reads every curve's value.

The cursor is a column drawn over the cached canvas, so a step costs no
plotext render; the readout line under the chart quotes the recorded value
of every curve at the cursor ("step 12 · LR=0.1: 0.005215 · …"). On a heat
map the cursor is a cell (`cell`, moved by `move_cell`), drawn with the map,
and the readout names it ("lr 0.21 · momentum 0.9 · steps: 23").
"""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.style import Style
from rich.text import Text

from lessons import charts
from lessons.charts import cursor as chart_cursor
from lessons.charts import heatmap
from tui.i18n import N_
from tui.widgets.chart import ChartPanel

#: After the readout while the cursor follows the newest point; its own
#: leading space, as Chinese puts none before its full-width parenthesis.
_FOLLOWING = N_(" (newest)")
_CURSOR_STYLE = Style(color=Color.from_ansi(charts.CURSOR_COLOR))


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
        self._positions_key: tuple | None = None
        self._positions: list[float] = []

    def positions(self) -> list[float]:
        data = self.data
        key = (id(data), data.version if data is not None else None, self.hidden)
        if key != self._positions_key:
            self._positions = chart_cursor.positions(data, self.hidden)
            self._positions_key = key
        return self._positions

    def reading_x(self) -> float | None:
        """The x the readout quotes: the chosen one (as near as recorded), else the newest."""
        xs = self.positions()
        index = chart_cursor.nearest(xs, self.chosen)
        return None if index is None else xs[index]

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
            index = chart_cursor.nearest(xs, self.chosen)
            index = max(0, min(len(xs) - 1, index + (step or 0)))
            # Following the newest point, → keeps following it (`end` returns to it).
            self.chosen = None if index == len(xs) - 1 and self.chosen is None else xs[index]
        self.refresh()
        return self.chosen

    # -- a heat map's cell cursor ------------------------------------------------

    @property
    def is_heatmap(self) -> bool:
        return charts.is_heatmap(self.spec)

    def grid(self) -> Any:
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

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
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
        lines = [self._line(line) for line in title]
        if canvas_height >= charts.MIN_HEIGHT:
            lines.append(self._with_cursor(self._canvas_text(width, canvas_height), width, canvas_height))
        lines.extend(self._line(line) for line in (*legend, *readout))
        return Text("\n", no_wrap=True, overflow="crop").join(lines[:height])
