"""Notifications in Chinese show every character, read off the composed screen.

A toast floats over the lesson; Textual cut it at the edges of the widgets
beneath and dropped the wide characters that straddled a cut (tui/wide_chops.py).
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets._toast import Toast

from tui.app import GradTour
from tui.demo_runs import MSG_EXPORTED
from tui.i18n import _
from tui.state import State


def composed_rows(app) -> list[str]:
    """The screen's lines as the terminal gets them: a wide character is one
    str of two cells, a halved one two spaces."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def toast_text(app, toast: Toast) -> str:
    """What the screen shows inside `toast`, its lines joined, spaces dropped."""
    region = toast.content_region
    shown = []
    for row in composed_rows(app)[region.y:region.bottom]:
        cells, column = [], 0
        for char in row:
            width = cell_len(char)
            if region.x <= column and column + width <= region.right:
                cells.append(char)
            column += width
        shown.append("".join(cells))
    return "".join("".join(shown).split())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_chinese_toasts_show_every_character(size):
    app = GradTour(state=State(), lang="zh", lesson="8.1")
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        # Three theme toasts stack at different heights over different widgets;
        # the long one wraps over several lines.
        for _key in range(3):
            await pilot.press("T")
        app.notify(_(MSG_EXPORTED).format(path="/tmp/导出/gradtour_8_1.py", name="gradtour_8_1.py"))
        for _frame in range(4):
            await pilot.pause(0.05)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 4
        for toast in toasts:
            expected = "".join(str(toast._notification.message).split())
            assert toast_text(app, toast) == expected
