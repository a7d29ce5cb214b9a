"""Parameter specs, learner input validation, defaults and code substitution."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.demos import params
from lessons.course.catalog import LessonError, parse_lesson
from lessons.demos.params import ParamError, ParamSpec, defaults, parse_value, substituted_code
from tests.demo_sources import lesson, lesson_source

INT = ParamSpec("steps", "int", min=1, max=200)
FLOAT = ParamSpec("lr", "float", min=0.0001, max=10)
FLOATS = ParamSpec("lrs", "floats", min=0.0001, max=10, max_items=3)
CHOICE = ParamSpec("optimizer", "choice", choices=("sgd", "adam", "AdamW"))
BOOL = ParamSpec("clip", "bool")
SPECS = (INT, FLOAT, FLOATS, CHOICE, BOOL)


@pytest.mark.parametrize("spec, text, expected", [
    (INT, " 7 ", 7), (INT, "+200", 200), (INT, "1", 1),
    (FLOAT, "1e-3", 0.001), (FLOAT, "10", 10.0), (FLOAT, ".5", 0.5), (FLOAT, "0.0001", 0.0001),
    (FLOATS, "0.1, 1", [0.1, 1.0]), (FLOATS, "[0.1, 1e-3]", [0.1, 0.001]), (FLOATS, "0.1 0.2  0.3", [0.1, 0.2, 0.3]),
    (CHOICE, "adam", "adam"), (CHOICE, "ADAM", "adam"), (CHOICE, "adamw", "AdamW"),
    (BOOL, "Yes", True), (BOOL, "off", False), (BOOL, "1", True),
])
def test_valid_text(spec, text, expected):
    value = parse_value(spec, text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("spec, text, template", [
    (INT, "", params.E_EMPTY), (INT, "   ", params.E_EMPTY),
    (INT, "abc", params.E_NOT_INT), (INT, "1.5", params.E_NOT_INT), (INT, "1e2", params.E_NOT_INT),
    (INT, "١٢", params.E_NOT_INT),  # Arabic-Indic digits: int() would take them
    (INT, "１２", params.E_NOT_INT),  # full-width digits
    (INT, "1_0", params.E_NOT_INT), (INT, "9" * 5000, params.E_NOT_INT),
    (INT, "0", params.E_TOO_SMALL), (INT, "-3", params.E_TOO_SMALL), (INT, "201", params.E_TOO_LARGE),
    (FLOAT, "nan", params.E_NOT_FINITE), (FLOAT, "-Infinity", params.E_NOT_FINITE), (FLOAT, "inf", params.E_NOT_FINITE),
    (FLOAT, "1e309", params.E_NOT_FINITE), (FLOAT, "-1e309", params.E_NOT_FINITE),
    (FLOAT, "0x10", params.E_NOT_NUMBER), (FLOAT, "1,5", params.E_NOT_NUMBER), (FLOAT, "٠.٥", params.E_NOT_NUMBER),
    (FLOAT, "1e-400", params.E_TOO_SMALL), (FLOAT, "10.000001", params.E_TOO_LARGE),
    (FLOATS, "0.1, 0.2, 0.3, 0.4", params.E_TOO_MANY), (FLOATS, "0.1, nan", params.E_NOT_FINITE),
    (FLOATS, "[]", params.E_EMPTY), (FLOATS, ", ,", params.E_EMPTY), (FLOATS, "0.1, 20", params.E_TOO_LARGE),
    (CHOICE, "rmsprop", params.E_NOT_CHOICE), (BOOL, "maybe", params.E_NOT_BOOL),
])
def test_invalid_text(spec, text, template):
    with pytest.raises(ParamError) as caught:
        parse_value(spec, text)
    assert caught.value.template == template
    assert "\n" not in str(caught.value)


def test_error_is_an_english_template_the_ui_can_translate():
    with pytest.raises(ParamError) as caught:
        parse_value(INT, "500")
    error = caught.value
    assert str(error) == "steps must be at most 200, not 500"
    assert str(error) == error.template.format(**error.arguments)
    translated = {error.template: "{name} 不能大于 {max}(输入 {text})"}
    assert error.message(lambda m: translated.get(m, m)) == "steps 不能大于 200(输入 500)"


def test_every_template_is_extracted_by_babel():
    # The UI translates these: Babel must see each one, so each must be a
    # literal N_() call at module level.
    path = Path(params.__file__)
    extracted = {message for _, message, _, _ in extract_from_file("python", str(path))}
    templates = {value for name, value in vars(params).items() if name.startswith("E_")}
    assert templates and templates <= extracted


@settings(max_examples=300, deadline=None)
@given(spec=st.sampled_from(SPECS), text=st.text(max_size=30))
def test_any_text_gives_a_valid_value_or_a_param_error(spec, text):
    try:
        value = parse_value(spec, text)
    except ParamError as error:
        str(error)
        return
    assert params.check_value(spec, value) == value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0001, max_value=10), min_size=1, max_size=3))
def test_formatted_values_parse_back(values):
    assert parse_value(FLOATS, params.format_value(FLOATS, values)) == values
    assert parse_value(FLOAT, params.format_value(FLOAT, values[0])) == values[0]


def test_json_values_are_checked_too():
    assert params.check_value(FLOAT, 1) == 1.0
    for spec, bad in ((INT, True), (INT, 1.0), (FLOAT, "1"), (FLOAT, math.nan), (FLOATS, [0.1, math.inf]),
                      (FLOATS, 0.1), (BOOL, 1), (CHOICE, "SGD"), (FLOAT, 10**400)):
        with pytest.raises(ParamError):
            params.check_value(spec, bad)


# --- lesson front matter and defaults ----------------------------------------


def test_defaults_come_from_the_literals_in_the_code():
    demo = lesson("lr = 1e-4  # small\nsteps = 20\nprint(lr)", "lrs = (0.1, 1)\nopt = 'adam'",
                  params={"lr": {"type": "float", "min": 0, "max": 1}, "steps": {"type": "int", "min": 1},
                          "lrs": {"type": "floats"}, "opt": {"type": "choice", "choices": ["sgd", "adam"]}})
    assert defaults(demo) == {"lr": 0.0001, "steps": 20, "lrs": [0.1, 1.0], "opt": "adam"}


@pytest.mark.parametrize("blocks, spec, fragment", [
    (("print(1)",), {"type": "int"}, "no demo assigns it"),
    (("steps = 3", "steps = 4"), {"type": "int"}, "2 times"),
    (("steps = 3 + 1",), {"type": "int"}, "not a literal"),
    (("def f():\n    steps = 3",), {"type": "int"}, "no demo assigns it"),
    (("steps = 300",), {"type": "int", "max": 200}, "does not fit"),
    (("steps = 0.5",), {"type": "int"}, "does not fit"),
    (("steps = 3",), {"type": "integer"}, "type must be"),
    (("steps = 3",), {"type": "int", "min": 5, "max": 1}, "min is greater"),
    (("steps = 3",), {"type": "int", "mx": 5}, "unknown keys"),
    (("steps = 3",), {"type": "choice"}, "choices"),
    (("steps = 3",), {"type": "int", "max_items": 3}, "max_items"),
])
def test_lesson_mistakes_are_reported(blocks, spec, fragment):
    with pytest.raises(LessonError, match=fragment):
        defaults(lesson(*blocks, params={"steps": spec}))


def test_norun_listings_do_not_declare_defaults():
    source = lesson_source("print(1)", params={"steps": {"type": "int"}}) + "\n```python norun\nsteps = 3\n```\n"
    with pytest.raises(LessonError, match="no demo assigns it"):
        defaults(parse_lesson(source))


# --- substitution --------------------------------------------------------------

CODE = '''import torch

note = "学习率 lr"; lr = 0.1  # 步长 (the step size) lr = 0.1
lrs = [
    1e-4,   # the "common" rate
    0.5,
]
opt = "adam"
pair = (1, 2)
device = "cpu"
if True:
    lr = 0.2  # indented: not a declaration
model.lr = 3
print(lr, lrs)  # lr = 0.1 stays in this comment
'''


def changed_region(before: str, after: str) -> tuple[int, int, int]:
    """(start, end in before, end in after) of the one differing stretch."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return start, end_b, end_a


