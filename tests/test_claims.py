"""Every number a lesson's prose quotes is what its demo prints.

Each lesson lists its quoted numbers as `claims` (FORMAT.md): the string the
prose shows, in both languages, and the exact text the demo prints. The demos
run here for real (CPU, seeded, default parameters), so prose and code cannot
drift apart.
"""

from __future__ import annotations

import functools

import pytest

from lessons.course import catalog
from lessons.course.i18n import translations
from lessons.demos.runner import run_lesson

WITH_DEMOS = [lesson.id for lesson in catalog.load_all() if lesson.demos]


@functools.cache
def demo_run(lesson_id: str) -> tuple[str, str, list[dict]]:
    events: list[dict] = []
    status = run_lesson(catalog.load(lesson_id), None, "cpu", events.append)
    output = "\n".join(e["text"] for e in events if e["event"] == "out")
    return status, output, events


def prose(lesson_id: str, lang: str) -> str:
    gettext = translations(lang, "lessons").gettext
    lesson = catalog.load(lesson_id)
    return "\n".join(block.localized(gettext) for block in lesson.blocks if block.kind != "code")


@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_every_demo_runs_cleanly(lesson_id):
    status, output, events = demo_run(lesson_id)
    errors = [e for e in events if e["event"] == "error"]
    assert status == "ok" and not errors, errors
    assert output.strip()
    stderr = [e["text"] for e in events if e["event"] == "out" and e.get("stream") == "stderr"]
    assert not stderr, stderr


@pytest.mark.parametrize("lesson_id", [lid for lid in WITH_DEMOS if catalog.load(lid).claims])
def test_quoted_numbers_are_printed_by_the_demo(lesson_id):
    _, output, _ = demo_run(lesson_id)
    for claim in catalog.load(lesson_id).claims:
        assert claim["output"] in output, claim
        for lang in ("en", "zh"):
            assert claim["prose"] in prose(lesson_id, lang), (lang, claim)


def test_every_chapter_lesson_ties_its_numbers():
    for lesson_id in ("8.1", "8.2", "8.3", "8.4", "8.5", "8.6"):
        assert len(catalog.load(lesson_id).claims) >= 3, lesson_id


@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_demos_draw_into_declared_panels(lesson_id):
    lesson = catalog.load(lesson_id)
    _, _, events = demo_run(lesson_id)
    drawn = {e.get("panel") for e in events if e["event"] in ("points", "bars")}
    assert drawn, "a demo with no curve"
    assert drawn <= set(lesson.charts), drawn - set(lesson.charts)


def test_the_learning_rate_sweep_really_diverges():
    """8.3 includes a rate that truly diverges, and the chart is told so."""
    _, _, events = demo_run("8.3")
    assert any(e["event"] == "diverged" for e in events) or any(
        e["event"] == "points" and max(e["ys"]) > 1e4 for e in events)


@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_demos_seed_themselves(lesson_id):
    """The runner adds no hidden seed, so a demo's randomness must be seeded on screen:
    from another global RNG state, the output is the same."""
    import torch

    torch.manual_seed(987654321)
    torch.rand(17)
    events: list[dict] = []
    run_lesson(catalog.load(lesson_id), None, "cpu", events.append)
    again = "\n".join(e["text"] for e in events if e["event"] == "out")
    assert again == demo_run(lesson_id)[1]
