"""The command palette (ctrl+p): Textual's, less the crashes random keys found.

Keys typed quickly reach the app together, in one read of the terminal:

* `ctrl+p`, a letter and `pageup`: the page key reached the list of matches
  before its first layout, and Textual 8.2's OptionList._move_page raised
  KeyError, ending the app. Paging a list nobody has seen yet can do
  nothing useful, so it does nothing.
* enter, enter: the second one, already queued for the palette, ran the
  chosen command again once the palette had closed, and dismissed it again,
  which closed the screen beneath it (see DismissOnce).
"""

from __future__ import annotations

from textual import on
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input

from tui.dialogs.lesson import DismissOnce


class Palette(DismissOnce, CommandPalette):
    def _action_command_list(self, action: str) -> None:
        if action in ("page_up", "page_down") and not self.query_one(CommandList).scrollable_content_region:
            return
        super()._action_command_list(action)

    @on(Input.Submitted)
    @on(Button.Pressed)
    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if event is not None:
            event.stop()
            event.prevent_default()  # else Textual calls the base class's handler as well
        if self.is_active:
            super()._select_or_command(event)
