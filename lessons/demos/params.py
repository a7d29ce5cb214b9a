"""The parameters a learner may change, and their substitution into demo code.

A parameter's default is the literal of its one top-level assignment in the
demo code (FORMAT.md), so the code on screen always shows the value that runs.
Values are validated here, without torch: the UI's form, `gradtour run --set`
and the worker all use the same rules.

Errors are `Problem`s: an English `str.format` template marked with `N_` (so
Babel extracts it into the "tui" domain) plus its arguments, so a UI can show
them in the learner's language with `problem.message(gettext)`.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from lessons.course.catalog import Block, Lesson, LessonError
from lessons.course.i18n import N_

__all__ = [
    "DEVICE", "TYPES", "ParamError", "ParamSpec", "Problem", "cell_setting", "check_value", "defaults",
    "format_value", "param_specs", "parse_setting", "parse_value", "printable", "resolve", "substituted_code",
]

TYPES = ("int", "float", "floats", "choice", "bool")
#: The special name whose top-level string literal becomes the chosen device.
DEVICE = "device"

_SPEC_KEYS = {"label", "type", "min", "max", "max_items", "choices"}

# Learner text is echoed in messages; a pasted novel should not become one.
_ECHO_LIMIT = 40
# No number a lesson can use needs more characters than this; longer text is
# rejected before int()/float() spend time on it.
_NUMBER_TEXT_LIMIT = 64

E_EMPTY = N_("{name}: a value is required")
E_NOT_INT = N_("{name}: {text} is not a whole number")
E_NOT_NUMBER = N_("{name}: {text} is not a number")
E_NOT_FINITE = N_("{name}: {text} is not a finite number")
E_TOO_SMALL = N_("{name} must be at least {min}, not {text}")
E_TOO_LARGE = N_("{name} must be at most {max}, not {text}")
E_TOO_MANY = N_("{name} takes at most {max_items} values, not {count}")
E_NOT_CHOICE = N_("{name} must be one of {choices}, not {text}")
E_NOT_BOOL = N_("{name} must be true or false, not {text}")
E_UNKNOWN = N_("{name} is not a parameter of lesson {lesson}; it has: {names}")
E_NO_PARAMS = N_("lesson {lesson} has no parameters to set")
E_SETTING = N_("expected NAME=VALUE, not {text}")

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
# ASCII only: Python's int()/float() also accept other scripts' digits and
# underscores, which a learner would never mean and the code would not show.
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class Problem(ValueError):
    """A learner-facing message: an N_-marked template and its arguments."""

    def __init__(self, template: str, **arguments: Any) -> None:
        super().__init__(template, arguments)
        self.template = template
        self.arguments = arguments

    def message(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.template) if gettext else self.template
        return template.format(**self.arguments)

    def __str__(self) -> str:
        return self.message()


class ParamError(Problem):
    """A parameter value (or `--set` text) that cannot be used."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    label: str = ""
    min: float | None = None
    max: float | None = None
    max_items: int | None = None
    choices: tuple[Any, ...] = ()


def param_specs(lesson: Lesson) -> dict[str, ParamSpec]:
    """The lesson's parameters, in front-matter order; LessonError if malformed."""
    return {name: _spec(lesson.id, name, raw) for name, raw in lesson.params.items()}


