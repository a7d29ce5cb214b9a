"""The landscape chart: its data, its text rendering, the demo API that feeds it,
and what 8.4's race draws on it."""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from rich.cells import cell_len

from lessons import charts
from lessons.charts import landscape
from lessons.charts.data import ChartData, PanelData, Surface

SPEC = {"kind": "landscape", "title": "Ravine", "x": "w1", "y": "w2", "series": {"sgd": "SGD", "adam": "Adam"}}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def bowl_event(nx=21, ny=11, x=(-2.0, 2.0), y=(-1.0, 1.0), minimum=None, poke=None):
    """A `surface` event of 0.1 x^2 + 2 y^2 over x × y, with `poke` {(j, i): value} replaced."""
    z = [[0.1 * (x[0] + (x[1] - x[0]) * i / (nx - 1)) ** 2 + 2 * (y[0] + (y[1] - y[0]) * j / (ny - 1)) ** 2
          for i in range(nx)] for j in range(ny)]
    for (j, i), value in (poke or {}).items():
        z[j][i] = value
    return {"event": "surface", "panel": "map", "x": list(x), "y": list(y), "z": z, "minimum": minimum}


def panel_with(*paths, **surface):
    data = ChartData(["map"])
    data.apply(bowl_event(**surface))
    for name, xs, ys in paths:
        data.apply({"event": "points", "panel": "map", "series": name, "xs": xs, "ys": ys})
    return data.panels["map"]


def lines(text):
    return ANSI.sub("", text).split("\n")


# --- data --------------------------------------------------------------------------------


def test_a_surface_event_becomes_the_panels_height_map_and_bad_ones_are_ignored():
    data = ChartData(["map"])
    assert data.apply(bowl_event(poke={(0, 0): None})) == "map"
    surface = data.panels["map"].surface
    assert (surface.x_lo, surface.x_hi, len(surface.z), len(surface.z[0])) == (-2.0, 2.0, 11, 21)
    assert math.isnan(surface.z[0][0])
    version = data.panels["map"].version
    for bad in ({"x": [1, 0]}, {"x": [0, "inf"]}, {"z": [[1.0]]}, {"z": [[1.0, 2.0], [3.0]]}, {"z": 5}, {"y": None}):
        assert data.apply({**bowl_event(), **bad}) is None, bad
    assert data.panels["map"].surface is surface and data.panels["map"].version == version
    data.clear()
    assert data.panels["map"].surface is None and data.panels["map"].is_empty


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize("color", [True, False])
@pytest.mark.parametrize("width, height", [(1, 1), (11, 3), (12, 4), (16, 5), (30, 8), (80, 24)])
def test_every_size_gives_exactly_the_cells_asked_for(width, height, color):
    panel = panel_with(("sgd", [-1.5, 0.5, 0.0], [0.8, -0.4, 0.0]))
    out = lines(charts.render_canvas(SPEC, panel, width, height, color=color))
    assert len(out) == height
    assert all(cell_len(line) == width for line in out), out


def test_the_minimum_the_paths_and_the_current_point_are_marked_by_shape():
    panel = panel_with(("sgd", [-1.8, -1.0, -0.5], [0.9, -0.6, 0.3]), ("adam", [1.8, 1.0], [-0.9, -0.5]),
                       minimum=[0.0, 0.0], nx=81, ny=41)
    plain = "\n".join(lines(charts.render_canvas(SPEC, panel, 40, 12, color=False)))
    assert landscape.MINIMUM_GLYPH in plain
    assert landscape.GLYPHS[0] in plain and landscape.GLYPHS[1] in plain
    coloured = charts.render_canvas(SPEC, panel, 40, 12, color=True)
    # The current point of each path: its glyph in reverse video.
    assert coloured.count("\x1b[0;7;") == 2
    # The height map is shaded with half blocks in colour, contour dots without.
    assert "▀" in coloured and landscape.CONTOUR_GLYPH in plain


def test_non_finite_heights_are_left_blank_and_the_rest_still_draws():
    poke = {(j, i): v for j in range(4) for i in range(5) for v in [math.nan]}
    poke[(8, 15)] = math.inf
    poke[(9, 15)] = -math.inf
    panel = panel_with(("sgd", [0.0], [0.0]), poke=poke)
    for color in (True, False):
        out = lines(charts.render_canvas(SPEC, panel, 30, 8, color=color))
        assert len(out) == 8 and all(cell_len(line) == 30 for line in out)
    # The bottom-left corner (rows 0..3 of z, columns 0..4) is not shaded.
    coloured = charts.render_canvas(SPEC, panel, 30, 8, color=True).split("\n")
    assert coloured[-2].split("│", 1)[1].startswith("\x1b[0m ")


