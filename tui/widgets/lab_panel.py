"""The lab in the lesson text: where its starting code was, the learner's editor.

    Lab · not passed yet · hints 1 of 3 · ~/.local/share/gradtour/labs/8.hw1.py
    ✗ my_mse gives 16.6 but F.mse_loss gives 2.08, on a random batch of 8 …   (the latest word)
    ┌ editor ──────────────────────────────────────────────────────────────┐
    Hints (1 of 3)  …   the solution, once shown

What the panel shows is kept as messages (template + arguments), so a
language switch redraws it in the other language. The panel holds no
progress of its own: tui/controllers/lab_session.py tells it what to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from lessons.course.catalog import Block
from tui.i18n import N_, _, lesson_gettext
from tui.widgets.render import CODE_THEME, block_renderable

# The editor (Textual's TextArea), the checks' messages and rich.syntax are
# imported when a lab's page is first opened: every launch imports this
# module, and they cost it ~30 ms (python -X importtime; bench/FINDINGS.md).
if TYPE_CHECKING:
    from tui.widgets.lab_editor import LabEditor

ST_PASSED = N_("✓ passed")
ST_NOT_PASSED = N_("not passed yet")
ST_HINTS = N_("hints {shown} of {total}")
ST_LAB = N_("Lab {id}")
ST_PLAIN = N_("(no Python highlighting: tree-sitter is not installed)")
MSG_KEYS = N_("i: edit · c: check · r: run · h: hint · a: solution · R: start over")
TITLE_HINTS = N_("Hints ({shown} of {total})")
TITLE_SOLUTION = N_("A solution: the parts that change")


@dataclass(frozen=True)
class Said:
    """The panel's latest word: a message, and how it looks."""

    text: dict  # {"template": …, "arguments": …}, localized when drawn
    style: str = ""
    detail: dict | None = None  # a second line (a check's hint)


class LabPanel(Vertical):
    """Status line, latest word, editor, revealed hints and solution."""

    def __init__(self) -> None:
        """An empty panel: `load` gives it a lab."""
        super().__init__(classes="lab-panel")
        from tui.widgets.lab_editor import LabEditor

        # Kept, not queried: the editor's text is still wanted while the app
        # unmounts, and a panel prebuilt in idle time may be drawn while the
        # app closes, when a query for a child finds nothing (NoMatches).
        self._status = Static(id="lab-status", classes="lab-status")
        self._said = Static(id="lab-said", classes="lab-said")
        self._editor = LabEditor("", id="lab-editor")
        self._hints = Static(id="lab-hints", classes="lab-hints")
        self._solution = Static(id="lab-solution", classes="lab-solution")
        self._take("", "", (), None)

    def load(self, lab_id: str, code: str, path: str, hints: tuple[Block, ...], solution: Block | None) -> None:
        """Become `lab_id`'s panel, as if new (the caller redraws it).

        One panel serves every lab: building Textual's TextArea and mounting
        it cost a lab page ~30 ms and two frames of its own (bench/FINDINGS.md).
        """
        self._take(lab_id, path, hints, solution)
        self._editor.set_code(code)  # no undoing into another lab
        self._editor.cursor_location = (0, 0)
        self._editor.scroll_home(animate=False)

    def _take(self, lab_id: str, path: str, hints: tuple[Block, ...], solution: Block | None) -> None:
        self.lab_id = lab_id
        self.path = path
        self.hint_blocks = hints
        self.solution_block = solution
        self.passed = False
        self.hints_shown = 0
        self.solution_shown = False
        self.said: Said | None = Said({"template": MSG_KEYS, "arguments": {}}, "dim")
        self.write_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield self._status
        yield self._said
        yield self._editor
        yield self._hints
        yield self._solution

    def on_mount(self) -> None:
        self.redraw()

    @property
    def editor(self) -> LabEditor:
        return self._editor

    @property
    def solution_view(self) -> Static:
        """Where the solution is shown (to scroll to)."""
        return self._solution

    # -- what the labs' controller tells it ------------------------------------------------

    def show_progress(self, *, passed: bool, hints: int, solution: bool) -> None:
        self.passed, self.hints_shown, self.solution_shown = passed, hints, solution
        if self.is_mounted:
            self.redraw()

    def say(self, said: Said | None) -> None:
        self.said = said
        if self.is_mounted:
            self._draw_said()

    def redraw(self) -> None:
        """Everything, in the current language."""
        self._draw_status()
        self._draw_said()
        self._draw_hints()
        self._draw_solution()

    # -- drawing ---------------------------------------------------------------------

    def _draw_status(self) -> None:
        passed = Text(_(ST_PASSED), style="bold green") if self.passed else Text(_(ST_NOT_PASSED))
        hints = _(ST_HINTS).format(shown=self.hints_shown, total=len(self.hint_blocks))
        status = Text.assemble((_(ST_LAB).format(id=self.lab_id), "bold"), " · ", passed,
                               (f" · {hints} · {self.path}", "dim"))
        if self.write_problem:
            status.append("\n" + self.write_problem, style="bold red")
        from tui.widgets.lab_editor import highlighting_available

        if not highlighting_available():
            status.append("\n" + _(ST_PLAIN), style="dim")
        self._status.update(status)

    def _draw_said(self) -> None:
        widget = self._said
        said = self.said
        widget.display = said is not None
        if said is None:
            return
        from lessons.labs.checks import localize

        text = Text(localize(said.text, _), style=said.style)
        if said.detail:
            text.append("\n" + localize(said.detail, _), style="yellow")
        widget.update(text)

    def _draw_hints(self) -> None:
        widget = self._hints
        widget.display = self.hints_shown > 0
        if not self.hints_shown:
            return
        gettext = lesson_gettext()
        total = len(self.hint_blocks)
        parts = [Text(_(TITLE_HINTS).format(shown=self.hints_shown, total=total), style="bold")]
        for number, block in enumerate(self.hint_blocks[:self.hints_shown], start=1):
            parts.append(Text(f"{number}. ", style="bold"))
            parts.append(block_renderable(block, block.localized(gettext)))
        widget.update(Group(*parts))

    def _draw_solution(self) -> None:
        widget = self._solution
        block = self.solution_block
        widget.display = self.solution_shown and block is not None
        if not widget.display or block is None:
            return
        from rich.syntax import Syntax

        code = block.localized(lesson_gettext()).rstrip("\n")
        widget.update(Group(Text(_(TITLE_SOLUTION), style="bold"),
                            Syntax(code, "python", theme=CODE_THEME, background_color="default",
                                   word_wrap=True, padding=(0, 1))))
