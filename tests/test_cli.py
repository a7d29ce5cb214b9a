"""The command line, run as a learner would run it."""

from __future__ import annotations

import re

import pytest

from lessons.course import catalog
from tests.helpers import CJK, ESCAPE, chinese_ratio, gradtour
from tui import __version__


def test_version():
    result = gradtour("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"gradtour {__version__}"


def test_list_in_english():
    result = gradtour("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == list(catalog.LESSON_IDS)
    assert not CJK.search(result.stdout)


def test_list_in_chinese():
    result = gradtour("list", "--lang", "zh")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        assert CJK.search(line.split("\t")[1]), line


def test_language_from_environment_applies_to_commands():
    assert CJK.search(gradtour("list", env={"LANG": "zh_CN.UTF-8"}).stdout)
    assert not CJK.search(gradtour("list", env={"LANG": "C"}).stdout)


@pytest.mark.parametrize("lesson_id", catalog.LESSON_IDS)
def test_show_in_english_has_no_chinese(lesson_id):
    result = gradtour("show", lesson_id, "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert not CJK.search(result.stdout), CJK.search(result.stdout)
    assert not ESCAPE.search(result.stdout), "escape codes in piped output"
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


@pytest.mark.parametrize("lesson_id", catalog.LESSON_IDS)
def test_show_in_chinese_is_chinese_prose(lesson_id):
    result = gradtour("show", lesson_id, "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert not ESCAPE.search(result.stdout)
    lesson = catalog.load(lesson_id)
    code = {line.strip() for block in lesson.blocks if block.kind in ("code", "sketch")
            for line in block.text.splitlines()}
    # Prose only: leave out code lines (their comments are checked elsewhere).
    prose = "\n".join(line for line in result.stdout.splitlines() if line.strip() not in code)
    assert chinese_ratio(prose) > 0.5, prose[:400]


def test_show_every_block_of_the_lesson():
    """Every paragraph, list item, table cell and code line of 8.1 is in `show`."""
    out = gradtour("show", "8.1", "--lang", "en").stdout
    flat = re.sub(r"\s+", " ", out)
    for block in catalog.load("8.1").blocks:
        if block.kind == "code":
            for line in block.text.splitlines():
                assert line.strip() in out, line
        elif block.kind == "paragraph":
            words = re.sub(r"[`*]", "", block.text).split()
            assert " ".join(words[:6]) in flat, block.text[:60]


def test_unknown_lesson_is_a_usage_error_in_the_learners_language():
    en = gradtour("show", "9.9")
    assert en.returncode == 2
    assert "unknown lesson '9.9'" in en.stderr and "Traceback" not in en.stderr
    assert len(en.stderr.strip().splitlines()) == 1
    zh = gradtour("show", "9.9", "--lang", "zh")
    assert zh.returncode == 2 and CJK.search(zh.stderr) and "Traceback" not in zh.stderr


def test_unknown_language_is_reported_in_english():
    result = gradtour("--lang", "xx", "list", env={"LANG": "zh_CN.UTF-8"})
    assert result.returncode == 2
    assert "invalid choice: 'xx'" in result.stderr and not CJK.search(result.stderr)


def test_unknown_flag_exits_2_in_chinese():
    result = gradtour("--frobnicate", env={"LANG": "zh_CN.UTF-8"})
    assert result.returncode == 2 and CJK.search(result.stderr) and "--frobnicate" in result.stderr


def test_help_is_translated():
    assert "show this help message" in gradtour("--help").stdout
    zh = gradtour("--help", "--lang", "zh").stdout
    assert CJK.search(zh) and "show this help message" not in zh


def test_without_a_terminal_a_hint_is_printed():
    result = gradtour(input="")
    assert result.returncode == 2
    assert "gradtour show 8.1" in result.stderr and "\x1b" not in result.stderr + result.stdout


def test_damaged_state_file_is_reported_and_kept(tmp_path):
    state_home = tmp_path / "xdg_state_home"
    (state_home / "gradtour").mkdir(parents=True)
    (state_home / "gradtour" / "state.json").write_text("{oops")
    result = gradtour("list", env={"XDG_STATE_HOME": str(state_home)})
    assert result.returncode == 0
    assert "damaged" in result.stderr
    kept = list((state_home / "gradtour").glob("state.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{oops"


def test_saved_language_is_used_by_commands(tmp_path):
    state_home = tmp_path / "xdg_state_home"
    (state_home / "gradtour").mkdir(parents=True)
    (state_home / "gradtour" / "state.json").write_text('{"lang": "zh", "lesson": "8.3"}')
    result = gradtour("list", env={"XDG_STATE_HOME": str(state_home), "LANG": "C"})
    assert CJK.search(result.stdout)
