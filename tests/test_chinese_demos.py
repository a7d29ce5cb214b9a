"""In Chinese the demos print Chinese: the code run is the code shown, whose
prose string literals come from the catalog like its comments (FORMAT.md).

Each lesson runs here in both languages (CPU, default parameters): the
Chinese run prints the numbers the lesson quotes, on the same lines as the
English run, and no English word that is not code.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize

import pytest

from lessons.course import catalog
from lessons.course.catalog import LessonError, code_strings, translate_code
from lessons.demos.export import export_script
from lessons.course.i18n import translations
from lessons.demos.runner import run_lesson

WITH_DEMOS = [lesson.id for lesson in catalog.load_all() if lesson.demos]
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: Words Python itself prints (booleans, non-finite floats), and the names of
#: the language and its number types.
PYTHON_WORDS = {"true", "false", "nan", "inf", "none", "python", "float32", "float64"}


def zh_gettext():
    return translations("zh", "lessons").gettext


@functools.cache
def run(lesson_id: str, lang: str) -> tuple[list[str], list[dict]]:
    events: list[dict] = []
    gettext = zh_gettext() if lang == "zh" else None
    status = run_lesson(catalog.load(lesson_id), None, "cpu", events.append, gettext=gettext)
    assert status == "ok", [e for e in events if e["event"] == "error"]
    return [e["text"] for e in events if e["event"] == "out"], events


def code_names(lesson: catalog.Lesson) -> set[str]:
    """Every name in the lesson's code (variables, API, keyword arguments), lower-cased."""
    names = set()
    for block in lesson.blocks:
        if block.kind == "code":
            for tok in tokenize.generate_tokens(io.StringIO(block.text).readline):
                if tok.type == tokenize.NAME:
                    names.add(tok.string.lower())
    return names


@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_chinese_run_prints_no_english_prose(lesson_id):
    lesson = catalog.load(lesson_id)
    lines, events = run(lesson_id, "zh")
    # A curve's key (printed as a row's name) is shown translated in the legend;
    # a key of several words ("tanh, default") allows each of them.
    series = {word.lower() for e in events if e["event"] in ("points", "diverged")
              for word in WORD.findall(str(e["series"]))}
    allowed = code_names(lesson) | series | PYTHON_WORDS | {w.lower() for w in catalog.CODE_WORDS}
    english = [(line, word) for line in lines for word in WORD.findall(line)
               if len(word) > 1 and word.lower() not in allowed]
    assert not english


@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_chinese_run_prints_the_quoted_numbers_on_the_same_lines(lesson_id):
    """Number-only: each line an English claim quotes holds the same numbers in
    Chinese (a translation may move a field, never lose or change one)."""
    en, _ = run(lesson_id, "en")
    zh, _ = run(lesson_id, "zh")
    assert len(zh) == len(en)
    text = "\n".join(en)
    for claim in catalog.load(lesson_id).claims:
        # The claim's own pattern finds its line, `...` and `{}` included.
        found = claim.pattern().search(text)
        if found is None:
            continue  # tests/test_claims.py reports a claim the English run does not print
        first = text.count("\n", 0, found.start())
        span = slice(first, first + found.group().count("\n") + 1)
        assert sorted(NUMBER.findall("\n".join(zh[span]))) == sorted(NUMBER.findall("\n".join(en[span]))), \
            claim.output


def fields(text: str) -> list[str]:
    """The `{…}` replacement fields of an f-string body, `{{` escapes skipped."""
    found, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if depth == 0 and text[i:i + 2] in ("{{", "}}"):
            i += 2
            continue
        if text[i] == "{":
            depth += 1
            start = start if depth > 1 else i
        elif text[i] == "}" and depth:
            depth -= 1
            if not depth:
                found.append(text[start:i + 1])
        i += 1
    return sorted(found)


def test_translated_strings_keep_their_fields_and_the_code_compiles():
    gettext = zh_gettext()
    for lesson in catalog.load_all():
        for block in lesson.blocks:
            if block.kind != "code":
                continue
            for _start, _end, text in code_strings(block.text, block.string_choices):
                translated = gettext(text)
                assert translated != text, (lesson.id, text)
                assert fields(translated) == fields(text), (lesson.id, text)
                assert "\\" not in translated.replace("\\n", ""), (lesson.id, translated)
            compile(block.localized(gettext), f"{lesson.id}:{block.line}", "exec")


