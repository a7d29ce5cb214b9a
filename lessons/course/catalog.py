"""Load the course: one Markdown file per lesson (see FORMAT.md).

A lesson is split into top-level blocks with markdown-it's source maps, so a
block's text is exactly the source lines it came from: that text is the
gettext message id, and what a translator sees is what the author wrote.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Iterator

import yaml
from markdown_it import MarkdownIt

from lessons.course.claims import Claim, ClaimError, parse_claims

#: The chapter's pages, in order (DESIGN.md), in content/ beside this module.
CHAPTER_IDS: tuple[str, ...] = ("8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.summary")
#: The labs' pages live beside their checks (lessons/labs/pages/), so that a
#: new lab is one folder's work; they follow the chapter, by number. Only the
#: folder is known here: the course never imports the labs package.
_LAB_PAGES = resources.files("lessons") / "labs" / "pages"
_LAB_PAGE = re.compile(r"8\.hw([1-9][0-9]*)\.md")


def _lab_ids() -> tuple[str, ...]:
    numbers = sorted(int(match[1]) for page in _LAB_PAGES.iterdir() if (match := _LAB_PAGE.fullmatch(page.name)))
    return tuple(f"8.hw{number}" for number in numbers)


#: Every lesson id, in chapter order: 8.1 … 8.6, 8.summary, then 8.hw1, 8.hw2, ….
LESSON_IDS: tuple[str, ...] = CHAPTER_IDS + _lab_ids()

Gettext = Callable[[str], str]

#: What a ```` ```python ROLE ```` fence may say besides `norun` (labs, FORMAT.md).
_CODE_ROLES = ("lab", "solution")
#: Where a claim's output template stops being literal text (claims.py).
_CLAIM_LABEL = re.compile(r"\{\}|\.\.\.")
#: What a string literal's body holds that prints as other text: an
#: f-string's replacement field, an escape sequence ("\\n").
_PRINTED_OTHERWISE = re.compile(r"\{[^{}]*\}|\\.")
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
    #: code blocks: the front matter's `code_strings` (FORMAT.md), as (translate, keep)
    string_choices: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())

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
            return translate_code(self.text, gettext, self.string_choices)
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
    claims: tuple[Claim, ...] = ()
    #: Output text that marks a result line, kept in sight after a run (FORMAT.md).
    results: tuple[str, ...] = ()

    @property
    def result_markers(self) -> tuple[str, ...]:
        """What a result line contains: the declared `results`, else each claim's
        output up to its first `{}` or `...` (the label a template starts with)."""
        if self.results:
            return self.results
        return tuple(label for claim in self.claims if (label := _CLAIM_LABEL.split(claim.output, 1)[0].strip()))

    def result_patterns(self, gettext: Gettext) -> tuple[re.Pattern[str], ...]:
        """Result lines as a run in the language of `gettext` prints them.

        The markers are English, but a Chinese run prints its labels
        translated (the code run is the code shown, `translate_code`): each
        prose string of the code that holds a marker, translated, with its
        `{…}` fields (and escapes) standing for any text. Strings left as written are
        found by the markers themselves.
        """
        markers = self.result_markers
        patterns = []
        for block in self.blocks:
            if block.kind != "code":
                continue
            for _start, _end, text in code_strings(block.text, block.string_choices):
                translated = gettext(text)
                if translated == text or not any(marker in text for marker in markers):
                    continue
                literal = _PRINTED_OTHERWISE.split(translated)
                if any(part.strip() for part in literal):
                    # Not inside a longer label: 梯度 is not 精确梯度.
                    patterns.append(re.compile(r"(?<!\w)" + ".*".join(map(re.escape, literal))))
        return tuple(patterns)

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
            for key in ("title", "x", "y", "z"):
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


def translate_code(code: str, gettext: Gettext,
                   choices: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())) -> str:
    """Comments and prose string literals in the language of `gettext`.

    The code shown in a language is the code run in it: a demo's printed
    labels come out in the learner's language, like its comments.
    """
    edits = []
    for start, end, text in code_strings(code, choices):
        translated = gettext(text)
        if translated != text:
            edits.append((start, end, translated))
    for start, end, translated in reversed(edits):
        code = code[:start] + translated + code[end:]
    return translate_comments(code, gettext)


#: Words a string may hold and still be code, not prose: the names of the
#: optimizers, losses and symbols that stay as they are in every language.
CODE_WORDS = frozenset({
    "Adam", "AdamW", "SGD", "MSE", "CrossEntropy", "LR", "lr", "grad", "std", "inf", "nan",
    "log", "exp", "softmax", "max_norm", "weight_decay",
})
_STRING = re.compile(r"([A-Za-z]*)('\'\'|\"\"\"|'|\")(.*)\2", re.S)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def code_strings(code: str, choices: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
                 ) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of every prose string literal in `code`.

    `text` is the literal's body as written between its quotes (escapes and,
    in an f-string, the `{…}` fields included), at code[start:end]: one
    message each, so a translator sees the whole label with its fields and
    may move them. Prose is a literal with a word that is not code
    (CODE_WORDS); a bare identifier such as "sum", "cpu" or a dict key is
    code. `choices` (translate, keep) overrides that for the texts listed.
    """
    translate, keep = choices
    for start, end in _string_spans(code):
        match = _STRING.fullmatch(code, start, end)
        if match is None or "b" in match.group(1).lower():
            continue
        text = match.group(3)
        if text in keep:
            continue
        if text in translate or _is_prose(text, "f" in match.group(1).lower()):
            yield match.start(3), match.end(3), text


