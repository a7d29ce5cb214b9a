"""The heat-map benchmark's subject: a 30 × 30 convergence map alone on the
screen in the focus view's chart (`FocusChart`, cell cursor and readout), as
`f` shows a heat map, while keys are timed.

`python bench/heatmap_app.py`: `right`/`left` move the cell cursor (the key
the benchmark times: the readout under the map names the new cell), `j` bumps
the counter on the last line (the idle key it is compared with), `q` quits.

The map is heavy-ball momentum's steps to converge on a quadratic with
curvatures 1 and 0.05, from the iteration's spectral radius (closed form, no
PyTorch): diverged and not-reached regions as a real map has them.
"""

from __future__ import annotations

import math

from tui import terminal_env

# As `gradtour` does before Textual is imported: the same colours and the same
# screen update rate as the app this stands in for (the update rate is what a
# key waits for while a map redraws).
terminal_env.prepare()

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Static  # noqa: E402

from lessons.charts.data import ChartData  # noqa: E402
from tui.widgets.chart import CSS_PATH  # noqa: E402
from tui.widgets.focus_chart import FocusChart  # noqa: E402

SIZE = 30
SPEC = {"title": "Steps to reach 1% of the start, per learning rate and momentum", "kind": "heatmap",
        "x": "lr", "y": "momentum", "z": "steps", "zscale": "log"}
LRS = [round(0.07 * (i + 1), 4) for i in range(SIZE)]
MOMENTA = [round(0.033 * j, 4) for j in range(SIZE)]
BUDGET = 500
#: The row the cursor walks along (momentum 0.495): it crosses every region.
ROW = 15


def steps(lr: float, momentum: float) -> float:
    worst = 0.0
    for curvature in (1.0, 0.05):
        b = 1 + momentum - lr * curvature
        disc = b * b - 4 * momentum
        radius = max(abs((b + s * math.sqrt(disc)) / 2) for s in (1, -1)) if disc >= 0 else math.sqrt(momentum)
        worst = max(worst, radius)
    if worst >= 1:
        return math.nan
    count = math.ceil(math.log(0.01) / math.log(worst)) if worst > 0 else 1
    return count if count <= BUDGET else math.inf


def map_event() -> dict:
    z = [["nan" if math.isnan(v) else "inf" if v == math.inf else v
          for v in (steps(lr, m) for lr in LRS)] for m in MOMENTA]
    return {"event": "heatmap", "panel": "map", "x": LRS, "y": MOMENTA, "z": z, "mark": [LRS[9], MOMENTA[ROW]]}


def panel():
    data = ChartData(["map"])
    data.apply(map_event())
    return data.panels["map"]


class HeatmapBench(App):
    CSS_PATH = [CSS_PATH]
    CSS = "FocusChart { height: 1fr; max-height: 100%; } #keys { height: 1; }"
    BINDINGS = [("right", "cell(1)", "cell"), ("left", "cell(-1)", "cell"), ("j", "bump", "bump"),
                ("q", "quit", "quit")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.chart = FocusChart(SPEC, panel())
        self.chart.cell = (0, ROW)

    def compose(self) -> ComposeResult:
        yield self.chart
        yield Static("keys: 0 idle", id="keys")

    def action_cell(self, columns: int) -> None:
        self.chart.move_cell(columns)

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#keys", Static).update(f"keys: {self.count} idle")


if __name__ == "__main__":
    HeatmapBench().run()
