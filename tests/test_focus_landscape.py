"""The focus view on a landscape (8.4's ravine): the cursor moves along the paths'
steps, marks each path's point there and reads where it is and its loss; no
log/linear key on a map. Fed a race's events straight (no PyTorch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import wait_until
from tests.test_app import visible_text
from tests.test_focus_view import feed
from tui import app as tui_app
from tui.app import GradTour
from tui.screens.focus_view import CursorMoved, FocusScreen
from tui.state import State

STEPS = 50


def ravine(w1: float, w2: float) -> float:
    return 0.1 * (w1 - 4) ** 2 + 2 * (w2 - 1) ** 2


def race_events(steps: int = STEPS) -> list[dict]:
    """8.4's ravine race for SGD and Adam's stand-in (a sign walk), as the demo sends it:
    the surface, then per step each path's point and its loss (x = step, from 1)."""
    columns, rows = 41, 25
    z = [[ravine(-5 + 14 * i / (columns - 1), -2.5 + 6 * j / (rows - 1)) for i in range(columns)]
         for j in range(rows)]
    events = [{"event": "start", "block": 0, "total": 1, "device": "cpu"},
              {"event": "surface", "panel": "ravine", "x": [-5, 9], "y": [-2.5, 3.5], "z": z, "minimum": [4, 1]}]
    for name in ("sgd", "adam"):
        w1, w2, path, losses = -4.0, -1.5, [], []
        for _ in range(steps):
            g1, g2 = 0.2 * (w1 - 4), 4 * (w2 - 1)
            if name == "sgd":
                w1, w2 = w1 - 0.3 * g1, w2 - 0.3 * g2
            else:
                w1, w2 = w1 + 0.3 * (g1 < 0) - 0.3 * (g1 > 0), w2 + 0.3 * (g2 < 0) - 0.3 * (g2 > 0)
            path.append((w1, w2))
            losses.append(ravine(w1, w2))
        events.append({"event": "points", "panel": "ravine", "series": name,
                       "xs": [p[0] for p in path], "ys": [p[1] for p in path]})
        events.append({"event": "points", "panel": "ravine_loss", "series": name,
                       "xs": list(range(1, steps + 1)), "ys": losses})
    return events


class Recording(GradTour):
    # The app's stylesheets by name resolve beside the class's module: here, tests/.
    CSS_PATH = [Path(tui_app.__file__).parent / p if isinstance(p, str) else p for p in GradTour.CSS_PATH]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.moves: list = []

    def on_cursor_moved(self, message: CursorMoved) -> None:
        self.moves.append((message.panel, message.x))


