"""The runner's events as JSON lines on a stream: how the worker answers the UI,
and how a lab's sandboxed child answers the worker (lessons/labs/sandbox.py).

Here, below both, so that neither imports the other.
"""

from __future__ import annotations

import json
import threading
from typing import IO

__all__ = ["Channel"]


class Channel:
    """The event stream: whole JSON lines, from any thread."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def fileno(self) -> int:
        return self._stream.fileno()

    def send(self, event: dict) -> None:
        line = json.dumps(event, allow_nan=False) + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()
