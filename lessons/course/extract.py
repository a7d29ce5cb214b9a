"""Babel extractor for lesson sources: one message per block, as Sphinx does.

Registered as the `gradtour_lessons` extraction method (pyproject.toml), used
by `babel-lessons.cfg`. Handles the lesson Markdown files and glossary.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

from lessons.course.catalog import code_comments, code_strings, parse_lesson

Message = tuple[int, None, str, list[str]]


def extract_lessons(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict) -> Iterator[Message]:
    source = fileobj.read().decode("utf-8")
    name = getattr(fileobj, "name", "")
    if str(name).endswith((".yaml", ".yml")):
        yield from _glossary_messages(source)
    else:
        yield from lesson_messages(source, str(name) or "<lesson>")


def lesson_messages(source: str, origin: str = "<lesson>") -> Iterator[Message]:
    lesson = parse_lesson(source, origin)
    for context, message in lesson.front_matter_messages():
        yield 1, None, message, [f"{lesson.id} {context}"]
    for block in lesson.blocks:
        if block.kind == "code":
            for row, _col, text in code_comments(block.text):
                yield block.line + row, None, text, [f"{lesson.id} code comment"]
            for start, _end, text in code_strings(block.text, block.string_choices):
                row = block.text.count("\n", 0, start)
                yield block.line + 1 + row, None, text, [f"{lesson.id} code string: keep {{…}} fields, quotes and \\ escapes"]
        elif block.translatable:
            yield block.line, None, block.text, [f"{lesson.id} {block.kind}"]


def _glossary_messages(source: str) -> Iterator[Message]:
    for number, entry in enumerate(yaml.safe_load(source) or (), start=1):
        yield number, None, entry["definition"], [f"glossary: {entry['term']}"]
