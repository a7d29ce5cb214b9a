"""Load the course: one Markdown file per lesson (see FORMAT.md).

A lesson is split into top-level blocks with markdown-it's source maps, so a
block's text is exactly the source lines it came from: that text is the
gettext message id, and what a translator sees is what the author wrote.
"""

from __future__ import annotations

import functools
import io
import tokenize
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Iterator

import yaml
from markdown_it import MarkdownIt

#: The fixed lesson ids, in chapter order (DESIGN.md).
LESSON_IDS: tuple[str, ...] = (
    "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.summary",
    "8.hw1", "8.hw2", "8.hw3", "8.hw4", "8.hw5",
)

Gettext = Callable[[str], str]

#: What a ```` ```python ROLE ```` fence may say besides `norun` (labs, FORMAT.md).
_CODE_ROLES = ("lab", "solution")
#: LibYAML's safe loader where PyYAML was built with it: the pure-Python one
#: took half the time of parsing a lesson (`gradtour list` parses them all).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TOKEN_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "table_open": "table",
    "blockquote_open": "note",
    "hr": "rule",
}


class LessonError(ValueError):
    """A lesson file that does not follow FORMAT.md (an author's mistake)."""


class UnknownLesson(KeyError):
    def __init__(self, lesson_id: str) -> None:
        super().__init__(lesson_id)
        self.lesson_id = lesson_id


@dataclass(frozen=True)
class Block:
    kind: str  # heading | paragraph | list | table | note | rule | sketch | code | hint
    text: str  # the source text (for code: the code, without the fences)
    line: int  # 1-based line in the lesson file
    runnable: bool = False  # code blocks only: a demo, not a `norun` listing
    role: str = ""  # code blocks of a lab: "lab" (the starting code) or "solution"

    @property
    def hidden(self) -> bool:
        """A lab's hint or solution: revealed on request, not part of the reading."""
        return self.kind == "hint" or self.role == "solution"

    @property
    def translatable(self) -> bool:
        return self.kind not in ("code", "rule")

    def localized(self, gettext: Gettext) -> str:
        """The block's text in the language of `gettext`."""
        if self.kind == "code":
            return translate_comments(self.text, gettext)
        if self.translatable:
            return gettext(self.text)
        return self.text


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    blocks: tuple[Block, ...]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: tuple[dict[str, str], ...] = ()
    #: Output text that marks a result line, kept in sight after a run (FORMAT.md).
    results: tuple[str, ...] = ()

    @property
    def result_markers(self) -> tuple[str, ...]:
        """What a result line contains: the declared `results`, else every claim's output."""
        return self.results or tuple(str(claim["output"]) for claim in self.claims if claim.get("output"))

    @property
    def index(self) -> int:
        return LESSON_IDS.index(self.id)

    @property
    def is_homework(self) -> bool:
        return self.id.startswith("8.hw")

    @property
    def demos(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == "code" and b.runnable)

    @property
    def lab_block(self) -> Block | None:
        """The starting code of a lab (a ```` ```python lab ```` block), if any."""
        return next((b for b in self.blocks if b.role == "lab"), None)

    @property
    def hints(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == "hint")

    @property
    def solution(self) -> Block | None:
        return next((b for b in self.blocks if b.role == "solution"), None)

    def front_matter_messages(self) -> Iterator[tuple[str, str]]:
        """(context, message) for every translatable front-matter string."""
        yield "title", self.title
        for name, spec in self.params.items():
            if spec.get("label"):
                yield f"param {name}", spec["label"]
        for name, spec in self.charts.items():
            for key in ("title", "x", "y"):
                if spec.get(key):
                    yield f"chart {name} {key}", spec[key]
            for key, label in (spec.get("series") or {}).items():
                yield f"chart {name} series {key}", label


def translate_comments(code: str, gettext: Gettext) -> str:
    """Replace each comment's text by its translation; the code is untouched."""
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for row, col, text in code_comments(code):
        translated = gettext(text)
        if translated != text:
            edits.append((row, col, translated))
    for row, col, translated in reversed(edits):
        line = lines[row - 1]
        newline = "\n" if line.endswith("\n") else ""
        lines[row - 1] = line[:col] + "# " + translated + newline
    return "".join(lines)


