"""tui.widgets.chart.ChartPanel in a tiny app: live points, throttled redraws, language switch, snapshot."""

from __future__ import annotations

import asyncio
import math
import time

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.widgets import Static

from tests.chart_samples import ZH_SPEC, zh, zh_ui
from lessons import charts
from lessons.charts.data import ChartData
from tui.widgets.chart import CSS_PATH, REDRAW_INTERVAL, ChartPanel


class ChartApp(App):
    CSS_PATH = [CSS_PATH]

    def __init__(self, data: ChartData, previous: ChartData | None = None, *, chinese: bool = False) -> None:
        super().__init__()
        self.data = data
        self.previous = previous
        self.chinese = chinese

    def compose(self) -> ComposeResult:
        yield ChartPanel(
            ZH_SPEC,
            self.data.panel("loss"),
            previous=self.previous.panels["loss"] if self.previous else None,
            gettext=zh if self.chinese else None,
            ui_gettext=zh_ui if self.chinese else None,
            id="loss",
        )
        yield Static("r run · s stop · l 中文/English", id="below")


def feed(data: ChartData, step: int, *, diverge_at: int | None = None) -> None:
    data.apply({"event": "points", "panel": "loss", "series": "train", "xs": [step], "ys": [math.exp(-step / 15)]})
    val = "nan" if diverge_at is not None and step >= diverge_at else math.exp(-step / 25) + 0.05
    data.apply({"event": "points", "panel": "loss", "series": "val", "xs": [step], "ys": [val]})


def lines_of(panel: ChartPanel) -> list[str]:
    return panel.render().plain.split("\n")


def count_canvas_renders(monkeypatch) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    real = charts.render_canvas

    def counting(spec, panel, width, height, **kwargs):
        calls.append((width, height))
        return real(spec, panel, width, height, **kwargs)

    monkeypatch.setattr(charts, "render_canvas", counting)
    return calls


async def test_panel_draws_points_fed_while_running():
    data = ChartData(["loss"])
    app = ChartApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        assert "no data yet" in "\n".join(lines_of(panel))
        for step in range(40):
            feed(data, step, diverge_at=30)
            panel.refresh_data()
        await pilot.pause(REDRAW_INTERVAL * 2)
        text = "\n".join(lines_of(panel))
        assert text.startswith("Loss per step, one curve per learning rate")
        assert "training: last" in text
        assert "validation: diverged at step 30" in text
        assert "⣿ validation diverged" in text
        assert "┌" in text
        width, height = panel.content_size
        rendered = lines_of(panel)
        assert len(rendered) <= height
        assert all(cell_len(line) <= width for line in rendered)


async def test_redraws_are_throttled_however_many_points_arrive(monkeypatch):
    calls = count_canvas_renders(monkeypatch)
    data = ChartData(["loss"])
    app = ChartApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        calls.clear()
        start = time.monotonic()
        step = 0
        while time.monotonic() - start < 0.6:
            for _ in range(50):
                feed(data, step)
                panel.refresh_data()
                step += 1
            await asyncio.sleep(0.005)
        elapsed = time.monotonic() - start
        await pilot.pause(REDRAW_INTERVAL * 2)
        assert step > 1000
        # At most one redraw per interval (plus the trailing one), yet it kept up.
        assert 2 <= len(calls) <= elapsed / REDRAW_INTERVAL + 3
        assert f"last {charts.format_number(math.exp(-(step - 1) / 15))}" in "\n".join(lines_of(panel))


async def test_language_switch_redraws_captions_but_not_the_canvas(monkeypatch):
    calls = count_canvas_renders(monkeypatch)
    data = ChartData(["loss"])
    for step in range(20):
        feed(data, step, diverge_at=10)
    app = ChartApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        before = len(calls)
        panel.set_gettext(zh, zh_ui)
        await pilot.pause()
        text = "\n".join(lines_of(panel))
        assert text.startswith("每一步的损失")
        assert "验证集：步数 = 10 时发散" in text
        assert "validation" not in text and "diverged" not in text
        assert all(cell_len(line) <= panel.content_size.width for line in text.split("\n"))
        assert len(calls) == before  # same size, same data: the canvas is reused
        panel.set_gettext(None, lambda m: m)
        await pilot.pause()
        assert "\n".join(lines_of(panel)).startswith("Loss per step")


async def test_resize_re_renders_the_canvas_to_the_new_width():
    data = ChartData(["loss"])
    for step in range(20):
        feed(data, step)
    app = ChartApp(data, chinese=True)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        assert max(cell_len(line) for line in lines_of(panel)) == 80
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        assert panel.content_size.width == 50
        rendered = lines_of(panel)
        assert max(cell_len(line) for line in rendered) == 50
        assert "┌" + "─" in "\n".join(rendered)