def _spec(lesson_id: str, name: str, raw: Any) -> ParamSpec:
    where = f"lesson {lesson_id}, parameter {name!r}"
    if not isinstance(raw, Mapping):
        raise LessonError(f"{where}: expected a mapping")
    if not str(name).isidentifier() or name == DEVICE:
        raise LessonError(f"{where}: not a usable name (the device is chosen with --device)")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise LessonError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}")
    kind = raw.get("type")
    if kind not in TYPES:
        raise LessonError(f"{where}: type must be one of {', '.join(TYPES)}")
    bounds = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            raise LessonError(f"{where}: {key} must be a finite number")
        if value is not None and kind == "int" and not isinstance(value, int):
            raise LessonError(f"{where}: {key} of an int must be a whole number")
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise LessonError(f"{where}: min is greater than max")
    max_items = raw.get("max_items")
    if max_items is not None and (kind != "floats" or not isinstance(max_items, int) or max_items < 1):
        raise LessonError(f"{where}: max_items must be a positive whole number, for floats only")
    choices = raw.get("choices")
    if kind == "choice":
        if not isinstance(choices, list) or not choices or len({str(c) for c in choices}) != len(choices):
            raise LessonError(f"{where}: a choice needs a list of distinct choices")
    elif choices is not None:
        raise LessonError(f"{where}: choices belong to type choice only")
    if kind in ("choice", "bool") and (bounds["min"] is not None or bounds["max"] is not None):
        raise LessonError(f"{where}: min/max do not apply to {kind}")
    return ParamSpec(name=name, type=kind, label=str(raw.get("label") or ""), min=bounds["min"],
                     max=bounds["max"], max_items=max_items, choices=tuple(choices or ()))


# --- learner text → value -------------------------------------------------


def parse_value(spec: ParamSpec, text: str) -> Any:
    """The value `text` denotes for `spec`, validated; ParamError otherwise."""
    text = text.strip()
    if not text:
        raise ParamError(E_EMPTY, name=spec.name)
    if spec.type == "int":
        return _check_range(spec, _parse_int(spec, text), text)
    if spec.type == "float":
        return _check_range(spec, _parse_float(spec, text), text)
    if spec.type == "floats":
        return _check_floats(spec, [_parse_float(spec, item) for item in _split_items(spec, text)])
    if spec.type == "bool":
        lowered = text.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ParamError(E_NOT_BOOL, name=spec.name, text=_echo(text))
    return _parse_choice(spec, text)


def _echo(text: str) -> str:
    return repr(_shortened(text))


