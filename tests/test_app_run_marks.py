"""The learner's own run, in the prose: quotes confirmed by it, or shown beside its value.

These start the real worker process (PyTorch on the CPU), as a learner would.
"""

from __future__ import annotations

from textual.widgets import Input

from tests.helpers import wait_until
from tests.test_app import make_app, visible_text
from tests.test_app_demos import LONG, status


async def shown_paragraph(pilot, quote: str) -> str:
    """The screen's text with the lesson scrolled to the first block quoting `quote`."""
    view = pilot.app.lesson_screen.lesson_view
    block = next(v for v in view.query("BlockView") if v.block.kind == "paragraph" and quote in v.block.text)
    view.scroll_to_widget(block, animate=False, top=True, immediate=True)
    await pilot.pause(0.1)
    return visible_text(pilot.app)


async def run_demo(pilot, app) -> None:
    await pilot.press("r")
    await wait_until(pilot, lambda: status(app) == "done", timeout=LONG)
    await pilot.pause(0.1)


async def test_a_run_marks_the_quotes_it_confirmed_in_both_languages():
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "4.463 ✓" not in await shown_paragraph(pilot, "4.463")  # unrun: the lesson's own text
        await run_demo(pilot, app)
        text = await shown_paragraph(pilot, "4.463")
        assert "4.463 ✓" in text and "0.537 ✓" in text
        assert "your run" not in text
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "4.463 ✓" in await shown_paragraph(pilot, "4.463")
        await pilot.press("n")  # 8.3, not run: no marks; back on 8.2, they are still there
        await pilot.pause(0.2)
        assert "✓" not in visible_text(app)
        await pilot.press("p")
        await pilot.pause(0.2)
        assert "4.463 ✓" in await shown_paragraph(pilot, "4.463")


async def test_with_other_parameters_the_prose_shows_the_learners_value_beside_the_default_one():
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#param-steps", Input).value = "20"
        await pilot.press("enter")
        await pilot.pause()
        await run_demo(pilot, app)
        text = await shown_paragraph(pilot, "4.463")
        # 20 steps: w = 5 - 5 * 0.8^20 = 4.942; the first gradient does not depend on the steps.
        assert "4.463 (for the default settings; your run: 4.942)" in text
        assert "0.537 (for the default settings; your run: 0.058)" in text
        assert "-10.000 ✓" in await shown_paragraph(pilot, "-10.000")
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "4.463（默认设置下；你的运行：4.942）" in await shown_paragraph(pilot, "4.463")
