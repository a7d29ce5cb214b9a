"""The wheel a learner installs: built from what a clean clone has, it carries
the catalogs, lessons, glossary and stylesheets, and runs from any directory.

Fast on purpose: the wheel is built without isolation (no download) and
installed with --no-deps into a folder put on PYTHONPATH, beside the
dependencies this environment already has.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lessons.course import catalog
from lessons.labs.checks import check_module
from tests.helpers import CJK

ROOT = Path(__file__).resolve().parent.parent


def _clone_files() -> list[str]:
    """Tracked files plus new ones git would not ignore: what a commit would hold."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                                cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell which files a clone has")
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in _clone_files():
        if name.split("/")[0] in ("tui", "lessons", "locales") or name in ("pyproject.toml", "README.md"):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                             str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = out.glob("gradtour-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    return target


def test_the_wheel_carries_catalogs_lessons_glossary_and_stylesheets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for domain in ("lessons", "tui"):
        assert f"locales/zh_CN/LC_MESSAGES/{domain}.mo" in names
    for lesson_id in catalog.CHAPTER_IDS:
        assert f"lessons/course/content/{lesson_id}.md" in names
    for lesson_id in catalog.LESSON_IDS[len(catalog.CHAPTER_IDS):]:
        assert f"lessons/labs/pages/{lesson_id}.md" in names
        # Its check, beside it: a module found by name, which no import statement names.
        assert check_module(lesson_id).replace(".", "/") + ".py" in names
    assert "lessons/course/glossary.yaml" in names
    stylesheets = {name for name in names if name.endswith(".tcss")}
    assert {path.relative_to(ROOT).as_posix() for path in (ROOT / "tui").rglob("*.tcss")} <= stylesheets
    web = ROOT / "tui" / "web"
    served = {path.relative_to(ROOT).as_posix() for folder in ("templates", "static")
              for path in (web / folder).rglob("*") if path.is_file()}
    assert served and served <= names, f"web mode's page, script, style and fonts: {served - names}"
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "gradtour = tui.cli:main" in entry_points
    assert not any(name.startswith("tests/") for name in names)


def _run(installed: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["PYTHONPATH"] = str(installed)
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_the_installed_wheel_runs_from_another_directory_in_both_languages(installed, tmp_path):
    where = _run(installed, sys.executable, "-c", "import tui, lessons; print(tui.__file__, lessons.__file__)",
                 cwd=tmp_path)
    assert where.stdout.split() and all(path.startswith(str(installed)) for path in where.stdout.split()), \
        "the installed copy runs, not the checkout"
    zh = _run(installed, sys.executable, "-m", "tui", "list", "--lang", "zh", cwd=tmp_path)
    assert zh.returncode == 0, zh.stderr
    assert len(zh.stdout.splitlines()) == len(catalog.LESSON_IDS)
    assert all(CJK.search(line) for line in zh.stdout.splitlines())
    script = installed / "bin" / "gradtour"
    en = _run(installed, str(script), "show", "8.3", "--lang", "en", cwd=tmp_path)
    assert en.returncode == 0 and "Learning Rate" in en.stdout and not CJK.search(en.stdout)
    shown = _run(installed, str(script), "show", "8.3", "--lang", "zh", cwd=tmp_path)
    assert shown.returncode == 0 and CJK.search(shown.stdout)


def test_python_dash_m_tui_is_the_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    from tui import __version__

    assert result.returncode == 0 and result.stdout.strip() == f"gradtour {__version__}"
