"""The focus view (`f`): one chart on the whole screen, cycled with tab, read with a cursor.

Most tests feed a run's events straight to the app (no PyTorch), so they are
quick and exact; one runs lesson 8.3 in the worker and uses the view while
the demo trains, as a learner would.
"""

from __future__ import annotations

import pytest

from lessons.course import catalog
from tests.helpers import wait_until
from tests.test_app import make_app, visible_text
from tui.screens.focus_view import FocusScreen
from tui.widgets.focus_chart import FocusChart
from tui.controllers.lab_session import PREBUILD_DELAY

LRS = (0.01, 0.1, 0.5)


def sweep_events(steps: int = 20) -> list[dict]:
    """What lesson 8.3's first example sends: (w - 5)^2 per step, one series per learning rate."""
    events = [{"event": "start", "block": 0, "total": 2, "device": "cpu"}]
    for lr in LRS:
        w, ys = 0.0, []
        for _ in range(steps):
            w -= lr * 2 * (w - 5)
            ys.append((w - 5) ** 2)
        events.append({"event": "points", "panel": "loss", "series": f"LR={lr}", "xs": list(range(steps)), "ys": ys})
    # 8.3's second chart, the minibatch noise.
    events.append({"event": "points", "panel": "noise", "series": "batch 10", "xs": [1, 2, 3], "ys": [0.1, 0.2, 0.3]})
    events.append({"event": "out", "stream": "stdout", "text": "LR=0.1: factor +0.80, final loss 0.0052"})
    return events


def feed(app, events, done: bool = True) -> None:
    record = app.demos.record(catalog.load(app.lesson_id))
    if not record.running:
        record.begin()
    for event in events:
        app.demos._apply(record, event)
    if done:
        app.demos._apply(record, {"event": "done", "status": "ok", "seconds": 0.5})


