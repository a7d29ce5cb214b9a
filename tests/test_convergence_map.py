"""8.4's convergence map: the batched computation is SGD with momentum, cell for cell.

The block runs 990 runs of SGD with momentum as one tensor computation, with
PyTorch's rule written out. These tests hold it to the real thing (one
torch.optim.SGD per cell), to the closed form of where heavy-ball momentum
diverges, and to the rerun the prose describes. The quoted numbers themselves
are tests/test_claims.py's (`-k 8.4`).
"""

from __future__ import annotations

import functools
import math

import pytest

from lessons.course import catalog
from lessons.demos import params
from lessons.demos.runner import Chart
from tests.convergence_map import per_cell, run_block

torch = pytest.importorskip("torch")


@functools.cache
def lesson_map() -> dict:
    return run_block()


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# (momentum row, lr column) of the lesson's 33 × 30 grid: plain SGD settling,
# never settling and diverging; the fastest cell; momentum 0.9's lucky 112;
# cells one column inside the edge (slow rings); the top row near the budget.
CELLS = [(0, 0), (0, 14), (0, 22), (0, 23), (15, 24), (30, 5), (30, 26), (30, 27),
         (3, 23), (17, 25), (32, 2), (32, 3), (9, 24), (24, 12)]


@pytest.mark.parametrize("row, col", CELLS)
def test_a_cell_is_what_torch_optim_sgd_does_alone(row, col):
    ns = lesson_map()
    batched = ns["steps"][row, col].item()
    alone = per_cell(ns, float(ns["lrs"][col]), float(ns["momenta"][row]))
    assert same(batched, alone), (float(ns["lrs"][col]), float(ns["momenta"][row]), batched, alone)


def test_the_cells_cover_every_outcome():
    """The cells above are not all alike: the comparison sees each kind of answer."""
    steps = lesson_map()["steps"]
    values = [steps[row, col].item() for row, col in CELLS]
    assert any(math.isnan(v) for v in values)
    assert any(v == math.inf for v in values)
    assert sum(math.isfinite(v) for v in values) >= 6


def test_the_grid_is_the_one_the_prose_describes():
    ns = lesson_map()
    lrs, momenta, steps = ns["lrs"], ns["momenta"], ns["steps"]
    assert len(lrs) >= 30 and len(momenta) >= 30
    assert tuple(steps.shape) == (len(momenta), len(lrs))
    assert lrs[0].item() == pytest.approx(0.01) and lrs[-1].item() == pytest.approx(1.5)
    assert momenta[0].item() == 0 and momenta[30].item() == pytest.approx(0.9)
    ratios = lrs[1:] / lrs[:-1]
    assert torch.allclose(ratios, ratios[0].expand_as(ratios), rtol=1e-5)  # evenly spaced on a log scale


@pytest.mark.parametrize("momentum", [0.0, 0.3, 0.6, 0.9, 0.96])
def test_a_cell_inside_the_closed_form_edge_does_not_diverge_and_one_outside_does(momentum):
    """Heavy-ball momentum on curvature h is stable iff 0 < lr*h < 2*(1 + momentum); across the ravine h = 4."""
    steps_to_settle = lesson_map()["steps_to_settle"]
    edge = (1 + momentum) / 2
    lrs = torch.tensor([0.95 * edge, 1.05 * edge])
    inside, outside = steps_to_settle(lrs, torch.tensor([momentum]))[0].tolist()
    assert not math.isnan(inside)
    assert math.isnan(outside)


def test_the_maps_diverged_cells_follow_the_closed_form_row_by_row():
    """Every row: the NaN cells are those with lr*4 >= 2*(1 + momentum), give or take the cell at the edge."""
    ns = lesson_map()
    lrs, steps = ns["lrs"], ns["steps"]
    for row, momentum in enumerate(ns["momenta"].tolist()):
        beyond = (lrs * 4 >= 2 * (1 + momentum)).tolist()
        edge = beyond.index(True)
        diverged = steps[row].isnan().tolist()
        assert not any(diverged[:edge - 1]), (momentum, diverged)
        assert all(diverged[edge + 1:]), (momentum, diverged)


def test_the_map_holds_under_a_nudge_and_two_threads():
    """Another machine: the grid and the start nudged by a relative 1e-6, 1 or 2 threads.

    The quoted cells do not move; any other cell moves by at most a step, or
    flips between the budget's last steps and "not reached".
    """
    reference = lesson_map()
    threads = torch.get_num_threads()
    try:
        for seed in range(3):
            torch.set_num_threads(2 if seed % 2 else 1)
            generator = torch.Generator().manual_seed(seed)

            def nudge(tensor):
                noise = torch.rand(tensor.shape, generator=generator, dtype=torch.float64) * 2 - 1
                return tensor * (1 + 1e-6 * noise).to(tensor.dtype)

            ns = run_block()
            ns["start"] = nudge(ns["start"])
            ns["far"] = (ns["start"] - ns["minimum"]).norm()
            steps = ns["steps_to_settle"](nudge(ns["lrs"]), nudge(ns["momenta"]))
            base = reference["steps"]
            assert torch.equal(steps.isnan(), base.isnan()), seed
            for quoted in [(15, 24), (0, 22), (30, 5)]:
                assert steps[quoted].item() == base[quoted].item(), (seed, quoted)
            moved = (steps != base) & ~base.isnan()
            for row, col in moved.nonzero().tolist():
                a, b = sorted([steps[row, col].item(), base[row, col].item()])
                assert b - a <= 1 or (b == math.inf and a >= 299), (seed, row, col, a, b)
            assert moved.sum().item() <= 5, seed
    finally:
        torch.set_num_threads(threads)


def test_the_rerun_the_prose_suggests_shows_what_it_says():
    """Enter on lr 0.047 × momentum 0.90 reruns the race: after 50 steps plain SGD has not covered half
    the way along the floor (from w1 = -4 to 4), and momentum is past the minimum and swinging back."""
    ns = lesson_map()
    lesson = catalog.load("8.4")
    spec = lesson.charts["convergence"]
    cell = {spec["x_param"]: float(ns["lrs"][9]), spec["y_param"]: float(ns["momenta"][30])}
    assert cell[spec["x_param"]] == pytest.approx(0.047, abs=5e-4)
    resolved = params.resolve(lesson, cell)
    # The block whose literal the what-if parameter replaces: the race (FORMAT.md).
    (block,) = [b for b in lesson.demos if f"\n{spec['x_param']} = " in b.text]
    chart = Chart(lesson.charts, None, record=True)
    exec(compile(params.substituted_code(block, resolved), "<race>", "exec"),
         {"__name__": "__main__", "chart": chart, "print": lambda *a, **k: None})
    sgd_w1 = chart.recorded[("ravine", "sgd")][0]
    momentum_w1 = chart.recorded[("ravine", "momentum")][0]
    assert len(sgd_w1) == len(momentum_w1) == 50
    assert sgd_w1[-1] < 0
    assert max(momentum_w1) > 4 and momentum_w1[-1] < max(momentum_w1)
