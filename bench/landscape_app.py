"""The landscape benchmark's subject: 8.4's ravine panel alone on the screen
(as a focus view shows it), fed four optimizer paths on the event loop the
way the worker's events feed the app, while keys are timed.

`python bench/landscape_app.py FRAMES_FILE`: `t` trains for STEPS points
per path (BATCH every FEED_INTERVAL), `j` bumps the counter on the last line
(the key the benchmark times), `q` quits and writes to FRAMES_FILE the start
and end of the last training, then the monotonic time of each canvas render
since it started, one per line.

The paths are computed here in plain Python (SGD, momentum, Nesterov and a
sign-of-gradient walk standing in for Adam), so the figure is the UI's cost
alone, not PyTorch's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tui import terminal_env

# As `gradtour` does before Textual is imported: the same colours and the same
# screen update rate as the app this stands in for (the update rate is what a
# key waits for while a map redraws).
terminal_env.prepare()

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Static  # noqa: E402

from lessons import charts  # noqa: E402
from lessons.charts.data import ChartData  # noqa: E402
from lessons.course import catalog  # noqa: E402
from lessons.demos.runner import FLUSH_INTERVAL  # noqa: E402
from tui.widgets.chart import CSS_PATH, ChartPanel  # noqa: E402

TRAIN_SECONDS = 4.0
#: As the worker sends them: one batch per path every FLUSH_INTERVAL (50 ms),
#: here of 10 points, 200 optimizer steps a second.
FEED_INTERVAL = FLUSH_INTERVAL
BATCH = 10
STEPS = int(TRAIN_SECONDS / FEED_INTERVAL) * BATCH


def ravine(w1: float, w2: float) -> float:
    return 0.1 * (w1 - 4) ** 2 + 2 * (w2 - 1) ** 2


def gradient(w1: float, w2: float) -> tuple[float, float]:
    return 0.2 * (w1 - 4), 4 * (w2 - 1)


def paths(steps: int) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    lr = 0.01  # small, so that the paths keep moving for the whole run
    for name, momentum, nesterov in (("sgd", 0.0, False), ("momentum", 0.9, False), ("nesterov", 0.9, True)):
        w, v, points = [-4.0, -1.5], [0.0, 0.0], []
        for _ in range(steps):
            g = gradient(*w)
            v = [momentum * vi + gi for vi, gi in zip(v, g)]
            step = [gi + momentum * vi for gi, vi in zip(g, v)] if nesterov else v
            w = [wi - lr * si for wi, si in zip(w, step)]
            points.append((w[0], w[1]))
        out[name] = points
    w, points = [-4.0, -1.5], []
    for _ in range(steps):
        w = [wi - 0.004 * ((gi > 0) - (gi < 0)) for wi, gi in zip(w, gradient(*w))]
        points.append((w[0], w[1]))
    out["adam"] = points
    return out


def surface_event() -> dict:
    columns, rows = 161, 97
    z = [[ravine(-5 + 14 * i / (columns - 1), -2.5 + 6 * j / (rows - 1)) for i in range(columns)] for j in range(rows)]
    return {"event": "surface", "panel": "ravine", "x": [-5, 9], "y": [-2.5, 3.5], "z": z, "minimum": [4, 1]}


class LandscapeBench(App):
    CSS_PATH = [CSS_PATH]
    CSS = "ChartPanel { height: 1fr; max-height: 100%; } #keys { height: 1; }"
    BINDINGS = [("t", "train", "train"), ("j", "bump", "bump"), ("q", "quit", "quit")]

    def __init__(self, frames_file: Path) -> None:
        super().__init__()
        self.frames_file = frames_file
        self.frames: list[float] = []
        self.data = ChartData(["ravine"])
        self.data.apply(surface_event())
        self.paths = paths(STEPS)
        self.fed = 0
        self.count = 0
        self.window = [0.0, 0.0]
        # A frame is one call of what ChartPanel draws a map with (its rows, since the
        # panel keeps unchanged rows; before that, the whole canvas as a Text).
        name = "render_landscape_rows" if hasattr(charts, "render_landscape_rows") else "render_landscape"
        real = getattr(charts, name)

        def counting(*args, **kwargs):
            self.frames.append(time.monotonic())
            return real(*args, **kwargs)

        setattr(charts, name, counting)

    def compose(self) -> ComposeResult:
        yield ChartPanel(catalog.load("8.4").charts["ravine"], self.data.panels["ravine"])
        yield Static("keys: 0 idle", id="keys")

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#keys", Static).update(f"keys: {self.count} {'training' if self.fed else 'idle'}")

    def action_train(self) -> None:
        for series in self.paths:
            self.data.panels["ravine"].series.pop(series, None)
        self.fed = 0
        self.frames.clear()
        self.window = [time.monotonic(), time.monotonic()]
        self.query_one("#keys", Static).update(f"keys: {self.count} training")
        self._timer = self.set_interval(FEED_INTERVAL, self._feed)

    def _feed(self) -> None:
        if self.fed >= STEPS:
            self._timer.stop()
            self.window[1] = time.monotonic()
            self.fed = 0
            self.query_one("#keys", Static).update(f"keys: {self.count} done")
            return
        for name, points in self.paths.items():
            batch = points[self.fed:self.fed + BATCH]
            self.data.apply({"event": "points", "panel": "ravine", "series": name,
                             "xs": [x for x, _ in batch], "ys": [y for _, y in batch]})
        self.fed += BATCH
        self.query_one(ChartPanel).refresh_data()

    def action_quit(self) -> None:
        # First line: when training started and ended; then one render per line.
        lines = [" ".join(f"{t:.6f}" for t in self.window)] + [f"{t:.6f}" for t in self.frames]
        self.frames_file.write_text("\n".join(lines), encoding="utf-8")
        self.exit()


if __name__ == "__main__":
    LandscapeBench(Path(sys.argv[1])).run()
