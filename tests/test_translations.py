"""The catalogs are complete, current, consistent and compiled.

A catalog that lags behind its source, an untranslated or fuzzy entry, a
placeholder or code span lost in translation, or a stale .mo fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
DOMAINS = {"lessons": "babel-lessons.cfg", "tui": "babel-tui.cfg"}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def read_catalog(domain):
    with open(LOCALE_DIR / f"{domain}.po", "rb") as fp:
        return read_po(fp, locale="zh_CN")


def extracted_ids(domain, tmp_path):
    pot = tmp_path / f"{domain}.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "--no-location",
               "-F", DOMAINS[domain], "-o", str(pot), "."]
    if domain == "tui":
        command[5:5] = ["-k", "N_"]
    subprocess.run(command, cwd=ROOT, check=True)
    with open(pot, "rb") as fp:
        return {message.id for message in read_po(fp) if message.id}


def entries(domain):
    return [m for m in read_catalog(domain) if m.id]


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_is_current_with_its_source(domain, tmp_path):
    in_source = extracted_ids(domain, tmp_path)
    in_catalog = {m.id for m in entries(domain)}
    assert not in_source - in_catalog, f"new in source, run `make catalogs`: {sorted(in_source - in_catalog)[:5]}"
    assert not in_catalog - in_source, f"gone from source, run `make catalogs`: {sorted(in_catalog - in_source)[:5]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated_and_not_fuzzy(domain):
    untranslated = [m.id for m in entries(domain) if not m.string]
    fuzzy = [m.id for m in entries(domain) if m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


def _markers(text):
    """What must survive translation unchanged: placeholders and code spans."""
    return sorted(
        re.findall(r"%\(\w+\)[sdrf]|%[sdrf]", text)
        + re.findall(r"\{[\w!:.]*\}", text)
        + re.findall(r"`[^`]+`", text)
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_and_code_spans_survive_translation(domain):
    broken = [(m.id, m.string) for m in entries(domain) if _markers(m.id) != _markers(m.string)]
    assert not broken, f"markers differ: {broken[:3]}"


def test_block_structure_survives_translation():
    """A heading stays a heading of the same level; a list, table or note keeps its shape."""
    for m in entries("lessons"):
        first = m.id.lstrip()
        if first.startswith("#"):
            assert m.string.split(" ")[0] == m.id.split(" ")[0], m.id
        if first.startswith(("- ", "> ", "|")):
            assert len(m.string.splitlines()) == len(m.id.splitlines()), m.id
            for en, zh in zip(m.id.splitlines(), m.string.splitlines()):
                assert zh[:2] == en[:2], (en, zh)


def test_chinese_entries_are_chinese():
    """Every prose message has Chinese in it, unless it is only code, math or names."""
    for m in entries("lessons"):
        prose = re.sub(r"`[^`]+`", "", m.id)
        if len(re.findall(r"[A-Za-z]{4,}", prose)) >= 3:
            assert CJK.search(m.string), f"not translated to Chinese: {m.id[:60]!r}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalog_matches_its_source(domain):
    with open(LOCALE_DIR / f"{domain}.mo", "rb") as fp:
        compiled = {m.id: m.string for m in read_mo(fp) if m.id}
    source = {m.id: m.string for m in entries(domain)}
    assert compiled == source, "stale .mo: run `make compile`"


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_declares_its_language(domain):
    from lessons.course.i18n import translations

    assert translations("zh", domain).info()["language"].startswith("zh")
