"""The labs in the app: the editor in the lesson, its file, checks, hints, progress.

On a homework page the starting code's place in the lesson holds a LabPanel
(tui/widgets/lab_panel.py) whose editor edits the lab's workspace file
(lessons/labs/workspace.py): edits are written there shortly after the
learner stops typing, and the file is polled (every POLL seconds, by mtime
and size) so that a save from another editor replaces the editor's text
and checks the code again. Runs go through the demo worker
(DemoWorker.run_lab) into the lesson's demo pane, like a demo's; the
verdict lands in the pane's console and on the panel.

Progress (passed, hints revealed, solution shown, the code) lives in the
state file (tui/state.py); a passed lab stays passed.

Keys (bound in tui/app.py): `c` check, `r` run only, `h` next hint, `i`
into the editor, `a` the solution (asks first unless passed), `R` back to
the starting code (asks first). While the editor has the focus, only its
own keys and `ctrl+r` (check) act; `escape` leaves it.
"""

from __future__ import annotations

from dataclasses import replace as _replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import SystemCommand

from lessons import labs
from lessons.course import catalog
from lessons.course.catalog import Lesson
from lessons.labs import workspace as lab_workspace
from tui.widgets.demo_pane import Note, RunRecord
from tui.i18n import N_, _, lesson_gettext
from tui.widgets.lab_panel import LabPanel, Said
from tui.state import LabProgress, lab_progress, set_lab_progress

# The editor (Textual's TextArea), the checks' messages and the dialogs are
# imported where a lab first needs them: the app imports this module at every
# launch, and they cost the first screen ~30 ms (python -X importtime;
# bench/FINDINGS.md).
if TYPE_CHECKING:
    from textual.widgets import TextArea

    from tui.controllers.demo_runs import DemoRuns
    from tui.controllers.host import Host
    from tui.widgets.lab_editor import LabEditor

#: Seconds between looks at the lab's file.
POLL = 0.5
#: Seconds after launch before the lab panel is built, hidden (see _prebuild).
PREBUILD_DELAY = 1.0
#: Seconds after the last keystroke before the file is written.
SAVE_DELAY = 0.4
#: Seconds a file must stay unchanged before a check of it starts (an editor
#: may write it in several steps).
SETTLE = 0.3

ST_LAB_IDLE = N_("Press c to check your code, r to run it, i to edit it.")
ST_LAB_PASSED = N_("✓ passed")
ST_LAB_FAILED = N_("✗ not passed yet: {message}")
ST_LAB_ERROR = N_("✗ your code failed: {message}")
MSG_YOUR_CODE = N_("── your code: {file} ──")
MSG_ERROR_AT = N_("line {line} of {file}:")
MSG_CHECKING = N_("checking your code…")
MSG_RUNNING = N_("running your code…")
MSG_RAN = N_("Your code ran. Press c to check it.")
MSG_STOPPED = N_("Stopped.")
MSG_PASSED = N_("✓ Passed! Every criterion is met; a shows a solution to compare with yours.")
MSG_ERROR = N_("✗ Line {line}: {message}")
MSG_ERROR_NO_LINE = N_("✗ {message}")
MSG_NO_VERDICT = N_("✗ The check did not run: your code stopped before its end.")
MSG_RELOADED = N_("{file} changed on disk: loaded, checking…")
MSG_HINT = N_("Hint {number} of {total}: {text}")
MSG_NO_MORE_HINTS = N_("No more hints. a shows a solution.")
MSG_CANNOT_WRITE = N_("Cannot write {path}: {reason}. Your code is kept in gradtour's saved progress.")
MSG_RESET_DONE = N_("Back to the starting code.")
ASK_SOLUTION_TITLE = N_("Show a solution?")
ASK_SOLUTION = N_("You have not passed this lab yet. Another hint (h) may be all you need; once seen, a solution "
                  "cannot be unseen. Show it anyway?")
ASK_RESET_TITLE = N_("Start over?")
ASK_RESET = N_("Replace your code in {file} with the starting code? Your changes will be lost. Your progress "
               "(passed, hints) is kept.")


