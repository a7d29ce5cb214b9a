"""Shared fixtures: every test gets its own XDG directories and a clean
language environment, so nothing leaks in from the developer's machine."""

from __future__ import annotations

import pytest

from lessons.course import i18n


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    for name in ("GRADTOUR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    yield
    i18n.clear_cache()
    from tui.i18n import set_language

    set_language("en")
