"""Bad input, property-based: every command-line flag and `--set NAME=VALUE`,
every lesson's parameters, and the what-if form.

Pass: the command line answers with a short message and exit status 2, never
a traceback; the form shows the error under its field and stays open; and
no value outside a parameter's bounds ever reaches the code that allocates
(the demo runner), so no one can ask for a 10⁹-wide layer. The parameters'
own bounds are checked to be tight enough that the heaviest settings still
run in seconds and a few hundred MB (that one runs with `make test-slow`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessons.course import catalog
from lessons import labs
from lessons.demos import params
from lessons.course.i18n import translations
from tui import cli

LESSONS_WITH_PARAMS = [lesson for lesson in catalog.load_all() if lesson.params]
SPECS = [(lesson.id, spec) for lesson in LESSONS_WITH_PARAMS for spec in params.param_specs(lesson).values()]
PARAM_NAMES = sorted({spec.name for _, spec in SPECS})

#: Text a learner (or a script) passes where a number, a name or an id belongs.
NASTY = [
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "0", "-0", "-1", "1",
    "2", "10", "1e9", "99999999999999999999999", "9" * 80, "1_000", "0x10", "1,5", "[1, 2]", "(1)", "1 2 3",
    ",,,", "٣", "１２", "²", "中文", "学习率", "😀", "é", "\t", "\n", "--", "-", "=", "a=b=c", "--set", "--json",
    "8.2", "8.hw1", "9.9", "8.", "../x", "/", ".", "true", "adam", "ADAM", "cuda:99", "mps", "\x1b[2J",
]


def argv_text() -> st.SearchStrategy[str]:
    """Text as a real argv holds it: no NUL, and undecodable bytes as surrogate escapes."""
    raw = st.binary(max_size=12).filter(lambda b: b"\0" not in b).map(os.fsdecode)
    printable = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12)
    numbers = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)).map(repr)
    return st.one_of(st.sampled_from(NASTY), printable, raw, numbers)


TEXT = argv_text()
LESSON_ID = st.one_of(st.sampled_from(catalog.LESSON_IDS), TEXT)
SETTING = st.one_of(
    st.tuples(st.sampled_from(PARAM_NAMES), TEXT).map("=".join),
    st.tuples(TEXT, TEXT).map("=".join),
    TEXT,
)


@st.composite
def command_lines(draw) -> list[str]:
    argv: list[str] = []
    for flag in draw(st.lists(st.sampled_from(["--lang", "--lesson", "--device", "--no-mouse", "--version",
                                                "--help", None]), max_size=3)):
        if flag in ("--no-mouse", "--version", "--help"):
            argv.append(flag)
        elif flag is not None:
            argv += [flag, draw(st.one_of(st.sampled_from(["en", "zh", "cpu", "auto", "8.3"]), TEXT))]
    command = draw(st.sampled_from(["", "list", "show", "run", "check", "serve", "junk"]))
    if command == "junk":
        argv.append(draw(TEXT))
    elif command:
        argv.append(command)
    if command in ("show", "run", "check"):
        argv.append(draw(LESSON_ID))
    if command == "run":
        for setting in draw(st.lists(SETTING, max_size=4)):
            argv += ["--set", setting] if draw(st.booleans()) else [f"--set={setting}"]
        if draw(st.booleans()):
            argv.append("--json")
    if command == "check" and draw(st.booleans()):
        argv.append(draw(TEXT))
    if command == "serve":
        for flag in draw(st.lists(st.sampled_from(["--host", "--port", "--token", "--max-sessions", "--idle-timeout"]),
                                  max_size=3)):
            argv += [flag, draw(TEXT)]
    if command and draw(st.booleans()):
        argv += [draw(st.sampled_from(["--lang", "--device"])), draw(TEXT)]
    if draw(st.integers(0, 9)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(TEXT))  # a stray word anywhere
    return argv


class Stubs:
    """What the commands would start, replaced: these tests are about the input."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, dict]] = []

    def run_lesson(self, lesson, values, device, emit, **kwargs):
        # Everything that reaches the runner must already be within bounds.
        for name, value in (values or {}).items():
            spec = params.param_specs(lesson)[name]
            assert params.check_value(spec, value) == value, (name, value)
        self.runs.append((lesson.id, dict(values or {})))
        emit({"event": "done", "status": "ok", "seconds": 0.0})
        return "ok"

    @staticmethod
    def run_sandboxed(lab_id, code, emit, **kwargs):
        emit({"event": "check", "passed": True, "findings": []})
        return "ok"

    @staticmethod
    def serve(*args, **kwargs):
        return 0

    @staticmethod
    def resolve_device(name: str) -> str:
        from lessons.demos import runner

        if name not in ("auto", "cpu"):
            raise runner.DeviceError(runner.E_NO_DEVICE, device=name)
        return "cpu"