async def test_new_run_with_previous_overlay():
    data = ChartData(["loss"])
    for step in range(20):
        feed(data, step)
    app = ChartApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        previous = data.snapshot()
        data.clear()
        panel.set_data(data.panels["loss"], previous.panels["loss"])
        feed(data, 0)
        panel.refresh_data()
        await pilot.pause(REDRAW_INTERVAL * 2)
        text = "\n".join(lines_of(panel))
        assert "previous run" in text


async def test_tiny_terminal_with_hostile_values():
    data = ChartData(["loss"])
    data.apply({"event": "points", "panel": "loss", "series": "train",
                "xs": [0, 1, 2, 3, 4], "ys": [0.0, -1.0, "inf", 1e-30, 1e30]})
    data.apply({"event": "points", "panel": "loss", "series": "val", "xs": [0], "ys": ["nan"]})
    app = ChartApp(data, chinese=True)
    async with app.run_test(size=(10, 4)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        rendered = lines_of(panel)
        assert len(rendered) <= panel.content_size.height
        assert all(cell_len(line) <= 10 for line in rendered)
        await pilot.resize_terminal(12, 12)
        await pilot.pause()
        assert all(cell_len(line) <= 12 for line in lines_of(panel))


def sized_app(css: str, data: ChartData, *, chinese: bool = False, spec=ZH_SPEC) -> App:
    """A ChartPanel inside a container, both sized by `css`, as the demo pane does."""

    class Sized(App):
        CSS_PATH = [CSS_PATH]
        CSS = css

        def compose(self) -> ComposeResult:
            with Container(id="charts"):
                yield ChartPanel(spec, data.panel("loss"), gettext=zh if chinese else None,
                                 ui_gettext=zh_ui if chinese else None)
            yield Static("below", id="below")

    return Sized()


def fed(steps: int = 20) -> ChartData:
    data = ChartData(["loss"])
    for step in range(steps):
        feed(data, step)
    return data


def canvas_bottom(rendered: list[str]) -> int:
    """The index of the line under the frame: the x tick labels."""
    return next(i for i, line in enumerate(rendered) if "└" in line) + 1


async def test_a_container_shorter_than_the_panel_does_not_cut_the_x_axis():
    # The demo pane gives its charts 12 lines but caps their container lower.
    app = sized_app("#charts { height: auto; max-height: 8; } #charts ChartPanel { height: 12; }", fed())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        assert panel.size.height == 8
        rendered = lines_of(panel)
        bottom = canvas_bottom(rendered)
        assert bottom < len(rendered) <= 8
        assert rendered[bottom].split()[:2] == ["0", "5"]  # the x tick labels
        assert "⣿ training" in rendered[bottom + 1] and "⣿ validation" in rendered[bottom + 1]


async def test_a_short_panel_keeps_its_canvas_and_keys_before_readout_lines():
    app = sized_app("#charts { height: 7; } ChartPanel { height: 7; }", fed(), chinese=True)
    async with app.run_test(size=(30, 12)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        rendered = lines_of(panel)
        assert len(rendered) == 7
        assert rendered[0].startswith("每一步的损失")
        bottom = canvas_bottom(rendered)
        assert rendered[bottom].strip()[0].isdigit()
        keys = rendered[bottom + 1]
        assert "训练集" in keys and "验证" in keys and cell_len(keys) <= 30
        assert "最终" not in "\n".join(rendered)  # the readout gave way


async def test_a_panel_too_short_for_a_plot_shows_its_readout():
    app = sized_app("#charts { height: 4; } ChartPanel { height: 4; }", fed())
    async with app.run_test(size=(80, 12)) as pilot:
        panel = app.query_one(ChartPanel)
        await pilot.pause()
        text = "\n".join(lines_of(panel))
        assert "┌" not in text and "└" not in text
        assert "training: last" in text and "validation: last" in text


def test_refresh_before_mount_is_harmless():
    panel = ChartPanel(ZH_SPEC, ChartData(["loss"]).panel("loss"))
    panel.refresh_data()
    panel.set_data(None)
    assert panel.data is None


def test_css_path_points_at_the_stylesheet():
    assert CSS_PATH.name == "chart.tcss" and CSS_PATH.is_file()
    assert "ChartPanel" in CSS_PATH.read_text(encoding="utf-8")


def test_snapshot_chinese_captions_80x24(snap_compare):
    data = ChartData(["loss"])
    previous = ChartData(["loss"])
    for step in range(60):
        feed(previous, step)
    for step in range(60):
        feed(data, step, diverge_at=45)
    assert snap_compare(ChartApp(data, previous, chinese=True), terminal_size=(80, 24))
