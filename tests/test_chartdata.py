"""ChartData: feeding runner events, bounded memory, readouts, snapshots."""

from __future__ import annotations

import json
import math

import pytest

from lessons.charts.data import ChartData, PanelData, Series, to_float


def points(series, xs, ys, panel="loss"):
    return {"event": "points", "panel": panel, "series": series, "xs": xs, "ys": ys}


def test_declared_panels_exist_in_order_before_data():
    data = ChartData({"loss": {}, "acc": {}})
    assert list(data.panels) == ["loss", "acc"]
    assert all(p.is_empty for p in data.panels.values())


def test_points_are_kept_per_series_in_arrival_order():
    data = ChartData(["loss"])
    assert data.apply(points("val", [0, 1], [2.0, 1.5])) == "loss"
    assert data.apply(points("train", [0], [3.0])) == "loss"
    data.apply(points("val", [2], [1.0]))
    panel = data.panels["loss"]
    assert list(panel.series) == ["val", "train"]
    assert panel.series["val"].xs == [0, 1, 2]
    assert panel.series["val"].ys == [2.0, 1.5, 1.0]


def test_undeclared_panel_is_added_after_declared_ones():
    data = ChartData(["loss"])
    data.apply(points("a", [0], [1], panel="extra"))
    assert list(data.panels) == ["loss", "extra"]


def test_missing_panel_means_the_first_declared_one():
    data = ChartData(["loss", "acc"])
    assert data.apply({"event": "points", "series": "a", "xs": [0], "ys": [1]}) == "loss"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", float("nan"), float("inf"), float("-inf"), None, "garbage"])
def test_non_finite_y_marks_the_series_diverged_at_its_x(bad):
    data = ChartData(["loss"])
    data.apply(points("lr=10", [0, 1, 2, 3], [1.0, 5.0, bad, 7.0]))
    panel = data.panels["loss"]
    assert panel.diverged == {"lr=10": 2.0}
    assert panel.series["lr=10"].ys == [1.0, 5.0, 7.0]


def test_json_safe_strings_round_trip_through_json():
    event = json.loads(json.dumps(points("a", [0, 1, 2], [1.0, "nan", "-inf"])))
    data = ChartData(["loss"])
    data.apply(event)
    assert data.panels["loss"].diverged == {"a": 1.0}


def test_first_divergence_is_the_one_kept():
    data = ChartData(["loss"])
    data.apply({"event": "diverged", "panel": "loss", "series": "a", "x": 4})
    data.apply(points("a", [5], ["nan"]))
    assert data.panels["loss"].diverged == {"a": 4.0}
    # A series that diverged before any finite point still shows up (legend, readout).
    assert "a" in data.panels["loss"].series


def test_bars_replace_the_previous_bars():
    data = ChartData(["final"])
    data.apply({"event": "bars", "panel": "final", "labels": ["SGD", "Adam"], "values": [0.5, "inf"]})
    data.apply({"event": "bars", "panel": "final", "labels": ["SGD", "Adam", "AdamW"], "values": [0.4, 0.1, 0.09]})
    panel = data.panels["final"]
    assert panel.bar_labels == ["SGD", "Adam", "AdamW"]
    assert panel.bar_values == [0.4, 0.1, 0.09]


@pytest.mark.parametrize(
    "event",
    [
        None, 42, "points", {}, {"event": "start", "lesson": "8.3"}, {"event": "output", "text": "hi"},
        {"event": "points", "panel": "loss", "series": "a", "xs": 3, "ys": [1]},
        {"event": "points", "panel": "loss", "series": "a"},
        {"event": "bars", "panel": "loss", "labels": "ab", "values": [1, 2]},
    ],
)
def test_other_and_malformed_events_are_ignored(event):
    data = ChartData(["loss"])
    assert data.apply(event) is None
    assert data.panels["loss"].is_empty


def test_mismatched_lengths_keep_the_common_prefix():
    data = ChartData(["loss"])
    data.apply(points("a", [0, 1, 2], [1.0, 2.0]))
    assert data.panels["loss"].series["a"].xs == [0, 1]


