"""The scrolling lesson text: one Static per block."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from time import monotonic
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from textual.actions import SkipAction
from textual.cache import LRUCache
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from lessons.course.catalog import Block, Gettext, Lesson
from tui.i18n import current_language
from tui.widgets.render import localized_renderable
from tui.widgets.run_marks import RunMarks, marks_for_run

if TYPE_CHECKING:
    from textual.app import App

#: Rendered blocks kept: a whole chapter in both languages at two widths.
RENDERED_BLOCKS = 2048
#: Block widgets made ready right after the first screen, hidden: more than
#: the longest lesson has (8.4: 83 blocks), so that paging never has to mount
#: one (tests/test_lesson_view_cache.py holds it to that).
POOL = 96
#: Prefetching starts this long (s) after a page is shown: its own frames
#: (two layouts) come first.
PREFETCH_DELAY = 0.15
#: Prefetching renders for at most this long (s) before it lets keys through.
PREFETCH_SLICE = 0.005

#: A page worth drawing ahead: the lesson, its gettexts and its code values.
Page = tuple[Lesson, Gettext, "Gettext | None", Mapping[str, Any]]


class Rendered:
    """A renderable drawn once per width, then replayed from a cache.

    Textual renders a block to learn its height at every layout, and again
    to draw it; syntax highlighting (pygments) and Markdown (markdown-it) made
    those renders most of the cost of a page change or a language switch
    (bench/FINDINGS.md). Lines are cached by what the block shows (block,
    language, what-if values) and the width, so a page or language seen
    before costs no rendering at all. The renderable itself is only made on
    a miss.
    """

    _cache: LRUCache[tuple[Hashable, int], list[list[Segment]]] = LRUCache(RENDERED_BLOCKS)

    def __init__(self, key: Hashable, make: Callable[[], RenderableType]) -> None:
        self.key = key
        self.make = make

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        key = (self.key, options.max_width)
        lines = self._cache.get(key)
        if lines is None:
            lines = console.render_lines(self.make(), options.update(height=None), pad=False)
            self._cache[key] = lines
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line


def rendered(block: Block, gettext: Gettext, bilingual_with: Gettext | None,
             code_values: Mapping[str, Any] | None, highlight: bool = True, marks: RunMarks = ()) -> Rendered:
    """`block` as the lesson view shows it, cached (see `Rendered`)."""
    if code_values and block.kind == "code" and block.runnable:
        values: Hashable = tuple(sorted((name, repr(value)) for name, value in code_values.items()))
    else:
        values = ()
    highlight = highlight or block.kind != "code"
    # Only the marks of quotes this block has (translations keep the numbers):
    # a run re-renders the blocks that quote it, not the whole lesson.
    marks = tuple(mark for mark in marks if mark.prose in block.text)
    return Rendered((block, gettext, bilingual_with, values, highlight, marks, marks and current_language()),
                    lambda: localized_renderable(block, gettext, bilingual_with, code_values, highlight=highlight,
                                                 marks=marks))


def block_options(app: App, width: int) -> ConsoleOptions:
    """The options a block is rendered with at `width`, as Textual measures a
    Rich renderable: the key of its cached lines (`Rendered.lines`), so that
    drawing ahead and measuring find the lines drawing uses."""
    return app.console_options.update_width(width).update(highlight=False)


def _rows_at_least(block: Block, gettext: Gettext, width: int) -> int:
    """A lower bound of the rows `block` takes at `width` (margin included)."""
    text = block.text if block.kind == "code" else block.localized(gettext)
    return 1 + sum(max(1, cell_len(line) // max(1, width)) for line in text.splitlines() or [""])


def _classes(block: Block) -> str:
    role = f" block-{block.role}" if block.role else ""  # a lab's code and solution (labs.tcss)
    return f"block block-{block.kind}{role}"


class BlockView(Static):
    def __init__(self, block: Block, index: int) -> None:
        super().__init__(classes=_classes(block))
        self.block = block
        self.index = index
        self._rendered: Rendered | None = None

    def show_block(self, block: Block, index: int) -> None:
        """Show `block` (call localize next): widgets are reused across lessons.

        Its classes change in one step, only if they differ: each change
        restyles the widget (Textual matches the whole stylesheet against
        it), and a page change restyled up to 83 widgets twice, once for the
        block's kind and once to unhide it (`-spare`).
        """
        classes = _classes(block)
        if set(classes.split()) != set(self.classes):
            self.set_classes(classes)
        self.block = block
        self.index = index

    def localize(self, gettext: Gettext, bilingual_with: Gettext | None, code_values=None,
                 highlight: bool = True, marks: RunMarks = ()) -> None:
        self._rendered = rendered(self.block, gettext, bilingual_with, code_values, highlight, marks)
        self.update(self._rendered)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The block's rows at `width`, counted from its cached lines.

        Textual measures a Rich renderable by rendering it whole and counting
        the newlines in its segments, at every layout of a newly shown block:
        on 8.4 (83 blocks) that was most of a page change's two layouts. The
        cached lines are the ones the block is drawn from, so their count is
        the same height.
        """
        if self._rendered is None or not width:
            return super().get_content_height(container, viewport, width)
        return len(self._rendered.lines(self.app.console, block_options(self.app, width)))


