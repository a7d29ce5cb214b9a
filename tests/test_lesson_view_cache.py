"""The lesson view's speed-ups draw exactly what they replace.

bench/FINDINGS.md explains why they exist: rendered blocks replayed from a
cache, block widgets reused from lesson to lesson, one shared markdown-it
parser. These tests pin down that none of that changes what is drawn.
"""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown

from lessons.course import catalog
from tests.test_app import make_app
from tui.i18n import lesson_gettext
from tui.widgets.lesson_view import BlockView, Rendered
from tui.widgets.render import CODE_THEME, SharedParserMarkdown, localized_renderable


def console(width: int = 86) -> Console:
    return Console(width=width, force_terminal=True, color_system="256", record=False, file=open("/dev/null", "w"))


def test_the_shared_parser_draws_what_rich_draws():
    out = console()
    for lesson in catalog.load_all():
        for block in lesson.blocks:
            if block.kind in ("paragraph", "list", "note", "table"):
                ours = SharedParserMarkdown(block.text, code_theme=CODE_THEME, inline_code_theme=CODE_THEME)
                rich = Markdown(block.text, code_theme=CODE_THEME, inline_code_theme=CODE_THEME)
                assert out.render_lines(ours) == out.render_lines(rich), block.text


def test_a_cached_block_replays_the_same_lines():
    out = console()
    for lang in ("en", "zh"):
        gettext = lesson_gettext(lang)
        for block in catalog.load("8.3").blocks:
            direct = out.render_lines(localized_renderable(block, gettext), pad=False)
            cached = Rendered(("test", lang, block), lambda: localized_renderable(block, gettext))
            assert out.render_lines(cached, pad=False) == direct
            assert out.render_lines(cached, pad=False) == direct  # the second time from the cache


async def test_reused_block_widgets_show_the_new_lesson_only():
    app = make_app(lesson="8.4")  # the longest lesson first: its widgets are reused after
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for target in ("8.2", "8.hw1", "8.4", "8.1"):
            app.open_lesson(target)
            await pilot.pause()
            shown = [view for view in app.lesson_screen.lesson_view.query(BlockView) if not view.has_class("-spare")]
            lesson = catalog.load(target)
            assert [view.block for view in shown] == list(lesson.blocks)
            assert [view.index for view in shown] == list(range(len(lesson.blocks)))
            spare = [view for view in app.lesson_screen.lesson_view.query(BlockView) if view.has_class("-spare")]
            assert all(view.styles.display == "none" for view in spare)
