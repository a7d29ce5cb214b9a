"""Small widgets shared by the screens."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel

from tui.i18n import _, current_language


class LocalizedFooter(Footer):
    """Textual's footer, with each key's description looked up in our catalog.

    Bindings are declared once with English descriptions (marked N_); the
    footer translates them whenever it recomposes, so a language switch only
    needs `refresh_bindings()`.

    Textual recomposes a footer (a dozen widgets, ~30 ms here) on every
    bindings refresh, whether or not anything it shows changed. Here it
    recomposes only when the keys shown or their states change; a language
    switch alone retranslates the descriptions in place (bench/FINDINGS.md).
    """

    def __init__(self) -> None:
        # Compact, and no palette hint: at 80 columns every key of the lesson
        # screen must fit; ctrl+p is listed in the help dialog instead.
        super().__init__(compact=True, show_command_palette=False)
        self._shown: tuple | None = None

    def _keys(self) -> tuple:
        """What compose would show, in English: keys, actions, states, groups."""
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip,
             binding.group.description if binding.group else None)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def compose(self):
        self._shown = (self._keys(), current_language()) if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.source = widget.description
                widget.description = _(widget.description)
            elif isinstance(widget, FooterLabel):  # a binding group's description
                source = str(widget.content)
                widget = FooterLabel(_(source))
                widget.source = source
            yield widget

    def bindings_changed(self, screen) -> None:
        if self._shown is not None and self.is_attached and screen is self.screen and self._shown[0] == self._keys():
            if self._shown[1] != current_language():
                self._retranslate()  # now, in the same frame as the rest of the screen
            return
        super().bindings_changed(screen)

    def _retranslate(self) -> None:
        for key in self.query(FooterKey):
            if source := getattr(key, "source", None):
                key.description = _(source)
                key.refresh(layout=True)
        for label in self.query(FooterLabel):
            if source := getattr(label, "source", None):
                label.update(_(source))
        self._shown = (self._shown[0], current_language())