def _shortened(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"


def printable(text: str) -> str:
    """`text` with control characters (and undecodable bytes) spelled out, as
    repr() spells them: echoed as they are, an escape code would act on the
    learner's terminal, and a line separator would break a one-line message."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _parse_int(spec: ParamSpec, text: str) -> int:
    if len(text) > _NUMBER_TEXT_LIMIT or not _INT_RE.match(text):
        raise ParamError(E_NOT_INT, name=spec.name, text=_echo(text))
    return int(text)


def _parse_float(spec: ParamSpec, text: str) -> float:
    text = text.strip()
    if not text:
        raise ParamError(E_EMPTY, name=spec.name)
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ParamError(E_NOT_FINITE, name=spec.name, text=_echo(text))
    if len(text) > _NUMBER_TEXT_LIMIT or not _FLOAT_RE.match(text):
        raise ParamError(E_NOT_NUMBER, name=spec.name, text=_echo(text))
    value = float(text)
    if not math.isfinite(value):  # 1e309 overflows to inf
        raise ParamError(E_NOT_FINITE, name=spec.name, text=_echo(text))
    return value


def _split_items(spec: ParamSpec, text: str) -> list[str]:
    # Accept what a learner is likely to paste: "0.1, 1", "0.1 1" or "[0.1, 1]".
    if text[:1] + text[-1:] in ("[]", "()"):
        text = text[1:-1].strip()
    items = [item for item in re.split(r"[,\s]+", text) if item]
    if not items:
        raise ParamError(E_EMPTY, name=spec.name)
    return items


def _parse_choice(spec: ParamSpec, text: str) -> Any:
    for exact in (True, False):
        for choice in spec.choices:
            if str(choice) == text if exact else str(choice).lower() == text.lower():
                return choice
    raise ParamError(E_NOT_CHOICE, name=spec.name, choices=", ".join(map(str, spec.choices)), text=_echo(text))


def _check_range(spec: ParamSpec, value: float, text: str) -> Any:
    if spec.min is not None and value < spec.min:
        raise ParamError(E_TOO_SMALL, name=spec.name, min=repr(spec.min), text=text)
    if spec.max is not None and value > spec.max:
        raise ParamError(E_TOO_LARGE, name=spec.name, max=repr(spec.max), text=text)
    return value


def _check_floats(spec: ParamSpec, values: list[float]) -> list[float]:
    if spec.max_items is not None and len(values) > spec.max_items:
        raise ParamError(E_TOO_MANY, name=spec.name, max_items=spec.max_items, count=len(values))
    if not values:
        raise ParamError(E_EMPTY, name=spec.name)
    for value in values:
        _check_range(spec, value, repr(value))
    return values


def format_value(spec: ParamSpec, value: Any) -> str:
    """The text a form field starts with; parse_value(spec, it) gives `value` back."""
    if spec.type == "floats":
        return ", ".join(repr(float(v)) for v in value)
    if spec.type == "bool":
        return "true" if value else "false"
    if spec.type == "float":
        return repr(float(value))
    return str(value)


# --- Python values (front matter defaults, JSON from the UI) ---------------


def check_value(spec: ParamSpec, value: Any) -> Any:
    """`value` (a Python or JSON value) validated and normalized for `spec`."""
    if spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError(E_NOT_INT, name=spec.name, text=_echo(repr(value)))
        return _check_range(spec, value, repr(value))
    if spec.type == "float":
        return _check_range(spec, _as_float(spec, value), repr(value))
    if spec.type == "floats":
        if not isinstance(value, (list, tuple)):
            raise ParamError(E_NOT_NUMBER, name=spec.name, text=_echo(repr(value)))
        return _check_floats(spec, [_as_float(spec, item) for item in value])
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise ParamError(E_NOT_BOOL, name=spec.name, text=_echo(repr(value)))
        return value
    # Typed comparison: True == 1, but a learner choosing 1 did not choose True.
    if not any(type(value) is type(choice) and value == choice for choice in spec.choices):
        raise ParamError(E_NOT_CHOICE, name=spec.name, choices=", ".join(map(str, spec.choices)),
                         text=_echo(repr(value)))
    return value


def _as_float(spec: ParamSpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError(E_NOT_NUMBER, name=spec.name, text=_echo(repr(value)))
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ParamError(E_NOT_FINITE, name=spec.name, text=_echo(repr(value)))
    return number


def cell_setting(lesson: Lesson, numbers: Mapping[str, float]) -> dict[str, Any]:
    """The values a heat map's cell sets (parameter name → the cell's x or y), validated like the what-if form.

    A float keeps six significant digits, so that the code shows `lr = 0.0303`
    rather than the float32 noise of a computed grid; an int parameter takes
    the nearest whole number. ParamError when a value is out of its bounds.
    """
    chosen = {}
    for name, number in numbers.items():
        spec = _spec_named(lesson, name)
        value = _as_float(spec, number)
        chosen[name] = check_value(spec, round(value) if spec.type == "int" else float(f"{value:.6g}"))
    return chosen


def parse_setting(lesson: Lesson, setting: str) -> tuple[str, Any]:
    """`NAME=VALUE` (as in `gradtour run --set`) → (name, validated value)."""
    name, sep, text = setting.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParamError(E_SETTING, text=_echo(setting))
    return name, parse_value(_spec_named(lesson, name), text)


def _spec_named(lesson: Lesson, name: str) -> ParamSpec:
    specs = param_specs(lesson)
    if name in specs:
        return specs[name]
    if not specs:
        raise ParamError(E_NO_PARAMS, lesson=lesson.id)
    raise ParamError(E_UNKNOWN, name=printable(_shortened(name)), lesson=lesson.id, names=", ".join(specs))


def resolve(lesson: Lesson, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter's value: the defaults, overridden by `values` (validated)."""
    resolved = defaults(lesson)
    for name, value in (values or {}).items():
        resolved[name] = check_value(_spec_named(lesson, name), value)
    return resolved


# --- the literals in the code ----------------------------------------------


@dataclass(frozen=True)
class _Literal:
    name: str
    value: Any
    start: int  # character offsets of the literal in the block's code
    end: int