@pytest.fixture
def stubs(monkeypatch, tmp_path):
    from lessons.labs import sandbox as lab_sandbox
    from lessons.demos import runner
    from tui import serve

    fake = Stubs()
    monkeypatch.setattr(runner, "run_lesson", fake.run_lesson)
    monkeypatch.setattr(runner, "resolve_device", fake.resolve_device)
    monkeypatch.setattr(lab_sandbox, "run_sandboxed", fake.run_sandboxed)
    monkeypatch.setattr(serve, "serve", fake.serve)
    monkeypatch.chdir(tmp_path)
    return fake


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue(), err.getvalue()


def assert_clear_answer(argv: list[str], code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err, (argv, err)
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert lines, (argv, "exit status 2 without a word")
        hint = cli._(cli.MSG_NOT_A_TERMINAL)  # noqa: SLF001  (the TUI's answer when stdin is not a terminal)
        assert len(lines) <= 2 or err.strip() == hint.strip(), (argv, err)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_command_line_gets_a_clear_answer(stubs, argv):
    code, out, err = run_cli(argv)
    assert_clear_answer(argv, code, out, err)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lesson=st.sampled_from(LESSONS_WITH_PARAMS), settings_=st.lists(SETTING, min_size=1, max_size=3),
       lang=st.sampled_from(["en", "zh"]))
def test_set_values_are_checked_before_anything_runs(stubs, lesson, settings_, lang):
    """`run ID --set …`: either every value is valid (and in bounds when the runner
    gets it), or a one-line message in the learner's language and nothing ran."""
    argv = ["--lang", lang, "run", lesson.id] + [f"--set={setting}" for setting in settings_]
    before = len(stubs.runs)
    code, out, err = run_cli(argv)
    assert_clear_answer(argv, code, out, err)
    if code == 2:
        assert len(stubs.runs) == before, "a refused --set must run nothing"


@pytest.mark.parametrize("argv", [
    ["run", "8.5", "--set", "hidden=1000000000"],  # a 10⁹-wide layer
    ["run", "8.5", "--set", "n_train=1e9"],
    ["run", "8.3", "--set", "steps=-5"],
    ["run", "8.3", "--set", "steps=0"],
    ["run", "8.3", "--set", "lrs=" + ",".join(["0.1"] * 1000)],
    ["run", "8.2", "--set", "learning_rate=nan"],
    ["run", "8.2", "--set", "learning_rate=1e309"],
    ["run", "8.2", "--set", "steps=１０"],
    ["run", "8.2", "--set", "="],
    ["run", "8.2", "--set", ""],
    ["serve", "--port", "٣"],  # str.isdigit() says yes; not a port a learner meant
    ["serve", "--port", "²"],
    ["serve", "--port", "0"],
    # `--opt=--`: argparse (3.11) handed these options an unchecked empty list
    ["run", "8.1", "--set=--"],
    ["--lang=--", "list"],
    ["--lesson=--", "list"],
    ["--device=--", "list"],
    ["run", "8.2", "--device=--"],
    ["serve", "--port=--"],
])
def test_known_bad_values_are_refused(stubs, argv):
    code, out, err = run_cli(argv)
    assert code == 2 and not stubs.runs, (argv, code, err)
    assert_clear_answer(argv, code, out, err)


def test_undecodable_bytes_on_a_real_command_line():
    """What a shell passes when a learner pastes Latin-1 or binary: bytes, not text."""
    environ = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LANGUAGE", "LC_MESSAGES")}
    for argv in ([b"show", b"\xff\xfe"], [b"run", b"8.2", b"--set", b"steps=\xe9"], [b"--lang", b"\xff", b"list"],
                 [b"run", b"8.2", b"--set", b"\xffname=1"]):
        result = subprocess.run([os.fsencode(sys.executable), b"-m", b"tui", *argv], capture_output=True,
                                env=environ, timeout=60)
        stderr = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2 and "Traceback" not in stderr and stderr.strip(), (argv, stderr)