async def open_ravine(pilot) -> None:
    app = pilot.app
    feed(app, race_events())
    await pilot.pause(0.2)
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, FocusScreen)
    for _ in range(len(app.screen.names)):
        if app.screen.panel == "ravine":
            break
        await pilot.press("tab")
    await pilot.pause()
    assert app.screen.panel == "ravine"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_cursor_walks_the_paths_by_step_and_reads_each_point_and_its_loss(lang):
    app = Recording(state=State(), lesson="8.4", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_ravine(pilot)
        chart = app.screen.chart
        # Its positions are the paths' steps (0 … 49 by the runner's count), not w1 values.
        assert chart.positions() == [float(i) for i in range(STEPS)]
        await pilot.press(*["left"] * 38)  # from step 49 (the newest) to 11, the 12th step
        await pilot.pause()
        assert chart.chosen == 11.0
        text = chart.readout_text()
        # The step is the loss chart's x there (the demo counts from 1), the loss its value.
        step, loss = ("第 12 步", "损失") if lang == "zh" else ("step 12", "loss")
        assert text.startswith(step), text
        events = race_events()
        sgd = next(e for e in events if e["event"] == "points" and e["series"] == "sgd" and e["panel"] == "ravine")
        sgd_loss = next(e for e in events if e.get("panel") == "ravine_loss" and e["series"] == "sgd")["ys"][11]
        x, y = (f"{v:.4g}" for v in (sgd["xs"][11], sgd["ys"][11]))
        assert f"SGD ({x}, {y}) {loss} {sgd_loss:.4g}" in text, text
        assert "Adam (" in text
        assert ("ravine", 12.0) == app.moves[-1]  # the step as the readout names it
        assert f"SGD ({x}, {y})" in visible_text(app)
        # Each path's point at step 12 is marked: its glyph on the cursor's grey.
        strips = [chart.render_line(y) for y in range(chart.size.height)]
        marks = [segment for strip in strips for segment in strip
                 if segment.style and segment.style.bgcolor and segment.style.bgcolor.number == 250]
        assert sorted(segment.text for segment in marks) == ["*", "x"]
        await pilot.press("end")
        await pilot.pause()
        assert chart.chosen is None and app.moves[-1] == ("ravine", None)


async def test_no_log_scale_nor_series_keys_on_a_map():
    app = Recording(state=State(), lesson="8.4")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await open_ravine(pilot)
        screen = app.screen
        assert not screen.check_action("toggle_log", ())
        assert not screen.check_action("toggle_series", (1,))
        footer = visible_text(app).split("\n")[-1]
        assert "log/linear" not in visible_text(app) and "hide/show" not in visible_text(app), footer
        await pilot.press("y", "1")
        await pilot.pause()
        assert screen.chart.yscale is None and screen.chart.hidden == frozenset()
        await pilot.press("shift+tab")  # the line chart before it still offers them
        await pilot.pause()
        assert screen.check_action("toggle_log", ())


async def test_without_a_loss_panel_the_step_is_the_paths_own_and_the_loss_an_estimate():
    app = Recording(state=State(), lesson="8.4")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        feed(app, [e for e in race_events() if e.get("panel") != "ravine_loss"])
        await pilot.pause(0.2)
        await pilot.press("f")
        await pilot.pause()
        await wait_until(pilot, lambda: isinstance(app.screen, FocusScreen))
        while app.screen.panel != "ravine":
            await pilot.press("tab")
        await pilot.press("home")
        await pilot.pause()
        text = app.screen.chart.readout_text()
        assert text.startswith("step 0 · SGD (") and "loss ≈ " in text, text
        assert app.moves[-1] == ("ravine", 0.0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_snapshot_focus_view_on_the_ravine_with_the_cursor_at_step_12(snap_compare, lang):
    async def open_at_step_12(pilot):
        await pilot.pause()
        await open_ravine(pilot)
        await pilot.press(*["left"] * 38)
        await pilot.pause(0.2)

    app = Recording(state=State(), lesson="8.4", lang=lang)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_at_step_12)


async def test_following_the_run_the_readout_speaks_of_the_selected_optimizers_step():
    """Regression: with Adam paused after 5 steps (the state panel's optimizer)
    and SGD's 50 done, the cursor followed the newest point of all and read
    "step 50 · SGD (…) · Adam: –" over a table of Adam's step 5."""
    app = Recording(state=State(), lesson="8.4", lang="en")
    events = race_events()
    for event in events:
        if event.get("series") == "adam":
            event["xs"], event["ys"] = event["xs"][:5], event["ys"][:5]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, events)
        await pilot.pause(0.2)
        await pilot.press("f")
        await pilot.pause()
        for _ in range(len(app.screen.names)):
            if app.screen.panel == "ravine":
                break
            await pilot.press("tab")
        await pilot.pause()
        chart = app.screen.chart
        chart.data.select("adam")  # as the state panel's choice does (PanelData.select)
        chart.refresh()
        await pilot.pause()
        assert chart.chosen is None
        text = chart.readout_text()
        assert text.startswith("step 5 ·"), text
        sgd = next(e for e in events if e["event"] == "points" and e["series"] == "sgd" and e["panel"] == "ravine")
        assert f"SGD ({sgd['xs'][4]:.4g}, {sgd['ys'][4]:.4g})" in text, text
        assert "Adam (" in text, text
        # The map marks where each racer was at that step (SGD has moved on since).
        strips = [chart.render_line(y) for y in range(chart.size.height)]
        marks = [segment for strip in strips for segment in strip
                 if segment.style and segment.style.bgcolor and segment.style.bgcolor.number == 250]
        assert len(marks) == 2
        # ← steps back from the followed step, not from SGD's last.
        await pilot.press("left")
        await pilot.pause()
        assert chart.chosen == 3.0
        # Nothing selected: the newest point of all, as before.
        chart.data.select(None)
        await pilot.press("end")
        await pilot.pause()
        assert chart.readout_text().startswith("step 50 ·")
