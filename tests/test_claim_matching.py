"""Claims (lessons/course/claims.py) and the marks a learner's run puts in the prose (tui/widgets/run_marks.py)."""

from __future__ import annotations

import pytest

from lessons.course.catalog import LessonError, parse_lesson
from lessons.course.claims import ClaimError, parse_claim
from tui.i18n import set_language
from tui.widgets.run_marks import Mark, annotate, marks_for_run

RUN = "\n".join([
    "epoch   1: train loss 0.7049 acc 0.500 | val loss 0.6807 acc 0.558",
    "epoch 100: train loss 0.0000 acc 1.000 | val loss 1.8222 acc 0.583",
    "MSE by hand: 0.1300",
    "w: 0 -> 9 -> 1.8 -> 7.56",
])


def claim(**raw):
    return parse_claim(raw)


def test_an_exact_claim_holds_where_its_text_is_printed():
    assert claim(prose="0.1300", output="MSE by hand: 0.1300").check(RUN).holds
    found = claim(prose="0.1299", output="MSE by hand: 0.1299").check(RUN)
    assert not found.holds and found.printed == "0.1300"  # the learner's value, for the prose


def test_an_exact_claim_reads_its_own_line_not_the_first_like_it():
    finding = claim(prose="0.558", output="epoch   1: ... acc 0.558").check(RUN)
    assert finding.holds and finding.printed == "0.558"


def test_a_quote_that_is_no_single_number_is_exact_text_only():
    assert claim(prose="0 -> 9 -> 1.8 -> 7.56", output="w: 0 -> 9 -> 1.8 -> 7.56").check(RUN).printed \
        == "0 -> 9 -> 1.8 -> 7.56"
    assert claim(prose="0 -> 9", output="w: 0 -> 9 -> 2").check(RUN).printed is None


def test_a_number_claim_holds_within_its_tolerance_only():
    about = claim(prose="1.8", output="epoch 100: ... | val loss {} ", tolerance=0.05)
    assert about.check(RUN).holds and about.check(RUN).printed == "1.8222"
    assert not claim(prose="1.8", output="epoch 100: ... | val loss {} ", tolerance=0.01).check(RUN).holds
    relative = claim(prose="1.9", output="epoch 100: ... | val loss {} ", tolerance="5%")
    assert relative.check(RUN).holds and relative.tolerance == pytest.approx(0.095)
    assert claim(prose="2e-8", output="val loss {}", value=0.68, tolerance=0.001).check(RUN).holds


def test_a_number_claim_whose_line_is_missing_does_not_hold():
    finding = claim(prose="1.8", output="epoch 200: ... val loss {} ", tolerance=0.05).check(RUN)
    assert finding == finding.__class__(None, False)


@pytest.mark.parametrize("raw, problem", [
    ({"prose": "1.8", "output": "val loss", "tolerance": 0.1}, "exactly one {}"),
    ({"prose": "1.8", "output": "{} and {}", "tolerance": 0.1}, "exactly one {}"),
    ({"prose": "about", "output": "loss {}", "tolerance": 0.1}, "finite number"),
    ({"prose": "1.8", "output": "loss {}", "tolerance": "lots"}, "tolerance"),
    ({"prose": "1.8", "output": "loss {}", "tolerance": -1}, "tolerance"),
    ({"prose": "1.8", "output": "loss {}", "value": 1.8}, "needs a tolerance"),
    ({"prose": "1.8", "output": "loss {}", "tolerence": 0.1}, "unknown key"),
    ({"prose": "1.8"}, "lacks"),
    ("1.8", "mapping"),
])
def test_a_malformed_claim_is_refused_with_the_reason(raw, problem):
    with pytest.raises(ClaimError, match=problem):
        parse_claim(raw)


def test_a_lesson_with_a_malformed_claim_does_not_load():
    source = '---\nid: "8.2"\ntitle: "t"\nclaims:\n  - {prose: "1", output: "x", tolerance: 1}\n---\n\ntext 1\n'
    with pytest.raises(LessonError, match="8.2.md: claim"):
        parse_lesson(source, origin="8.2.md")


# --- the learner's run, in the prose -----------------------------------------------

LESSON = parse_lesson('''---
id: "8.5"
title: "t"
claims:
  - {prose: "1.8", output: "epoch 100: ... | val loss {} ", tolerance: 0.05}
  - {prose: "0.583", output: "epoch 100: ... acc 0.583"}
  - {prose: "0.1300", output: "MSE by hand: 0.1300"}
  - {prose: "0.0775", output: "MSE: 0.0775"}
---

It climbs to about 1.8, and 0.583 stays; `1.8` in code is code, 1.85 is another number.
''')


def marks(lines=RUN, other=False, translated=False):
    return {mark.prose: mark for mark in marks_for_run(LESSON, lines.splitlines(), other, translated)}


def test_a_run_confirms_what_it_printed_and_tells_what_it_did_not():
    found = marks()
    assert found["1.8"] == Mark("1.8", "1.8222", True, False)
    assert found["0.583"].confirmed and found["0.1300"].confirmed
    assert found["0.0775"] == Mark("0.0775", None, False, False)


def test_the_marks_go_after_whole_quotes_outside_code_spans():
    text = LESSON.blocks[0].text
    other = marks(RUN.replace("1.8222 acc 0.583", "2.5000 acc 0.601"), other=True)
    assert annotate("paragraph", text, tuple(other.values())) == (
        "It climbs to about 1.8 (for the default settings; your run: 2.5000), and 0.583 (for the default "
        "settings; your run: 0.601) stays; `1.8` in code is code, 1.85 is another number.")
    assert annotate("paragraph", text, tuple(marks().values())) == (
        "It climbs to about 1.8 ✓ (your run: 1.8222), and 0.583 ✓ stays; `1.8` in code is code, 1.85 is another number.")
    assert annotate("code", "print(1.8)", tuple(marks().values())) == "print(1.8)"


def test_the_marks_speak_the_learners_language():
    set_language("zh")
    other = marks(RUN.replace("1.8222", "2.5000"))
    assert annotate("paragraph", "升到约 1.8。", (other["1.8"],)) == "升到约 1.8（你的运行：2.5000）。"
    assert annotate("paragraph", "升到约 1.8。", (marks()["1.8"],)) == "升到约 1.8 ✓（你的运行：1.8222）。"
    assert annotate("paragraph", "从 1.8 降到", (marks()["1.8"],)) == "从 1.8 ✓（你的运行：1.8222）降到"
    assert annotate("paragraph", "从 0.583 降到", (marks()["0.583"],)) == "从 0.583 ✓ 降到"
    assert annotate("paragraph", "约 0.0775。", (Mark("0.0775", None, False, True),)) == "约 0.0775（默认设置下）。"


def test_a_run_with_translated_labels_confirms_exact_numbers_by_the_number_alone():
    chinese = "手算的 MSE：0.1300\n第 100 轮：验证损失 1.8222 准确率 0.583"
    found = marks(chinese, translated=True)
    assert found["0.1300"].confirmed and found["0.583"].confirmed
    assert found["1.8"].printed is None  # a number with a tolerance needs its label
    assert not marks(chinese, translated=False)["0.1300"].confirmed
