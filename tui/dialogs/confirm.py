"""A yes/no question before a lab step that cannot be taken back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.dialogs.lesson import Dialog
from tui.i18n import N_, _
from tui.widgets.footer import LocalizedFooter


class ConfirmDialog(Dialog):
    """Dismisses with True (y, or the Yes button) or False (n, escape, No).

    No has the focus, so an Enter pressed out of habit changes nothing.
    """

    BINDINGS = [
        Binding("y", "answer(True)", N_("yes")),
        Binding("n,escape", "answer(False)", N_("no")),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield self.compose_title(self.title_text)
            yield Static(self.question, classes="confirm-question")
            with Horizontal(classes="confirm-buttons"):
                yield Button(_("Yes (y)"), id="yes", variant="warning")
                yield Button(_("No (n)"), id="no", variant="primary")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
