"""The lesson screen: the top bar, the lesson's text, its demo pane, the footer.

The screen holds the keys of a lesson; what they do is the app's (tui/app.py),
reached as `self.app`, which this module does not import.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Static

from lessons.course import catalog
from lessons.course.catalog import Lesson
from tui.i18n import N_
from tui.widgets.demo_pane import DemoPane
from tui.widgets.footer import LocalizedFooter
from tui.widgets.lesson_view import LessonView

LESSON_KEYS = Binding.Group(N_("lesson"), compact=True)

#: From this width on, the demo pane sits beside the text instead of under it.
WIDE = 120


class LessonScreen(Screen):
    # Short descriptions: at 80 columns the footer must hold every key that
    # works here (the help dialog spells each one out).
    BINDINGS = [
        # priority: the lesson scroller binds ←/→ to horizontal scrolling.
        Binding("left,p", "go(-1)", N_("lesson"), priority=True, key_display="←", group=LESSON_KEYS),
        Binding("right,n", "go(1)", N_("lesson"), priority=True, key_display="→", group=LESSON_KEYS),
        Binding("l", "switch_language", N_("lang")),
        # Not in the footer: at 80 columns it has room for every other key
        # (f among them) but not for this one; the help dialog lists it.
        Binding("b", "bilingual", N_("both"), show=False),
        Binding("t", "contents", N_("toc")),
        Binding("g", "glossary", N_("terms")),
        Binding("question_mark", "help", N_("help"), key_display="?"),
        Binding("r", "app.run_demo", N_("run")),
        Binding("s,escape", "app.stop_demo", N_("stop")),
        # Step mode: in the footer only while a demo runs (GradTour.check_action).
        Binding("space", "app.pause_demo", N_("pause"), key_display="␣"),
        Binding("full_stop", "app.step_demo", N_("step"), key_display="."),
        Binding("o", "app.cycle_state", N_("optimizer"), show=False),  # in the help; 80 columns hold no more
        Binding("e", "app.edit_params", N_("edit")),
        Binding("x", "app.export_demo", N_("export")),
        # While a demo runs, their footer room at 80 columns goes to space and
        # `.`: e and x still work, through these unshown twins (one of each
        # pair is enabled at a time: GradTour.check_action). Idle on a lesson
        # whose race `.` starts paused, e gives `.` its room (the idle status
        # line names e; x, which it does not, stays).
        Binding("e", "app.edit_params('running')", N_("edit"), show=False),
        Binding("x", "app.export_demo('running')", N_("export"), show=False),
        Binding("y", "app.copy_code", N_("copy"), show=False),  # in the help: 80 columns hold no more
        Binding("f", "app.focus_chart", N_("zoom")),
        # Labs (tui/controllers/lab_session.py): shown only on a lab's page.
        Binding("c", "app.lab_check", N_("check")),
        Binding("h", "app.lab_hint", N_("hint")),
        Binding("i", "app.lab_edit", N_("code"), show=False),  # the lab panel says it; 76 columns hold the rest
        Binding("a", "app.lab_solution", N_("solution"), show=False),
        Binding("R,shift+r", "app.lab_reset", N_("start over"), show=False, key_display="R"),
        Binding("q", "app.quit", N_("quit")),
    ]

    def compose(self) -> ComposeResult:
        # Before the first layout, not on the first resize: switching layout
        # then lays out (renders) every block of the lesson a second time.
        self.set_class(self.app.size.width >= WIDE, "-wide")
        yield self._topbar
        with Container(id="main"):
            yield LessonView(id="lesson")
            yield DemoPane(id="demo")
        yield LocalizedFooter()

    def __init__(self) -> None:
        super().__init__()
        # Kept, not queried: the title may be set while Textual still mounts it.
        self._topbar = Static(id="topbar")

    def show_title(self, markup: str) -> None:
        self._topbar.update(markup)

    def show_run(self, lesson: Lesson, lines: list[str], other_settings: bool, lang: str) -> None:
        """A run of `lesson` finished: its quotes in the prose are marked
        (tui/widgets/run_marks.py), by the lesson view in its own queue."""
        self.lesson_view.post_message(LessonView.RunFinished(lesson, lines, other_settings, lang))

    @property
    def lesson_view(self) -> LessonView:
        return self.query_one(LessonView)

    @property
    def demo_pane(self) -> DemoPane:
        return self.query_one(DemoPane)

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    def on_screen_resume(self) -> None:
        # Queried, not `demo_pane`: a screen resumed as the app starts or ends
        # (^C during start-up) may have no pane yet, or none any more.
        for pane in self.query(DemoPane):
            pane.post_message(DemoPane.Uncovered())

    def on_mount(self) -> None:
        if self.app.return_code is not None:
            # Quit (^C, q) before the first screen was ready: Textual is taking
            # the widgets down, and filling them raised NoMatches.
            return
        self.lesson_view.focus()
        self.app.open_lesson(self.app.lesson_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # While the lab's editor has the focus, keys are text: ←/→ included.
        return not self.app.labs.editing

    def action_go(self, step: int) -> None:
        self.app.open_lesson(catalog.neighbour(self.app.lesson_id, step))

    def action_switch_language(self) -> None:
        self.app.switch_language()

    def action_bilingual(self) -> None:
        self.app.toggle_bilingual()

    # The dialogs are imported when first opened: the first screen needs none.

    def action_contents(self) -> None:
        from tui.dialogs.lesson import ContentsDialog

        self.app.push_screen(ContentsDialog(self.app.lesson_id, passed=self.app.labs.passed()),
                             self.app.open_lesson_if_chosen)

    def action_glossary(self) -> None:
        from tui.dialogs.lesson import GlossaryDialog

        self.app.push_screen(GlossaryDialog())

    def action_help(self) -> None:
        from tui.dialogs.lesson import HelpDialog

        self.app.push_screen(HelpDialog())
