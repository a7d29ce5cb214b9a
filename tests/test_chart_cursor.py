"""The chart cursor reads the recorded series: exact values at a step, never the printed output."""

from __future__ import annotations

from lessons import chart_cursor
from lessons.chartdata import PanelData
from lessons.chartplot import CURSOR_GLYPH, render_canvas

SPEC = {"x": "step", "y": "loss"}


def sweep() -> PanelData:
    panel = PanelData()
    for lr in (0.1, 0.5):
        w, xs, ys = 0.0, [], []
        for step in range(20):
            w -= lr * 2 * (w - 5)
            xs.append(step)
            ys.append((w - 5) ** 2)
        panel.add_points(f"LR={lr}", xs, ys)
    return panel


def test_the_readout_quotes_every_curve_at_the_step():
    panel = sweep()
    read = chart_cursor.reading(SPEC, panel, 12.0)
    expected = 25 * 0.8 ** 26  # (w - 5)^2 after 13 steps of factor 0.8
    assert read.values[0][0] == "LR=0.1" and abs(read.values[0][1] - expected) < 1e-12
    assert chart_cursor.readout_text(SPEC, read) == "step 12 · LR=0.1: 0.07556 · LR=0.5: 0"


def test_positions_step_over_the_kept_points_and_nearest_snaps():
    panel = sweep()
    xs = chart_cursor.positions(panel)
    assert xs == [float(i) for i in range(20)]
    assert chart_cursor.nearest(xs, None) == 19 and chart_cursor.nearest(xs, 4.4) == 4
    assert chart_cursor.nearest([], 3.0) is None


def test_a_decimated_series_is_read_where_it_kept_points():
    panel = PanelData(max_points=8)
    panel.add_points("a", list(range(100)), [float(i) for i in range(100)])
    for x in chart_cursor.positions(panel):
        assert chart_cursor.reading({}, panel, x).values[0][1] == x  # y = x exactly, from the data


def test_hidden_and_diverged_series():
    panel = sweep()
    panel.add_points("LR=1.1", [0, 1, 2], [1.0, 10.0, float("inf")])
    read = chart_cursor.reading(SPEC, panel, 5.0, hidden={"LR=0.5"})
    names = [name for name, _, _ in read.values]
    assert "LR=0.5" not in names
    assert read.values[-1] == ("LR=1.1", None, True)
    assert "LR=1.1: diverged" in chart_cursor.readout_text(SPEC, read)


def test_bars_read_one_bar_at_a_time():
    panel = PanelData()
    panel.set_bars(["0", "1", "2"], [0.659, 0.2424, 0.0986])
    assert chart_cursor.positions(panel) == [1.0, 2.0, 3.0]
    read = chart_cursor.reading({"x": "class", "y": "probability"}, panel, 1.0)
    assert chart_cursor.readout_text({"x": "class"}, read) == "class 0 · probability: 0.659"


def test_the_canvas_draws_the_cursor_and_leaves_out_hidden_series():
    panel = sweep()
    plain = render_canvas(SPEC, panel, 40, 12, color=False)
    marked = render_canvas(SPEC, panel, 40, 12, color=False, cursor=10.0)
    assert marked.count(CURSOR_GLYPH) - plain.count(CURSOR_GLYPH) >= 5  # the frame has its own
    without = render_canvas(SPEC, panel, 40, 12, color=False, hidden={"LR=0.1"})
    assert "*" not in without and "+" in without  # glyphs by series index: * is the first


def test_chinese_readout_uses_the_catalog():
    from tui.i18n import translations

    ui = translations("zh", "tui").gettext
    read = chart_cursor.reading(SPEC, sweep(), 12.0)
    text = chart_cursor.readout_text(SPEC, read, {"step": "步数"}.get, ui)
    assert text == "步数 12 · LR=0.1：0.07556 · LR=0.5：0"
