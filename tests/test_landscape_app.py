"""The landscape in the TUI: 8.4's race run, what-if, stopped, re-run over the
faded previous paths, switched to Chinese; and snapshots of a finished
landscape panel as a focus view would host it (the widget alone on the screen)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from lessons.charts.data import ChartData
from lessons.course import catalog
from lessons.course.i18n import translations
from tests.helpers import wait_until
from tests.test_app import make_app, visible_text
from tests.test_app_demos import status
from tui.widgets.chart import CSS_PATH, ChartPanel
from tui.dialogs.params import ParamsDialog

torch = pytest.importorskip("torch")

RACE = 150  # seconds: 8.4 runs eleven examples, on a busy box slowly


def ravine(app):
    return app.demos.records["8.4"].data.panels["ravine"]


async def test_race_what_if_language_rerun_and_stop_on_the_landscape():
    app = make_app(lesson="8.4")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ParamsDialog)
        app.screen.query_one("#param-valley_lr", Input).value = "5"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ParamsDialog)  # out of range: refused, with a message
        app.screen.query_one("#param-valley_lr", Input).value = "0.6"
        app.screen.query_one("#param-racers", Input).value = "sgd,adam"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ParamsDialog), visible_text(app)

        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "done", timeout=RACE)
        panel = ravine(app)
        assert panel.surface is not None and set(panel.series) == {"sgd", "adam"}
        widget = next(w for w in app.query(ChartPanel) if w.spec.get("kind") == "landscape")
        # lr = 0.6 > 2 / 4: SGD runs out of the ravine, and the readout says so.
        assert "SGD: left the picture" in widget.readout_text()
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "跑出图外" in widget.readout_text()

        await pilot.press("r")
        await wait_until(pilot, lambda: status(app) == "running", timeout=RACE)
        record = app.demos.records["8.4"]
        assert record.previous is not None and set(record.previous.panels["ravine"].series) == {"sgd", "adam"}
        await pilot.press("s")
        await wait_until(pilot, lambda: status(app) == "stopped", timeout=10)


# --- snapshots of a finished landscape ----------------------------------------------------


def race_data() -> ChartData:
    """The events of 8.4's ravine example, run in-process with the lesson's own code."""
    from lessons.demos import runner
    from tests.demo_sources import lesson

    lesson_84 = catalog.load("8.4")
    (block,) = [b for b in lesson_84.demos if 'panel="ravine"' in b.text]
    demo = lesson(block.text, charts={name: lesson_84.charts[name] for name in ("ravine", "ravine_loss")})
    data = ChartData(["ravine", "ravine_loss"])
    assert runner.run_lesson(demo, None, "cpu", data.apply) == "ok"
    return data


class LandscapeApp(App):
    CSS_PATH = [CSS_PATH]
    CSS = "ChartPanel { height: 1fr; }"

    def __init__(self, data: ChartData, lang: str) -> None:
        super().__init__()
        self.data = data
        self.lang = lang

    def compose(self) -> ComposeResult:
        spec = catalog.load("8.4").charts["ravine"]
        lessons_, ui = translations(self.lang, "lessons").gettext, translations(self.lang, "tui").gettext
        yield ChartPanel(spec, self.data.panels["ravine"], gettext=lessons_, ui_gettext=ui)


@pytest.fixture(scope="module")
def finished_race() -> ChartData:
    return race_data()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_snapshot_finished_landscape(snap_compare, finished_race, lang, size):
    assert snap_compare(LandscapeApp(finished_race, lang), terminal_size=size)


async def test_a_full_screen_landscape_at_80x24_gets_at_least_60x12_cells_of_map(finished_race):
    app = LandscapeApp(finished_race, "zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = app.query_one(ChartPanel).render().plain.split("\n")
        map_rows = [line for line in lines if "│" in line]
        assert len(map_rows) >= 12
        assert all(len(line.split("│", 1)[1]) >= 60 for line in map_rows)


async def test_a_frame_while_training_repaints_only_the_lines_that_changed():
    """A map's rows are kept between frames: a new point repaints the rows it
    touches and the readout, not the whole panel, and what shows is what a
    full redraw shows."""
    from tests.test_focus_landscape import race_events

    events = race_events()
    data = ChartData(["ravine"])
    for event in events:
        if event.get("panel") == "ravine" and event["event"] == "points":
            event = {**event, "xs": event["xs"][:30], "ys": event["ys"][:30]}
        data.apply(event)
    app = LandscapeApp(data, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(ChartPanel)
        repainted: list = []
        real = panel.refresh

        def recording(*regions, **kwargs):
            repainted.append(regions)
            return real(*regions, **kwargs)

        panel.refresh = recording
        sgd = next(e for e in events if e.get("panel") == "ravine" and e.get("series") == "sgd")
        data.apply({"event": "points", "panel": "ravine", "series": "sgd", "xs": sgd["xs"][30:32],
                    "ys": sgd["ys"][30:32]})
        panel.refresh_data()
        panel.flush()
        await pilot.pause(0.3)
        (regions,) = [r for r in repainted if r]
        assert 1 <= len(regions) < panel.size.height // 2
        shown = [panel.render_line(y).text for y in range(panel.size.height)]
        panel.refresh = real
        panel.refresh()
        await pilot.pause()
        assert [panel.render_line(y).text for y in range(panel.size.height)] == shown
