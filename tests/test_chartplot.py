"""lessons.chartplot: every value a demo can produce draws, at every size, laid out by cells."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from tests.chart_samples import ZH_SPEC, zh, zh_ui
from lessons import chartplot
from lessons.chartdata import ChartData, PanelData
from lessons.chartplot import (
    GLYPHS, PALETTE, PREVIOUS_COLOR, captions, crop, format_number, format_tick, legend_keys, plain,
    render_canvas, render_panel_text,
)

LOG = {"title": "Loss", "x": "step", "y": "loss", "yscale": "log"}
LINEAR = {"title": "Weight", "x": "step", "y": "w"}
BAR = {"title": "Final loss", "x": "optimizer", "y": "loss", "kind": "bar"}

def panel_with(*series: tuple[str, list, list]) -> PanelData:
    panel = PanelData()
    for name, xs, ys in series:
        panel.add_points(name, xs, ys)
    return panel


def visible_lines(canvas: str) -> list[str]:
    """The canvas as the terminal shows it: ANSI codes interpreted, one string per row."""
    return [Text.from_ansi(line).plain for line in canvas.split("\n")]


def assert_shape(canvas: str, width: int, height: int) -> None:
    lines = visible_lines(canvas)
    assert len(lines) == height
    for line in lines:
        assert cell_len(line) == width, (line, width)
        # Only one-cell characters: plotext places them by len().
        assert len(line) == cell_len(line)


def assert_drawn(canvas: str) -> None:
    """A frame, so plotext really drew (not the blank fallback)."""
    text = "\n".join(visible_lines(canvas))
    assert "┌" in text and "┘" in text, text


EDGE_CASES = {
    "zero and negatives on log": (LOG, panel_with(("a", [0, 1, 2, 3, 4], [1.0, 0.0, -3.0, 0.01, 1e-5]))),
    "only non-positive on log": (LOG, panel_with(("a", [0, 1, 2], [0.0, -1.0, -1e30]))),
    "inf, -inf and nan": (LINEAR, panel_with(("a", [0, 1, 2, 3, 4], [1.0, "nan", float("inf"), "-inf", 2.0]))),
    "huge range linear": (LINEAR, panel_with(("a", [0, 1, 2, 3], [-1e30, 1e-30, 1.0, 1e30]))),
    "huge range log": (LOG, panel_with(("a", [0, 1, 2], [1e-30, 1.0, 1e30]))),
    "float extremes": (LINEAR, panel_with(("a", [0, 1, 2], [-1.7e308, 5e-324, 1.7e308]))),
    "float extremes log": (LOG, panel_with(("a", [0, 1, 2], [5e-324, 1.0, 1.7e308]))),
    "huge x": (LINEAR, panel_with(("a", [-1e300, 1e300], [1.0, 2.0]))),
    "single point": (LINEAR, panel_with(("a", [5], [0.3]))),
    "single point log": (LOG, panel_with(("a", [5], [0.3]))),
    "all equal": (LINEAR, panel_with(("a", [0, 1, 2], [2.0, 2.0, 2.0]))),
    "all zero": (LINEAR, panel_with(("a", [0, 1, 2], [0.0, 0.0, 0.0]))),
    "all equal log": (LOG, panel_with(("a", [0, 1, 2], [1e-8, 1e-8, 1e-8]))),
    "too close to tell apart": (LINEAR, panel_with(("a", [0, 1], [1e16 + 0.5, 1e16 + 1.5]))),
    "empty": (LINEAR, PanelData()),
    "empty log": (LOG, PanelData()),
    "diverged at once": (LOG, panel_with(("a", [0], ["nan"]))),
    "x not increasing": (LINEAR, panel_with(("a", [3, 1, 2, 0], [1.0, 2.0, 3.0, 4.0]))),
    "span below the float minimum": (LINEAR, panel_with(("a", [0, 1], [0.0, 5e-324]))),
    "bars": (BAR, PanelData()),
    "bars log with zero, nan and CJK labels": (dict(BAR, yscale="log"), PanelData()),
    "bars all nan": (BAR, PanelData()),
    "bars empty": (BAR, PanelData()),
}
EDGE_CASES["bars"][1].set_bars(["SGD", "momentum", "Adam"], [0.5, 0.02, 1.3])
EDGE_CASES["bars log with zero, nan and CJK labels"][1].set_bars(["SGD", "动量", "Adam", "x"], [0.5, 0.0, "nan", 1e-30])
EDGE_CASES["bars all nan"][1].set_bars(["a", "b"], ["nan", "inf"])

SIZES = [(80, 16), (40, 10), (10, 4), (12, 5), (7, 4), (200, 50)]


@pytest.mark.parametrize("color", [True, False], ids=["color", "plain"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_draw_at_every_size(case, size, color, capfd):
    spec, panel = EDGE_CASES[case]
    width, height = size
    canvas = render_canvas(spec, panel, width, height, color=color)
    assert_shape(canvas, width, height)
    assert_drawn(canvas)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_log_axis_drops_non_positive_points_and_labels_decades():
    canvas = render_canvas(LOG, EDGE_CASES["zero and negatives on log"][1], 60, 12, color=False)
    labels = {line.split("┤")[0].strip() for line in canvas.split("\n") if "┤" in line}
    assert labels <= {"1", "0.1", "0.01", "0.001", "1e-4", "1e-5"}
    assert "1" in labels


def test_huge_log_range_has_power_of_ten_ticks():
    canvas = render_canvas(LOG, EDGE_CASES["huge range log"][1], 60, 12, color=False)
    labels = [line.split("┤")[0].strip() for line in canvas.split("\n") if "┤" in line]
    assert labels and all(label == "1" or label.startswith("1e") for label in labels)


def test_tick_labels_never_overprint_at_tiny_height():
    canvas = render_canvas(LOG, EDGE_CASES["huge range log"][1], 10, 4, color=False)
    for line in canvas.split("\n"):
        label = line.split("┤")[0].strip() if "┤" in line else ""
        assert label in ("", "1", "1e-30", "1e30", "1e-20", "1e20", "1e-10", "1e10")


def test_single_point_is_drawn_mid_canvas():
    canvas = render_canvas(LINEAR, EDGE_CASES["single point"][1], 40, 12, color=False)
    rows = [i for i, line in enumerate(canvas.split("\n")) if "*" in line]
    assert rows == [5]  # rows 1..9 are inside the frame: the middle one


def test_below_minimum_size_is_blank_not_an_error():
    panel = EDGE_CASES["huge range log"][1]
    for width, height in [(0, 0), (1, 1), (5, 10), (30, 2), (-3, -3)]:
        canvas = render_canvas(LOG, panel, width, height)
        assert canvas.strip() == ""


def test_series_colours_follow_the_palette_and_previous_is_grey():
    current = panel_with(("a", [0, 1, 2], [3.0, 2.0, 1.0]), ("b", [0, 1, 2], [1.0, 2.0, 3.0]))
    previous = panel_with(("a", [0, 1, 2], [2.0, 2.0, 2.0]))
    canvas = render_canvas(LINEAR, current, 60, 12, previous=previous)
    assert f"38;5;{PALETTE[0]}m" in canvas
    assert f"38;5;{PALETTE[1]}m" in canvas
    assert f"38;5;{PREVIOUS_COLOR}m" in canvas
    assert "\x1b[48" not in canvas  # no background: the widget's theme shows through


def test_plain_canvas_has_no_escape_codes_and_tells_series_apart_by_glyph():
    current = panel_with(("a", [0, 1, 2], [3.0, 2.0, 1.0]), ("b", [0, 1, 2], [1.0, 2.0, 3.0]))
    previous = panel_with(("a", [0, 1, 2], [2.0, 2.0, 2.0]))
    canvas = render_canvas(LINEAR, current, 60, 12, previous=previous, color=False)
    assert "\x1b" not in canvas
    assert GLYPHS[0] in canvas and GLYPHS[1] in canvas and chartplot.PREVIOUS_GLYPH in canvas


def test_declared_series_keep_their_colour_whatever_arrives_first():
    panel = panel_with(("val", [0], [1.0]), ("extra", [0], [1.0]), ("train", [0], [2.0]))
    keys = legend_keys(ZH_SPEC, panel, zh)
    assert keys == [("train", "训练集", 0, False), ("val", "验证集", 1, False), ("extra", "extra", 2, False)]


def test_rendering_is_pure_despite_plotext_global_state():
    spec_a, panel_a = EDGE_CASES["huge range log"]
    first = render_canvas(spec_a, panel_a, 50, 12)
    render_canvas(*EDGE_CASES["bars"], 30, 8)
    render_canvas(LINEAR, EDGE_CASES["all equal"][1], 20, 6, color=False)
    assert render_canvas(spec_a, panel_a, 50, 12) == first


def test_concurrent_renders_do_not_interfere():
    cases = [EDGE_CASES[name] for name in ("huge range log", "bars", "single point", "inf, -inf and nan")]
    expected = [render_canvas(spec, panel, 50, 12) for spec, panel in cases]
    results: dict[int, list[str]] = {}

    def work(index: int) -> None:
        results[index] = [render_canvas(spec, panel, 50, 12) for spec, panel in cases * 3]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got in results.values():
        assert got == expected * 3


def test_long_series_render_fast_enough_for_the_ui_thread():
    import time

    data = ChartData(["loss"])
    for k in range(6):
        data.apply({"event": "points", "panel": "loss", "series": f"lr={k}",
                    "xs": list(range(20_000)), "ys": [math.exp(-i / 3000) * (1 + 0.1 * math.sin(i * k)) for i in range(20_000)]})
    previous = data.snapshot().panels["loss"]
    render_canvas(LOG, data.panels["loss"], 78, 14, previous=previous)  # warm up: import plotext
    start = time.perf_counter()
    render_canvas(LOG, data.panels["loss"], 78, 14, previous=previous)
    assert time.perf_counter() - start < 0.25


def test_bar_labels_with_wide_characters_become_numbers():
    spec, panel = EDGE_CASES["bars log with zero, nan and CJK labels"]
    canvas = render_canvas(spec, panel, 60, 12, color=False)
    bottom = canvas.split("\n")[-1]
    assert "SGD" in bottom and "2" in bottom and "动" not in canvas


@given(
    ys=st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["nan", "inf", "-inf", 0.0, -0.0])),
        max_size=40,
    ),
    xs_random=st.one_of(st.none(), st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=40)),
    log=st.booleans(),
    bars=st.booleans(),
    width=st.integers(min_value=6, max_value=120),
    height=st.integers(min_value=3, max_value=40),
    color=st.booleans(),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_values_at_any_size_never_raise(ys, xs_random, log, bars, width, height, color):
    spec = {"yscale": "log" if log else "linear", "kind": "bar" if bars else "line"}
    panel = PanelData()
    if bars:
        panel.set_bars([f"b{i}" for i in range(len(ys))], ys)
    else:
        xs = list(range(len(ys))) if xs_random is None else xs_random
        panel.add_points("a", xs, ys)
        panel.add_points("b", xs[::-1], ys)
    canvas = render_canvas(spec, panel, width, height, previous=panel, color=color)
    assert_shape(canvas, width, height)
    assert_drawn(canvas)


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "value, step, label",
    [
        (0.25, 0.25, "0.25"), (0.5, 0.25, "0.50"), (100, 50, "100"), (5e29, 5e29, "5e29"),
        (1e30, 5e29, "1e30"), (1.5e30, 5e29, "1.5e30"), (-5e29, 5e29, "-5e29"), (1e-30, 1e-30, "1e-30"),
        (2.5e-5, 2.5e-5, "2.5e-5"), (5.55e-17, 0.1, "0"), (1.000125, 0.000025, "1.000125"),
    ],
)
def test_format_tick(value, step, label):
    assert format_tick(value, step) == label


@pytest.mark.parametrize(
    "value, text",
    [(None, "–"), (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), (0.0775, "0.0775"),
     (3.0, "3"), (1.23456e-7, "1.235e-7"), (2e30, "2e30"), (123456.0, "1.235e5")],
)
def test_format_number(value, text):
    assert format_number(value) == text


# ---------------------------------------------------------------- captions and text


def test_crop_counts_cells_and_never_splits_a_wide_character():
    line = crop([("每一步的损失", "title")], 7)
    assert cell_len(plain(line)) == 7
    assert plain(line).endswith("…")
    assert crop([("abc", None)], 3) == (("abc", None),)


@pytest.mark.parametrize("width", [80, 79, 40, 21, 11])
def test_cjk_captions_fit_by_cells(width):
    panel = panel_with(("train", [0, 1, 2], [1.0, 0.5, 0.25]), ("val", [0, 1, 2], [1.0, 0.7, "nan"]),
                       ("lr=0.001", [0], [1.0]), ("lr=0.01", [0], [1.0]), ("lr=0.1", [0], [1.0]))
    previous = panel_with(("train", [0, 1], [1.0, 0.9]))
    caps = captions(ZH_SPEC, panel, width, zh, zh_ui, previous=previous)
    lines = [caps.title, *caps.legend, *caps.readout]
    for line in lines:
        assert cell_len(plain(line)) <= width
    text = "\n".join(plain(line) for line in lines)
    if width >= 21:
        assert "发散" in text and "上一次运行" in text and "步数" in text
    if width >= 40:
        assert "损失（对数刻度）" in text
        assert "验证集：在步数 2 处发散" in text


def test_render_panel_text_in_chinese_at_80_columns():
    data = ChartData(["loss"])
    for step in range(50):
        data.apply({"event": "points", "panel": "loss", "series": "train", "xs": [step], "ys": [math.exp(-step / 10)]})
        data.apply({"event": "points", "panel": "loss", "series": "val",
                    "xs": [step], "ys": [math.exp(-step / 20) if step < 30 else "inf"]})
    text = render_panel_text(ZH_SPEC, data.panels["loss"], 80, zh, ui_gettext=zh_ui)
    lines = text.split("\n")
    assert all(cell_len(line) <= 80 for line in lines)
    assert "\x1b" not in text
    assert lines[0].startswith("每一步的损失")
    assert any("训练集" in line and GLYPHS[0] in line for line in lines)
    assert any("验证集：在步数 30 处发散" in line for line in lines)
    # No English words leak into the Chinese block (tick labels are numbers).
    assert not any(word in text for word in ("loss", "step", "diverged", "last", "training", "log scale"))


def test_render_panel_text_in_english():
    data = ChartData(["loss"])
    data.apply({"event": "points", "panel": "loss", "series": "train", "xs": [0, 1, 2], "ys": [1.0, 0.5, 0.0775]})
    text = render_panel_text(ZH_SPEC, data.panels["loss"], 60, lambda m: m)
    assert text.split("\n")[0] == "Loss per step, one curve per learning rate"
    assert "x: step" in text and "y: loss (log scale)" in text
    assert "training: last 0.0775, min 0.0775" in text
    assert all(cell_len(line) <= 60 for line in text.split("\n"))


def test_empty_panel_text_says_no_data():
    text = render_panel_text(LINEAR, None, 40, lambda m: m)
    assert "no data yet" in text
    assert all(cell_len(line) <= 40 for line in text.split("\n"))


def test_bar_readout_names_each_bar():
    spec, panel = EDGE_CASES["bars log with zero, nan and CJK labels"]
    text = render_panel_text(spec, panel, 80, lambda m: m)
    assert "动量: 0" in text and "Adam: nan" in text and "x: 1e-30" in text
