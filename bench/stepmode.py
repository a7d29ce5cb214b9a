"""`python -m bench.stepmode [--repeat N]`: the worker side of step mode, its rows printed.

A real worker process (lessons/worker, driven by its asyncio client as the UI
drives it) runs a watched Adam on 8.4's ravine, paused; each round takes
STEPS_PER_ROUND single steps. Figures: from writing the `step` command to the
arrival of the `paused` event that ends that step (the worker's part of the
issue's "step key → panel and landscape updated"; the UI's redraw is the
statepanel's to measure), and the bytes of one step's events on the worker's
pipe (state record, arrows, path point, paused), what a step costs over SSH
before the terminal redraw; and, once a round, a stop (SIGINT) of the paused
run until its `done` arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import yaml

from bench import measures, report

STEPS_PER_ROUND = 30
#: The demo: a long run of a watched Adam on the ravine, so that every round
#: finds it paused mid-training.
SOURCE = "---\n" + yaml.safe_dump({
    "id": "8.4", "title": "Step mode bench",
    "charts": {"ravine": {"title": "Ravine", "x": "w1", "y": "w2", "kind": "landscape"}},
}) + """---

```python
import torch
w = torch.tensor([-4.0, -1.5], requires_grad=True)
optimizer = torch.optim.Adam([w], lr=0.01)
chart.watch(optimizer, "adam", panel="ravine", names=("w1", "w2"))
print("looping", flush=True)
for step in range(10_000_000):
    optimizer.zero_grad()
    (0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2).backward()
    optimizer.step()
    chart.path("adam", w[0], w[1], panel="ravine")
```
"""


def _wire_bytes(event: dict) -> int:
    # What the worker's Channel wrote for it: the event as JSON, its line end.
    return len((json.dumps(event, allow_nan=False) + "\n").encode("utf-8"))


async def _round(samples: measures.Samples) -> None:
    from lessons.worker.client import DemoWorker

    worker = DemoWorker()
    await worker.start()
    if not await worker.wait_ready(120):
        raise RuntimeError(f"the worker did not start: {worker.failure}")
    try:
        events = worker.run(None, source=SOURCE)
        async for event in events:
            if event.get("text") == "looping":
                worker.pause()
            elif event["event"] == "paused":
                break
        for _ in range(STEPS_PER_ROUND):
            started = time.perf_counter()
            worker.step()
            size = 0
            async for event in events:
                size += _wire_bytes(event)
                if event["event"] == "paused":
                    break
            samples["stepmode.latency"].append(time.perf_counter() - started)
            samples["stepmode.bytes"].append(size)
        started = time.perf_counter()
        worker.stop()
        async for event in events:
            if event["event"] == "done":
                samples["stepmode.stop"].append(time.perf_counter() - started)
                break
    finally:
        await worker.close()


def _ms1(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def measure(settings: measures.Settings, samples: measures.Samples, log) -> None:
    for index in range(settings.repeat):
        asyncio.run(_round(samples))
        recent = samples["stepmode.latency"][-STEPS_PER_ROUND:]
        log(f"step mode {index + 1}/{settings.repeat}: median {sorted(recent)[len(recent) // 2] * 1000:.1f} ms "
            f"from `step` to `paused`, {samples['stepmode.bytes'][-1]} bytes")


def rows(samples: measures.Samples) -> list[report.Row]:
    latency = report.Stats.of(samples.get("stepmode.latency", []))
    size = report.Stats.of(samples.get("stepmode.bytes", []))
    stop = report.Stats.of(samples.get("stepmode.stop", []))
    return [
        report.Row("step mode: `step` command → `paused` event from the worker (one Adam step, watched)",
                   report._spread(latency, _ms1), "—", f"p95 {_ms1(latency.p95)}",
                   "reported (the worker's part of ≤ 50 ms)", None),
        report.Row("step mode: stop (SIGINT) of a paused run → its `done` event",
                   report._spread(stop, _ms1), "—", f"{stop.max / 0.2:.2f}× target (max)", "≤ 0.2 s",
                   stop.n > 0 and stop.max <= 0.2),
        report.Row("bytes of one step's events on the worker's pipe (state, arrows, point, paused)",
                   report._spread(size, report._kb), "—", "—", "reported (SSH)", None),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stepmode", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    return report.run_alone(measure, rows, measures.Settings(repeat=args.repeat))


if __name__ == "__main__":
    sys.exit(main())
