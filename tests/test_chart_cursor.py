"""The chart cursor reads the recorded series: exact values at a step, never the printed output."""

from __future__ import annotations

import pytest

from lessons.charts import cursor as chart_cursor
from lessons.charts.data import PanelData
from lessons.charts import cursor_column, render_canvas
from tests.test_chartplot import EDGE_CASES

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


@pytest.mark.parametrize("width", [30, 40, 45, 61, 77, 100, 158])
def test_the_cursor_column_is_where_plotext_puts_the_same_x(width):
    """Checked against the x ticks plotext draws on the bottom frame ("┬")."""
    bars = PanelData()
    bars.set_bars(["a", "b", "c", "d"], [1.0, 2.0, 3.0, 0.5])
    for panel in (sweep(), bars):
        for height in (8, 20):
            frame = render_canvas(SPEC, panel, width, height, color=False).split("\n")[-2]
            marks = [i for i, ch in enumerate(frame) if ch == "┬"]
            ticks = [0.0, 5.0, 10.0, 15.0] if not panel.bar_labels else [1.0, 2.0, 3.0, 4.0]
            columns = [cursor_column(SPEC, panel, t, width, height) for t in ticks]
            assert set(marks) <= set(columns), (width, height, marks, columns)
            assert cursor_column(SPEC, panel, 1e9, width, height) is None


def test_a_hidden_series_is_left_out_of_the_canvas():
    panel = sweep()
    without = render_canvas(SPEC, panel, 40, 12, color=False, hidden={"LR=0.1"})
    assert "*" not in without and "+" in without  # glyphs by series index: * is the first


def test_chinese_readout_uses_the_catalog():
    from tui.i18n import translations

    ui = translations("zh", "tui").gettext
    read = chart_cursor.reading(SPEC, sweep(), 12.0)
    text = chart_cursor.readout_text(SPEC, read, {"step": "步数"}.get, ui)
    assert text == "步数 12 · LR=0.1：0.07556 · LR=0.5：0"


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_every_value_a_demo_can_send_reads_and_places_a_cursor(case):
    spec, panel = EDGE_CASES[case]
    for width, height in ((6, 3), (40, 12), (158, 40)):
        for x in [*chart_cursor.positions(panel), -1e308, float("nan")]:
            read = chart_cursor.reading(spec, panel, x)
            assert chart_cursor.readout_text(spec, read)
            column = cursor_column(spec, panel, x, width, height)
            assert column is None or 0 <= column < width
