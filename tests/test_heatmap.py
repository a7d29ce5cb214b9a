"""The heat-map chart kind: the demo API that sends a grid, the data that keeps
it, and the loader's checks of a `kind: heatmap` panel."""

from __future__ import annotations

import json
import math

import pytest

from lessons.charts.data import ChartData, Heatmap
from lessons.course.catalog import LessonError, parse_lesson
from tests.demo_sources import lesson, lesson_source

NUMERIC = {
    "lr": {"label": "Learning rate", "type": "float", "min": 0.001, "max": 1},
    "momentum": {"label": "Momentum", "type": "float", "min": 0, "max": 0.99},
    "steps": {"label": "Steps", "type": "int", "min": 1, "max": 100},
    "lrs": {"label": "Rates", "type": "floats", "min": 0.001, "max": 1},
}
MAP = {"map": {"title": "Steps to converge", "kind": "heatmap", "x": "lr", "y": "momentum",
               "z": "steps", "zscale": "log", "x_param": "lr", "y_param": "momentum"},
       "loss": {"title": "L"}}
#: The same panels without what-if parameters, for lessons that declare none.
BARE = {name: {k: v for k, v in spec.items() if not k.endswith("_param")} for name, spec in MAP.items()}


def heatmap_event(z, x=None, y=None, panel="map"):
    return {"event": "heatmap", "panel": panel, "x": list(range(len(z[0]))) if x is None else x,
            "y": list(range(len(z))) if y is None else y, "z": z}


# --- the demo API --------------------------------------------------------------------------


def run(demo):
    from lessons.demos import runner

    pytest.importorskip("torch")
    events: list[dict] = []
    status = runner.run_lesson(demo, None, "cpu", events.append)
    for event in events:
        json.dumps(event, allow_nan=False)  # the worker's pipe carries strict JSON
    return status, events


def test_a_grid_becomes_one_heatmap_event_with_diverged_and_unreached_cells_as_words():
    demo = lesson(
        """
        import torch
        z = torch.tensor([[1.0, float("nan"), 3.5], [float("inf"), -float("inf"), 12345678.0]])
        chart.heatmap(z, torch.tensor([0.1, 0.2, 0.3]), [0, 0.9], panel="map")
        chart.heatmap([[7, 8]], [1, 2], [5])
        """,
        charts={"map": BARE["map"]},
    )
    status, events = run(demo)
    assert status == "ok", events
    assert [e for e in events if e["event"] == "heatmap"] == [
        # Sent within one flush interval: only the newer grid goes out.
        {"event": "heatmap", "panel": "map", "x": [1, 2], "y": [5], "z": [[7, 8]]},
    ]
    status, events = run(lesson(
        """
        import torch
        z = torch.tensor([[1.0, float("nan"), 3.5], [float("inf"), -float("inf"), 12345678.0]])
        chart.heatmap(z, torch.tensor([0.1, 0.2, 0.3]), [0, 0.9], panel="map")
        """,
        charts={"map": BARE["map"]},
    ))
    (event,) = [e for e in events if e["event"] == "heatmap"]
    assert event["x"] == pytest.approx([0.1, 0.2, 0.3]) and event["y"] == [0, 0.9]
    # -inf means nothing on a map: diverged, like NaN; six digits keep the event small.
    assert event["z"] == [[1.0, "nan", 3.5], ["inf", "nan", 12345700.0]]


def test_the_runs_own_setting_is_sent_as_the_mark_of_a_map_that_names_its_parameters():
    params = {name: NUMERIC[name] for name in ("lr", "momentum")}
    demo = lesson("lr = 0.1\nmomentum = 0.5\nchart.heatmap([[1, 2]], [0.1, 0.2], [0.5], panel='map')",
                  params=params, charts=MAP)
    from lessons.demos import runner

    events: list[dict] = []
    runner.run_lesson(demo, {"lr": 0.2}, "cpu", events.append)
    (event,) = [e for e in events if e["event"] == "heatmap"]
    assert event["mark"] == [0.2, 0.5]
    data = ChartData(MAP)
    data.apply(event)
    assert data.panels["map"].heatmap.mark == (0.2, 0.5)
    # Without both parameters named there is no setting to mark.
    _, events = run(lesson("chart.heatmap([[1, 2]], [0.1, 0.2], [0.5], panel='map')", charts=BARE))
    assert "mark" not in [e for e in events if e["event"] == "heatmap"][0]


