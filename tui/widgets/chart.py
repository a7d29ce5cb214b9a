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
from time import monotonic, perf_counter
from typing import Any

from rich.cells import cell_len
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.timer import Timer
from textual.visual import Visual, visualize
# _RenderCache and Widget._render_content are Textual's own (8.2, pinned <9 in
# pyproject.toml): the one place where a widget's lines are made, which a map
# needs to make row by row (ChartPanel._render_content). A Textual that moves
# them fails tests/test_landscape_app.py's repaint test, not a learner's screen.
from textual.widget import Widget, _RenderCache

from lessons import charts
from lessons.charts import titles as chart_titles
from lessons.charts.data import PanelData
from tui.i18n import _

__all__ = ["CHEAP_FRAME", "CSS_PATH", "ChartPanel", "FAST_REDRAW_INTERVAL", "REDRAW_INTERVAL"]

#: The widget's stylesheet, for the app's CSS_PATH list.
CSS_PATH = Path(__file__).with_name("chart.tcss")
#: Seconds between redraws at most: 10 a second looks live and leaves the
#: event loop free for keys however fast a demo sends points.
REDRAW_INTERVAL = 0.1
#: …and after a frame that took less than CHEAP_FRAME seconds to make, this
#: (ChartPanel.redraw_interval): 12 a second, a fifth of the loop at most.
FAST_REDRAW_INTERVAL = 0.08
CHEAP_FRAME = 0.016
Gettext = Callable[[str], str]


def _identity(message: str) -> str:
    return message


def _same_strip(a: Strip, b: Strip) -> bool:
    """Whether two lines show the same: the same Strip (a map row kept), or equal segments."""
    return a is b or (a.cell_length == b.cell_length and list(a) == list(b))


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
        #: The lines of a map were made for a partial repaint (_refresh_changed_lines).
        self._made = False
        #: Seconds the last frame took to make (render or _render_content).
        self._frame_cost = 0.0
        #: A landscape's rows: id of a row's cached segments → (those segments, the style
        #: under them, their Strip).
        self._row_strips: dict[int, tuple[tuple, Style, Strip]] = {}
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

    def redraw_interval(self) -> float:
        """Seconds between redraws now: FAST_REDRAW_INTERVAL after a frame that cost
        less than CHEAP_FRAME, else REDRAW_INTERVAL.

        A fixed 0.1 s is a ceiling of 10 frames a second that the timer's own
        delay always pushes below (9.8 measured at 160x48); a cheap frame can
        come sooner and still leave the loop free for keys, a dear one cannot.
        """
        return FAST_REDRAW_INTERVAL if self._frame_cost < CHEAP_FRAME else REDRAW_INTERVAL

    def refresh_data(self) -> None:
        """The bound data changed: redraw soon, never more than once per redraw_interval()."""
        if self._pending is not None:
            return
        if not self.is_mounted:
            # Nothing is on screen yet; the first render reads the data anyway.
            return
        delay = self._last_redraw + self.redraw_interval() - monotonic()
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
        if self.is_landscape and self._render_cache.size == self.size and self._render_cache.lines:
            self._refresh_changed_lines()
        else:
            self.refresh()

    def _refresh_changed_lines(self) -> None:
        """Repaint only the lines of a map that changed: while a demo trains, the
        rows a path moved in and the readout. Textual repaints (and writes to the
        terminal) a whole widget on `refresh()`: 23 KB a frame at 160x48."""
        old = self._render_cache.lines
        self._render_content()
        new = self._render_cache.lines
        width = self.size.width
        changed = [Region(0, y, width, 1) for y in range(max(len(old), len(new)))
                   if y >= len(old) or y >= len(new) or not _same_strip(old[y], new[y])]
        if changed:
            # The lines are made: the repaint that follows only reads them.
            self._made = True
            self.refresh(*changed)

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

    def _layout(self, width: int, height: int) -> tuple[list[Text], int, list[Text]]:
        """The caption lines above the canvas, the canvas's height, and those below it."""
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
        above = [self._line(line) for line in plan.above]
        return above, plan.canvas_height, [self._line(line) for line in plan.below]

    def _canvas_view(self, width: int, height: int) -> Text:
        """The canvas as the panel shows it (the focus view draws its cursor on it)."""
        return self._canvas_text(width, height)

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
        started = perf_counter()
        above, canvas_height, below = self._layout(width, height)
        lines = [*above, *([self._canvas_view(width, canvas_height)] if canvas_height else []), *below]
        self._frame_cost = perf_counter() - started
        return Text("\n", no_wrap=True, overflow="crop").join(lines[:height])

    # ------------------------------------------------------------ a landscape, by rows

    def _render_content(self) -> None:
        """Textual's hook that turns the widget into lines: a landscape's map rows
        are made here, each from its cached segments, not through `render`'s one
        big Text (which Textual re-styles whole: every band boundary of every
        row, every frame, while keys wait; bench/FINDINGS.md)."""
        if not self.is_landscape:
            super()._render_content()
            return
        if self._made and self._render_cache.size == self.size:
            self._made = False
            self._dirty_regions.clear()
            return
        self._made = False
        started = perf_counter()
        width, height = self.size
        strips: list[Strip] = []
        if width > 0 and height > 0:
            above, canvas_height, below = self._layout(width, height)
            strips = self._text_strips(above, width)
            if canvas_height:
                strips += self._landscape_strips(width, canvas_height)
            strips += self._text_strips(below, width)
        self._render_cache = _RenderCache(self.size, strips[:height])
        self._dirty_regions.clear()
        self._frame_cost = perf_counter() - started

    @property
    def is_landscape(self) -> bool:
        return charts.is_landscape(self.spec)

    def _text_strips(self, lines: list[Text], width: int) -> list[Strip]:
        if not lines:
            return []
        text = Text("\n", no_wrap=True, overflow="crop").join(lines)
        return Visual.to_strips(self, visualize(self, text), width, len(lines), self.visual_style, pad=True)

    def _landscape_strips(self, width: int, height: int) -> list[Strip]:
        """The map's rows as Strips; a row whose segments are the ones of the last
        frame (the cache's same tuple) keeps its Strip, and what Textual cached of it."""
        rows = charts.render_landscape_rows(self.spec, self._data, width, height, previous=self._previous)
        # Under every row, the widget's own style (the theme's background behind
        # the axis labels), as Textual puts it under what `render` returns.
        base = self.visual_style.rich_style
        kept = self._row_strips
        made: dict[int, tuple[tuple, Style, Strip]] = {}
        strips = []
        for row in rows:
            hit = kept.get(id(row))
            if hit is not None and hit[0] is row and hit[1] == base:
                strip = hit[2]
            else:
                strip = Strip(row, cell_length=width).apply_style(base)
            made[id(row)] = (row, base, strip)
            strips.append(strip)
        self._row_strips = made
        return self._decorate_landscape(strips, width, height)

    def _decorate_landscape(self, strips: list[Strip], width: int, height: int) -> list[Strip]:
        """The map's rows as shown: the focus view marks its cursor's points on them."""
        return strips
