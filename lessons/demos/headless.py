"""`gradtour run ID [--set NAME=VALUE …] [--steps N] [--json]`: a lesson's demos without the TUI.

The demos run in this process (no worker: there is no UI to keep responsive).
Output lines are printed as they come; the charts follow as text at the end.
With `--steps N` every optimizer stops after N steps (its later steps change
nothing); the state of each of its first N steps is printed as the state
panel's table (watched optimizers, and any other of at most 4 numbers), and
from the first frozen optimizer on, the demo's own output and the charts are
not shown: they would describe a run that did not happen. `--json` prints
every event instead (`state`, `frozen` among them).
Exit status: 0 ok, 1 a demo failed, 2 a bad `--set` or device (nothing has
run), 130 interrupted, 141 the reader of the output went away (`| head`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import TextIO

from lessons.course import catalog
from lessons.course.catalog import Gettext
from lessons.course.i18n import N_
from lessons.demos import params, runner

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "run_command"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a tool cut off by `| head`
_STATUS_EXIT = {"ok": EXIT_OK, "error": EXIT_ERROR, "stopped": EXIT_INTERRUPTED}

# Charts wider than this are no easier to read, only sparser.
_MAX_CHART_WIDTH = 100
#: The state tables' width at most: what fits the panel at 80 columns.
_STATE_WIDTH = 76

STEPS_NOTE = N_("(Every optimizer stops at step {steps}. The demo's own output from here on, and its charts, "
                "are not shown: they would describe a run that did not happen.)")
FROZEN = N_("{optimizer}: stopped after step {step}; its later steps change nothing.")
STALLED = N_("Demo {block} kept stepping {optimizer} after it stopped, waiting for a change that cannot come: "
             "the rest of that demo is skipped.")


def run_command(lesson_id: str, sets: Sequence[str], *, as_json: bool, device: str, gettext_ui: Gettext,
                gettext_lessons: Gettext, out: TextIO, err: TextIO | None = None, steps: int | None = None) -> int:
    """Run lesson `lesson_id` with `--set` values; see the module docstring for the exit status.

    `steps`: `--steps` (at least 1), or None.

    Problems with the request (`--set`, device) go to `err` (default
    sys.stderr) as one line in the UI language, as do the demo's stderr
    lines and tracebacks in text mode.
    """
    printer = _Printer(as_json, out, err if err is not None else sys.stderr, gettext_ui, steps)
    try:
        return _run(lesson_id, sets, device, gettext_ui, gettext_lessons, printer)
    except KeyboardInterrupt:  # ^C while torch loads, or a reader gone (see _Printer)
        if not printer.reader_gone:
            return EXIT_INTERRUPTED
    except BrokenPipeError:
        pass
    _silence(out)
    return EXIT_BROKEN_PIPE


def _silence(out: TextIO) -> None:
    # Python flushes stdout once more at exit; with the reader gone that
    # would print a second BrokenPipeError. Point the descriptor at /dev/null.
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(lesson_id: str, sets: Sequence[str], device: str, gettext_ui: Gettext, gettext_lessons: Gettext,
         printer: _Printer) -> int:
    lesson = catalog.load(lesson_id)
    try:
        values = dict(params.parse_setting(lesson, setting) for setting in sets)
        device = runner.resolve_device(device)
    except params.Problem as problem:
        print(problem.message(gettext_ui), file=printer.err)
        return EXIT_USAGE
    if not printer.as_json:
        from lessons.charts.data import ChartData

        printer.charts = ChartData(lesson.charts)
    status = runner.run_lesson(lesson, values, device, printer.emit, gettext=gettext_lessons, steps=printer.steps)
    if printer.reader_gone:
        raise BrokenPipeError
    if printer.charts is not None and status != "stopped" and not printer.frozen:
        _print_charts(lesson, printer.charts, printer.out, gettext_lessons, gettext_ui)
    return _STATUS_EXIT[status]


class _Printer:
    """Prints events as they come: JSON lines, or output lines plus chart data."""

    def __init__(self, as_json: bool, out: TextIO, err: TextIO, gettext_ui: Gettext = lambda m: m,
                 steps: int | None = None) -> None:
        self.as_json = as_json
        self.out = out
        self.err = err
        self.charts = None
        self.reader_gone = False
        self.gettext_ui = gettext_ui
        self.steps = steps
        #: an optimizer has been frozen (`--steps`): the demo's output is no longer shown
        self.frozen = False

    def emit(self, event: dict) -> None:
        if self.reader_gone:
            return
        try:
            self._print(event)
        except BrokenPipeError:
            # `gradtour run 8.5 | head`: stop the demo as ^C would, and
            # print nothing more (not even a traceback of the demo's print).
            self.reader_gone = True
            raise KeyboardInterrupt from None

    def _print(self, event: dict) -> None:
        if self.as_json:
            print(json.dumps(event, allow_nan=False), file=self.out, flush=True)
            return
        self.charts.apply(event)
        kind = event["event"]
        if kind == "out" and not self.frozen:
            print(event["text"], file=self.out if event["stream"] == "stdout" else self.err, flush=True)
        elif kind == "state":
            self._print_state(event)
        elif kind == "stalled":
            print(self.gettext_ui(STALLED).format(block=event["block"] + 1, optimizer=event["optimizer"]),
                  file=self.out, flush=True)
        elif kind == "frozen":
            if not self.frozen:
                self.frozen = True
                print(self.gettext_ui(STEPS_NOTE).format(steps=self.steps), file=self.out)
            print(self.gettext_ui(FROZEN).format(optimizer=event["optimizer"], step=event["step"]),
                  file=self.out, flush=True)
        elif kind == "error":
            self.out.flush()
            for line in event["traceback"] or [event["message"]]:
                print(line, file=self.err)
            self.err.flush()


    def _print_state(self, event: dict) -> None:
        from lessons.charts import state_table

        width = min(shutil.get_terminal_size().columns, 80) - 4
        width = max(20, min(width, _STATE_WIDTH))
        for record in event["steps"]:
            print(file=self.out)
            print(state_table.text(record, event["optimizer"], width, self.gettext_ui), file=self.out)
        self.out.flush()


def _print_charts(lesson: catalog.Lesson, data, out: TextIO, gettext_lessons: Gettext, gettext_ui: Gettext) -> None:
    from lessons.charts.plot import render_panel_text

    width = min(shutil.get_terminal_size().columns, _MAX_CHART_WIDTH)
    for name, spec in lesson.charts.items():
        panel = data.panels.get(name)
        if panel is None or panel.is_empty:
            continue
        print(file=out)
        print(render_panel_text(spec, panel, width, gettext_lessons, ui_gettext=gettext_ui), file=out)
    out.flush()
