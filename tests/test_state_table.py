"""lessons.charts.state_table: one optimizer step as a table that fits 76 cells,
in both languages, and never hides a value read that disagrees with the formula."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from lessons.charts import state_table
from lessons.charts.captions import plain
from lessons.course.i18n import translations

ZH = translations("zh", "tui").gettext


def adam_param(name: str, *, exp_avg_formula: float | None = None, wd: bool = False, amsgrad: bool = False) -> dict:
    state = {"exp_avg": -0.5939, "exp_avg_sq": 0.009371, "step": 5.0}
    formula = {"exp_avg": -0.5939 if exp_avg_formula is None else exp_avg_formula, "exp_avg_sq": 0.009371,
               "m_hat": -1.45, "v_hat": 1.878, "bias1": 0.40951, "bias2": 0.00499, "delta": 0.3174}
    if amsgrad:
        state["max_exp_avg_sq"] = formula["max_exp_avg_sq"] = 0.01
    if wd:
        formula["decay"] = -0.0123
    return {"name": name, "before": -3.1, "after": -2.7826, "grad": -1.423, "delta": 0.3174,
            "state": state, "formula": formula}


def sgd_param(name: str, momentum: bool, wd: bool = False) -> dict:
    param = {"name": name, "before": 1.5, "after": 1.2, "grad": 1.0, "delta": -0.3, "state": {},
             "formula": {"delta": -0.3}}
    if momentum:
        param["state"]["momentum_buffer"] = 2.9
        param["formula"]["momentum_buffer"] = 2.9
    if wd:
        param["formula"]["decay"] = -0.015
    return param


def raw_param(name: str) -> dict:
    return {"name": name, "before": 0.5, "after": 0.4, "grad": 0.2, "delta": -0.1,
            "state": {"step": 3.0, "square_avg": 0.0123, "acc_delta": 0.004}, "formula": {}}


def record(params: list[dict], step: int = 5, lr: float = 0.3) -> dict:
    return {"step": step, "lr": lr, "params": params}


KINDS = {
    "SGD": ({"type": "SGD", "label": "SGD"}, lambda n: sgd_param(n, False)),
    "SGD+wd": ({"type": "SGD", "label": "SGD"}, lambda n: sgd_param(n, False, wd=True)),
    "momentum": ({"type": "SGD", "label": "SGD+Momentum"}, lambda n: sgd_param(n, True)),
    "nesterov": ({"type": "SGD", "label": "SGD+Nesterov"}, lambda n: sgd_param(n, True, wd=True)),
    "Adam": ({"type": "Adam", "label": "Adam"}, lambda n: adam_param(n)),
    "Adam+L2": ({"type": "Adam", "label": "Adam+L2"}, lambda n: adam_param(n, wd=True)),
    "AMSGrad": ({"type": "Adam", "label": "Adam"}, lambda n: adam_param(n, amsgrad=True)),
    "AdamW": ({"type": "AdamW", "label": "AdamW"}, lambda n: adam_param(n, wd=True)),
    "Adadelta": ({"type": "Adadelta", "label": "Adadelta"}, raw_param),
}
NAMES = {1: ["w"], 2: ["w1", "w2"], 4: ["w[0]", "w[1]", "w[2]", "w[3]"]}


@pytest.mark.parametrize("gettext", [lambda m: m, ZH], ids=["en", "zh"])
@pytest.mark.parametrize("count", sorted(NAMES))
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("width", [76, 40])
def test_every_kind_fits_the_width_in_both_languages(kind, count, gettext, width):
    optimizer, make = KINDS[kind]
    # A mismatch in every column: the widest cells there are.
    params = [make(name) for name in NAMES[count]]
    for param in params:
        if "exp_avg" in param["formula"]:
            param["formula"]["exp_avg"] = 0.125
    lines = state_table.lines(record(params), optimizer, width, gettext)
    assert all(cell_len(plain(line)) <= width for line in lines), [plain(line) for line in lines]
    body = "\n".join(plain(line) for line in lines)
    if width == 76:
        for name in NAMES[count]:
            assert name in body
    if width == 76 and count <= 2:
        # Nothing cut at 80 columns for the lesson's two weights.
        assert "…" not in body, body


def test_a_two_weight_adam_table_names_every_quantity_and_marks_agreement():
    lines = [plain(line) for line in state_table.lines(record([adam_param("w1"), adam_param("w2")]),
                                                        {"type": "Adam", "label": "Adam"}, 76)]
    assert lines[0] == "Adam · step 5 · lr 0.3"
    assert lines[1].split() == ["w1", "w2"]
    by_symbol = {line.split()[0]: line for line in lines[2:-1]}
    assert list(by_symbol) == ["w_t", "g_t", "m_t", "v_t", "m_hat", "v_hat", "1-β1^t", "1-β2^t", "Δw"]
    assert by_symbol["m_t"].count("-0.5939 ✓") == 2
    assert by_symbol["Δw"].count("0.3174 ✓") == 2
    # Quantities only the formula has (PyTorch keeps no m_hat) get no mark.
    assert "✓" not in by_symbol["m_hat"] and "≠" not in by_symbol["m_hat"]
    assert by_symbol["1-β2^t"].count("0.00499") == 2
    assert "optimizer.state" in lines[-1]


def test_a_mismatch_shows_the_formula_value_beside_the_value_read():
    params = [adam_param("w1"), adam_param("w2", exp_avg_formula=-0.2969)]
    lines = [plain(line) for line in state_table.lines(record(params), {"type": "Adam", "label": "Adam"}, 76)]
    row = next(line for line in lines if line.startswith("m_t"))
    assert "-0.5939 ✓" in row
    assert "-0.5939 ≠ -0.2969" in row


@pytest.mark.parametrize("gettext", [lambda m: m, ZH], ids=["en", "zh"])
def test_a_mismatch_stays_visible_when_the_formula_column_is_dropped(gettext):
    params = [adam_param(name, exp_avg_formula=0.125) for name in NAMES[4]]
    lines = [plain(line) for line in state_table.lines(record(params), {"type": "Adam", "label": "Adam"}, 50, gettext)]
    row = next(line for line in lines if line.startswith("m_t"))
    assert row.count("≠") == 4
    assert "0.125" not in row


def test_labels_are_translated_and_symbols_are_not():
    lines = [plain(line) for line in state_table.lines(record([sgd_param("w1", True), sgd_param("w2", True)]),
                                                        {"type": "SGD", "label": "SGD+Momentum"}, 76, ZH)]
    assert lines[0] == "SGD+Momentum · 第 5 步 · 学习率 0.3"
    body = "\n".join(lines)
    assert "g_t 梯度" in body
    assert "v_t 速度，momentum_buffer" in body
    assert "gradient" not in body


def test_sgd_rows_follow_what_the_record_holds():
    def symbols(param):
        lines = state_table.lines(record([param]), {"type": "SGD", "label": "SGD"}, 76)
        return [plain(line).split()[0] for line in lines[2:-1]]

    assert symbols(sgd_param("w", False)) == ["w_t", "g_t", "Δw"]
    assert symbols(sgd_param("w", True)) == ["w_t", "g_t", "v_t", "Δw"]
    assert symbols(sgd_param("w", True, wd=True)) == ["w_t", "g_t", "v_t", "decay", "Δw"]


def test_another_optimizer_shows_its_raw_state_without_a_formula():
    lines = [plain(line) for line in state_table.lines(record([raw_param("w")]), {"type": "Adadelta", "label": "Adadelta"}, 76)]
    body = "\n".join(lines)
    assert "square_avg" in body and "acc_delta" in body and "0.0123" in body
    assert "✓" not in body and "≠" not in body
    # No formula: no key explaining its marks either.
    assert "optimizer.state" not in body


def test_non_finite_numbers_read_as_words():
    param = sgd_param("w", True)
    param.update(after="nan", delta="nan", grad="inf")
    param["state"]["momentum_buffer"] = "nan"
    param["formula"] = {"momentum_buffer": "nan", "delta": "nan"}
    lines = [plain(line) for line in state_table.lines(record([param]), {"type": "SGD", "label": "SGD"}, 76)]
    assert any(line.startswith("g_t") and "inf" in line for line in lines)
    assert any(line.startswith("v_t") and "nan ✓" in line for line in lines)


@pytest.mark.parametrize("bad", [{}, {"step": 1}, {"step": 1, "params": "x"}, {"step": 1, "params": [3]}])
def test_a_damaged_record_says_so_instead_of_failing(bad):
    lines = [plain(line) for line in state_table.lines(bad, {"type": "Adam"}, 76)]
    assert lines[-1] == "no optimizer state recorded"


def test_agreement_is_float32_precision_relative_to_the_inputs():
    assert state_table.agree(1.0, 1.0 + 2e-7)
    assert not state_table.agree(1.0, 1.001)
    assert not state_table.agree(-0.5, 0.5)
    # Δw = w_t - w_{t-1} of a large w is exact to a few ulps of w, not of Δw.
    w = 1000.0
    assert state_table.agree(1e-3, 1e-3 + 3e-5, scale=w)
    assert not state_table.agree(1e-3, 1e-3 + 3e-5)
    assert state_table.agree(float("nan"), float("nan"))
    assert not state_table.agree(float("nan"), 1.0)
    assert state_table.agree(float("inf"), float("inf"))


def test_text_is_the_lines_without_trailing_spaces():
    text = state_table.text(record([adam_param("w1")]), {"type": "Adam", "label": "Adam"}, 76)
    assert text.splitlines()[0] == "Adam · step 5 · lr 0.3"
    assert all(line == line.rstrip() for line in text.splitlines())


def test_the_key_line_can_be_left_out():
    rec = record([adam_param("w1")])
    with_key = state_table.lines(rec, {"type": "Adam", "label": "Adam"}, 76)
    without = state_table.lines(rec, {"type": "Adam", "label": "Adam"}, 76, key=False)
    assert without == with_key[:-1]
