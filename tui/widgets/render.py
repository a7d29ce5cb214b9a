"""Rich renderables for lesson blocks, shared by the TUI and `gradtour show`.

Rich lays text out by terminal cells (CJK characters take two), wraps prose,
and prints no escape codes at all when its console is not a terminal, which is
exactly what `show` needs for pipes and screen readers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lessons.course.catalog import Block, Gettext
from tui.widgets.run_marks import RunMarks, annotate

# rich.syntax (pygments) and lessons.demos.params are imported where code is drawn:
# the first screen of most lessons is prose, and they cost it ~10 ms.

#: ANSI themes follow the terminal's own palette: readable on dark and light
#: backgrounds, and on 16-colour consoles (TERM=linux) over ssh.
CODE_THEME = "ansi_dark"


def block_renderable(block: Block, text: str, *, highlight: bool = True) -> RenderableType:
    """`text` is the block's text already localized.

    `highlight=False` draws code uncoloured, laid out exactly as highlighted
    code is (the same wrapping, the same height): a stand-in while pygments
    compiles its Python lexer, which takes ~30 ms once per process.
    """
    if block.kind == "heading":
        level = len(text) - len(text.lstrip("#"))
        title = Text(text.lstrip("#").strip(), style="bold underline" if level <= 2 else "bold")
        return Padding(title, (1 if level <= 2 else 0, 0, 0, 0))
    if block.kind == "code":
        from rich.syntax import Syntax

        return Syntax(text.rstrip("\n"), "python" if highlight else "text", theme=CODE_THEME, word_wrap=True,
                      background_color="default", padding=(0, 1))
    if block.kind == "sketch":
        return Padding(Text(text), (0, 2))
    if block.kind == "rule":
        return Markdown("---")
    if block.kind == "table":
        return table_renderable(text)
    return Trimmed(_markdown(text))


def _markdown(text: str) -> Markdown:
    return SharedParserMarkdown(text, code_theme=CODE_THEME, inline_code_theme=CODE_THEME)


@functools.cache
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table")


class SharedParserMarkdown(Markdown):
    """rich's Markdown, parsed by one markdown-it parser for every block.

    rich makes a new parser for each Markdown (compiling linkify's patterns
    every time): 0.65 of the 0.73 ms it took to make one of the chapter's
    blocks, more than rendering it (bench/FINDINGS.md). The parser keeps no
    state between documents. Same attributes as rich's own __init__ sets;
    tests/test_lesson_view_cache.py checks that both draw the same.
    """

    def __init__(self, markup: str, code_theme: str = "monokai", justify=None, style="none",
                 hyperlinks: bool = True, inline_code_lexer: str | None = None,
                 inline_code_theme: str | None = None) -> None:
        self.markup = markup
        self.parsed = _parser().parse(markup)
        self.code_theme = code_theme
        self.justify = justify
        self.style = style
        self.hyperlinks = hyperlinks
        self.inline_code_lexer = inline_code_lexer
        self.inline_code_theme = inline_code_theme or code_theme


def table_renderable(text: str) -> Table:
    """A GFM pipe table as a boxed rich Table (rich's Markdown draws it bare)."""
    rows = [_cells(line) for line in text.splitlines() if line.strip()]
    header, body = rows[0], [row for row in rows[1:] if not _is_delimiter(row)]
    table = Table(box=box.ROUNDED, show_lines=False, header_style="bold", expand=False)
    for cell in header:
        table.add_column(Trimmed(_markdown(cell)), overflow="fold")
    for row in body:
        table.add_row(*(Trimmed(_markdown(cell)) for cell in row))
    return table


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]


def _is_delimiter(row: list[str]) -> bool:
    return all(re.fullmatch(r":?-{3,}:?", cell) for cell in row)


class Trimmed:
    """Render `renderable` without the blank lines rich puts around lists."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(self.renderable, options.update(height=None), pad=False)
        blank = [not "".join(seg.text for seg in line).strip() for line in lines]
        start = blank.index(False) if False in blank else len(lines)
        end = len(lines) - blank[::-1].index(False) if False in blank else start
        for line in lines[start:end]:
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)


def localized_renderable(block: Block, gettext: Gettext, bilingual_with: Gettext | None = None,
                         code_values: Mapping[str, Any] | None = None, *, highlight: bool = True,
                         marks: RunMarks = ()) -> RenderableType:
    """The block in gettext's language; code shows the what-if `code_values`,
    prose the `marks` of the learner's last run (tui/widgets/run_marks.py)."""
    if code_values and block.kind == "code" and block.runnable:
        from lessons.demos.params import substituted_code

        block = replace(block, text=substituted_code(block, code_values))
    first_text = annotate(block.kind, block.localized(gettext), marks)
    first = block_renderable(block, first_text, highlight=highlight)
    if bilingual_with is None:
        return first
    second_text = annotate(block.kind, block.localized(bilingual_with), marks)
    if second_text == first_text:
        return first  # code with no comments, rules: nothing to show twice
    second = block_renderable(block, second_text, highlight=highlight)
    return Group(first, Padding(second, (0, 0, 0, 2), style="dim"))
