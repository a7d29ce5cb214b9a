"""The demo pane: a status line, the lesson's charts and the demo's console.

The pane shows one `RunRecord`; the app keeps a record per lesson, so a
learner who leaves a lesson and comes back finds the last run still there,
and a run that goes on while the learner reads elsewhere lands in its own
record, not in whatever the pane happens to show.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Any

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from lessons.charts.data import ChartData
from lessons.charts.states import StateHistory, declared_series
from lessons.course.catalog import Lesson
from tui.i18n import N_, _, current_language, lesson_gettext

if TYPE_CHECKING:
    from textual.widgets import RichLog

    from tui.widgets.chart import ChartPanel
    from tui.widgets.state_panel import StatePanel

#: Console lines kept per lesson: a flood of output must not eat memory.
MAX_LINES = 2000
#: The pane's height from which it shows the optimizer's state table (Adam's
#: is 13 lines) and still leaves the charts and the console their room; a
#: shorter pane (80×24) shows one line that points to the focus view.
STATE_TABLE_ROOM = 32

ST_IDLE = N_("Press r to run this lesson's demos, e to change their parameters.")
ST_LOADING = N_("loading PyTorch… (only before the first run)")
ST_RUNNING = N_("running on {device} · example {block} of {total}")
ST_DONE = N_("done in {seconds:.1f} s on {device}")
ST_STOPPED = N_("stopped")
ST_ERROR = N_("the demo failed: {message}")
ST_DIVERGED = N_("diverged: {series}")
ST_PAUSING = N_("pausing after the current optimizer step…")
ST_PAUSED = N_("paused after step {step} of {optimizer} (space resumes, . steps)")
MSG_DIVERGED = N_(
    "A diverged curve grew without bound until it became inf or NaN: each step overshot the minimum "
    "by more than it corrected. A smaller learning rate (or gradient clipping) brings it back."
)
MSG_ERROR_WHERE = N_("in example {block}, line {line}")
MSG_PARAMS = N_("parameters: {values}")
#: A finished run printed in its language (the code run is the code shown);
#: after `l` the status says so, rather than rerun a demo on every switch.
ST_PRINTED_IN = {"en": N_("printed in English: r reruns it in Chinese"),
                 "zh": N_("printed in Chinese: r reruns it in English")}


@dataclass(frozen=True)
class Note:
    """A console line of ours (not the demo's), translated when it is drawn."""

    template: str
    arguments: dict[str, Any] = field(default_factory=dict)
    style: str = ""

    def render(self) -> Text:
        return Text(_(self.template).format(**self.arguments), style=self.style)


_RESULT_PATTERNS: dict[tuple[str, str], tuple[re.Pattern[str], ...]] = {}


def _localized_results(lesson: Lesson, lang: str | None) -> tuple[re.Pattern[str], ...]:
    """The lesson's result lines as its code prints them in `lang` (None: code
    the learner wrote, whose labels nobody translated), once per lesson and language."""
    if lang is None:
        return ()
    key = (lesson.id, lang)
    if key not in _RESULT_PATTERNS:
        _RESULT_PATTERNS[key] = lesson.result_patterns(lesson_gettext(lang))
    return _RESULT_PATTERNS[key]


def console_line(line: str | Note) -> Text | str:
    return line.render() if isinstance(line, Note) else line


@dataclass
class RunRecord:
    """Everything one lesson's latest run produced."""

    lesson: Lesson
    data: ChartData
    previous: ChartData | None = None
    #: the optimizer states of the watched series (`state` events)
    states: StateHistory = field(default_factory=StateHistory)
    #: how many of them the pane has seen (a newly watched one brings its map into view)
    watched_shown: int = 0
    lines: collections.deque = field(default_factory=lambda: collections.deque(maxlen=MAX_LINES))
    status: tuple[str, str, dict[str, Any]] = ("idle", ST_IDLE, {})
    diverged: list[str] = field(default_factory=list)
    #: the output lines that are the run's results (the lesson's `result_markers`)
    results: list[str] = field(default_factory=list)
    running: bool = False
    device: str = "?"
    #: the language of the code that ran (a lesson's demos); None: the learner's own code
    lang: str | None = None
    #: lines appended since the run began (the deque drops the oldest): how
    #: the pane tells which lines it has not drawn yet
    appended: int = 0

    @classmethod
    def for_lesson(cls, lesson: Lesson) -> RunRecord:
        return cls(lesson=lesson, data=ChartData(lesson.charts),
                   states=StateHistory(declared=declared_series(lesson.charts)))

    def begin(self) -> None:
        self.previous = self.data.snapshot() if any(not p.is_empty for p in self.data.panels.values()) else self.previous
        self.data.clear()
        self.states.clear()
        self.watched_shown = 0
        self.lines.clear()
        self.appended = 0
        self.diverged.clear()
        self.results.clear()
        self.running = True

    def append(self, line: str | Note) -> None:
        self.lines.append(line)
        self.appended += 1

    def note_result(self, line: str) -> bool:
        """Keep a demo's output line among the results if it is one; whether it was."""
        if any(marker in line for marker in self.lesson.result_markers) or any(
                pattern.search(line) for pattern in _localized_results(self.lesson, self.lang)):
            self.results.append(line)
            return True
        return False

    def status_text(self) -> Text:
        kind, template, arguments = self.status
        style = {"error": "bold red", "diverged": "bold yellow", "done": "green", "stopped": "yellow",
                 "paused": "bold cyan"}.get(kind, "")
        text = Text(_(template).format(**arguments), style=style)
        if kind == "diverged" or self.diverged and kind == "done":
            names = ", ".join(self.diverged)
            text = Text(_(ST_DIVERGED).format(series=names) + " · " + _(template).format(**arguments), style="bold yellow")
        if kind != "idle" and not self.running and self.lang in ST_PRINTED_IN and self.lang != current_language():
            text.append(" · " + _(ST_PRINTED_IN[self.lang]), style="dim")
        return text


class ChartDataChanged(Message):
    """A panel of a run got new data: posted by the demo pane to a screen over
    the lesson (the focus view), which draws the same data objects."""

    def __init__(self, record: RunRecord, panel: str | None) -> None:
        super().__init__()
        self.record = record
        self.panel = panel  # None: any panel, e.g. a new run began


class StatesChanged(Message):
    """A run's optimizer states changed (new steps, another series selected):
    posted by the demo pane to a screen over the lesson (the focus view)."""

    def __init__(self, record: RunRecord) -> None:
        super().__init__()
        self.record = record


#: In DemoPane._stale beside chart panel names (which a lesson's front matter
#: gives as identifiers, never with spaces).
_STATUS = " status"
_STATES = " states"


class RunStatusChanged(Message):
    """A run's status line changed (paused, say): posted by the demo pane to a
    screen over the lesson (the focus view), which says so in its header."""

    def __init__(self, record: RunRecord) -> None:
        super().__init__()
        self.record = record


class DemoPane(Vertical):
    """Shows a RunRecord, and follows it as the run goes on.

    Nobody calls into the pane's children: it is told what changed by the
    messages below (posted by DemoRuns) and redraws itself from the record.
    A message waits in the pane's queue until Textual has composed the pane,
    and one posted while the pane is being taken down (the app closing) is
    dropped, so neither moment can find its status line missing. A key that
    opened a lesson while the first screen was still being mounted did: the
    pane was asked, by a direct call, to update a status line it did not
    have yet (issue 10: NoMatches, exit 1).

    Until a lesson's demo has run, the pane is its status line alone: the
    charts and the console are mounted when a run first needs them, and a
    lesson's chart widgets when its record is first shown with a run. An idle
    pane hides them anyway, and the first screen and every page change would
    otherwise pay for widgets (and plotext) that nobody sees.
    """

    class Show(Message, bubble=False):
        """Show `record` from now on (charts rebuilt only when the lesson changes)."""

        def __init__(self, record: RunRecord) -> None:
            super().__init__()
            self.record = record

    class StatusChanged(Message, bubble=False):
        """The record's status (or its diverged series) changed."""

    class LinesAdded(Message, bubble=False):
        """Lines were appended to the record: draw the ones not drawn yet."""

    class ChartChanged(Message, bubble=False):
        """A chart panel's data changed: redraw it in this frame."""

        def __init__(self, panel: str) -> None:
            super().__init__()
            self.panel = panel

    class StatesChanged(Message, bubble=False):
        """The record's optimizer states changed: the state panel redraws."""

    class Uncovered(Message, bubble=False):
        """The screen that hid the pane (the focus view) is gone: draw what changed meanwhile."""

    class RunEnded(Message, bubble=False):
        """The run has ended: its charts show their last points at once."""

    class Relocalize(Message, bubble=False):
        """The language changed: captions and our own console lines follow."""

    class ShowChart(Message, bubble=False):
        """Make `name` the current chart (the focus view was closed on it)."""

        def __init__(self, name: str | None) -> None:
            super().__init__()
            self.name = name

    record: RunRecord | None = None
    #: panel name → its widget, for the lesson shown (no DOM ids: the old
    #: lesson's widgets are still being removed when the new ones mount)
    panels: dict[str, ChartPanel] = {}
    _console: RichLog | None = None
    #: what the console shows, as written: RichLog wraps a line once, at the
    #: width of the moment, so a console that changes width rewraps from here
    _written: collections.deque
    #: the console's width when it last wrapped
    _wrapped_at = 0
    _charts: Container | None = None
    _results: Static | None = None
    _state_panel: StatePanel | None = None
    #: the chart shown when the pane has room for one only, and the one `f` opens
    current: str | None = None
    #: the lesson whose chart widgets are mounted
    _charts_of: str | None = None
    #: how many of the record's appended lines the console shows
    _drawn = 0
    #: how many of the record's result lines the result strip shows
    _results_shown = 0

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: what changed while the pane was covered (`_covered`): chart panels, _STATUS, _STATES
        self._stale: set[str] = set()
        # Kept, not queried: the pane's own line, whatever Textual is doing.
        self._status = Static(id="demo-status")

    def compose(self) -> ComposeResult:
        yield self._status

    def _body(self) -> RichLog:
        """The console (and the charts' container), mounted on first use."""
        if self._console is None:
            from textual.widgets import RichLog

            from tui.widgets.state_panel import StatePanel

            self._charts = Container(id="charts")
            self._state_panel = StatePanel(compact=True, id="state-panel")
            self._state_panel.display = False  # until a watched optimizer has stepped
            self._results = Static(id="results")
            self._written = collections.deque(maxlen=MAX_LINES)
            # min_width=1: RichLog wraps at 78 cells at least by default, wider
            # than the console at 80 columns (77), which cut the 78th cell off
            # every long line and with it a Chinese character straddling it.
            self._console = RichLog(id="console", max_lines=MAX_LINES, wrap=True, markup=False, highlight=False,
                                    min_width=1)
            self.mount(self._charts, self._state_panel, self._results, self._console)
        return self._console

    def _has_run(self, record: RunRecord) -> bool:
        return record.status[0] != "idle" or bool(record.lines)

    def _build_charts(self, record: RunRecord) -> None:
        """Mount the chart widgets of `record`'s lesson, unless they are there."""
        if self._charts_of == record.lesson.id:
            return
        from tui.widgets.chart import ChartPanel

        self._body()
        assert self._charts is not None
        self._charts.remove_children()
        gettext = lesson_gettext()
        self.panels = {name: ChartPanel(spec, gettext=gettext) for name, spec in record.lesson.charts.items()}
        self._charts.mount_all(self.panels.values())
        self._charts_of = record.lesson.id
        self.set_class(not self.panels, "-no-charts")
        self.show_chart(next(iter(self.panels), None))

    def show_chart(self, name: str | None) -> None:
        """Make `name` the current chart: the one shown where only one fits, and the one `f` opens."""
        if name not in self.panels:
            return
        self.current = name
        assert self._charts is not None
        self._charts.set_class(len(self.panels) > 1, "-one")
        for key, widget in self.panels.items():
            widget.set_class(key == name, "-current")
        self._update_hints()

    def _update_hints(self) -> None:
        # "1/2 f" says there are more charts and how to reach them; side by
        # side (a wide screen) they are all in view, and `f` is in the footer.
        one = len(self.panels) > 1 and (not self.screen.has_class("-wide") or self.has_class("-states"))
        for number, widget in enumerate(self.panels.values(), 1):
            hint = f"{number}/{len(self.panels)} f" if one else ""
            if widget.hint != hint:
                widget.hint = hint
                widget.refresh()

    def on_resize(self) -> None:
        if self.panels:
            self._update_hints()
        self._place_state_panel()
        # The console's size follows the pane's; it is known after the refresh.
        if self._console is not None:
            self.call_after_refresh(self._rewrap)

    def _rewrap(self) -> None:
        """Wrap the console's lines again at its new width.

        Lines wrapped wider than the console is now lose their last cells
        (half a Chinese character is drawn as a blank); lines written while
        the console was hidden were wrapped at no width at all.
        """
        console = self._console
        width = console.scrollable_content_region.width if console is not None else 0
        if console is None or not width or width == self._wrapped_at or not self._written:
            return
        written = [Text(content) if isinstance(content, str) else content for content in self._written]
        console.clear()
        self._written.clear()
        self._append(Text("\n").join(written))

    def on_demo_pane_show(self, message: Show) -> None:
        record = message.record
        self.record = record
        if self._has_run(record):
            self._build_charts(record)
        self.rebind()
        if (self._console is not None and self._console.lines) or record.lines:
            self._rewrite_console(record)
        self._drawn = record.appended  # (an empty record has nothing to draw)
        self._update_results()
        self._update_status()

    def on_demo_pane_status_changed(self) -> None:
        self._update_status()
        if self.record is not None and self.is_attached and self.app.screen is not self.screen:
            self.app.screen.post_message(RunStatusChanged(self.record))

    def on_demo_pane_lines_added(self) -> None:
        record = self.record
        if record is None:
            return
        new = record.appended - self._drawn
        if new > len(record.lines):  # more than the console keeps: begin again
            self._rewrite_console(record)
        elif new > 0:
            lines = list(record.lines)[-new:]
            self.write(Text("\n").join(_as_text(line) for line in lines))
            self._drawn = record.appended
        if len(record.results) != self._results_shown:  # a result line among them
            self._update_results()

    def on_demo_pane_chart_changed(self, message: ChartChanged) -> None:
        self._chart_changed(message.panel)

    def on_demo_pane_states_changed(self) -> None:
        record = self.record
        if record is not None and len(record.states.watched) > record.watched_shown and self.panels:
            # A new optimizer is watched: its map becomes the chart shown (and
            # the one `f` opens), where its path and arrows are.
            selected = record.states.selected
            if selected is not None and selected.panel in self.panels:
                self.show_chart(selected.panel)
            record.watched_shown = len(record.states.watched)
        if self._covered():
            self._stale.add(_STATES)
        elif self._state_panel is not None:
            self._state_panel.states_changed()
            self._place_state_panel()
        if self.record is not None and self.is_attached and self.app.screen is not self.screen:
            self.app.screen.post_message(StatesChanged(self.record))

    def _covered(self) -> bool:
        """Whether a whole screen (the focus view) hides the pane.

        Textual repaints, on the screen on top, every region that a screen
        beneath it dirties (App._background_screens counts the screen below
        even when the one on top is opaque): each step of a paused demo
        redrew the whole 160×48 screen twice, 52 KB more than its own
        frame. A hidden pane draws what changed once it is uncovered.
        """
        if not self.is_attached:
            return False
        screen = self.app.screen
        return screen is not self.screen and not isinstance(screen, ModalScreen)

    def on_demo_pane_uncovered(self) -> None:
        stale, self._stale = self._stale, set()
        if _STATUS in stale:
            self._update_status()
        if _STATES in stale and self._state_panel is not None:
            self._state_panel.states_changed()
            self._place_state_panel()
        for panel in stale - {_STATUS, _STATES}:
            self._chart_changed(panel)

    def _place_state_panel(self) -> None:
        """The state table where the pane has room for it, else its one line (`f` shows it)."""
        panel = self._state_panel
        if panel is None:
            return
        shown = self.record is not None and panel.states is self.record.states and panel.has_states
        panel.display = shown
        if shown:
            panel.compact = self.size.height < STATE_TABLE_ROOM
        if self.has_class("-states") != (shown and not panel.compact):
            self.set_class(shown and not panel.compact, "-states")
            self._update_hints()  # one chart at a time beside the table: its "1/8 f" says so

    def on_demo_pane_run_ended(self) -> None:
        self._flush_charts()

    def on_demo_pane_relocalize(self) -> None:
        self._relocalize()

    def on_demo_pane_show_chart(self, message: ShowChart) -> None:
        self.show_chart(message.name)

    @property
    def charts_shown(self) -> bool:
        """Whether the pane shows the charts of its record's lesson (a run has begun)."""
        record = self.record
        return record is not None and bool(self.panels) and self._charts_of == record.lesson.id and self._has_run(record)

    def _rewrite_console(self, record: RunRecord) -> None:
        """The console shows `record`'s lines, in the current language.

        Written as one Text: each RichLog.write measures and resizes the
        log (40 lines one by one took 5.5 ms here, as one Text 1.8 ms).
        clear() lays the screen out at once (RichLog reads its size), so the
        caller skips this when there is nothing to clear or to show.
        """
        console = self._body()
        console.clear()
        self._written.clear()
        if record.lines:
            self._append(Text("\n").join(_as_text(line) for line in record.lines))
        # Lines a run appended since its last LinesAdded are drawn now: that
        # message must not draw them a second time.
        self._drawn = record.appended

    def rebind(self) -> None:
        """Point the chart widgets at the record's (possibly new) data objects."""
        record = self.record
        if record is None or self._charts_of != record.lesson.id:
            return
        for name, widget in self.panels.items():
            previous = record.previous.panels.get(name) if record.previous else None
            widget.set_data(record.data.panel(name), previous)
        if self._state_panel is not None:
            self._state_panel.set_states(record.states)
            self._place_state_panel()
        self._tell_other_screen(None)

    def _update_status(self) -> None:
        if self.record is not None:
            # Until the first run the pane is one line, leaving the text room.
            self.set_class(self.record.status[0] == "idle", "-idle")
            if self._has_run(self.record) and self._charts_of != self.record.lesson.id:
                self._build_charts(self.record)
                self.rebind()
            if self._covered():
                self._stale.add(_STATUS)
            else:
                # One line (its height is fixed) but while idle, when a wide pane
                # wraps it: a layout pass costs a step of step mode ~75 ms here.
                self._status.update(self.record.status_text(), layout=self.record.status[0] == "idle")

    def _chart_changed(self, panel: str) -> None:
        """Redraw `panel` in this frame: DemoRuns paces these messages (FLUSH),
        and the widget's own throttle would put the redraw in a frame of its own."""
        if self.record is not None and self._charts_of == self.record.lesson.id and (widget := self.panels.get(panel)):
            if self._covered():
                self._stale.add(panel)
            else:
                widget.refresh_data()
                widget.flush()
        self._tell_other_screen(panel)

    def _tell_other_screen(self, panel: str | None) -> None:
        """A screen over the lesson (the focus view) draws the same data: tell it what changed."""
        if self.record is not None and self.is_attached and self.app.screen is not self.screen:
            self.app.screen.post_message(ChartDataChanged(self.record, panel))

    def _flush_charts(self) -> None:
        if self.record is not None and self._charts_of == self.record.lesson.id:
            for widget in self.panels.values():
                widget.flush()
        self._update_results()

    def _update_results(self) -> None:
        """The result strip: the run's result lines, in sight whatever the console shows."""
        if self._results is None or self.record is None:
            return
        self._results_shown = len(self.record.results)
        self._results.update(Text("\n".join(self.record.results), style="bold"))
        self._results.display = bool(self.record.results)

    def write(self, line: str | Note | Text) -> None:
        """A line at the console's end, the pane's own doing (see LinesAdded)."""
        self._append(console_line(line) if isinstance(line, (str, Note)) else line)

    def _append(self, content: Text | str) -> None:
        console = self._body()
        self._written.append(content)
        self._wrapped_at = console.scrollable_content_region.width
        if not console.size.height:  # not laid out yet: its end is not known
            console.write(content)
            return
        # RichLog scrolls to its end after the next refresh: the new lines
        # reached the screen a frame after the write (~30 ms here; the last
        # lines of a run came after its "done", bench/FINDINGS.md).
        console.write(content, scroll_end=False)
        console.scroll_end(animate=False, immediate=True, x_axis=False)

    def _relocalize(self) -> None:
        """Captions and our own console lines in the new language.

        Not `Show`: that rebinds the charts, and plotext would redraw
        canvases that a language does not change.
        """
        gettext = lesson_gettext()
        for widget in self.panels.values():
            widget.set_gettext(gettext)
        if self._state_panel is not None:
            self._state_panel.refresh(layout=True)
        record = self.record
        if record is None:
            return
        if self._console is not None and any(isinstance(line, Note) for line in record.lines):
            self._rewrite_console(record)
        self._update_status()


def _as_text(line: str | Note) -> Text:
    rendered = console_line(line)
    return rendered if isinstance(rendered, Text) else Text(rendered)
