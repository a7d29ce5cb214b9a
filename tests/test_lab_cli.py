"""`gradtour check ID [FILE]`: the same check as the app, from a shell."""

from __future__ import annotations

from lessons.labs import workspace as lab_workspace
from lessons import labs
from tests.helpers import CJK, gradtour


def test_a_solved_file_passes_and_a_wrong_one_fails_with_the_reason(tmp_path):
    solved = tmp_path / "mine.py"
    solved.write_text(labs.get("8.hw1").solution(str))
    result = gradtour("check", "8.hw1", str(solved))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ Passed" in result.stdout and "my_mse matches F.mse_loss" in result.stdout

    solved.write_text(solved.read_text().replace("** 2).mean()", "** 2).sum()"))
    result = gradtour("check", "8.hw1", str(solved))
    assert result.returncode == 1
    assert "✗ my_mse gives" in result.stdout and "not the sum" in result.stdout
    assert "✗ Not passed yet" in result.stdout


def test_an_error_names_the_files_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\n\nx = torch.ones(2) @ torch.ones(3)\n")
    result = gradtour("check", "8.hw3", str(broken))
    assert result.returncode == 1
    assert 'File "broken.py", line 3' in result.stderr and "line 3 of broken.py" in result.stderr


def test_the_workspace_file_is_created_with_the_starter_in_the_learners_language(tmp_path):
    env = {"GRADTOUR_LABS_DIR": str(tmp_path / "labs")}
    result = gradtour("--lang", "zh", "check", "8.hw4", env=env)
    assert result.returncode == 1
    created = tmp_path / "labs" / "8.hw4.py"
    assert created.exists() and str(created) in result.stderr
    assert CJK.search(created.read_text()) and "clip_grad_norm_" in created.read_text()
    assert CJK.search(result.stdout)


def test_usage_problems_exit_2(tmp_path):
    assert gradtour("check", "8.1").returncode == 2
    assert gradtour("check", "8.hw9").returncode == 2
    missing = gradtour("check", "8.hw2", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "nope.py" in missing.stderr


def test_workspace_writes_are_atomic_and_stamped(tmp_path, monkeypatch):
    monkeypatch.setenv(lab_workspace.DIR_ENV, str(tmp_path))
    path = lab_workspace.lab_path("8.hw2")
    first = lab_workspace.write(path, "a = 1\n")
    assert lab_workspace.read(path) == "a = 1\n" and lab_workspace.stamp(path) == first
    second = lab_workspace.write(path, "a = 22\n")
    assert second != first and [p.name for p in tmp_path.iterdir()] == ["8.hw2.py"]
    assert lab_workspace.display_path(path) == str(path) or lab_workspace.display_path(path).startswith("~/")