# -- every lesson's parameters ------------------------------------------------------


@pytest.mark.parametrize("lesson_id,spec", SPECS, ids=[f"{lid}:{spec.name}" for lid, spec in SPECS])
def test_every_number_parameter_is_bounded(lesson_id, spec):
    """No parameter can ask for an unbounded size or count."""
    if spec.type in ("int", "float", "floats"):
        assert spec.min is not None and spec.max is not None, (lesson_id, spec)
    if spec.type == "floats":
        assert spec.max_items is not None and spec.max_items <= 10, (lesson_id, spec)


ZH = translations("zh", "tui").gettext


@settings(max_examples=500, deadline=None)
@given(case=st.sampled_from(SPECS), text=TEXT)
def test_any_text_for_any_lesson_parameter(case, text):
    """A value within the lesson's bounds, or one line that says why, in both languages."""
    lesson_id, spec = case
    try:
        value = params.parse_value(spec, text)
    except params.ParamError as problem:
        for gettext in (None, ZH):
            message = problem.message(gettext)
            assert message and "\n" not in message and len(message) < 200, message
        return
    assert params.check_value(spec, value) == value
    numbers = value if spec.type == "floats" else [value] if spec.type in ("int", "float") else []
    assert all(spec.min <= number <= spec.max for number in numbers), (lesson_id, spec.name, value)


# -- the heaviest settings ------------------------------------------------------------

#: Generous: the corner must run in seconds, not minutes, and in hundreds of MB.
CORNER_CPU_SECONDS = 45
CORNER_MEMORY_MB = 1500

CORNER = """
import json, resource, sys, time
from lessons.course import catalog
from lessons.demos import params, runner
lesson = catalog.load(sys.argv[1])
values = json.loads(sys.argv[2])
status = runner.run_lesson(lesson, values, "cpu", lambda event: None)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"status": status, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss // 1024}))
"""


def corner(lesson, high: bool) -> dict:
    """Every parameter at its largest (or smallest) value."""
    values = {}
    for name, spec in params.param_specs(lesson).items():
        bound = spec.max if high else spec.min
        if spec.type == "int":
            values[name] = int(bound)
        elif spec.type == "float":
            values[name] = float(bound)
        elif spec.type == "floats":
            values[name] = [float(bound)] * spec.max_items
        elif spec.type == "choice":
            values[name] = spec.choices[-1 if high else 0]
        else:
            values[name] = high
    return values


@pytest.mark.slow
@pytest.mark.parametrize("high", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("lesson", LESSONS_WITH_PARAMS, ids=lambda lesson: lesson.id)
def test_the_extreme_settings_run_in_seconds_and_modest_memory(lesson, high):
    values = corner(lesson, high)
    result = subprocess.run([sys.executable, "-c", CORNER, lesson.id, json.dumps(values)], capture_output=True,
                            text=True, timeout=600, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.splitlines()[-1])
    assert measured["status"] == "ok", (values, result.stderr[-2000:])
    assert measured["cpu"] < CORNER_CPU_SECONDS, (lesson.id, values, measured)
    assert measured["rss_mb"] < CORNER_MEMORY_MB, (lesson.id, values, measured)


# -- the what-if form -------------------------------------------------------------------

#: A lab's page has no what-if form: the learner edits the code itself.
FORM_LESSONS = [lesson for lesson in LESSONS_WITH_PARAMS if not labs.is_lab(lesson.id)]
#: Besides NASTY: markup, which the error message quotes back.
FORM_TEXT = NASTY + ["[/]", "[/b]", "[b]x", "[red]1", "0.1, [/]", "  7  ", "1e-3", "+2"]


def field_values(lesson, rng, per_field: int | None):
    for name in params.param_specs(lesson):
        chosen = FORM_TEXT if per_field is None else rng.sample(FORM_TEXT, per_field) + ["[/]"]
        for text in chosen:
            yield name, text


async def try_form(lesson, lang: str, per_field: int | None, seed: int, monkeypatch) -> int:
    """Type each value into its field of the open form and press enter: the
    form either applies values within bounds, or stays open with the error
    shown under the field. Returns how many values were tried."""
    import random

    from textual.widgets import Input, Static

    from tests.test_app import make_app
    from tui.controllers.demo_runs import DemoRuns
    from tui.dialogs.params import ParamsDialog

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)  # no demo runs here: no PyTorch
    app = make_app(lesson=lesson.id, lang=lang)
    specs = params.param_specs(lesson)
    tried = 0
    async with app.run_test(size=(80, 24)) as pilot:
        for name, text in field_values(lesson, random.Random(seed), per_field):
            if not isinstance(app.screen, ParamsDialog):
                await pilot.press("e")
                await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ParamsDialog), app.screen_stack
            await pilot.press("ctrl+r")  # every field back to the lesson's own value
            dialog.query_one(f"#param-{name}", Input).value = text
            dialog.query(Input).first().focus()  # enter pressed in another field: the error must still show
            await pilot.press("enter")
            await pilot.pause()
            tried += 1
            assert app._exception is None, (lesson.id, name, text)  # noqa: SLF001
            try:
                expected = params.parse_value(specs[name], text)
            except params.ParamError as problem:
                assert app.screen is dialog, (lesson.id, name, text, "a bad value was applied")
                error = dialog.query_one(f"#error-{name}", Static)
                assert str(error.render()).strip() == problem.message(cli._).strip(), (name, text)
                field = dialog.query_one(f"#param-{name}", Input)
                assert app.focused is field, (lesson.id, name, text, "the field in error has not the focus")
                for widget in (field, error):
                    assert widget.region and app.screen.region.contains_region(widget.region), (
                        lesson.id, name, text, "the field or its error is not on screen")
            else:
                assert app.screen is not dialog, (lesson.id, name, text, "a good value was refused")
                assert app.demos.values[lesson.id][name] == expected
        await pilot.press("escape", "q")
    return tried


