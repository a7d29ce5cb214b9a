"""Demos in the TUI: run, stop, re-run, what-if, export, language switch mid-run.

These start the real worker process (PyTorch on the CPU), as a learner would.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

from textual.widgets import Input

from rich.syntax import Syntax

from tests.helpers import wait_until
from tests.test_app import make_app, visible_text
from tui.dialogs.params import ParamsDialog
from tui.widgets.render import localized_renderable

LONG = 60  # seconds: generous, the first run waits for torch to import


def status(app):
    record = app.demos.records.get(app.lesson_id)
    return record.status[0] if record else None


def console_text(app) -> str:
    record = app.demos.records[app.lesson_id]
    return "\n".join(str(line) if isinstance(line, str) else line.render().plain for line in record.lines)


async def test_run_shows_output_and_curves_then_rerun_keeps_previous():
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")
        record = app.demos.records["8.2"]
        assert "Final w: 4.463" in console_text(app)
        assert not record.data.panels["loss"].is_empty
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")
        assert record.previous is not None and not record.previous.panels["loss"].is_empty


async def test_stop_ends_a_long_run_at_once():
    app = make_app(lesson="8.5")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "running")
        await pilot.press("s")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await wait_until(pilot, lambda: status(app) == "stopped", timeout=5)
        assert loop.time() - started < 2.5
        assert not app.demos.running
        await pilot.press("r")  # and it runs again
        await wait_until(pilot, lambda: status(app) == "running")
        await pilot.press("escape")
        await wait_until(pilot, lambda: status(app) == "stopped", timeout=5)


async def test_language_switch_while_running_keeps_the_run_and_translates_captions():
    app = make_app(lesson="8.5")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "running")
        await pilot.press("l")
        await pilot.pause(0.2)
        assert app.demos.running
        text = visible_text(app)
        assert "正在" in text  # the status line, now in Chinese
        assert "训练" in text or "验证" in text  # chart captions
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)


async def test_what_if_form_validates_and_changes_the_code_and_the_run():
    app = make_app(lesson="8.3")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ParamsDialog)
        field = app.screen.query_one("#param-lrs", Input)
        field.value = "0.1, abc"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ParamsDialog)  # refused, with a message
        assert "abc" in visible_text(app) and "not a number" in visible_text(app)
        field.value = "0.1, 1.2"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ParamsDialog)
        assert app.demos.values["8.3"]["lrs"] == [0.1, 1.2]
        view = app.lesson_screen.lesson_view
        assert view.code_values["lrs"] == [0.1, 1.2]
        shown = [localized_renderable(v.block, str, None, view.code_values) for v in view.query("BlockView")
                 if v.block.kind == "code"]
        assert any(isinstance(s, Syntax) and "lrs = [0.1, 1.2]" in s.code for s in shown)
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")
        assert "LR=1.2" in console_text(app)
        assert app.demos.records["8.3"].diverged or "diverges" in console_text(app)


async def test_out_of_range_value_is_refused_in_chinese():
    app = make_app(lesson="8.2", lang="zh")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#param-steps", Input)
        field.value = "100000"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ParamsDialog)
        assert "至多" in visible_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ParamsDialog)


async def test_export_writes_a_script_that_prints_the_same(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")
        await pilot.press("x")
        await pilot.pause()
        demo_output = [line for line in app.demos.records["8.2"].lines if isinstance(line, str)]
    script = tmp_path / "gradtour_8_2.py"
    assert script.exists()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    from lessons.demos.export import LANDSCAPE_RULE, WATCH_LINE

    # Beyond the run's own lines the script prints the watched optimizer's
    # state (the app shows it in its panel) and, at its end, the landscape.
    lines = [line for line in result.stdout.splitlines() if not WATCH_LINE.match(line)]
    end = next(i for i, line in enumerate(lines) if line.startswith(LANDSCAPE_RULE))
    assert lines[end - 1] == "" and lines[:end - 1] == demo_output


async def test_a_failing_demo_is_reported_and_the_next_run_works():
    """A demo that raises: its line and message are shown, the app lives, the next run works."""
    from lessons.course import catalog

    source = catalog.lesson_path("8.2").read_text(encoding="utf-8").replace(
        "import torch\n", "import torch\nraise RuntimeError('boom in the demo')\n", 1)
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        real_run = app.demos.worker.run
        app.demos.worker.run = lambda lesson_id, values, device, **options: real_run(
            lesson_id, values, device, source=source, **options)
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "error")
        assert "boom in the demo" in console_text(app)
        assert "line 2" in console_text(app)
        app.demos.worker.run = real_run
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")


async def test_a_runs_late_callbacks_after_the_app_closed_draw_nothing_and_raise_nothing():
    """Regression (CI, stop 8): the console's flush timer fired after Textual
    had popped the screens at exit, and LookupError("no lesson screen") ended
    the test run with a traceback. A demo cancelled at exit reaches the same
    code through `_finish`."""
    from lessons.course import catalog

    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)):
        record = app.demos.record(catalog.load("8.2"))
        record.begin()
    app.demos._line(record, "a line that arrived as the app closed")
    app.demos._changed.append("loss")
    app.demos._flush()
    app.demos._finish(record, "stopped")
    app.demos._worker_state("ready")
    assert record.lines[-1] == "a line that arrived as the app closed"
    assert not record.running


async def test_the_console_shows_a_new_line_in_the_frame_that_writes_it():
    """RichLog scrolls to its end a refresh after a write: a run's last lines
    reached the screen ~30 ms after its "done" (bench). The console is at its
    end as soon as the line is written, with no refresh in between."""
    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done")
        # Stacked (below 120 columns), the full output is a tab away: the
        # pane shows the chart and the result lines until then.
        await pilot.press("tab")
        await pilot.pause()
        pane = app.lesson_screen.demo_pane
        console = pane._body()
        for number in range(60):
            pane.write(f"line {number}")
        assert console.max_scroll_y > 0 and console.scroll_y == console.max_scroll_y
        await pilot.pause()
        assert "line 59" in visible_text(app)


async def test_a_language_switch_as_lines_arrive_draws_each_line_once():
    """The console is redrawn in the new language from the run's record; lines
    that had arrived but were not drawn yet (drawing is paced, FLUSH) were in
    that redraw and then written again by the next drawing: twice on screen."""
    from lessons.course import catalog
    from tui.widgets.demo_pane import MSG_PARAMS, ST_STOPPED, Note

    app = make_app(lesson="8.2")
    async with app.run_test(size=(100, 40)) as pilot:
        record = app.demos.record(catalog.load("8.2"))
        record.begin()
        app.demos.set_status(record, "stopped", ST_STOPPED)  # not idle: the console is on screen
        app.demos._line(record, Note(MSG_PARAMS, {"values": "lr=0.1"}))  # ours: redrawn in the new language
        await pilot.pause()
        app.demos._line(record, "a line of the demo's own")  # waits for the next drawing
        await pilot.press("l")
        await pilot.pause()
        app.demos._flush()
        await pilot.pause()
        console = app.lesson_screen.demo_pane._body()
        shown = [strip.text for strip in console.lines]
        assert shown.count("a line of the demo's own") == 1, shown
        record.running = False
