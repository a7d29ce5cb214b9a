"""Running a learner's lab code: in a child process, with limits, then its check.

The learner's file is run by the demo runner (lessons/demos/runner.py: events,
charts, tracebacks at the learner's line) in a child forked from a process
that has already imported torch (the warm demo worker, or `gradtour check`),
so a run starts at once and whatever the code does to its own process
(monkeypatching torch, changing global settings, `os._exit`, a segfault)
ends with that child.

The child, before it runs anything of the learner's:

* becomes its own process group, so that the parent can kill it and
  anything it started in one go, and asks to die with its parent;
* limits its memory (RLIMIT_AS: what it has mapped now plus a budget) and
  its CPU time (RLIMIT_CPU: SIGXCPU at the budget, raised in the learner's
  code as an exception so the message can name the line; SIGKILL a few
  seconds later if that exception is swallowed);
* refuses to start processes: fork, exec, spawn and subprocess raise, and
  RLIMIT_NPROC caps them where the kernel applies it (not for root);
* sends its events over a pipe of its own, capping the lines of output and
  their length so a flood cannot swamp the UI.

The parent forwards the events, ends the child after a wall-clock limit
(code that sleeps or waits uses no CPU), kills the child's process group
when it stops (SIGINT, as `s` in the UI sends it), and turns a child that
died without saying so into a clear error. Limit errors carry a `template`
and `arguments`, as parameter errors do, so the UI says them in the
learner's language.

This protects against mistakes (an endless loop, a tensor a thousand times
too large, an exit call), not against deliberate attacks: the code runs
with the learner's own rights, as it would in their own terminal.
"""

from __future__ import annotations

import json
import math
import os
import resource
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from lessons.labs import checks as lab_checks
from lessons import labs
from lessons.demos import runner
from lessons.demos.channel import Channel
from lessons.course.catalog import Block, Lesson
from lessons.course.i18n import N_
from lessons.parent_death import die_with_parent

__all__ = ["LIMITS_ENV", "WEB_ENV", "Limits", "run_in_process", "run_sandboxed"]

#: Test and power-user hook: "cpu=2,wall=5,memory_mb=512,max_lines=100".
LIMITS_ENV = "GRADTOUR_LAB_LIMITS"
#: Set by `gradtour serve` for its tabs: lab code then runs in a fresh
#: folder of its own, removed after the run, not in the folder the server
#: was started from (where a relative path would reach the serving user's files).
WEB_ENV = "GRADTOUR_WEB"

E_CPU = N_("Your code was still computing after {seconds} s of CPU time, the lab's limit, so it was stopped. "
           "An endless loop?")
E_WALL = N_("Your code did not finish within {seconds} s, the lab's limit, so it was stopped. Is it waiting or "
            "sleeping?")
E_MEMORY = N_("Your code needed more memory than the lab allows ({limit}), so it was stopped. Is a tensor much "
              "larger than you meant?")
E_PROCESS = N_("Lab code cannot start other processes or programs ({call}).")
E_EXITED = N_("Your code ended its own process (exit status {code}) before the check could run. Remove the exit "
              "call.")
E_KILLED = N_("Your code's process was ended by signal {signal} before the check could run.")
E_NO_START = N_("The lab could not be started: {reason}")
MSG_TRUNCATED = N_("… the output goes on, but a lab shows at most {count} lines of it.")


@dataclass(frozen=True)
class Limits:
    cpu: float = 60.0  # seconds of CPU time
    wall: float = 90.0  # seconds on the clock
    memory_mb: int = 2048  # beyond what the process had mapped before the learner's code
    max_lines: int = 5000  # lines of output passed on
    line_chars: int = 10_000  # characters per line passed on

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, changed by LIMITS_ENV; malformed entries are ignored."""
        limits = cls()
        text = (os.environ if environ is None else environ).get(LIMITS_ENV, "")
        kinds = {f.name: f.type for f in fields(cls)}
        for item in text.split(","):
            name, _, value = item.partition("=")
            name = name.strip()
            if name not in kinds:
                continue
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number) and number > 0:
                limits = replace(limits, **{name: int(number) if kinds[name] in (int, "int") else number})
        return limits


# --- in the child ----------------------------------------------------------------


class CPULimit(BaseException):
    """Raised in the learner's code at SIGXCPU; BaseException, so that an
    `except Exception` in the learner's code does not swallow it."""


class _Trouble:
    """What a limit did, so that the error it causes can be explained."""

    cpu = False
    forbidden: str | None = None


