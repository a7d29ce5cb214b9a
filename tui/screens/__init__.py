"""Full screens other than the lesson screen (which is the app's, tui/app.py).

Screens may import widgets and dialogs, never controllers or the app.
"""

from tui._lazy import exports

_PUBLIC = {"TooSmallScreen": "small_screen"}
__all__ = sorted(_PUBLIC)
__getattr__ = exports(__name__, _PUBLIC)
