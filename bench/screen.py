"""Timing what a terminal shows, on top of tests/terminal.py.

A key's effect is timed from the moment the key is written to the pty to
the moment the bytes that draw the effect are read back. Bytes are
timestamped as they arrive and fed to the emulator (pyte) only during a
pause in the output: feeding is slow enough (tens of ms for a full screen)
that feeding while reading would stamp later bytes late, and the bench would
measure pyte instead of gradtour.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.terminal import KEYS, Terminal

Predicate = Callable[[Terminal], bool]

#: Output pause (seconds) taken to mean "the program has finished drawing".
QUIET = 0.25


@dataclass(frozen=True)
class Response:
    """One timed reaction of the screen, seconds from `start`."""

    first: float  # the output that made the predicate true had arrived
    last: float   # the last byte before the output paused: the screen fully drawn
    nbytes: int   # bytes written from `start` to `last`


class Capture:
    """The program's output since `start`, stamped chunk by chunk."""

    def __init__(self, term: Terminal, start: float) -> None:
        self.term = term
        self.start = start
        self.chunks: list[tuple[float, bytes]] = []
        self._fed = 0
        self.matched_at: float | None = None
        self.eof = False
        #: with replay(watch=...): the arrival of the last chunk that changed
        #: what `watch` sees of the screen
        self.changed_at = start
        self._watched: object = None

    @property
    def nbytes(self) -> int:
        return sum(len(data) for _, data in self.chunks)

    @property
    def last_at(self) -> float:
        return self.chunks[-1][0] if self.chunks else self.start

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.term.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.term.fd, 65536)
        except OSError:  # EIO: every process holding the pty has exited
            data = b""
        if data:
            self.chunks.append((time.monotonic(), data))
        else:
            self.eof = True
        return bool(data)

    def until_quiet(self, quiet: float, deadline: float) -> None:
        """Read until nothing has arrived for `quiet` seconds (or the deadline)."""
        while time.monotonic() < deadline:
            if not self._read(min(quiet, deadline - time.monotonic())):
                return

    def until_eof(self, deadline: float) -> None:
        while not self.eof:
            if time.monotonic() > deadline:
                raise TimeoutError("the program did not exit")
            self._read(deadline - time.monotonic())

    def for_duration(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0 and not self.eof:
            self._read(left)

    def replay(self, predicate: Predicate, watch: Callable[[Terminal], object] | None = None) -> None:
        """Feed what was read to the screen; note when `predicate` first held
        (and when what `watch` sees last changed)."""
        term = self.term
        if watch is not None and not self._fed:
            self._watched = watch(term)
        for when, data in self.chunks[self._fed:]:
            term.stream.feed(data)
            term.bytes_read += len(data)
            if self.matched_at is None and predicate(term):
                self.matched_at = when
            if watch is not None and (seen := watch(term)) != self._watched:
                self._watched, self.changed_at = seen, when
        self._fed = len(self.chunks)

    def response(self) -> Response:
        assert self.matched_at is not None
        return Response(self.matched_at - self.start, self.last_at - self.start, self.nbytes)


def press(term: Terminal, key: str) -> float:
    """Write `key`; the moment it was written."""
    started = time.monotonic()
    os.write(term.fd, KEYS.get(key, key).encode("utf-8"))
    return started


def drawn(term: Terminal, predicate: Predicate, start: float, *, quiet: float = QUIET,
          timeout: float = 30.0) -> Response:
    """Wait until the screen satisfies `predicate` and the output has paused."""
    capture = Capture(term, start)
    deadline = start + timeout
    while True:
        capture.until_quiet(quiet, deadline)
        capture.replay(predicate)
        if capture.matched_at is not None:
            return capture.response()
        _check(term, deadline, predicate)


def wait_until(term: Terminal, predicate: Predicate, timeout: float = 60.0) -> None:
    """Untimed: return once the screen satisfies `predicate` (perhaps already)."""
    if not predicate(term):
        drawn(term, predicate, time.monotonic(), quiet=0.05, timeout=timeout)


def first_response(term: Terminal, predicate: Predicate, start: float, *, window: float = 0.1,
                   timeout: float = 10.0) -> float:
    """Seconds from `start` until output that satisfies `predicate` arrived.

    For a screen that never stops changing (a demo is drawing): reads for a
    fixed `window` at a time, so that the stamps within a window are exact.
    """
    capture = Capture(term, start)
    deadline = start + timeout
    while True:
        capture.for_duration(window)
        capture.replay(predicate)
        if capture.matched_at is not None:
            return capture.matched_at - start
        _check(term, deadline, predicate)


def settle(term: Terminal, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Read (and show) everything until the program has been quiet for `quiet` s."""
    capture = Capture(term, time.monotonic())
    capture.until_quiet(quiet, time.monotonic() + timeout)
    capture.replay(lambda _: False)


def _check(term: Terminal, deadline: float, predicate: Predicate) -> None:
    if not term.alive():
        raise RuntimeError(f"the program exited ({term.exit_status}); screen:\n{term.text()}")
    if time.monotonic() > deadline:
        raise TimeoutError(f"screen never satisfied {predicate!r}; it shows:\n{term.text()}")


def showing(text: str) -> Predicate:
    return lambda term: text in term.text()


def row(term: Terminal, index: int) -> str:
    return term.lines()[index].rstrip()
