"""tui/'s layering, as import-linter contracts in pyproject.toml (docs/ARCHITECTURE.md, "tui/").

The contracts hold on the tree as it is, and they are not vacuous: the
same contracts break on a copy of tui/ with one upward import added (a
widget importing the app).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
#: tui's own contracts, among the project's (the others, tui-above-lessons and
#: tui-no-torch among them, are tests/test_layering.py's)
TUI_CONTRACTS = {"tui-layers", "tui-shared", "tui-web"}


def tui_contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return [contract for contract in contracts if contract.get("id") in TUI_CONTRACTS]


def lint(tmp_path: Path, source_root: Path) -> subprocess.CompletedProcess:
    """lint-imports with tui's contracts alone, on the packages under `source_root`."""
    lines = ['[tool.importlinter]', 'root_packages = ["tui", "lessons"]']
    for contract in tui_contracts():
        lines.append("[[tool.importlinter.contracts]]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in contract.items())
    config = tmp_path / "contracts.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run([str(LINT_IMPORTS), str(config), "--no-cache"], capture_output=True, text=True,
                          cwd=source_root, env=env, timeout=300)


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_tui_has_its_contracts():
    assert {contract["id"] for contract in tui_contracts()} == TUI_CONTRACTS


def test_the_tree_keeps_tui_layers(tmp_path):
    result = lint(tmp_path, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(TUI_CONTRACTS)} kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, statement, broken", [
    ("widgets/footer.py", "from tui.app import GradTour", "tui.widgets.footer -> tui.app"),
    ("wide_chops.py", "def f():\n    from tui.widgets import footer", "tui.wide_chops -> tui.widgets"),
    ("web/server.py", "def f():\n    from tui import app", "tui.web.server -> tui.app"),
], ids=["widget-imports-app", "shared-imports-widget", "web-imports-app"])
def test_an_upward_import_breaks_them(tmp_path, module, statement, broken):
    copy = tmp_path / "tree"
    for package in ("tui", "lessons"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "tui" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}  # noqa\n", encoding="utf-8")
    result = lint(tmp_path, copy)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout
