"""What the controllers need of the app, so that they need not import it.

tui/app.py imports the controllers; were they to import it back (for a type,
even), the two could never be read, tested or changed apart. The app
satisfies these protocols as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lessons.course.catalog import Lesson
    from tui.state import State
    from tui.widgets.demo_pane import DemoPane
    from tui.widgets.lesson_view import LessonView


class LessonPage(Protocol):
    """The lesson screen, as the controllers see it."""

    @property
    def lesson_view(self) -> LessonView: ...

    @property
    def demo_pane(self) -> DemoPane: ...

    def show_run(self, lesson: Lesson, lines: list[str], other_settings: bool, lang: str) -> None: ...

    def set_class(self, add: bool, *class_names: str) -> Any: ...

    def refresh_bindings(self) -> None: ...


class Host(Protocol):
    """The app, as the controllers see it: its state and Textual's services."""

    lesson_id: str
    device: str
    state: State
    is_headless: bool
    is_web: bool

    @property
    def lesson_screen(self) -> LessonPage: ...

    def open_lesson_screen(self) -> LessonPage | None: ...

    def save(self) -> None: ...

    def notify(self, message: str, **options: Any) -> None: ...

    def exit(self, result: Any = None, return_code: int = 0) -> None: ...

    def set_timer(self, delay: float, callback: Any, **options: Any) -> Any: ...

    def set_interval(self, interval: float, callback: Any, **options: Any) -> Any: ...

    def call_after_refresh(self, callback: Any, *args: Any, **kwargs: Any) -> bool: ...

    def run_worker(self, work: Any, **options: Any) -> Any: ...

    def push_screen(self, screen: Any, callback: Any = None, **options: Any) -> Any: ...

    def refresh_bindings(self) -> None: ...

    def copy_to_clipboard(self, text: str) -> None: ...

    def deliver_text(self, path_or_file: Any, **options: Any) -> Any: ...
