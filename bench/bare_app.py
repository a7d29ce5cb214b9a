"""The launch baseline: a bare Textual app that shows one line.

Started the way gradtour is (a Python process importing Textual, then
drawing one screen), so that the launch ratio measures what gradtour adds
on top of Textual itself, not Textual's own start-up.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static

#: What the benchmark waits for on screen.
LINE = "bare textual app ready"


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Static(LINE)


if __name__ == "__main__":
    Bare().run()