def test_a_surface_of_nothing_but_nan_draws_an_empty_frame():
    panel = panel_with(poke={(j, i): math.nan for j in range(11) for i in range(21)})
    out = lines(charts.render_canvas(SPEC, panel, 30, 8, color=True))
    assert len(out) == 8 and landscape.MINIMUM_GLYPH not in "".join(out)


def test_a_path_leaving_the_picture_ends_in_an_arrow_and_the_readout_says_so():
    # Out through the right side, then far beyond (a diverging run), never NaN.
    panel = panel_with(("sgd", [0.0, 1.5, 3.0, 1e30], [0.0, 0.2, 0.4, 1e30]), ("adam", [-1.0, -0.5], [0.5, 0.2]))
    plain = lines(charts.render_canvas(SPEC, panel, 40, 12, color=False))
    right_edge = [line[-1] for line in plain[:-1]]
    assert landscape.EXIT_GLYPHS["right"] in right_edge
    caps = charts.captions(SPEC, panel, 200, color=False)
    readout = " ".join(charts.plain(line) for line in caps.readout)
    assert "SGD: left the picture, now at (1e30, 1e30)" in readout
    assert "Adam: at (-0.5, 0.2)" in readout
    assert "left the picture" in " ".join(charts.plain(line) for line in caps.legend)


def test_a_path_entirely_outside_draws_nothing_but_is_reported():
    panel = panel_with(("sgd", [50.0, 60.0], [50.0, 70.0]))
    plain = "\n".join(lines(charts.render_canvas(SPEC, panel, 30, 8, color=False)))
    assert landscape.GLYPHS[0] not in plain
    caps = charts.captions(SPEC, panel, 200, color=False)
    assert "left the picture" in charts.plain(caps.readout[0])


def test_a_diverged_path_is_named_with_its_step():
    data = ChartData(["map"])
    data.apply(bowl_event())
    data.apply({"event": "points", "panel": "map", "series": "sgd", "xs": [0.5], "ys": [0.5]})
    data.apply({"event": "diverged", "panel": "map", "series": "sgd", "x": 7})
    caps = charts.captions(SPEC, data.panels["map"], 200)
    assert charts.plain(caps.readout[0]) == "SGD: diverged at step 7"


def test_the_previous_run_stays_as_dots():
    previous = panel_with(("sgd", [-1.8, 1.8], [-0.9, -0.9]))
    panel = panel_with(("sgd", [-1.8, -1.7], [0.9, 0.85]))
    plain = lines(charts.render_canvas(SPEC, panel, 40, 12, previous=previous, color=False))
    assert charts.PREVIOUS_GLYPH * 10 in "\n".join(plain)
    legend = " ".join(charts.plain(line) for line in charts.captions(SPEC, panel, 200, previous=previous).legend)
    assert "previous run" in legend


def test_chinese_captions_are_laid_out_by_cells():
    zh = {"Ravine": "峡谷中的赛跑，最小值在 (4, 1)", "SGD": "随机梯度下降", "Adam": "Adam 优化器"}.get
    panel = panel_with(("sgd", [0.0], [0.0]), ("adam", [1.0, 1.9, 2.5], [0.0, 0.1, 0.1]))
    for width in (20, 33, 60):
        caps = charts.captions(SPEC, panel, width, gettext=lambda m: zh(m) or m)
        for line in (caps.title, *caps.legend, *caps.readout, caps.keys):
            assert cell_len(charts.plain(line)) <= width


def test_an_empty_landscape_says_no_data_yet():
    caps = charts.captions(SPEC, PanelData(), 80)
    assert charts.plain(caps.readout[0]) == "no data yet"
    assert len(lines(charts.render_canvas(SPEC, PanelData(), 30, 8))) == 8


def test_run_prints_the_landscape_as_text():
    panel = panel_with(("sgd", [-1.5, -1.0], [0.8, -0.5]), minimum=[0.0, 0.0])
    text = charts.render_panel_text(SPEC, panel, 60)
    assert "\x1b" not in text and text.startswith("Ravine\n")
    assert "* SGD" in text and "@ minimum" in text and "x: w1" in text


