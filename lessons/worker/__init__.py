"""The demo worker process (`python -m lessons.worker`) and the client the TUI drives it with.

`process` runs in the worker and imports torch; `client` runs in the UI process
and never does: the two meet only in the JSON-lines protocol and two
environment variables.
"""
