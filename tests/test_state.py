"""The saved place: atomic writes, damaged files kept aside, defaults on trouble."""

from __future__ import annotations

import json
import os

import pytest

from tui.state import State, load_state, save_state


def test_round_trip(tmp_path):
    path = tmp_path / "state.json"
    save_state(State(lang="zh", lesson="8.4", theme="textual-light", extra={"future": {"8.hw1": "passed"}}), path)
    state, problem = load_state(path)
    assert problem is None
    assert (state.lang, state.lesson, state.theme) == ("zh", "8.4", "textual-light")
    assert state.extra == {"future": {"8.hw1": "passed"}}


def test_lab_progress_round_trips_and_odd_entries_fall_back(tmp_path):
    from tui.state import LabProgress, lab_progress, set_lab_progress

    path = tmp_path / "state.json"
    state = State()
    set_lab_progress(state, "8.hw2", LabProgress(passed=True, hints=2, code="x = 1\n"))
    save_state(state, path)
    loaded, problem = load_state(path)
    assert problem is None
    assert lab_progress(loaded, "8.hw2") == LabProgress(passed=True, hints=2, code="x = 1\n")
    assert lab_progress(loaded, "8.hw3") == LabProgress()
    path.write_text('{"labs": {"8.hw1": {"passed": "yes", "hints": -3, "code": 5}, "9.9": {}, "8.hw4": 7}}')
    odd, problem = load_state(path)
    assert problem is None and set(odd.labs) == {"8.hw1", "8.hw4"}
    assert lab_progress(odd, "8.hw1") == LabProgress() == lab_progress(odd, "8.hw4")


def test_missing_file_gives_defaults(tmp_path):
    state, problem = load_state(tmp_path / "nope.json")
    assert problem is None and state == State()


@pytest.mark.parametrize("content", [
    "", "{", "not json", "[]", '"zh"', '{"lang": "fr"}', '{"lesson": "9.9"}',
    '{"lesson": 3}', '{"theme": 7}', "\x00\x00\x00", '{"lang": "zh", "lesson": "8.2"',
])
def test_damaged_file_is_kept_aside_and_defaults_used(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")
    state, problem = load_state(path)
    assert state == State()
    assert problem is not None and problem.kept_as is not None
    assert problem.kept_as.read_text(encoding="utf-8") == content  # nothing is lost
    assert not path.exists()


def test_undecodable_file_is_kept_aside(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b"\xff\xfe\xfa")
    state, problem = load_state(path)
    assert state == State() and problem.kept_as.read_bytes() == b"\xff\xfe\xfa"


def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    """A crash between writing and renaming leaves the old file whole and no temp file."""
    path = tmp_path / "state.json"
    save_state(State(lesson="8.2"), path)

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_state(State(lesson="8.5"), path)
    assert json.loads(path.read_text())["lesson"] == "8.2"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_disk_full_during_write(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    save_state(State(lesson="8.2"), path)
    real_fsync = os.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        save_state(State(lesson="8.6"), path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert load_state(path)[0].lesson == "8.2"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_raises_oserror(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    with pytest.raises(OSError):
        save_state(State(), locked / "state.json")


def test_unwritable_location_raises_oserror(tmp_path):
    """A regular file where the state directory should be (works as root too)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(OSError):
        save_state(State(), blocker / "state.json")


# -- two tabs (web mode) or two terminals of one learner: one state file --------------------------

def two_tabs(path):
    """Two gradtours that loaded the same file, each with what it knew then."""
    from tui.state import snapshot

    tabs = []
    for _ in range(2):
        state, _damaged = load_state(path)
        tabs.append((state, snapshot(state)))
    return tabs


def save(tab, path):
    from tui.state import save_merged, snapshot

    state, known = tab
    save_merged(state, known, path)
    return state, snapshot(state)


def test_two_tabs_keep_each_others_changes(tmp_path):
    path = tmp_path / "state.json"
    save_state(State(lang="en", lesson="8.1", theme="dark"), path)
    a, b = two_tabs(path)
    a[0].lang = "zh"
    a = save(a, path)
    b[0].lesson = "8.3"
    b = save(b, path)  # before: B's whole state went to disk, English included
    assert load_state(path)[0] == State(lang="zh", lesson="8.3", theme="dark")
    b[0].theme = "light"
    save(b, path)
    assert load_state(path)[0].lang == "zh", "a field B never changed stays A's"
    a[0].lesson = "8.4"
    save(a, path)
    assert load_state(path)[0] == State(lang="zh", lesson="8.4", theme="light"), "the last mover's place wins"


def test_two_tabs_in_one_lab_lose_nothing(tmp_path):
    from tui.state import LabProgress, lab_progress, set_lab_progress

    path = tmp_path / "state.json"
    save_state(State(), path)
    a, b = two_tabs(path)
    set_lab_progress(a[0], "8.hw1", LabProgress(passed=True, code="mine = 1\n"))
    a = save(a, path)
    set_lab_progress(b[0], "8.hw1", LabProgress(hints=2))
    set_lab_progress(b[0], "8.hw2", LabProgress(hints=1))
    save(b, path)
    saved = load_state(path)[0]
    assert lab_progress(saved, "8.hw1") == LabProgress(passed=True, hints=2, code="mine = 1\n")
    assert lab_progress(saved, "8.hw2").hints == 1


def test_concurrent_saves_are_serialised(tmp_path):
    """Many saves at once from threads, each tab changing its own lab: all land."""
    import threading

    from tui.state import LabProgress, lab_progress, set_lab_progress

    path = tmp_path / "state.json"
    save_state(State(), path)
    tabs = two_tabs(path) + two_tabs(path)
    labs = ["8.hw1", "8.hw2", "8.hw3", "8.hw4"]
    for (state, _known), lab_id in zip(tabs, labs):
        set_lab_progress(state, lab_id, LabProgress(hints=3))
    threads = [threading.Thread(target=save, args=(tab, path)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = load_state(path)[0]
    assert [lab_progress(saved, lab_id).hints for lab_id in labs] == [3, 3, 3, 3]
