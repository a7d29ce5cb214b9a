"""Drive a program in a real pseudo-terminal and read its screen with pyte.

This is how a person meets gradtour: a terminal of a given size, keys typed,
text read off the screen. Used by the end-to-end tests and by bench/.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence

import fcntl
import pyte
from wcwidth import wcwidth

#: Keys as a terminal sends them (xterm conventions).
KEYS = {
    "enter": "\r", "escape": "\x1b", "tab": "\t", "backspace": "\x7f",
    "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
    "pageup": "\x1b[5~", "pagedown": "\x1b[6~", "home": "\x1b[H", "end": "\x1b[F",
    "ctrl+c": "\x03", "ctrl+p": "\x10", "ctrl+s": "\x13", "ctrl+r": "\x12",
}


class Terminal:
    """A program running in a pty of `cols`×`rows`, its output fed to pyte."""

    def __init__(self, argv: Sequence[str], *, cols: int = 80, rows: int = 24,
                 env: Mapping[str, str] | None = None, cwd: str | None = None) -> None:
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        #: everything the program wrote, escape codes included (colour and mode checks)
        self.raw = bytearray()
        environ = dict(os.environ if env is None else env)
        environ.setdefault("TERM", "xterm-256color")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], list(argv), environ)
            finally:
                os._exit(127)
        self._resize_pty(cols, rows)

    # -- output -----------------------------------------------------------

    def read(self, timeout: float = 0.05) -> int:
        """Feed whatever the program wrote within `timeout` to the screen."""
        total = 0
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(0.0, remaining))
            if not ready:
                return total
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the program exited: EIO on Linux
                return total
            if not data:
                return total
            total += len(data)
            self.bytes_read += len(data)
            self.raw += data
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines())

    def lines(self) -> list[str]:
        """The screen's rows as text (a wide character once, as in pyte's `display`).

        pyte's `display` fails (IndexError) on the stub cell a wide character
        leaves behind when a program overwrites only the character's first
        half, which Textual does when it redraws part of a line of Chinese;
        such an orphan stub reads as a space here.
        """
        rows = []
        for y in range(self.screen.lines):
            line = self.screen.buffer[y]
            cells, after_wide = [], False
            for x in range(self.screen.columns):
                data = line[x].data
                if after_wide and not data:
                    after_wide = False
                    continue
                cells.append(data or " ")
                after_wide = wcwidth(data[0]) == 2 if data else False
            rows.append("".join(cells))
        return rows

    def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 30.0) -> float:
        """Read until the screen satisfies `predicate` (or shows the string); seconds taken."""
        check = (lambda text: predicate in text) if isinstance(predicate, str) else predicate
        started = time.monotonic()
        while True:
            self.read(0.02)
            if check(self.text()):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"screen never matched {predicate!r}; it shows:\n{self.text()}")
            if not self.alive():
                self.read(0.1)
                if check(self.text()):
                    return time.monotonic() - started
                raise RuntimeError(f"the program exited ({self.exit_status}); screen:\n{self.text()}")

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Read until the program has written nothing for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.read(quiet):
            pass

    # -- input ------------------------------------------------------------

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key).encode("utf-8"))

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode("utf-8"))

    def resize(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.screen.resize(rows, cols)
        self._resize_pty(cols, rows)
        os.kill(self.pid, signal.SIGWINCH)

    def _resize_pty(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def hangup(self) -> None:
        """Drop the connection, as sshd does when the client vanishes: close the pty's master side.

        The kernel then sends SIGHUP to the program, and its writes to the
        terminal fail from now on.
        """
        os.close(self.fd)
        self.fd = os.open(os.devnull, os.O_RDONLY)  # read() now sees EOF, close() still works

    # -- the process ---------------------------------------------------------

    exit_status: int | None = None

    def alive(self) -> bool:
        if self.exit_status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.exit_status = os.waitstatus_to_exitcode(status)
        return False

    def wait_exit(self, timeout: float = 5.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.02)
            if not self.alive():
                # What it wrote between that read and its exit (restoring
                # the terminal, most often) is still in the pty: read it too.
                self.read(0.05)
                return self.exit_status
        return None

    def close(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.wait_exit(5)
        try:
            os.close(self.fd)
        except OSError:
            pass


def gradtour_argv(*args: str) -> list[str]:
    """The installed `gradtour` command, started the way a learner starts it."""
    script = os.path.join(os.path.dirname(sys.executable), "gradtour")
    return [script, *args] if os.path.exists(script) else [sys.executable, "-m", "tui", *args]
