"""`python -m bench.convmap [--repeat N] [--loops N]`: the convergence-map measure alone, its row printed.

8.4's convergence map (issue 16): every (momentum, learning rate) cell of the
lesson's grid is a 300-step run of SGD with momentum on the ravine. The lesson
computes them all at once, as one batched tensor computation (its block's
`steps_to_settle`, the code the worker runs); the baseline is what one would
write without batching: a Python loop over the same cells, each with its own
`torch.optim.SGD(momentum=…)`, for the same steps (tests/convergence_map.py's
`per_cell`). Both run here, in this process, interleaved, and their answers are
compared cell by cell. Target: the batched map ≥ 20× faster.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import replace

from bench import measures, report
from tests.convergence_map import per_cell, run_block

#: Momentum rows the quick setting keeps (the smoke test's): one row of 30 rates.
QUICK_ROWS = 1


def measure(settings: measures.Settings, samples: measures.Samples, log, loops: int | None = None) -> None:
    ns = run_block()
    steps_to_settle, lrs, momenta = ns["steps_to_settle"], ns["lrs"], ns["momenta"]
    quick = settings.quick
    if quick:
        momenta = momenta[:QUICK_ROWS]
    cells = [(row, col) for row in range(len(momenta)) for col in range(len(lrs))]
    # A per-cell loop of the whole grid takes a minute on a busy 2-core box:
    # fewer rounds of it than of the batched map, each between two of those.
    loops = loops or 1
    # Neither is timed cold: autograd's and the optimizer's first call set up.
    steps_to_settle(lrs[:2], momenta[:1])
    per_cell(ns, float(lrs[0]), float(momenta[0]), budget=2)
    batched = None
    for index in range(settings.repeat):
        started = time.perf_counter()
        batched = steps_to_settle(lrs, momenta)
        samples["convmap.batched"].append(time.perf_counter() - started)
        if index >= loops:
            continue
        started = time.perf_counter()
        alone = [per_cell(ns, float(lrs[col]), float(momenta[row])) for row, col in cells]
        samples["convmap.loop"].append(time.perf_counter() - started)
        differ = sum(not _same(batched[row, col].item(), value) for (row, col), value in zip(cells, alone))
        samples["convmap.differ"].append(differ)
        log(f"convergence map {index + 1}: batched {samples['convmap.batched'][-1] * 1000:.0f} ms, "
            f"loop {samples['convmap.loop'][-1]:.1f} s, {differ} cells differ")
    samples["convmap.cells"].append(len(cells))
    samples["convmap.shape"].extend([len(momenta), len(lrs)])


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def rows(samples: measures.Samples) -> list[report.Row]:
    batched, loop = report.Stats.of(samples.get("convmap.batched", [])), report.Stats.of(samples.get("convmap.loop", []))
    cells = int(samples["convmap.cells"][0]) if samples.get("convmap.cells") else 0
    n_rows, n_cols = (int(v) for v in samples.get("convmap.shape", [0, 0])[:2])
    differ = int(max(samples.get("convmap.differ", [0])))
    ratio = loop.median / batched.median
    agree = "all agree" if differ == 0 else f"**{differ} differ**"
    return [
        report.Row(f"convergence map (8.4): {n_cols} learning rates × {n_rows} momenta = {cells} runs of 300 steps, "
                   "one batched tensor computation",
                   report._spread(batched, report._ms),
                   f"a Python loop over the same cells, one torch.optim.SGD(momentum=…) each: "
                   f"{report._spread(loop, report._s)}; cells: {agree}",
                   f"{ratio:.0f}× faster", "≥ 20× faster", ratio >= 20 and differ == 0),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.convmap", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the batched map (default 5)")
    parser.add_argument("--loops", type=int, default=1, help="rounds of the per-cell loop among them (default 1)")
    args = parser.parse_args(argv)
    return report.run_alone(measure, rows, replace(measures.Settings(), repeat=args.repeat), loops=args.loops)


if __name__ == "__main__":
    sys.exit(main())
