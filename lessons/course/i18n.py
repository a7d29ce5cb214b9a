"""Languages, catalogs and the choice of language.

Each (language, domain) pair gets its own `gettext.GNUTranslations` object,
loaded once: switching language swaps objects, never calls `install()`, so a
switch costs a dictionary lookup and nothing global changes under the UI.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from importlib import resources

LANGUAGES = ("en", "zh")
#: gettext's name for each language's catalog directory.
CATALOG_LOCALE = {"zh": "zh_CN"}
DOMAINS = ("lessons", "tui")


class CatalogProblem(Exception):
    """A catalog that is missing, unreadable or for another language."""


def locale_dir() -> str:
    return str(resources.files("locales"))


def normalize(value: str | None) -> str | None:
    """'zh_CN.UTF-8' → 'zh', 'en_GB' → 'en', 'C' → 'en'; None for anything else."""
    if not value:
        return None
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if code in ("c", "posix"):
        return "en"
    base = code.split("_")[0]
    return base if base in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """GRADTOUR_LANG, then LANGUAGE / LC_ALL / LC_MESSAGES / LANG, else English.

    Read directly rather than through `locale`: ssh often forwards none of
    them, and a remote box may not have the locale generated at all.
    """
    env = os.environ if environ is None else environ
    choice = normalize(env.get("GRADTOUR_LANG"))
    if choice:
        return choice
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if not value:
            continue
        # LANGUAGE is a colon-separated priority list.
        first = value.split(":")[0]
        return normalize(first) or "en"
    return "en"


@functools.cache
def _load(lang: str, domain: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    locale = CATALOG_LOCALE[lang]
    path = os.path.join(locale_dir(), locale, "LC_MESSAGES", f"{domain}.mo")
    try:
        with open(path, "rb") as fp:
            catalog = gettext.GNUTranslations(fp)
    except Exception as exc:  # OSError, or a damaged file (struct.error, …)
        raise CatalogProblem(f"{path}: {exc}") from exc
    declared = catalog.info().get("language", "")
    if normalize(declared) != lang:
        raise CatalogProblem(f"{path}: catalog is for {declared or 'an unknown language'!r}")
    return catalog


def translations(lang: str, domain: str) -> gettext.NullTranslations:
    """The catalog for (lang, domain); raises CatalogProblem if it is unusable."""
    if lang not in LANGUAGES or domain not in DOMAINS:
        raise ValueError(f"unknown language or domain: {lang!r}, {domain!r}")
    return _load(lang, domain)


def usable_language(lang: str) -> tuple[str, str | None]:
    """`lang` if both its catalogs load, else English plus the reason why not."""
    try:
        for domain in DOMAINS:
            translations(lang, domain)
    except CatalogProblem as exc:
        return "en", str(exc)
    return lang, None


def clear_cache() -> None:
    _load.cache_clear()


def N_(message: str) -> str:
    """Mark a UI string for extraction (domain "tui") without translating it.

    Modules of `lessons` that produce messages for the learner (parameter
    errors, demo failures) mark their English templates with N_; the UI
    translates them when it shows them.
    """
    return message
