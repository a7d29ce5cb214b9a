"""Axis ranges and tick labels for a chart panel, chosen before plotext draws.

Limits and ticks are chosen here: a spec's `ylim` fixes the y range (plotext
clips what lies outside at the frame); otherwise a zero-width range (one
point, a flat curve) is padded. Ticks are round (1, 2, 2.5 or 5 times a power
of ten, whole numbers when every x is), at least two per axis and three on a
log axis spanning a decade wherever the rows allow, and fitted to the space so
their labels never overlap. Every label is ASCII, one cell per character.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lessons.charts.data import to_float

#: Finite values beyond ±CLAMP are drawn at it, so that no span overflows to inf.
CLAMP = 1e300
_TINY = 1e-250


def clamp(value: float) -> float:
    return CLAMP if value > CLAMP else -CLAMP if value < -CLAMP else value


def _compact_exponent(text: str) -> str:
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def format_number(value: float | None) -> str:
    """A readout number: four significant digits, short exponents, nan/inf as words."""
    if value is None:
        return "–"
    if value == 0:
        return "0"  # not "-0": a loss that reached its minimum is 0, whatever its sign bit
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return _compact_exponent(f"{value:.4g}")


def _decimals(step: float) -> int:
    """How many decimals write `step` (a round number like 0.25 or 50) exactly."""
    for decimals in range(7):
        if abs(round(step, decimals) - step) <= abs(step) * 1e-6:
            return decimals
    return 6


def format_tick(value: float, step: float) -> str:
    """A tick label precise enough to tell ticks `step` apart, in ASCII only."""
    magnitude = abs(value)
    if magnitude <= abs(step) * 1e-6:
        return "0"  # also the float residue, like 5.6e-17, of a tick meant to be 0
    if 1e-3 <= magnitude < 1e6:
        text = f"{value:.{_decimals(step)}f}"
        # Shortest exact form ("0.5", "1" beside "0.25"): distinct, and narrow,
        # which leaves a small canvas more columns to plot in.
        return text.rstrip("0").rstrip(".") if "." in text else text
    scale = 10.0 ** math.floor(math.log10(magnitude))
    mantissa, _, exponent = f"{value:.{min(4, _decimals(step / scale))}e}".partition("e")
    if "." in mantissa:
        # Shortest form per tick ("1e30", "1.5e30"): still distinct, and narrow.
        mantissa = mantissa.rstrip("0").rstrip(".")
    return _compact_exponent(f"{mantissa}e{exponent}")


#: Round tick steps are these times a power of ten.
_NICE_FACTORS = (1.0, 2.0, 2.5, 5.0)
#: Mantissas of the ticks on a log axis too short for decades, sparsest first.
_LOG_MANTISSAS = ((1, 3), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
#: Decade strides on a log axis too tall for every decade (1e0, 1e3, 1e6 for 3).
_DECADE_FACTORS = (1, 2, 3, 5)


def _nice_steps(least: float, integer: bool = False) -> Iterator[float]:
    """Round steps, from the smallest one of at least `least` upwards.

    On an integer axis (steps, epochs) only whole steps: a tick at 0.5
    epochs names a point that does not exist.
    """
    if integer:
        least = max(least, 1.0)
    if not 0 < least < math.inf:
        return
    exponent = math.floor(math.log10(least))
    while exponent <= 308:
        base = 10.0**exponent
        for factor in _NICE_FACTORS:
            step = factor * base
            if not math.isfinite(step):
                return
            if step >= least * (1 - 1e-9) and not (integer and step % 1):
                yield step
        exponent += 1


def _multiples(lo: float, hi: float, step: float, most: int) -> list[float] | None:
    """The multiples of `step` within [lo, hi]; None when there are more than `most`."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    if last - first + 1 > most:
        return None
    return [k * step for k in range(first, last + 1)]


@dataclass(frozen=True)
class Axis:
    lo: float
    hi: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    @property
    def widest(self) -> int:
        return max((len(label) for label in self.labels), default=0)


Fits = Callable[[Axis], bool]


def _bare(lo: float, hi: float) -> Axis:
    return Axis(lo, hi, (), ())


def _stepped(lo: float, hi: float, ticks: Sequence[float], step: float) -> Axis:
    return Axis(lo, hi, tuple(ticks), tuple(format_tick(t, step) for t in ticks))


