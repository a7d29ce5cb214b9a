"""The text around a chart's canvas (title, legend, readout) laid out by terminal
cells, and how a panel's lines are shared between the canvas and its captions.

Every translated string is laid out here, measured with `rich.cells.cell_len`:
plotext lays text out by `len()`, and a CJK character takes two cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from rich.cells import cell_len, set_cell_size
from rich.style import Style

from lessons.charts import titles as chart_titles
from lessons.charts.axes import format_number
from lessons.charts.data import PanelData, Series, SeriesReadout
from lessons.charts.series import (
    KEY_GLYPH, MIN_WIDTH, PREVIOUS_GLYPH, display_order, glyph, is_bar, is_log, series_color, spec_series,
)
from lessons.course.i18n import N_

Gettext = Callable[[str], str]
#: A caption span: its text and how to style it, either a `PALETTE` colour
#: (xterm-256 number) or a role: "title", "axis", "readout", "diverged",
#: "previous", or None for the default style; or a rich Style, for a key
#: that must look as it does on a chart that paints its own background
#: (a landscape's arrow kinds).
Span = tuple[str, Union[int, str, Style, None]]
Line = tuple[Span, ...]

_LOG_TEXT = N_("{axis} (log scale)")
_DIVERGED = N_("diverged")
_PREVIOUS = N_("previous run")
_HIDDEN = N_("hidden")
#: A panel (or a cursor) with no points to read.
NO_DATA = N_("no data yet")
_READOUT = N_("{name}: last {last}, min {min}")
_READOUT_DIVERGED = N_("{name}: diverged at {axis} {x}")
_READOUT_EMPTY = N_("{name}: no data yet")
_READOUT_BAR = N_("{name}: {value}")
#: Between readout items; translated because Chinese punctuation differs.
_READOUT_SEPARATOR = N_("; ")
#: A legend entry whose curve lies exactly under another one, which is drawn
#: later and so is the only one seen.
_SAME_AS = N_("{name} (same as {other})")


def identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class Captions:
    """The text around a canvas, each line at most `width` cells wide.

    `keys` is one line naming the series, for when there is room for one
    legend line only: whole entries, as many as fit, then "…" (never half a
    name: the part cut would be the one telling curves apart, "LR=0.1");
    it is empty with fewer than two series, where colour tells nothing apart.
    `title` is the title shortened to one line (`titles.shorten`),
    `title_lines` the whole title wrapped to the width.
    """

    title: Line
    legend: tuple[Line, ...]
    readout: tuple[Line, ...]
    keys: Line = ()
    title_lines: tuple[Line, ...] = ()


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def crop(spans: Sequence[Span], width: int) -> Line:
    """`spans` cut to at most `width` cells, ending in "…" when something was cut."""
    total = sum(cell_len(text) for text, _ in spans)
    if total <= width:
        return tuple(spans)
    out: list[Span] = []
    room = max(0, width - 1)
    for text, style in spans:
        size = cell_len(text)
        if size <= room:
            out.append((text, style))
            room -= size
            continue
        if room:
            # set_cell_size pads with a space where the cut would halve a
            # wide character, so the width stays exact.
            out.append((set_cell_size(text, room), style))
        break
    if width >= 1:
        out.append(("…", out[-1][1] if out else None))
    return tuple(out)


#: Between legend entries.
_GAP = "  "


def pack(chunks: Iterable[Sequence[Span]], width: int, gap: str = _GAP) -> tuple[Line, ...]:
    """Chunks side by side, wrapped onto new lines by cells; a chunk never splits."""
    lines: list[list[Span]] = []
    used = 0
    for chunk in chunks:
        chunk = crop(chunk, width)
        size = sum(cell_len(text) for text, _ in chunk)
        if lines and used + cell_len(gap) + size <= width:
            lines[-1].append((gap, None))
            lines[-1].extend(chunk)
            used += cell_len(gap) + size
        else:
            lines.append(list(chunk))
            used = size
    return tuple(tuple(line) for line in lines)


def _display_name(key: str, spec: Mapping[str, Any], gettext: Gettext) -> str:
    label = spec_series(spec).get(key)
    return gettext(label) if label else key


def _axis_name(spec: Mapping[str, Any], axis: str, gettext: Gettext) -> str:
    name = spec.get(axis)
    return gettext(str(name)) if name else axis


def legend_keys(spec: Mapping[str, Any] | None, panel: PanelData | None, gettext: Gettext = identity) -> list[tuple[str, str, int, bool]]:
    """(key, display name, colour index, diverged) per series, in legend order."""
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    return [(key, _display_name(key, spec, gettext), index, key in panel.diverged) for key, index in display_order(spec, panel)]


def _same_points(a: Series, b: Series) -> bool:
    """Whether two series draw the same curve: same x, y equal to float32 precision.

    float32 because demos compute in it: two runs that agree mathematically
    (lesson 8.3's LR=0.1 and LR=0.9) differ there in the last bit.
    """
    if len(a) != len(b) or not len(a) or not math.isclose(a.last or 0.0, b.last or 0.0, rel_tol=1e-5):
        return False
    return a.xs == b.xs and all(math.isclose(p, q, rel_tol=1e-5) for p, q in zip(a.ys, b.ys))


def _hidden_under(spec: Mapping[str, Any], panel: PanelData) -> dict[str, str]:
    """Series whose whole curve is covered by a later one: key → the key on top.

    Curves are drawn in legend order, so the last of a set of identical ones
    is the one seen; every earlier one is named after it.
    """
    order = [key for key, _ in display_order(spec, panel)]
    hidden = {}
    for i, key in enumerate(order):
        for later in reversed(order[i + 1:]):
            if _same_points(panel.series[key], panel.series[later]):
                hidden[key] = later
                break
    return hidden


def _has_points(panel: PanelData | None) -> bool:
    return panel is not None and any(len(series) for series in panel.series.values())


def captions(
    spec: Mapping[str, Any] | None,
    panel: PanelData | None,
    width: int,
    gettext: Gettext = identity,
    ui_gettext: Gettext = identity,
    *,
    previous: PanelData | None = None,
    color: bool = True,
    hidden: Collection[str] = (),
    numbered: bool = False,
) -> Captions:
    """Title, legend and readout lines for one panel, laid out by cells.

    `gettext` translates the lesson's strings (title, axis and series names:
    the "lessons" domain); `ui_gettext` the fixed words this module adds
    ("diverged", "previous run", …: the "tui" domain). The legend ends with
    the axis names; its keys match `render_canvas` with the same `color`.
    `numbered` puts each series' number (1, 2, …: the focus view's keys to
    hide it) before its key; a series in `hidden` is named in grey, "hidden".
    """
    spec = spec or {}
    panel = panel if panel is not None else PanelData()
    width = max(1, int(width))
    title = gettext(str(spec["title"])) if spec.get("title") else ""

    chunks: list[list[Span]] = []
    series_count = 0
    if not is_bar(spec, panel):
        keys = legend_keys(spec, panel, gettext)
        series_count = len(keys)
        covered = _hidden_under(spec, panel)
        for number, (key, name, index, diverged) in enumerate(keys, 1):
            if key in covered:
                # Colour cannot show a curve that another one covers; words can.
                name = ui_gettext(_SAME_AS).format(name=name, other=_display_name(covered[key], spec, gettext))
            chunk: list[Span] = [(f"{number} ", "axis")] if numbered else []
            if key in hidden:
                chunk += [(KEY_GLYPH if color else glyph(index), "previous"),
                          (f" {name} ({ui_gettext(_HIDDEN)})", "previous")]
            else:
                chunk += [(KEY_GLYPH if color else glyph(index), series_color(index)), (" " + name, None)]
            if diverged:
                chunk.append((" " + ui_gettext(_DIVERGED), "diverged"))
            chunks.append(chunk)
        if _has_points(previous):
            chunks.append([(KEY_GLYPH if color else PREVIOUS_GLYPH, "previous"), (" " + ui_gettext(_PREVIOUS), "previous")])
    key_chunks = list(chunks)
    y_name = _axis_name(spec, "y", gettext)
    if is_log(spec):
        y_name = ui_gettext(_LOG_TEXT).format(axis=y_name)
    chunks.append([(f"x: {_axis_name(spec, 'x', gettext)}", "axis")])
    chunks.append([(f"y: {y_name}", "axis")])

    legend = pack(chunks, width)
    return Captions(
        title=((chart_titles.shorten(title, width), "title"),) if title else (),
        title_lines=tuple(((line, "title"),) for line in chart_titles.wrap(title, width)),
        legend=legend,
        readout=pack(_readout_chunks(spec, panel, gettext, ui_gettext), width, gap=ui_gettext(_READOUT_SEPARATOR)),
        keys=_keys_line(key_chunks, legend, width) if series_count >= 2 else (),
    )


def _keys_line(chunks: list[list[Span]], legend: tuple[Line, ...], width: int) -> Line:
    """Every legend key on one line: the legend's first line if it holds them all,
    else the whole entries that fit, then "…"."""
    if len(pack(chunks, width)) == 1:
        return legend[0]
    spans: list[Span] = []
    used = 0
    for chunk in chunks:
        size = sum(cell_len(text) for text, _ in chunk) + (cell_len(_GAP) if spans else 0)
        if used + size + cell_len(_GAP) + 1 > width:
            break
        if spans:
            spans.append((_GAP, None))
        spans.extend(chunk)
        used += size
    if not spans:
        # Not even one entry fits: its start is better than nothing.
        return crop(list(chunks[0]), width)
    return (*spans, (_GAP + "…", None))


def _readout_chunks(spec: Mapping[str, Any], panel: PanelData, gettext: Gettext, ui_gettext: Gettext) -> list[list[Span]]:
    if panel.is_empty:
        return [[(ui_gettext(NO_DATA), "readout")]]
    x_name = _axis_name(spec, "x", gettext)
    chunks: list[list[Span]] = []
    readouts: list[SeriesReadout] = list(panel.readout())
    if not panel.bar_labels:
        order = {key: i for i, (key, _) in enumerate(display_order(spec, panel))}
        readouts.sort(key=lambda r: order.get(r.name, len(order)))
    for r in readouts:
        name = _display_name(r.name, spec, gettext)
        if panel.bar_labels:
            text = ui_gettext(_READOUT_BAR).format(name=name, value=format_number(r.last))
            chunks.append([(text, "readout")])
        elif r.diverged:
            text = ui_gettext(_READOUT_DIVERGED).format(name=name, axis=x_name, x=format_number(r.diverged_at))
            chunks.append([(text, "diverged")])
        elif r.last is None:
            chunks.append([(ui_gettext(_READOUT_EMPTY).format(name=name), "readout")])
        else:
            text = ui_gettext(_READOUT).format(name=name, last=format_number(r.last), min=format_number(r.min))
            chunks.append([(text, "readout")])
    return chunks


#: The smallest canvas worth drawing: the frame, two plotted rows and the x tick labels.
MIN_CANVAS_HEIGHT = 5
#: The canvas height reached before any caption line beyond the essential ones.
ROOMY_CANVAS_HEIGHT = 8


@dataclass(frozen=True)
class Arrangement:
    """Caption lines above and below a canvas of `canvas_height` lines (0: no canvas)."""

    above: tuple[Line, ...]
    canvas_height: int
    below: tuple[Line, ...]


def arrange(caps: Captions, width: int, height: int) -> Arrangement:
    """What fits in `height` lines: the canvas first, then captions by importance.

    In order: a whole canvas of MIN_CANVAS_HEIGHT (its x tick labels are
    what make it readable) with, for two or more series, the keys line, as
    colour alone must not tell curves apart; the title; the first readout
    line; the canvas up to ROOMY_CANVAS_HEIGHT; the rest of the legend; the
    rest of the readout; the remainder to the canvas. Too small for that
    minimum, a panel shows its title and readout only: numbers say more than
    a squashed plot.
    """
    height = max(0, int(height))
    title = (caps.title,) if plain(caps.title) else ()
    keys = (caps.keys,) if caps.keys else ()
    if width < MIN_WIDTH or height < MIN_CANVAS_HEIGHT + len(keys):
        readout = caps.readout[:height]
        return Arrangement(title[: height - len(readout)], 0, readout)
    room = height - MIN_CANVAS_HEIGHT - len(keys)
    above = title[:room]
    room -= len(above)
    readout = caps.readout[: min(1, room)]
    room -= len(readout)
    legend = keys
    if not legend and caps.legend and room:
        # One series, or bars: the legend's line names the axes.
        legend = caps.legend[:1]
        room -= 1
    canvas = MIN_CANVAS_HEIGHT + min(room, ROOMY_CANVAS_HEIGHT - MIN_CANVAS_HEIGHT)
    room -= canvas - MIN_CANVAS_HEIGHT
    if legend and len(caps.legend) - len(legend) <= room:
        room -= len(caps.legend) - len(legend)
        legend = caps.legend
    more = caps.readout[len(readout): len(readout) + room] if readout else ()
    return Arrangement(above, canvas + room - len(more), legend + readout + more)
