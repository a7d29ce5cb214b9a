"""The curve points and bars a demo has sent, kept in a bounded amount of memory.

`ChartData` is fed the runner's JSON events (`points`, `bars`, `diverged`)
and keeps, per panel, what the charts need to draw and to read out. It never
rejects an event: a demo is learner-editable code, so a malformed event is
ignored rather than allowed to take down the UI.

Memory stays bounded however long a demo trains: each series keeps at most
`max_points` points, sampled at a uniform stride over its whole history (the
stride doubles whenever the cap is reached), plus always the newest point.
The statistics a readout quotes (last and minimum finite y) are tracked on
every point, so decimation never changes them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ChartData", "PanelData", "Series", "SeriesReadout", "Surface", "to_float", "DEFAULT_MAX_POINTS"]

DEFAULT_MAX_POINTS = 2000


def to_float(value: Any) -> float:
    """A number from an event: floats, ints, or the JSON-safe "nan"/"inf"/"-inf".

    Anything unreadable becomes NaN, so it is skipped like any non-finite value.
    """
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


class Series:
    """One curve: uniformly strided points plus the newest, and exact summary stats."""

    __slots__ = ("_xs", "_ys", "_tail", "_stride", "_seen", "_max_points", "last", "min", "count")

    def __init__(self, max_points: int = DEFAULT_MAX_POINTS) -> None:
        # The stride halving below needs at least two kept points to halve.
        self._max_points = max(2, int(max_points))
        self._xs: list[float] = []
        self._ys: list[float] = []
        self._tail: tuple[float, float] | None = None
        self._stride = 1
        self._seen = 0
        #: Last finite y, minimum finite y, and the number of finite points received.
        self.last: float | None = None
        self.min: float | None = None
        self.count = 0

    def add(self, x: float, y: float) -> None:
        """Record a finite point (the caller filters out non-finite ones)."""
        self.last = y
        self.min = y if self.min is None else min(self.min, y)
        self.count += 1
        index = self._seen
        self._seen += 1
        if index % self._stride:
            # Not on the stride grid: keep it only until a newer point arrives,
            # so the curve still reaches the latest value.
            self._tail = (x, y)
            return
        self._tail = None
        self._xs.append(x)
        self._ys.append(y)
        if len(self._xs) > self._max_points:
            # Every kept index is a multiple of the stride, so keeping every
            # other one leaves exactly the multiples of twice the stride.
            del self._xs[1::2]
            del self._ys[1::2]
            self._stride *= 2

    @property
    def xs(self) -> list[float]:
        return self._xs + [self._tail[0]] if self._tail else list(self._xs)

    @property
    def ys(self) -> list[float]:
        return self._ys + [self._tail[1]] if self._tail else list(self._ys)

    @property
    def stride(self) -> int:
        """Points received per point kept; it doubles (and the kept lists are thinned) at the cap."""
        return self._stride

    @property
    def kept(self) -> tuple[list[float], list[float]]:
        """The points on the stride grid, xs and ys: the lists themselves, to read, not to change.
        Between two changes of `stride` they only grow, so a reader may resume where it stopped."""
        return self._xs, self._ys

    @property
    def tail(self) -> tuple[float, float] | None:
        """The newest point when it is not on the stride grid (then it follows `kept`)."""
        return self._tail

    @property
    def indices(self) -> list[int]:
        """The position of each kept point among all the points received (0 = the first):
        on a landscape, the step of each point of a path."""
        kept = [k * self._stride for k in range(len(self._xs))]
        return kept + [self._seen - 1] if self._tail else kept

    def __len__(self) -> int:
        return len(self._xs) + (self._tail is not None)

    def __repr__(self) -> str:
        return f"Series({len(self)} kept of {self.count}, last={self.last}, min={self.min})"


@dataclass(frozen=True, eq=False)
class Surface:
    """The height map of a landscape panel: `z[j][i]` is the loss at
    x = x_lo + i * (x_hi - x_lo) / (columns - 1), y = y_lo + j * (y_hi - y_lo) / (rows - 1)
    (row 0 at the bottom); non-finite heights are NaN. `minimum`: where the
    demo says the minimum is, if it said."""

    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float
    z: tuple[tuple[float, ...], ...]
    minimum: tuple[float, float] | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Surface | None:
        """The surface of a `surface` event, or None if the event is unusable."""
        try:
            (x_lo, x_hi), (y_lo, y_hi) = (tuple(map(to_float, event["x"])), tuple(map(to_float, event["y"])))
            rows = tuple(tuple(to_float(v) for v in row) for row in event["z"])
        except (KeyError, TypeError, ValueError):
            return None
        bounds = (x_lo, x_hi, y_lo, y_hi)
        if not all(map(math.isfinite, bounds)) or x_lo >= x_hi or y_lo >= y_hi:
            return None
        if len(rows) < 2 or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
            return None
        minimum = event.get("minimum")
        point = None
        if isinstance(minimum, (list, tuple)) and len(minimum) == 2:
            point = (to_float(minimum[0]), to_float(minimum[1]))
            if not all(map(math.isfinite, point)):
                point = None
        return cls(x_lo, x_hi, y_lo, y_hi, rows, point)


@dataclass(frozen=True)
class SeriesReadout:
    """The numbers a screen-reader line quotes for one series (or one bar)."""

    name: str
    last: float | None  # last finite y; for a bar, its value (which may be non-finite)
    min: float | None  # smallest finite y; for a bar, its value
    diverged_at: float | None = None  # the x where the series went non-finite

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass
class PanelData:
    """What one chart panel has received."""

    #: series key → points, in the order the series first appeared
    series: dict[str, Series] = field(default_factory=dict)
    bar_labels: list[str] = field(default_factory=list)
    bar_values: list[float] = field(default_factory=list)
    #: series key → the x of its first non-finite point (or `diverged` event)
    diverged: dict[str, float] = field(default_factory=dict)
    #: a landscape panel's height map (its series are paths: x, y = the two parameters)
    surface: Surface | None = None
    #: a landscape's arrows: (series key, kind) → (x, y, dx, dy), the latest of each.
    #: kind: "gradient", "velocity", "step" (a watched optimizer's, runner.py's
    #: `arrow` event) or None (a demo's own arrow, such as 8.2's "-grad")
    arrows: dict[tuple[str, str | None], tuple[float, float, float, float]] = field(default_factory=dict)
    #: the series whose arrows a landscape draws (the one the state panel
    #: shows); None: every series'. Only arrows with a kind are filtered: an
    #: arrow without one is the demo's own drawing, not a series' state. Kept
    #: across runs (`clear`): it is the learner's choice, not the run's data.
    selected: str | None = None
    #: bumped on every change, so a view can tell cheaply whether to redraw
    version: int = 0
    max_points: int = DEFAULT_MAX_POINTS

    @property
    def is_empty(self) -> bool:
        return (not any(len(s) for s in self.series.values()) and not self.bar_labels and not self.diverged
                and self.surface is None and not self.arrows)

    def add_points(self, series: str, xs: Iterable[Any], ys: Iterable[Any]) -> None:
        target = self.series.get(series)
        if target is None:
            target = self.series[series] = Series(self.max_points)
        for raw_x, raw_y in zip(xs, ys):
            x, y = to_float(raw_x), to_float(raw_y)
            if not math.isfinite(x):
                continue
            if math.isfinite(y):
                target.add(x, y)
            else:
                self.mark_diverged(series, x)
        self.version += 1

    def set_bars(self, labels: Iterable[Any], values: Iterable[Any]) -> None:
        pairs = list(zip(labels, values))
        self.bar_labels = [str(label) for label, _ in pairs]
        self.bar_values = [to_float(value) for _, value in pairs]
        self.version += 1

    def mark_diverged(self, series: str, x: Any) -> None:
        # The first divergence is the one worth reporting; later non-finite
        # points of the same run only repeat it.
        if series not in self.diverged:
            self.diverged[series] = to_float(x)
            self.series.setdefault(series, Series(self.max_points))
            self.version += 1

    def clear(self) -> None:
        self.series.clear()
        self.bar_labels = []
        self.bar_values = []
        self.diverged.clear()
        self.surface = None
        self.arrows.clear()
        self.version += 1

    def set_arrow(self, series: str, x: Any, y: Any, dx: Any, dy: Any, kind: Any = None) -> None:
        """The arrow of `series` and `kind` now starts at (x, y) and points by (dx, dy);
        a non-finite one is dropped."""
        key = (series, None if kind is None else str(kind))
        values = tuple(map(to_float, (x, y, dx, dy)))
        if all(map(math.isfinite, values)):
            self.arrows[key] = values  # type: ignore[assignment]
        else:
            self.arrows.pop(key, None)
        self.version += 1

    def shown_arrows(self) -> list[tuple[tuple[str, str | None], tuple[float, float, float, float]]]:
        """The arrows to draw: every one without a kind, and those of the selected series (all, if none is)."""
        return [(key, arrow) for key, arrow in self.arrows.items()
                if key[1] is None or self.selected is None or key[0] == self.selected]

    def select(self, series: str | None) -> None:
        """Draw only the arrows of `series` (None: every series')."""
        if series != self.selected:
            self.selected = series
            self.version += 1

    def set_surface(self, surface: Surface) -> None:
        self.surface = surface
        self.version += 1

    def readout(self) -> tuple[SeriesReadout, ...]:
        if self.bar_labels:
            return tuple(SeriesReadout(label, value, value) for label, value in zip(self.bar_labels, self.bar_values))
        return tuple(
            SeriesReadout(name, s.last, s.min, self.diverged.get(name)) for name, s in self.series.items()
        )


class ChartData:
    """All panels of one lesson run, fed by runner events."""

    def __init__(self, panels: Iterable[str] | Mapping[str, Any] = (), *, max_points: int = DEFAULT_MAX_POINTS) -> None:
        """`panels`: the declared panel names (or the `charts` mapping), in display order.

        Declared panels exist, empty, before any data arrives, so a view can
        bind to them up front; a panel an event names that was not declared is
        added after them.
        """
        self.max_points = max_points
        self.panels: dict[str, PanelData] = {}
        for name in panels:
            self.panel(str(name))

    def panel(self, name: str) -> PanelData:
        """The panel called `name`, created empty if it does not exist yet."""
        found = self.panels.get(name)
        if found is None:
            found = self.panels[name] = PanelData(max_points=self.max_points)
        return found

    def _panel_name(self, event: Mapping[str, Any]) -> str:
        name = event.get("panel")
        if name is None:
            # FORMAT.md: a demo that names no panel draws into the first one.
            return next(iter(self.panels), "")
        return str(name)

    def apply(self, event: Any) -> str | None:
        """Take one runner event; return the name of the panel it changed, if any."""
        if not isinstance(event, Mapping):
            return None
        kind = event.get("event")
        try:
            if kind == "points":
                xs, ys = event.get("xs"), event.get("ys")
                if not isinstance(xs, (list, tuple)) or not isinstance(ys, (list, tuple)):
                    return None
                name = self._panel_name(event)
                self.panel(name).add_points(str(event.get("series", "")), xs, ys)
                return name
            if kind == "bars":
                labels, values = event.get("labels"), event.get("values")
                if not isinstance(labels, (list, tuple)) or not isinstance(values, (list, tuple)):
                    return None
                name = self._panel_name(event)
                self.panel(name).set_bars(labels, values)
                return name
            if kind == "surface":
                surface = Surface.from_event(event)
                if surface is None:
                    return None
                name = self._panel_name(event)
                self.panel(name).set_surface(surface)
                return name
            if kind == "arrow":
                name = self._panel_name(event)
                self.panel(name).set_arrow(str(event.get("series", "")), event.get("x"), event.get("y"),
                                           event.get("dx"), event.get("dy"), event.get("kind"))
                return name
            if kind == "diverged":
                name = self._panel_name(event)
                self.panel(name).mark_diverged(str(event.get("series", "")), event.get("x"))
                return name
        except TypeError:
            # A non-iterable where a list belongs, or similar: ignore the event.
            return None
        return None

    def clear(self) -> None:
        """Empty every panel in place, so views bound to a PanelData stay bound."""
        for panel in self.panels.values():
            panel.clear()

    def readout(self, panel: str) -> tuple[SeriesReadout, ...]:
        found = self.panels.get(panel)
        return found.readout() if found is not None else ()

    def snapshot(self) -> ChartData:
        """An independent copy, e.g. to draw as the faded previous run."""
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        return f"ChartData({list(self.panels)})"
