"""Modal dialogs: contents, help and glossary. `escape` closes each."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from lessons.course.catalog import glossary_entries, load_all
from tui.i18n import N_, _, lesson_gettext
from tui.widgets.footer import LocalizedFooter

CLOSE = Binding("escape", "dismiss", N_("close"))


class DismissOnce:
    """A screen whose dismiss() does nothing once it is no longer on top.

    Textual's Screen.dismiss pops whatever screen is on top. Keys typed
    quickly arrive together (enter, enter): the first closes the dialog and
    the second, already queued for it, closed the screen beneath too: the
    lesson screen, and the app ended with ScreenStackError.
    """

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)


class Dialog(DismissOnce, ModalScreen):
    BINDINGS = [CLOSE]

    def compose_title(self, title: str) -> Static:
        return Static(title, classes="dialog-title")


class ContentsDialog(Dialog):
    """All lessons, the current one marked, passed labs ticked; Enter jumps
    (dismisses with its id)."""

    BINDINGS = [CLOSE, Binding("enter", "select", N_("open"), show=True)]

    def __init__(self, current: str, passed: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.current = current
        self.passed = passed

    def compose(self) -> ComposeResult:
        gettext = lesson_gettext()
        options = []
        for lesson in load_all():
            marker = "▶ " if lesson.id == self.current else "  "
            tick = "  ✓" if lesson.id in self.passed else ""
            options.append(Option(f"{marker}{lesson.id:<10}{gettext(lesson.title)}{tick}", id=lesson.id))
        with Vertical(classes="dialog"):
            yield self.compose_title(_("Contents"))
            yield OptionList(*options, id="contents")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = options.get_option_index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_select(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)


#: (key, description) for the help dialog, in the order a learner needs them.
HELP_KEYS = (
    ("→  n", N_("next lesson")),
    ("←  p", N_("previous lesson")),
    ("↑ ↓ PgUp PgDn", N_("scroll the lesson")),
    ("l", N_("switch language (English ⇄ Chinese)")),
    ("b", N_("bilingual view: each block in both languages")),
    ("r", N_("run the lesson's demos (the first run waits for PyTorch to load)")),
    ("s  escape", N_("stop a running demo")),
    ("space . o", N_("training: space pauses or resumes, . one optimizer step (idle: starts paused), o picks the optimizer")),
    ("e", N_("what if? change the demo's parameters")),
    ("x", N_("export the demo as a Python script")),
    ("y", N_("copy the demo's code to the clipboard")),
    ("tab", N_("move between the lesson and the demo output")),
    ("f", N_("a chart alone on the whole screen, with a cursor (its keys in its footer)")),
    ("t", N_("table of contents")),
    ("g", N_("glossary of terms, English ⇄ Chinese")),
    ("ctrl+p", N_("command palette: jump to a lesson by title")),
    ("T", N_("next colour theme: dark, light, high contrast, terminal colours (remembered)")),
    # One row: at 80×24 every row of the Chinese help is on screen.
    ("?  escape", N_("this help; escape closes a dialog")),
    ("q", N_("quit (your place is saved)")),
    # Last: the lab's page lists these keys too, above its editor.
    ("c h i a R", N_("labs: check (ctrl+r in the editor), hint, edit (escape leaves), solution, start over")),
)


class HelpDialog(Dialog):
    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in HELP_KEYS:
            table.add_row(key, _(description))
        with Vertical(classes="dialog help"):
            yield self.compose_title(_("Keys"))
            with VerticalScroll():
                yield Static(table)
        yield LocalizedFooter()


class GlossaryDialog(Dialog):
    """Term pairs, English ⇄ Chinese; typing filters on any column.

    Both terms are shown in either language on purpose: the glossary exists to
    bridge the two. Definitions and captions follow the current language.
    """

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.compose_title(_("Glossary"))
            yield Input(placeholder=_("type to filter…"), id="filter")
            with VerticalScroll(id="glossary-scroll"):
                yield Static(id="glossary")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.show_entries("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_entries(event.value)

    def show_entries(self, query: str) -> None:
        gettext = lesson_gettext()
        needle = query.strip().casefold()
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(ratio=2, style="bold", overflow="fold")
        table.add_column(ratio=2, overflow="fold")
        table.add_column(ratio=6, overflow="fold")
        table.add_column(width=9, style="dim", no_wrap=True)  # "8.summary" at most
        shown = 0
        for entry in glossary_entries():
            source = entry["definition"]
            definition = gettext(source)
            haystack = " ".join((entry["term"], entry["zh"], definition)).casefold()
            if needle and needle not in haystack:
                continue
            table.add_row(entry["term"], entry["zh"], definition, entry["lesson"])
            shown += 1
        if not shown:
            # Text, not markup: a filter such as "[/b]" ended the app (MarkupError).
            self.query_one("#glossary", Static).update(Text(_("No term matches “{query}”.").format(query=query)))
        else:
            self.query_one("#glossary", Static).update(table)
