"""Charts as text: the points a demo sends (`data`) and how a panel is drawn
(`plot`): a plotext canvas plus captions laid out by terminal cells.

The names below are the face the TUI and `gradtour run` use.
"""

from lessons.charts.plot import (
    GLYPHS, KEY_GLYPH, MIN_CANVAS_HEIGHT, PALETTE, PREVIOUS_COLOR, PREVIOUS_GLYPH, ROOMY_CANVAS_HEIGHT,
    Arrangement, Captions, Line, Span, arrange, captions, crop, format_number, format_tick, legend_keys, plain,
    render_canvas, render_panel_text, series_color,
)

__all__ = [
    "PALETTE", "PREVIOUS_COLOR", "GLYPHS", "PREVIOUS_GLYPH", "KEY_GLYPH",
    "Arrangement", "Captions", "Line", "Span", "MIN_CANVAS_HEIGHT", "ROOMY_CANVAS_HEIGHT",
    "arrange", "captions", "crop", "format_number", "format_tick", "legend_keys",
    "plain", "render_canvas", "render_panel_text", "series_color",
]
