"""Running a lesson's demos: parameters, the runner, export as a script, `gradtour run`.

torch is imported here, and only inside functions (`runner.import_torch`), so
the TUI can use the parameters and the event shapes without loading it.
"""
