"""The exported script runs on its own and prints what the run printed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from lessons.course import catalog
from lessons.demos import runner
from lessons.course.catalog import parse_lesson
from lessons.demos.export import LANDSCAPE_RULE, export_script
from tests.demo_sources import STEPS, TRAINING, lesson

pytest.importorskip("torch")


def run_output(demo, values) -> list[str]:
    events: list[dict] = []
    assert runner.run_lesson(demo, values, "cpu", events.append) == "ok"
    return [e["text"] for e in events if e["event"] == "out" and e["stream"] == "stdout"]


#: Runs a script as `python script.py` would, with gradtour's packages unimportable:
#: -I keeps the working directory off the path, but an installed gradtour stays
#: importable from site-packages, so `lessons` is blocked by name too.
TORCH_ONLY = "import runpy, sys; sys.modules['lessons'] = None; runpy.run_path(sys.argv[1], run_name='__main__')"


def script_output(script: str, tmp_path, *, torch_only: bool = True, landscapes: bool = False) -> list[str]:
    """The script's stdout lines; without `landscapes`, up to the landscapes it prints at its end."""
    path = tmp_path / "exported.py"
    path.write_text(script, encoding="utf-8")
    command = [sys.executable, "-I", "-c", TORCH_ONLY, str(path)] if torch_only else [sys.executable, "-I", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if not landscapes:
        # Each landscape: a blank line, then "── title ──" (lessons/demos/export.py).
        first = next((i for i, line in enumerate(lines) if line.startswith(LANDSCAPE_RULE)), None)
        if first is not None:
            assert lines[first - 1] == ""
            lines = lines[:first - 1]
    return lines


def test_the_script_prints_what_the_run_printed(tmp_path):
    demo = parse_lesson(TRAINING)
    script = export_script(demo, {"steps": 4})
    assert script_output(script, tmp_path) == run_output(demo, {"steps": 4})


def test_header_values_comments_and_language(tmp_path):
    demo = lesson(
        'device = "cpu"\nsteps = 3  # how long to train\nprint(steps, device)',
        "x = 1  # unchanged\nprint(x)",
        params=STEPS, title="Steps",
    )
    zh = {"Steps": "步数", "how long to train": "训练多久"}
    script = export_script(demo, {"steps": 5, "device": "cpu"}, gettext=lambda m: zh.get(m, m))
    lines = script.splitlines()
    assert lines[:3] == ["# gradtour 8.2 · 步数", "# steps = 5", "# device = 'cpu'"]
    assert "steps = 5  # 训练多久" in lines and "x = 1  # unchanged" in lines
    assert "manual_seed" not in script  # nothing hidden: the script is the shown code
    assert "# ── 2/2 " in script
    assert script_output(script, tmp_path) == ["5 cpu", "1"]


def test_defaults_leave_the_code_as_shown():
    demo = parse_lesson(TRAINING)
    script = export_script(demo)
    for block in demo.demos:
        assert block.text.rstrip() in script


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", catalog.LESSON_IDS)
def test_real_lessons_export_equals_run(lesson_id, tmp_path, request):
    # Every real lesson, run twice: minutes of CPU, so marked slow.
    demo = catalog.load(lesson_id)
    assert script_output(export_script(demo), tmp_path) == run_output(demo, None)


# --- landscapes: printed as text at the end, with torch alone ------------------------------

MAP = {"map": {"kind": "landscape", "title": "A bowl", "x": "w1", "y": "w2", "series": {"sgd": "SGD"}}}
BOWL_RACE = """
import torch

def bowl(w1, w2):
    return (w1 - 1) ** 2 + 4 * (w2 - 0.5) ** 2

chart.surface(bowl, xlim=(-2, 2), ylim=(-1, 1), panel="map")
for name, lr in (("sgd", 0.1), ("wild", 0.3)):
    w = torch.tensor([-1.5, -0.5], requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    for step in range(20):
        optimizer.zero_grad()
        bowl(w[0], w[1]).backward()
        chart.arrow(name, w[0], w[1], -w.grad[0], -w.grad[1], panel="map")
        optimizer.step()
        chart.path(name, w[0], w[1], panel="map")
print("done")
"""


def test_a_landscape_is_printed_as_text_with_torch_alone(tmp_path):
    demo = lesson(BOWL_RACE, charts=MAP)
    lines = script_output(export_script(demo), tmp_path, landscapes=True)
    # First what the run printed, then the landscape.
    assert lines[:3] == ["done", "", "── A bowl ──"]
    # The minimum: the lowest point of a grid over the picture (the demo named none), and its loss.
    assert lines[3] == "minimum at (1, 0.5), loss 0"
    # SGD at 0.1 converges: from its first step to near (1, 0.5).
    sgd = next(line for line in lines if line.startswith("SGD: from"))
    assert sgd.startswith("SGD: from (-1, 0.3)") and sgd.endswith(", 20 points")
    # At 0.3 the steep direction's factor is 1 - 0.3 * 8 = -1.4: it swings out of the picture.
    assert any(line.startswith("wild: left the picture at point ") for line in lines)
    assert not any("│" in line for line in lines)  # no map without gradtour


def test_with_gradtour_installed_the_map_is_drawn_by_its_renderer(tmp_path):
    demo = lesson(BOWL_RACE, charts=MAP)
    lines = script_output(export_script(demo), tmp_path, torch_only=False, landscapes=True)
    rows = [line for line in lines if "│" in line]
    assert len(rows) >= 10 and any("*" in row for row in rows) and any("+" in row for row in rows)
    assert any("@ minimum" in line for line in lines)  # the legend of `gradtour run`
    assert "SGD: from (-1, 0.3)" in "\n".join(lines)


def test_the_summary_is_in_the_lessons_language(tmp_path):
    zh = {"{name}: from ({x0}, {y0}) to ({x1}, {y1}), {count} points":
          "{name}：从 ({x0}, {y0}) 到 ({x1}, {y1})，共 {count} 个点"}
    demo = lesson(BOWL_RACE, charts=MAP)
    lines = script_output(export_script(demo, ui_gettext=lambda m: zh.get(m, m)), tmp_path, landscapes=True)
    assert any(line.startswith("SGD：从 (-1, 0.3) 到 (") for line in lines)


def test_the_exported_84_prints_its_races_as_text(tmp_path):
    lines = script_output(export_script(catalog.load("8.4")), tmp_path, landscapes=True)
    text = "\n".join(lines)
    assert "── The race drawn on the ravine, minimum at (4, 1) ──" in text
    assert "── The race on Rosenbrock's curved valley, minimum at (1, 1) ──" in text
    assert text.count("minimum at (4, 1), loss 0") == 1 and text.count("minimum at (1, 1), loss 0") == 1
    # The lesson's story, read from the script: after 50 steps SGD is at w1 = 3.64 (8.4's prose).
    sgd = next(line for line in lines if line.startswith("SGD: from") and ", 50 points" in line)
    assert re.search(r"to \(3\.6\d*, 1\)", sgd), sgd
    assert any(line.startswith("SGD+Momentum: left the picture at point ") for line in lines)