def _lab_lesson(lab_id: str, code: str) -> Lesson:
    source = labs.get(lab_id).lesson
    return Lesson(id=lab_id, title=source.title, blocks=(Block("code", code, 1, runnable=True),),
                  charts=source.charts)


def run_in_process(lab_id: str, code: str, emit: Callable[[dict], None], *, check: bool = True,
                   limits: Limits | None = None, trouble: type[_Trouble] | None = None,
                   filename: str | None = None) -> str:
    """Run the learner's `code` for lab `lab_id` here, then (if `check`) its check.

    Emits runner events, a `check` event (before `done`) when the code ran to
    its end, and `notice` events; returns the status. No limits are applied
    here: that is run_sandboxed's business (tests call this directly).
    `filename`: what tracebacks call the code (default `8.hwN.py`).
    """
    limits = limits or Limits()
    lesson = _lab_lesson(lab_id, code)
    lab_checks.prepare()  # before the learner's code can touch torch's losses
    verdict: dict[str, dict] = {}
    lines = 0

    def after(namespace: dict, chart: runner.Chart) -> None:
        if check:
            verdict["check"] = lab_checks.run_check(lab_id, namespace, chart, lesson.charts)

    def capped(event: dict) -> None:
        nonlocal lines
        kind = event.get("event")
        if kind == "out":
            lines += 1
            if lines > limits.max_lines:
                if lines == limits.max_lines + 1:  # said now: a run cut short never reaches its end
                    emit({"event": "notice", "template": MSG_TRUNCATED, "arguments": {"count": limits.max_lines}})
                return
            if len(event["text"]) > limits.line_chars:
                event = {**event, "text": event["text"][:limits.line_chars] + "…"}
        elif kind == "error":
            event = _explained(event, trouble, limits)
        elif kind == "done":
            if "check" in verdict:
                emit(verdict.pop("check"))
        emit(event)

    return runner.run_lesson(lesson, {}, "cpu", capped, after_block=after,
                             filename=filename or labs.lab_filename(lab_id))


def _explained(event: dict, trouble: type[_Trouble] | None, limits: Limits) -> dict:
    """An error caused by a limit, with a message the learner can act on."""
    last = event.get("message") or ""
    if trouble is not None and trouble.cpu:
        template, arguments = E_CPU, {"seconds": _seconds(limits.cpu)}
    elif trouble is not None and trouble.forbidden:
        template, arguments = E_PROCESS, {"call": trouble.forbidden}
    elif last.startswith("MemoryError") or "can't allocate memory" in last or "not enough memory" in last:
        template, arguments = E_MEMORY, {"limit": f"{limits.memory_mb} MB"}
    else:
        return event
    # The line of ours that ends the traceback would only repeat the message, in English.
    lines = [line for line in event.get("traceback") or () if not line.startswith(f"{__name__}.")]
    return {**event, "kind": "limit", "message": template.format(**arguments), "template": template,
            "arguments": arguments, "traceback": lines}


def _seconds(value: float) -> str:
    return f"{value:g}"


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _user_tasks(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                fields_ = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields_["Uid"].split()[0]) == uid:
                count += int(fields_["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return count


def _apply_limits(limits: Limits) -> None:
    mapped = _mapped_bytes()
    if mapped is not None:
        budget = mapped + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = max(1, round(usage.ru_utime + usage.ru_stime + limits.cpu))  # whole seconds only
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 3))
    if os.geteuid() != 0 and os.path.isdir("/proc"):
        # Counted per user, threads included: room for the runner's own
        # threads, none for a fork bomb.
        tasks = _user_tasks(os.getuid()) + 16
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard == resource.RLIM_INFINITY or tasks <= hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks if hard == resource.RLIM_INFINITY else hard))


def _forbid_processes(trouble: type[_Trouble]) -> None:
    def refuse(name: str):
        def refused(*args: Any, **kwargs: Any):
            trouble.forbidden = name
            raise PermissionError(f"{name} is not available to lab code")
        return refused

    for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp", "execv", "execve", "execl",
                 "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"):
        if hasattr(os, name):
            setattr(os, name, refuse(f"os.{name}"))
    try:
        import _posixsubprocess
        import subprocess

        _posixsubprocess.fork_exec = refuse("subprocess")
        subprocess._fork_exec = _posixsubprocess.fork_exec  # its own copy, taken at import
        subprocess._USE_POSIX_SPAWN = False  # so that no path avoids fork_exec
    except ImportError:
        pass


