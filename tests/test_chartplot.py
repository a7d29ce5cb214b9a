"""lessons.charts: every value a demo can produce draws, at every size, laid out by cells."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from tests.chart_samples import ZH_SPEC, zh, zh_ui
from lessons import charts
from lessons.charts.data import ChartData, PanelData
from lessons.charts import (
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
    assert GLYPHS[0] in canvas and GLYPHS[1] in canvas and charts.PREVIOUS_GLYPH in canvas


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
        (0.25, 0.25, "0.25"), (0.5, 0.25, "0.5"), (1.0, 0.25, "1"), (0.001, 0.0001, "0.001"), (100, 50, "100"), (5e29, 5e29, "5e29"),
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
        assert "损失（对数坐标）" in text
        assert "验证集：步数 = 2 时发散" in text


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
    assert any("验证集：步数 = 30 时发散" in line for line in lines)
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


# ---------------------------------------------------------------- ticks a learner can read


def y_labels(canvas: str) -> list[str]:
    return [line.split("┤")[0].strip() for line in visible_lines(canvas) if "┤" in line]


def x_labels(canvas: str) -> list[str]:
    return visible_lines(canvas)[-1].split()


def lr_sweep(steps: int = 20) -> PanelData:
    """Lesson 8.3's loss curves, (w - 5)^2 from w = 0 at each learning rate, with its exact zeros."""
    panel = PanelData()
    for lr in (0.01, 0.1, 0.5, 0.9, 1.0, 1.1):
        w, losses = 0.0, []
        for _ in range(steps):
            losses.append((w - 5) ** 2)
            w -= lr * 2 * (w - 5)
        panel.add_points(f"LR={lr}", list(range(steps)), losses)
    return panel


def is_round(label: str) -> bool:
    """At most two significant digits (1, 2, 5, 30, 0.002, 1e-30): what a log axis labels."""
    mantissa = f"{abs(float(label)):.6e}".split("e")[0].rstrip("0").rstrip(".")
    return len(mantissa.replace(".", "")) <= 2


def assert_round_steps(labels: list[str]) -> None:
    """Evenly spaced multiples of a step of 1, 2, 2.5 or 5 times a power of ten."""
    values = [float(label) for label in labels]
    gaps = [a - b for a, b in zip(values, values[1:])]
    step = gaps[0]
    assert all(math.isclose(gap, step, rel_tol=1e-6) for gap in gaps), labels
    mantissa = float(f"{step:.6e}".split("e")[0])
    assert mantissa in (1, 2, 2.5, 5), labels
    assert all(math.isclose(v / step, round(v / step), abs_tol=1e-6) for v in values), labels


@pytest.mark.parametrize("height", [5, 6, 7, 8, 10, 12, 16])
def test_log_axis_spanning_decades_labels_at_least_two_ticks_and_three_where_rows_allow(height):
    canvas = render_canvas(LOG, lr_sweep(), 40, height, color=False)
    labels = y_labels(canvas)
    rows = height - 3
    assert len(labels) >= (3 if rows >= 4 else 2), labels
    assert len(set(labels)) == len(labels)
    assert all(is_round(label) for label in labels), labels


@pytest.mark.parametrize("height", [7, 8, 9])
def test_log_axis_of_four_decades_on_few_rows_labels_three(height):
    # Lesson 8.4's race: strides of two decades give two ticks only.
    canvas = render_canvas(LOG, panel_with(("a", [0, 1, 2], [300.0, 1.0, 0.013])), 40, height, color=False)
    assert len(y_labels(canvas)) >= 3, y_labels(canvas)


@pytest.mark.parametrize("ys", [[0.3, 4.0], [0.5, 3.0], [1e-8, 2e-7], [0.9, 1.1]])
def test_log_axis_within_a_decade_or_two_still_has_ticks(ys):
    canvas = render_canvas(LOG, panel_with(("a", [0, 1], ys)), 40, 12, color=False)
    labels = y_labels(canvas)
    decades = math.log10(ys[1] / ys[0])
    assert len(labels) >= (3 if decades >= 1 else 2), labels
    values = [float(label) for label in labels]
    assert all(ys[0] * 0.999 <= v <= ys[1] * 1.001 for v in values), labels


@pytest.mark.parametrize("height", [5, 6, 7, 8, 12])
@pytest.mark.parametrize("ys", [[0.0, 4.27248], [1.0, 4.994, 4.78], [0.27, 0.33], [-3.0, 1000.0], [0.001, 0.0012]])
def test_linear_axis_labels_at_least_two_round_ticks(height, ys):
    canvas = render_canvas(LINEAR, panel_with(("a", list(range(len(ys))), ys)), 40, height, color=False)
    labels = y_labels(canvas)
    assert len(labels) >= 2, labels
    assert_round_steps(labels)


def test_tick_labels_are_rounded_not_raw_data():
    canvas = render_canvas(LINEAR, panel_with(("w", [1, 2, 3], [0.0, 2.0, 4.27248])), 40, 5, color=False)
    assert "4.27248" not in canvas
    assert len(y_labels(canvas)) >= 2


