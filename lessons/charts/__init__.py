"""Charts as text: the points a demo sends, and each panel drawn as a plotext
canvas plus captions laid out by terminal cells.

    data      ChartData / PanelData / Series: what the demos sent, per panel
    axes      ranges and round tick labels (format_number, format_tick)
    series    which series, in which colour and glyph, which of their points
    captions  title, legend and readout lines; arrange() shares a panel's height
    plot      render_canvas (plotext, under one lock), render_panel_text, and
              cursor_column (where an x lies on a drawn canvas); captions of any
              kind of panel
    landscape a 2-D loss as a shaded height map with optimizer paths (kind: landscape)
    heatmap   a grid of cells shaded by their numbers, with a key (kind: heatmap)
    kinds     which kind of panel a spec declares (is_landscape, is_heatmap)
    titles    a title shortened or wrapped between whole tokens, never inside one
    cursor    what every curve reads at a cursor's x (the focus view's readout)
    state_table  one optimizer step's state (a `state` event's record) as a table of lines
    states    the `state` records of a run, the newest 1000 per watched series, and which is selected

The names below are the face the TUI and `gradtour run` use.
"""

from lessons.charts.axes import format_number, format_tick
from lessons.charts.captions import (
    MIN_CANVAS_HEIGHT, NO_DATA, ROOMY_CANVAS_HEIGHT, Arrangement, Captions, Line, Span, arrange, crop, legend_keys,
    pack, plain,
)
from lessons.charts.kinds import is_heatmap, is_landscape
from lessons.charts.plot import (
    captions, cursor_column, render_canvas, render_heatmap, render_landscape, render_landscape_rows, render_panel_text,
)
from lessons.charts.series import (
    CURSOR_COLOR, CURSOR_GLYPH, GLYPHS, KEY_GLYPH, MIN_HEIGHT, MIN_WIDTH, PALETTE, PREVIOUS_COLOR, PREVIOUS_GLYPH, series_color,
)

__all__ = [
    "PALETTE", "PREVIOUS_COLOR", "GLYPHS", "PREVIOUS_GLYPH", "KEY_GLYPH", "CURSOR_GLYPH", "CURSOR_COLOR",
    "Arrangement", "Captions", "Line", "Span", "MIN_CANVAS_HEIGHT", "MIN_HEIGHT", "MIN_WIDTH", "NO_DATA", "ROOMY_CANVAS_HEIGHT",
    "arrange", "captions", "crop", "cursor_column", "format_number", "format_tick", "legend_keys",
    "pack", "plain", "render_canvas", "render_landscape", "render_landscape_rows", "render_panel_text", "series_color", "is_landscape",
    "is_heatmap", "render_heatmap",
]
