"""A lesson's demos as one standalone script (the `x` key, `gradtour export`).

The script is the code the learner saw, with the same parameter values and
comments and printed labels in the same language, and it prints what the run printed: like the
runner, it seeds torch before every block, and `chart` is a stub that draws
nothing, so it needs nothing but torch. Its header holds no prose, only the
lesson's id and title and the values used, so it reads the same in any
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lessons.course.catalog import Gettext, Lesson, translate_code
from lessons.demos import params

__all__ = ["export_script"]

_PRELUDE = '''import torch


class _Chart:
    def add(self, series, x, y, panel=None):
        pass

    def bars(self, labels, values, panel=None):
        pass

    def path(self, series, x, y, panel=None):
        pass

    def surface(self, loss, xlim, ylim, panel=None, minimum=None):
        pass

    def arrow(self, series, x, y, dx, dy, panel=None):
        pass


chart = _Chart()
'''


def export_script(lesson: Lesson, values: Mapping[str, Any] | None = None, gettext: Gettext | None = None) -> str:
    """The script for `lesson` with parameter `values` (defaults for the rest).

    `values` may hold "device" (the device to write into `device = "..."`);
    `gettext` (lessons domain) translates the title, code comments and printed labels.
    """
    gettext = gettext or (lambda message: message)
    chosen = dict(values or {})
    device = chosen.pop(params.DEVICE, None)
    resolved = params.resolve(lesson, chosen)
    header = [f"# gradtour {lesson.id} · {gettext(lesson.title)}"]
    header += [f"# {name} = {value!r}" for name, value in resolved.items()]
    if device is not None:
        resolved[params.DEVICE] = device
        header.append(f"# {params.DEVICE} = {device!r}")
    parts = ["\n".join(header) + "\n", _PRELUDE]
    demos = lesson.demos
    for index, block in enumerate(demos):
        code = translate_code(params.substituted_code(block, resolved), gettext, block.string_choices)
        rule = f"# ── {index + 1}/{len(demos)} " + "─" * 60
        parts.append(f"{rule}\n{code.rstrip()}\n")
    return "\n\n".join(parts)