@pytest.mark.parametrize("xs", [[0, 1], [5], [1, 2, 3], list(range(20)), [0, 3]])
def test_whole_number_x_values_get_whole_number_ticks(xs):
    canvas = render_canvas(LINEAR, panel_with(("a", xs, [1.0] * len(xs))), 60, 10, color=False)
    labels = x_labels(canvas)
    assert len(labels) >= 2, labels
    assert all(label.lstrip("-").isdigit() for label in labels), labels


def test_fractional_x_values_may_have_fractional_ticks():
    canvas = render_canvas(LINEAR, panel_with(("a", [0, 0.5, 1], [1.0, 2.0, 3.0])), 60, 10, color=False)
    assert any("." in label for label in x_labels(canvas))


def test_all_zero_curve_gets_a_zero_to_one_axis_not_minus_one():
    canvas = render_canvas(LINEAR, EDGE_CASES["all zero"][1], 40, 12, color=False)
    values = [float(label) for label in y_labels(canvas)]
    assert min(values) == 0 and max(values) <= 1, values


def test_flat_curve_is_padded_by_a_tenth_of_its_value():
    canvas = render_canvas(LINEAR, EDGE_CASES["all equal"][1], 40, 12, color=False)
    values = [float(label) for label in y_labels(canvas)]
    assert 1.8 <= min(values) < 2 < max(values) <= 2.2, values


ACCURACY = {"title": "Accuracy", "x": "epoch", "y": "accuracy", "ylim": [0, 1]}


def test_ylim_fixes_the_y_range():
    canvas = render_canvas(ACCURACY, panel_with(("val", [0, 1, 2], [0.52, 0.61, 0.63])), 40, 12, color=False)
    labels = y_labels(canvas)
    assert labels[0] == "1" and labels[-1] == "0", labels
    # A fixed range still gets round ticks in between.
    assert len(labels) >= 3


def test_ylim_clips_points_outside_to_the_frame():
    panel = panel_with(("val", [0, 1, 2, 3], [-0.5, 0.5, 1.5, 0.5]))
    for color in (True, False):
        canvas = render_canvas(ACCURACY, panel, 40, 12, color=color)
        assert_shape(canvas, 40, 12)
        assert_drawn(canvas)
        assert y_labels(canvas)[0] == "1" and y_labels(canvas)[-1] == "0"


def test_ylim_with_one_open_end_and_on_a_log_axis():
    open_top = dict(LINEAR, ylim=[0, None])
    labels = y_labels(render_canvas(open_top, panel_with(("a", [0, 1], [3.0, 7.0])), 40, 12, color=False))
    assert labels[-1] == "0" and float(labels[0]) >= 6
    log = dict(LOG, ylim=["1e-4", 10])  # YAML reads 1e-4, without a dot, as a string
    labels = y_labels(render_canvas(log, panel_with(("a", [0, 1], [0.5, 0.2])), 40, 12, color=False))
    assert labels[-1] == "1e-4" and all(1e-4 <= float(label) <= 10 for label in labels), labels


@pytest.mark.parametrize("ylim", [[1, 0], [0, 0], "0 1", [0], ["a", "b"], [float("nan"), None], None, [1, 2, 3]])
def test_unusable_ylim_is_ignored(ylim):
    spec = dict(LINEAR, ylim=ylim)
    panel = panel_with(("a", [0, 1], [3.0, 7.0]))
    canvas = render_canvas(spec, panel, 40, 12, color=False)
    assert_drawn(canvas)
    values = [float(label) for label in y_labels(canvas)]
    assert min(values) >= 3 and max(values) <= 7, values


def test_log_ylim_that_is_not_positive_is_ignored_at_that_end():
    spec = dict(LOG, ylim=[0, 10])
    labels = y_labels(render_canvas(spec, panel_with(("a", [0, 1], [0.01, 1.0])), 40, 12, color=False))
    assert labels[0] == "10" and float(labels[-1]) >= 0.01, labels


def test_ylim_on_bars():
    panel = PanelData()
    panel.set_bars(["100", "1000"], [0.4, 0.8])
    canvas = render_canvas(dict(BAR, ylim=[0, 1]), panel, 40, 12, color=False)
    assert y_labels(canvas)[0] == "1" and y_labels(canvas)[-1] == "0"


# ---------------------------------------------------------------- readouts and legends


def test_negative_zero_reads_as_zero():
    assert format_number(-0.0) == "0"
    assert format_number(0.0) == "0"


def test_readout_quotes_the_last_value_even_when_a_log_axis_cannot_draw_it():
    panel = lr_sweep()
    text = render_panel_text(LOG, panel, 80, lambda m: m)
    assert "LR=0.5: last 0, min 0" in text
    canvas = render_canvas(LOG, panel, 80, 14, color=False)
    assert_drawn(canvas)


