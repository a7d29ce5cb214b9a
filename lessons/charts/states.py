"""The optimizer states a run has sent (`state` events), kept per watched series.

The runner sends every optimizer step's record of a watched series (see
`lessons/demos/runner.py`, `chart.watch`); a view shows one series at one
step: the newest, or the step a chart's cursor chose. Memory stays bounded
however long a demo trains: each (panel, series) keeps its newest
`max_records` records.

Like `ChartData`, the history never rejects an event: a demo is
learner-editable code and the worker's output a stream of JSON, so a
malformed record is cleaned into the spec's shape (a number that is not one
becomes NaN, a part that is not a record is dropped) rather than allowed to
take down the view that draws it.
"""

from __future__ import annotations

import bisect
import collections
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lessons.charts.data import ChartData, to_float
from lessons.charts.kinds import is_landscape
from lessons.charts.series import spec_series

__all__ = ["MAX_RECORDS", "StateHistory", "Watched", "clean_optimizer", "clean_record", "declared_series"]

#: Records kept per watched series: the newest thousand steps.
MAX_RECORDS = 1000

Key = tuple[str | None, str]

_PARAM_NUMBERS = ("before", "after", "grad", "delta")


def _numbers(value: Any) -> dict[str, float]:
    """A `{key: number}` mapping (a record's `state` or `formula`), every value a float."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): to_float(number) for key, number in value.items()}


def _clean_param(raw: Any, index: int) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        return None
    param: dict[str, Any] = {"name": str(raw.get("name") or f"w[{index}]")}
    for key in _PARAM_NUMBERS:
        param[key] = to_float(raw.get(key))
    param["state"] = _numbers(raw.get("state"))
    param["formula"] = _numbers(raw.get("formula"))
    return param


def clean_record(raw: Any) -> dict[str, Any] | None:
    """A record of the spec's shape (step, lr, params), or None if it has no usable step."""
    if not isinstance(raw, Mapping):
        return None
    step = to_float(raw.get("step"))
    if not math.isfinite(step) or step < 0 or step != int(step):
        return None
    params = raw.get("params")
    cleaned = [_clean_param(p, i) for i, p in enumerate(params)] if isinstance(params, (list, tuple)) else []
    return {"step": int(step), "lr": to_float(raw.get("lr")), "params": [p for p in cleaned if p is not None]}


def _hyper_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(to_float(v) for v in value)
    return to_float(value)


def clean_optimizer(raw: Any) -> dict[str, Any]:
    """The event's optimizer description ({type, label, hyper}) with strings and numbers only."""
    raw = raw if isinstance(raw, Mapping) else {}
    kind = str(raw.get("type") or "?")
    hyper = raw.get("hyper")
    return {
        "type": kind,
        "label": str(raw.get("label") or kind),
        "hyper": {str(k): _hyper_value(v) for k, v in hyper.items()} if isinstance(hyper, Mapping) else {},
    }


@dataclass
class Watched:
    """One watched series: its optimizer and its newest records, in step order."""

    panel: str | None
    series: str
    optimizer: dict[str, Any]
    records: collections.deque = field(default_factory=lambda: collections.deque(maxlen=MAX_RECORDS))

    @property
    def key(self) -> Key:
        return (self.panel, self.series)

    @property
    def newest(self) -> dict[str, Any] | None:
        return self.records[-1] if self.records else None

    def add(self, record: dict[str, Any]) -> None:
        # A step that is not after the newest (a repeated batch) replaces or is
        # dropped: the deque stays in step order, which `at` relies on.
        if self.records and record["step"] <= self.records[-1]["step"]:
            if record["step"] == self.records[-1]["step"]:
                self.records[-1] = record
            return
        self.records.append(record)

    def at(self, step: float | None) -> dict[str, Any] | None:
        """The record of `step` (None: the newest): the last step at or before it,
        or the oldest kept when the step is before every record."""
        if not self.records:
            return None
        if step is None or not math.isfinite(step):
            return self.records[-1]
        steps = [record["step"] for record in self.records]
        index = bisect.bisect_right(steps, step) - 1
        return self.records[max(index, 0)]


def declared_series(charts: Mapping[str, Any] | None) -> dict[Key, str]:
    """The series the lesson's landscape panels declare, (panel, series) → label:
    the paths a watched optimizer may walk, known before any has run."""
    declared: dict[Key, str] = {}
    for name, spec in (charts or {}).items():
        if isinstance(spec, Mapping) and is_landscape(spec):
            for series, label in spec_series(spec).items():
                declared[(str(name), str(series))] = str(label or series)
    return declared