def test_a_frame_while_training_is_cheap():
    """A 160x48 canvas with five 300-step paths: the height map is cached per
    surface and size, so a redraw costs the paths and the encoding only."""
    data = ChartData(["map"])
    data.apply(bowl_event(nx=161, ny=97))
    for k in range(5):
        xs = [-2 + 4 * t / 300 for t in range(300)]
        ys = [math.sin(t / (5 + k)) * 0.9 for t in range(300)]
        data.apply({"event": "points", "panel": "map", "series": f"s{k}", "xs": xs, "ys": ys})
    panel = data.panels["map"]
    charts.render_canvas(SPEC, panel, 158, 40)
    started = time.perf_counter()
    for _ in range(5):
        charts.render_canvas(SPEC, panel, 158, 40)
    per_frame = (time.perf_counter() - started) / 5
    # 10 frames a second leave the UI thread most of its time for keys even on a busy CI box.
    assert per_frame < 0.1, per_frame


# --- the demo API --------------------------------------------------------------------------

torch = pytest.importorskip("torch")

from lessons.demos import runner  # noqa: E402
from tests.demo_sources import lesson  # noqa: E402

MAP = {"map": {"title": "Map", "kind": "landscape"}, "loss": {"title": "Loss"}}


def run(demo):
    events: list[dict] = []
    status = runner.run_lesson(demo, None, "cpu", events.append)
    for event in events:
        json.dumps(event, allow_nan=False)
    return status, events


def test_surface_and_path_become_events_the_chart_data_draws():
    demo = lesson(
        """
        import torch
        chart.surface(lambda x, y: 0.1 * x ** 2 + 2 * torch.log(y), (-2, 2), (-1, 1), panel="map",
                      minimum=(0, 0))
        w = torch.tensor([1.0, 0.5])
        chart.path("sgd", w[0], w[1], panel="map")
        chart.path("sgd", 0.5, 0.25, panel="map")
        chart.path("sgd", float("nan"), 0.0, panel="map")
        chart.path("sgd", 0.0, 0.0, panel="map")
        """,
        charts=MAP,
    )
    status, events = run(demo)
    assert status == "ok", events
    (surface,) = [e for e in events if e["event"] == "surface"]
    columns, rows = runner.SURFACE_GRID
    assert len(surface["z"]) == rows and len(surface["z"][0]) == columns
    # log of a negative y is NaN: sent as null, drawn blank.
    assert surface["z"][0][0] is None and surface["z"][-1][-1] == pytest.approx(0.4, abs=1e-3)
    assert surface["minimum"] == [0, 0]
    drawn = [e for e in events if e["event"] in ("points", "diverged")]
    assert drawn == [
        {"event": "points", "panel": "map", "series": "sgd", "xs": [1.0, 0.5], "ys": [0.5, 0.25]},
        {"event": "diverged", "panel": "map", "series": "sgd", "x": 2},
        {"event": "points", "panel": "map", "series": "sgd", "xs": [0.0], "ys": [0.0]},
    ]
    data = ChartData(MAP)
    for event in events:
        data.apply(event)
    assert isinstance(data.panels["map"].surface, Surface)
    assert len(lines(charts.render_canvas(MAP["map"], data.panels["map"], 40, 10))) == 10


@pytest.mark.parametrize("call, message", [
    ("chart.path('a', 0, 1, panel='loss')", "chart.path, chart.arrow or chart.surface: panel 'loss' is a line chart"),
    ("chart.add('a', 0, 1, panel='map')", "chart.add: panel 'map' is a landscape chart"),
    ("chart.surface(lambda x, y: x, (1, 0), (0, 1), panel='map')", "xlim must be two finite numbers"),
    ("chart.surface(lambda x, y: x, (0, 1), 5, panel='map')", "ylim must be two numbers"),
    ("chart.surface(lambda x, y: x.sum(), (0, 1), (0, 1), panel='map')", "gave shape ()"),
])
def test_landscape_misuse_is_the_learners_error(call, message):
    status, events = run(lesson(f"import torch\n\n{call}", charts=MAP))
    (error,) = [e for e in events if e["event"] == "error"]
    assert status == "error" and message in error["message"], error["message"]
    assert error["line"] == 3