@pytest.mark.parametrize("code, expected", [
    # f-string labels, whole, with their fields; a continuation line on its own
    ('print(f"highest w: {w:.4f}", f"and {x} more")\n', ["highest w: {w:.4f}", "and {x} more"]),
    # keys, devices, reductions, API names and symbols are code
    ('d = {"loss": 1}\nt.to("cpu")\nF.mse_loss(a, b, reduction="sum")\nprint("SGD", f"lr={lr}", "Adam ")\n', []),
    # an escape is no word; a word with an underscore is a name
    ('print(f"\\n{x}", f"train_acc={a}", f"\\nFinal w: {w}")\n', ["\\nFinal w: {w}"]),
    ('s = b"bytes are data"\n', []),
    # a word with a digit is a coordinate's name (the landscape's w1, w2)
    ('print(f"w2 = {w[1]:.2f}", f"after 20 steps w1 = {a}")\n', ["after 20 steps w1 = {a}"]),
])
def test_prose_literals_are_found(code, expected):
    assert [text for _s, _e, text in code_strings(code)] == expected


def test_front_matter_chooses_for_a_literal():
    code = 'def f(x):\n    return "diverges" if x else "small talk"\n'
    choices = (frozenset({"diverges"}), frozenset({"small talk"}))
    assert [text for _s, _e, text in code_strings(code, choices)] == ["diverges"]
    table = {"diverges": "发散"}
    assert translate_code(code, lambda t: table.get(t, t), choices) == code.replace('"diverges"', '"发散"')
    with pytest.raises(LessonError, match="code_strings"):
        catalog.parse_lesson('---\nid: "8.1"\ntitle: t\ncode_strings: {drop: ["x"]}\n---\n', "t.md")


def test_chinese_code_is_shown_exported_and_run_alike():
    """The app's code view, `x` and the run use one translated text."""
    gettext = zh_gettext()
    lesson = catalog.load("8.4")
    shown = "\n".join(block.localized(gettext) for block in lesson.demos)
    script = export_script(lesson, None, gettext)
    assert "w 的最大值：{highest:.4f}" in shown and "w 的最大值：{highest:.4f}" in script
    assert "w 的最大值：8.5449" in run("8.4", "zh")[0]


def test_the_chinese_export_prints_what_the_chinese_run_printed(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "gradtour_8_1.py"
    script.write_text(export_script(catalog.load("8.1"), None, zh_gettext()), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == run("8.1", "zh")[0]


def test_after_a_switch_a_finished_run_says_which_language_it_printed_in():
    """The run's output stays as it was printed (switching keeps a finished
    demo); the status line, in the new language, says why and what r does."""
    from tui.widgets.demo_pane import ST_DONE, RunRecord
    from tui.i18n import set_language

    record = RunRecord.for_lesson(catalog.load("8.1"))
    record.status = ("done", ST_DONE, {"seconds": 0.6, "device": "cpu"})
    record.lang = "zh"
    set_language("zh")
    assert record.status_text().plain == "完成，用时 0.6 秒（cpu）"
    set_language("en")
    assert record.status_text().plain == "done in 0.6 s on cpu · printed in Chinese: r reruns it in English"
    record.lang = "en"
    set_language("zh")
    assert record.status_text().plain.endswith("· 输出是英文的：按 r 用中文重新运行")
    record.running = True
    assert "英文" not in record.status_text().plain


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in catalog.load_all() if lesson.results])
def test_a_chinese_run_keeps_the_same_result_lines_in_sight(lesson_id):
    """The result strip (tui/widgets/demo_pane.py) picks the lines of a Chinese run
    that it picks of the English one: the markers are English, the Chinese
    labels come from the catalog."""
    from tui.widgets.demo_pane import RunRecord

    picked = {}
    for lang in ("en", "zh"):
        record = RunRecord.for_lesson(catalog.load(lesson_id))
        record.lang = lang
        picked[lang] = [i for i, line in enumerate(run(lesson_id, lang)[0]) if record.note_result(line)]
    assert picked["en"] and picked["zh"] == picked["en"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lesson_id", WITH_DEMOS)
def test_a_run_never_prints_none_for_a_value_that_never_came(lesson_id, lang):
    """8.4's Rosenbrock race said "from step None" (zh "从第 None 步起") for an
    optimizer that never got within 0.1: what never happened is said in words."""
    lines, _ = run(lesson_id, lang)
    assert not [line for line in lines if re.search(r"\bNone\b", line)]