class StateHistory:
    """Every watched series of one run, in the order they were first watched.

    `selected` is the series a view shows (and whose arrows a landscape
    draws): the one the learner chose with `cycle`, while it is watched,
    else the newest watched. The choice outlives a new run, so a learner who
    picked Adam sees Adam again after `r`.

    `declared` (the lesson's landscape series, `declared_series`) are offered
    by `cycle` too before they have run: a learner can choose Adam while
    SGD runs, and step mode then waits for Adam's steps. Such a choice is
    `pending` until its first record arrives.
    """

    def __init__(self, max_records: int = MAX_RECORDS, declared: Mapping[Key, str] | None = None) -> None:
        self.max_records = max_records
        self.watched: dict[Key, Watched] = {}
        self.declared: dict[Key, str] = dict(declared or {})
        self.chosen: Key | None = None
        #: bumped on every change, so a view can tell cheaply whether to redraw
        self.version = 0

    def apply(self, event: Any) -> Key | None:
        """Take one `state` event; return the key of the series it changed, if any."""
        if not isinstance(event, Mapping) or event.get("event", "state") != "state":
            return None
        series = event.get("series")
        steps = event.get("steps")
        if series is None or not isinstance(steps, (list, tuple)):
            return None
        panel = event.get("panel")
        key: Key = (None if panel is None else str(panel), str(series))
        watched = self.watched.get(key)
        if watched is None:
            watched = self.watched[key] = Watched(key[0], key[1], clean_optimizer(event.get("optimizer")),
                                                  collections.deque(maxlen=self.max_records))
        elif "optimizer" in event:
            watched.optimizer = clean_optimizer(event.get("optimizer"))
        for raw in steps:
            if (record := clean_record(raw)) is not None:
                watched.add(record)
        self.version += 1
        return key

    def clear(self) -> None:
        self.watched.clear()
        self.version += 1

    @property
    def selected(self) -> Watched | None:
        if self.chosen in self.watched:
            return self.watched[self.chosen]
        return next(reversed(self.watched.values()), None)

    @property
    def pending(self) -> tuple[Key, str] | None:
        """The chosen series and its label while it is declared but has not run yet."""
        if self.chosen is not None and self.chosen not in self.watched and self.chosen in self.declared:
            return self.chosen, self.declared[self.chosen]
        return None

    def offered(self) -> list[Key]:
        """What `cycle` goes through: the series of the maps being raced on
        (before any has run, the first map's), run or yet to run, in the
        lesson's order (the race's), then any other watched ones as they came."""
        panels = {key[0] for key in self.watched} or {key[0] for key in list(self.declared)[:1]}
        keys = [key for key in self.declared if key[0] in panels]
        return keys + [key for key in self.watched if key not in self.declared]

    def _current(self) -> Key | None:
        if self.pending is not None:
            return self.chosen
        selected = self.selected
        return selected.key if selected is not None else None

    def cycle(self, step: int = 1) -> Key | None:
        """Select the next (or previous) series offered; the key selected after (None: none offered)."""
        keys = self.offered()
        if not keys:
            return None
        current = self._current()
        index = keys.index(current) if current in keys else -1
        self.chosen = keys[(index + step) % len(keys)]
        self.version += 1
        return self.chosen

    def position(self) -> tuple[int, int]:
        """The selected (or pending) series' place among those offered (1-based) and their count."""
        keys = self.offered()
        current = self._current()
        return (keys.index(current) + 1 if current in keys else 0), len(keys)

    def mark_arrows(self, data: ChartData) -> list[str]:
        """Tell each landscape panel of `data` whose arrows to draw; the panels that changed.

        A panel draws the arrows of the selected series when that series is
        on it, else those of its own newest watched series: one series'
        arrows per map, never a tangle of every racer's.
        """
        selected = self.selected
        wanted: dict[str, str] = {}
        for watched in self.watched.values():
            if watched.panel is not None:
                wanted[watched.panel] = watched.series
        if selected is not None and selected.panel is not None:
            wanted[selected.panel] = selected.series
        changed = []
        for name, series in wanted.items():
            panel = data.panels.get(name)
            if panel is not None and panel.selected != series:
                panel.select(series)
                changed.append(name)
        return changed