def focus_chart(app) -> FocusChart:
    assert isinstance(app.screen, FocusScreen)
    return app.screen.chart


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_f_cursor_cycle_log_hide_and_escape_after_a_run(lang):
    app = make_app(lesson="8.3", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        assert not isinstance(app.screen, FocusScreen)  # nothing to show before a run
        feed(app, sweep_events())
        await pilot.pause(0.2)
        await pilot.press("f")
        await pilot.pause()
        chart = focus_chart(app)
        assert chart.reading_x() == 19.0 and chart.chosen is None  # follows the newest point
        await pilot.press(*["left"] * 7)
        await pilot.pause()
        assert chart.chosen == 12.0
        step = "步数" if lang == "zh" else "step"
        sep = "：" if lang == "zh" else ": "
        assert f"{step} 12 · LR=0.01{sep}" in chart.readout_text()
        assert f"LR=0.1{sep}0.07556" in visible_text(app)  # 25 * 0.8**26, read at step 12
        # The cursor is a column of its own inside the frame (which has a "│" each side).
        assert sum(line.count("│") >= 3 for line in chart.render().plain.split("\n")) >= 5
        await pilot.press("home")
        assert chart.chosen == 0.0
        await pilot.press("y")
        assert chart.yscale == "linear"  # the lesson's axis is log
        await pilot.press("2")
        await pilot.pause()
        assert chart.hidden == {"LR=0.1"} and "LR=0.1" not in chart.readout_text()
        await pilot.press("2")
        assert chart.hidden == frozenset()
        await pilot.press("tab")
        await pilot.pause()
        assert app.screen.panel == "noise" and chart.chosen is None and chart.yscale is None
        assert "3 · " in chart.readout_text() and "0.3" in chart.readout_text()  # its newest point
        await pilot.press("shift+tab", "tab")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FocusScreen)
        assert app.lesson_screen.demo_pane.current == "noise"  # the pane shows the chart last looked at
        assert f"2/{len(catalog.load('8.3').charts)} f" in visible_text(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_focus_view_follows_a_run_live_and_stop_works_from_it(lang):
    app = make_app(lesson="8.3", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        events = sweep_events(steps=5)
        feed(app, events[:2], done=False)  # a run under way: one curve so far
        await pilot.pause(0.2)
        await pilot.press("f")
        await pilot.pause()
        chart = focus_chart(app)
        assert chart.readout_text().count("LR=") == 1
        feed(app, events[2:], done=False)
        await wait_until(pilot, lambda: chart.readout_text().count("LR=") == 3, timeout=5)
        await pilot.press("s")  # stop works from here
        feed(app, [], done=True)
        await pilot.pause()
        assert not app.demos.running and isinstance(app.screen, FocusScreen)


async def test_a_real_run_in_the_worker_with_the_view_open():
    app = make_app(lesson="8.3", lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        record_status = lambda: app.demos.records["8.3"].status[0]  # noqa: E731
        await wait_until(pilot, lambda: app.lesson_screen.demo_pane.charts_shown, timeout=90)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FocusScreen)
        await wait_until(pilot, lambda: record_status() == "done", timeout=90)
        await pilot.pause(0.3)
        chart = focus_chart(app)
        await pilot.press(*["left"] * 7)
        await pilot.pause()
        assert chart.chosen == 12.0 and "LR=0.1：0.1181" in chart.readout_text()
        await pilot.press("tab", "escape")
        assert not isinstance(app.screen, FocusScreen)


async def test_results_stay_in_sight_after_a_run_at_80x24():
    app = make_app(lesson="8.1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = ["Squared differences: 0.2500, 0.2500, 0.0100, 0.0100", "Sum of squares: 0.5200",
                 "MSE by hand: 0.1300", "MSE with F.mse_loss: 0.1300", "Both agree: True",
                 "CrossEntropy with F.cross_entropy: 0.4170", "Probabilities: 0.6590, 0.2424, 0.0986",
                 "-log(p[0]): 0.4170", "Uniform guess, log(3): 1.0986",
                 "F.cross_entropy on probabilities (wrong): 0.8021"]
        feed(app, [{"event": "bars", "panel": "sq_err", "labels": ["0", "1"], "values": [0.25, 0.01]},
                   *({"event": "out", "stream": "stdout", "text": line} for line in lines)])
        await pilot.pause(0.3)
        text = visible_text(app)
        assert "MSE by hand: 0.1300" in text and "CrossEntropy with F.cross_entropy: 0.4170" in text
        assert app.demos.records["8.1"].results == [lines[2], lines[5]]
        # Not closed mid-way through the lab panel's prebuild (tui/controllers/lab_session.py,
        # PREBUILD_DELAY after launch): closed then, it raised NoMatches (#lab-status).
        await pilot.pause(PREBUILD_DELAY)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_snapshot_focus_view_with_the_cursor_at_step_12(snap_compare, lang):
    async def run_then_focus(pilot):
        await pilot.pause()
        feed(pilot.app, sweep_events())
        await pilot.pause(0.2)
        await pilot.press("f", *["left"] * 7)
        await pilot.pause(0.2)

    app = make_app(lesson="8.3", lang=lang)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_then_focus)


def test_every_result_marker_is_in_a_line_the_demo_is_known_to_print():
    """A lesson's `results` name lines of its output: each is part of a claim's
    output line, which tests/test_claims.py checks against a real run."""
    for lesson in catalog.load_all():
        outputs = [claim.output for claim in lesson.claims]
        for marker in lesson.results:
            assert any(marker in output for output in outputs), (lesson.id, marker)


async def test_random_keys_in_the_focus_view_during_and_after_a_run():
    """Every key the view knows, and others, in any order: nothing raises, escape always returns."""
    import random

    rng = random.Random(12)
    keys = ["left", "right", "home", "end", "tab", "shift+tab", "y", "l", "s", "f",
            *"0123456789", "pageup", "down", "enter"]
    app = make_app(lesson="8.3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        events = sweep_events(steps=30)
        feed(app, events[:2], done=False)
        await pilot.pause(0.2)
        await pilot.press("f")
        for round_ in range(3):
            await pilot.press(*(rng.choice(keys) for _ in range(60)))
            if round_ == 0:
                feed(app, events[2:], done=True)  # the run ends while the view is open
            await pilot.pause()
            assert isinstance(app.screen, FocusScreen)
            app.screen.chart.render()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FocusScreen)


async def test_the_cursor_tells_the_app_which_step_it_selects():
    """Other views (a step's optimizer state) read the step from CursorMoved messages."""
    from pathlib import Path

    from tui import app as tui_app
    from tui.app import GradTour
    from tui.screens.focus_view import CursorMoved
    from tui.state import State

    class Recording(GradTour):
        # The app's stylesheets by name resolve beside the class's module: here, tests/.
        CSS_PATH = [Path(tui_app.__file__).parent / p if isinstance(p, str) else p for p in GradTour.CSS_PATH]
        moves: list = []

        def on_cursor_moved(self, message: CursorMoved) -> None:
            self.moves.append((message.lesson, message.panel, message.x))

    app = Recording(state=State(), lesson="8.3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, sweep_events())
        await pilot.pause(0.2)
        await pilot.press("f", "left", "left", "home", "end", "tab")
        await pilot.pause()
        assert app.moves == [("8.3", "loss", 18.0), ("8.3", "loss", 17.0), ("8.3", "loss", 0.0),
                             ("8.3", "loss", None), ("8.3", "noise", None)]


async def test_the_focus_view_shown_again_starts_afresh_in_the_current_language():
    """`f` shows one installed focus view again (composing a new one cost a third
    of `f`): the cursor, hidden series and y scale of the last visit are gone,
    and a language switched meanwhile is the one it speaks."""
    app = make_app(lesson="8.3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, sweep_events())
        await pilot.pause(0.2)
        await pilot.press("f", "left", "left", "2", "y")
        await pilot.pause()
        first = app.screen
        assert first.chart.chosen is not None and first.chart.hidden and first.chart.yscale
        await pilot.press("tab", "escape", "l")
        await pilot.pause(0.3)
        await pilot.press("f")
        await pilot.pause()
        assert app.screen is first and app.screen.panel == "noise"  # the chart last looked at
        chart = app.screen.chart
        assert chart.chosen is None and chart.hidden == frozenset() and chart.yscale is None
        assert "步数" in chart.readout_text() and "第 2 张图" in visible_text(app)
