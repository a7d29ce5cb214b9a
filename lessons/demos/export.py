"""A lesson's demos as one standalone script (the `x` key, `gradtour export`).

The script is the code the learner saw, with the same parameter values and
comments and printed labels in the same language, and it prints what the run printed: like the
runner, it seeds torch before every block, and `chart` is a stub, so it
needs nothing but torch. Its header holds no prose, only the lesson's id and
title and the values used, so it reads the same in any language.

The stub draws no curves or bars, but it keeps a landscape (`path`,
`surface`, `arrow`) and prints it when the script ends, after everything the
demos printed (so the output up to there is the run's, line for line): a
header line "── title ──", then, where gradtour is installed beside torch
(`lessons.charts` imports), the map as `gradtour run` draws it, by that one
renderer; and always, with torch alone, each path's start and end, where it
first left the picture and the map's minimum, as text. Not a second renderer
written into every script: the point of the export is a short script the
learner can read, and where the map matters most (8.4's race) the numbers
that tell the story (where each path ended, which one left) are these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lessons.course.catalog import Gettext, Lesson, translate_code
from lessons.course.i18n import N_
from lessons.demos import params

__all__ = ["LANDSCAPE_RULE", "export_script"]

#: The first line of each landscape the script prints at its end: "── title ──".
LANDSCAPE_RULE = "── "

_MINIMUM = N_("minimum at ({x}, {y}), loss {loss}")
_PATH = N_("{name}: from ({x0}, {y0}) to ({x1}, {y1}), {count} points")
_LEFT = N_("{name}: left the picture at point {index} of {count}, at ({x}, {y})")
_DIVERGED = N_("{name}: diverged at point {index} of {count}")

_PRELUDE = '''import torch


class _Chart:
    """gradtour's `chart`: draws no curves here; a landscape is printed at the end."""

    def __init__(self, maps, words):
        self._maps = maps  # panel -> its title, axis and series names
        self._words = words  # the sentences of the summary, in the lesson's language
        self._drawn = {}  # panel -> what the demos sent it

    def add(self, series, x, y, panel=None):
        pass

    def bars(self, labels, values, panel=None):
        pass

    def _landscape(self, panel):
        panel = panel if panel is not None else next(iter(self._maps), None)
        if not self._drawn:
            import atexit

            atexit.register(self._print_landscapes)
        return self._drawn.setdefault(panel, {"surface": None, "paths": {}, "arrows": {}})

    def path(self, series, x, y, panel=None):
        self._landscape(panel)["paths"].setdefault(str(series), []).append((float(x), float(y)))

    def surface(self, loss, xlim, ylim, panel=None, minimum=None):
        self._landscape(panel)["surface"] = (loss, tuple(map(float, xlim)), tuple(map(float, ylim)), minimum)

    def arrow(self, series, x, y, dx, dy, panel=None):
        self._landscape(panel)["arrows"][str(series)] = tuple(map(float, (x, y, dx, dy)))

    def _print_landscapes(self):
        for panel, drawn in self._drawn.items():
            spec = self._maps.get(panel, {})
            print()
            print("''' + LANDSCAPE_RULE + '''" + (spec.get("title") or str(panel)) + " ──")
            try:
                from lessons import charts
            except ImportError:
                pass  # gradtour is not installed here: the numbers below say it all
            else:
                print(self._map_text(charts, spec, drawn))
            for line in self._summary(spec, drawn):
                print(line)

    @staticmethod
    def _grid(loss, xlim, ylim, columns, rows):
        with torch.no_grad():
            xs = torch.linspace(xlim[0], xlim[1], columns, dtype=torch.float64)
            ys = torch.linspace(ylim[0], ylim[1], rows, dtype=torch.float64)
            grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
            return grid_x, grid_y, torch.as_tensor(loss(grid_x, grid_y), dtype=torch.float64)

    def _map_text(self, charts, spec, drawn):
        from lessons.charts.data import ChartData

        data = ChartData(["map"])
        if drawn["surface"] is not None:
            loss, xlim, ylim, minimum = drawn["surface"]
            z = self._grid(loss, xlim, ylim, 161, 97)[2]
            rows = [[v if v == v and abs(v) != float("inf") else None for v in row] for row in z.tolist()]
            data.apply({"event": "surface", "panel": "map", "x": list(xlim), "y": list(ylim), "z": rows,
                        "minimum": [float(v) for v in minimum] if minimum is not None else None})
        for series, points in drawn["paths"].items():
            data.apply({"event": "points", "panel": "map", "series": series,
                        "xs": [x for x, _ in points], "ys": [y for _, y in points]})
        for series, (x, y, dx, dy) in drawn["arrows"].items():
            data.apply({"event": "arrow", "panel": "map", "series": series, "x": x, "y": y, "dx": dx, "dy": dy})
        return charts.render_panel_text({**spec, "title": "", "kind": "landscape"}, data.panels["map"], 80)

    def _summary(self, spec, drawn):
        words, names = self._words, spec.get("series", {})
        number = lambda v: f"{v:.4g}"  # noqa: E731
        lines = []
        inside = lambda x, y: True  # noqa: E731
        if drawn["surface"] is not None:
            loss, xlim, ylim, minimum = drawn["surface"]
            inside = lambda x, y: xlim[0] <= x <= xlim[1] and ylim[0] <= y <= ylim[1]  # noqa: E731
            if minimum is None:
                # Where the demo did not say, the lowest point of a fine grid.
                grid_x, grid_y, z = self._grid(loss, xlim, ylim, 201, 201)
                best = int(torch.nan_to_num(z, nan=float("inf")).argmin())
                minimum = (grid_x.flatten()[best].item(), grid_y.flatten()[best].item())
            x, y = (float(v) for v in minimum)
            with torch.no_grad():
                height = float(loss(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)))
            lines.append(words["minimum"].format(x=number(x), y=number(y), loss=number(height)))
        for series, points in drawn["paths"].items():
            name, count = names.get(series, series), len(points)
            finite = [i for i, (x, y) in enumerate(points) if x == x and y == y and abs(x) + abs(y) != float("inf")]
            if not finite:
                lines.append(words["diverged"].format(name=name, index=1, count=count))
                continue
            last = points[finite[-1]]
            first = points[finite[0]]
            lines.append(words["path"].format(name=name, x0=number(first[0]), y0=number(first[1]),
                                              x1=number(last[0]), y1=number(last[1]), count=count))
            out = next((i for i in finite if not inside(*points[i])), None)
            if out is not None:
                lines.append(words["left"].format(name=name, index=out + 1, count=count, x=number(points[out][0]),
                                                  y=number(points[out][1])))
            if len(finite) < count:
                gone = next(i for i in range(count) if i not in set(finite))
                lines.append(words["diverged"].format(name=name, index=gone + 1, count=count))
        return lines
