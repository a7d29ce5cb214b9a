"""The lesson loader: blocks, front matter, code comments."""

from __future__ import annotations

import pytest

from lessons.course import catalog
from lessons.course.catalog import LessonError, parse_lesson, translate_comments

SOURCE = '''---
id: "8.2"
title: "Gradient"
params:
  lr: {label: "Learning rate", type: float, min: 0.001, max: 2}
charts:
  loss: {title: "Loss per step", x: "step", y: "loss", series: {train: "training"}}
---

## A heading

A paragraph with `code` and **bold**.

- one
- two

| a | b |
|---|---|
| 1 | 2 |

> A note
> on two lines.

```text
  \\/  <- minimum
```

```python
lr = 0.1  # the step size
# a full-line comment
print(lr)
```

```python norun
x = 1
```

---
'''


def test_blocks_keep_their_source_text_and_kind():
    lesson = parse_lesson(SOURCE)
    kinds = [block.kind for block in lesson.blocks]
    assert kinds == ["heading", "paragraph", "list", "table", "note", "sketch", "code", "code", "rule"]
    texts = {block.kind: block.text for block in lesson.blocks}
    assert texts["list"] == "- one\n- two"
    assert texts["table"] == "| a | b |\n|---|---|\n| 1 | 2 |"
    assert texts["note"] == "> A note\n> on two lines."
    assert texts["sketch"] == "  \\/  <- minimum"


def test_python_norun_is_shown_but_not_a_demo():
    lesson = parse_lesson(SOURCE)
    assert [block.text.splitlines()[0] for block in lesson.demos] == ["lr = 0.1  # the step size"]


def test_block_lines_point_into_the_file():
    lesson = parse_lesson(SOURCE)
    lines = SOURCE.splitlines()
    for block in lesson.blocks:
        if block.kind in ("paragraph", "heading", "list", "table"):
            assert lines[block.line - 1] == block.text.splitlines()[0]


def test_front_matter_messages_cover_every_caption():
    lesson = parse_lesson(SOURCE)
    assert [message for _, message in lesson.front_matter_messages()] == [
        "Gradient", "Learning rate", "Loss per step", "step", "loss", "training",
    ]


def test_translate_comments_changes_comments_only():
    code = 'x = "# not a comment"  # set x\n    # indented comment\nprint(x)\n'
    table = {"set x": "设置 x", "indented comment": "缩进的注释"}
    out = translate_comments(code, lambda text: table.get(text, text))
    assert out == 'x = "# not a comment"  # 设置 x\n    # 缩进的注释\nprint(x)\n'


@pytest.mark.parametrize("bad, reason", [
    ("no front matter", "missing front matter"),
    ("---\nid: '8.1'\n", "unterminated"),
    ("---\ntitle: x\n---\n", "lacks"),
    ("---\nid: '9.9'\ntitle: x\n---\n", "unknown lesson id"),
    ("---\n- a list\n---\n", "not a mapping"),
    ("---\nid: '8.1'\ntitle: x\n---\n```js\nx\n```\n", "fence must be python, text or hint"),
    ("---\nid: '8.1'\ntitle: x\n---\n```python\nx = (\n```\n", "does not tokenize"),
])
def test_malformed_lessons_are_named(bad, reason):
    with pytest.raises(LessonError, match=reason):
        parse_lesson(bad)


def test_all_twelve_lessons_load_in_chapter_order():
    lessons = catalog.load_all()
    assert [lesson.id for lesson in lessons] == list(catalog.LESSON_IDS)
    assert len(lessons) == 12
    for lesson in lessons:
        assert lesson.title and lesson.blocks, lesson.id


def test_every_chapter_lesson_has_a_demo():
    for lesson_id in ("8.1", "8.2", "8.3", "8.4", "8.5", "8.6"):
        assert catalog.load(lesson_id).demos, lesson_id


def test_unknown_lesson():
    with pytest.raises(catalog.UnknownLesson):
        catalog.load("8.7")


def test_neighbour_is_clamped():
    assert catalog.neighbour("8.1", -1) == "8.1"
    assert catalog.neighbour("8.1", 1) == "8.2"
    assert catalog.neighbour("8.hw5", 1) == "8.hw5"


def test_code_fits_an_80_column_terminal_in_both_languages():
    """72 cells: an 80-column screen minus the lesson's margins; CJK comments count double."""
    from rich.cells import cell_len

    from lessons.course.i18n import translations

    too_long = []
    for lesson in catalog.load_all():
        for block in lesson.blocks:
            if block.kind != "code":
                continue
            for lang in ("en", "zh"):
                for line in block.localized(translations(lang, "lessons").gettext).splitlines():
                    if cell_len(line) > 72:
                        too_long.append(f"{lesson.id} {lang}: {line.strip()[:50]}")
    assert not too_long, "\n".join(too_long)


def test_the_lesson_ids_are_the_fixed_ones_in_chapter_order():
    # The labs' ids come from their pages' file names (lessons/labs/pages/).
    assert catalog.LESSON_IDS == ("8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.summary",
                                  "8.hw1", "8.hw2", "8.hw3", "8.hw4", "8.hw5")


def test_a_new_lab_page_is_a_lesson_in_number_order(tmp_path, monkeypatch):
    for name in ("8.hw2.md", "8.hw10.md", "8.hw1.md", "notes.md", "8.hw01.md", "8.hw3.md.orig"):
        (tmp_path / name).write_text("", encoding="utf-8")
    monkeypatch.setattr(catalog, "_LAB_PAGES", tmp_path)
    assert catalog._lab_ids() == ("8.hw1", "8.hw2", "8.hw10")
    assert catalog.lesson_path("8.hw10") == tmp_path / "8.hw10.md"
