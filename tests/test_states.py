"""The record of optimizer states a run keeps per watched series (lessons/charts/states.py)."""

from __future__ import annotations

import math

from lessons.charts.data import ChartData
from lessons.charts.states import MAX_RECORDS, StateHistory, clean_record
from tests.state_samples import ADAM, MOMENTUM, adam_records, momentum_records, state_event


def test_the_newest_thousand_records_per_series_are_kept_in_step_order():
    history = StateHistory()
    records = adam_records(MAX_RECORDS + 250)
    for start in range(0, len(records), 50):  # batched as the runner flushes them
        history.apply(state_event("adam", ADAM, records[start:start + 50]))
    watched = history.selected
    assert len(watched.records) == MAX_RECORDS
    assert [r["step"] for r in watched.records] == list(range(251, MAX_RECORDS + 251))
    assert watched.newest["step"] == MAX_RECORDS + 250


def test_a_step_reads_its_own_record_or_the_last_before_it():
    history = StateHistory(max_records=10)
    history.apply(state_event("adam", ADAM, adam_records(30)))
    watched = history.selected
    assert watched.at(None)["step"] == 30
    assert watched.at(25)["step"] == 25
    assert watched.at(25.4)["step"] == 25  # a cursor between steps
    assert watched.at(3)["step"] == 21  # before the oldest kept: the oldest
    assert watched.at(math.nan)["step"] == 30
    # A repeated step replaces; an older one is dropped.
    history.apply(state_event("adam", ADAM, [{**adam_records(30)[-1], "lr": 9.0}, adam_records(2)[-1]]))
    assert watched.newest["lr"] == 9.0 and len(watched.records) == 10


def test_the_selection_defaults_to_the_newest_watched_and_cycles():
    history = StateHistory()
    assert history.selected is None and history.cycle() is None and history.position() == (0, 0)
    history.apply(state_event("momentum", MOMENTUM, momentum_records(3)))
    history.apply(state_event("adam", ADAM, adam_records(3)))
    assert history.selected.series == "adam" and history.position() == (2, 2)
    assert history.cycle() == ("ravine", "momentum") and history.selected.series == "momentum"
    history.apply(state_event("adam", ADAM, adam_records(4)[3:]))
    assert history.selected.series == "momentum"  # a chosen series stays chosen
    history.clear()  # a new run: the choice outlives it
    history.apply(state_event("adam", ADAM, adam_records(1)))
    assert history.selected.series == "adam"
    history.apply(state_event("momentum", MOMENTUM, momentum_records(1)))
    assert history.selected.series == "momentum"


def test_each_map_is_told_one_series_whose_arrows_to_draw():
    data = ChartData(["ravine", "banana", "race"])
    history = StateHistory()
    history.apply(state_event("momentum", MOMENTUM, momentum_records(2)))
    history.apply(state_event("adam", ADAM, adam_records(2)))
    history.apply(state_event("adam", ADAM, adam_records(2), panel="banana"))
    history.apply(state_event("sgd", MOMENTUM, momentum_records(2), panel=None))
    version = data.panels["ravine"].version
    assert sorted(history.mark_arrows(data)) == ["banana", "ravine"]
    assert data.panels["ravine"].selected == "adam" and data.panels["banana"].selected == "adam"
    assert data.panels["ravine"].version > version  # the map redraws
    assert history.mark_arrows(data) == []  # nothing changed
    assert data.panels["race"].selected is None
    history.chosen = ("ravine", "momentum")
    assert history.mark_arrows(data) == ["ravine"] and data.panels["ravine"].selected == "momentum"


def test_malformed_events_and_records_are_cleaned_or_ignored():
    history = StateHistory()
    for event in ("x", None, {"event": "points"}, {"event": "state", "series": "a"},
                  {"event": "state", "series": None, "steps": []}):
        assert history.apply(event) is None
    assert history.watched == {}
    key = history.apply({"event": "state", "series": 5, "panel": 3, "optimizer": ["Adam"],
                         "steps": [None, {"step": True}, {"step": "2"}, {"step": 1.5}, {"step": "inf"}]})
    assert key == ("3", "5")
    watched = history.watched[key]
    assert watched.optimizer == {"type": "?", "label": "?", "hyper": {}}
    assert [r["step"] for r in watched.records] == [1, 2]  # True reads as 1; "2" as 2
    record = clean_record({"step": 4, "lr": "nan", "params": [
        7, {"grad": "x", "state": {"exp_avg": "-inf", "step": None}, "formula": [1, 2]}]})
    assert record["step"] == 4 and math.isnan(record["lr"])
    (param,) = record["params"]
    assert param["name"] == "w[1]" and math.isnan(param["grad"])
    assert param["state"]["exp_avg"] == -math.inf and math.isnan(param["state"]["step"])
    assert param["formula"] == {}


def test_declared_series_are_offered_before_they_run_and_pending_until_they_do():
    from lessons.charts.states import declared_series

    declared = declared_series({
        "ravine": {"kind": "landscape", "series": {"momentum": "SGD+Momentum", "adam": "Adam"}},
        "race": {"series": {"sgd": "SGD"}},  # not a landscape: no path to watch
    })
    assert declared == {("ravine", "momentum"): "SGD+Momentum", ("ravine", "adam"): "Adam"}
    history = StateHistory(declared=declared)
    assert history.pending is None and history.position() == (0, 2)
    history.apply(state_event("momentum", MOMENTUM, momentum_records(1)))
    assert history.offered() == [("ravine", "momentum"), ("ravine", "adam")]
    assert StateHistory(declared={**declared, ("banana", "sgd"): "SGD"}).offered() == list(declared)
    assert history.cycle() == ("ravine", "adam")
    assert history.pending == (("ravine", "adam"), "Adam") and history.position() == (2, 2)
    assert history.selected.series == "momentum"  # until Adam's first record, the panel's table stays
    history.apply(state_event("adam", ADAM, adam_records(1)))
    assert history.pending is None and history.selected.series == "adam"
    assert history.cycle() == ("ravine", "momentum")