@functools.lru_cache(maxsize=256)
def _literals(code: str) -> tuple[tuple[_Literal, ...], frozenset[str]]:
    """Top-level `name = <literal>` assignments, and the names assigned otherwise."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # The runner reports the syntax error with the learner's line; there is
        # nothing to substitute in code that does not parse.
        return (), frozenset()
    offsets = _line_offsets(code)
    found: list[_Literal] = []
    others: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            others.add(target.id)
            continue
        start = _offset(code, offsets, value.lineno, value.col_offset)
        end = _offset(code, offsets, value.end_lineno, value.end_col_offset)
        found.append(_Literal(target.id, literal, start, end))
    return tuple(found), frozenset(others)


def _line_offsets(code: str) -> list[int]:
    # Only "\n" ends a line for ast (fences come with normalized newlines);
    # str.splitlines() would also split at \x0c or \u2028 inside a string.
    return [0] + [match.end() for match in re.finditer("\n", code)] + [len(code)]


def _offset(code: str, offsets: list[int], lineno: int, col_bytes: int) -> int:
    # ast columns count UTF-8 bytes; a Chinese string earlier on the line
    # would otherwise shift the cut.
    line = code[offsets[lineno - 1]:offsets[lineno]]
    return offsets[lineno - 1] + len(line.encode("utf-8")[:col_bytes].decode("utf-8"))


def defaults(lesson: Lesson) -> dict[str, Any]:
    """Each parameter's default: the literal of its one top-level assignment."""
    specs = param_specs(lesson)
    found: dict[str, list[Any]] = {name: [] for name in specs}
    assigned_otherwise: set[str] = set()
    for block in lesson.demos:
        literals, others = _literals(block.text)
        assigned_otherwise |= others
        for literal in literals:
            if literal.name in found:
                found[literal.name].append(literal.value)
    result = {}
    for name, spec in specs.items():
        where = f"lesson {lesson.id}, parameter {name!r}"
        if not found[name]:
            how = "its value is not a literal" if name in assigned_otherwise else "no demo assigns it"
            raise LessonError(f"{where}: needs one top-level `{name} = <literal>` in a demo; {how}")
        if len(found[name]) > 1:
            raise LessonError(f"{where}: assigned a literal {len(found[name])} times; it must be once")
        try:
            result[name] = check_value(spec, found[name][0])
        except ParamError as exc:
            raise LessonError(f"{where}: the default in the code does not fit the front matter: {exc}") from None
    return result


def substituted_code(block: Block | str, values: Mapping[str, Any]) -> str:
    """The block's code with each named literal replaced by its value in `values`.

    Only the literal's own characters change; comments, spacing and every
    other line stay byte for byte. A value equal to the literal leaves the
    author's spelling (`1e-4`, a list over several lines) untouched. The key
    `device` replaces string literals of top-level `device = "..."`.
    """
    code = block.text if isinstance(block, Block) else block
    literals, _ = _literals(code)
    edits = []
    for literal in literals:
        if literal.name not in values:
            continue
        if literal.name == DEVICE and not isinstance(literal.value, str):
            continue
        new = _source(values[literal.name], like=literal.value, spelled=code[literal.start:literal.end])
        if new is not None:
            edits.append((literal.start, literal.end, new))
    for start, end, new in reversed(edits):
        code = code[:start] + new + code[end:]
    return code


def _source(value: Any, like: Any, spelled: str) -> str | None:
    """Python source for `value`, shaped like the literal it replaces; None if equal."""
    if isinstance(like, tuple) and isinstance(value, list):
        value = tuple(value)
    elif isinstance(like, list) and isinstance(value, tuple):
        value = list(value)
    if type(value) is type(like) and repr(value) == repr(like):
        return None
    text = repr(value)
    if isinstance(value, str) and spelled.startswith('"') and text.startswith("'") and '"' not in value:
        # Keep the author's quotes: repr() has no \" escapes to undo here.
        text = '"' + text[1:-1] + '"'
    return text
