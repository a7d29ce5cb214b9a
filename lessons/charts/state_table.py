"""One optimizer step's state as a table of text lines: the state panel's body
and what `gradtour run --steps` prints.

The input is one record of a `state` event (lessons/demos/runner.py): per
parameter number, the values read from the live optimizer (`grad`, `delta`,
`state`) and the same quantities recomputed from the lesson's formula
(`formula`). A quantity that has both shows the value read and, beside it,
✓ when the formula gives the same number to float32 precision, or "≠" and
the formula's number when it does not: the learner sees that the comment in
the lesson's code is what PyTorch does, and a disagreement cannot hide.

Laid out by terminal cells (a Chinese label takes two per character); when
the table is wider than `width`, the formula's numbers go first (a mismatch
keeps its "≠"), then the row names shrink to their symbols, then the numbers
to three significant digits; what is still too wide is cut with "…".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from lessons.charts.axes import format_number
from lessons.charts.captions import Line, Span, crop, identity
from lessons.charts.data import to_float
from lessons.course.i18n import N_

__all__ = ["Row", "agree", "lines", "rows", "text"]

Gettext = Callable[[str], str]

HEADER = N_("{optimizer} · step {step} · lr {lr}")
#: Under the table: what its marks mean.
KEY = N_("✓ read from optimizer.state = the lesson's formula; ≠ the formula's value")
#: A record with no parameter numbers (a damaged or empty event).
EMPTY = N_("no optimizer state recorded")

MATCH = "✓"
MISMATCH = "≠"
#: Between the table's columns.
GAP = "  "

#: Relative to the magnitude of the numbers a quantity is computed from: a
#: float32 sum of two terms is exact to about 6e-8 of the larger; the formula
#: is recomputed in float64 from float32 inputs, and Adam's step passes
#: through a square root and a division, so 1e-5 (about 80 float32 ulps)
#: separates rounding from a different formula by orders of magnitude.
TOLERANCE = 1e-5


@dataclass(frozen=True)
class Row:
    """One quantity of the table: where its numbers come from and what it is called.

    `read`: the key of the value read (a key of the parameter's `state`, or
    "grad", "delta", "after"); None for a quantity only the formula has
    (m_hat, the bias corrections). `formula`: its key in `formula`, or None.
    `symbol` stays as written (the lesson's code uses it); `name` is N_-marked.
    """

    symbol: str
    name: str
    read: str | None
    formula: str | None


_WEIGHT = Row("w_t", N_("weight after the step"), "after", None)
_GRAD = Row("g_t", N_("gradient"), "grad", None)
_VELOCITY = Row("v_t", N_("velocity, momentum_buffer"), "momentum_buffer", "momentum_buffer")
_FIRST = Row("m_t", N_("first moment, exp_avg"), "exp_avg", "exp_avg")
_SECOND = Row("v_t", N_("second moment, exp_avg_sq"), "exp_avg_sq", "exp_avg_sq")
_SECOND_MAX = Row("max v_t", N_("largest v_t so far, max_exp_avg_sq"), "max_exp_avg_sq", "max_exp_avg_sq")
_M_HAT = Row("m_hat", N_("m_t bias-corrected"), None, "m_hat")
_V_HAT = Row("v_hat", N_("v_t bias-corrected"), None, "v_hat")
_BIAS1 = Row("1-β1^t", N_("bias correction of m"), None, "bias1")
_BIAS2 = Row("1-β2^t", N_("bias correction of v"), None, "bias2")
_DECAY = Row("decay", N_("weight decay's part of Δw"), None, "decay")
_DELTA = Row("Δw", N_("step taken, w_t - w_{t-1}"), "delta", "delta")

#: The rows of the optimizers whose formulas the lesson gives, in reading order.
_KNOWN: dict[str, tuple[Row, ...]] = {
    "SGD": (_WEIGHT, _GRAD, _VELOCITY, _DECAY, _DELTA),
    "Adam": (_WEIGHT, _GRAD, _FIRST, _SECOND, _SECOND_MAX, _M_HAT, _V_HAT, _BIAS1, _BIAS2, _DECAY, _DELTA),
}
_KNOWN["AdamW"] = _KNOWN["Adam"]
#: Keys every parameter entry has besides `state` and `formula`, and the state
#: keys the header already shows.
_NOT_STATE = {"step"}


def rows(record: Mapping[str, Any], optimizer: Mapping[str, Any]) -> list[Row]:
    """The rows that `record` has numbers for, for this kind of optimizer.

    For an optimizer the lesson gives no formula for, every key of its raw
    state becomes a row of its own, without a formula.
    """
    params = _params(record)
    known = _KNOWN.get(str(optimizer.get("type", "")))
    if known is None:
        keys: list[str] = []
        for param in params:
            for key in _mapping(param.get("state")):
                if key not in keys and key not in _NOT_STATE:
                    keys.append(key)
        return [_WEIGHT, _GRAD, *(Row(key, "", key, None) for key in keys), Row("Δw", _DELTA.name, "delta", None)]
    return [row for row in known if any(_read(param, row) is not None or _formula(param, row) is not None
                                        for param in params)]


def agree(read: float, formula: float, scale: float = 0.0) -> bool:
    """Whether a value read and its formula value are the same number to float32 precision.

    `scale`: the magnitude of the numbers the quantity was computed from (a
    step Δw = w_t - w_{t-1} is exact only to a few ulps of w, which may be far
    larger than Δw itself).
    """
    if math.isnan(read) or math.isnan(formula):
        return math.isnan(read) and math.isnan(formula)
    if math.isinf(read) or math.isinf(formula):
        return read == formula
    size = max(abs(read), abs(formula), abs(scale))
    return abs(read - formula) <= TOLERANCE * size


@dataclass(frozen=True)
class _Cell:
    value: str
    mark: str = ""
    formula: str = ""


def lines(record: Mapping[str, Any], optimizer: Mapping[str, Any], width: int,
          gettext: Gettext = identity, *, key: bool = True) -> list[Line]:
    """The table of one step: a header, a row of parameter names, one row per
    quantity, and (`key`) a line saying what ✓ and ≠ mean; every line at most `width` cells."""
    width = max(1, int(width))
    header = _header(record, optimizer, gettext)
    params = _params(record)
    if not params:
        return [crop(header, width), crop(((gettext(EMPTY), "readout"),), width)]
    table_rows = rows(record, optimizer)
    has_formula = any(row.formula for row in table_rows)
    table: list[Line] = []
    # Each way of laying it out is narrower than the one before.
    for with_formula, long_names, digits in ((True, True, 4), (False, True, 4), (False, False, 4), (False, False, 3)):
        table = _table(params, table_rows, gettext, with_formula=with_formula, long_names=long_names, digits=digits)
        if max(_width(line) for line in table) <= width:
            break
    out = [crop(header, width), *(crop(line, width) for line in table)]
    if has_formula and key:
        out.append(crop(((gettext(KEY), "axis"),), width))
    return out


def text(record: Mapping[str, Any], optimizer: Mapping[str, Any], width: int, gettext: Gettext = identity, *,
         key: bool = True) -> str:
    """The table as plain text, one line per row (for `gradtour run --steps`)."""
    table = lines(record, optimizer, width, gettext, key=key)
    return "\n".join("".join(part for part, _ in line).rstrip() for line in table)


def _header(record: Mapping[str, Any], optimizer: Mapping[str, Any], gettext: Gettext) -> Line:
    label = str(optimizer.get("label") or optimizer.get("type") or "?")
    step = record.get("step")
    lr = to_float(record.get("lr"))
    title = gettext(HEADER).format(optimizer=label, step=step if isinstance(step, int) else "?",
                                   lr=format_number(lr))
    return ((title, "title"),)


def _table(params: Sequence[Mapping[str, Any]], table_rows: Sequence[Row], gettext: Gettext, *,
           with_formula: bool, long_names: bool, digits: int) -> list[Line]:
    labels = [_label(row, gettext, long_names) for row in table_rows]
    label_width = max(cell_len(label) for label in labels)
    columns = []
    for param in params:
        cells = [_cell(param, row, digits, with_formula) for row in table_rows]
        name = str(param.get("name", "?"))
        value_width = max([cell_len(name)] + [cell_len(cell.value) for cell in cells])
        mark_width = max(cell_len(cell.mark) + (1 + cell_len(cell.formula) if cell.formula else 0) for cell in cells)
        columns.append((name, cells, value_width, mark_width))
    head: list[Span] = [(" " * label_width, None)]
    for name, _, value_width, mark_width in columns:
        head += [(GAP, None), (_pad_left(name, value_width), "axis"), (" " * (mark_width + 1 if mark_width else 0), None)]
    out: list[Line] = [tuple(head)]
    for index, label in enumerate(labels):
        spans: list[Span] = [(_pad_right(label, label_width), "axis")]
        for _, cells, value_width, mark_width in columns:
            cell = cells[index]
            spans += [(GAP, None), (_pad_left(cell.value, value_width), None)]
            if mark_width:
                mark = cell.mark + (" " + cell.formula if cell.formula else "")
                spans.append((" " + _pad_right(mark, mark_width), "readout" if cell.mark == MATCH else "diverged"))
        out.append(tuple(spans))
    return out


def _cell(param: Mapping[str, Any], row: Row, digits: int, with_formula: bool) -> _Cell:
    read = _read(param, row)
    formula = _formula(param, row)
    if read is None:
        return _Cell(_format(formula, digits))
    if formula is None:
        return _Cell(_format(read, digits))
    if agree(read, formula, _scale(param, row)):
        return _Cell(_format(read, digits), MATCH)
    return _Cell(_format(read, digits), MISMATCH, _format(formula, digits) if with_formula else "")


def _scale(param: Mapping[str, Any], row: Row) -> float:
    """The magnitude of the inputs of `row`'s quantity (see `agree`)."""
    numbers = [to_float(param.get("grad"))]
    if row is _DELTA or row.read == "delta":
        numbers += [to_float(param.get("before")), to_float(param.get("after"))]
    finite = [abs(n) for n in numbers if math.isfinite(n)]
    return max(finite, default=0.0)


def _read(param: Mapping[str, Any], row: Row) -> float | None:
    if row.read is None:
        return None
    state = _mapping(param.get("state"))
    value = state.get(row.read) if row.read in state else param.get(row.read)
    return None if value is None else to_float(value)


def _formula(param: Mapping[str, Any], row: Row) -> float | None:
    if row.formula is None:
        return None
    value = _mapping(param.get("formula")).get(row.formula)
    return None if value is None else to_float(value)


def _label(row: Row, gettext: Gettext, long_names: bool) -> str:
    if long_names and row.name:
        return f"{row.symbol} {gettext(row.name)}"
    return row.symbol


def _format(value: float | None, digits: int) -> str:
    if value is None:
        return "–"
    if digits >= 4 or not math.isfinite(value) or value == 0:
        return format_number(value)
    return format_number(float(f"{value:.{digits}g}"))


def _params(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    params = record.get("params") if isinstance(record, Mapping) else None
    return [param for param in params if isinstance(param, Mapping)] if isinstance(params, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _width(line: Line) -> int:
    return sum(cell_len(part) for part, _ in line)


def _pad_left(value: str, width: int) -> str:
    return " " * (width - cell_len(value)) + value


def _pad_right(value: str, width: int) -> str:
    return value + " " * (width - cell_len(value))
