"""The lab's code editor: Textual's TextArea, as a small Python editor.

Python highlighting needs tree-sitter and its Python grammar (dependencies
of gradtour); without them the editor still works, unhighlighted. Tab
indents and Enter keeps the indentation (it is code); `escape` leaves the editor, after which the lesson's
keys work again; `ctrl+r` checks without leaving. While the editor has the
focus, every printable key is text: the app vetoes its own keys then
(tui/controllers/lab_session.py), arrows included. Long lines wrap rather than hide:
lesson code fits 72 cells, which the editor has at 80 columns; narrower
terminals wrap it.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from tui.i18n import N_


def highlighting_available() -> bool:
    from textual._tree_sitter import get_language

    return get_language("python") is not None


class LabEditor(TextArea):
    BINDINGS = [
        Binding("ctrl+r", "app.lab_check", N_("check"), key_display="^r"),
        Binding("escape", "leave", N_("leave editor"), key_display="esc"),
    ]

    class Left(Message):
        """The learner pressed escape: the app moves the focus out."""

    class Focused(Message):
        """The editor got or lost the focus: the app's keys step aside or come back."""

        def __init__(self, editing: bool) -> None:
            super().__init__()
            self.editing = editing

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(text, tab_behavior="indent", show_line_numbers=True, soft_wrap=True, id=id)
        # Set here, not passed to TextArea's constructor: given there, TextArea
        # compiles its tree-sitter highlight query twice (20 ms each here, on
        # every lab page; bench/FINDINGS.md), set afterwards once.
        self.language = "python" if highlighting_available() else None
        self.indent_width = 4

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            # TextArea's own escape moves the focus to the next widget; ours
            # goes back to the lesson, where the learner came from.
            event.stop()
            event.prevent_default()
            self.post_message(self.Left())
            return
        if event.key == "enter" and not self.read_only:
            # A new line starts where the code is: at the line's indentation,
            # one level deeper after a colon.
            event.stop()
            event.prevent_default()
            row, column = self.selection.end
            line = self.document.get_line(row)[:column]
            indent = line[:len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += " " * self.indent_width
            start, end = self.selection
            self._replace_via_keyboard("\n" + indent, start, end)
            return
        await super()._on_key(event)

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.post_message(self.Focused(True))

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.post_message(self.Focused(False))

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def set_code(self, text: str) -> None:
        """All new text, with no undo back into the old: `load_text`, without its cost.

        TextArea.load_text builds a new document, and with it compiles the
        tree-sitter highlight query again: 18 ms of every lab page (cProfile
        of a page change; bench/FINDINGS.md). An edit of the whole text keeps
        the compiled query.
        """
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.history.clear()

    def replace_text(self, text: str) -> None:
        """New text (a reset, or the file changed on disk), keeping the cursor's line if it still exists."""
        row, column = self.cursor_location
        self.set_code(text)
        lines = text.split("\n")
        row = min(row, len(lines) - 1)
        self.cursor_location = (row, min(column, len(lines[row])))
