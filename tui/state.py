"""The learner's saved place: language, last lesson, and later lab progress.

Stored as JSON in the XDG state directory. Writes are atomic (temp file,
fsync, rename) so a crash or a full disk never leaves half a file; a damaged
file is moved aside, never silently overwritten, and the app starts with
defaults.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lessons.catalog import LESSON_IDS
from lessons.i18n import LANGUAGES


def state_dir() -> Path:
    # Imported here: platformdirs costs a few ms that `gradtour list` need not pay.
    from platformdirs import user_state_dir

    return Path(user_state_dir("gradtour", appauthor=False))


def state_path() -> Path:
    return state_dir() / "state.json"


@dataclass
class State:
    lang: str | None = None  # None: not chosen yet, follow the environment
    lesson: str = LESSON_IDS[0]
    theme: str | None = None
    extra: dict = field(default_factory=dict)  # keys written by newer versions, kept


class StateDamaged(Exception):
    def __init__(self, path: Path, kept_as: Path | None, reason: str) -> None:
        super().__init__(reason)
        self.path, self.kept_as, self.reason = path, kept_as, reason


def load_state(path: Path | None = None) -> tuple[State, StateDamaged | None]:
    """The saved state, or defaults plus what went wrong (never raises)."""
    path = path or state_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State(), None
    except (OSError, UnicodeDecodeError) as exc:
        return State(), StateDamaged(path, _keep_aside(path), str(exc))
    try:
        return _from_json(json.loads(raw)), None
    except (ValueError, TypeError) as exc:
        return State(), StateDamaged(path, _keep_aside(path), str(exc))


def _from_json(data: object) -> State:
    if not isinstance(data, dict):
        raise TypeError("state is not a JSON object")
    lang = data.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    lesson = data.get("lesson", LESSON_IDS[0])
    if lesson not in LESSON_IDS:
        raise ValueError(f"unknown lesson {lesson!r}")
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise TypeError("theme is not a string")
    extra = {k: v for k, v in data.items() if k not in ("lang", "lesson", "theme")}
    return State(lang=lang, lesson=lesson, theme=theme, extra=extra)


def _keep_aside(path: Path) -> Path | None:
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    return target


def save_state(state: State, path: Path | None = None) -> None:
    """Write atomically. Raises OSError (unwritable directory, disk full)."""
    path = path or state_path()
    data = {k: v for k, v in asdict(state).items() if k != "extra"}
    data = {**state.extra, **data}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            json.dump(data, fp, ensure_ascii=False, indent=1)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