def test_only_the_literal_changes():
    after = substituted_code(CODE, {"lr": 0.25})
    start, end_before, end_after = changed_region(CODE, after)
    assert CODE[start:end_before] == "1" and after[start:end_after] == "25"
    line = after.splitlines()[2]
    assert line == 'note = "学习率 lr"; lr = 0.25  # 步长 (the step size) lr = 0.1'


def test_equal_values_keep_the_authors_spelling():
    assert substituted_code(CODE, {"lr": 0.1, "lrs": [0.0001, 0.5], "opt": "adam", "pair": [1, 2]}) == CODE


def test_shapes_and_quotes_follow_the_literal():
    after = substituted_code(CODE, {"lrs": [0.3], "opt": "sgd", "pair": [3, 4], "device": "cuda"})
    assert "lrs = [0.3]\nopt" in after
    assert 'opt = "sgd"' in after and "pair = (3, 4)" in after and 'device = "cuda"' in after
    assert "    lr = 0.2  # indented" in after and "model.lr = 3" in after


def test_the_device_must_be_a_string_literal_to_be_replaced():
    code = 'device = "cuda" if cond else "cpu"\nx = 1\n'
    assert substituted_code(code, {"device": "cpu"}) == code


def test_code_that_does_not_parse_is_returned_unchanged():
    code = "lr = 0.1\nprint(lr\n"
    assert substituted_code(code, {"lr": 0.5}) == code


@settings(max_examples=200, deadline=None)
@given(lr=st.floats(allow_nan=False, allow_infinity=False),
       lrs=st.lists(st.floats(min_value=1e-6, max_value=1e6), max_size=6),
       opt=st.text(max_size=12))
def test_substituted_values_read_back_and_nothing_else_moves(lr, lrs, opt):
    after = substituted_code(CODE, {"lr": lr, "lrs": lrs, "opt": opt})
    tree = ast.parse(after)
    assigned = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ("lr", "lrs", "opt")}
    assert assigned == {"lr": lr, "lrs": lrs, "opt": opt}
    kept = [line for line in CODE.splitlines() if "lr = 0.1;" not in line and not line.startswith(("note", "opt"))]
    assert after.endswith("\n".join(kept[-6:]) + "\n")
    assert after.startswith("import torch\n\nnote = \"学习率 lr\"; lr = ")
    assert after.splitlines()[2].endswith("  # 步长 (the step size) lr = 0.1")
