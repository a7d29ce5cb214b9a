"""`python bench/demo_compute.py LESSON ROUNDS`: the lesson's demos run in this
process with PyTorch warm, no UI and no pipe; one line per round, in seconds.

The share of `r` that is the demos' own computing: what a warm runner cannot
save, however fast it is. The first run (untimed) pays PyTorch's one-time
costs, as the worker's warm-up does before a learner's first run.
"""

from __future__ import annotations

import sys
import time

from lessons.course import catalog
from lessons.demos import runner
from lessons.demos.params import defaults


def main(lesson_id: str, rounds: int) -> None:
    torch = runner.import_torch()
    runner.warm_up(torch)
    lesson = catalog.load(lesson_id)
    values = defaults(lesson)
    runner.run_lesson(lesson, values, "cpu", lambda event: None)
    for _ in range(rounds):
        started = time.perf_counter()
        runner.run_lesson(lesson, values, "cpu", lambda event: None)
        print(f"{time.perf_counter() - started:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
