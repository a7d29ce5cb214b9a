"""The exported script runs on its own and prints what the run printed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lessons.course import catalog
from lessons.demos import runner
from lessons.course.catalog import parse_lesson
from lessons.demos.export import WATCH_LINE, export_script
from tests.demo_sources import STEPS, TRAINING, lesson

pytest.importorskip("torch")


def run_output(demo, values) -> list[str]:
    events: list[dict] = []
    assert runner.run_lesson(demo, values, "cpu", events.append) == "ok"
    return [e["text"] for e in events if e["event"] == "out" and e["stream"] == "stdout"]


def script_output(script: str, tmp_path) -> list[str]:
    path = tmp_path / "exported.py"
    path.write_text(script, encoding="utf-8")
    # -I: nothing of gradtour on the path; the script needs torch alone.
    result = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


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
    # The lines its chart.watch prints are the state panel's, which the run shows there instead.
    printed = [line for line in script_output(export_script(demo), tmp_path) if not WATCH_LINE.match(line)]
    assert printed == run_output(demo, None)


def test_the_scripts_heat_map_prints_its_newest_grid_to_stderr_when_it_ends(tmp_path):
    demo = lesson(
        """
        import torch
        chart.heatmap([[1, 2]], [0.1, 0.2], [0.5], panel="map")
        chart.heatmap(torch.tensor([[1.0, float("nan")], [float("inf"), 23.0]]), torch.tensor([0.1, 0.2]),
                      [0.5, 0.9], panel="map")
        print("done")
        """,
        charts={"map": {"title": "M", "kind": "heatmap"}},
    )
    path = tmp_path / "exported.py"
    path.write_text(export_script(demo), encoding="utf-8")
    result = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == run_output(demo, None) == ["done"]
    assert [line.split() for line in result.stderr.splitlines()] == [
        ["heat", "map", "map:", "2", "x", "2"],
        ["0.1", "0.2"],
        ["0.9", ".", "23"],
        ["0.5", "1", "x"],
    ]