def test_identical_curves_say_which_one_hides_the_other():
    # 8.3: LR=0.1 and LR=0.9 have the same loss at every step (up to float32
    # rounding), so LR=0.9, drawn later, covers LR=0.1 completely.
    panel = lr_sweep()
    panel.add_points("float32", list(range(20)), [y * (1 + 1e-6) for y in panel.series["LR=0.1"].ys])
    legend = "\n".join(plain(line) for line in captions(LOG, panel, 200).legend)
    assert "LR=0.1 (same as float32)" in legend
    assert "LR=0.9 (same as float32)" in legend
    assert "float32 (same" not in legend
    assert "LR=0.01 (same" not in legend and "LR=1.0 (same" not in legend


def test_curves_that_differ_somewhere_are_not_called_the_same():
    panel = panel_with(("a", [0, 1, 2], [1.0, 2.0, 3.0]), ("b", [0, 1, 2], [1.0, 2.0, 3.1]),
                       ("c", [0, 1], [1.0, 2.0]), ("d", [0, 1, 3], [1.0, 2.0, 3.0]))
    legend = "\n".join(plain(line) for line in captions(LINEAR, panel, 200).legend)
    assert "same as" not in legend


def test_same_curve_note_is_translated():
    panel = panel_with(("train", [0, 1], [1.0, 0.5]), ("val", [0, 1], [1.0, 0.5]))
    same = {"{name} (same as {other})": "{name}（与 {other} 重合）"}
    caps = captions(ZH_SPEC, panel, 80, zh, lambda m: same.get(m, zh_ui(m)))
    legend = "\n".join(plain(line) for line in caps.legend)
    assert "训练集（与 验证集 重合）" in legend


@pytest.mark.parametrize("width", [80, 40, 24, 12])
def test_keys_line_names_every_series_on_one_line(width):
    panel = lr_sweep()
    caps = captions(LOG, panel, width)
    keys = plain(caps.keys)
    assert cell_len(keys) <= width
    if width >= 80:
        assert all(f"LR={lr}" in keys for lr in (0.01, 0.1, 0.5, 0.9, 1.0, 1.1))
    else:
        assert keys.startswith("⣿ LR=0.01") and keys.endswith("…")


def test_no_keys_line_for_a_single_series_or_bars():
    assert captions(LINEAR, panel_with(("a", [0], [1.0])), 80).keys == ()
    assert captions(*EDGE_CASES["bars"], 80).keys == ()


# ---------------------------------------------------------------- arranging a panel


def arranged(height: int, width: int = 40, panel: PanelData | None = None, spec=LOG):
    caps = captions(spec, panel if panel is not None else lr_sweep(), width)
    return caps, charts.arrange(caps, width, height)


@pytest.mark.parametrize("height", range(0, 30))
def test_arrangement_fills_the_height_and_never_cuts_the_canvas(height):
    caps, plan = arranged(height)
    used = len(plan.above) + plan.canvas_height + len(plan.below)
    assert used <= height
    assert plan.canvas_height == 0 or plan.canvas_height >= charts.MIN_CANVAS_HEIGHT
    if plan.canvas_height:
        assert used == height
        # Two or more series: the keys line always comes with the plot.
        assert plan.below[0] in (caps.keys, caps.legend[0])
        assert all(name in plain(plan.below[0]) for name in ("LR=0.01", "LR=0.1"))


def test_too_short_for_a_plot_shows_readout_then_title():
    caps, plan = arranged(5)
    assert plan.canvas_height == 0
    assert plan.below == caps.readout[:5] and len(plan.below) + len(plan.above) <= 5
    caps, plan = arranged(2, width=200)
    assert plan.canvas_height == 0 and len(plan.below) == 1 and plan.above == (caps.title,)


def test_captions_give_way_to_the_canvas_in_order():
    caps, plan = arranged(8)
    # canvas 5, keys, title, first readout line
    assert (plan.above, plan.canvas_height) == ((caps.title,), 5)
    assert plan.below == (caps.keys, caps.readout[0])
    caps, plan = arranged(11)
    assert plan.canvas_height == charts.ROOMY_CANVAS_HEIGHT
    caps, plan = arranged(40)
    assert plan.below == caps.legend + caps.readout
    assert plan.canvas_height == 40 - 1 - len(caps.legend) - len(caps.readout)


def test_one_series_gets_its_legend_line_after_the_readout():
    panel = panel_with(("a", [0, 1], [1.0, 2.0]))
    caps, plan = arranged(7, panel=panel, spec=LINEAR)
    assert caps.keys == ()
    assert plan.canvas_height == 5 and plan.below == (caps.readout[0],)
    caps, plan = arranged(8, panel=panel, spec=LINEAR)
    assert plan.below == (caps.legend[0], caps.readout[0])


def test_too_narrow_for_a_canvas_shows_the_readout():
    caps, plan = arranged(20, width=5)
    assert plan.canvas_height == 0
