"""The focus view (`f`): one chart alone on the whole screen, with a cursor that reads it.

At 80×24 the demo pane leaves a chart a few rows; here it gets the screen:
the whole title (wrapped, never cut), the whole legend, as many ticks as the
rows allow, and a readout line under the chart that quotes every curve's
recorded value at the cursor ("step 12 · LR=0.1: 0.005215 · …").

Keys: ←/→ (and home/end) move the cursor over the x values the chart has
recorded; `tab`/`shift+tab` show the lesson's next/previous chart; `y`
switches the y axis between log and linear; `1` … `9` hide or show that
series; `escape` returns to the lesson, whose pane then shows the chart
last looked at.

The screen never reaches into the lesson screen's widgets: it is given the
run's record (whose data objects the demo keeps filling) and is told by a
`ChartDataChanged` message when a panel got new points, so it redraws live
while the demo trains. A `CursorMoved` message bubbles to the app whenever
the cursor selects another x, for any view that shows a step's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from lessons import charts
from lessons.charts import cursor as chart_cursor
from lessons.charts.data import PanelData
from tui.chart import ChartPanel
from tui.i18n import N_, _, lesson_gettext
from tui.widgets import LocalizedFooter

if TYPE_CHECKING:
    from tui.demo_pane import RunRecord

__all__ = ["CSS_PATH", "ChartDataChanged", "CursorMoved", "FocusChart", "FocusScreen"]

CSS_PATH = Path(__file__).with_name("focus_view.tcss")

_HEADER = N_("{lesson} · chart {index} of {total}")
#: After the readout while the cursor follows the newest point; its own
#: leading space, as Chinese puts none before its full-width parenthesis.
_FOLLOWING = N_(" (newest)")
#: How many series a number key can reach.
_NUMBER_KEYS = 9
_CURSOR_STYLE = Style(color=Color.from_ansi(charts.CURSOR_COLOR))


class ChartDataChanged(Message):
    """A panel of a run got new data (posted to the focus screen by the demo pane)."""

    def __init__(self, record: RunRecord, panel: str | None) -> None:
        super().__init__()
        self.record = record
        self.panel = panel  # None: any panel, e.g. a new run began


class CursorMoved(Message):
    """The focus view's cursor now selects `x` of `panel` (None: it follows the newest point)."""

    def __init__(self, lesson: str, panel: str, x: float | None) -> None:
        super().__init__()
        self.lesson = lesson
        self.panel = panel
        self.x = x


class FocusChart(ChartPanel):
    """A `ChartPanel` laid out for the whole screen, with the cursor's readout line.

    `chosen` is the x the learner moved the cursor to, or None to follow the
    newest point (what a chart that is still training wants); the canvas
    marks the x the readout quotes either way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen: float | None = None
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

    def readout_line(self, width: int = 10_000) -> tuple[charts.Line, ...]:
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


class FocusScreen(Screen[str]):
    """One chart of `record` on the whole screen; dismissed with the name of the chart last shown."""

    CSS_PATH = CSS_PATH

    BINDINGS = [
        Binding("left", "cursor(-1)", N_("cursor"), key_display="←→", priority=True),
        Binding("right", "cursor(1)", N_("cursor"), show=False, priority=True),
        Binding("home", "cursor_to('home')", N_("first"), show=False),
        Binding("end", "cursor_to('end')", N_("newest"), show=False),
        Binding("tab", "cycle(1)", N_("next chart"), priority=True),
        Binding("shift+tab", "cycle(-1)", N_("previous chart"), show=False, priority=True),
        Binding("y", "toggle_log", N_("log/linear")),
        *(Binding(str(n), f"toggle_series({n})", N_("hide/show"), show=n == 1, key_display="1-9")
          for n in range(1, _NUMBER_KEYS + 1)),
        Binding("l", "switch_language", N_("lang")),
        Binding("s", "app.stop_demo", N_("stop")),
        Binding("escape", "back", N_("back")),
        Binding("q", "app.quit", N_("quit"), show=False),
    ]

    def __init__(self, record: RunRecord, panel: str | None = None) -> None:
        super().__init__()
        self.record = record
        self.names = list(record.data.panels) or list(record.lesson.charts)
        self.index = self.names.index(panel) if panel in self.names else 0
        gettext = lesson_gettext()
        self.chart = FocusChart(self._spec(), gettext=gettext, id="focus-chart")

    @property
    def panel(self) -> str:
        return self.names[self.index]

    def _spec(self) -> dict[str, Any]:
        return dict(self.record.lesson.charts.get(self.panel) or {})

    def _panel_data(self) -> tuple[PanelData | None, PanelData | None]:
        record = self.record
        previous = record.previous.panels.get(self.panel) if record.previous is not None else None
        return record.data.panels.get(self.panel), previous

    def compose(self) -> ComposeResult:
        yield Static(id="focus-header")
        yield self.chart
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.chart.set_data(*self._panel_data())
        self._update_header()

    def _update_header(self) -> None:
        lesson = self.record.lesson
        self.query_one("#focus-header", Static).update(Text(_(_HEADER).format(
            lesson=f"{lesson.id} {lesson_gettext()(lesson.title)}", index=self.index + 1, total=len(self.names))))

    # -- messages ---------------------------------------------------------------

    def on_chart_data_changed(self, message: ChartDataChanged) -> None:
        if message.record is not self.record:
            return
        if message.panel is None:
            # A new run: the previous run's snapshot is a new object.
            self.chart.set_data(*self._panel_data())
        elif message.panel == self.panel:
            self.chart.refresh_data()
            self.chart.flush()

    # -- actions ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cycle":
            return len(self.names) > 1
        if action == "toggle_series":
            return int(parameters[0]) <= len(charts.legend_keys(self.chart.spec, self.chart.data))
        return True

    def _cursor_moved(self) -> None:
        self.post_message(CursorMoved(self.record.lesson.id, self.panel, self.chart.chosen))

    def action_cursor(self, step: int) -> None:
        self.chart.move(step)
        self._cursor_moved()

    def action_cursor_to(self, where: str) -> None:
        self.chart.move(to=where)
        self._cursor_moved()

    def action_cycle(self, step: int) -> None:
        self.index = (self.index + step) % len(self.names)
        chart = self.chart
        chart.spec = self._spec()
        chart.chosen = None
        chart.hidden = frozenset()
        chart.yscale = None
        chart.set_data(*self._panel_data())
        self._update_header()
        self.refresh_bindings()
        self._cursor_moved()

    def action_toggle_log(self) -> None:
        chart = self.chart
        log = str(chart.view_spec.get("yscale", "linear")).lower() == "log"
        chart.yscale = "linear" if log else "log"
        chart.refresh()

    def action_toggle_series(self, number: int) -> None:
        keys = charts.legend_keys(self.chart.spec, self.chart.data)
        if not 1 <= number <= len(keys):
            return
        key = keys[number - 1][0]
        self.chart.hidden = self.chart.hidden ^ {key}
        self.chart.refresh()

    def action_switch_language(self) -> None:
        self.app.switch_language()
        self.relocalize()

    def relocalize(self) -> None:
        self.chart.set_gettext(lesson_gettext(), _)
        self._update_header()
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss(self.panel)
