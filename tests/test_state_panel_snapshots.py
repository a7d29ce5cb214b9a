"""Snapshots of the optimizer's state panel: paused on 8.4's ravine after
Adam's fifth step, in the focus view at 80×24 and in the demo pane at
160×48, in both languages.

Regenerate after an intended change with
`pytest tests/test_state_panel_snapshots.py --snapshot-update` and read the
SVGs in tests/__snapshots__ before committing them.
"""

from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.state_samples import momentum_records
from tests.test_state_panel import ScriptedWorker, start_race
from tui.app import GradTour
from tui.state import State

START = (-4.0, -1.5)


def ravine(w1: float, w2: float) -> float:
    return 0.1 * (w1 - 4) ** 2 + 2 * (w2 - 1) ** 2


def surface_event() -> dict:
    columns, rows = 57, 25
    z = [[ravine(-5 + 14 * i / (columns - 1), -2.5 + 6 * j / (rows - 1)) for i in range(columns)] for j in range(rows)]
    return {"event": "surface", "panel": "ravine", "x": [-5, 9], "y": [-2.5, 3.5], "z": z, "minimum": [4, 1]}


def race_events(worker: ScriptedWorker, steps: int) -> list[dict]:
    """The ravine's map, SGD+Momentum's and Adam's paths and the arrows of both (the map draws Adam's)."""
    events = [surface_event()]
    for series, records in (("momentum", momentum_records(steps)), ("adam", worker.records[:steps])):
        path = [START] + [tuple(p["after"] for p in record["params"]) for record in records]
        events.append({"event": "points", "panel": "ravine", "series": series,
                       "xs": [x for x, _ in path], "ys": [y for _, y in path]})
        events.append({"event": "points", "panel": "ravine_loss", "series": series,
                       "xs": list(range(steps + 1)), "ys": [ravine(*point) for point in path]})
        last = records[-1]["params"]
        x, y = (p["before"] for p in last)
        for kind, (dx, dy) in (("gradient", tuple(-record_lr(records) * p["grad"] for p in last)),
                               ("step", tuple(p["delta"] for p in last))):
            events.append({"event": "arrow", "panel": "ravine", "series": series, "kind": kind,
                           "x": x, "y": y, "dx": dx, "dy": dy})
    return events


def record_lr(records: list[dict]) -> float:
    return records[-1]["lr"]


def paused_after_five_adam_steps(focus: bool):
    async def run_before(pilot) -> None:
        app = pilot.app
        worker = ScriptedWorker(shown=2)
        await start_race(app, pilot, worker)
        for event in race_events(worker, 5):
            worker.events.put_nowait(event)
        await pilot.press("space")
        for _ in range(3):
            await pilot.press("full_stop")
        await wait_until(pilot, lambda: app.demos.records["8.4"].states.selected.newest["step"] == 5, timeout=5)
        await pilot.pause(0.3)
        if focus:
            app.lesson_screen.demo_pane.show_chart("ravine")
            await pilot.press("f")
        await pilot.pause(0.3)

    return run_before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_state_panel_in_the_focus_view_at_80x24(snap_compare, lang):
    app = GradTour(state=State(), lang=lang, lesson="8.4")
    assert snap_compare(app, terminal_size=(80, 24), run_before=paused_after_five_adam_steps(focus=True))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_state_panel_in_the_demo_pane_at_160x48(snap_compare, lang):
    app = GradTour(state=State(), lang=lang, lesson="8.4")
    assert snap_compare(app, terminal_size=(160, 48), run_before=paused_after_five_adam_steps(focus=False))
