"""The learner's saved place: language, last lesson, and lab progress.

Stored as JSON in the XDG state directory. Writes are atomic (temp file,
fsync, rename) so a crash or a full disk never leaves half a file; a damaged
file is moved aside, never silently overwritten, and the app starts with
defaults.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from lessons.atomic_file import replace_file
from lessons.course.catalog import LESSON_IDS
from lessons.course.i18n import LANGUAGES
from lessons.labs.registry import LAB_IDS


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
    #: lab id → LabProgress.as_json(); replaced, never changed in place (a
    #: background save may be reading the old one)
    labs: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # keys written by newer versions, kept


@dataclass(frozen=True)
class LabProgress:
    """Where a learner stands in one lab."""

    passed: bool = False  # once passed, a lab stays passed
    hints: int = 0  # hints revealed
    solution: bool = False  # the solution has been shown
    code: str | None = None  # the code last saved (a copy of the workspace file)

    @classmethod
    def from_json(cls, data: object) -> LabProgress:
        """Whatever is usable in `data`; the rest falls back to the defaults."""
        if not isinstance(data, dict):
            return cls()
        hints = data.get("hints")
        code = data.get("code")
        return cls(passed=data.get("passed") is True, hints=hints if isinstance(hints, int) and hints > 0 else 0,
                   solution=data.get("solution") is True, code=code if isinstance(code, str) else None)

    def as_json(self) -> dict:
        return asdict(self)


def lab_progress(state: State, lab_id: str) -> LabProgress:
    return LabProgress.from_json(state.labs.get(lab_id))


def set_lab_progress(state: State, lab_id: str, progress: LabProgress) -> None:
    state.labs = {**state.labs, lab_id: progress.as_json()}


class StateDamaged(Exception):
    def __init__(self, path: Path, kept_as: Path | None, reason: str) -> None:
        super().__init__(reason)
        self.path, self.kept_as, self.reason = path, kept_as, reason


def load_state(path: Path | None = None) -> tuple[State, StateDamaged | None]:
    """The saved state, or defaults plus what went wrong (never raises)."""
    path = path or state_path()
    _remove_stale_temps(path.parent)
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
    # Lab progress is read leniently: one odd entry must not cost the rest.
    labs = data.get("labs")
    labs = {lab_id: LabProgress.from_json(entry).as_json() for lab_id, entry in labs.items()
            if lab_id in LAB_IDS} if isinstance(labs, dict) else {}
    extra = {k: v for k, v in data.items() if k not in ("lang", "lesson", "theme", "labs")}
    return State(lang=lang, lesson=lesson, theme=theme, labs=labs, extra=extra)


#: Seconds after which a temp file is a dead writer's: a save takes milliseconds,
#: and a younger one may be another gradtour's at work (web mode runs one per tab).
STALE_TEMP = 60.0


def _remove_stale_temps(folder: Path) -> None:
    """The temp files of writers killed mid-write (SIGKILL, power loss): never
    the state itself, which the rename keeps whole, but they pile up."""
    now = time.time()
    for temp in folder.glob(".state-*.tmp"):
        try:
            if now - temp.stat().st_mtime > STALE_TEMP:
                temp.unlink()
        except OSError:
            pass


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
    replace_file(path, json.dumps(data, ensure_ascii=False, indent=1), temp_prefix=".state-")


def snapshot(state: State) -> State:
    """A copy of `state` that later changes to it cannot reach."""
    return copy.deepcopy(state)


def save_merged(state: State, known: State, path: Path | None = None) -> None:
    """Save what this process changed since `known`, keeping the rest as on disk.

    Two gradtours share one state file: two browser tabs in web mode (or two
    terminals). Saving the whole state erased the other's changes: tab A
    switched to Chinese, tab B turned a page, and B's save put English back.
    Here each field is the last writer's *that changed it*: the language
    the tab that last switched it, the place the tab that last moved, and
    per lab and per field the tab that last touched it, except that a lab
    once passed stays passed whoever writes. `known` is the state as this
    process last loaded or saved it. The read, merge and write hold an
    exclusive lock, so two saves cannot interleave.
    """
    import fcntl

    path = path or state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The folder is the lock (flock on its descriptor): no lock file to leave behind.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        on_disk, _damaged = load_state(path)
        save_state(merge(state, known, on_disk), path)
    finally:
        os.close(folder)


def merge(mine: State, known: State, theirs: State) -> State:
    """`theirs`, with what `mine` changed since `known` (see save_merged)."""
    merged = State(**{f.name: getattr(mine if getattr(mine, f.name) != getattr(known, f.name) else theirs, f.name)
                      for f in fields(State) if f.name not in ("labs", "extra")})
    merged.extra = {**theirs.extra, **{k: v for k, v in mine.extra.items() if known.extra.get(k) != v}}
    labs = dict(theirs.labs)
    for lab_id, entry in mine.labs.items():
        before, other = known.labs.get(lab_id, {}), theirs.labs.get(lab_id, {})
        if entry == before:
            continue
        combined = {**other, **{k: v for k, v in entry.items() if before.get(k) != v}}
        combined["passed"] = bool(entry.get("passed") or other.get("passed"))
        labs[lab_id] = LabProgress.from_json(combined).as_json()
    merged.labs = labs
    return merged
