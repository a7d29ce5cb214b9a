"""Full screens: the lesson screen, the focus view (one chart), and the message of a terminal too small.

Screens may import dialogs and widgets, never controllers or the app (the
app's actions are reached as `self.app`).
"""

from tui._lazy import exports

_PUBLIC = {"CursorMoved": "focus_view", "FocusScreen": "focus_view", "LessonScreen": "lesson",
           "TooSmallScreen": "small_screen"}
__all__ = sorted(_PUBLIC)
__getattr__ = exports(__name__, _PUBLIC)