def test_non_finite_x_is_skipped_without_marking_divergence():
    data = ChartData(["loss"])
    data.apply(points("a", [0, "nan", 2], [1.0, 2.0, 3.0]))
    panel = data.panels["loss"]
    assert panel.series["a"].xs == [0, 2]
    assert panel.diverged == {}


def test_memory_is_bounded_and_the_last_point_is_kept():
    series = Series(max_points=100)
    for i in range(100_000):
        series.add(float(i), float(-i))
    assert len(series) <= 101
    assert series.xs[0] == 0.0
    assert series.xs[-1] == 99_999.0
    # Uniformly strided: every gap but the last (to the newest point) is equal.
    gaps = {b - a for a, b in zip(series.xs[:-2], series.xs[1:-1])}
    assert len(gaps) == 1
    # Exact statistics, whatever was decimated.
    assert series.count == 100_000
    assert series.last == -99_999.0
    assert series.min == -99_999.0


def test_decimation_keeps_the_minimum_in_the_readout():
    data = ChartData(["loss"], max_points=10)
    ys = [1.0] * 1000
    ys[333] = -5.0  # a single dip that decimation may well drop from the points
    data.apply(points("a", list(range(1000)), ys))
    (readout,) = data.readout("loss")
    assert readout.min == -5.0
    assert readout.last == 1.0
    assert len(data.panels["loss"].series["a"]) <= 11


def test_readout_has_last_finite_min_and_divergence():
    data = ChartData(["loss"])
    data.apply(points("train", [0, 1, 2], [3.0, 1.0, 2.0]))
    data.apply(points("lr=10", [0, 1, 2], [1.0, 100.0, "inf"]))
    train, wild = data.readout("loss")
    assert (train.name, train.last, train.min, train.diverged) == ("train", 2.0, 1.0, False)
    assert (wild.name, wild.last, wild.min, wild.diverged_at) == ("lr=10", 100.0, 1.0, 2.0)
    assert wild.diverged
    assert data.readout("no such panel") == ()


def test_bar_readout_lists_each_bar():
    data = ChartData(["final"])
    data.apply({"event": "bars", "panel": "final", "labels": ["SGD", "Adam"], "values": [0.5, "nan"]})
    sgd, adam = data.readout("final")
    assert (sgd.name, sgd.last) == ("SGD", 0.5)
    assert adam.name == "Adam" and math.isnan(adam.last)


def test_snapshot_is_independent_of_later_points():
    data = ChartData(["loss"])
    data.apply(points("a", [0], [1.0]))
    old = data.snapshot()
    data.apply(points("a", [1], [0.5]))
    data.clear()
    assert old.panels["loss"].series["a"].ys == [1.0]
    assert data.panels["loss"].is_empty


def test_clear_keeps_panel_objects_and_bumps_their_version():
    data = ChartData(["loss"])
    panel = data.panels["loss"]
    data.apply(points("a", [0], [1.0]))
    version = panel.version
    data.clear()
    assert data.panels["loss"] is panel
    assert panel.version > version
    assert panel.is_empty


def test_every_change_bumps_the_version():
    panel = PanelData()
    seen = [panel.version]
    panel.add_points("a", [0], [1])
    seen.append(panel.version)
    panel.set_bars(["x"], [1])
    seen.append(panel.version)
    panel.mark_diverged("b", 3)
    seen.append(panel.version)
    assert seen == sorted(set(seen))


def test_to_float():
    assert to_float("nan") != to_float("nan")
    assert to_float("-inf") == -math.inf
    assert to_float(3) == 3.0
    assert math.isnan(to_float(object()))
    assert to_float("1e999") == math.inf
    assert math.isnan(to_float(10**400))  # an int too big for a float


def test_readout_keeps_zero_and_negative_values_a_log_axis_cannot_draw():
    # The chart drops y <= 0 on a log axis; the readout must still quote them.
    data = ChartData(["loss"])
    data.apply(points("LR=0.5", [0, 1, 2], [25.0, 0.0, 0.0]))
    data.apply(points("shifted", [0, 1], [1.0, -2.0]))
    half, shifted = data.readout("loss")
    assert (half.last, half.min) == (0.0, 0.0)
    assert (shifted.last, shifted.min) == (-2.0, -2.0)
    assert data.panels["loss"].series["LR=0.5"].ys == [25.0, 0.0, 0.0]
