"""Below the smallest usable terminal: ask for more room instead of a broken layout.

The minimum was measured, not guessed (see the README): at 76 columns the
footer still holds every key of a lesson with a demo in both languages (it
needs 75 cells in English); one column less and the last keys, `quit` among
them, fall off its end. At 20 rows a running demo still leaves the lesson
seven lines of text and its chart a readable height. 80×24 is the size the
layout is designed for; 76×20 also admits an 80×24 terminal inside tmux or
screen (a status line takes a row) and a 160-column window split in two.

The message is a screen of its own, pushed over whatever is showing (a
dialog included) and popped when the terminal grows again; nothing
underneath is lost, and a running demo carries on. Only quitting works
meanwhile: every other key would act on a screen the learner cannot see.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

from tui.i18n import N_, _

MIN_COLUMNS = 76
MIN_ROWS = 20

MSG_ENLARGE = N_("Please enlarge the terminal to at least {columns}×{rows}.")
MSG_NOW = N_("It is {columns}×{rows} now.")
MSG_QUIT = N_("q quits (your place is saved).")

#: What still works while the message is shown.
ALLOWED_ACTIONS = frozenset({"quit"})


def too_small(size: Size) -> bool:
    return size.width < MIN_COLUMNS or size.height < MIN_ROWS


class TooSmallScreen(Screen):
    CSS_PATH = "small_screen.tcss"
    BINDINGS = [Binding("q", "app.quit", N_("quit"))]

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-message")

    def on_mount(self) -> None:
        self.show(self.app.size)

    def show(self, size: Size) -> None:
        text = "\n".join((
            _(MSG_ENLARGE).format(columns=MIN_COLUMNS, rows=MIN_ROWS),
            _(MSG_NOW).format(columns=size.width, rows=size.height),
            _(MSG_QUIT),
        ))
        self.query_one("#too-small-message", Static).update(text)


def showing(app: App) -> TooSmallScreen | None:
    for screen in app.screen_stack:
        if isinstance(screen, TooSmallScreen):
            return screen
    return None


def blocks(app: App, action: str) -> bool:
    """Whether `action` must wait until the terminal is large enough again."""
    return action not in ALLOWED_ACTIONS and showing(app) is not None


def check(app: App, size: Size | None = None) -> None:
    """Show or withdraw the message for the terminal's `size` (default: its current one)."""
    size = size or app.size
    screen = showing(app)
    if too_small(size):
        if screen is None:
            app.push_screen(TooSmallScreen())
        elif screen.is_mounted:
            screen.show(size)
    elif screen is not None and app.screen is screen:
        # Nothing can be opened over the message (`blocks` vetoes every
        # action but quit), so it is always the top screen here.
        app.pop_screen()
