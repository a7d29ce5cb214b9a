"""`lessons` never imports textual; `tui` never imports torch.

Checked twice: statically (no import statement anywhere in the package) and
dynamically (importing the whole package pulls in no such module).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module.split(".")[0]


@pytest.mark.parametrize("package, forbidden", [("lessons", "textual"), ("tui", "torch")])
def test_no_import_statement(package, forbidden):
    offenders = [str(path.relative_to(ROOT)) for path, module in imported_modules(package) if module == forbidden]
    assert not offenders


@pytest.mark.parametrize("package, forbidden", [("lessons", "textual"), ("tui", "torch")])
def test_importing_the_package_loads_no_forbidden_module(package, forbidden):
    # Every module, sub-packages' included (tui.widgets.chart, …).
    modules = [".".join(p.relative_to(ROOT / package).with_suffix("").parts)
               for p in (ROOT / package).rglob("*.py") if p.stem not in ("__main__", "worker")]
    modules = [name.removesuffix(".__init__").removesuffix("__init__") for name in modules]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        f"    importlib.import_module('{package}.' + name if name else '{package}')\n"
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
