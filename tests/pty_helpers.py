"""Launching the installed `gradtour` in a pty the way a learner's terminal does.

Shared by the end-to-end tests (test_pty.py) and the terminal checks
(test_terminals.py).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.processes import descendants, wait_gone
from tests.terminal import Terminal, gradtour_argv

#: Seconds for a screen to appear, a demo (PyTorch import included) to finish, the app to exit.
SCREEN, DEMO, EXIT = 60, 120, 20
#: How soon gradtour must be gone once asked to go (q, ^C, a signal, a hangup): issue 7.
EXIT_WITHIN = 2.0

#: What terminals tell a program about themselves; the rest of the environment is scrubbed.
SCRUBBED = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "GRADTOUR_LANG", "COLORTERM", "NO_COLOR",
            "TEXTUAL_COLOR_SYSTEM", "TEXTUAL_DRIVER", "TEXTUAL", "TERM_PROGRAM")


def pty_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.setdefault("TERM", "xterm-256color")
    env.update(extra)
    return env


def footer(term: Terminal) -> str:
    return term.lines()[-1]


def flat(screen: str) -> str:
    return " ".join(screen.split())


def saved_state() -> dict:
    from tui.state import state_path

    return json.loads(state_path().read_text(encoding="utf-8"))


@pytest.fixture
def launch(tmp_path):
    """launch(*args, cols=, rows=, **env) -> Terminal, closed (killed if need be) afterwards."""
    started: list[Terminal] = []

    def start(*args: str, cols: int = 80, rows: int = 24, **env: str) -> Terminal:
        term = Terminal(gradtour_argv(*args), cols=cols, rows=rows, env=pty_env(**env), cwd=str(tmp_path))
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()


def wait_for_worker(term: Terminal) -> dict[int, str]:
    """The app's process tree once the demo worker is in it."""
    tree: dict[int, str] = {}

    def has_worker(_screen: str) -> bool:
        tree.clear()
        tree.update(descendants(term.pid))
        return any("lessons.worker" in command for command in tree.values())

    term.wait_for(has_worker, SCREEN)
    return tree


def assert_no_process_left(tree: dict[int, str]) -> None:
    left = {pid: command for pid, command in tree.items() if not wait_gone(pid, EXIT)}
    assert not left, f"processes left behind: {left}"
