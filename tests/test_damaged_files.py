"""Damaged files, beyond tests/test_state.py and tests/test_language_choice.py:
any state file content, a writer killed mid-write for real, a disk that fills
while the app saves, lab progress of the wrong shape, a catalog cut at any
byte, and the app itself started on damaged files in a real terminal.

Pass: the app starts with defaults (or English) and says so, a damaged state
file is kept aside byte for byte, and the saved file is always whole.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from hypothesis import strategies as st

from lessons.course import catalog, i18n
from tests.pty_helpers import EXIT, SCREEN, flat, launch, saved_state  # noqa: F401  (launch is a fixture)
from tests.test_app import make_app
from tui.state import STALE_TEMP, State, load_state, save_state, state_path

# -- any content at all -------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(["lang", "lesson", "theme", "labs", "extra", "other"])
LAB_ENTRY = st.one_of(JSON, st.fixed_dictionaries({}, optional={
    "passed": JSON, "hints": st.one_of(st.integers(), JSON), "solution": JSON, "code": JSON}))
STATE_LIKE = st.dictionaries(KEYS, JSON, max_size=5) | st.fixed_dictionaries({
    "lang": st.sampled_from(["en", "zh", None]), "lesson": st.sampled_from(catalog.LESSON_IDS),
    "labs": st.dictionaries(st.sampled_from(["8.hw1", "8.hw2", "8.hw9", ""]), LAB_ENTRY, max_size=3)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(JSON.map(json.dumps), STATE_LIKE.map(json.dumps), st.binary(max_size=64)))
def test_any_state_file_content(tmp_path, content):
    """Never raises; a usable state, or defaults with the damaged file kept aside unchanged."""
    path = tmp_path / "state.json"
    raw = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(raw)
    state, problem = load_state(path)
    if problem is not None:
        assert state == State() and problem.kept_as.read_bytes() == raw
        problem.kept_as.unlink()
    else:
        save_state(state, path)  # what loads can be saved, and loads back the same
        assert load_state(path) == (state, None)
    assert [p.name for p in tmp_path.iterdir()] in ([], ["state.json"])


WEIRD_LABS = [
    {"labs": "all of them"},
    {"labs": {"8.hw1": {"passed": "yes", "hints": 10 ** 30, "solution": 1, "code": 42}}},
    {"labs": {"8.hw2": {"hints": -3, "code": "x" * 200_000}, "8.hw9": {}}},
    {"labs": {"8.hw3": [1, 2]}, "lesson": "8.hw3"},
]


@pytest.mark.parametrize("content", WEIRD_LABS, ids=range(len(WEIRD_LABS)))
async def test_lab_progress_of_the_wrong_shape(content, monkeypatch):
    """The app opens every lab on it, and saves a state that loads again."""
    from tui.controllers.demo_runs import DemoRuns

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")
    state, problem = load_state()
    app = make_app(state=state)
    async with app.run_test(size=(80, 24)) as pilot:
        for lab_id in ("8.hw1", "8.hw2", "8.hw3"):
            app.open_lesson(lab_id)
            await pilot.pause()
            await pilot.press("h")
            await pilot.pause()
            assert app._exception is None, lab_id  # noqa: SLF001
        await pilot.press("q")
    assert load_state()[1] is None


# -- a writer killed in the middle, for real ----------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from tui.state import State, save_state
path, payload = Path(sys.argv[1]), "x" * 2_000_000  # a big file: a long window to be killed in
number = 0
while True:
    number += 1
    save_state(State(lesson="8.2", extra={"n": number, "payload": payload}), path)
    print(number, flush=True)
"""


