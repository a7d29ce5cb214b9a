"""The demo and lab output keeps every character of a wrapped line.

RichLog wraps a line when it is written, at least `min_width` cells wide:
78 by default. At 80 columns the console shows 77 (the pane's padding and
its scrollbar take the rest), so the 78th cell of every long line was cut
off, and a Chinese character that straddled it was drawn as a blank: hw4's
check message read "是初始值 47.9761 / 943 倍", its "的" gone, and
"碰巧 / 复了" lost "恢".
"""

from __future__ import annotations

import pytest

from tests.test_app import make_app, visible_text

#: Ideographs that no page or UI string uses, so that only the line written
#: here can put them on screen.
RARE = [chr(code) for code in range(0x9F00, 0x9F00 + 60)]


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)])
@pytest.mark.parametrize("offset", ["", "a"])  # a wide character on odd and on even cells
async def test_a_long_chinese_line_keeps_every_character(size, offset):
    app = make_app(lesson="8.hw4", lang="zh")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        pane = app.lesson_screen.demo_pane
        console = pane._body()
        pane.set_class(False, "-idle")  # as during a run
        console.focus()  # and below 120 columns the output is a tab away: shown
        await pilot.pause()
        pane.write(offset + "".join(RARE))
        await pilot.pause()
        shown = console.scrollable_content_region.width
        assert all(strip.cell_length <= shown for strip in console.lines), (shown, console.min_width)
        console.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        text = visible_text(app)
        assert [char for char in RARE if char not in text] == []


#: More ideographs than one wrapped line holds at any of the sizes above.
LONG = [chr(code) for code in range(0x9F00, 0x9F00 + 120)]


async def shown_on_screen(app, pilot, console) -> list[str]:
    """LONG's characters missing from the screen, the console at its top."""
    console.scroll_home(animate=False, immediate=True)
    await pilot.pause()
    text = visible_text(app)
    return [char for char in LONG if char not in text]


async def test_output_rewraps_when_the_terminal_narrows():
    """Written at 110 columns, read at 80: the lines wrap again, none is cut."""
    app = make_app(lesson="8.hw4", lang="zh")
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        pane = app.lesson_screen.demo_pane
        console = pane._body()
        pane.set_class(False, "-idle")
        console.focus()  # below 120 columns the output is a tab away: shown
        await pilot.pause()
        pane.write("".join(LONG))
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert all(strip.cell_length <= console.scrollable_content_region.width for strip in console.lines)
        assert await shown_on_screen(app, pilot, console) == []


async def test_output_written_as_the_console_appears_is_wrapped_at_its_width():
    """A line that arrives in the tick that shows the console (the pane was
    idle, hidden: no width yet) is wrapped again once the console has one."""
    app = make_app(lesson="8.hw4", lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.lesson_screen.demo_pane
        console = pane._body()
        pane.set_class(True, "-idle")
        await pilot.pause()
        assert not console.size.width
        pane.set_class(False, "-idle")
        console.focus()  # below 120 columns the output is a tab away: shown
        pane.write("".join(LONG))
        await pilot.pause()
        await pilot.pause()
        assert max(strip.cell_length for strip in console.lines) > 40  # not a character a line
        assert await shown_on_screen(app, pilot, console) == []