def test_an_arrow_is_drawn_from_its_point_with_a_head_and_read_out():
    data = ChartData(["map"])
    data.apply(bowl_event())
    data.apply({"event": "arrow", "panel": "map", "series": "-grad", "x": -1.5, "y": 0.0, "dx": 2.0, "dy": 0.0})
    plain = lines(charts.render_canvas(SPEC, data.panels["map"], 40, 12, color=False))
    row = next(line for line in plain if ">" in line)
    assert "--" in row and row.index("-") < row.index(">")
    caps = charts.captions(SPEC, data.panels["map"], 200)
    assert "-grad: (2, 0) at (-1.5, 0)" in " ".join(charts.plain(line) for line in caps.readout)
    # A later arrow replaces it; a non-finite one removes it, and nothing breaks.
    data.apply({"event": "arrow", "panel": "map", "series": "-grad", "x": 0.0, "y": 0.0, "dx": 0.0, "dy": None})
    assert not data.panels["map"].arrows
    data.apply({"event": "arrow", "panel": "map", "series": "-grad", "x": 1e30, "y": 0.0, "dx": -2e30, "dy": 1.0})
    assert len(lines(charts.render_canvas(SPEC, data.panels["map"], 40, 12, color=True))) == 12


def test_the_arrow_api_sends_arrow_events():
    demo = lesson("chart.arrow('g', 1, 2, 0.5, float('inf'), panel='map')\nchart.arrow('g', 1, 2, 3, 4, panel='map')",
                  charts=MAP)
    status, events = run(demo)
    assert status == "ok"
    # Both calls fall within one flush interval: only the latest arrow is sent.
    assert [e for e in events if e["event"] == "arrow"] == [
        {"event": "arrow", "panel": "map", "series": "g", "x": 1, "y": 2, "dx": 3, "dy": 4},
    ]


def test_an_arrow_at_every_step_of_a_long_run_is_throttled():
    demo = lesson(
        """
        for step in range(3000):
            chart.path("w", step / 3000, 0.0, panel="map")
            chart.arrow("g", step / 3000, 0.0, 1.0, 0.0, panel="map")
        """,
        charts=MAP,
    )
    status, events = run(demo)
    arrows = [e for e in events if e["event"] == "arrow"]
    assert status == "ok" and 1 <= len(arrows) < 100
    # The last arrow sent is the last one drawn, after the last points.
    assert arrows[-1]["x"] == 2999 / 3000
    kinds = [e["event"] for e in events if e["event"] in ("points", "arrow")]
    assert kinds[-1] == "arrow"


# --- arrow kinds (issue 16: a watched optimizer's gradient, velocity and step) ------------


def kinds_panel(selected=None):
    """SGD's three arrows from (-1.5, 0.5), Adam's step from (1, -0.5), and a demo's own arrow."""
    data = ChartData(["map"])
    data.apply(bowl_event())
    for kind, dx, dy in (("gradient", 1.2, 0.0), ("velocity", 0.0, -0.8), ("step", -0.3, 0.0)):
        data.apply({"event": "arrow", "panel": "map", "series": "sgd", "kind": kind,
                    "x": -1.5, "y": 0.5, "dx": dx, "dy": dy})
    data.apply({"event": "arrow", "panel": "map", "series": "adam", "kind": "step",
                "x": 1.0, "y": -0.5, "dx": 0.5, "dy": 0.0})
    data.apply({"event": "arrow", "panel": "map", "series": "-grad", "x": 1.0, "y": 0.5, "dx": 0.6, "dy": 0.0})
    panel = data.panels["map"]
    panel.select(selected)
    return panel


def test_each_arrow_kind_has_its_own_glyph_and_one_legend_entry():
    panel = kinds_panel()
    # Keyed by (series, kind): SGD's three arrows and Adam's step are all kept.
    assert set(panel.arrows) == {("sgd", "gradient"), ("sgd", "velocity"), ("sgd", "step"), ("adam", "step"),
                                 ("-grad", None)}
    plain = "\n".join(lines(charts.render_canvas(SPEC, panel, 50, 14, color=False)))
    assert "gggg>" in plain  # the gradient: to the right
    assert "s<" not in plain and "<s" in plain  # SGD's step: to the left, its head first
    assert plain.count("m") >= 3 and "v" in plain  # the velocity: down
    assert "ss>" in plain  # Adam's step
    assert "-->" in plain  # the demo's own arrow, as before
    caps = charts.captions(SPEC, panel, 200, color=False)
    legend = " ".join(charts.plain(line) for line in caps.legend)
    # One entry per kind, not one per series and kind.
    assert legend.count("s> step Δw") == 1 and "g> -lr·g" in legend and "m> velocity" in legend
    assert "-> -grad" in legend
    readout = " ".join(charts.plain(line) for line in caps.readout)
    assert "SGD -lr·g: (1.2, 0) at (-1.5, 0.5)" in readout and "Adam step Δw: (0.5, 0) at (1, -0.5)" in readout


