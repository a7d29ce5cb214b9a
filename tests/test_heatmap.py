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
