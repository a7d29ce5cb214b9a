"""The runner, in-process, with real torch: events, charts, errors, stopping."""

from __future__ import annotations

import json
import signal
import time

import pytest

from lessons.demos import runner
from lessons.course.catalog import parse_lesson
from tests.demo_sources import STEPS, TRAINING, lesson

torch = pytest.importorskip("torch")
AUTO = "cuda" if torch.cuda.is_available() else "cpu"


def run(demo, values=None, device="auto"):
    events: list[dict] = []
    status = runner.run_lesson(demo, values, device, events.append)
    assert events[-1] == {"event": "done", "status": status, "seconds": events[-1]["seconds"]}
    for event in events:
        json.dumps(event, allow_nan=False)  # the worker's pipe carries strict JSON
    return status, events


def kinds(events):
    return [event["event"] for event in events]


def out_lines(events, stream="stdout"):
    return [e["text"] for e in events if e["event"] == "out" and e["stream"] == stream]


def the_error(events):
    (error,) = [e for e in events if e["event"] == "error"]
    return error


def test_events_of_a_small_training_run_in_order():
    status, events = run(parse_lesson(TRAINING), {"steps": 2})
    assert status == "ok"
    assert kinds(events) == ["start", "points", "out", "points", "out", "out", "start", "out", "out", "done"]
    assert events[0] == {"event": "start", "block": 0, "total": 2, "device": AUTO}
    assert events[1] == {"event": "points", "panel": "loss", "series": "train", "xs": [0], "ys": [25.0]}
    assert out_lines(events) == ["step 0: loss 25.0000", "step 1: loss 16.0000", out_lines(events)[2],
                                 "partial line"]
    assert out_lines(events, "stderr") == ["to stderr"]
    assert events[6]["block"] == 1


def test_every_run_starts_from_fresh_torch_state_and_adds_no_hidden_seed():
    demo = lesson(
        "import torch\ntorch.set_default_dtype(torch.float64)\nx = 1",
        "import torch\nprint(torch.get_default_dtype())",
    )
    _, first = run(demo)
    _, fresh = run(lesson("import torch\nprint(torch.get_default_dtype())"))
    # Within a run, block 2 sees block 1's dtype, as the exported script would;
    # a new run starts from torch's defaults again.
    assert out_lines(first) == ["torch.float64"] and out_lines(fresh) == ["torch.float32"]
    # The code shown is the code run: the runner leaves the RNG alone, so a
    # demo that wants repeatable numbers seeds itself, on screen.
    torch.manual_seed(123)
    _, drawn = run(lesson("import torch\nprint(torch.rand(2).tolist())"))
    torch.manual_seed(123)
    assert out_lines(drawn) == [str(torch.rand(2).tolist())]


def test_values_and_device_are_substituted_into_the_code():
    demo = lesson('device = "meta"\nsteps = 3\nprint(steps, device)', params=STEPS)
    _, events = run(demo, {"steps": 7})
    assert out_lines(events) == [f"7 {AUTO}"]


def test_points_are_batched_in_order():
    demo = lesson("for i in range(5000):\n    chart.add('a', i, i * 0.5)\n    chart.add('b', i, 1)")
    _, events = run(demo)
    batches = [e for e in events if e["event"] == "points"]
    assert len(batches) <= 30  # 10 000 points; a handful of events
    for series, y in (("a", lambda i: i * 0.5), ("b", lambda i: 1)):
        xs = [x for e in batches if e["series"] == series for x in e["xs"]]
        ys = [v for e in batches if e["series"] == series for v in e["ys"]]
        assert xs == list(range(5000)) and ys == [y(i) for i in xs]


def test_points_do_not_wait_for_the_next_step():
    demo = lesson("import time\nchart.add('a', 0, 1)\nchart.add('a', 1, 2)\ntime.sleep(0.6)\nprint('after')")
    stamped = []
    runner.run_lesson(demo, None, "cpu", lambda e: stamped.append((time.monotonic(), e)))
    second = next(t for t, e in stamped if e["event"] == "points" and 1 in e["xs"])
    printed = next(t for t, e in stamped if e["event"] == "out")
    assert printed - second > 0.4


def test_a_fast_loop_does_not_wake_the_flush_thread_for_every_point(monkeypatch):
    """Woken per point, the flush thread fought the demo for the GIL: 8.3's
    2,000 optimizer steps took 0.18 s instead of 0.156 s (bench)."""
    import threading

    wakes = []

    class Counting(threading.Condition):
        def notify(self, n=1):
            wakes.append(n)
            super().notify(n)

    monkeypatch.setattr(runner.threading, "Condition", Counting)
    demo = lesson("for i in range(5000):\n    chart.add('a', i, i * 0.5)")
    _, events = run(demo)
    batches = [e for e in events if e["event"] == "points"]
    assert sum(len(e["xs"]) for e in batches) == 5000
    assert len(wakes) <= len(batches) + 2  # one per batch begun, and close()'s


def test_tensors_numbers_and_divergence():
    demo = lesson(
        """
        import torch
        chart.add(1.5, torch.tensor(0), torch.tensor(2.5))
        chart.add(1.5, 1, float("nan"))
        chart.add(1.5, 2, float("inf"))
        chart.add(1.5, 3, 10 ** 400)
        chart.add("ok", 0, torch.tensor([3.0]))
        chart.bars(["a", "b", "c"], torch.tensor([1.0, float("inf"), 2.0]), panel="norms")
        """,
        charts={"loss": {"title": "L"}, "norms": {"title": "N", "kind": "bar"}},
    )
    status, events = run(demo)
    assert status == "ok"
    assert [e for e in events if e["event"] in ("points", "diverged", "bars")] == [
        {"event": "points", "panel": "loss", "series": "1.5", "xs": [0], "ys": [2.5]},
        {"event": "diverged", "panel": "loss", "series": "1.5", "x": 1},
        {"event": "points", "panel": "loss", "series": "ok", "xs": [0], "ys": [3.0]},
        {"event": "bars", "panel": "norms", "labels": ["a", "b", "c"], "values": [1.0, None, 2.0]},
    ]