def test_a_strip_sent_at_every_step_is_throttled_to_the_newest_grid():
    demo = lesson(
        """
        rows = [[], []]
        for step in range(2000):
            rows[0].append(step)
            rows[1].append(step * 2)
            chart.heatmap(rows, list(range(step + 1)), [1, 2], panel="map")
        """,
        charts={"map": BARE["map"]},
    )
    status, events = run(demo)
    grids = [e for e in events if e["event"] == "heatmap"]
    assert status == "ok" and 1 <= len(grids) < 200
    assert len(grids[-1]["x"]) == 2000 and grids[-1]["z"][1][-1] == 3998


@pytest.mark.parametrize("call, message", [
    ("chart.heatmap([[1, 2]], [0, 1], [0], panel='loss')", "chart.heatmap: panel 'loss' is a line chart"),
    ("chart.add('a', 0, 1, panel='map')", "chart.add: panel 'map' is a heatmap chart"),
    ("chart.heatmap([[1, 2, 3]], [0, 1], [0], panel='map')",
     "values must be 1 rows (one per y) of 2 numbers (one per x), not 1 rows of 3"),
    ("chart.heatmap([[1, 2], [3]], [0, 1], [0, 1], panel='map')", "not 2 rows of 2, 1 numbers"),
    ("chart.heatmap(torch.ones(3, 2), [0, 1], [0, 1], panel='map')", "not 3 rows of 2"),
    ("chart.heatmap(torch.ones(3), [0, 1, 2], [0], panel='map')", "of 3 numbers (one per x), not a flat list of 3"),
    ("chart.heatmap([[1, 2]], [0, float('nan')], [0], panel='map')", "xs must be finite numbers"),
    ("chart.heatmap([[1, 2]], [1, 0], [0], panel='map')", "xs must be strictly rising"),
    ("chart.heatmap([[1, 2]], [0, 1], [], panel='map')", "ys is empty"),
    ("chart.heatmap([[1, 2]], [0, 1], 3, panel='map')", "ys must be a list of numbers"),
    ("chart.heatmap([['a', 2]], [0, 1], [0], panel='map')", "values must be a number"),
    ("chart.heatmap(torch.zeros(300, 300), range(300), range(300), panel='map')", "at most 40000 are drawn"),
])
def test_heatmap_misuse_is_the_learners_error(call, message):
    status, events = run(lesson(f"import torch\n\n{call}", charts=BARE))
    (error,) = [e for e in events if e["event"] == "error"]
    assert status == "error" and message in error["message"], error["message"]
    assert error["line"] == 3


# --- the data ------------------------------------------------------------------------------


def test_a_heatmap_event_becomes_the_panels_grid_and_bad_ones_are_ignored():
    data = ChartData(["map"])
    assert data.panels["map"].is_empty
    assert data.apply(heatmap_event([[1, "nan"], ["inf", None]], x=[0.1, 0.2], y=[0.5, 0.9])) == "map"
    grid = data.panels["map"].heatmap
    assert isinstance(grid, Heatmap) and grid.xs == (0.1, 0.2) and grid.ys == (0.5, 0.9)
    assert grid.z[0][0] == 1 and math.isnan(grid.z[0][1]) and grid.z[1][0] == math.inf and math.isnan(grid.z[1][1])
    assert grid.finite() == [1] and not data.panels["map"].is_empty
    version = data.panels["map"].version
    for bad in (heatmap_event([[1, 2]], x=[0]), heatmap_event([[1], [2, 3]], x=[0], y=[0, 1]),
                heatmap_event([[1]], x=["nan"], y=[0]), heatmap_event([[1]], x=[], y=[0]),
                {"event": "heatmap", "panel": "map", "x": 3, "y": [0], "z": [[1]]},
                {"event": "heatmap", "panel": "map"}):
        assert data.apply(bad) is None
    assert data.panels["map"].heatmap is grid and data.panels["map"].version == version
    data.clear()
    assert data.panels["map"].heatmap is None and data.panels["map"].is_empty


