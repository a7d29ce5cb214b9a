"""Snapshots of the lesson screen: each language, at 80x24 and 120x40.

Regenerate after an intended change with `pytest tests/test_snapshots.py --snapshot-update`
and read the SVGs in tests/__snapshots__ before committing them.
"""

from __future__ import annotations

import pytest

from tui.app import GradTour
from tui.widgets.lesson_view import BlockView
from tui.state import State


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_screen(snap_compare, lang, size):
    app = GradTour(state=State(), lang=lang, lesson="8.3")
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_with_table(snap_compare, lang):
    async def scroll_to_table(pilot):
        await pilot.pause()  # the lesson screen composes after the app starts
        view = pilot.app.lesson_screen.lesson_view
        table = next(v for v in view.query(BlockView) if v.block.kind == "table")
        view.scroll_to_widget(table, animate=False, top=True)
        await pilot.pause()

    app = GradTour(state=State(), lang=lang, lesson="8.4")
    assert snap_compare(app, terminal_size=(80, 24), run_before=scroll_to_table)


@pytest.mark.parametrize("key", ["t", "question_mark", "g"], ids=["contents", "help", "glossary"])
def test_dialogs_in_chinese(snap_compare, key):
    app = GradTour(state=State(), lang="zh", lesson="8.2")
    assert snap_compare(app, terminal_size=(80, 24), press=[key])
