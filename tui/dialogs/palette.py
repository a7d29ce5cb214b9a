"""The command palette (ctrl+p): Textual's, less the crashes random keys found.

Keys typed quickly reach the app together, in one read of the terminal:

* `ctrl+p`, a letter and `pageup`: the page key reached the list of matches
  before its first layout, and Textual 8.2's OptionList._move_page raised
  KeyError, ending the app. Paging a list nobody has seen yet can do
  nothing useful, so it does nothing.
* enter, enter: the second one, already queued for the palette, ran the
  chosen command again once the palette had closed, and dismissed it again,
  which closed the screen beneath it (see DismissOnce).
* a search's "no matches" timer firing after the palette had begun to close:
  it showed or hid the list, which was already gone, and NoMatches ended
  the app (the pty monkey, seed 3).

The search glyph is ⌕, not Textual's 🔎 (see SEARCH_GLYPH).
"""

from __future__ import annotations

from textual import on
from textual.command import CommandList, CommandPalette, SearchIcon
from textual.widgets import Button, Input

from tui.dialogs.lesson import DismissOnce


#: Textual's 🔎 is a box on a machine without an emoji font, and the web
#: mode's fonts have none; ⌕ is in DejaVu Sans Mono, which they do have.
SEARCH_GLYPH = "⌕"


class Palette(DismissOnce, CommandPalette):
    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = SEARCH_GLYPH

    def _watch__list_visible(self) -> None:
        if self.query(CommandList):  # none while the palette closes
            super()._watch__list_visible()

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
