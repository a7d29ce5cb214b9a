"""The package layering: `tui` above `lessons`, `lessons` never imports textual,
`tui` never imports torch, the course loads without the worker, no cycles.

Checked twice: statically, by the import-linter contracts in pyproject.toml
(every import statement, inside functions too), and dynamically (importing
the packages pulls in no such module). The contracts are only worth their
word if they can fail, so each kind is also broken once on a copy of the tree.
"""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on sys.path, so a copy of
    # the tree is analysed as itself, not as the installed checkout.
    # Wide, so that no contract's name is wrapped before its verdict.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], capture_output=True, text=True, cwd=tree, timeout=120,
                          env={**os.environ, "COLUMNS": "250"})


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path):
    for package in ("tui", "lessons"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize("module, statement, broken", [
    ("lessons/course/catalog.py", "import textual.widgets", "lessons never imports textual"),
    ("tui/widgets/render.py", "def f():\n    import torch", "tui never imports torch"),
    ("lessons/charts/data.py", "from tui import state", "tui is above lessons"),
    ("lessons/course/i18n.py", "def f():\n    from lessons.worker import client",
     "the course and the charts load without"),
    ("lessons/demos/params.py", "def f():\n    from lessons.demos import runner", "what the UI process uses"),
    ("lessons/labs/registry.py", "from lessons.worker import process", "inside lessons: worker > labs"),
    ("lessons/worker/client.py", "from lessons.worker.process import NICE", "the worker's client and process"),
    ("lessons/labs/workspace.py", "from lessons.labs import headless", "no import cycles in lessons"),
], ids=["textual-in-lessons", "torch-in-tui", "tui-in-lessons", "worker-in-course", "torch-on-the-ui-side",
        "layers-in-lessons", "client-imports-process", "cycle"])
def test_a_forbidden_import_breaks_its_contract(tree_copy, module, statement, broken):
    path = tree_copy / module
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + statement + "\n", encoding="utf-8")
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    assert any(line.startswith(broken) for line in broken_lines), result.stdout


def modules_of(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], package + "."):
        # __main__ modules run their program when imported.
        if not info.name.endswith(".__main__"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("package, forbidden", [("lessons", "textual"), ("tui", "torch")])
def test_importing_the_package_loads_no_forbidden_module(package, forbidden):
    modules = modules_of(package)
    assert len(modules) > 10  # the walk found the sub-packages' modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print({forbidden!r} in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_list_and_show_load_neither_textual_nor_torch():
    code = (
        "import sys\nfrom tui.cli import main\n"
        "main(['list']); main(['show', '8.2'])\n"
        "print('textual' in sys.modules, 'torch' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stderr.strip().splitlines()[-1] == "False False"
