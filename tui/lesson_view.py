"""The scrolling lesson text: one Static per block."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from lessons.catalog import Block, Gettext, Lesson
from tui.render import localized_renderable


class BlockView(Static):
    def __init__(self, block: Block, index: int) -> None:
        role = f" block-{block.role}" if block.role else ""  # a lab's code and solution (labs.tcss)
        super().__init__(classes=f"block block-{block.kind}{role}")
        self.block = block
        self.index = index

    def localize(self, gettext: Gettext, bilingual_with: Gettext | None, code_values=None) -> None:
        self.update(localized_renderable(self.block, gettext, bilingual_with, code_values))


class LessonView(VerticalScroll, can_focus=True):
    """Shows a lesson; relocalizes in place, keeping the reader's place.

    The place is the block at the top of the viewport plus how far into it
    the reader has scrolled, as a fraction: block heights change with the
    language, so a raw scroll offset would land somewhere else.
    """

    lesson: Lesson | None = None
    #: what-if parameter values shown in the code (empty: the lesson's own)
    code_values: dict = {}

    def show(self, lesson: Lesson, gettext: Gettext, bilingual_with: Gettext | None,
             code_values: dict | None = None) -> None:
        self.lesson = lesson
        self.code_values = code_values or {}
        self._gettexts = (gettext, bilingual_with)
        views = [BlockView(block, index) for index, block in enumerate(lesson.blocks)]
        for view in views:
            view.localize(gettext, bilingual_with, self.code_values)
        with self.app.batch_update():
            self.remove_children()
            self.mount_all(views)
            self.scroll_home(animate=False)

    def set_code_values(self, code_values: dict) -> None:
        self.code_values = code_values
        for view in self.query(BlockView):
            if view.block.kind == "code":
                view.localize(*self._gettexts, self.code_values)

    def relocalize(self, gettext: Gettext, bilingual_with: Gettext | None) -> None:
        anchor, fraction = self.reading_place()
        self._gettexts = (gettext, bilingual_with)
        with self.app.batch_update():
            for view in self.query(BlockView):
                view.localize(gettext, bilingual_with, self.code_values)
        if anchor is not None:
            self.call_after_refresh(self.restore_place, anchor, fraction)

    def reading_place(self) -> tuple[int | None, float]:
        top = self.scroll_y
        for view in self.query(BlockView):
            region = view.virtual_region
            if region.bottom > top:
                into = max(0.0, top - region.y)
                return view.index, (into / region.height if region.height else 0.0)
        return None, 0.0

    def restore_place(self, index: int, fraction: float) -> None:
        views = list(self.query(BlockView))
        if not 0 <= index < len(views):
            return
        region = views[index].virtual_region
        self.scroll_to(y=region.y + fraction * region.height, animate=False, immediate=True)
