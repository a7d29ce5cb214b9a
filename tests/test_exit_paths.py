"""Exit paths in a real terminal: q, ctrl+c, SIGTERM, SIGINT and a dropped line
(SIGHUP) during start-up and during a lab check. (During a demo run:
tests/test_pty.py::test_every_way_out_mid_demo_saves_and_leaves_no_process.)

Pass: gone within 2 s, no traceback, the terminal restored (when there is
still one), the saved state whole, and no process left behind: the demo
worker and a lab's sandboxed child included, asserted on the process tree.

Start-up is cut at moments picked by what the program has done so far, not
by the clock: before Python has loaded Textual, as Textual switches to its
alternate screen (before the app has mounted), once the first screen is
drawn, and while the worker imports PyTorch.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.processes import descendants
from tests.pty_helpers import EXIT, EXIT_WITHIN, SCREEN, assert_no_process_left, launch  # noqa: F401
from tests.terminal import Terminal
from tests.test_pty import _end as end
from tui.state import load_state, state_path

ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"

#: What each way out reports. Before gradtour has its handlers (Python still
#: starting, or, for a hangup, the app not yet mounted) a signal may end the
#: process the default way (-n): nothing is on screen, started or changed by
#: then. ^C typed before the terminal is in raw mode is a SIGINT.
STATUS = {
    "q": {0}, "ctrl+c": {0, 130, -signal.SIGINT}, "SIGINT": {130, -signal.SIGINT},
    "SIGTERM": {143, -signal.SIGTERM}, "hangup": {129, -signal.SIGHUP},
}


def tracked_until(term: Terminal, reached, tree: dict[int, str], timeout: float = SCREEN) -> None:
    """Read the program's output until `reached(term, tree)`, noting every process below it."""
    deadline = time.monotonic() + timeout
    while not reached(term, tree):
        term.read(0.005)
        tree.update(descendants(term.pid))
        assert term.alive(), f"gradtour exited early ({term.exit_status}):\n{term.text()}"
        assert time.monotonic() < deadline, f"never reached; screen:\n{term.text()}"


def worker_pid(tree: dict[int, str]) -> int | None:
    return next((pid for pid, command in tree.items() if "lessons.worker" in command), None)


def executing(term: Terminal, tree: dict[int, str]) -> bool:
    """The program has replaced the forked child (before that, ^C has no one to reach)."""
    try:
        with open(f"/proc/{term.pid}/cmdline", "rb") as child, open("/proc/self/cmdline", "rb") as ours:
            return child.read() != ours.read()  # a forked child is a copy of this process until exec
    except OSError:
        return False


MOMENTS = {
    "at once": executing,
    "alternate screen": lambda term, tree: ALT_SCREEN_ON in term.raw,
    "first screen": lambda term, tree: " / 12" in term.text(),
    "worker starting": lambda term, tree: worker_pid(tree) is not None,
}


def assert_clean_exit(term: Terminal, how: str, tree: dict[int, str], asked_at: float) -> None:
    status = term.wait_exit(EXIT)
    took = time.monotonic() - asked_at
    assert status in STATUS[how], (how, status, term.text())
    assert took < EXIT_WITHIN, f"{how}: {took:.2f} s to exit"
    assert b"Traceback" not in term.raw and b"KeyboardInterrupt" not in term.raw, bytes(term.raw[-3000:])
    if how != "hangup":  # a hung-up terminal has nobody left to restore
        assert term.raw.rfind(ALT_SCREEN_OFF) >= term.raw.rfind(ALT_SCREEN_ON), "the terminal was not restored"
    assert_no_process_left(tree)
    if state_path().exists():
        assert load_state()[1] is None, "the saved state is damaged"


def start_and_end(launch, how: str, moment: str, *args: str) -> None:
    term = launch(*args)
    tree: dict[int, str] = {}
    tracked_until(term, MOMENTS[moment], tree)
    asked_at = time.monotonic()
    end(term, how)
    assert_clean_exit(term, how, tree, asked_at)


#: The default run: each way out once, at the moments where it once went wrong.
START_UP = [
    ("ctrl+c", "at once"),  # a KeyboardInterrupt traceback
    ("SIGINT", "alternate screen"),
    ("SIGTERM", "alternate screen"),  # killed on the spot, the terminal left in raw mode
    ("hangup", "first screen"),  # 5 s to exit: Textual's writer thread dead on the hung-up terminal
    ("q", "first screen"),
    ("SIGTERM", "worker starting"),
]


@pytest.mark.parametrize("how,moment", START_UP)
def test_every_way_out_during_start_up(launch, how, moment):
    start_and_end(launch, how, moment)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("how", list(STATUS))
def test_every_way_out_at_every_moment_of_start_up(launch, how, moment, round_):
    start_and_end(launch, how, moment, "--lang", ("en", "zh")[round_ % 2])


# -- during a lab check ------------------------------------------------------------------


def checking(term: Terminal, tree: dict[int, str]) -> bool:
    """The lab's code runs: the worker has a child of its own (lessons/labs/sandbox.py)."""
    worker = worker_pid(tree)
    return worker is not None and any(_parent(pid) == worker for pid in tree)


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def end_during_a_lab_check(launch, how: str) -> None:
    term = launch("--lesson", "8.hw5", "--lang", "zh")
    tree: dict[int, str] = {}
    tracked_until(term, MOMENTS["worker starting"], tree)
    term.wait_for(lambda s: "12 / 12" in s, SCREEN)
    term.press("c")
    tracked_until(term, checking, tree, timeout=120)  # the worker imports PyTorch first
    asked_at = time.monotonic()
    end(term, how)
    assert_clean_exit(term, how, tree, asked_at)
    state, problem = load_state()
    assert problem is None and (state.lesson, state.lang) == ("8.hw5", "zh")


@pytest.mark.parametrize("how", ["SIGTERM", "hangup"])
def test_ending_during_a_lab_check(launch, how):
    end_during_a_lab_check(launch, how)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["q", "ctrl+c", "SIGINT"])
def test_ending_during_a_lab_check_every_other_way(launch, how):
    end_during_a_lab_check(launch, how)
