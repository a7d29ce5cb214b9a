"""End to end: the installed `gradtour` in a real pseudo-terminal, read as a person reads it.

Each test launches the console script from a directory outside the
checkout, with LANG unset (as ssh often leaves it) and no COLORTERM (ssh
never forwards it), types keys and waits for text on a pyte screen. The
waits are generous and nothing sleeps in place of a check: on a loaded
two-core machine PyTorch alone takes seconds to import.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.helpers import CJK
from tests.pty_helpers import (  # noqa: F401  (launch is a fixture)
    DEMO, EXIT, EXIT_WITHIN, SCREEN, assert_no_process_left, flat, footer, launch, saved_state, wait_for_worker,
)
from tests.terminal import Terminal
from tui.screens.small_screen import MIN_COLUMNS, MIN_ROWS

@pytest.mark.parametrize("cols,rows,term_name", [(80, 24, "xterm"), (160, 48, "xterm-256color")])
def test_a_learner_session(launch, cols, rows, term_name):
    """Launch, navigate, switch language, run a demo and read its result, quit."""
    term = launch(cols=cols, rows=rows, TERM=term_name)
    term.wait_for(lambda s: "1 / 12" in s and "quit" in footer(term), SCREEN)
    assert "Loss" in term.text() and not CJK.search(term.text())

    term.press("n")
    term.wait_for("2 / 12", SCREEN)
    assert "8.2" in term.lines()[0]

    term.press("l")
    term.wait_for(lambda s: "中文" in s.splitlines()[0] and "退出" in footer(term), SCREEN)
    assert "2 / 12" in term.text()

    tree = wait_for_worker(term)
    term.press("r")
    # The demo's last line, and the pane's "done" status in Chinese.
    term.wait_for(lambda s: "0.537" in s and "完成" in s, DEMO)

    term.press("l")
    term.wait_for(lambda s: "English" in s.splitlines()[0] and "done in" in s, SCREEN)
    assert "0.537" in term.text(), "the finished run survives the language switch"

    term.press("q")
    assert term.wait_exit(EXIT) == 0
    assert_no_process_left(tree)
    assert saved_state()["lesson"] == "8.2" and saved_state()["lang"] == "en"
    assert b"\x1b[?1049l" in term.raw[-400:], "the terminal's main screen is restored"


def _mid_demo(launch) -> tuple[Terminal, dict[int, str]]:
    term = launch("--lesson", "8.5", "--lang", "zh")
    term.wait_for(lambda s: "5 / 12" in s, SCREEN)
    tree = wait_for_worker(term)
    # 8.5 trains for seconds: long enough to end the session while it runs.
    term.press("r")
    term.wait_for(lambda s: "停止" in footer(term), DEMO)
    return term, tree


def _end(term: Terminal, how: str) -> None:
    if how == "hangup":
        term.hangup()
    elif how in ("SIGTERM", "SIGINT"):
        os.kill(term.pid, getattr(signal, how))
    else:
        term.press(how)


@pytest.mark.parametrize("how,status", [
    ("hangup", 128 + signal.SIGHUP),  # the ssh connection drops
    ("SIGTERM", 128 + signal.SIGTERM),  # a shutdown, `kill`
    ("SIGINT", 128 + signal.SIGINT),
    ("ctrl+c", 0),
    ("q", 0),
])
def test_every_way_out_mid_demo_saves_and_leaves_no_process(launch, how, status):
    term, tree = _mid_demo(launch)
    asked_at = time.monotonic()
    _end(term, how)
    # An orderly exit reports the signal, as a shell would; a default
    # (killed-on-the-spot) death would read as -signal here.
    assert term.wait_exit(EXIT) == status
    assert time.monotonic() - asked_at < EXIT_WITHIN
    assert_no_process_left(tree)
    state = saved_state()
    assert (state["lesson"], state["lang"]) == ("8.5", "zh")
    if how != "hangup":  # a hung-up terminal has nobody left to restore
        assert b"\x1b[?1049l" in term.raw[-400:], "the terminal's main screen is restored"


def test_resizing_during_a_demo_down_to_too_small_and_back(launch):
    term = launch("--lesson", "8.4")
    term.wait_for(lambda s: "4 / 12" in s, SCREEN)
    term.press("r")
    term.wait_for(lambda s: "stop" in footer(term) or "done in" in s, DEMO)
    least = f"at least {MIN_COLUMNS}×{MIN_ROWS}"
    for cols, rows in ((100, 30), (60, 20), (40, 12), (120, 40)):
        term.resize(cols, rows)
        if cols < MIN_COLUMNS:
            # The message wraps to the width left: read it as one line.
            term.wait_for(lambda s, c=cols, r=rows: least in flat(s) and f"{c}×{r} now" in s, SCREEN)
        else:
            term.wait_for(lambda s: "4 / 12" in s.splitlines()[0] and "Please enlarge" not in s, SCREEN)
    term.wait_for("done in", DEMO)
    term.resize(MIN_COLUMNS, MIN_ROWS)
    term.wait_for(lambda s: "4 / 12" in s and "quit" in footer(term), SCREEN)
    term.press("n")  # keys work again after the message has gone
    term.wait_for("5 / 12", SCREEN)
    term.press("q")
    assert term.wait_exit(EXIT) == 0