# --- the loader ----------------------------------------------------------------------------


def test_a_heatmap_panel_loads_and_its_axis_names_are_translatable():
    demo = parse_lesson(lesson_source("x = 1", params=NUMERIC, charts=MAP))
    assert demo.charts["map"]["kind"] == "heatmap"
    messages = dict(demo.front_matter_messages())
    assert [messages[f"chart map {key}"] for key in ("title", "x", "y", "z")] == [
        "Steps to converge", "lr", "momentum", "steps"]


@pytest.mark.parametrize("change, reason", [
    ({"kind": "pie"}, "kind must be one of line, bar, landscape, heatmap, not 'pie'"),
    ({"zscale": "sqrt"}, "zscale must be linear or log, not 'sqrt'"),
    ({"x_param": "beta"}, "x_param 'beta' is not a parameter of the lesson"),
    ({"y_param": "lrs"}, "y_param 'lrs' must be an int or float parameter, not 'floats'"),
    ({"y_param": "lr"}, "x_param and y_param name the same parameter"),
])
def test_the_loader_names_a_broken_heatmap_panel(change, reason):
    broken = {"map": {**MAP["map"], **change}}
    with pytest.raises(LessonError, match=reason):
        parse_lesson(lesson_source("x = 1", params=NUMERIC, charts=broken))


def test_a_heatmap_may_set_an_int_parameter_or_none():
    parse_lesson(lesson_source("x = 1", params=NUMERIC, charts={"map": {**MAP["map"], "y_param": "steps"}}))
    bare = {"map": {"title": "Strips", "kind": "heatmap"}}
    assert parse_lesson(lesson_source("x = 1", charts=bare)).charts == bare


# --- the drawing -----------------------------------------------------------------------------

from rich.cells import cell_len  # noqa: E402

from lessons import charts  # noqa: E402
from lessons.charts import heatmap  # noqa: E402

SPEC = {"kind": "heatmap", "title": "Steps to converge", "x": "lr", "y": "momentum", "z": "steps",
        "zscale": "linear"}


def panel_of(z, x=None, y=None, mark=None):
    data = ChartData(["map"])
    event = heatmap_event(z, x, y)
    if mark is not None:
        event["mark"] = mark
    assert data.apply(event) == "map"
    return data.panels["map"]


def plain_rows(panel, width, height, spec=SPEC):
    """The canvas without colour, cut into the map's rows (without the y labels) and the x label line."""
    lines = charts.render_canvas(spec, panel, width, height, color=False).split("\n")
    assert len(lines) == height and all(cell_len(line) == width for line in lines), lines
    return [line.split("│", 1)[1] for line in lines[:-1]], lines[-1]


def test_each_cell_is_a_block_of_its_levels_digit_and_diverged_and_unreached_cells_their_glyphs():
    panel = panel_of([[1, 2], ["nan", "inf"]])
    rows, _ = plain_rows(panel, 23, 9)  # y labels "0", "1" and the frame leave 21 columns
    # Two columns of blocks: the top grid row (momentum row 1) is drawn first.
    top, bottom = rows[0], rows[-1]
    assert set(top[:10]) == {heatmap.DIVERGED_GLYPH} and set(top[10:20]) == {heatmap.UNREACHED_GLYPH}
    assert bottom[:10] == "1" * 10 and set(bottom[10:20]) == {heatmap.LEVEL_GLYPHS[heatmap.levels(
        panel.heatmap).level(2)]}
    assert len({top[0], top[10], bottom[0], bottom[10]}) == 4


