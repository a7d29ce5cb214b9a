"""The UI's current language and its `_()`.

One process shows one learner (textual-serve starts a process per browser
tab), so the current language is process state. Lookups go through
`lessons.course.i18n.translations`, a cached per-language catalog: no global
`gettext.install()`.
"""

from __future__ import annotations

from lessons.course.i18n import N_, translations

__all__ = ["N_", "_", "current_language", "lesson_gettext", "set_language"]

_language = "en"


def set_language(lang: str) -> None:
    global _language
    _language = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return translations(_language, "tui").gettext(message)


def lesson_gettext(lang: str | None = None):
    """`gettext` of the lesson-prose domain for `lang` (default: current)."""
    return translations(lang or _language, "lessons").gettext
