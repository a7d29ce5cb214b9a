"""What kind of panel a chart spec declares (`kind:` in a lesson's front matter).

Apart from the renderers so that the modules that only ask (the run's state
history, the demo pane on the app's first screen) do not import them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_heatmap", "is_landscape"]


def _kind(spec: Mapping[str, Any] | None) -> str:
    return str((spec or {}).get("kind", "")).lower()


def is_landscape(spec: Mapping[str, Any] | None) -> bool:
    return _kind(spec) == "landscape"


def is_heatmap(spec: Mapping[str, Any] | None) -> bool:
    return _kind(spec) == "heatmap"