def _on_cpu_limit(trouble: type[_Trouble]):
    def handler(signum: int, frame: Any) -> None:
        trouble.cpu = True
        raise CPULimit("the lab's CPU time is used up")
    return handler


def _child(lab_id: str, code: str, check: bool, limits: Limits, write_fd: int, close_fds: tuple[int, ...],
           filename: str | None, workdir: str | None = None) -> None:
    status = 70
    try:
        os.setpgid(0, 0)
        if workdir is not None:
            os.chdir(workdir)
        die_with_parent()
        import faulthandler

        faulthandler.disable()  # a crash of the learner's code is explained by the parent, not dumped
        for fd in close_fds:  # the parent's own channels are not the learner's to write on
            try:
                os.close(fd)
            except OSError:
                pass
        # The worker's stdin carries its commands: not the learner's to read.
        devnull = os.open(os.devnull, os.O_RDONLY)
        if devnull != 0:
            os.dup2(devnull, 0)
            os.close(devnull)
        channel = Channel(os.fdopen(write_fd, "w", encoding="utf-8"))
        trouble = _Trouble
        _apply_limits(limits)
        _forbid_processes(trouble)
        signal.signal(signal.SIGXCPU, _on_cpu_limit(trouble))
        run_in_process(lab_id, code, channel.send, check=check, limits=limits, trouble=trouble, filename=filename)
        status = 0
    except BaseException:  # a bug of ours, or the pipe gone: the parent explains the exit
        try:
            import traceback

            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(status)


# --- in the parent ---------------------------------------------------------------------


def _error(template: str, **arguments: Any) -> dict:
    return {"event": "error", "kind": "limit", "message": template.format(**arguments), "template": template,
            "arguments": arguments, "block": None, "line": None, "traceback": []}


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_sandboxed(lab_id: str, code: str, emit: Callable[[dict], None], *, check: bool = True,
                  limits: Limits | None = None, close_fds: tuple[int, ...] = (), filename: str | None = None) -> str:
    """Run lab code in a limited child process; forward its events; return the status.

    `close_fds`: descriptors of this process the child must not keep (the
    worker's event channel). SIGINT (or KeyboardInterrupt) stops the run.
    """
    limits = limits or Limits.from_environment()
    started = time.monotonic()
    runner.import_torch()  # in this process, once: every child starts with it
    workdir = tempfile.mkdtemp(prefix="gradtour-lab-") if os.environ.get(WEB_ENV) else None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        _remove(workdir)
        emit(_error(E_NO_START, reason=exc.strerror or str(exc)))
        emit({"event": "done", "status": "error", "seconds": 0.0})
        return "error"
    if pid == 0:
        os.close(read_fd)
        _child(lab_id, code, check, limits, write_fd, close_fds, filename, workdir)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done by the child; whichever comes first
    except OSError:
        pass
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _raise_interrupt) if in_main else None
    status: str | None = None
    timed_out = False
    try:
        status, timed_out = _forward(read_fd, emit, started + limits.wall)
    except KeyboardInterrupt:
        status = "stopped"
    finally:
        _kill_group(pid)
        _, wait_status, usage = os.wait4(pid, 0)
        os.close(read_fd)
        _remove(workdir)
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if timed_out:
        emit(_error(E_WALL, seconds=_seconds(limits.wall)))
        status = "error"
    elif status is None:  # the child ended without a word: say why
        emit(_death(wait_status, usage, limits))
        status = "error"
    emit({"event": "done", "status": status, "seconds": round(time.monotonic() - started, 3)})
    return status


def _remove(workdir: str | None) -> None:
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


def _forward(read_fd: int, emit: Callable[[dict], None], deadline: float) -> tuple[str | None, bool]:
    """Pass the child's events on until it is done; (its status, whether time ran out)."""
    buffer = b""
    status = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return status, status is None
        ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.5))
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            return status, False
        *lines, buffer = (buffer + chunk).split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if event.get("event") == "done":
                status = str(event.get("status", "error"))
            else:
                emit(event)


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _death(wait_status: int, usage: resource.struct_rusage, limits: Limits) -> dict:
    cpu = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        if number in (signal.SIGXCPU, signal.SIGKILL) and cpu >= limits.cpu - 0.5:
            return _error(E_CPU, seconds=_seconds(limits.cpu))
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return _error(E_KILLED, signal=name)
    return _error(E_EXITED, code=os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else wait_status)