def _linear_axis(lo: float, hi: float, most: int, fits: Fits, *, integer: bool = False,
                 movable: tuple[bool, bool] = (True, True)) -> Axis:
    """Evenly spaced round ticks on [lo, hi]: at least two, at most `most`, all that `fits` accepts.

    When fewer than two round values lie within the range (a narrow range,
    few rows), the ends that `movable` allows widen to the round values
    around the data: two round labels say more than one odd one.
    """
    span = hi - lo
    if most < 1 or not 0 < span < math.inf:
        return _bare(lo, hi)
    single = None
    for step in _nice_steps(span / most, integer):
        ticks = _multiples(lo, hi, step, most)
        if ticks is None:
            continue
        axis = _stepped(lo, hi, ticks, step)
        if len(ticks) >= 2:
            if fits(axis):
                return axis
            continue
        single = axis if ticks and fits(axis) else None
        break
    if most >= 2 and any(movable):
        # A handful of steps: beyond them the data would shrink to a sliver.
        for step in itertools.islice(_nice_steps(span / (most - 1), integer), 6):
            wide_lo = math.floor(lo / step + 1e-9) * step if movable[0] else lo
            wide_hi = math.ceil(hi / step - 1e-9) * step if movable[1] else hi
            ticks = _multiples(wide_lo, wide_hi, step, most)
            if ticks is not None and len(ticks) >= 2:
                axis = _stepped(wide_lo, wide_hi, ticks, step)
                if fits(axis):
                    return axis
    return single or _bare(lo, hi)


def _log_label(mantissa: float, exponent: int) -> str:
    """The label of mantissa × 10**exponent: plain digits near 1, else "2e-5"."""
    if -3 <= exponent <= 4:
        return f"{mantissa * 10.0**exponent:g}"
    return f"{mantissa:g}e{exponent}"


def _decade_strides(decades: int) -> Iterator[int]:
    """1, 2, 3, 5, 10, 20, 30, 50, … up to the first that leaves one decade."""
    base = 1
    while True:
        for factor in _DECADE_FACTORS:
            yield factor * base
            if factor * base >= decades:
                return
        base *= 10


def _log_candidates(lo: float, hi: float, most: int) -> Iterator[tuple[list[float], list[str]]]:
    """Tick sets for a log10 axis [lo, hi], in order of preference.

    Decades first, densest first; a stride is tried aligned to its multiples
    (1, 1e3, 1e6) and then from the lowest decade, so three decades still
    show on a short canvas. Then, for a range of few decades, 1-3 and 1-2-5
    sequences; last, for less than a decade, round values of y itself.
    """
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    decades = list(range(first, last + 1))
    for stride in _decade_strides(len(decades)) if decades else ():
        aligned = [k for k in decades if k % stride == 0]
        for chosen in (aligned, decades[::stride]):
            if chosen:
                yield [float(k) for k in chosen], [_log_label(1, k) for k in chosen]
    if hi - lo <= most:
        for mantissas in _LOG_MANTISSAS:
            ticks, labels = [], []
            for k in range(first - 1, last + 1):
                for m in mantissas:
                    t = math.log10(m) + k
                    if lo - 1e-9 <= t <= hi + 1e-9:
                        ticks.append(t)
                        labels.append(_log_label(m, k))
            yield ticks, labels
    if hi - lo < 1:
        low, high = 10.0**lo, 10.0**hi
        for step in itertools.islice(_nice_steps((high - low) / most), 8):
            values = [v for v in _multiples(low, high, step, most) or () if v > 0]
            yield [math.log10(v) for v in values], [format_tick(v, step) for v in values]


def _log_axis(lo: float, hi: float, most: int, fits: Fits, movable: tuple[bool, bool] = (True, True)) -> Axis:
    """Ticks on a log10 axis: three where the data span a decade and the rows allow, else two.

    Where the data's own range cannot give that many, the ends `movable`
    allows widen to whole decades, as the linear axis widens to round values.
    """
    axis = _log_ticks(lo, hi, most, fits)
    if len(axis.ticks) < min(most, 3 if hi - lo >= 1 - 1e-9 else 2):
        wide_lo = math.floor(lo + 1e-9) if movable[0] else lo
        wide_hi = math.ceil(hi - 1e-9) if movable[1] else hi
        wide = _log_ticks(wide_lo, wide_hi, most, fits)
        if len(wide.ticks) > len(axis.ticks):
            return wide
    return axis


