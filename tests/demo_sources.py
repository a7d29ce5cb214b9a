"""Small lesson sources for the runner, worker, export and headless tests.

Built here rather than read from lessons/course/content, so these tests pin down the
machinery and not the current wording of a lesson.
"""

from __future__ import annotations

import textwrap

import yaml

from lessons.course.catalog import Lesson, parse_lesson

LOSS_CHART = {"loss": {"title": "Loss", "x": "step", "y": "loss"}}


def lesson_source(*blocks: str, params: dict | None = None, charts: dict | None = None,
                  lesson_id: str = "8.2", title: str = "A test lesson") -> str:
    """Markdown for a lesson whose demos are `blocks` (dedented), one paragraph between each."""
    meta = {"id": lesson_id, "title": title, "params": params or {}, "charts": LOSS_CHART if charts is None else charts}
    body = "\n\n".join(f"Demo {n}.\n\n```python\n{textwrap.dedent(code).strip()}\n```" for n, code in
                       enumerate(blocks, start=1))
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n\n## {title}\n\n{body}\n"


def lesson(*blocks: str, **kwargs) -> Lesson:
    return parse_lesson(lesson_source(*blocks, **kwargs))


STEPS = {"steps": {"label": "Steps", "type": "int", "min": 1, "max": 50}}

#: Two blocks with a parameter, a chart, unseeded randomness and both streams.
TRAINING = lesson_source(
    """
    import sys
    import torch
    steps = 3  # how long to train
    w = torch.tensor(0.0, requires_grad=True)
    for step in range(steps):
        loss = (w - 5) ** 2
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        chart.add("train", step, loss.detach())
        print(f"step {step}: loss {loss.item():.4f}")
    print("to stderr", file=sys.stderr)
    """,
    """
    import torch
    torch.manual_seed(0)  # seeded on screen, as the lessons do: the runner adds no seed
    print("noise", torch.rand(3))
    print("partial line", end="")
    """,
    params=STEPS,
)

#: Never ends unless interrupted; the first line tells the test it is looping.
FOREVER = lesson_source(
    """
    import torch
    x = torch.zeros(4)
    print("looping", flush=True)
    while True:
        x = x + 1
    """
)

#: Deaf to SIGINT (as a demo stuck in one long C call is), so only a kill stops it.
STUBBORN = lesson_source(
    """
    import signal
    import time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("looping", flush=True)
    while True:
        time.sleep(0.01)
    """
)