def test_without_colour_every_kind_of_cell_has_its_own_glyph():
    glyphs = [*heatmap.LEVEL_GLYPHS, heatmap.DIVERGED_GLYPH, heatmap.UNREACHED_GLYPH, heatmap.MARK_GLYPH]
    assert len(set(glyphs)) == len(glyphs) and all(cell_len(glyph) == 1 for glyph in glyphs)
    # Nine levels on a map: each one shows its own digit, in the order of the numbers.
    panel = panel_of([list(range(0, 90, 10))])
    rows, _ = plain_rows(panel, 9 * 3 + 3, 3)
    assert heatmap.levels(panel.heatmap).count == 9
    assert rows[0][:27] == "".join(digit * 3 for digit in heatmap.LEVEL_GLYPHS)


def test_the_colour_ramp_rises_in_luminance_so_greys_keep_the_order():
    """NO_COLOR in Textual draws colours as greys of their luminance."""
    from rich.color import Color

    def luminance(number):
        triplet = Color.from_ansi(number).get_truecolor()
        channels = [c / 255 for c in triplet]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    steps = [luminance(number) for number in heatmap.RAMP]
    assert all(b - a > 0.02 for a, b in zip(steps, steps[1:])), steps
    # Fewer levels take colours spread over the whole ramp, darkest to lightest.
    few = heatmap.levels(panel_of([[1, 2, 3]]).heatmap)
    assert few.color(0) == heatmap.RAMP[0] and few.color(few.count - 1) == heatmap.RAMP[-1]


def test_a_single_row_and_a_single_cell_draw_with_their_values_as_labels():
    rows, x_line = plain_rows(panel_of([[3, 5, 9]], x=[0.1, 0.2, 0.4], y=[0.9]), 40, 5)
    assert all(row[:36].strip() for row in rows)
    assert x_line.split() == ["0.1", "0.2", "0.4"]
    lines = charts.render_canvas(SPEC, panel_of([[7]], x=[0.5], y=[0.9]), 20, 4, color=False).split("\n")
    assert any(line.startswith("0.9│") for line in lines) and lines[-1].split() == ["0.5"]
    caps = charts.captions(SPEC, panel_of([[7]], x=[0.5], y=[0.9]), 80)
    assert "1: 7" in charts.plain(caps.legend[0])


def test_a_log_scale_takes_zeros_into_its_lowest_level_and_keys_round_decades():
    spec = {**SPEC, "zscale": "log"}
    panel = panel_of([[0, 1e-3, 1e-2, 0.1, 1, 10]])
    scale = heatmap.levels(panel.heatmap, log=True)
    assert scale.level(0) == 0 and scale.level(1e-3) == 0 and scale.level(10) == scale.count - 1
    assert all(math.log10(edge).is_integer() or math.log10(edge / 3).is_integer() for edge in scale.edges)
    rows, _ = plain_rows(panel, 6 * 4 + 3, 3, spec)
    assert rows[0][0] == heatmap.LEVEL_GLYPHS[0] and rows[0][4] == heatmap.LEVEL_GLYPHS[0]
    legend = " ".join(charts.plain(line) for line in charts.captions(spec, panel, 200, color=False).legend)
    assert legend.startswith("1: <0.003  2: 0.003–0.01") and "z: steps (log scale)" in legend
    # On a linear scale the same numbers fall in far fewer distinct levels.
    assert len(set(plain_rows(panel, 27, 3)[0][0][:24])) < len(set(rows[0][:24]))


def test_counts_are_keyed_by_the_numbers_each_level_holds():
    scale = heatmap.levels(panel_of([[1, 2, 3, 4, 5, 6]]).heatmap)
    assert scale.labels == ("≤1", "2", "3", "4", "5", "≥6")
    scale = heatmap.levels(panel_of([[10, 400, "inf", "nan"]]).heatmap, log=True)
    assert scale.labels == ("≤19", "20–49", "50–99", "100–199", "≥200")


def test_no_finite_cell_no_key_and_no_crash_at_any_size():
    panel = panel_of([["nan", "inf"], ["inf", "nan"]])
    assert heatmap.levels(panel.heatmap).count == 0
    for width, height in ((1, 1), (7, 2), (8, 3), (12, 4), (80, 24), (200, 60)):
        text = charts.render_canvas(SPEC, panel, width, height, color=True)
        assert len(text.split("\n")) == height
        assert charts.render_heatmap(SPEC, panel, width, height).cell_len <= width * height + height
    legend = " ".join(charts.plain(line) for line in charts.captions(SPEC, panel, 80).legend)
    assert "× diverged" in legend and "· not reached" in legend