def code_comments(code: str) -> Iterator[tuple[int, int, str]]:
    """(row, column, text) of every comment in `code`; text without '# '."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise LessonError(f"code block does not tokenize: {exc}") from exc
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            if text:
                yield tok.start[0], tok.start[1], text


def parse_lesson(source: str, origin: str = "<lesson>") -> Lesson:
    meta, body, offset = _split_front_matter(source, origin)
    try:
        lesson_id = str(meta["id"])
        title = str(meta["title"])
    except KeyError as exc:
        raise LessonError(f"{origin}: front matter lacks {exc}") from None
    if lesson_id not in LESSON_IDS:
        raise LessonError(f"{origin}: unknown lesson id {lesson_id!r}")
    blocks = tuple(_blocks(body, offset, origin))
    for role in _CODE_ROLES:
        if sum(block.role == role for block in blocks) > 1:
            raise LessonError(f"{origin}: more than one `python {role}` block")
    return Lesson(
        id=lesson_id,
        title=title,
        blocks=blocks,
        params=dict(meta.get("params") or {}),
        charts=dict(meta.get("charts") or {}),
        claims=tuple(meta.get("claims") or ()),
        results=tuple(str(marker) for marker in meta.get("results") or ()),
    )


def _split_front_matter(source: str, origin: str) -> tuple[dict, str, int]:
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise LessonError(f"{origin}: missing front matter")
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            try:
                meta = yaml.load("".join(lines[1:end]), Loader=_SAFE_LOADER) or {}
            except yaml.YAMLError as exc:
                raise LessonError(f"{origin}: bad front matter: {exc}") from None
            if not isinstance(meta, dict):
                raise LessonError(f"{origin}: front matter is not a mapping")
            return meta, "".join(lines[end + 1 :]), end + 1
    raise LessonError(f"{origin}: unterminated front matter")


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _blocks(body: str, offset: int, origin: str) -> Iterator[Block]:
    lines = body.splitlines()
    for token in _markdown().parse(body):
        if token.level != 0 or token.map is None:
            continue
        start, end = token.map
        if token.type == "fence":
            info = token.info.split()
            language = info[0] if info else ""
            if language == "python":
                code = token.content
                list(code_comments(code))  # fail early on code that cannot tokenize
                words = set(info[1:])
                if words - {"norun", *_CODE_ROLES} or len(words & set(_CODE_ROLES)) > 1:
                    raise LessonError(f"{origin}:{start + offset + 1}: unknown python fence {token.info!r}")
                role = next(iter(words & set(_CODE_ROLES)), "")
                # A solution is shown, never run as the lesson's demo.
                runnable = "norun" not in words and role != "solution"
                yield Block("code", code, start + offset + 1, runnable=runnable, role=role)
            elif language == "text":
                yield Block("sketch", token.content.rstrip("\n"), start + offset + 1)
            elif language == "hint" and not info[1:]:
                yield Block("hint", token.content.strip(), start + offset + 1)
            else:
                raise LessonError(f"{origin}:{start + offset + 1}: fence must be python, text or hint")
        elif token.type in _TOKEN_KINDS:
            text = "\n".join(lines[start:end]).strip()
            yield Block(_TOKEN_KINDS[token.type], text, start + offset + 1)
        elif token.type != "code_block" or token.content.strip():
            raise LessonError(f"{origin}:{start + offset + 1}: unsupported block {token.type}")


def lesson_path(lesson_id: str):
    return resources.files("lessons") / "content" / f"{lesson_id}.md"


@functools.cache
def load(lesson_id: str) -> Lesson:
    if lesson_id not in LESSON_IDS:
        raise UnknownLesson(lesson_id)
    path = lesson_path(lesson_id)
    return parse_lesson(path.read_text(encoding="utf-8"), origin=f"{lesson_id}.md")


def load_all() -> tuple[Lesson, ...]:
    return tuple(load(lesson_id) for lesson_id in LESSON_IDS)


def neighbour(lesson_id: str, step: int) -> str:
    """The id `step` lessons away, clamped to the chapter."""
    index = LESSON_IDS.index(lesson_id) + step
    return LESSON_IDS[max(0, min(len(LESSON_IDS) - 1, index))]
