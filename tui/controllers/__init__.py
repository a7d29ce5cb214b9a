"""Controllers: the app's jobs that are not widgets (demo runs, labs, leaving cleanly).

A controller is given the app it serves (typed by `Host`, never by importing
tui.app) and tells widgets what changed through their own methods and
messages; it never queries a widget's children.
"""

from tui._lazy import exports

_PUBLIC = {"DemoRuns": "demo_runs", "Host": "host", "LabActions": "lab_session", "Labs": "lab_session"}
__all__ = sorted(_PUBLIC)
__getattr__ = exports(__name__, _PUBLIC)
