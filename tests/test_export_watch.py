"""The exported script's chart.watch prints, per step, the values the state panel shows."""

from __future__ import annotations

import re

import pytest

from lessons.demos import runner
from lessons.demos.export import WATCH_LINE, export_script
from tests.demo_sources import lesson
from tests.test_export import script_output

pytest.importorskip("torch")

CHARTS = {"ravine": {"title": "Ravine", "x": "w1", "y": "w2", "kind": "landscape"}}
CODE = """
import torch
for name, make in [("adam", lambda w: torch.optim.Adam([w], lr=0.3)),
                   ("momentum", lambda w: torch.optim.SGD([w], lr=0.1, momentum=0.9))]:
    w = torch.tensor([-4.0, -1.5], requires_grad=True)
    optimizer = make(w)
    chart.watch(optimizer, name, panel="ravine", names=("w1", "w2"))
    for step in range(3):
        optimizer.zero_grad()
        (0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2).backward()
        optimizer.step()
        chart.path(name, w[0], w[1], panel="ravine")
    print(name, "ends at", [round(v, 4) for v in w.tolist()])
"""
SYMBOL = {"g": "grad", "m": "exp_avg", "v": None, "Δw": "delta"}


def test_the_script_prints_the_state_of_every_step_and_the_demos_own_lines(tmp_path):
    demo = lesson(CODE, charts=CHARTS)
    events: list[dict] = []
    assert runner.run_lesson(demo, {}, "cpu", events.append) == "ok"
    lines = script_output(export_script(demo), tmp_path)
    watch_lines = [line for line in lines if WATCH_LINE.match(line)]
    own = [line for line in lines if not WATCH_LINE.match(line)]
    assert own == [e["text"] for e in events if e["event"] == "out"]
    records = [(e["series"], record) for e in events if e["event"] == "state" for record in e["steps"]]
    expected = [(series, record["step"], param) for series, record in records for param in record["params"]]
    assert len(watch_lines) == len(expected) == 12
    for line, (series, step, param) in zip(watch_lines, expected):
        head, _, cells = line.partition(": ")
        assert head == f"{series} step {step}  {param['name']}"
        values = dict(cell.split("=") for cell in cells.split())
        keys = ["g", "m", "v", "Δw"] if series == "adam" else ["g", "v", "Δw"]
        assert list(values) == keys
        read = {"g": param["grad"], "Δw": param["delta"], "m": param["state"].get("exp_avg"),
                "v": param["state"].get("exp_avg_sq", param["state"].get("momentum_buffer"))}
        for key in keys:
            assert float(values[key]) == pytest.approx(read[key], rel=1e-3, abs=1e-9), (line, key)
    assert "adam step 1  w1: g=-1.6 m=-0.16 v=0.00256 Δw=0.3" in watch_lines


def test_the_script_still_needs_nothing_but_torch():
    script = export_script(lesson(CODE, charts=CHARTS))
    imports = set(re.findall(r"^(?:import|from) (\w+)", script, re.M))
    assert imports == {"torch"}


def test_the_script_prints_the_first_five_steps_then_says_the_rest_are_not_printed(tmp_path):
    """8.4's exported script printed about 2,500 state lines (every step of
    every racer), burying the lesson's own output: five steps each, then a note."""
    code = CODE.replace("range(3)", "range(8)")
    lines = script_output(export_script(lesson(code, charts=CHARTS)), tmp_path)
    adam = [line for line in lines if line.startswith("adam step")]
    assert [line.split("  ")[0] for line in adam[::2][:5]] == [f"adam step {n}" for n in range(1, 6)]
    assert adam[10:] == ["adam step 6 on: not printed (chart.watch_steps = 5)"]
    assert all(WATCH_LINE.match(line) for line in adam)
    assert "momentum step 6 on: not printed (chart.watch_steps = 5)" in lines
