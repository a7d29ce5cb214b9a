"""Which language a learner gets: flag, then saved choice, then environment."""

from __future__ import annotations

import pytest

from lessons.course.i18n import language_from_environment, normalize, usable_language
from tui.cli import choose_language


@pytest.mark.parametrize("value, expected", [
    ("zh_CN.UTF-8", "zh"), ("zh_TW", "zh"), ("zh", "zh"), ("zh-Hans", "zh"),
    ("en_US.UTF-8", "en"), ("en", "en"), ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"),
    ("fr_FR.UTF-8", None), ("", None), (None, None),
])
def test_normalize(value, expected):
    assert normalize(value) == expected


@pytest.mark.parametrize("env, expected", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_CN:en", "LC_ALL": "en_US.UTF-8"}, "zh"),
    ({"GRADTOUR_LANG": "en", "LANGUAGE": "zh_CN"}, "en"),
    ({"GRADTOUR_LANG": "zh", "LANG": "C"}, "zh"),
    ({"GRADTOUR_LANG": "klingon", "LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),
])
def test_environment_precedence(env, expected):
    assert language_from_environment(env) == expected


def test_flag_beats_saved_choice_beats_environment(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert choose_language("en", "zh") == "en"
    assert choose_language(None, "en") == "en"
    assert choose_language(None, None) == "zh"


def test_unknown_flag_language_falls_back_to_english(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert choose_language("xx", "zh") == "en"


def test_missing_catalog_falls_back_to_english_with_a_reason(monkeypatch, tmp_path):
    from lessons.course import i18n

    monkeypatch.setattr(i18n, "locale_dir", lambda: str(tmp_path))
    i18n.clear_cache()
    lang, problem = usable_language("zh")
    assert lang == "en" and "lessons.mo" in problem


@pytest.mark.parametrize("content, reason", [
    (b"", "lessons.mo"),
    (b"\xde\x12\x04\x95garbage", "lessons.mo"),
])
def test_damaged_catalog_falls_back_to_english(monkeypatch, tmp_path, content, reason):
    from lessons.course import i18n

    target = tmp_path / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "lessons.mo").write_bytes(content)
    monkeypatch.setattr(i18n, "locale_dir", lambda: str(tmp_path))
    i18n.clear_cache()
    lang, problem = usable_language("zh")
    assert lang == "en" and reason in problem


def test_catalog_for_another_language_is_refused(monkeypatch, tmp_path):
    """A zh_CN directory holding, say, a French catalog must not be used as Chinese."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from lessons.course import i18n

    target = tmp_path / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    for domain in ("lessons", "tui"):
        buffer = io.BytesIO()
        write_mo(buffer, Catalog(locale="fr"))
        (target / f"{domain}.mo").write_bytes(buffer.getvalue())
    monkeypatch.setattr(i18n, "locale_dir", lambda: str(tmp_path))
    i18n.clear_cache()
    lang, problem = usable_language("zh")
    assert lang == "en" and "fr" in problem