def test_a_writer_killed_mid_write_never_leaves_half_a_file(tmp_path):
    path = tmp_path / "state.json"
    rng = random.Random(7)
    root = Path(__file__).resolve().parent.parent
    kills = 0
    for _ in range(12):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=root, stdout=subprocess.PIPE)
        writer.stdout.readline()  # one whole save done: the file exists from now on
        time.sleep(rng.uniform(0.0, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        kills += 1
        state, problem = load_state(path)
        assert problem is None, problem.reason
        assert state.extra["payload"] == "x" * 2_000_000 and state.extra["n"] >= 1
    assert kills == 12
    # What the killed writers leave is their temp files: once old, the next start removes them.
    long_ago = time.time() - 2 * STALE_TEMP
    for temp in tmp_path.glob(".state-*.tmp"):
        os.utime(temp, (long_ago, long_ago))
    load_state(path)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_fresh_temp_file_may_be_another_writers_and_stays(tmp_path):
    (tmp_path / ".state-live.tmp").write_text("{")
    load_state(tmp_path / "state.json")
    assert (tmp_path / ".state-live.tmp").exists()


# -- a disk that fills while the app saves -------------------------------------------------------


async def test_disk_full_while_the_app_saves(monkeypatch):
    """Told once; the app carries on; the file on disk is the last whole one."""
    from tui.controllers.demo_runs import DemoRuns

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)
    save_state(State(lesson="8.2"))
    before = state_path().read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    app = make_app(lesson="8.2")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for key in ("n", "n", "l", "p"):
            await pilot.press(key)
            await pilot.pause(0.2)
        assert app.lesson_id == "8.3"
        told = [n.message for n in app._notifications if os.strerror(errno.ENOSPC) in n.message]  # noqa: SLF001
        assert len(told) == 1, told
        await pilot.press("q")
    assert app.return_code == 0
    assert state_path().read_bytes() == before
    assert [p.name for p in state_path().parent.iterdir()] == ["state.json"]


# -- catalogs ------------------------------------------------------------------------------------------


#: The shipped catalogs, read once: the tests below point locale_dir elsewhere.
CATALOGS = {domain: (Path(i18n.locale_dir()) / "zh_CN" / "LC_MESSAGES" / f"{domain}.mo").read_bytes()
            for domain in i18n.DOMAINS}


def real_catalog(domain: str) -> bytes:
    return CATALOGS[domain]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(domain=st.sampled_from(i18n.DOMAINS), data=st.data())
def test_a_catalog_cut_at_any_byte(tmp_path, monkeypatch, domain, data):
    """English and the reason, or (cut after its last entry) a catalog that still translates."""
    whole = real_catalog(domain)
    cut = data.draw(st.integers(0, len(whole) - 1))
    folder = tmp_path / f"cut-{domain}-{cut}"
    target = folder / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    for each in i18n.DOMAINS:
        (target / f"{each}.mo").write_bytes(whole[:cut] if each == domain else real_catalog(each))
    monkeypatch.setattr(i18n, "locale_dir", lambda: str(folder))
    i18n.clear_cache()
    try:
        lang, problem = i18n.usable_language("zh")
    finally:
        i18n.clear_cache()
    assert (lang, problem is None) in (("en", False), ("zh", True)), (lang, problem)
    if problem:
        assert f"{domain}.mo" in problem


async def test_switching_to_a_damaged_catalog_says_so_and_stays_in_english(tmp_path, monkeypatch):
    """Also found: drawing the other language ahead (and `b`) raised CatalogProblem and ended the app."""
    from tui.controllers.demo_runs import DemoRuns

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)
    (tmp_path / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "zh_CN" / "LC_MESSAGES" / "tui.mo").write_bytes(real_catalog("tui")[:100])
    monkeypatch.setattr(i18n, "locale_dir", lambda: str(tmp_path))
    i18n.clear_cache()
    app = make_app(lesson="8.2")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for key in ("l", "b"):  # the language, or both side by side
            await pilot.press(key)
            await pilot.pause()
        messages = [n.message for n in app._notifications]  # noqa: SLF001
        assert sum("Chinese translations are unavailable" in m for m in messages) == 2, messages
        assert app.state.lang != "zh" and not app.bilingual
        await pilot.press("n", "q")
    assert app.return_code == 0


# -- the app started on damaged files, in a real terminal -------------------------------------------


def damaged_locales(folder: Path, how: str) -> Path:
    """A `locales` package shadowing the real one (PYTHONPATH comes first), its catalogs damaged."""
    package = folder / "locales"
    target = package / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for domain in i18n.DOMAINS:
        whole = real_catalog(domain)
        if how == "truncated":
            (target / f"{domain}.mo").write_bytes(whole[: len(whole) // 2])
        elif how == "wrong language":
            buffer = io.BytesIO()
            write_mo(buffer, Catalog(locale="fr"))
            (target / f"{domain}.mo").write_bytes(buffer.getvalue())
    return folder


@pytest.mark.parametrize("how", ["missing", "truncated", "wrong language"])
def test_gradtour_starts_in_english_on_a_damaged_catalog_and_says_so(launch, tmp_path, how):
    shadow = damaged_locales(tmp_path / "shadow", how)
    term = launch("--lang", "zh", PYTHONPATH=str(shadow))
    term.wait_for(lambda s: "1 / 12" in s and "quit" in term.lines()[-1], SCREEN)
    term.wait_for(lambda s: "Chinese translations are unavailable" in flat(s), SCREEN)
    assert "English" in term.lines()[0]
    term.press("q")
    assert term.wait_exit(EXIT) == 0


def test_gradtour_starts_on_a_damaged_state_file_says_so_and_keeps_it(launch, tmp_path):
    folder = tmp_path / "xdg_state_home" / "gradtour"
    folder.mkdir(parents=True)
    (folder / "state.json").write_bytes(b'{"lang": "zh", "lesson": "8.3"')  # cut short
    term = launch(XDG_STATE_HOME=str(tmp_path / "xdg_state_home"))
    term.wait_for(lambda s: "1 / 12" in s, SCREEN)  # defaults: the first lesson, in English
    term.wait_for(lambda s: "damaged" in flat(s), SCREEN)
    kept = list(folder.glob("state.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"lang": "zh", "lesson": "8.3"'
    term.press("n", "q")
    assert term.wait_exit(EXIT) == 0
    assert json.loads((folder / "state.json").read_text(encoding="utf-8"))["lesson"] == "8.2"
