"""The step-mode benchmark's subject: gradtour itself on 8.4, with its demo
worker replaced by a stand-in that races SGD+Momentum and Adam on the ravine
and answers step mode as the real worker does (spec-16 §3).

`python bench/step_panel_app.py [gradtour options]`: the app as `gradtour` runs it;
`r` starts the race. The stand-in sends, every FLUSH_INTERVAL, a batch of
BATCH steps per optimizer (path points, loss points, `state` records and the
`gradient`/`step` arrows); `space` pauses it after the current batch, `.`
sends exactly one step's events and `paused`, as the runner does after the
step it stopped at. The steps are computed here in plain Python
(tests/state_samples.py), so the figure is the UI's cost alone: the real
worker adds a pipe's round trip and one optimizer step.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lessons.demos.runner import FLUSH_INTERVAL  # noqa: E402
from tests.state_samples import ADAM, MOMENTUM, adam_records, momentum_records, state_event  # noqa: E402
from tui import cli  # noqa: E402

BATCH = 5
STEPS = 2000
START = (-4.0, -1.5)


def ravine(w1: float, w2: float) -> float:
    return 0.1 * (w1 - 4) ** 2 + 2 * (w2 - 1) ** 2


def surface_event() -> dict:
    columns, rows = 161, 97
    z = [[ravine(-5 + 14 * i / (columns - 1), -2.5 + 6 * j / (rows - 1)) for i in range(columns)] for j in range(rows)]
    return {"event": "surface", "panel": "ravine", "x": [-5, 9], "y": [-2.5, 3.5], "z": z, "minimum": [4, 1]}


class RaceWorker:
    """The demo worker's client as DemoRuns uses it; the race runs on the UI's event loop."""

    ready = True
    device_auto = "cpu"
    state = "ready"

    def __init__(self) -> None:
        # Adam at a small rate, so that it is still on its way after many steps.
        self.records = {"momentum": (MOMENTUM, momentum_records(STEPS, lr=0.002)),
                        "adam": (ADAM, adam_records(STEPS, lr=0.003))}
        self.t = 0
        self.pause_wanted = False
        self.steps_wanted = 0
        self.stopping = False
        self.woken = asyncio.Event()

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def pause(self, series=None, panel=None) -> None:
        self.pause_wanted = True

    def step(self, series=None, panel=None) -> None:
        self.pause_wanted = True
        self.steps_wanted += 1
        self.woken.set()

    def resume(self) -> None:
        self.pause_wanted = False
        self.steps_wanted = 0
        self.woken.set()

    def stop(self) -> None:
        self.stopping = True
        self.woken.set()

    def _steps(self, count: int) -> list[dict]:
        """The events of the race's next `count` steps."""
        first, self.t = self.t, min(STEPS, self.t + count)
        events = []
        for series, (optimizer, records) in self.records.items():
            done = records[first:self.t]
            path = [tuple(p["after"] for p in record["params"]) for record in done]
            if first == 0:
                path.insert(0, START)
            events.append({"event": "points", "panel": "ravine", "series": series,
                           "xs": [x for x, _ in path], "ys": [y for _, y in path]})
            events.append({"event": "points", "panel": "ravine_loss", "series": series,
                           "xs": list(range(self.t - len(path) + 1, self.t + 1)), "ys": [ravine(*p) for p in path]})
            events.append(state_event(series, optimizer, done))
            last = done[-1]
            x, y = (p["before"] for p in last["params"])
            for kind, arrow in (("gradient", [-last["lr"] * p["grad"] for p in last["params"]]),
                                ("step", [p["delta"] for p in last["params"]])):
                events.append({"event": "arrow", "panel": "ravine", "series": series, "kind": kind,
                               "x": x, "y": y, "dx": arrow[0], "dy": arrow[1]})
        return events

    def _paused(self) -> dict:
        return {"event": "paused", "optimizer": "Adam", "series": "adam", "step": self.t}

    def run(self, lesson_id, values=None, device="auto", lang=None, paused=None, panel=None):
        return self._race()

    async def _race(self):
        yield {"event": "start", "block": 0, "total": 1, "device": "cpu"}
        yield surface_event()
        while self.t < STEPS and not self.stopping:
            if not self.pause_wanted:
                for event in self._steps(BATCH):
                    yield event
                await asyncio.sleep(FLUSH_INTERVAL)
                continue
            yield self._paused()
            self.woken.clear()
            while self.pause_wanted and not self.steps_wanted and not self.stopping:
                await self.woken.wait()
                self.woken.clear()
            if self.steps_wanted:
                self.steps_wanted -= 1
                for event in self._steps(1):
                    yield event
                if self.pause_wanted:
                    continue
        yield {"event": "done", "status": "stopped" if self.stopping else "ok", "seconds": 1.0}


def main() -> None:
    from tui.controllers.demo_runs import DemoRuns

    def race_worker(runs: DemoRuns) -> RaceWorker:
        if runs._worker is None:  # noqa: SLF001
            runs._worker = RaceWorker()  # noqa: SLF001
        return runs._worker  # noqa: SLF001

    # The app makes its worker's client when first asked: this one, not a process.
    DemoRuns.worker = property(race_worker)
    sys.exit(cli.main(sys.argv[1:]))


if __name__ == "__main__":
    main()