def test_a_grid_larger_than_the_canvas_shows_the_cell_at_each_terminal_cells_centre_with_round_labels():
    xs = [round(0.02 * (i + 1), 4) for i in range(300)]
    panel = panel_of([[i for i in range(300)] for _ in range(100)], x=xs, y=list(range(100)))
    rows, x_line = plain_rows(panel, 60, 12)
    assert len(rows) == 11
    labels = x_line.split()
    assert len(labels) >= 3 and all(float(label) * 10 == round(float(label) * 10) for label in labels), labels
    # The digits rise left to right, as the numbers do.
    digits = rows[0].rstrip()
    assert list(digits) == sorted(digits)


def test_the_runs_setting_and_the_cursor_are_marked():
    panel = panel_of([[1, 2, 3], [4, 5, 6]], x=[0.1, 0.2, 0.3], y=[0.5, 0.9], mark=[0.2, 0.9])
    rows, _ = plain_rows(panel, 40, 7)
    assert sum(row.count(heatmap.MARK_GLYPH) for row in rows) == 1
    marked = next(i for i, row in enumerate(rows) if heatmap.MARK_GLYPH in row)
    assert marked < 3 and 12 <= rows[marked].index(heatmap.MARK_GLYPH) < 24  # top row, middle column
    assert heatmap.cell_of(panel.heatmap, 0.2, 0.9) == (1, 1) and heatmap.cell_of(panel.heatmap, 5, 0.9) is None
    # The cursor: its block in reverse video, bracketed where three cells wide.
    text = charts.render_heatmap(SPEC, panel, 40, 7, cursor=(2, 0))
    lines = text.split("\n")
    bottom = lines[-2]
    reversed_cells = [i for i in range(len(bottom)) if any(
        span.style.reverse for span in bottom.spans if span.start <= i < span.end and hasattr(span.style, "reverse"))]
    plain = bottom.plain
    assert plain[reversed_cells[0]] == "[" and plain[reversed_cells[-1]] == "]"
    assert reversed_cells == list(range(reversed_cells[0], reversed_cells[-1] + 1))
    assert reversed_cells[0] > plain.index("│") + 24
    # Without a cursor nothing is reversed.
    assert not any(getattr(span.style, "reverse", False) for span in
                   charts.render_heatmap(SPEC, panel, 40, 7).spans)


def test_the_readouts_name_a_cell_and_the_map_in_words():
    panel = panel_of([[1, "nan"], ["inf", 23]], x=[0.1, 0.21], y=[0.5, 0.9], mark=[0.21, 0.9])
    assert heatmap.cell_readout(SPEC, panel, (1, 1)) == ["lr 0.21", "momentum 0.9", "steps: 23"]
    assert heatmap.cell_readout(SPEC, panel, (1, 0))[-1] == "diverged"
    assert heatmap.cell_readout(SPEC, panel, (0, 1))[-1] == "not reached"
    zh = {"{name}: {value}": "{name}：{value}", "diverged": "发散"}
    assert heatmap.cell_readout(SPEC, panel, (1, 0), ui_gettext=lambda m: zh.get(m, m))[-1] == "发散"
    readout = " ".join(charts.plain(line) for line in charts.captions(SPEC, panel, 200).readout)
    assert readout == "steps: 1 to 23; 1 diverged; 1 not reached; this run (0.21, 0.9): 23"
    assert charts.plain(charts.captions(SPEC, PanelData_empty(), 80).readout[0]) == "no data yet"


def PanelData_empty():
    return ChartData(["map"]).panels["map"]


def test_gradtour_run_prints_the_map_with_its_key():
    panel = panel_of([[1, 2, 3], ["nan", 5, "inf"]], x=[0.1, 0.2, 0.3], y=[0.5, 0.9])
    text = charts.render_panel_text(SPEC, panel, 60)
    lines = text.split("\n")
    assert lines[0] == "Steps to converge"
    assert any("×" in line and "·" in line for line in lines)
    assert "1: ≤1  2: 2" in text and "× diverged" in text and "x: lr" in text
    assert all(cell_len(line) <= 60 for line in lines)


