"""Notifications in Chinese show every character, read off the composed screen.

A toast floats over the lesson; Textual cut it at the edges of the widgets
beneath and dropped the wide characters that straddled a cut (tui/wide_chops.py).
"""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from textual.widgets._toast import Toast

from lessons.course.i18n import translations
from tests.pty_helpers import SCREEN, launch  # noqa: F401  (launch is a fixture)
from tui.app import GradTour
from tui.controllers.demo_runs import MSG_EXPORTED
from tui.i18n import _
from tui.state import State
from tui.themes import MSG_THEME, THEMES


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
        # The theme key's toasts (T, in the pty test below), stacked at
        # different heights over different widgets, and a long one that wraps.
        # A minute each: on a busy machine a 3 s toast could go before it is read.
        for _theme, name in THEMES:
            app.notify(_(MSG_THEME).format(name=_(name)), timeout=60)
        app.notify(_(MSG_EXPORTED).format(path="/tmp/导出/gradtour_8_1.py", name="gradtour_8_1.py"), timeout=60)
        for _frame in range(4):
            await pilot.pause(0.05)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == len(THEMES) + 1
        for toast in toasts:
            expected = "".join(str(toast._notification.message).split())
            assert toast_text(app, toast) == expected


@pytest.mark.parametrize("cols, rows", [(80, 24), (120, 40)])
def test_chinese_toasts_in_a_real_terminal(launch, cols, rows):
    """What the terminal shows, partial redraws included: the report's steps
    (`--lang zh`, T, T) in a pty, the screen read with pyte."""
    term = launch("--lang", "zh", cols=cols, rows=rows)
    term.wait_for(lambda screen: "1 / 12" in screen, SCREEN)
    zh = translations("zh", "tui").gettext
    # Spaces dropped: a wide character lost on a cut showed as two spaces.
    toasts = ["".join(zh(MSG_THEME).format(name=zh(name)).split()) for _theme, name in THEMES]
    for _press in range(2):
        shown = len(re.findall("配色：", term.text()))
        term.press("T")
        term.wait_for(lambda screen: len(re.findall("配色：", screen)) > shown, SCREEN)
        term.settle()
        screen = "".join(term.text().split())
        assert sum(screen.count(toast) for toast in toasts) == screen.count("配色："), term.text()
