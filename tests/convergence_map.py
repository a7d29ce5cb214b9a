"""8.4's convergence map, as its code block defines it, and the same map cell by cell.

The lesson computes every (momentum, learning rate) cell at once, with
PyTorch's momentum rule written out on batched tensors. `per_cell` is the
reference it must agree with: one real `torch.optim.SGD(momentum=…)` per
cell, in a plain Python loop. Used by tests/test_convergence_map.py and by
the benchmark (bench/convmap.py), which times one against the other.
"""

from __future__ import annotations

import contextlib
import io
import math

from lessons.course import catalog
from lessons.demos.runner import Chart

LESSON = "8.4"
PANEL = "convergence"


def block_code() -> str:
    """The map's code block, as shown and run (English)."""
    blocks = [block.text for block in catalog.load(LESSON).demos if f'panel="{PANEL}"' in block.text]
    assert len(blocks) == 1, f"expected one block drawing the {PANEL!r} panel, found {len(blocks)}"
    return blocks[0]


def run_block() -> dict:
    """A fresh namespace in which the block ran (the map computed, nothing drawn, nothing printed)."""
    namespace = {"__name__": "__main__", "chart": Chart(catalog.load(LESSON).charts, None)}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block_code(), "<8.4 convergence map>", "exec"), namespace)
    return namespace


def per_cell(namespace: dict, lr: float, momentum: float, budget: int = 300, within: float = 0.01) -> float:
    """One cell of the map with torch.optim.SGD: the step from which the run stays
    within `within` of the minimum; inf if it is outside at the end, NaN if it
    ends farther away than it started (the lesson's rules, stated in its block)."""
    import torch

    ravine, start, minimum = namespace["ravine"], namespace["start"], namespace["minimum"]
    w = start.clone().requires_grad_()
    optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum)
    settled = math.inf
    for step in range(1, budget + 1):
        optimizer.zero_grad()
        ravine(w[0], w[1]).backward()
        optimizer.step()
        distance = (w.detach() - minimum).norm().item()
        if not distance < within:
            settled = math.inf
        elif math.isinf(settled):
            settled = step
    if not distance <= (start - minimum).norm().item():
        return math.nan
    return settled
