"""The Textual application: the lesson screen (tui/screens/lesson.py) plus modal dialogs."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from lessons.course import catalog
from lessons.course.i18n import LANGUAGES
from tui import cjk_wrap, themes, wide_chops
from tui.controllers import lifecycle
from tui.controllers.demo_runs import DemoRuns
from tui.controllers.lab_session import LabActions, Labs
from tui.i18n import N_, _, current_language, lesson_gettext, set_language
from tui.screens import small_screen
from tui.screens.lesson import LessonScreen
from tui.state import State, save_merged, snapshot, state_path
from tui.widgets.demo_pane import DemoPane

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
#: The name the focus view (`f`) is installed under: one screen, shown again.
_FOCUS_SCREEN = "focus"
MSG_SAVE_FAILED = N_("Could not save your place: {reason}")
MSG_COPIED = N_("Copied.")
MSG_CTRL_C_IN_BROWSER = N_(
    "In a browser, ctrl+c copies what you select with shift+drag (or in an editor), "
    "y copies the demo's code, and q quits."
)


class SaveFailed(Message):
    """A background save failed (posted from the saving thread)."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error


class GradTour(LabActions, App):
    # One stylesheet per area, by path: importing tui.widgets.chart (and
    # plotext's helpers) for its path would cost the first screen ~10 ms.
    CSS_PATH = ["app.tcss", "widgets/chart.tcss", "widgets/labs.tcss", "widgets/state_panel.tcss"]
    TITLE = "gradtour"
    BINDINGS = [
        Binding("ctrl+c", "ctrl_c", N_("quit"), show=False, priority=True),
        # Not a lower-case letter: those are the lesson keys. shift+t is what
        # terminals speaking the kitty keyboard protocol report.
        Binding("T,shift+t", "cycle_theme", N_("colours"), show=False, key_display="T"),
    ]

    def __init__(
        self,
        *,
        state: State | None = None,
        lang: str = "en",
        lang_is_explicit: bool = False,
        lesson: str | None = None,
        device: str = "auto",
        notices: Iterable[str] = (),
        mouse: bool = True,
        state_path=None,
        colour_system: str | None = None,
    ) -> None:
        """`colour_system`: the terminal's (tui.terminal_env), which picks the
        first theme; None (tests, snapshots) starts in the default theme."""
        super().__init__()
        self.state = state or State()
        #: The state as loaded or last saved: a save writes only what changed
        #: since (another tab of the same learner may have saved the rest).
        self._known = snapshot(self.state)
        self.state_path = state_path
        self.lesson_id = lesson or self.state.lesson
        self.bilingual = False
        self.device = device
        self.notices = list(notices)
        self._save_failed = False
        self._save_lock = threading.Lock()
        self._save_wanted = False
        self.demos = DemoRuns(self)
        self.labs = Labs(self, self.demos)
        cjk_wrap.install()
        wide_chops.install()
        set_language(lang)
        if lang_is_explicit:
            self.state.lang = lang
        themes.install(self, self.state.theme, colour_system)

    # -- lifecycle ---------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return LessonScreen()

    def on_mount(self) -> None:
        lifecycle.install(self)
        self.call_after_refresh(small_screen.check, self)
        self.demos.start_soon()
        self.labs.start()
        # After the first refresh: the lesson screen's toast rack must exist.
        self.call_after_refresh(self._show_notices)

    def _show_notices(self) -> None:
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=10)

    def notify(self, message: str, *, markup: bool = False, **options) -> None:
        """Textual's, with markup off unless asked for: our messages use none,
        and they quote paths, reasons and what the learner typed, where a "[/]"
        raised MarkupError and ended the app."""
        super().notify(message, markup=markup, **options)

    async def on_unmount(self) -> None:
        self.labs.close()
        self.save()
        await self.demos.close()

    # -- what the learner sees ---------------------------------------------

    @property
    def lesson_screen(self) -> LessonScreen:
        return self.get_screen_stack_bottom()

    def get_screen_stack_bottom(self) -> LessonScreen:
        if (screen := self.open_lesson_screen()) is None:
            raise LookupError("no lesson screen")
        return screen

    def open_lesson_screen(self) -> LessonScreen | None:
        """The lesson screen, or None once the app has begun to close.

        Textual pops the screens before the last timers and the cancelled
        demo run call back; those must find nothing to draw on, not raise.
        """
        for screen in self.screen_stack:
            if isinstance(screen, LessonScreen):
                return screen
        return None

    def _gettexts(self, lang: str | None = None):
        lang = lang or current_language()
        other = [code for code in LANGUAGES if code != lang][0]
        return lesson_gettext(lang), (lesson_gettext(other) if self.bilingual else None)

    def prefetch(self) -> None:
        """While the learner reads, draw what they will likely ask for next:
        this lesson in the other language (`l`) and the next lesson (`→`).
        Both then come from the lesson view's cache (bench/FINDINGS.md)."""
        from lessons.course.i18n import usable_language

        here = catalog.load(self.lesson_id)
        other = [code for code in LANGUAGES if code != current_language()][0]
        pages = []
        # A damaged catalog is the learner's to hear about when they ask for
        # that language: drawn ahead, it raised CatalogProblem and ended the app.
        if usable_language(other)[1] is None:
            pages.append(lambda: (here, *self._gettexts(other), self.demos.shown_values(here)))
        if (following := catalog.neighbour(here.id, 1)) != here.id:
            def next_page():
                lesson = catalog.load(following)
                return (lesson, *self._gettexts(), self.demos.shown_values(lesson))

            pages.append(next_page)
        self.lesson_screen.lesson_view.prefetch(*pages)

    def open_lesson(self, lesson_id: str) -> None:
        lesson = catalog.load(lesson_id)
        self.lesson_id = lesson_id
        screen = self.lesson_screen
        screen.lesson_view.show(lesson, *self._gettexts(), self.demos.shown_values(lesson))
        self.demos.lesson_opened(lesson)
        self.labs.lesson_opened(lesson)
        # The keys differ between a lab and a lesson (c, h / x): Textual asks
        # the footer again only on a focus change or when told.
        self.refresh_bindings()
        self.update_topbar()
        self.state.lesson = lesson_id
        self.save_soon()
        self.prefetch()

    def open_lesson_if_chosen(self, lesson_id: str | None) -> None:
        if lesson_id:
            self.open_lesson(lesson_id)

    def update_topbar(self) -> None:
        lesson = catalog.load(self.lesson_id)
        position = f"{lesson.index + 1} / {len(catalog.LESSON_IDS)}"
        mode = _("bilingual") if self.bilingual else LANGUAGE_NAMES[current_language()]
        title = lesson_gettext()(lesson.title)
        self.lesson_screen.show_title(
            f"[b]{lesson.id}[/b]  {_escape(title)}  [dim]│[/dim] {position} [dim]│[/dim] {mode}"
        )
        # Without the reactive's repaint: assigning sub_title repaints the
        # whole screen (~15 KB over ssh at 120x40), and nothing here shows it.
        self.set_reactive(App.sub_title, title)

    def relocalize(self) -> None:
        screen = self.lesson_screen
        screen.lesson_view.relocalize(*self._gettexts())
        screen.demo_pane.post_message(DemoPane.Relocalize())
        self.labs.relocalize()
        self.update_topbar()
        screen.refresh_bindings()
        self.prefetch()

    def switch_language(self) -> None:
        from lessons.course.i18n import usable_language

        target = "zh" if current_language() == "en" else "en"
        lang, problem = usable_language(target)
        if problem:
            self._tell_catalog_problem(problem)
            return
        set_language(lang)
        self.state.lang = lang
        self.relocalize()
        self.save_soon()

    def toggle_bilingual(self) -> None:
        from lessons.course.i18n import usable_language

        other = [code for code in LANGUAGES if code != current_language()][0]
        if not self.bilingual and (problem := usable_language(other)[1]):
            self._tell_catalog_problem(problem)  # else CatalogProblem ended the app
            return
        self.bilingual = not self.bilingual
        self.relocalize()

    def _tell_catalog_problem(self, problem: str) -> None:
        self.notify(_("Chinese translations are unavailable ({reason}); showing English").format(reason=problem),
                    severity="error", timeout=10)

    # -- demos (tui/controllers/demo_runs.py does the work) -------------------------------

    def action_run_demo(self) -> None:
        if not self.labs.run(check=False):  # on a lab, `r` runs the learner's code
            self.demos.run(self.lesson_id)

    def action_stop_demo(self) -> None:
        self.demos.stop()

    def action_pause_demo(self) -> None:
        self.demos.toggle_pause()

    def action_step_demo(self) -> None:
        self.demos.step(self.lesson_id)

    def action_cycle_state(self) -> None:
        self.demos.cycle_state(self.lesson_id)

    def action_edit_params(self, _while: str = "") -> None:
        self.demos.edit_params(self.lesson_id)

    def action_export_demo(self, _while: str = "") -> None:
        self.demos.export(self.lesson_id)

    def on_cell_chosen(self, message) -> None:
        """`enter` on a heat map's cell (the focus view's CellChosen): its setting, then the demo again."""
        self.demos.rerun_with(message.lesson, message.values)

    def action_copy_code(self) -> None:
        self.demos.copy_code(self.lesson_id)

    async def action_ctrl_c(self) -> None:
        """Quit in a terminal, as ever. In a browser, ctrl+c is the key every
        learner presses to copy: it copies the selected text, and never ends
        the session (q does, as the footer says)."""
        if not self.is_web:
            await self.action_quit()
            return
        from textual.widgets import Input, TextArea

        focused = self.focused
        if isinstance(focused, (TextArea, Input)) and focused.selected_text:
            selected = focused.selected_text
        else:
            selected = self.screen.get_selected_text()
        if selected:
            self.copy_to_clipboard(selected)
            self.notify(_(MSG_COPIED), timeout=3)
        else:
            self.notify(_(MSG_CTRL_C_IN_BROWSER), timeout=6)

    def action_focus_chart(self) -> None:
        from tui.screens.focus_view import FocusScreen

        pane = self.lesson_screen.demo_pane
        if pane.charts_shown and pane.record is not None:
            # One focus view, installed and shown again: see FocusScreen.show.
            if self.is_screen_installed(_FOCUS_SCREEN):
                screen = self.get_screen(_FOCUS_SCREEN)
                screen.show(pane.record, pane.current)
            else:
                self.install_screen(FocusScreen(pane.record, pane.current), _FOCUS_SCREEN)
            # Back on the lesson, the pane shows the chart last looked at.
            self.push_screen(_FOCUS_SCREEN, lambda name: pane.post_message(DemoPane.ShowChart(name)))

    def on_resize(self, event) -> None:
        small_screen.check(self, event.size)

    def action_cycle_theme(self) -> None:
        themes.cycle(self)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Keys that cannot act here are hidden from the footer."""
        if small_screen.blocks(self, action):
            return False
        if (verdict := self.labs.check_action(action)) is not None:
            return verdict
        if action == "export_demo" and bool(parameters) != self.demos.running:
            return False  # its twin binding is the one in use (tui/screens/lesson.py)
        if action == "edit_params" and bool(parameters) != (self.demos.running or self.demos.steppable(self.lesson_id)):
            return False
        if action == "run_demo":
            # While a demo runs the footer offers stop instead (room at 80 columns).
            return False if self.demos.running else bool(catalog.load(self.lesson_id).demos)
        if action in ("export_demo", "copy_code"):
            return bool(catalog.load(self.lesson_id).demos)
        if action == "edit_params":
            return bool(catalog.load(self.lesson_id).params)
        if action == "step_demo":
            # Idle on a lesson that races watched optimizers, `.` starts it in step mode.
            return self.demos.running or self.demos.steppable(self.lesson_id)
        if action in ("stop_demo", "pause_demo"):
            return self.demos.running
        if action == "cycle_state":
            return self.demos.watched_count(self.lesson_id) > 1
        if action == "focus_chart":
            return (screen := self.open_lesson_screen()) is not None and screen.demo_pane.charts_shown
        return True

    # -- command palette ---------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        gettext = lesson_gettext()
        for lesson in catalog.load_all():
            title = gettext(lesson.title)
            yield SystemCommand(f"{lesson.id} {title}", _("Go to {id}").format(id=lesson.id),
                                lambda lesson_id=lesson.id: self.open_lesson(lesson_id))
        yield SystemCommand(_("Switch language"), _("English ⇄ Chinese"), self.switch_language)
        yield SystemCommand(_("Bilingual view"), _("Show each block in both languages"), self.toggle_bilingual)
        yield SystemCommand(_("Contents"), _("All lessons"), self.lesson_screen.action_contents)
        yield SystemCommand(_("Glossary"), _("Terms, English ⇄ Chinese"), self.lesson_screen.action_glossary)
        yield SystemCommand(_("Help"), _("Every key"), self.lesson_screen.action_help)
        yield SystemCommand(_("Colours"), _("Next colour theme: dark, light, high contrast, terminal colours"),
                            self.action_cycle_theme)
        yield from self.labs.system_commands()
        yield SystemCommand(_("Quit"), _("Leave gradtour (your place is saved)"), self.action_quit)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from tui.dialogs.palette import Palette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(placeholder=_("Search for commands…"), id="--command-palette"))

    # -- persistence ---------------------------------------------------------

    def save(self) -> None:
        """Save now (quitting, hanging up); a save in progress finishes first."""
        with self._save_lock:
            self._save_wanted = False
            self._write(self.state)

    def save_soon(self) -> None:
        """Save on a thread, as the learner moves on: the atomic write's fsync
        takes ~10 ms here, which a page change must not wait for.

        The directory is made here, so that the usual failure (no such
        directory can exist) is reported at once.
        """
        try:
            (self.state_path or state_path()).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._tell_save_failed(exc)
            return
        self._save_wanted = True
        self.run_worker(self._save_latest, thread=True, group="save", exit_on_error=False)

    def _save_latest(self) -> None:
        # Writers take turns, and each writes the state as it is by then, so
        # the last write on disk is the latest state whatever the order.
        with self._save_lock:
            if not self._save_wanted:
                return
            self._save_wanted = False
            state = replace(self.state, extra=dict(self.state.extra))
            self._write(state, from_thread=True)

    def _write(self, state: State, *, from_thread: bool = False) -> None:
        """Write (the save lock held): this tab's changes, merged with the file."""
        mine = snapshot(state)
        try:
            save_merged(mine, self._known, self.state_path)
        except OSError as exc:
            if from_thread:
                self.post_message(SaveFailed(exc))
            else:
                self._tell_save_failed(exc)
            return
        self._known = mine

    def on_save_failed(self, message: SaveFailed) -> None:
        self._tell_save_failed(message.error)

    def _tell_save_failed(self, exc: OSError) -> None:
        if not self._save_failed:  # once is enough to tell the learner
            self._save_failed = True
            self.notify(_(MSG_SAVE_FAILED).format(reason=exc.strerror or exc), severity="warning", timeout=8)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