def _is_prose(text: str, is_fstring: bool) -> bool:
    if _IDENTIFIER.fullmatch(text):
        return False
    plain = _without_fields(text) if is_fstring else text
    plain = re.sub(r"\\.", " ", plain)  # an escape such as \n is not a word
    # A word with an underscore names code: train_acc, clip_grad_norm_; so
    # does one with a digit: the coordinates w1, w2 of a 2-D landscape.
    return any(len(word) > 1 and "_" not in word and not any(c.isdigit() for c in word) and word not in CODE_WORDS
               for word in _WORD.findall(plain))


def _without_fields(text: str) -> str:
    """An f-string's body without its `{…}` replacement fields."""
    out, depth, i = [], 0, 0
    while i < len(text):
        pair = text[i:i + 2]
        if depth == 0 and pair in ("{{", "}}"):
            out.append(pair[0])
            i += 2
            continue
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
        i += 1
    return "".join(out)


def _string_spans(code: str) -> Iterator[tuple[int, int]]:
    """Character offsets of each string literal (an f-string whole, on every Python)."""
    tokens, offsets = _tokens(code)

    def offset(position: tuple[int, int]) -> int:
        return offsets[position[0] - 1] + position[1]

    start, depth = None, 0
    for tok in tokens:
        kind = tokenize.tok_name[tok.type]
        if kind == "FSTRING_START":  # Python 3.12+: an f-string is several tokens
            if depth == 0:
                start = tok.start
            depth += 1
        elif kind == "FSTRING_END":
            depth -= 1
            if depth == 0:
                yield offset(start), offset(tok.end)
        elif tok.type == tokenize.STRING and depth == 0:
            yield offset(tok.start), offset(tok.end)


