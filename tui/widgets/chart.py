"""`ChartPanel`: one chart panel of a lesson, drawn live while a demo trains.

Why our own widget rather than textual-plotext: that wrapper needs plotext<6
and lets plotext place titles and labels by `len()`, which breaks Chinese
captions (two cells per character) at 80 columns. Here plotext draws only the
plot area (`lessons.charts.render_canvas`), and every caption is laid out
by cells (`lessons.charts.captions`).

The widget reads a `PanelData` that the app keeps feeding (`ChartData.apply`);
it never copies it. Points may arrive hundreds of times a second, so
`refresh_data()` only schedules a redraw: at most one per `REDRAW_INTERVAL`,
and the plotext canvas is re-rendered only when the size, the data version or
the previous run changed. A language switch redraws the captions at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from time import monotonic
from typing import Any

from rich.cells import cell_len
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from lessons import charts
from lessons.charts import titles as chart_titles
from lessons.charts.data import PanelData
from tui.i18n import _

__all__ = ["CSS_PATH", "ChartPanel", "REDRAW_INTERVAL"]

#: The widget's stylesheet, for the app's CSS_PATH list.
CSS_PATH = Path(__file__).with_name("chart.tcss")
#: Seconds between redraws at most: 10 a second looks live and leaves the
#: event loop free for keys however fast a demo sends points.
REDRAW_INTERVAL = 0.1
Gettext = Callable[[str], str]


def _identity(message: str) -> str:
    return message


class ChartPanel(Widget):
    """Title, live canvas, legend (with axis names) and a readout line for one panel.

    What shows at a given height is `charts.arrange`'s choice: the canvas
    is never cut (its x axis labels are at the bottom), and a panel too short
    for a plot shows its readout instead.

    `spec` is the panel's entry in the lesson's `charts` front matter;
    `gettext` translates its strings (the "lessons" domain; default: none,
    i.e. English) and `ui_gettext` the widget's own words such as "diverged"
    (the "tui" domain; default: `tui.i18n._`, the UI's current language).
    """

    COMPONENT_CLASSES = {
        "chart-panel--title",
        "chart-panel--axis",
        "chart-panel--readout",
        "chart-panel--diverged",
    }

    def __init__(
        self,
        spec: Mapping[str, Any] | None = None,
        data: PanelData | None = None,
        *,
        previous: PanelData | None = None,
        gettext: Gettext | None = None,
        ui_gettext: Gettext | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.spec: dict[str, Any] = dict(spec or {})
        # A map needs room in both directions (chart.tcss gives it more).
        self.set_class(charts.is_landscape(self.spec), "-landscape")
        self._data = data
        self._previous = previous
        self._gettext: Gettext = gettext or _identity
        self._ui_gettext: Gettext = ui_gettext or _
        self._canvas_key: tuple[Any, ...] | None = None
        self._canvas = Text()
        self._last_redraw = float("-inf")
        self._pending: Timer | None = None
        #: How this view draws the data (the focus view changes them): these
        #: series left out, the y scale ("log", "linear") instead of the
        #: spec's; and a hint after the title ("1/2 f"), which also means the
        #: panel is one of several shown in turn, where rows are short.
        self.hidden: frozenset[str] = frozenset()
        self.yscale: str | None = None
        self.hint = ""

    # ------------------------------------------------------------ public API

    @property
    def data(self) -> PanelData | None:
        return self._data

    @property
    def previous(self) -> PanelData | None:
        return self._previous

    def set_data(self, data: PanelData | None, previous: PanelData | None = None) -> None:
        """Show another panel's data (a new run), with `previous` faded underneath."""
        self._data = data
        self._previous = previous
        # A new PanelData may reuse a freed one's id() and version number.
        self._canvas_key = None
        self.refresh_data()

    def refresh_data(self) -> None:
        """The bound data changed: redraw soon, never more than once per REDRAW_INTERVAL."""
        if self._pending is not None:
            return
        if not self.is_mounted:
            # Nothing is on screen yet; the first render reads the data anyway.
            return
        delay = self._last_redraw + REDRAW_INTERVAL - monotonic()
        if delay <= 0:
            self._redraw()
        else:
            self._pending = self.set_timer(delay, self._redraw, name="chart-redraw")

    def flush(self) -> None:
        """Draw a pending redraw now: the run is over, and its last points
        should not wait out the throttle (up to REDRAW_INTERVAL)."""
        if self._pending is not None:
            self._pending.stop()
            self._redraw()

    def set_gettext(self, gettext: Gettext | None, ui_gettext: Gettext | None = None) -> None:
        """Switch language: captions are redrawn now, the canvas is reused."""
        self._gettext = gettext or _identity
        if ui_gettext is not None:
            self._ui_gettext = ui_gettext
        self.refresh()

    @property
    def view_spec(self) -> dict[str, Any]:
        """The spec as drawn: the lesson's, with the y scale this view chose."""
        return {**self.spec, "yscale": self.yscale} if self.yscale else self.spec

    def readout_text(self) -> str:
        """The readout as one plain line, e.g. for a screen reader or a status bar."""
        caps = charts.captions(self.spec, self._data, 10_000, self._gettext, self._ui_gettext)
        return " ".join(charts.plain(line) for line in caps.readout)

    # ------------------------------------------------------------ rendering

    def _redraw(self) -> None:
        self._pending = None
        self._last_redraw = monotonic()
        self.refresh()

    def _style(self, style: int | str | Style | None) -> Style:
        if style is None:
            return Style()
        if isinstance(style, Style):
            return style
        if isinstance(style, int):
            return Style(color=Color.from_ansi(style))
        if style == "previous":
            # The same grey as the faded curves, so the key matches them.
            return Style(color=Color.from_ansi(charts.PREVIOUS_COLOR))
        return self.get_component_rich_style(f"chart-panel--{style}", partial=False)

    def _line(self, line: charts.Line) -> Text:
        return Text.assemble(*((text, self._style(style)) for text, style in line), no_wrap=True, overflow="crop")

    def _canvas_text(self, width: int, height: int) -> Text:
        data, previous = self._data, self._previous
        key = (
            width, height,
            id(data), data.version if data is not None else None,
            id(previous), previous.version if previous is not None else None,
            self.hidden, self.yscale,
        )
        if key != self._canvas_key:
            if charts.is_landscape(self.spec):
                self._canvas = charts.render_landscape(self.spec, data, width, height, previous=previous)
            else:
                ansi = charts.render_canvas(self.view_spec, data, width, height, previous=previous, color=True,
                                            hidden=self.hidden)
                self._canvas = Text.from_ansi(ansi, no_wrap=True, overflow="crop", end="")
            self._canvas_key = key
        return self._canvas

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
        caps = charts.captions(
            self.spec, self._data, width, self._gettext, self._ui_gettext,
            previous=self._previous, color=True,
        )
        if self.hint:
            room = width - cell_len(self.hint) - 1
            title = chart_titles.shorten(self._gettext(str(self.spec.get("title", ""))), room) if room > 0 else ""
            # One chart of several in a short pane: its rows go to the plot; the
            # numbers are in the result strip, and under the cursor after `f`.
            caps = replace(caps, title=((title, "title"), (" " + self.hint, "axis")), readout=())
        plan = charts.arrange(caps, width, height)
        lines = [self._line(line) for line in plan.above]
        if plan.canvas_height:
            lines.append(self._canvas_text(width, plan.canvas_height))
        lines.extend(self._line(line) for line in plan.below)
        return Text("\n", no_wrap=True, overflow="crop").join(lines[:height])
