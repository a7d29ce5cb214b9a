"""The pty driver the end-to-end tests read the screen through (tests/terminal.py)."""

from __future__ import annotations

import time

from tests.terminal import Terminal


class LookingAway(Terminal):
    """Its first read finds nothing: the program writes and exits meanwhile."""

    looked_away = False

    def read(self, timeout: float = 0.05) -> int:
        if not self.looked_away:
            self.looked_away = True
            time.sleep(0.5)
            return 0
        return super().read(timeout)


def test_wait_exit_keeps_what_the_program_wrote_just_before_it_exited():
    """Regression (CI, stop 8): a program that restored the terminal and exited
    between two reads was seen to exit with its last bytes still unread, and
    test_exit_paths reported "the terminal was not restored"."""
    term = LookingAway(["sh", "-c", r"printf 'restored\033[?1049l'"], cols=40, rows=5)
    try:
        assert term.wait_exit(5) == 0
        assert term.raw.endswith(b"restored\x1b[?1049l")
    finally:
        term.close()
