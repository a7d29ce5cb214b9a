"""The UI's handle on the demo worker process (asyncio; no textual, no torch).

    worker = DemoWorker(on_state=callback)
    await worker.start()                 # at app launch; returns at once
    async for event in worker.run("8.3", values, "auto"):
        ...                              # runner events, ending with `done`
    worker.pause(); worker.step(); worker.resume()   # step mode (an event `paused` per pause)
    worker.step(series="adam")          # ... counting only the watched series "adam"'s steps
    worker.stop()                        # from a key handler: SIGINT, then SIGKILL
    await worker.close()                 # at quit

States: "idle" (not started), "starting" (importing torch: show "loading
PyTorch…"), "ready", "failed" (it could not start: see `failure`), "closed".
A worker that dies is restarted; the run it was doing ends with an error
event of kind "worker" (or status "stopped" if it was being stopped).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from lessons.course.i18n import N_
from lessons.worker import FAIL_ENV, PARENT_ENV

__all__ = ["DemoWorker", "FAIL_ENV", "STOP_GRACE"]

#: Seconds a stopped run has to end by itself before its worker is killed.
STOP_GRACE = 1.0
# Seconds to wait, at close, for an idle worker to exit on EOF before killing it.
_CLOSE_GRACE = 1.0
# A demo may print a whole tensor on one line; asyncio's default 64 KiB line
# limit would treat that as a broken stream.
_LINE_LIMIT = 64 * 1024 * 1024
_STDERR_LINES = 20

E_WORKER_DIED = N_("the demo process ended unexpectedly (exit status {code}); it is being restarted")
E_WORKER_FAILED = N_("PyTorch could not be started: {reason}")
E_WORKER_CLOSED = N_("the demo process has been shut down")


class _Run:
    def __init__(self, run_id: str) -> None:
        self.id = run_id
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        self.started = time.monotonic()
        self.stopping = False
        self.sent = False  # the worker has been asked to run it
        self.finished = False
        self.done = asyncio.Event()
        self.kill_timer: asyncio.TimerHandle | None = None

    def put(self, event: dict) -> None:
        if self.finished:
            return
        if event.get("event") == "done":
            self.finished = True
            self.done.set()
            if self.kill_timer:
                self.kill_timer.cancel()
        self.queue.put_nowait(event)

    def end(self, status: str, error: dict | None = None) -> None:
        """Finish a run the worker can no longer finish itself."""
        if error and not self.stopping:
            self.put(error)
        self.put({"event": "done", "id": self.id, "status": "stopped" if self.stopping else status,
                  "seconds": round(time.monotonic() - self.started, 3)})


class DemoWorker:
    def __init__(self, *, on_state: Callable[[str], None] | None = None,
                 env: Mapping[str, str] | None = None, stop_grace: float = STOP_GRACE) -> None:
        """`env`: extra environment variables for the worker (tests: FAIL_ENV)."""
        self.state = "idle"
        self.torch_version: str | None = None
        self.device_auto: str | None = None
        #: why the worker could not start (its last stderr lines), for "failed"
        self.failure: str | None = None
        self._on_state = on_state
        self._env = dict(env or {})
        self._stop_grace = stop_grace
        self._proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Event | None = None
        self._tasks: set[asyncio.Task] = set()
        self._run: _Run | None = None
        self._run_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._events_task: asyncio.Task | None = None  # the current process's, which ends in _exited
        self._closing = False

    # --- state -----------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            if self._on_state:
                self._on_state(state)

    # --- the process -----------------------------------------------------

    async def start(self) -> None:
        """Spawn the worker if none is alive; returns without waiting for torch.

        After close() it does nothing.
        """
        if self._closing:
            return
        async with self._start_lock:  # a restart and a run may both ask at once
            if self._alive():
                return
            if self._events_task is not None and not self._events_task.done():
                # The last process has died, but its end is not handled yet
                # (its stderr is still being read). Handled after the clear
                # below, its failure read "exit status 1" and was taken for
                # this start's, before this start had even been tried.
                await asyncio.shield(self._events_task)
                if self._closing:
                    return
            self._begin_starting()
            self._stderr.clear()
            self.failure = None
            env = {**os.environ, **self._env, PARENT_ENV: str(os.getpid())}
            try:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "lessons.worker",
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                    env=env, limit=_LINE_LIMIT,
                    # Its own session: the terminal's ^C/^Z/SIGHUP are the UI's
                    # business; the worker follows the UI through PDEATHSIG.
                    start_new_session=True,
                )
            except OSError as exc:
                self._fail(str(exc))
                return
            self._proc = proc
            stderr_task = self._spawn(self._read_stderr(proc))
            self._events_task = self._spawn(self._read_events(proc, self._ready, stderr_task))

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    def _begin_starting(self) -> None:
        # Waiters hold the current event: replace it only once it has fired.
        if self._ready is None or self._ready.is_set():
            self._ready = asyncio.Event()
        self._set_state("starting")

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self._set_state("failed")
        if self._ready:
            self._ready.set()

    async def wait_ready(self, timeout: float | None = None) -> bool:
        """Start the worker if needed and wait until torch is loaded; False if it failed."""
        if self.state in ("idle", "failed") or not self._alive():
            await self.start()
        if self._ready is None:  # closed meanwhile
            return False
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self.ready

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        # Drained so a chatty library cannot fill the pipe and block the
        # worker; the tail explains a failed start.
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            self._stderr.append(line.decode("utf-8", "replace").rstrip("\n"))

    async def _read_events(self, proc: asyncio.subprocess.Process, ready: asyncio.Event,
                           stderr_task: asyncio.Task) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # fd 1 is redirected in the worker; this cannot be ours
            if not isinstance(event, dict):
                continue
            if event.get("event") == "ready":
                self.torch_version = event.get("torch")
                self.device_auto = event.get("device_auto")
                self._set_state("ready")
                ready.set()
            elif self._run is not None and event.get("id") == self._run.id:
                self._run.put(event)
        code = await proc.wait()
        # The last stderr lines explain a failed start; a grandchild holding
        # the pipe open must not delay the restart, though.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(stderr_task), 0.5)
        self._exited(proc, code, ready)

    def _exited(self, proc: asyncio.subprocess.Process, code: int, ready: asyncio.Event) -> None:
        if proc is not self._proc:
            return
        was_ready = ready.is_set() and self.state == "ready"
        run = self._run
        if run is not None and run.sent and not run.finished:
            run.end("error", self._error(E_WORKER_DIED, code=code))
        if self._closing:
            self._set_state("closed")
            ready.set()
            return
        if not was_ready:
            self._fail("\n".join(self._stderr) or f"exit status {code}")
            return
        # A crash (or our kill of a stuck run): get a warm worker back for the next run.
        self._begin_starting()
        self._spawn(self.start())

    def _error(self, template: str, **arguments: Any) -> dict:
        return {"event": "error", "kind": "worker", "message": template.format(**arguments),
                "template": template, "arguments": arguments, "block": None, "line": None, "traceback": [],
                "id": self._run.id if self._run else None}

    # --- runs ------------------------------------------------------------

    def run(self, lesson_id: str | None, values: Mapping[str, Any] | None = None, device: str = "auto",
            *, source: str | None = None, lang: str = "en", paused: str | None = None,
            panel: str | None = None) -> AsyncIterator[dict]:
        """Run a lesson (or a lesson's Markdown `source`); yield its events up to `done`.

        `lang`: the language whose code runs (its printed labels in that language).
        `paused`: start in step mode, pausing at the first step of that
        watched series ("*": of any watched optimizer; `panel`: on that landscape).

        A run still in progress is stopped first (its own iterator still gets
        its `done`). Leaving the loop early stops the run, once the iterator
        is closed: use contextlib.aclosing, or it happens at garbage collection.
        """
        command = {"cmd": "run", "lesson": lesson_id, "values": dict(values or {}), "device": device, "lang": lang}
        if source is not None:
            command["source"] = source
        if paused is not None:
            command["pause"] = paused
            if panel is not None:
                command["panel"] = panel
        return self._stream(command)

    def run_lab(self, lab_id: str, code: str, *, check: bool = True) -> AsyncIterator[dict]:
        """Run a learner's code for a lab, in a limited child of the worker, then
        (if `check`) its check: runner events plus `check` and `notice`, as run()."""
        return self._stream({"cmd": "lab", "lab": lab_id, "code": code, "check": check})

    async def _stream(self, command: dict) -> AsyncIterator[dict]:
        run = _Run(f"r{next(self._ids)}")
        try:
            async with self._run_lock:  # not held while events are consumed
                previous = self._run
                if previous is not None and not previous.finished:
                    # The worker runs one lesson at a time, and the previous
                    # run's events must reach that run, not this one.
                    self._stop_run(previous)
                    await previous.done.wait()
                self._run = run
                await self._send_run(run, command)
            while True:
                event = await run.queue.get()
                yield event
                if event.get("event") == "done":
                    return
        finally:
            self._stop_run(run)

    async def _send_run(self, run: _Run, fields: dict) -> None:
        if self._closing:
            run.end("error", self._error(E_WORKER_CLOSED))
            return
        if not await self.wait_ready():
            # The last line of a traceback says what went wrong; `failure` keeps the rest.
            lines = (self.failure or "").strip().splitlines()
            reason = lines[-1] if lines else "?"
            run.end("error", self._error(E_WORKER_FAILED, reason=reason))
            return
        if run.finished:  # stopped while PyTorch was loading
            return
        command = {**fields, "id": run.id}
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        run.sent = True
        try:
            proc.stdin.write((json.dumps(command) + "\n").encode("utf-8"))
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker died; _exited ends this run and restarts it

    @property
    def running(self) -> bool:
        return self._run is not None and not self._run.finished

    def pause(self, series: str | None = None, panel: str | None = None) -> None:
        """Step mode: the run stops after its current optimizer step (a `paused` event says where).

        `series`: only after a step of that watched series ("*": of any
        watched optimizer; `panel`: on that landscape); other steps run on.
        """
        self._control("pause", series, panel)

    def step(self, series: str | None = None, panel: str | None = None) -> None:
        """Paused: exactly one more optimizer step (of `series`, as for pause()),
        then paused again. Running: as pause()."""
        self._control("step", series, panel)

    def resume(self) -> None:
        """Run on from a pause."""
        self._control("resume")

    def _control(self, cmd: str, series: str | None = None, panel: str | None = None) -> None:
        # No-ops when nothing runs: a key pressed as a run ends must not reach the next one,
        # so the command names its run too.
        run, proc = self._run, self._proc
        if run is None or run.finished or run.stopping or not run.sent or proc is None or proc.stdin is None:
            return
        if proc.returncode is not None or proc.stdin.is_closing():
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, RuntimeError):
            command = {"cmd": cmd, "id": run.id}
            if series is not None:
                command["series"] = series
                if panel is not None:
                    command["panel"] = panel
            proc.stdin.write((json.dumps(command) + "\n").encode("utf-8"))

    def stop(self) -> None:
        """Stop the current run: SIGINT now, SIGKILL (and a restart) if it lingers."""
        if self._run is not None:
            self._stop_run(self._run)

    def _stop_run(self, run: _Run) -> None:
        proc = self._proc
        if run is not self._run or run.finished or run.stopping:
            return
        run.stopping = True
        if not run.sent:
            # Nothing to interrupt yet; a SIGINT now could hit a worker still
            # starting up, before it ignores SIGINT between runs.
            run.end("stopped")
            return
        if proc is None or proc.returncode is not None:
            return  # _exited ends the run
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        run.kill_timer = asyncio.get_running_loop().call_later(self._stop_grace, self._kill_stuck, proc, run)

    def _kill_stuck(self, proc: asyncio.subprocess.Process, run: _Run) -> None:
        # A demo inside one long C call, or one that swallows KeyboardInterrupt.
        if not run.finished and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    async def close(self) -> None:
        """End the worker promptly; no process is left behind."""
        self._closing = True
        if self._run is not None:
            self._run.stopping = True  # a run cut short by quitting was stopped, not broken
        proc = self._proc
        if proc is not None and proc.returncode is None:
            if self.running or not self.ready:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            elif proc.stdin is not None:
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), _CLOSE_GRACE)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._run is not None:
            self._run.end("stopped")
        self._set_state("closed")
        if self._ready is not None:
            self._ready.set()  # a run waiting for PyTorch gives up