class LessonView(VerticalScroll, can_focus=True):
    """Shows a lesson; relocalizes in place, keeping the reader's place.

    The place is the block at the top of the viewport plus how far into it
    the reader has scrolled, as a fraction: block heights change with the
    language, so a raw scroll offset would land somewhere else.
    """

    class RunFinished(Message, bubble=False):
        """A run of `lesson` finished, printing `lines` in `lang` (with the
        lesson's default parameters unless `other_settings`): mark its quotes.

        A message, not a call: the view marks them in its own queue, composed.
        """

        def __init__(self, lesson: Lesson, lines: list[str], other_settings: bool, lang: str) -> None:
            super().__init__()
            self.lesson = lesson
            self.lines = lines
            self.other_settings = other_settings
            self.lang = lang

    lesson: Lesson | None = None
    #: what-if parameter values shown in the code (empty: the lesson's own)
    code_values: dict = {}
    #: bumped by every show, and by every prefetch: the deferred work of an
    #: older one stops
    _shown = 0
    _prefetching = 0
    #: the lesson's block widgets, in order (mounted, or about to be)
    _views: list[BlockView] = []
    #: every block widget, shown or not: the first len(_views) are the lesson's
    _pool: list[BlockView] = []
    #: per lesson id, what the learner's last finished run says about its quotes
    _run_marks: dict[str, RunMarks]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._run_marks = {}

    @property
    def marks(self) -> RunMarks:
        return self._run_marks.get(self.lesson.id, ()) if self.lesson is not None else ()

    def show(self, lesson: Lesson, gettext: Gettext, bilingual_with: Gettext | None,
             code_values: dict | None = None) -> None:
        """Show `lesson`.

        Block widgets are reused from lesson to lesson (new content, perhaps
        new classes); the ones a shorter lesson does not need are hidden, not
        removed, and more are mounted ahead of need while the learner reads
        (`prefetch`). Mounting or removing widgets costs a layout and a frame
        of its own: the new lesson came on screen a frame after its title.

        The very first lesson is drawn a screenful first, its code not yet
        coloured: the blocks below the first screen, and the colours, follow
        right after it is on screen, so that launching waits neither for the
        whole lesson to be laid out nor for pygments (bench/FINDINGS.md).
        """
        first = self.lesson is None
        self.lesson = lesson
        self.code_values = code_values or {}
        self._gettexts = (gettext, bilingual_with)
        self._shown += 1
        pool = self._pool
        views = []
        for index, block in enumerate(lesson.blocks):
            if index < len(pool):
                # Its classes change below, in one step with showing it.
                pool[index].block, pool[index].index = block, index
                views.append(pool[index])
            else:
                views.append(BlockView(block, index))
        surplus = pool[len(views):]
        self._pool = views + surplus
        self._views = views
        now = len(views)
        if first:
            size = self.app.size
            rows, now = 0, 0
            while now < len(views) and rows < size.height:
                rows += _rows_at_least(views[now].block, gettext, size.width)
                now += 1
        for view in views[:now]:
            view.localize(gettext, bilingual_with, self.code_values, highlight=not first, marks=self.marks)
        with self.app.batch_update():
            # Whatever else the last lesson put among its blocks (a lab's
            # panel) is hidden, not removed: its owner may move it to the next
            # lesson, which costs no mount and no extra frame.
            for other in self.children:
                if not isinstance(other, BlockView):
                    other.display = False
            for index, view in enumerate(views):
                view.show_block(view.block, index)
            for view in surplus:
                view.add_class("-spare")
            if unmounted := [view for view in views[:now] if view.parent is None]:
                before = next((view for view in surplus if view.parent is not None), None)
                self.mount_all(unmounted, before=before)
            self.scroll_home(animate=False)
        if first:
            self.call_after_refresh(self._complete, views, now, self._shown)

    def _complete(self, views: list[BlockView], shown: int, generation: int) -> None:
        """The rest of the first lesson: colour its code, mount the blocks below."""
        if generation == self._shown:
            for view in views[:shown]:
                if view.block.kind == "code":
                    view.localize(*self._gettexts, self.code_values)
            for view in views[shown:]:
                view.localize(*self._gettexts, self.code_values, marks=self.marks)
        # Mounted even when another lesson is shown by now: the pool's order
        # is the order on screen.
        self.mount_all([view for view in views[shown:] if view.parent is None])
        self._grow(POOL)

    def prefetch(self, *pages: Callable[[], Page]) -> None:
        """Render `pages` into the cache while the learner reads, a slice at a time.

        Each page is a function (so that loading a lesson is deferred too);
        a later show or prefetch cancels what is left of this one.
        """
        self._prefetching += 1
        work, generation = self._prefetch_work(pages), self._prefetching
        self.set_timer(PREFETCH_DELAY, lambda: self._prefetch_step(work, generation))

    def _prefetch_work(self, pages) -> Iterator[None]:
        width = self._views[0].content_size.width if self._views else 0
        if width <= 0:
            return
        options = block_options(self.app, width)
        for page in pages:
            lesson, gettext, bilingual_with, code_values = page()
            self._grow(len(lesson.blocks))
            yield
            for block in lesson.blocks:
                rendered(block, gettext, bilingual_with, code_values).lines(self.app.console, options)
                yield

    def _grow(self, count: int) -> None:
        """Mount hidden block widgets until there are `count` (see `show`)."""
        if len(self._pool) < count:
            spare = [BlockView(Block("paragraph", "", 0), len(self._pool) + n) for n in range(count - len(self._pool))]
            for view in spare:
                view.add_class("-spare")
            self._pool.extend(spare)
            self.mount_all(spare)

    def _prefetch_step(self, work: Iterator[None], generation: int) -> None:
        deadline = monotonic() + PREFETCH_SLICE
        for _ in work:
            if generation != self._prefetching:
                return
            if monotonic() > deadline:
                # A timer, not call_later: the event loop must run keys in between.
                self.set_timer(0.001, lambda: self._prefetch_step(work, generation))
                return

    # Keys scroll at once, not animated: an animated step is two or three
    # frames, each rewriting the whole lesson area (~10 KB at 120x40 over
    # ssh), and the first of them shows only after ~20 ms. `immediate`: by
    # default Textual scrolls after the next refresh, a frame later
    # (bench/FINDINGS.md).

    def action_scroll_up(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_up(animate=False, immediate=True)

    def action_scroll_down(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_down(animate=False, immediate=True)

    def action_page_up(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_page_down(animate=False)

    def keep_hidden(self, widget: Widget) -> None:
        """Hold `widget` here, hidden, until a page shows it (place_after_block):
        built ahead, its mount costs no later key a frame."""
        widget.display = False
        if widget.parent is not self:
            self.mount(widget)

    def place_after_block(self, widget: Widget, block: Block, still_wanted: Callable[[], bool],
                          tries: int = 20) -> None:
        """Show `widget` (mounted here, or moved) right after `block`'s view.

        That view may not be mounted yet (a long lesson's lower blocks are
        mounted a frame later): then again after the next refresh, while
        `still_wanted()`. Views of another lesson may still be there: the
        block is matched, not its index.
        """
        if not still_wanted():
            return
        anchor = next((view for view in self.children if getattr(view, "block", None) is block), None)
        if anchor is None and tries > 0:
            self.call_after_refresh(self.place_after_block, widget, block, still_wanted, tries - 1)
            return
        if widget.parent is not self:
            self.mount(widget, after=anchor) if anchor is not None else self.mount(widget)
            return
        if anchor is not None and anchor is not widget:
            self.move_child(widget, after=anchor)
        elif anchor is None and self.children[-1] is not widget:
            self.move_child(widget, after=self.children[-1])
        widget.display = True

    def set_code_values(self, code_values: dict) -> None:
        self.code_values = code_values
        for view in self._views:
            if view.block.kind == "code":
                view.localize(*self._gettexts, self.code_values)

    def on_lesson_view_run_finished(self, message: RunFinished) -> None:
        self._run_marks[message.lesson.id] = marks_for_run(message.lesson, message.lines, message.other_settings,
                                                           labels_translated=message.lang != "en")
        if self.lesson is not None and self.lesson.id == message.lesson.id:
            with self.app.batch_update():
                for view in self._views:
                    if view.block.kind != "code":
                        view.localize(*self._gettexts, self.code_values, marks=self.marks)

    def relocalize(self, gettext: Gettext, bilingual_with: Gettext | None) -> None:
        anchor, fraction = self.reading_place()
        self._gettexts = (gettext, bilingual_with)
        with self.app.batch_update():
            for view in self._views:
                view.localize(gettext, bilingual_with, self.code_values, marks=self.marks)
        if anchor is not None and (anchor, fraction) != (0, 0.0):
            # At the top nothing moves: no second layout and frame to wait for.
            self.call_after_refresh(self.restore_place, anchor, fraction)

    def reading_place(self) -> tuple[int | None, float]:
        top = self.scroll_y
        for view in self._views:
            region = view.virtual_region
            if region.bottom > top:
                into = max(0.0, top - region.y)
                return view.index, (into / region.height if region.height else 0.0)
        return None, 0.0

    def restore_place(self, index: int, fraction: float) -> None:
        views = self._views
        if not 0 <= index < len(views):
            return
        region = views[index].virtual_region
        self.scroll_to(y=region.y + fraction * region.height, animate=False, immediate=True)
