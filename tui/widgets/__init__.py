"""Widgets: each owns its subtree and updates itself.

One widget (with its helpers) per module; a controller tells a widget what
changed through the widget's methods or messages, and never queries the
widget's children. Widgets import neither screens, dialogs, controllers nor
the app.
"""

from tui._lazy import exports

_PUBLIC = {
    "BlockView": "lesson_view",
    "ChartDataChanged": "demo_pane",
    "ChartPanel": "chart",
    "DemoPane": "demo_pane",
    "FocusChart": "focus_chart",
    "LabEditor": "lab_editor",
    "LabPanel": "lab_panel",
    "LessonView": "lesson_view",
    "LocalizedFooter": "footer",
    "Note": "demo_pane",
    "RunRecord": "demo_pane",
    "RunStatusChanged": "demo_pane",
    "Said": "lab_panel",
    "StatePanel": "state_panel",
    "StatesChanged": "demo_pane",
}
__all__ = sorted(_PUBLIC)
__getattr__ = exports(__name__, _PUBLIC)