@pytest.mark.parametrize("call, message", [
    ("chart.add('a', 0, 1, panel='nope')", "unknown panel 'nope'"),
    ("chart.bars(['a'], [1])", "panel 'loss' is a line chart"),
    ("chart.add('a', 0, 'high')", "must be a number or a 0-d tensor, not str"),
    ("chart.add('a', 0, torch.ones(2))", "must be a single number"),
    ("chart.add('a', float('inf'), 1)", "x must be finite"),
    ("chart.bars(['a', 'b'], [1], panel='norms')", "2 labels but 1 values"),
])
def test_chart_misuse_points_at_the_learners_line(call, message):
    demo = lesson(f"import torch\n\n{call}\nprint('not reached')",
                  charts={"loss": {"title": "L"}, "norms": {"title": "N", "kind": "bar"}})
    status, events = run(demo)
    error = the_error(events)
    assert status == "error" and message in error["message"]
    assert error["line"] == 3 and error["traceback"][-2] == f"    {call}"
    assert not out_lines(events)


def test_a_lesson_without_charts_says_so():
    _, events = run(lesson("chart.add('a', 0, 1)", charts={}))
    assert "declares no charts" in the_error(events)["message"]


def test_traceback_shows_only_the_learners_frames():
    demo = lesson(
        "print('first block runs')",
        """
        import torch

        def layer(x):
            w = torch.ones(3, 2)
            return x @ w

        y = layer(torch.ones(4, 5))
        """,
        "print('never')",
    )
    status, events = run(demo)
    error = the_error(events)
    assert status == "error"
    assert error["kind"] == "exception" and error["block"] == 1 and error["line"] == 5
    assert error["message"].startswith("RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    trace = error["traceback"]
    assert trace[0] == "Traceback (most recent call last):"
    assert '  File "<demo 2>", line 7, in <module>' in trace and "    y = layer(torch.ones(4, 5))" in trace
    assert '  File "<demo 2>", line 5, in layer' in trace and "    return x @ w" in trace
    assert not [line for line in trace if "runner.py" in line or "site-packages" in line or ".py\"" in line]
    assert kinds(events)[-3:] == ["out", "error", "done"] or kinds(events)[-2:] == ["error", "done"]
    assert "never" not in out_lines(events)
    assert [e["block"] for e in events if e["event"] == "start"] == [0, 1]


def test_syntax_error_in_the_shown_code():
    status, events = run(lesson("print('ok')", "x = 1\nif x >:\n    pass"))
    error = the_error(events)
    assert status == "error" and error["kind"] == "syntax"
    assert (error["block"], error["line"]) == (1, 2)
    assert error["traceback"][0] == '  File "<demo 2>", line 2' and error["message"].startswith("SyntaxError")


def test_exit_and_input_do_not_escape_the_demo():
    status, events = run(lesson("import sys\nprint('a')\nsys.exit(0)\nprint('b')", "print('c')"))
    assert status == "ok" and out_lines(events) == ["a", "c"]
    status, events = run(lesson("raise SystemExit(3)"))
    assert status == "error" and the_error(events)["message"] == "SystemExit: 3"
    status, events = run(lesson("input('your name? ')"))
    assert status == "error" and the_error(events)["message"].startswith("EOFError")


def test_warnings_reach_the_learner_on_stderr():
    _, events = run(lesson("import warnings\nwarnings.warn('careful')"))
    assert any("UserWarning: careful" in line for line in out_lines(events, "stderr"))


def test_sigint_stops_the_run_and_restores_the_handler():
    demo = lesson(
        """
        import os, signal
        import torch
        x = torch.zeros(3)
        os.kill(os.getpid(), signal.SIGINT)
        while True:
            x = x + 1
        """,
        "print('never')",
    )
    before = signal.getsignal(signal.SIGINT)
    status, events = run(demo)
    assert status == "stopped" and kinds(events) == ["start", "done"]
    assert signal.getsignal(signal.SIGINT) is before


def test_bad_parameters_and_devices_run_nothing():
    status, events = run(lesson("steps = 3", params=STEPS), {"steps": 99})
    assert status == "error" and kinds(events) == ["error", "done"]
    error = events[0]
    assert error["kind"] == "param" and error["message"] == "steps must be at most 50, not 99"
    assert error["template"].format(**error["arguments"]) == error["message"]
    status, events = run(lesson("x = 1"), device="tpu")
    assert status == "error" and events[0]["kind"] == "device"
    status, events = run(lesson("steps = 3", params={"steps": {"type": "int", "max": 2}}))
    assert status == "error" and kinds(events) == ["error", "done"] and events[0]["kind"] == "lesson"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_missing_device_is_an_error_not_a_fallback():
    with pytest.raises(runner.DeviceError, match="not available"):
        runner.resolve_device("cuda")


def test_a_lesson_without_demos_is_done_at_once():
    demo = parse_lesson('---\nid: "8.summary"\ntitle: "S"\n---\n\nJust prose.\n')
    assert run(demo)[1][:-1] == []
