"""A lesson's demos as one standalone script (the `x` key, `gradtour export`).

The script is the code the learner saw, with the same parameter values and
comments and printed labels in the same language, and it prints what the run printed: like the
runner, it seeds torch before every block, and `chart` is a stub that draws
nothing, so it needs nothing but torch. Its `watch` prints, after each of the
first five steps of a watched optimizer (`chart.watch_steps`), what the state
panel shows: one line per number it trains, the values read from
`optimizer.state`, then one line saying the later steps are not printed
(`WATCH_LINE` matches these lines). Its header holds no prose, only the
lesson's id and title and the values used, so it reads the same in any
language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lessons.course.catalog import Gettext, Lesson, translate_code
from lessons.demos import params

__all__ = ["WATCH_LINE", "export_script"]

#: A line the script's `chart.watch` prints: "adam step 3  w1: g=-1.42 m=-0.4162 v=0.007115 Δw=0.299".
WATCH_LINE = re.compile(r"^\S+ step \d+(  \S+: (\S+=\S+ )*Δw=\S+| on: not printed \(chart\.watch_steps = \d+\))$")

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

    def heatmap(self, values, xs, ys, panel=None):
        # The newest grid of each map is printed when the script ends, to
        # stderr: stdout stays what the lesson prints. Top row = last y;
        # x means diverged, . not reached.
        grids = self.__dict__.setdefault("_grids", {})
        if not grids:
            import atexit
            import sys

            def show():
                for name, (rows, columns, labels) in grids.items():
                    print(f"heat map {name or ''}: {len(labels)} x {len(columns)}", file=sys.stderr)
                    print("       " + " ".join(f"{x:>6.3g}" for x in columns), file=sys.stderr)
                    for y, row in reversed(list(zip(labels, rows))):
                        cells = ("     x" if v != v else "     ." if v == float("inf") else f"{v:>6.3g}"
                                 for v in map(float, row))
                        print(f"{y:>6.3g} " + " ".join(cells), file=sys.stderr)

            atexit.register(show)
        rows = values.tolist() if hasattr(values, "tolist") else [list(map(float, row)) for row in values]
        grids[panel] = (rows, [float(x) for x in xs], [float(y) for y in ys])

    # Steps of each watched optimizer whose state is printed (None: all).
    watch_steps = 5

    def watch(self, optimizer, series, panel=None, names=None):
        # gradtour's state panel as text: after each of the first
        # watch_steps steps, per number, the gradient, the optimizer's
        # state and the step taken.
        params = [p for g in optimizer.param_groups for p in g["params"]]
        names = list(names or [f"w[{i}]" for i in
                               range(sum(p.numel() for p in params))])
        short = {"momentum_buffer": "v", "exp_avg": "m", "exp_avg_sq": "v",
                 "max_exp_avg_sq": "max_v"}
        before, steps = [], [0]

        def flat(t):
            return t.detach().reshape(-1).tolist()

        def pre(opt, args, kwargs):
            before[:] = [flat(p) for p in params]

        def post(opt, args, kwargs):
            steps[0] += 1
            limit = self.watch_steps
            if limit is not None and steps[0] > limit:
                if steps[0] == limit + 1:
                    print(f"{series} step {steps[0]} on: not printed "
                          f"(chart.watch_steps = {limit})")
                return
            rows = []
            for p, old in zip(params, before):
                held = {short.get(k, k): flat(v) for k, v in opt.state[p].items()
                        if k != "step" and torch.is_tensor(v)
                        and v.numel() == p.numel()}
                if p.grad is not None:
                    held = {"g": flat(p.grad), **held}
                for i, (w0, w1) in enumerate(zip(old, flat(p))):
                    cells = [f"{k}={v[i]:.4g}" for k, v in held.items()]
                    rows.append(cells + [f"Δw={w1 - w0:.4g}"])
            for name, cells in zip(names, rows):
                print(f"{series} step {steps[0]}  {name}: " + " ".join(cells))

        optimizer.register_step_pre_hook(pre)
        optimizer.register_step_post_hook(post)


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
