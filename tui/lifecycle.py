"""Leaving cleanly however the session ends: SIGHUP, SIGTERM, SIGINT.

A dropped ssh connection hangs up the terminal: the kernel sends SIGHUP and
every later write to the terminal fails. Python's default for SIGHUP and
SIGTERM is to die on the spot, skipping the app's unmount (which saves the
learner's place and closes the demo worker) and leaving a terminal in raw
mode when there is still one. Here each of them asks the app to exit as `q`
does, after saving first, because on a hung-up terminal nothing after that
is certain. A watchdog ends the process if that exit stalls, and the demo
worker dies with it (it asked the kernel for PDEATHSIG), so no process is
left behind either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import GradTour

SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
#: Seconds the orderly exit gets before the process ends itself.
EXIT_DEADLINE = 5.0


def install(app: GradTour) -> None:
    """Route the ending signals to `app` (the event loop must be running)."""
    if app.is_headless:  # tests drive the app in-process: the signals are pytest's
        return
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, _ending, app, signum)


def _ending(app: GradTour, signum: int) -> None:
    code = 128 + signum  # what a shell reports for a process ended by the signal
    if getattr(app, "_ending_signal", None) is not None:
        os._exit(code)  # a second signal while exiting: stop waiting
    app._ending_signal = signum
    app.save()
    _watchdog(code)
    app.exit(return_code=code)


def _watchdog(code: int) -> None:
    def expire() -> None:
        os._exit(code)

    timer = threading.Timer(EXIT_DEADLINE, expire)
    timer.daemon = True
    timer.start()