@pytest.mark.parametrize("lesson", FORM_LESSONS, ids=lambda lesson: lesson.id)
async def test_what_if_form_refuses_bad_values_inline(lesson, monkeypatch):
    index = FORM_LESSONS.index(lesson)
    await try_form(lesson, ("en", "zh")[index % 2], per_field=1, seed=index, monkeypatch=monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lesson", FORM_LESSONS, ids=lambda lesson: lesson.id)
async def test_what_if_form_every_bad_value(lesson, lang, monkeypatch):
    await try_form(lesson, lang, per_field=None, seed=0, monkeypatch=monkeypatch)


# -- learner text shown back: text, never markup ------------------------------------------


async def test_glossary_filter_with_markup(monkeypatch):
    """A filter like "[/]" ended the app (MarkupError) when no term matched."""
    from textual.widgets import Input

    from tests.test_app import make_app, visible_text
    from tui.controllers.demo_runs import DemoRuns

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        for text in ("[/]", "[/b]", "[b]x"):
            app.screen.query_one(Input).value = text
            await pilot.pause()
            assert app._exception is None and f"“{text}”" in visible_text(app)  # noqa: SLF001
        await pilot.press("escape", "q")


async def test_export_into_a_folder_whose_path_looks_like_markup(tmp_path, monkeypatch):
    """The notification quotes the path: "…/a[/b]/…" ended the app (MarkupError)."""
    from tests.test_app import make_app
    from tui.controllers.demo_runs import DemoRuns

    monkeypatch.setattr(DemoRuns, "start_soon", lambda self: None)
    folder = tmp_path / "a[" / "b]"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    app = make_app(lesson="8.2")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("x")
        await pilot.pause(0.3)
        assert app._exception is None  # noqa: SLF001
        toasts = " ".join(str(toast.render()) for toast in app.screen.query("Toast"))
        assert "a[/b]" in toasts, toasts
        await pilot.press("q")
    assert (folder / "gradtour_8_2.py").exists()


def test_a_parameter_hint_joins_its_parts_with_the_learner_s_punctuation():
    """Regression: the what-if dialog's hint joined its parts with an English
    "; " in Chinese too ("取值 1e-05 到 10; 最多 6 个值")."""
    from lessons.demos.params import ParamSpec
    from tui.dialogs.params import hint
    from tui.i18n import current_language, set_language

    spec = ParamSpec(name="lrs", type="floats", min=1e-05, max=10, max_items=6)
    before = current_language()
    try:
        set_language("zh")
        assert hint(spec) == "取值 1e-05 到 10；最多 6 个值，用逗号分隔"
        set_language("en")
        assert hint(spec) == "from 1e-05 to 10; up to 6 values, separated by commas"
    finally:
        set_language(before)
