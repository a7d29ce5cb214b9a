"""A package's public face, imported when first asked for.

Each sub-package of tui/ re-exports its public names, as Textual's
`textual.widgets` does, but lazily (PEP 562): importing one widget must not
import them all. The chart widget pulls in plotext and the lab editor
tree-sitter, and the first screen needs neither (bench/FINDINGS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: public name → the module (in it) that defines it."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{names[name]}"), name)

    return __getattr__
