"""The focus view (`f`): one chart alone on the whole screen, with a cursor that reads it.

At 80×24 the demo pane leaves a chart a few rows; here it gets the screen:
the whole title (wrapped, never cut), the whole legend, as many ticks as the
rows allow, and a readout line under the chart that quotes every curve's
recorded value at the cursor ("step 12 · LR=0.1: 0.005215 · …").

Keys: ←/→ (and home/end) move the cursor over the x values the chart has
recorded; `tab`/`shift+tab` show the lesson's next/previous chart; `y`
switches the y axis between log and linear; `1` … `9` hide or show that
series; `escape` returns to the lesson, whose pane then shows the chart
last looked at. On a heat map ←/→/↑/↓ move a cell cursor instead, and
`enter` sets the parameters the map's x and y stand for to the cell's
values, returns to the lesson and reruns the demo (`CellChosen`, to the app).

The screen never reaches into the lesson screen's widgets: it is given the
run's record (whose data objects the demo keeps filling) and is told by a
`ChartDataChanged` message (posted by the demo pane,
tui/widgets/demo_pane.py) when a panel got new points, so it redraws live
while the demo trains. A `CursorMoved` message bubbles to the app whenever
the cursor selects another x, for any view that shows a step's state:
this screen's own state panel (tui/widgets/state_panel.py) is one, shown
below the chart (beside it on a wide screen) when the run watched an
optimizer, and told of new states by the pane's `StatesChanged`. `space`,
`.` and `o` pause, step and choose the optimizer as on the lesson screen.

On a landscape the cursor moves along the paths' steps (tui/widgets/focus_chart.py),
`CursorMoved.x` is that step, and neither `y` (a map has no y scale to
switch) nor the series keys (a map draws every path) are offered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from lessons import charts
from lessons.charts.data import PanelData
from tui.i18n import N_, _, lesson_gettext
from tui.widgets.demo_pane import ChartDataChanged, RunRecord, RunStatusChanged, StatesChanged
from tui.widgets.focus_chart import FocusChart
from tui.widgets.footer import LocalizedFooter
from tui.widgets.state_panel import StatePanel

__all__ = ["CSS_PATH", "CellChosen", "CursorMoved", "FocusScreen"]

CSS_PATH = Path(__file__).with_name("focus_view.tcss")

_HEADER = N_("{lesson} · chart {index} of {total}")
#: How many series a number key can reach.
_NUMBER_KEYS = 9
#: From this width on, the state panel sits beside the chart, not below it.
WIDE = 120


class CursorMoved(Message):
    """The focus view's cursor now selects `x` of `panel` (None: it follows the newest point);
    on a landscape, `x` is the step of the paths' points it marks."""

    def __init__(self, lesson: str, panel: str, x: float | None) -> None:
        super().__init__()
        self.lesson = lesson
        self.panel = panel
        self.x = x


class CellChosen(Message):
    """`enter` on a heat map: rerun `lesson`'s demo with `values` (parameter → the cell's number)."""

    def __init__(self, lesson: str, values: dict[str, float]) -> None:
        super().__init__()
        self.lesson = lesson
        self.values = values


class FocusScreen(Screen[str]):
    """One chart of `record` on the whole screen; dismissed with the name of the chart last shown."""

    CSS_PATH = CSS_PATH

    BINDINGS = [
        Binding("left", "cursor(-1)", N_("cursor"), key_display="←→", priority=True),
        Binding("right", "cursor(1)", N_("cursor"), show=False, priority=True),
        # On a heat map the same keys move a cell cursor (check_action picks one of each pair).
        Binding("left", "cell(-1, 0)", N_("cell"), key_display="←→↑↓", priority=True),
        Binding("right", "cell(1, 0)", N_("cell"), show=False, priority=True),
        Binding("up", "cell(0, 1)", N_("cell"), show=False, priority=True),
        Binding("down", "cell(0, -1)", N_("cell"), show=False, priority=True),
        Binding("enter", "rerun_cell", N_("rerun here")),
        Binding("home", "cursor_to('home')", N_("first"), show=False),
        Binding("end", "cursor_to('end')", N_("newest"), show=False),
        Binding("tab", "cycle(1)", N_("next chart"), priority=True),
        Binding("shift+tab", "cycle(-1)", N_("previous chart"), show=False, priority=True),
        Binding("y", "toggle_log", N_("log/linear")),
        *(Binding(str(n), f"toggle_series({n})", N_("hide/show"), show=n == 1, key_display="1-9")
          for n in range(1, _NUMBER_KEYS + 1)),
        # While a demo runs, their footer room at 80 columns goes to space, `.`
        # and `o`: y and the digits still work, through these unshown twins
        # (one of each pair is enabled at a time: check_action).
        Binding("y", "toggle_log('running')", N_("log/linear"), show=False),
        *(Binding(str(n), f"toggle_series({n}, 'running')", N_("hide/show"), show=False)
          for n in range(1, _NUMBER_KEYS + 1)),
        Binding("l", "switch_language", N_("lang")),
        Binding("s", "app.stop_demo", N_("stop")),
        Binding("space", "app.pause_demo", N_("pause"), key_display="␣"),
        Binding("full_stop", "app.step_demo", N_("step"), key_display="."),
        Binding("o", "app.cycle_state", N_("optimizer")),
        Binding("escape", "back", N_("back")),
        Binding("q", "app.quit", N_("quit"), show=False),
    ]

    def __init__(self, record: RunRecord, panel: str | None = None) -> None:
        super().__init__()
        self._target(record, panel)
        self.chart = FocusChart(self._spec(), gettext=lesson_gettext(), id="focus-chart")
        # Kept, not queried: the header may be set while Textual still mounts it.
        self._header = Static(id="focus-header")
        self.state_panel = StatePanel(record.states, id="focus-state")

    def _target(self, record: RunRecord, panel: str | None) -> None:
        self.record = record
        self.names = list(record.data.panels) or list(record.lesson.charts)
        self.index = self.names.index(panel) if panel in self.names else 0
        #: how many optimizers the run watched when the footer was last told
        self._watched = len(record.states.watched)

    def show(self, record: RunRecord, panel: str | None = None) -> None:
        """Show `panel` of `record` afresh: the app keeps one focus view and shows it
        again on the next `f`, rather than compose, mount and style a new screen
        (a third of what `f` cost while a demo trained; bench/FINDINGS.md)."""
        self._target(record, panel)
        self.set_class(self.app.size.width >= WIDE, "-wide")
        chart = self.chart
        chart.spec = self._spec()
        chart.set_class(chart.is_landscape, "-landscape")
        chart.chosen = None
        chart.hidden = frozenset()
        chart.yscale = None
        # The language may have changed while the view was away.
        chart.set_gettext(lesson_gettext(), _)
        self.state_panel.set_states(record.states)
        self._place_state_panel()
        self._show_data()
        self._update_header()
        self.refresh_bindings()

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
        self.set_class(self.app.size.width >= WIDE, "-wide")
        yield self._header
        with Container(id="focus-body"):
            yield self.chart
            yield self.state_panel
        yield LocalizedFooter()

    def _loss_panel(self) -> PanelData | None:
        """On a landscape, the line panel its spec names as the paths' loss per step."""
        name = self._spec().get("loss")
        return self.record.data.panels.get(str(name)) if name else None

    def _show_data(self) -> None:
        self.chart.loss_panel = self._loss_panel()
        self.chart.set_data(*self._panel_data())

    def on_mount(self) -> None:
        self._show_data()
        self._update_header()
        self._place_state_panel()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    def _place_state_panel(self) -> None:
        if self.state_panel.display != self.state_panel.has_states:
            self.state_panel.display = self.state_panel.has_states

    def _update_header(self) -> None:
        lesson = self.record.lesson
        header = Text(_(_HEADER).format(
            lesson=f"{lesson.id} {lesson_gettext()(lesson.title)}", index=self.index + 1, total=len(self.names)))
        if self.record.status[0] in ("paused", "pausing"):
            # First: the header is one line, and the lesson's title may give way.
            header = Text.assemble(self.record.status_text(), _(" · "), header)
        self._header.update(header, layout=False)  # one line whatever it says: a layout pass repaints the screen

    # -- messages ---------------------------------------------------------------

    def on_chart_data_changed(self, message: ChartDataChanged) -> None:
        if message.record is not self.record:
            return
        if message.panel is None:
            # A new run: the previous run's snapshot is a new object.
            self._show_data()
        elif message.panel == self.panel:
            self.chart.refresh_data()
            self.chart.flush()
            if self.chart.is_heatmap:
                self.refresh_bindings()  # `enter` is offered once the map has cells

    def on_run_status_changed(self, message: RunStatusChanged) -> None:
        if message.record is self.record:
            self._update_header()

    def on_states_changed(self, message: StatesChanged) -> None:
        if message.record is self.record:
            self.state_panel.states_changed()
            self._place_state_panel()
            if len(self.record.states.watched) != self._watched:
                self._watched = len(self.record.states.watched)
                self.refresh_bindings()  # `o` is offered from two watched optimizers on

    def on_cursor_moved(self, message: CursorMoved) -> None:
        # Posted by this screen, on its way to the app: the panel shows the
        # chosen step (on a landscape, the x is the paths' step index).
        if message.lesson == self.record.lesson.id:
            self.state_panel.show_step(message.x)

    # -- actions ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        heat = self.chart.is_heatmap
        if action == "cursor":
            return not heat  # a heat map's cursor is a cell
        if action == "toggle_log" and heat:
            return False  # its colour key is its scale
        if action == "cell":
            return heat
        if action == "rerun_cell":
            if not heat or not (self.chart.spec.get("x_param") and self.chart.spec.get("y_param")):
                return False
            return self.chart.grid() is not None or None  # shown, greyed, until the map arrives
        if action == "cycle":
            return len(self.names) > 1
        if action in ("toggle_log", "toggle_series") and self.chart.is_landscape:
            return False
        if action in ("toggle_log", "toggle_series") and ("running" in parameters) != self.app.demos.running:
            return False  # its twin binding is the one in use
        if action == "toggle_series":
            return int(parameters[0]) <= len(charts.legend_keys(self.chart.spec, self.chart.data))
        return True

    def _cursor_moved(self) -> None:
        self.post_message(CursorMoved(self.record.lesson.id, self.panel, self.chart.cursor_step()))

    def action_cursor(self, step: int) -> None:
        self.chart.move(step)
        self._cursor_moved()

    def action_cursor_to(self, where: str) -> None:
        if self.chart.is_heatmap:
            self.chart.move_cell(to=where)
            return
        self.chart.move(to=where)
        self._cursor_moved()

    def action_cell(self, columns: int, rows: int) -> None:
        self.chart.move_cell(columns, rows)

    def action_rerun_cell(self) -> None:
        """The cell's setting, checked here so that a bad one is said where it was chosen; then back and rerun."""
        from lessons.demos.params import ParamError, cell_setting

        values = self.chart.cell_values()
        if values is None:
            return
        try:
            cell_setting(self.record.lesson, values)
        except ParamError as exc:
            self.notify(exc.message(_), severity="error", timeout=8)
            return
        self.app.post_message(CellChosen(self.record.lesson.id, values))
        self.action_back()

    def action_cycle(self, step: int) -> None:
        self.index = (self.index + step) % len(self.names)
        chart = self.chart
        chart.spec = self._spec()
        chart.chosen = None
        chart.cell = None
        chart.hidden = frozenset()
        chart.yscale = None
        self._show_data()
        self._update_header()
        self.refresh_bindings()
        self._cursor_moved()

    def action_toggle_log(self, _while: str = "") -> None:
        chart = self.chart
        log = str(chart.view_spec.get("yscale", "linear")).lower() == "log"
        chart.yscale = "linear" if log else "log"
        chart.refresh()

    def action_toggle_series(self, number: int, _while: str = "") -> None:
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
        self.state_panel.refresh(layout=True)
        self._update_header()
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss(self.panel)
