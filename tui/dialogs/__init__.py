"""Modal screens: each closes on `escape` and answers with `dismiss(result)`.

Dialogs may import widgets, never controllers or the app: what a dialog
decides goes back through its dismiss callback.
"""

from tui._lazy import exports

_PUBLIC = {
    "CLOSE": "lesson",
    "ConfirmDialog": "confirm",
    "ContentsDialog": "lesson",
    "Dialog": "lesson",
    "DismissOnce": "lesson",
    "GlossaryDialog": "lesson",
    "HelpDialog": "lesson",
    "Palette": "palette",
    "ParamsDialog": "params",
}
__all__ = sorted(_PUBLIC)
__getattr__ = exports(__name__, _PUBLIC)
