"""The focus view's chart (tui/screens/focus_view.py): a chart panel laid out
for the whole screen, with a cursor that reads every curve's value.

The cursor is a column drawn over the cached canvas, so a step costs no
plotext render; the readout line under the chart quotes the recorded value
of every curve at the cursor ("step 12 · LR=0.1: 0.005215 · …").

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
from lessons.charts import landscape
from lessons.charts.data import PanelData
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

    def readout_line(self, width: int = 10_000) -> tuple[charts.Line, ...]:
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
        """(column, row, glyph) of each path's point at the chosen step on the map;
        none while the cursor follows the newest point (the map's current points say it)."""
        data = self.data
        if self.chosen is None or data is None:
            return []
        marks = []
        for key, _name, index, _diverged in charts.legend_keys(self.spec, data):
            point = chart_cursor.path_point(data.series[key], int(self.chosen))
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
