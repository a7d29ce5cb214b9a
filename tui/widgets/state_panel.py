"""The optimizer's state panel: what a watched optimizer holds at one step.

It draws one record of a run's `StateHistory` (lessons/charts/states.py) as
`lessons.charts.state_table` lays it out: per parameter number, the gradient,
the momentum buffer or Adam's moments, the bias corrections and the step
taken, each read from the live `optimizer.state` and checked against the
lesson's formula. Which series: the history's selected one (`o` cycles);
which step: the newest, or the one a chart cursor chose (`show_step`).

Compact (the demo pane where it has no room for the table, at 80×24), it is
one line: which optimizer, which step, and that `f` shows the table. The
table itself is then in the focus view, beside or below the chart.
"""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from lessons import charts
from lessons.charts import state_table
from lessons.charts.states import StateHistory
from tui.i18n import N_, _, current_language, lesson_gettext

__all__ = ["CSS_PATH", "StatePanel"]

CSS_PATH = Path(__file__).with_name("state_panel.tcss")

#: Above the table when more than one optimizer is watched.
_WHICH = N_("optimizer {index} of {count} · o shows the next")
#: Above the table when a chart's cursor chose the step.
_AT_CURSOR = N_("at the cursor's step (end: the newest)")
#: The compact panel's line.
_COMPACT = N_("{optimizer} · step {step} · f shows its optimizer state")
_NOTHING = N_("no optimizer state yet: it appears after the first step of a watched optimizer")
#: The learner chose (`o`) an optimizer of the lesson's race that has not stepped yet.
_NOT_STARTED = N_("{optimizer} has not started yet: . runs to its first step")


class StatePanel(Widget):
    """One step of the selected watched series, as a table (or one line when `compact`)."""

    COMPONENT_CLASSES = {"state-panel--title", "state-panel--axis", "state-panel--readout", "state-panel--diverged"}

    def __init__(self, states: StateHistory | None = None, *, compact: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.states = states
        #: the line count of the last render: a layout pass only when it changes
        self._rows = -1
        self._cached: tuple[dict, dict, tuple, list[charts.Line]] | None = None
        #: the step a chart's cursor chose; None: the newest
        self.step: float | None = None
        self.set_class(compact, "-compact")

    @property
    def compact(self) -> bool:
        return self.has_class("-compact")

    @compact.setter
    def compact(self, value: bool) -> None:
        if value != self.compact:
            self.set_class(value, "-compact")
            self._rows = -1
            self.refresh(layout=True)

    def set_states(self, states: StateHistory | None) -> None:
        """Show another run's history (a new record)."""
        self.states = states
        self.step = None
        self._redraw()

    def show_step(self, step: float | None) -> None:
        """Show the record of `step` (None: follow the newest)."""
        if step != self.step:
            self.step = step
            self._redraw()

    def states_changed(self) -> None:
        """New records arrived, or another series was selected."""
        self._redraw()

    def relocalize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        # A layout pass repaints the whole screen (~50 KB a step at 160×48);
        # the table keeps its height from step to step, and then needs none.
        width = self.content_size.width
        rows = len(self.lines(width)) if width > 0 else -1
        self.refresh(layout=rows != self._rows or rows < 0)

    @property
    def has_states(self) -> bool:
        return self.states is not None and (self.states.selected is not None or self.states.pending is not None)

    # ------------------------------------------------------------ rendering

    def _style(self, style: int | str | None) -> Style:
        # The table's styles are the captions' names ("title", "axis", …); no series colours.
        if not isinstance(style, str):
            return Style()
        return self.get_component_rich_style(f"state-panel--{style}", partial=False)

    def _line(self, line: charts.Line) -> Text:
        return Text.assemble(*((text, self._style(style)) for text, style in line), no_wrap=True, overflow="crop")

    def lines(self, width: int, height: int | None = None) -> list[charts.Line]:
        """What the panel shows at `width` cells, as caption lines; within
        `height` rows, the lines that only explain go first (which optimizer
        of how many, then what ✓ and ≠ mean), so that every number stays."""
        states = self.states
        if states is not None and (pending := states.pending) is not None:
            text = _(_NOT_STARTED).format(optimizer=lesson_gettext()(pending[1]))
            return [charts.crop(((text, "readout"),), width)]
        selected = states.selected if states is not None else None
        record = selected.at(self.step) if selected is not None else None
        if selected is None or record is None:
            return [charts.crop(((_(_NOTHING), "axis"),), width)]
        if self.compact:
            text = _(_COMPACT).format(optimizer=selected.optimizer["label"], step=record["step"])
            return [charts.crop(((text, "readout"),), width)]
        table = self._table(record, selected.optimizer, width)
        index, count = states.position()
        notes = []
        if count > 1:
            notes.append(_(_WHICH).format(index=index, count=count))
        if self.step is not None:
            notes.append(_(_AT_CURSOR))
        out = ([charts.crop(((_(" · ").join(notes), "axis"),), width)] if notes else []) + table
        if height is not None and len(out) > height and notes:
            out = table
        key = charts.plain(charts.crop(((_(state_table.KEY), "axis"),), width))
        if height is not None and len(out) > height and charts.plain(out[-1]) == key:
            out = out[:-1]
        return out

    def _table(self, record: dict, optimizer: dict, width: int) -> list[charts.Line]:
        """state_table's lines, laid out once per record, width and language: the
        panel asks at every step for its height, then renders, then redraws."""
        key = (width, current_language())
        cached = self._cached
        # The objects themselves, not their ids: a freed record's id may be reused.
        if cached is None or cached[0] is not record or cached[1] is not optimizer or cached[2] != key:
            cached = self._cached = (record, optimizer, key, state_table.lines(record, optimizer, width, _))
        return cached[3]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(max(1, width)))

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
        self._rows = len(self.lines(width))
        lines = [self._line(line) for line in self.lines(width, height)]
        return Text("\n", no_wrap=True, overflow="crop").join(lines[:height])

    def plain_text(self, width: int = 76) -> str:
        """The panel as plain text (tests, a screen reader)."""
        return "\n".join(charts.plain(line) for line in self.lines(width))