def _tokens(code: str) -> tuple[list[tokenize.TokenInfo], list[int]]:
    """The tokens of `code`, and the offset each of its lines starts at."""
    readline = io.StringIO(code).readline
    # Built from the lines tokenize reads, so that a row matches its offset
    # whatever str.splitlines() would make of \f or \u2028 in a string.
    offsets = [0]

    def reading() -> str:
        line = readline()
        offsets.append(offsets[-1] + len(line))
        return line

    try:
        tokens = list(tokenize.generate_tokens(reading))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise LessonError(f"code block does not tokenize: {exc}") from exc
    return tokens, offsets


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
    blocks = tuple(_blocks(body, offset, origin, _string_choices(meta.get("code_strings"), origin)))
    for role in _CODE_ROLES:
        if sum(block.role == role for block in blocks) > 1:
            raise LessonError(f"{origin}: more than one `python {role}` block")
    charts = dict(meta.get("charts") or {})
    _check_charts(charts, meta.get("params") or {}, origin)
    try:
        claims = parse_claims(meta.get("claims") or ())
    except ClaimError as exc:
        raise LessonError(f"{origin}: {exc}") from None
    return Lesson(
        id=lesson_id,
        title=title,
        blocks=blocks,
        params=dict(meta.get("params") or {}),
        charts=charts,
        claims=claims,
        results=tuple(str(marker) for marker in meta.get("results") or ()),
    )


#: The kinds of chart panel (FORMAT.md), `line` the default.
CHART_KINDS = ("line", "bar", "landscape", "heatmap")
#: A heat map's colour scale.
ZSCALES = ("linear", "log")
#: What a heat map's cell may set: a number the `e` form validates.
_NUMERIC_PARAM_TYPES = ("int", "float")


def _check_charts(charts: dict, params: Any, origin: str) -> None:
    """Each panel's kind is known; a heat map's scale and what-if parameters are usable."""
    for name, spec in charts.items():
        where = f"{origin}: chart {name!r}"
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise LessonError(f"{where}: expected a mapping")
        kind = spec.get("kind", "line")
        if kind not in CHART_KINDS:
            raise LessonError(f"{where}: kind must be one of {', '.join(CHART_KINDS)}, not {kind!r}")
        if kind != "heatmap":
            continue
        if spec.get("zscale", "linear") not in ZSCALES:
            raise LessonError(f"{where}: zscale must be linear or log, not {spec.get('zscale')!r}")
        chosen = [spec[key] for key in ("x_param", "y_param") if spec.get(key) is not None]
        for key in ("x_param", "y_param"):
            param = spec.get(key)
            if param is None:
                continue
            raw = params.get(param) if isinstance(params, dict) else None
            if not isinstance(raw, dict):
                raise LessonError(f"{where}: {key} {param!r} is not a parameter of the lesson")
            if raw.get("type") not in _NUMERIC_PARAM_TYPES:
                raise LessonError(f"{where}: {key} {param!r} must be an int or float parameter, "
                                  f"not {raw.get('type')!r}")
        if len(set(chosen)) < len(chosen):
            raise LessonError(f"{where}: x_param and y_param name the same parameter")


def _string_choices(raw: Any, origin: str) -> tuple[frozenset[str], frozenset[str]]:
    """The front matter's `code_strings: {translate: [...], keep: [...]}`."""
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - {"translate", "keep"}:
        raise LessonError(f"{origin}: code_strings holds only `translate` and `keep` lists")
    lists = [raw.get(key) or [] for key in ("translate", "keep")]
    if not all(isinstance(items, list) and all(isinstance(item, str) for item in items) for items in lists):
        raise LessonError(f"{origin}: code_strings lists are lists of strings")
    return frozenset(lists[0]), frozenset(lists[1])


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


def _blocks(body: str, offset: int, origin: str,
            string_choices: tuple[frozenset[str], frozenset[str]]) -> Iterator[Block]:
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
                yield Block("code", code, start + offset + 1, runnable=runnable, role=role,
                            string_choices=string_choices)
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
    folder = resources.files(__package__) / "content" if lesson_id in CHAPTER_IDS else _LAB_PAGES
    return folder / f"{lesson_id}.md"


@functools.cache
def glossary_entries() -> tuple[dict, ...]:
    """The glossary's term pairs (glossary.yaml beside the lessons), in file order."""
    path = resources.files(__package__) / "glossary.yaml"
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")) or ())


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
