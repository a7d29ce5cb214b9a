"""The demo worker process (`python -m lessons.worker`) and the client the TUI drives it with.

`process` runs in the worker and imports torch; `client` runs in the UI process
and never does: the two meet only in the JSON-lines protocol and the two
environment variables below, which live here so that neither module imports
the other.
"""

#: Set by the client: the worker exits if its parent is no longer this pid.
PARENT_ENV = "GRADTOUR_WORKER_PARENT"
#: Test hook: a non-empty value makes the worker fail before importing torch.
FAIL_ENV = "GRADTOUR_WORKER_FAIL"
