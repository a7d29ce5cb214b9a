"""The lesson view's speed-ups draw exactly what they replace.

bench/FINDINGS.md explains why they exist: rendered blocks replayed from a
cache, block widgets reused from lesson to lesson, one shared markdown-it
parser. These tests pin down that none of that changes what is drawn.
"""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console
from rich.markdown import Markdown
from textual.geometry import Size

from lessons.course import catalog
from lessons.course.catalog import Block
from tests.helpers import wait_until
from tests.test_app import make_app
from tui.i18n import lesson_gettext
from tui.widgets import lesson_view
from tui.widgets.lesson_view import POOL, PREFETCH_DELAY, BlockView, Rendered
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


async def test_no_page_change_mounts_a_block_widget():
    """Regression (bench, `→` to 8.3: 206 ms and 33 KB): the pool held 48
    widgets but 8.4 has 83 blocks, so drawing 8.4 ahead from 8.3 mounted 35
    more, and the screen was laid out and written again while the learner
    had just turned the page."""
    longest = max(len(lesson.blocks) for lesson in catalog.load_all())
    assert POOL >= longest
    app = make_app(lesson="8.1")
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.lesson_screen.lesson_view
        await wait_until(pilot, lambda: len(view.query(BlockView)) >= POOL)
        made = len(view.query(BlockView))
        for lesson_id in catalog.LESSON_IDS:
            app.open_lesson(lesson_id)
            await pilot.pause(PREFETCH_DELAY + 0.1)
            assert len(view.query(BlockView)) == made, lesson_id


async def test_a_block_measures_the_height_textual_would():
    """BlockView counts its cached lines instead of letting Textual render the
    block whole to count newlines: the same number, at every width."""
    app = make_app(lesson="8.4")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for lang in ("en", "zh"):
            if lang == "zh":
                await pilot.press("l")
                await pilot.pause()
            views = [v for v in app.lesson_screen.lesson_view.query(BlockView) if not v.has_class("-spare")]
            assert len(views) == len(catalog.load("8.4").blocks)
            for view in views:
                for width in (20, 57, 86):
                    ours = view.get_content_height(Size(width, 40), Size(width, 40), width)
                    assert ours == view.visual.get_height(view.styles, width), (lang, width, view.block.text[:40])


async def test_the_next_page_is_drawn_ahead_again_once_the_device_is_known():
    """Regression: the next page was drawn ahead 0.15 s after launch, before
    the worker said which device it runs on, so its code (which shows
    `device = "cpu"`) was drawn again on the first `→`: 122 ms to the first
    frame of 8.3 instead of 30."""
    app = make_app(lesson="8.2")
    worker = SimpleNamespace(device_auto=None, ready=False, start=_nothing, close=_nothing)
    app.demos._worker = worker  # noqa: SLF001 - no PyTorch: the device is told below
    made: list[tuple[Block, object]] = []
    real = lesson_view.localized_renderable

    def counting(block, gettext, *args, **kwargs):
        made.append((block, gettext))
        return real(block, gettext, *args, **kwargs)

    lesson_view.localized_renderable = counting
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await _drawn_ahead(pilot, made)
            worker.device_auto, worker.ready = "cpu", True
            app.demos._worker_state("ready")  # noqa: SLF001 - as the worker's client calls it
            await _drawn_ahead(pilot, made)
            made.clear()
            await pilot.press("right")
            await pilot.pause()
            assert app.lesson_id == "8.3"
            # (Then 8.3 in Chinese is drawn ahead, for `l`.)
            english = lesson_gettext("en")
            drawn_now = [block for block, gettext in made if block in catalog.load("8.3").blocks
                         and gettext == english]
            assert drawn_now == [], [block.text[:40] for block in drawn_now]
    finally:
        lesson_view.localized_renderable = real


async def _nothing() -> None:
    pass


async def _drawn_ahead(pilot, made: list) -> None:
    """Until drawing ahead has stopped: nothing new made for a while."""
    await pilot.pause(PREFETCH_DELAY)
    while True:
        count = len(made)
        await pilot.pause(0.3)
        if len(made) == count:
            return
