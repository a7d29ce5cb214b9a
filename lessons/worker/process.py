"""The demo worker: `python -m lessons.worker`, started by the UI at launch.

It imports torch once, says {"event": "ready", "torch": ..., "device_auto": ...}
and then runs lessons on request, one JSON command per stdin line:

    {"cmd": "run", "id": RUN_ID, "lesson": "8.3", "values": {...}, "device": "auto", "lang": "zh"}
    {"cmd": "run", "id": RUN_ID, "source": "<lesson markdown>", ...}   (previews, tests)
    {"cmd": "lab", "id": RUN_ID, "lab": "8.hw1", "code": "...", "check": true}

A lab's code runs in a child of the worker, with limits (lessons/labs/sandbox.py);
its events, a `check` event among them, come back the same way.

Step mode: while a lesson runs, these control commands act at once (stdin is
read on a thread of its own; run and lab commands still wait their turn):

    {"cmd": "pause"}     stop after the current optimizer step (event `paused`)
    {"cmd": "step"}      paused: exactly one more optimizer step, then pause again;
                         running: as "pause"
    {"cmd": "resume"}    run on

They carry no id, or the id of the run they are for (a command for another
run is ignored); with no lesson running (between runs, or during a lab),
they are ignored. A step is one call of any torch.optim optimizer's step().
`pause` and `step` may name which steps count, the others running on freely:

    "series": "*"        a step of any watched optimizer (chart.watch)
    "series": NAME       a step of the watched series NAME only
    "panel": PANEL       with a NAME: only that series on the landscape PANEL

A run command may carry the same fields as "pause": "*" | NAME (and "panel"):
the run starts in step mode and pauses at the first such step (a pause
command sent after it could arrive before the run begins, and be ignored).

Every event of a run (see lessons.demos.runner) goes to stdout as one JSON line,
tagged with "id". SIGINT stops the current run (status "stopped"), paused or
not; the worker stays warm for the next. EOF on stdin ends the worker (after
the run in progress, which runs on if it was paused).

stdout is the event channel only: file descriptor 1 is pointed at stderr, so
nothing a library prints at the C level can corrupt the stream.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sys
import threading
from typing import Any

# None of these imports torch: main() does, after the test hook that fails the start.
from lessons.course import catalog, i18n
from lessons.demos import runner
from lessons.demos.channel import Channel
from lessons.demos.optstate import StepControl
from lessons.parent_death import die_with_parent
from lessons.worker import FAIL_ENV, PARENT_ENV

#: How much nicer than the UI the worker is (see _yield_to_the_ui).
NICE = 5
#: The commands that act on the run in progress instead of waiting their turn.
CONTROL_COMMANDS = ("pause", "step", "resume")


def _die_with_parent() -> None:
    """Leave no worker behind when the UI dies, however it dies (SIGKILL, SIGHUP)."""
    expected = os.environ.get(PARENT_ENV)
    armed = die_with_parent()
    if expected and os.getppid() != int(expected):
        os._exit(1)  # the parent died before prctl took effect
    if not armed and expected:
        # Elsewhere, poll: a run in progress would not notice stdin's EOF.
        threading.Thread(target=_watch_parent, args=(int(expected),), daemon=True).start()


def _yield_to_the_ui(nice: int) -> None:
    """Rank below the UI in the scheduler's eyes: a demo training flat out on
    one core must not make the learner's keys wait for a core when the
    machine is busy (bench/FINDINGS.md). Unprivileged, inherited by what a
    demo starts. Linux groups processes by session ("autogroups") and shares
    the CPU between groups first; the worker has a session of its own, so
    its process nice alone would change nothing: its group's is set too.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.nice(nice)
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as autogroup:
        autogroup.write(str(nice))


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _ignore_sigint(signum: int, frame: Any) -> None:
    # A stop that arrives between runs (the run ended as the learner pressed
    # `s`) must not kill the warm worker. A Python handler rather than SIG_IGN:
    # SIG_IGN would be inherited by processes a demo starts.
    pass


def main() -> int:
    _die_with_parent()
    _yield_to_the_ui(NICE)
    signal.signal(signal.SIGINT, _ignore_sigint)
    events = Channel(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if os.environ.get(FAIL_ENV):
        raise RuntimeError(f"{FAIL_ENV} is set: failing before importing torch")
    torch = runner.import_torch()
    runner.warm_up(torch)
    events.send({"event": "ready", "torch": torch.__version__, "device_auto": runner.resolve_device("auto")})
    control = StepControl()
    commands: queue.Queue[bytes | None] = queue.Queue()
    threading.Thread(target=_read_commands, args=(sys.stdin.buffer, commands, control),
                     name="gradtour-stdin", daemon=True).start()
    while (raw := commands.get()) is not None:
        _handle(raw, events, control)
    return 0


def _read_commands(stdin, commands: queue.Queue, control: StepControl) -> None:
    """Apply control commands as they come; queue every other line for the main thread, in order."""
    for raw in stdin:
        command = _control_command(raw)
        if command is None:
            commands.put(raw)
        elif control.applies(command.get("id")):
            if command["cmd"] == "resume":
                control.resume()
            else:
                getattr(control, command["cmd"])(*_which_steps(command, "series"))
    # Nobody is left to resume a paused run: let it finish, then end.
    control.end()
    commands.put(None)


def _control_command(raw: bytes) -> dict | None:
    try:
        command = json.loads(raw)
    except ValueError:
        return None  # reported by the main thread, in its turn
    if isinstance(command, dict) and command.get("cmd") in CONTROL_COMMANDS:
        return command
    return None


def _which_steps(command: dict, field: str) -> tuple[str | None, str | None]:
    """The (series, panel) a command's `field` and "panel" select; (None, None): any step."""
    series, panel = command.get(field), command.get("panel")
    if not isinstance(series, str):
        return None, None
    return series, panel if isinstance(panel, str) else None


def _handle(raw: bytes, events: Channel, control: StepControl | None = None) -> None:
    try:
        command = json.loads(raw)
        if not isinstance(command, dict):
            raise ValueError("a command is a JSON object")
    except ValueError as exc:
        events.send({"event": "error", "kind": "protocol", "message": f"bad command: {exc}"})
        return
    run_id = command.get("id")
    if command.get("cmd") == "lab":
        _handle_lab(command, run_id, events)
        return
    if command.get("cmd") != "run":
        events.send({"event": "error", "kind": "protocol", "id": run_id,
                     "message": f"unknown command {command.get('cmd')!r}"})
        return

    def emit(event: dict) -> None:
        events.send({**event, "id": run_id})

    try:
        if command.get("source") is not None:
            lesson = catalog.parse_lesson(command["source"], "<source>")
        else:
            lesson = catalog.load(str(command.get("lesson")))
    except (catalog.LessonError, catalog.UnknownLesson, OSError) as exc:
        emit({"event": "error", "kind": "lesson", "message": f"cannot load the lesson: {exc}",
              "block": None, "line": None, "traceback": []})
        emit({"event": "done", "status": "error", "seconds": 0.0})
        return
    lang = command.get("lang") or "en"
    try:
        gettext = i18n.translations(lang, "lessons").gettext
    except (ValueError, i18n.CatalogProblem):
        gettext = None  # the code as written: the UI already said why it shows English
    if control is not None:
        control.begin(run_id, *_which_steps(command, "pause"))
    try:
        runner.run_lesson(lesson, command.get("values") or {}, str(command.get("device") or "auto"), emit,
                          gettext=gettext, control=control)
    finally:
        if control is not None:
            control.end()


def _handle_lab(command: dict, run_id: Any, events: Channel) -> None:
    from lessons.labs import sandbox as lab_sandbox
    from lessons import labs

    def emit(event: dict) -> None:
        events.send({**event, "id": run_id})

    lab_id = str(command.get("lab"))
    if not labs.is_lab(lab_id) or not isinstance(command.get("code"), str):
        emit({"event": "error", "kind": "protocol", "message": f"bad lab command for {lab_id!r}",
              "block": None, "line": None, "traceback": []})
        emit({"event": "done", "status": "error", "seconds": 0.0})
        return
    lab_sandbox.run_sandboxed(lab_id, command["code"], emit, check=bool(command.get("check", True)),
                              close_fds=(events.fileno(),))

