"""The labs' files: one `8.hwN.py` per lab, which the learner may edit anywhere.

The directory is `$GRADTOUR_LABS_DIR`, else `labs/` in the XDG data
directory (`~/.local/share/gradtour/labs`). The app and `gradtour check`
read the same file, so a learner can work in vim over ssh and have the app,
or a shell, check what they saved.

Writes are atomic (a temporary file renamed over the old one), so the
other side never reads half a file; a `Stamp` (mtime and size) tells a
watcher whether the file changed since it last looked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from lessons.atomic_file import replace_file
from lessons.labs.registry import lab_filename

__all__ = ["DIR_ENV", "Stamp", "display_path", "lab_path", "read", "stamp", "workspace_dir", "write"]

DIR_ENV = "GRADTOUR_LABS_DIR"


class Stamp(NamedTuple):
    mtime_ns: int
    size: int


def workspace_dir() -> Path:
    chosen = os.environ.get(DIR_ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("gradtour", appauthor=False)) / "labs"


def lab_path(lab_id: str) -> Path:
    return workspace_dir() / lab_filename(lab_id)


def display_path(path: Path) -> str:
    """`path` with the home directory as `~`: shorter on an 80-column screen."""
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return Stamp(info.st_mtime_ns, info.st_size)


def read(path: Path) -> str | None:
    """The file's text; None if it is missing. Undecodable bytes become U+FFFD."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def write(path: Path, text: str) -> Stamp | None:
    """Replace the file atomically; its new stamp. Raises OSError."""
    # Keep the file's permissions; a new one gets 0644, since mkstemp's 0600
    # would surprise a learner sharing the file.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    replace_file(path, text, temp_prefix=f".{path.name}-", mode=mode)
    return stamp(path)
