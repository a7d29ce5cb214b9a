"""Runs demos for the app: the worker process, per-lesson records, what-if values.

The worker (lessons/worker/client.py) is started shortly after the first
screen is drawn, so PyTorch loads while the learner reads; events stream back
over a pipe and are applied here on the UI's event loop. Console lines and
chart changes are drawn together, at most once per `FLUSH` interval, so that
a demo that prints a million lines or sends points as fast as it trains
cannot starve the keyboard: each drawing costs the UI a frame.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lessons.course import catalog
from lessons.course.catalog import Lesson
from tui.widgets.demo_pane import (
    MSG_DIVERGED, MSG_ERROR_WHERE, MSG_PARAMS, ST_DONE, ST_ERROR, ST_LOADING, ST_PAUSED, ST_PAUSING, ST_RUNNING,
    ST_STOPPED, DemoPane, Note, RunRecord,
)
from tui.i18n import N_, _, current_language, lesson_gettext

# The worker client, parameters, export and the what-if form are imported
# where they are first used: the first screen needs none of them.

if TYPE_CHECKING:
    from lessons.worker.client import DemoWorker
    from tui.controllers.host import Host

#: Seconds between drawings of a running demo (console and charts): ten a
#: second looks live. Charts and console had their own clocks (10 and 20 Hz,
#: out of phase), and a key pressed during a run waited behind up to 30
#: frames a second (bench/FINDINGS.md).
FLUSH = 0.1
#: The worker starts this long after launch: the first screen comes first.
WORKER_DELAY = 0.3

MSG_EXAMPLE = N_("── example {block} of {total} ──")
MSG_EXPORTED = N_("Exported to {path} — run it with: python {name}")
MSG_EXPORT_FAILED = N_("Could not export: {reason}")
MSG_EXPORTED_WEB = N_("{name} is on its way to your browser's downloads — run it with: python {name}")
MSG_COPIED_CODE = N_("The demo's code ({lines} lines) is on the clipboard.")
#: A terminal may ignore the request (OSC 52): tmux without set-clipboard, most
#: terminals over ssh by default.
MSG_COPIED_CODE_TERMINAL = N_(
    "The demo's code ({lines} lines) was sent to your terminal's clipboard; if your terminal refuses, "
    "x saves it as a file."
)
MSG_VALUES_SET = N_("New values are in the code; press r to run it.")
MSG_NO_DEMO = N_("This lesson has no demo to run.")
#: The status while the run goes on to a step of the optimizer the learner chose.
ST_PAUSING_AT = N_("running on to the next step of {optimizer}…")


class DemoRuns:
    def __init__(self, app: Host) -> None:
        self.app = app
        self._worker: DemoWorker | None = None
        self.records: dict[str, RunRecord] = {}
        self.values: dict[str, dict[str, Any]] = {}
        self.device = app.device
        self._active: RunRecord | None = None
        self._changed: list[str] = []  # chart panels to redraw, oldest change first
        self._states_changed = False  # the state panel has records it has not drawn
        self._flush_timer = None
        #: step mode: the learner asked the run to pause (space, `.`) and not to resume since
        self.pause_wanted = False
        #: the status a paused run returns to when resumed
        self._running_status: tuple[str, str, dict[str, Any]] | None = None
        #: the (panel, series) of the watched optimizer the run is paused at, if it is
        self._paused_at: tuple[str | None, str] | None = None

    # -- lifecycle ---------------------------------------------------------

    def start_soon(self) -> None:
        self.app.set_timer(WORKER_DELAY, self._start_worker)

    @property
    def worker(self) -> DemoWorker:
        """The worker's client, made (not started) when first asked for."""
        if self._worker is None:
            from lessons.worker.client import DemoWorker

            self._worker = DemoWorker(on_state=self._worker_state)
        return self._worker

    async def _start_worker(self) -> None:
        await self.worker.start()

    async def close(self) -> None:
        if self._worker is not None:
            await self._worker.close()

    @property
    def running(self) -> bool:
        return self._active is not None and self._active.running

    # -- records and values ---------------------------------------------------

    def record(self, lesson: Lesson) -> RunRecord:
        if lesson.id not in self.records:
            self.records[lesson.id] = RunRecord.for_lesson(lesson)
        return self.records[lesson.id]

    def values_for(self, lesson: Lesson) -> dict[str, Any]:
        if lesson.id not in self.values:
            from lessons.demos.params import defaults

            self.values[lesson.id] = defaults(lesson)
        return self.values[lesson.id]

    def resolved_device(self) -> str | None:
        """The device the demos run on, once known (auto needs the worker)."""
        if self.device != "auto":
            return self.device
        return self._worker.device_auto if self._worker is not None else None

    def shown_values(self, lesson: Lesson) -> dict[str, Any]:
        """What the code on screen shows: the what-if values and the device.

        The runner writes the device it uses into `device = "..."`; showing
        the same keeps "the code shown is the code run" true on a GPU box.
        """
        values = dict(self.values.get(lesson.id) or {})
        if device := self.resolved_device():
            values["device"] = device
        return values

    def lesson_opened(self, lesson: Lesson) -> None:
        pane = self.app.lesson_screen.demo_pane
        pane.display = bool(lesson.demos)
        if lesson.demos:
            pane.post_message(DemoPane.Show(self.record(lesson)))

    def _pane_for(self, record: RunRecord) -> DemoPane | None:
        """The pane that shows `record`: None on another lesson, or once the app is closing.

        The pane is only ever told what changed (DemoPane's messages), never
        drawn into: it may still be composing, or already going.
        """
        if self.app.lesson_id != record.lesson.id or (screen := self.app.open_lesson_screen()) is None:
            return None
        return screen.demo_pane

    def _shown(self, record: RunRecord) -> bool:
        return self._pane_for(record) is not None

    def _set_status(self, record: RunRecord, kind: str, template: str, **arguments: Any) -> None:
        record.status = (kind, template, arguments)
        if pane := self._pane_for(record):
            pane.post_message(DemoPane.StatusChanged())

    def _worker_state(self, state: str) -> None:
        screen = self.app.open_lesson_screen()
        if state == "ready" and self.device == "auto" and screen is not None:
            lesson = catalog.load(self.app.lesson_id)
            screen.lesson_view.set_code_values(self.shown_values(lesson))
            # What was drawn ahead before the device was known shows no
            # device in its code: the next page would be drawn again on `→`.
            self.app.prefetch()
        record = self._active
        if state == "starting" and record is not None and record.running:
            self._set_status(record, "loading", ST_LOADING)

    # -- running ---------------------------------------------------------------

    def run(self, lesson_id: str, paused: bool = False) -> None:
        """Run the lesson's demos; `paused`: in step mode, from the first step
        of the chosen watched series (`o`), or of any watched one."""
        lesson = catalog.load(lesson_id)
        if not lesson.demos:
            self.app.notify(_(MSG_NO_DEMO), timeout=4)
            return
        self.app.run_worker(self._run(lesson, paused), group="demo", exclusive=True, exit_on_error=False)

    async def _run(self, lesson: Lesson, paused: bool = False) -> None:
        from lessons.demos.params import defaults, format_value, param_specs

        values = self.values_for(lesson)
        notes = []
        if values:
            shown = ", ".join(f"{name}={format_value(spec, values[name])}"
                              for name, spec in param_specs(lesson).items())
            notes.append(Note(MSG_PARAMS, {"values": shown}, "dim"))
        printed: list[str] = []

        def keep_output(record: RunRecord, event: dict) -> dict:
            if event.get("event") == "out" and event.get("stream") != "stderr":
                printed.append(str(event.get("text", "")))
            return event

        # The code run is the code shown: in Chinese, its printed labels too.
        lang = current_language()
        series, panel = self._step_target(self.record(lesson)) if paused else (None, None)

        def start(worker: DemoWorker) -> AsyncIterator[dict]:
            return worker.run(lesson.id, values, self.device, lang=lang,
                              paused=(series or "*") if paused else None, panel=panel)

        record = await self.follow(lesson, start, notes, on_event=keep_output, lang=lang, paused=paused)
        if record.status[0] == "done" and (screen := self.app.open_lesson_screen()) is not None:
            screen.show_run(lesson, printed, other_settings=values != defaults(lesson), lang=lang)

    async def follow(self, lesson: Lesson, start: Callable[[DemoWorker], AsyncIterator[dict]],
                     notes: list[Note] = (), on_event: Callable[[RunRecord, dict], dict | None] | None = None,
                     lang: str | None = None, paused: bool = False) -> RunRecord:
        """Stream a run's events into `lesson`'s record, which the pane shows.

        `start(worker)` begins the run (a lesson's demos, a lab's code);
        `on_event` may handle an event itself (returning None) or hand one on
        to be applied (the labs' `check` and `notice` events are theirs).
        `lang`: the language of the code run, when it is the lesson's own.
        `paused`: the run was asked to start in step mode.
        """
        worker = self.worker
        if self._active is not None and self._active.running:
            self._finish(self._active, "stopped")
        record = self.record(lesson)
        record.begin()
        record.lang = lang
        self._active = record
        if pane := self._pane_for(record):
            pane.post_message(DemoPane.Show(record))
        for note in notes:
            self._line(record, note)
        self._set_status(record, "loading" if not worker.ready else "running",
                         ST_LOADING if not worker.ready else ST_RUNNING,
                         **({} if not worker.ready else {"device": "…", "block": 1,
                                                         "total": len(lesson.demos)}))
        if paused:
            self._ask_pause(record)
        self.app.refresh_bindings()
        try:
            async with contextlib.aclosing(start(worker)) as events:
                async for event in events:
                    if on_event is not None:
                        event = on_event(record, event)
                    if event is not None:
                        self._apply(record, event)
        finally:
            if record.running:  # cancelled (app closing, or replaced by a new run)
                self._finish(record, "stopped")
        return record

    def write(self, record: RunRecord, line: str | Note) -> None:
        """A console line of the run's own (a lab's verdict)."""
        self._line(record, line)

    def set_status(self, record: RunRecord, kind: str, template: str, **arguments: Any) -> None:
        self._set_status(record, kind, template, **arguments)

    def stop(self) -> None:
        if self._worker is not None and self.running:
            self._worker.stop()

    # -- step mode (the worker stops after an optimizer step when asked) ------------

    def toggle_pause(self) -> None:
        """`space`: pause a running demo after its current optimizer step, or resume a paused one."""
        if self._worker is None or (record := self._active) is None or not record.running:
            return
        if self.pause_wanted:
            self.pause_wanted = False
            self._paused_at = None
            self._worker.resume()
            if self._running_status is not None and record.status[0] in ("paused", "pausing"):
                kind, template, arguments = self._running_status
                self._set_status(record, kind, template, **arguments)
        else:
            self._ask_pause(record)
            self._worker.pause()

    def step(self, lesson_id: str | None = None) -> None:
        """`.`: paused, take exactly one more optimizer step (the worker pauses again); running, pause.

        Once the learner chose an optimizer with `o`, the step is that
        optimizer's: the others run on in between. With no demo running on
        a lesson whose race is watched (`lesson_id`), run it in step mode.
        """
        if self._worker is None or (record := self._active) is None or not record.running:
            if lesson_id is not None and self.steppable(lesson_id):
                self.run(lesson_id, paused=True)
            return
        series, panel = self._step_target(record)
        if not self.pause_wanted or (series is not None and self._paused_at != (panel, series)):
            self._ask_pause(record, series is not None)
        self._worker.step(series, panel)

    def steppable(self, lesson_id: str) -> bool:
        """Whether `.` can start the lesson's demos in step mode: its landscapes race watched optimizers."""
        return bool(self.record(catalog.load(lesson_id)).states.declared)

    def _step_target(self, record: RunRecord) -> tuple[str | None, str | None]:
        """The (series, panel) the learner chose with `o`; (None, None): any step."""
        chosen = record.states.chosen
        return (chosen[1], chosen[0]) if chosen is not None else (None, None)

    def watched_count(self, lesson_id: str) -> int:
        """How many optimizers `o` cycles through: those the lesson's last run
        watched, and those its landscapes declare that have not run yet."""
        record = self.records.get(lesson_id)
        return len(record.states.offered()) if record is not None else 0

    def cycle_state(self, lesson_id: str) -> None:
        """`o`: the state panel shows the next optimizer, and its map that one's arrows.

        Paused on the way to the optimizer chosen before, the run now waits
        for this one's step instead.
        """
        record = self.record(catalog.load(lesson_id))
        if record.states.cycle() is None:
            return
        if record is self._active and record.running and self.pause_wanted and record.status[0] == "pausing":
            self._ask_pause(record, True)
            self._worker.pause(*self._step_target(record))
        if (pane := self._pane_for(record)) is None:
            return
        for panel in record.states.mark_arrows(record.data):
            pane.post_message(DemoPane.ChartChanged(panel))
        pane.post_message(DemoPane.StatesChanged())

    def _ask_pause(self, record: RunRecord, chosen: bool = False) -> None:
        """The run is to stop: after its current optimizer step, or (`chosen`)
        at the next step of the optimizer chosen with `o`."""
        self.pause_wanted = True
        if record.status[0] not in ("paused", "pausing"):
            self._running_status = record.status
        # Until the worker says it stopped: a demo between optimizer steps
        # (printing, or not training at all) may take a while to get there.
        if chosen and (label := self._chosen_label(record)) is not None:
            self._set_status(record, "pausing", ST_PAUSING_AT, optimizer=label)
        elif record.status[0] != "pausing":
            self._set_status(record, "pausing", ST_PAUSING)

    @staticmethod
    def _watched_key(record: RunRecord, series: Any) -> tuple[str | None, str] | None:
        """The key of the watched `series` most recently seen (a `paused` event names no panel)."""
        keys = [key for key in record.states.watched if key[1] == str(series)]
        return keys[-1] if keys else None

    @staticmethod
    def _chosen_label(record: RunRecord) -> str | None:
        states = record.states
        if states.chosen is None:
            return None
        if states.chosen in states.watched:
            return states.watched[states.chosen].optimizer["label"]
        label = states.declared.get(states.chosen)
        return lesson_gettext()(label) if label else None

    def _apply(self, record: RunRecord, event: dict) -> None:
        kind = event.get("event")
        if kind == "start":
            total = event.get("total", 1)
            block = event.get("block", 0) + 1
            record.device = event.get("device", "?")
            self._line(record, Note(MSG_EXAMPLE, {"block": block, "total": total}, "bold"))
            running = ("running", ST_RUNNING, {"device": record.device, "block": block, "total": total})
            if self.pause_wanted and record is self._active:
                self._running_status = running  # still pausing: the status says so until resumed
            else:
                self._set_status(record, *running[:2], **running[2])
        elif kind == "out":
            text = str(event.get("text", ""))
            # Before the line: the pane draws the result strip with the lines.
            record.note_result(text)
            self._line(record, text)
        elif kind in ("points", "bars", "surface", "arrow", "heatmap", "diverged"):
            panel = record.data.apply(event)
            if kind == "diverged":
                series = str(event.get("series", "?"))
                if not record.diverged:
                    self._line(record, Note(MSG_DIVERGED, {}, "yellow"))
                if series not in record.diverged:  # one series can diverge in several panels
                    record.diverged.append(series)
                if pane := self._pane_for(record):
                    pane.post_message(DemoPane.StatusChanged())
            if panel and self._shown(record):
                if panel not in self._changed:
                    self._changed.append(panel)
                self._flush_soon()
        elif kind == "state":
            if record.states.apply(event) is not None:
                for panel in record.states.mark_arrows(record.data):
                    if self._shown(record) and panel not in self._changed:
                        self._changed.append(panel)
                if self._shown(record):
                    self._states_changed = True
                    self._flush_soon()
        elif kind == "paused":
            # After every pending event (the runner flushes first): draw them
            # now, so that charts, panel and status all show step t.
            self._flush(everything=True)
            # Not wanted any more: the learner resumed while the worker was
            # pausing, and the resume is on its way to it.
            if self.pause_wanted and record is self._active:
                step, optimizer = event.get("step"), event.get("optimizer")
                series = event.get("series")
                self._paused_at = self._watched_key(record, series) if series is not None else None
                self._set_status(record, "paused", ST_PAUSED, step=str(step if step is not None else "?"),
                                 optimizer=str(optimizer or "?"))
        elif kind == "error":
            self._error(record, event)
        elif kind == "done":
            status = event.get("status", "ok")
            if status == "ok":
                self._set_status(record, "done", ST_DONE, seconds=float(event.get("seconds", 0.0)),
                                 device=record.device)
            elif status == "stopped":
                self._set_status(record, "stopped", ST_STOPPED)
            self._finish(record, None)

    def _error(self, record: RunRecord, event: dict) -> None:
        template = event.get("template")
        if template:
            message = _(template).format(**event.get("arguments", {}))
        else:
            message = str(event.get("message", "?"))
        if event.get("line") is not None and event.get("block") is not None:
            self._line(record, Note(MSG_ERROR_WHERE, {"block": event["block"] + 1, "line": event["line"]}, "bold red"))
        for line in event.get("traceback") or ():
            self._line(record, str(line))
        self._line(record, Note("{message}", {"message": message}, "bold red"))
        self._set_status(record, "error", ST_ERROR, message=message)

    def _finish(self, record: RunRecord, status: str | None) -> None:
        self._flush(everything=True)
        if pane := self._pane_for(record):
            pane.post_message(DemoPane.RunEnded())
        if status == "stopped":
            self._set_status(record, "stopped", ST_STOPPED)
        record.running = False
        if self._active is record:
            self._active = None
            self.pause_wanted = False
            self._running_status = None
            self._paused_at = None
        if self.app.open_lesson_screen() is not None:
            self.app.refresh_bindings()

    # -- console batching ------------------------------------------------------

    def _line(self, record: RunRecord, line: str | Note) -> None:
        record.append(line)
        if (pane := self._pane_for(record)) is None:
            return
        if isinstance(line, Note):  # ours (a heading, a verdict): at once, with what came before it
            self._flush()
            return
        self._flush_soon()

    def _flush_soon(self) -> None:
        if self._flush_timer is None:
            self._flush_timer = self.app.set_timer(FLUSH, self._flush)

    def _flush(self, everything: bool = False) -> None:
        self._flush_timer = None
        if (screen := self.app.open_lesson_screen()) is None:
            self._changed.clear()
            self._states_changed = False
            return
        pane = screen.demo_pane
        # The pane draws whatever lines of its record it has not drawn yet:
        # the lines themselves are in the record already.
        pane.post_message(DemoPane.LinesAdded())
        if self._states_changed:
            self._states_changed = False
            pane.post_message(DemoPane.StatesChanged())
        # One chart per drawing, in turn, until the run ends: plotext takes a
        # few ms a panel, and a key pressed meanwhile waits for the whole frame.
        for _ in range(len(self._changed) if everything else min(1, len(self._changed))):
            pane.post_message(DemoPane.ChartChanged(self._changed.pop(0)))
        if self._changed:
            self._flush_soon()

    # -- what-if and export ------------------------------------------------------

    def edit_params(self, lesson_id: str) -> None:
        lesson = catalog.load(lesson_id)
        if not lesson.params:
            return
        from lessons.demos.params import defaults
        from tui.dialogs.params import ParamsDialog

        self.app.push_screen(ParamsDialog(lesson, self.values_for(lesson), defaults(lesson)),
                             lambda values: self._params_chosen(lesson, values))

    def _params_chosen(self, lesson: Lesson, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        self.values[lesson.id] = values
        if self.app.lesson_id == lesson.id:
            self.app.lesson_screen.lesson_view.set_code_values(self.shown_values(lesson))
            self.app.notify(_(MSG_VALUES_SET), timeout=4)

    def rerun_with(self, lesson_id: str, numbers: dict[str, float]) -> bool:
        """Set the parameters a heat map's cell names to its values (validated as
        the what-if form validates) and run the demo again; False, with the
        learner told why, when a value cannot be used."""
        from lessons.demos.params import ParamError, cell_setting

        lesson = catalog.load(lesson_id)
        try:
            chosen = cell_setting(lesson, numbers)
        except ParamError as exc:
            self.app.notify(exc.message(_), severity="error", timeout=8)
            return False
        self.values[lesson.id] = {**self.values_for(lesson), **chosen}
        if self.app.lesson_id == lesson.id:
            self.app.lesson_screen.lesson_view.set_code_values(self.shown_values(lesson))
        self.run(lesson.id)
        return True

    def _script(self, lesson: Lesson) -> str | None:
        """The lesson's demos as one script with the learner's values; None
        (and the learner told why) when the values cannot be used."""
        from lessons.demos.export import export_script
        from lessons.demos.params import ParamError

        try:
            values = {**self.values_for(lesson), **self.shown_values(lesson)}
            return export_script(lesson, values, lesson_gettext(), _)
        except ParamError as exc:
            self.app.notify(_(MSG_EXPORT_FAILED).format(reason=exc), severity="error", timeout=8)
            return None

    def export(self, lesson_id: str) -> None:
        lesson = catalog.load(lesson_id)
        if not lesson.demos or (script := self._script(lesson)) is None:
            return
        name = f"gradtour_{lesson.id.replace('.', '_')}.py"
        if self.app.is_web:
            # The serving machine's folders are out of a browser's reach:
            # the script goes to the learner's own downloads instead.
            import io

            self.app.deliver_text(io.StringIO(script), save_filename=name, mime_type="text/x-python")
            self.app.notify(_(MSG_EXPORTED_WEB).format(name=name), timeout=10)
            return
        try:
            path = _free_path(Path.cwd(), name.removesuffix(".py"))
            path.write_text(script, encoding="utf-8")
        except OSError as exc:
            self.app.notify(_(MSG_EXPORT_FAILED).format(reason=exc.strerror or exc), severity="error", timeout=8)
            return
        self.app.notify(_(MSG_EXPORTED).format(path=path, name=path.name), timeout=10)

    def copy_code(self, lesson_id: str) -> None:
        """The demo's code, as `x` would export it, onto the clipboard (OSC 52:
        the browser's clipboard in web mode, most terminals' otherwise)."""
        lesson = catalog.load(lesson_id)
        if not lesson.demos or (script := self._script(lesson)) is None:
            return
        self.app.copy_to_clipboard(script)
        message = MSG_COPIED_CODE if self.app.is_web else MSG_COPIED_CODE_TERMINAL
        self.app.notify(_(message).format(lines=script.count("\n") + 1), timeout=6)


def _free_path(folder: Path, stem: str) -> Path:
    """folder/stem.py, or stem_2.py, … : an export never overwrites a learner's file."""
    if not os.access(folder, os.W_OK):
        from platformdirs import user_data_dir

        folder = Path(user_data_dir("gradtour", appauthor=False)) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / f"{stem}.py"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}_{number}.py"
        number += 1
    return candidate
