"""Bold and emphasis render in both languages: no `**` or `*` left on screen.

CommonMark decides whether `**` closes by what surrounds it: a closing `**`
preceded by punctuation must be followed by whitespace or punctuation. So
`**初稿这里有误。**初稿说` shows its asterisks literally, while
`**初稿这里有误**。初稿说` is bold (issue 18 §4, the translator's example 25).
The rule is easy to break in Chinese, which puts no space after 。, so every
block the app renders as Markdown is parsed here by the app's own parser, in
English (the source) and in Chinese (lessons.po), and the text left after
parsing must hold no emphasis marker. Text the app shows without Markdown
(headings, sketches, the glossary) must hold none either: it would show as is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lessons.course import catalog
from tui.widgets.render import SharedParserMarkdown

ROOT = Path(__file__).resolve().parent.parent
LESSONS_PO = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "lessons.po"

#: Block kinds drawn by tui.widgets.render.block_renderable through markdown-it
#: (a table cell by cell); every other kind is drawn as plain text or code.
MARKDOWN_KINDS = {"paragraph", "list", "note", "hint", "table"}
PLAIN_KINDS = {"heading", "sketch"}

#: An emphasis marker left over: `**` or `__` anywhere, or a `*` touching a
#: non-space on either side (a `*` between spaces is multiplication, `a * b`).
LEFT_OVER = re.compile(r"\*\*|__|\S\*|\*\S")


def chinese() -> dict[str, str]:
    with open(LESSONS_PO, "rb") as fp:
        return {m.id: m.string for m in read_po(fp) if m.id and isinstance(m.string, str) and m.string}


def rendered_text(markdown: str) -> list[str]:
    """The plain text runs the app draws from `markdown` (code spans excluded)."""
    tokens = SharedParserMarkdown(markdown).parsed
    return [child.content for token in tokens for child in token.children or () if child.type == "text"]


def left_over_markers(markdown: str) -> list[str]:
    return [text for text in rendered_text(markdown) if LEFT_OVER.search(text)]


def blocks_of_kinds(kinds):
    return [(f"{lesson.id}:{block.line}", block) for lesson in catalog.load_all()
            for block in lesson.blocks if block.kind in kinds]


def test_every_block_kind_is_known_to_this_test():
    """A new kind of block must be sorted into Markdown or plain text here."""
    kinds = {block.kind for lesson in catalog.load_all() for block in lesson.blocks if block.translatable}
    assert kinds <= MARKDOWN_KINDS | PLAIN_KINDS


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_blocks_leave_no_emphasis_marker(lang):
    zh = chinese()
    found = []
    for where, block in blocks_of_kinds(MARKDOWN_KINDS):
        text = block.text if lang == "en" else zh.get(block.text)
        if text is None:
            continue  # untranslated: tests/test_translations.py says so
        found += [f"{where}: {left!r}" for left in left_over_markers(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plain_text_holds_no_markdown(lang):
    zh = chinese()
    texts = [(where, block.text if lang == "en" else zh.get(block.text, ""))
             for where, block in blocks_of_kinds({"heading"})]
    texts += [(f"glossary: {entry['term']}", entry["zh"] if lang == "zh" else entry["term"])
              for entry in catalog.glossary_entries()]
    texts += [(f"glossary: {entry['term']}", entry["definition"] if lang == "en" else zh.get(entry["definition"], ""))
              for entry in catalog.glossary_entries()]
    found = [f"{where}: {text!r}" for where, text in texts if re.search(r"\*\*|__|`|\*\S+\*", text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("markdown", [
    "> **初稿这里有误。**初稿的注释说",        # closing ** after 。, before a letter
    "**Adam 的二阶矩（8.4）**是梯度的滑动平均",  # closing ** after ）, before a letter
    "用**“引号”**的词",                          # opening ** after a letter, before “
    "梯度*平方。*的滑动平均",                     # the same rule for *
])
def test_markers_that_do_not_render_are_found(markdown):
    assert left_over_markers(markdown)


@pytest.mark.parametrize("markdown", [
    "> **初稿这里有误**。初稿的注释说",
    "**Adam 的二阶矩**（8.4）是梯度*平方*的滑动平均",
    "**“SGD 慢，Adam 快”**（8.4）：这取决于学习率。",
    "- **梯度爆炸**：梯度变得极大。",
    "参数更新 `w = w - lr * grad`，即 2 * 3 = 6。",
])
def test_markers_that_render_pass(markdown):
    assert not left_over_markers(markdown)