'''


def _landscapes(lesson: Lesson, gettext: Gettext) -> dict[str, dict[str, Any]]:
    """The lesson's landscape panels as the stub needs them, their words translated."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in lesson.charts.items():
        if str(spec.get("kind", "")).lower() != "landscape":
            continue
        entry: dict[str, Any] = {key: gettext(str(spec[key])) for key in ("title", "x", "y") if spec.get(key)}
        entry["series"] = {str(key): gettext(str(label)) for key, label in (spec.get("series") or {}).items()}
        out[str(name)] = entry
    return out


def export_script(lesson: Lesson, values: Mapping[str, Any] | None = None, gettext: Gettext | None = None,
                  ui_gettext: Gettext | None = None) -> str:
    """The script for `lesson` with parameter `values` (defaults for the rest).

    `values` may hold "device" (the device to write into `device = "..."`);
    `gettext` (lessons domain) translates the title, code comments and printed
    labels, `ui_gettext` (tui domain) the sentences of the landscape summary.
    """
    gettext = gettext or (lambda message: message)
    ui_gettext = ui_gettext or (lambda message: message)
    chosen = dict(values or {})
    device = chosen.pop(params.DEVICE, None)
    resolved = params.resolve(lesson, chosen)
    header = [f"# gradtour {lesson.id} · {gettext(lesson.title)}"]
    header += [f"# {name} = {value!r}" for name, value in resolved.items()]
    if device is not None:
        resolved[params.DEVICE] = device
        header.append(f"# {params.DEVICE} = {device!r}")
    words = {key: ui_gettext(message) for key, message in
             (("minimum", _MINIMUM), ("path", _PATH), ("left", _LEFT), ("diverged", _DIVERGED))}
    chart = f"chart = _Chart({_landscapes(lesson, gettext)!r},\n               {words!r})\n"
    parts = ["\n".join(header) + "\n", _PRELUDE + "\n\n" + chart]
    demos = lesson.demos
    for index, block in enumerate(demos):
        code = translate_code(params.substituted_code(block, resolved), gettext, block.string_choices)
        rule = f"# ── {index + 1}/{len(demos)} " + "─" * 60
        parts.append(f"{rule}\n{code.rstrip()}\n")
    return "\n\n".join(parts)
