"""Small widgets shared by the screens."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel

from tui.i18n import _


class LocalizedFooter(Footer):
    """Textual's footer, with each key's description looked up in our catalog.

    Bindings are declared once with English descriptions (marked N_); the
    footer translates them whenever it recomposes, which Textual does on every
    bindings refresh, so a language switch only needs `refresh_bindings()`.
    """

    def __init__(self) -> None:
        # Compact, and no palette hint: at 80 columns every key of the lesson
        # screen must fit; ctrl+p is listed in the help dialog instead.
        super().__init__(compact=True, show_command_palette=False)

    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            elif isinstance(widget, FooterLabel):  # a binding group's description
                widget = FooterLabel(_(str(widget.content)))
            yield widget