def test_a_cursor_step_redraws_only_the_cursors_rows_and_leaves_no_trace_behind():
    """The drawing without the cursor is kept per grid and size (bench: 20 ms a frame at 160×48
    before, under 1 ms after); a cursor drawn into it must not stay there."""
    panel = panel_of([[1, 2, 3], [4, 5, 6]], x=[0.1, 0.2, 0.3], y=[0.5, 0.9])

    def reversed_rows(text):
        return [i for i, line in enumerate(text.split("\n"))
                if any(getattr(span.style, "reverse", False) for span in line.spans)]

    first = charts.render_heatmap(SPEC, panel, 40, 7, cursor=(0, 0))
    second = charts.render_heatmap(SPEC, panel, 40, 7, cursor=(2, 1))
    assert reversed_rows(first) and reversed_rows(second) and set(reversed_rows(first)).isdisjoint(reversed_rows(second))
    assert not reversed_rows(charts.render_heatmap(SPEC, panel, 40, 7))
    assert charts.render_heatmap(SPEC, panel, 40, 7, cursor=(0, 0)).plain == first.plain
    # A new grid (a strip that grew) is drawn anew, not from the old one's drawing.
    grown = panel_of([[1, 2, 3, 9], [4, 5, 6, 9]], x=[0.1, 0.2, 0.3, 0.4], y=[0.5, 0.9])
    assert charts.render_heatmap(SPEC, grown, 40, 7).plain != charts.render_heatmap(SPEC, panel, 40, 7).plain


@pytest.mark.parametrize("zscale", ["linear", "log"])
def test_extreme_numbers_still_draw_a_map_and_a_key(zscale):
    spec = {**SPEC, "zscale": zscale}
    panel = panel_of([[1e308, -1e308, 5e-324, 0], [1e-300, 1e300, 2, -0.0]], x=[-1e300, 0, 1e-300, 1e300],
                     y=[1e-320, 1e-300])
    rows, _ = plain_rows(panel, 40, 6, spec)
    drawn = [row.strip() for row in rows if row.strip()]
    assert len(drawn) >= 2 and all(set(row) <= set(heatmap.LEVEL_GLYPHS) for row in drawn), rows
    scale = heatmap.levels(panel.heatmap, log=zscale == "log")
    assert 2 <= scale.count <= 9 and all(math.isfinite(edge) for edge in scale.edges)
    assert "inf" not in " ".join(scale.labels)


def test_a_cells_setting_is_validated_like_the_form_and_kept_short():
    from lessons.demos.params import ParamError, cell_setting

    demo = parse_lesson(lesson_source("lr = 0.1\nmomentum = 0.5\nsteps = 10", params=NUMERIC))
    # float32 noise of a computed grid is cut to six digits; an int parameter takes the nearest whole number.
    assert cell_setting(demo, {"lr": 0.030303030303030304, "steps": 23.0000001}) == {"lr": 0.030303, "steps": 23}
    with pytest.raises(ParamError, match="momentum must be at most 0.99, not 1.0"):
        cell_setting(demo, {"momentum": 1.0})
    with pytest.raises(ParamError, match="is not a finite number"):
        cell_setting(demo, {"lr": float("nan")})
    with pytest.raises(ParamError, match="beta is not a parameter of lesson 8.2"):
        cell_setting(demo, {"beta": 0.5})


def test_a_log_spaced_axis_keeps_the_first_cells_label_by_moving_it_inside_the_line():
    """8.4's map at 80 columns labelled its x axis "0.01" alone: the first
    cell's label could not centre on column 1, so no round set of labels fit."""
    xs = [0.01 * 150 ** (i / 29) for i in range(30)]  # 0.01 … 1.5, as 8.4's learning rates
    panel = panel_of([[float(i + j) for i in range(30)] for j in range(33)], x=xs, y=[j / 33 for j in range(33)])
    _rows, x_line = plain_rows(panel, 62, 20)
    assert x_line.split() == ["0.01", "0.1", "1"]