def test_arrow_kinds_are_told_apart_by_colour_and_their_keys_keep_the_maps_background():
    panel = kinds_panel()
    ansi = charts.render_canvas(SPEC, panel, 50, 14, color=True)
    for kind in landscape.ARROW_KINDS.values():
        assert f"38;5;{kind.color}" in ansi
    colours = [kind.color for kind in landscape.ARROW_KINDS.values()]
    assert len(set(colours)) == 3 and not set(colours) & set(charts.PALETTE[:5])
    caps = charts.captions(SPEC, panel, 200, color=True)
    keys = [span for line in caps.legend for span in line if span[0].endswith(">") and span[0][0] in "gms"]
    # Drawn on the map's own grey, so a light theme's background cannot wash a key out.
    assert len(keys) == 3 and all(style.bgcolor is not None for _, style in keys)


def test_only_the_selected_series_arrows_are_drawn_and_a_demos_own_always():
    panel = kinds_panel(selected="adam")
    plain = "\n".join(lines(charts.render_canvas(SPEC, panel, 50, 14, color=False)))
    assert "g" not in plain and "m" not in plain and "ss>" in plain and "-->" in plain
    readout = " ".join(charts.plain(line) for line in charts.captions(SPEC, panel, 200, color=False).readout)
    assert "SGD" not in readout and "Adam step Δw" in readout
    version = panel.version
    panel.select(None)
    assert panel.version > version  # a view redraws
    assert "gggg>" in "\n".join(lines(charts.render_canvas(SPEC, panel, 50, 14, color=False)))


def test_an_arrow_of_a_kind_shorter_than_a_cell_is_its_letter():
    data = ChartData(["map"])
    data.apply(bowl_event())
    data.apply({"event": "arrow", "panel": "map", "series": "sgd", "kind": "step",
                "x": 1.0, "y": 0.5, "dx": 0.001, "dy": 0.0})
    plain = "\n".join(lines(charts.render_canvas(SPEC, data.panels["map"], 30, 10, color=False)))
    assert "s" in plain and ">" not in plain


def test_a_path_traced_frame_by_frame_draws_what_a_fresh_trace_draws():
    """Each frame traces only the steps new since the last one (landscape._trace);
    through stride changes, exits and returns, the picture equals a fresh trace."""
    import copy
    import random

    rng = random.Random(3)
    data = ChartData(["map"], max_points=16)
    data.apply(bowl_event())
    x, y = -1.8, -0.9
    for step in range(120):
        # A wandering path that leaves the picture (|x| > 2, |y| > 1) and comes back.
        x += rng.uniform(-0.3, 0.33)
        y += rng.uniform(-0.2, 0.21)
        if abs(x) > 2.6:
            x *= 0.5
        if abs(y) > 1.4:
            y *= 0.5
        data.apply({"event": "points", "panel": "map", "series": "sgd", "xs": [x], "ys": [y]})
        if step % 3 == 0:
            data.apply({"event": "points", "panel": "map", "series": "adam", "xs": [x / 2], "ys": [y / 2]})
        live = charts.render_canvas(SPEC, data.panels["map"], 40, 12, color=False)
        copied = copy.deepcopy(data.panels["map"])
        fresh = charts.render_canvas(SPEC, copied, 40, 12, color=False)
        assert live == fresh, step
        # The legend's "left the picture", also resumed frame by frame.
        assert charts.captions(SPEC, data.panels["map"], 80) == charts.captions(SPEC, copied, 80), step


def test_the_height_between_grid_points_is_exact_on_a_quadratic_and_none_outside():
    surface = ChartData(["map"])
    surface.apply(bowl_event(nx=9, ny=5))
    bowl = surface.panels["map"].surface
    for x, y in ((0.123, -0.77), (-2.0, 1.0), (1.99, 0.0), (0.0, 0.0)):
        assert landscape.height_at(bowl, x, y) == pytest.approx(0.1 * x * x + 2 * y * y, abs=1e-12)
    assert landscape.height_at(bowl, 2.5, 0.0) is None and landscape.height_at(None, 0.0, 0.0) is None
    poked = ChartData(["map"])
    poked.apply(bowl_event(nx=9, ny=5, poke={(2, 4): math.nan}))
    assert landscape.height_at(poked.panels["map"].surface, 0.0, 0.0) is None
