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
    from tui.controllers.host import Host

SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
#: Seconds the orderly exit gets before the process ends itself.
EXIT_DEADLINE = 5.0
#: The same after a hangup, once the place is saved: no one is left to see the
#: terminal restored, and Textual's writer thread may be dead of the first
#: failed write, leaving the exit blocked on its full queue (it took the
#: whole EXIT_DEADLINE when the line dropped during start-up).
HANGUP_DEADLINE = 1.0


def install_early(app: Host) -> None:
    """The same signals from `app.run()` on, until `install` (at the mount).

    Textual switches the terminal to its alternate screen and raw mode before
    the app has mounted. In between, Python's defaults ended the process on
    the spot (SIGTERM: the terminal left that way) or raised
    KeyboardInterrupt in whatever task ran (SIGINT: the mount went on half
    torn down and ended in a traceback). Once the loop runs, each ends the app
    as `install`'s handlers do; before that nothing is drawn yet, and the
    process exits quietly.
    """
    def early(signum: int, frame) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(_ending, app, signum)

    for signum in SIGNALS:
        signal.signal(signum, early)


def install(app: Host) -> None:
    """Route the ending signals to `app` (the event loop must be running)."""
    if app.is_headless:  # tests drive the app in-process: the signals are pytest's
        return
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, _ending, app, signum)


def _ending(app: Host, signum: int) -> None:
    code = 128 + signum  # what a shell reports for a process ended by the signal
    if getattr(app, "_ending_signal", None) is not None:
        os._exit(code)  # a second signal while exiting: stop waiting
    app._ending_signal = signum
    app.save()
    _watchdog(code, HANGUP_DEADLINE if signum == signal.SIGHUP else EXIT_DEADLINE)
    app.exit(return_code=code)


def _watchdog(code: int, deadline: float) -> None:
    def expire() -> None:
        os._exit(code)

    timer = threading.Timer(deadline, expire)
    timer.daemon = True
    timer.start()