def _log_ticks(lo: float, hi: float, most: int, fits: Fits) -> Axis:
    """The first candidate with enough ticks and at most `most`; failing that,
    the sparsest with more that still fits the rows (four decades on five
    rows: every decade, rather than two of them); failing that, as many as fit.
    """
    need = 3 if hi - lo >= 1 - 1e-9 else 2
    fitting = [axis for axis in (Axis(lo, hi, tuple(ticks), tuple(labels))
                                 for ticks, labels in _log_candidates(lo, hi, most) if ticks) if fits(axis)]
    within = [axis for axis in fitting if min(need, most) <= len(axis.ticks) <= most]
    beyond = [axis for axis in fitting if len(axis.ticks) > most]
    if within:
        return within[0]
    if beyond:
        return min(beyond, key=lambda axis: len(axis.ticks))
    return max(fitting, key=lambda axis: len(axis.ticks), default=_bare(lo, hi))


def data_limits(values: Iterable[float], log: bool) -> tuple[float, float]:
    lo = hi = None
    for v in values:
        if lo is None or v < lo:
            lo = v
        if hi is None or v > hi:
            hi = v
    if lo is None or hi is None:
        return 0.0, 1.0
    if hi - lo <= max(abs(lo), abs(hi)) * 1e-9 or hi - lo < _TINY:
        # One point, or a flat curve: give it a band around its value, so it
        # is drawn mid-height with ticks that say what the value is. Spans
        # near the float minimum count as flat: dividing them underflows.
        if log:
            return lo - 0.5, hi + 0.5
        pad = abs(lo) * 0.1
        if pad < _TINY:
            # Zero (a loss at its minimum, an accuracy before the first
            # right answer): 0 to 1 shows it without inventing negatives.
            return lo, lo + 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def fixed_ylim(spec: Mapping[str, Any], log: bool) -> tuple[float | None, float | None]:
    """The spec's fixed y range ends (log10 on a log axis); None where open or unusable.

    A lesson file is hand-written, so a bad `ylim` is ignored rather than fatal.
    """
    raw = spec.get("ylim")
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return None, None
    ends: list[float | None] = []
    for value in raw:
        # to_float also reads strings: YAML takes 1e-3 (no dot) for one.
        number = to_float(value)
        if not math.isfinite(number) or (log and number <= 0):
            ends.append(None)
        else:
            ends.append(math.log10(number) if log else clamp(number))
    lo, hi = ends
    if lo is not None and hi is not None and not lo < hi:
        return None, None
    return lo, hi


def y_limits(values: Iterable[float], log: bool, fixed: tuple[float | None, float | None]) -> tuple[float, float]:
    lo, hi = data_limits(values, log)
    fixed_lo, fixed_hi = fixed
    if fixed_lo is not None:
        lo = fixed_lo
        if not hi > lo:
            # All the data below a fixed floor: a unit (or decade) above it.
            hi = lo + 1.0
    if fixed_hi is not None:
        hi = fixed_hi
        if not lo < hi:
            lo = hi - 1.0
    return lo, hi


def fit_x_axis(lo: float, hi: float, plot_width: int, integer: bool) -> Axis:
    """As many x ticks as fit side by side, each label with a cell to spare."""

    def fits(axis: Axis) -> bool:
        return len(set(axis.labels)) == len(axis.labels) and len(axis.ticks) * (axis.widest + 1) <= plot_width

    return _linear_axis(lo, hi, min(7, max(2, plot_width // 4)), fits, integer=integer)


def fit_y_axis(lo: float, hi: float, height: int, width: int, log: bool, movable: tuple[bool, bool] = (True, True)) -> Axis:
    # The rows inside the frame, less the x tick row.
    rows = max(1, height - 3)
    most = min(5, max(2, (rows + 2) // 2)) if rows >= 2 else 1
    # plotext overprints ticks that share a row; a free row between labels
    # reads better wherever there is room for one.
    gap = 2 if rows >= 6 else 1

    def fits(axis: Axis) -> bool:
        if width - axis.widest - 2 < 2 or len(set(axis.labels)) < len(axis.labels):
            return False
        scale = (rows - 1) / (axis.hi - axis.lo)
        places = [round((t - axis.lo) * scale) for t in axis.ticks]
        return all(b - a >= gap for a, b in zip(places, places[1:]))

    if log:
        return _log_axis(lo, hi, most, fits, movable)
    return _linear_axis(lo, hi, most, fits, movable=movable)


def round_ticks(lo: float, hi: float, most: int, fits: Fits, *, log: bool = False, integer: bool = False) -> Axis:
    """Round ticks on [lo, hi] (on a log axis: log10 values, labelled with the values), at most
    `most`, all that `fits` accepts: the axis rules above, for a chart that places its own labels
    (a heat map's columns and rows)."""
    if log:
        return _log_axis(lo, hi, most, fits, movable=(False, False))
    return _linear_axis(lo, hi, most, fits, integer=integer, movable=(False, False))
