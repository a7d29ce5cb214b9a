"""Replacing a file so that no reader, crash or full disk ever sees half of it.

Shared by the learner's saved state (tui/state.py) and the labs' files
(lessons/labs/workspace.py), which another editor or `gradtour check` may be
reading at the same moment.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["replace_file"]


def replace_file(path: Path, text: str, *, temp_prefix: str, mode: int | None = None) -> None:
    """Write `text` to a temporary file beside `path`, fsync it, rename it over `path`.

    On any failure the temporary file (`<temp_prefix>….tmp`) is removed and
    the old `path`, if any, is left whole. `mode`: the new file's permissions
    (None keeps mkstemp's 0600). Raises OSError.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fp:
            fp.write(text)
            fp.flush()
            os.fsync(fp.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