class FindingNote(Note):
    """A check's finding in the console: its message may nest other messages."""

    def render(self) -> Text:
        from lessons.labs.checks import localize

        return Text(localize({"template": self.template, "arguments": self.arguments}, _), style=self.style)


class Labs:
    def __init__(self, app: Host, demos: DemoRuns) -> None:
        self.app = app
        self.demos = demos
        self.panel: LabPanel | None = None
        self.lab_id: str | None = None
        self.path: Path | None = None
        self.editing = False
        self._known: lab_workspace.Stamp | None = None  # the file as last written or read here
        self._file_text: str | None = None  # ... and its text
        self._save_timer = None
        self._check_timer = None
        self._said: dict[str, Said] = {}  # the latest word per lab, kept while the learner is elsewhere
        self._built: LabPanel | None = None  # the one panel, moved from lab to lab (hidden elsewhere)

    def start(self) -> None:
        self.app.set_interval(POLL, self._poll)
        self.app.set_timer(PREBUILD_DELAY, self._prebuild)

    def _prebuild(self) -> None:
        """Build the one panel, hidden, while the learner reads the first page.

        Built on the first lab page's `→` instead, the editor (its tree-sitter
        highlight query compile holds the GIL even on a thread) and the
        panel's mount made that page the slowest of the chapter. Built when
        the page before a lab opened, it landed on the learner's next key
        there: once, early, is the least in the way (bench/FINDINGS.md).
        """
        if self._built is not None or (screen := self.app.open_lesson_screen()) is None:
            return
        screen.lesson_view.keep_hidden(self._the_panel())

    def _the_panel(self) -> LabPanel:
        """The one panel every lab shows, built when first needed."""
        if self._built is None:
            self._built = LabPanel()
        return self._built

    # -- opening a lesson ------------------------------------------------------------

    def lesson_opened(self, lesson: Lesson) -> None:
        """After the lesson view shows `lesson`: on a lab, put the panel in place."""
        self._write_now()
        if self._built is not None and self._built.editor.has_focus:
            self.app.lesson_screen.lesson_view.focus()  # hidden or moving: not typed into
        self.panel, self.lab_id, self.path, self.editing = None, None, None, False
        if not labs.is_lab(lesson.id):
            return
        lab = labs.get(lesson.id)
        progress = lab_progress(self.app.state, lesson.id)
        self.lab_id, self.path = lesson.id, lab_workspace.lab_path(lesson.id)
        code, problem = self._load(lab, progress)
        shown = lab_workspace.display_path(self.path)
        panel = self._the_panel()
        panel.load(lesson.id, code, shown, lab.hints, lesson.solution)
        panel.passed, panel.hints_shown, panel.solution_shown = progress.passed, progress.hints, progress.solution
        panel.write_problem = problem
        if lesson.id in self._said:
            panel.said = self._said[lesson.id]
        if panel.is_mounted:
            panel.redraw()
        self.panel = panel
        self._place(panel, lesson)
        record = self.demos.record(lesson)
        if record.status[0] == "idle":
            self.demos.set_status(record, "idle", ST_LAB_IDLE)

    def _place(self, panel: LabPanel, lesson: Lesson) -> None:
        """Put the panel right after the lesson's lab block (the view places it)."""
        self.app.lesson_screen.lesson_view.place_after_block(
            panel, lesson.lab_block, still_wanted=lambda: self.panel is panel and self.lab_id == lesson.id)

    def _load(self, lab: labs.Lab, progress: LabProgress) -> tuple[str, str | None]:
        """The code to edit: the file's, else the saved copy, else the starter; and a write problem."""
        assert self.path is not None
        try:
            text = lab_workspace.read(self.path)
        except OSError as exc:
            text, problem = None, self._cannot_write(exc)
        else:
            problem = None
        if text is not None:
            self._known, self._file_text = lab_workspace.stamp(self.path), text
            return text, None
        text = progress.code if progress.code is not None else lab.starter(lesson_gettext())
        return text, problem or self._write(text)

    def _cannot_write(self, exc: OSError) -> str:
        return _(MSG_CANNOT_WRITE).format(path=lab_workspace.display_path(self.path), reason=exc.strerror or exc)

    def _write(self, text: str) -> str | None:
        """Write the lab's file; a problem to show, or None."""
        try:
            self._known = lab_workspace.write(self.path, text)
        except OSError as exc:
            return self._cannot_write(exc)
        self._file_text = text
        return None

    def relocalize(self) -> None:
        if self.panel is not None and self.panel.is_mounted:
            self.panel.redraw()

    # -- the editor ----------------------------------------------------------------------

    def edited(self, editor: LabEditor) -> None:
        if self.panel is None or editor.text == self._file_text:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.app.set_timer(SAVE_DELAY, self._write_now)

    def _write_now(self) -> None:
        """Write pending edits to the file and the progress (at once: leaving, checking, quitting)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if self.panel is None or self.lab_id is None:
            return
        text = self.panel.editor.text
        if text != self._file_text:
            problem = self._write(text)
            if problem != self.panel.write_problem and self.panel.is_mounted:
                self.panel.write_problem = problem
                self.panel.redraw()
        progress = lab_progress(self.app.state, self.lab_id)
        if progress.code != text:
            set_lab_progress(self.app.state, self.lab_id, _replace(progress, code=text))
            self.app.save()

    def focus_changed(self, editing: bool) -> None:
        self.editing = editing
        screen = self.app.lesson_screen
        screen.set_class(editing, "-editing")
        # Set here, not in CSS: the demo runs set the pane's display inline.
        screen.demo_pane.display = not editing
        if editing and self.panel is not None:
            self.app.call_after_refresh(self._bring_editor_into_view)
        else:
            self._write_now()
        screen.refresh_bindings()

    def _bring_editor_into_view(self) -> None:
        if self.panel is not None and self.panel.is_mounted:
            self.app.lesson_screen.lesson_view.scroll_to_widget(self.panel, animate=False, top=True)

    def leave_editor(self) -> None:
        self.app.lesson_screen.lesson_view.focus()

    def edit(self) -> None:
        if self.panel is not None:
            self.panel.editor.focus()

    # -- the file, watched ----------------------------------------------------------------

    def _poll(self) -> None:
        if self.panel is None or self.path is None or not self.panel.is_mounted:
            return
        current = lab_workspace.stamp(self.path)
        if current is None or current == self._known:
            return
        try:
            text = lab_workspace.read(self.path)
        except OSError:
            return
        self._known = current
        if text is None or text == self._file_text:
            return
        self._file_text = text
        if self._save_timer is not None:  # the file wins over keystrokes not yet written
            self._save_timer.stop()
            self._save_timer = None
        self.panel.editor.replace_text(text)
        self._progress(self.lab_id, code=text)
        self._say(Said({"template": MSG_RELOADED, "arguments": {"file": self.path.name}}, "dim"))
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.app.set_timer(SETTLE, self._check_after_change)

    def _check_after_change(self) -> None:
        self._check_timer = None
        if self.panel is not None and self.lab_id is not None:
            self.run(check=True)

    # -- running and checking ------------------------------------------------------------

    def run(self, *, check: bool) -> bool:
        """Run (and check) the learner's code; False when the lesson is not a lab."""
        if self.panel is None or self.lab_id is None:
            return False
        self._write_now()
        code = self.panel.editor.text
        lesson = catalog.load(self.lab_id)
        self._say(Said({"template": MSG_CHECKING if check else MSG_RUNNING, "arguments": {}}, "dim"))
        self.app.run_worker(self._run(lesson, code, check), group="demo", exclusive=True, exit_on_error=False)
        return True

    async def _run(self, lesson: Lesson, code: str, check: bool) -> None:
        seen: dict[str, Any] = {}
        filename = labs.lab_filename(lesson.id)

        def on_event(record: RunRecord, event: dict) -> dict | None:
            kind = event.get("event")
            demos = self.demos
            if kind == "start":
                demos.write(record, Note(MSG_YOUR_CODE, {"file": filename}, "bold"))
                return None
            if kind == "notice":
                demos.write(record, FindingNote(event["template"], event.get("arguments", {}), "yellow"))
                return None
            if kind == "check":
                seen["check"] = event
                for finding in event.get("findings", ()):
                    mark, style = ("✓", "green") if finding.get("ok") else ("✗", "bold red")
                    demos.write(record, FindingNote("{mark} {text}", {"mark": mark, "text": finding}, style))
                    if finding.get("hint"):
                        demos.write(record, FindingNote("  → {text}", {"text": finding["hint"]}, "yellow"))
                return None
            if kind == "error":
                seen["error"] = event
                if event.get("line") is not None:
                    demos.write(record, Note(MSG_ERROR_AT, {"line": event["line"], "file": filename}, "bold red"))
                return {**event, "block": None}  # our location note replaces the demos' "example N"
            return event

        record = await self.demos.follow(lesson, lambda worker: worker.run_lab(lesson.id, code, check=check),
                                             on_event=on_event)
        self._verdict(lesson.id, record, check, seen)

    def _verdict(self, lab_id: str, record: RunRecord, check: bool, seen: dict) -> None:
        demos = self.demos
        if record.status[0] == "stopped":
            said = Said({"template": MSG_STOPPED, "arguments": {}}, "yellow")
        elif "error" in seen:
            error = seen["error"]
            template = error.get("template")
            message = _(template).format(**error.get("arguments", {})) if template else str(error.get("message", "?"))
            demos.set_status(record, "error", ST_LAB_ERROR, message=message)
            if error.get("line") is not None:
                said = Said({"template": MSG_ERROR, "arguments": {"line": error["line"], "message": message}},
                            "bold red")
            else:
                said = Said({"template": MSG_ERROR_NO_LINE, "arguments": {"message": message}}, "bold red")
        elif "check" in seen and seen["check"].get("passed"):
            said = Said({"template": MSG_PASSED, "arguments": {}}, "bold green")
            demos.set_status(record, "done", ST_LAB_PASSED)
            self._progress(lab_id, passed=True)
        elif "check" in seen:
            failed = next((f for f in reversed(seen["check"]["findings"]) if not f.get("ok")), None)
            if failed is not None:
                said = Said({"template": "✗ {text}", "arguments": {"text": failed}}, "bold red", failed.get("hint"))
                demos.set_status(record, "error", ST_LAB_FAILED,
                                 message=FindingNote(failed["template"], failed["arguments"]).render().plain)
            else:
                said = Said({"template": MSG_NO_VERDICT, "arguments": {}}, "bold red")
        elif check and record.status[0] == "done":
            said = Said({"template": MSG_NO_VERDICT, "arguments": {}}, "bold red")
        else:
            said = Said({"template": MSG_RAN, "arguments": {}}, "")
        self._said[lab_id] = said
        if self.lab_id == lab_id:
            self._say(said)

    def _say(self, said: Said) -> None:
        if self.lab_id is not None:
            self._said[self.lab_id] = said
        if self.panel is not None and self.panel.is_mounted:
            self.panel.say(said)

    def _progress(self, lab_id: str, **changes: Any) -> LabProgress:
        progress = _replace(lab_progress(self.app.state, lab_id), **changes)
        set_lab_progress(self.app.state, lab_id, progress)
        self.app.save()
        if self.panel is not None and self.lab_id == lab_id:
            self.panel.show_progress(passed=progress.passed, hints=progress.hints, solution=progress.solution)
        return progress

    # -- hints, solution, reset ---------------------------------------------------------------

    def hint(self) -> None:
        if self.panel is None or self.lab_id is None:
            return
        progress = lab_progress(self.app.state, self.lab_id)
        hints = self.panel.hint_blocks
        if progress.hints >= len(hints):
            self.app.notify(_(MSG_NO_MORE_HINTS), timeout=5)
            return
        progress = self._progress(self.lab_id, hints=progress.hints + 1)
        # Shown as plain text here (the list under the editor renders it):
        # without its Markdown backticks.
        text = hints[progress.hints - 1].localized(lesson_gettext()).replace("`", "")
        self._say(Said({"template": MSG_HINT, "arguments": {
            "number": progress.hints, "total": len(hints),
            "text": {"template": "{text}", "arguments": {"text": text}}}}, "yellow"))
        # The hint is shown above the editor: bring it into view, wherever the
        # learner was reading (or editing in another terminal).
        self.app.call_after_refresh(self.app.lesson_screen.lesson_view.scroll_to_widget, self.panel,
                                    animate=False, top=True)

    def solution(self) -> None:
        if self.panel is None or self.lab_id is None:
            return
        progress = lab_progress(self.app.state, self.lab_id)
        if progress.passed or progress.solution:
            self._show_solution()
            return
        lab_id = self.lab_id

        def answered(yes: bool | None) -> None:
            if yes and self.lab_id == lab_id:
                self._show_solution()

        from tui.dialogs.confirm import ConfirmDialog

        self.app.push_screen(ConfirmDialog(_(ASK_SOLUTION_TITLE), _(ASK_SOLUTION)), answered)

    def _show_solution(self) -> None:
        self._progress(self.lab_id, solution=True)
        self.app.call_after_refresh(self.app.lesson_screen.lesson_view.scroll_to_widget, self.panel.solution_view,
                                    animate=False, top=True)

    def reset(self) -> None:
        if self.panel is None or self.lab_id is None:
            return
        lab_id = self.lab_id

        def answered(yes: bool | None) -> None:
            if not yes or self.lab_id != lab_id or self.panel is None:
                return
            starter = labs.get(lab_id).starter(lesson_gettext())
            self.panel.editor.replace_text(starter)
            self._write_now()
            self._say(Said({"template": MSG_RESET_DONE, "arguments": {}}, "dim"))

        question = _(ASK_RESET).format(file=self.path.name if self.path else "")
        from tui.dialogs.confirm import ConfirmDialog

        self.app.push_screen(ConfirmDialog(_(ASK_RESET_TITLE), question), answered)

    # -- the app's keys and menus ----------------------------------------------------------------

    def check_action(self, action: str) -> bool | None:
        """The app's verdict on `action` where labs have a say; None: no opinion."""
        if self.editing:
            return action in ("lab_check", "quit", "command_palette")
        if action.startswith("lab_"):
            return self.panel is not None
        if action in ("edit_params", "export_demo", "copy_code") and self.panel is not None:
            return False  # a lab's code is edited in place and is already a file
        return None

    def passed(self) -> frozenset[str]:
        return frozenset(lab_id for lab_id in labs.LAB_IDS if lab_progress(self.app.state, lab_id).passed)

    def system_commands(self):
        if self.panel is None:
            return
        yield SystemCommand(_("Check the lab"), _("Run your code and check it (c)"), lambda: self.run(check=True))
        yield SystemCommand(_("Next hint"), _("One more hint for this lab (h)"), self.hint)
        yield SystemCommand(_("Show a solution"), _("After a pass, or if you insist (a)"), self.solution)
        yield SystemCommand(_("Start the lab over"), _("Back to the starting code (R)"), self.reset)

    def close(self) -> None:
        self._write_now()


class LabActions:
    """The lab keys' actions, mixed into the app (bindings: tui/app.py)."""

    labs: Labs

    def action_lab_check(self) -> None:
        self.labs.run(check=True)

    def action_lab_hint(self) -> None:
        self.labs.hint()

    def action_lab_edit(self) -> None:
        self.labs.edit()

    def action_lab_solution(self) -> None:
        self.labs.solution()

    def action_lab_reset(self) -> None:
        self.labs.reset()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        from tui.widgets.lab_editor import LabEditor

        if isinstance(event.text_area, LabEditor):
            self.labs.edited(event.text_area)

    def on_lab_editor_left(self, event: LabEditor.Left) -> None:
        self.labs.leave_editor()

    def on_lab_editor_focused(self, event: LabEditor.Focused) -> None:
        if event.editing != self.labs.editing:
            self.labs.focus_changed(event.editing)
