"""Each lab judges the answer, not its shape: whole learner files, written in
other ways than the reference solution, are accepted when they are correct
and rejected, for the right reason, when they hold a usual mistake.

The files are tests/lab_answers/8.hwN/{correct,wrong}_*.py. Each starts
with a comment saying what it does; a wrong one lists, in `# expect:` lines,
text its verdict must contain (the finding and its hint, in English).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lessons import labs
from lessons.labs.checks import localize
from lessons.labs.sandbox import run_in_process

ANSWERS = Path(__file__).parent / "lab_answers"
FILES = sorted(ANSWERS.glob("8.hw*/*.py"))


def finding_text(finding: dict) -> str:
    return localize(finding, str) + (" | " + localize(finding["hint"], str) if finding.get("hint") else "")


@pytest.mark.parametrize("path", FILES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_check_judges_the_answer(path):
    lab_id, code = path.parent.name, path.read_text()
    events: list[dict] = []
    status = run_in_process(lab_id, code, events.append, filename=path.name)
    errors = [event for event in events if event["event"] == "error"]
    assert status == "ok" and not errors, errors
    verdict = next(event for event in events if event["event"] == "check")
    text = "\n".join(map(finding_text, verdict["findings"]))
    if path.stem.startswith("correct_"):
        assert verdict["passed"], text
    else:
        assert path.stem.startswith("wrong_"), path
        assert not verdict["passed"], text
        expected = re.findall(r"^# expect: (.+)$", code, flags=re.M)
        assert expected, f"{path} says nothing about what its verdict must contain"
        failed = finding_text(verdict["findings"][-1])
        for part in expected:
            assert part in failed, failed


@pytest.mark.parametrize("lab_id", labs.LAB_IDS)
def test_every_lab_has_three_correct_answers_and_three_usual_mistakes(lab_id):
    names = [path.stem for path in FILES if path.parent.name == lab_id]
    assert sum(name.startswith("correct_") for name in names) >= 3, names
    assert sum(name.startswith("wrong_") for name in names) >= 3, names
