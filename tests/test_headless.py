"""`gradtour run` without the TUI: --set validation, output, charts, JSON, exit status."""

from __future__ import annotations

import io
import json
import time

import pytest

from lessons.course import catalog
from lessons.demos import params
from lessons.demos.headless import run_command
from tests.demo_sources import FOREVER, STEPS, TRAINING, lesson

torch = pytest.importorskip("torch")


def identity(message: str) -> str:
    return message


@pytest.fixture
def serve(monkeypatch):
    """Make catalog.load return the given lesson (or lesson source), whatever the id."""
    def use(demo):
        demo = catalog.parse_lesson(demo) if isinstance(demo, str) else demo
        monkeypatch.setattr(catalog, "load", lambda lesson_id: demo)
    return use


def run(sets=(), *, as_json=False, device="cpu", gettext_ui=identity):
    out, err = io.StringIO(), io.StringIO()
    code = run_command("8.2", list(sets), as_json=as_json, device=device, gettext_ui=gettext_ui,
                       gettext_lessons=identity, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("setting, message", [
    ("steps=0", "steps must be at least 1, not 0"),
    ("steps=lots", "steps: 'lots' is not a whole number"),
    ("steps=", "steps: a value is required"),
    ("stepz=3", "stepz is not a parameter of lesson 8.2; it has: steps"),
    ("steps", "expected NAME=VALUE, not 'steps'"),
])
def test_a_bad_setting_is_one_line_and_runs_nothing(serve, setting, message):
    serve(TRAINING.replace("print(", "print('ran') or print(", 1))
    code, out, err = run(["steps=2", setting])
    assert (code, out, err) == (2, "", message + "\n")


def test_the_message_is_in_the_ui_language(serve):
    serve(TRAINING)
    zh = {params.E_TOO_LARGE: "{name} 最大为 {max},而不是 {text}"}
    code, _, err = run(["steps=99"], gettext_ui=lambda m: zh.get(m, m))
    assert code == 2 and err == "steps 最大为 50,而不是 99\n"


def test_a_lesson_without_parameters(serve):
    serve(FOREVER)
    assert run(["x=1"])[2] == "lesson 8.2 has no parameters to set\n"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_absent_device_is_a_usage_error(serve):
    serve(TRAINING)
    code, out, err = run(device="cuda")
    assert code == 2 and out == "" and "cuda" in err and "\n" not in err.rstrip("\n")


def test_text_output_then_charts(serve):
    serve(TRAINING)
    code, out, err = run(["steps=2"])
    assert code == 0 and err == "to stderr\n"
    lines = out.splitlines()
    assert lines[:2] == ["step 0: loss 25.0000", "step 1: loss 16.0000"] and lines[3] == "partial line"
    chart = lines[4:]
    assert chart[0] == "" and chart[1] == "Loss" and any("train" in line for line in chart)


def test_json_output_is_one_event_per_line(serve):
    serve(TRAINING)
    code, out, _ = run(["steps=2"], as_json=True)
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert events[0] == {"event": "start", "block": 0, "total": 2, "device": "cpu"}
    assert events[-1]["event"] == "done" and events[-1]["status"] == "ok"
    assert "Loss" not in out


def test_a_failing_demo_exits_1_with_its_traceback(serve):
    serve(lesson("print('before')\n1 / 0"))
    code, out, err = run()
    assert code == 1 and out.startswith("before\n")
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):" and lines[-1] == "ZeroDivisionError: division by zero"
    assert lines[1:3] == ['  File "<demo 1>", line 2, in <module>', "    1 / 0"]


def test_an_interrupted_run_exits_130(serve):
    serve(lesson("import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nwhile True:\n    pass",
                 params={}, charts={"loss": {"title": "Loss"}}))
    assert run()[0] == 130
    assert run(as_json=True)[0] == 130


def test_values_reach_the_code(serve):
    serve(lesson("steps = 1\nprint(steps * 2)", params=STEPS))
    assert run(["steps = 21"])[1].splitlines()[0] == "42"


class ClosedAfter(io.StringIO):
    """stdout of `gradtour run … | head -n LINES`."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def write(self, text: str) -> int:
        if self.getvalue().count("\n") >= self.lines:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def run_into_closed_pipe(lines: int, as_json: bool) -> tuple[int, str, str, float]:
    out, err = ClosedAfter(lines), io.StringIO()
    started = time.monotonic()
    code = run_command("8.2", [], as_json=as_json, device="cpu", gettext_ui=identity,
                       gettext_lessons=identity, out=out, err=err)
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


@pytest.mark.parametrize("as_json", [False, True])
def test_a_reader_that_goes_away_stops_the_demo_quietly(serve, as_json):
    serve(lesson("import itertools\nfor i in itertools.count():\n    print(i)"))
    code, out, err, _ = run_into_closed_pipe(1, as_json)
    assert code == 141 and err == "" and out.count("\n") == 1


def test_a_closed_pipe_seen_by_the_points_thread_stops_the_demo_too(serve):
    # start and the first point go out from the demo's thread; the second
    # point waits, so the flush thread is the one to hit the closed pipe.
    serve(lesson("import time\nfor i in range(20):\n    chart.add('a', i, 1.0)\n    chart.add('b', i, 1.0)\n    time.sleep(0.2)"))
    code, out, err, seconds = run_into_closed_pipe(2, as_json=True)
    assert code == 141 and err == "" and seconds < 2


def test_a_heat_map_is_printed_as_text_and_its_grid_goes_out_as_json(serve):
    code_lines = """
    import torch
    lr = 0.2
    z = torch.tensor([[3.0, 7.0, float("nan")], [float("inf"), 12.0, 40.0]])
    chart.heatmap(z, [0.1, 0.2, 0.3], [0.0, 0.9], panel="map")
    print("mapped")
    """
    charts = {"map": {"title": "Steps to converge", "kind": "heatmap", "x": "lr", "y": "momentum", "z": "steps"}}
    serve(lesson(code_lines, charts=charts))
    code, out, _ = run()
    assert code == 0
    lines = out.splitlines()
    title = lines.index("Steps to converge")
    canvas = lines[title + 1:title + 4]
    assert canvas[0].startswith("0.9│·") and "×" in canvas[1] and canvas[2].split() == ["0.1", "0.2", "0.3"]
    assert "× diverged" in out and "· not reached" in out and "steps: 3 to 40" in out
    code, out, _ = run(as_json=True)
    (event,) = [e for e in map(json.loads, out.splitlines()) if e["event"] == "heatmap"]
    assert event["z"] == [[3.0, 7.0, "nan"], ["inf", 12.0, 40.0]] and event["y"] == [0.0, 0.9]
