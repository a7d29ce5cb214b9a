"""Step mode through the real worker process: pause, one step per `step`, resume,
a stop while paused, commands that are not for the run in progress, and hooks
that end with their run."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import pytest_asyncio

from lessons.worker.client import DemoWorker
from tests.demo_sources import lesson_source

READY_TIMEOUT = 60
RUN_TIMEOUT = 60

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHARTS = {"ravine": {"title": "Ravine", "x": "w1", "y": "w2", "kind": "landscape"}}

#: 300 Adam steps, slow enough (10 ms each) that a pause lands long before the end.
TRAINING = lesson_source(
    """
    import time
    import torch
    w = torch.tensor([-4.0, -1.5], requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=0.3)
    chart.watch(optimizer, "adam", panel="ravine", names=("w1", "w2"))
    print("looping", flush=True)
    for step in range(300):
        optimizer.zero_grad()
        (0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2).backward()
        optimizer.step()
        chart.path("adam", w[0], w[1], panel="ravine")
        time.sleep(0.01)
    print("done", step + 1)
    """,
    charts=CHARTS,
)

#: Trains without chart.watch: step mode works on every optimizer, watched or not.
UNWATCHED = lesson_source(
    """
    import torch
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    print("looping", flush=True)
    for step in range(200):
        optimizer.zero_grad()
        model(torch.ones(4)).sum().backward()
        optimizer.step()
    print("trained", step + 1)
    """,
    charts={},
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def worker():
    demo_worker = DemoWorker(stop_grace=2.0)
    await demo_worker.start()
    assert await demo_worker.wait_ready(READY_TIMEOUT), demo_worker.failure
    yield demo_worker
    await demo_worker.close()


async def drive(worker: DemoWorker, source: str, react) -> list[dict]:
    """Run `source`; `react(event, seen)` after each event; all events up to `done`."""
    async def collect():
        seen: list[dict] = []
        async for event in worker.run(None, source=source):
            seen.append(event)
            react(event, seen)
        return seen

    return await asyncio.wait_for(collect(), RUN_TIMEOUT)


def steps_recorded(events: list[dict]) -> list[int]:
    return [record["step"] for e in events if e["event"] == "state" for record in e["steps"]]


async def test_each_step_command_takes_exactly_one_optimizer_step_then_resume(worker):
    stepped = []

    def react(event, seen):
        if event.get("text") == "looping":
            worker.pause()
        elif event["event"] == "paused":
            stepped.append(event["step"])
            if len(stepped) < 6:
                worker.step()
            else:
                worker.resume()

    events = await drive(worker, TRAINING, react)
    assert events[-1]["status"] == "ok"
    paused = [e for e in events if e["event"] == "paused"]
    first = paused[0]["step"]
    assert first < 100  # paused long before the end
    assert [e["step"] for e in paused] == list(range(first, first + 6))
    assert all((e["optimizer"], e["series"]) == ("Adam", "adam") for e in paused)
    # At each pause, the state of that very step has already been sent, and no later one;
    # and so has the path point the demo sends after its step() (regression: the run
    # paused inside step(), the map and its readout one step behind the table).
    for index, event in enumerate(events):
        if event["event"] == "paused":
            assert steps_recorded(events[:index])[-1] == event["step"]
            points = sum(len(e["xs"]) for e in events[:index] if e["event"] == "points" and e["series"] == "adam")
            assert points == event["step"]
    assert steps_recorded(events) == list(range(1, 301))
    assert [e["text"] for e in events if e["event"] == "out"][-1] == "done 300"


async def test_step_while_running_pauses_and_an_unwatched_optimizer_pauses_too(worker):
    def react(event, seen):
        if event.get("text") == "looping":
            worker.step()
        elif event["event"] == "paused":
            worker.resume()

    events = await drive(worker, UNWATCHED, react)
    assert events[-1]["status"] == "ok"
    (paused,) = [e for e in events if e["event"] == "paused"]
    assert paused["optimizer"] == "SGD" and paused["series"] is None
    assert not [e for e in events if e["event"] == "state"]


async def test_a_stop_ends_a_paused_run_promptly_and_the_next_run_is_untouched(worker):
    stop_times = []

    def react(event, seen):
        if event.get("text") == "looping":
            worker.pause()
        elif event["event"] == "paused":
            stop_times.append(time.monotonic())
            worker.stop()

    events = await drive(worker, TRAINING, react)
    elapsed = time.monotonic() - stop_times[0]
    assert events[-1]["status"] == "stopped"
    # SIGINT reaches a paused run within the 50 ms of its wait, not the 2 s kill.
    assert elapsed < 1.0, elapsed
    assert worker.pid is not None and worker.ready
    # The hooks went with the run: an unwatched run sends no state and never pauses.
    events = await drive(worker, UNWATCHED, lambda event, seen: None)
    assert events[-1]["status"] == "ok"
    assert {e["event"] for e in events} <= {"start", "out", "done"}


async def test_commands_for_no_run_or_another_run_are_ignored(worker):
    # Straight to the worker's stdin: the client itself sends nothing when idle.
    stdin = worker._proc.stdin
    for command in ({"cmd": "pause"}, {"cmd": "step"}, {"cmd": "pause", "id": "r-old"}):
        stdin.write((json.dumps(command) + "\n").encode())
    await stdin.drain()
    await asyncio.sleep(0.2)

    def react(event, seen):
        if event.get("text") == "looping":
            stdin.write((json.dumps({"cmd": "pause", "id": "r-old"}) + "\n").encode())

    events = await drive(worker, UNWATCHED, react)
    assert events[-1]["status"] == "ok"
    assert not [e for e in events if e["event"] == "paused"]
    # The client's methods are no-ops when nothing runs.
    worker.pause(), worker.step(), worker.resume()


#: Three optimizers in one loop, as 8.4's race runs them: an unwatched SGD
#: between two watched ones, each step of one followed by a step of the next.
RACE = lesson_source(
    """
    import torch
    ws, optimizers = {}, {}
    for name, make in (("sgd", lambda p: torch.optim.SGD(p, lr=0.05)),
                       ("adam", lambda p: torch.optim.Adam(p, lr=0.3))):
        ws[name] = torch.tensor([-4.0, -1.5], requires_grad=True)
        optimizers[name] = make([ws[name]])
        chart.watch(optimizers[name], name, panel="ravine", names=("w1", "w2"))
    other = torch.nn.Linear(2, 1)
    unwatched = torch.optim.SGD(other.parameters(), lr=0.01)
    print("looping", flush=True)
    for step in range(40):
        for name in ("sgd", "adam"):
            w = ws[name]
            optimizers[name].zero_grad()
            (0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2).backward()
            optimizers[name].step()
            unwatched.zero_grad()
            other(torch.ones(2)).sum().backward()
            unwatched.step()
    print("raced", step + 1)
    """,
    charts=CHARTS,
)


async def drive_paused(worker: DemoWorker, source: str, paused: str, react) -> list[dict]:
    async def collect():
        seen: list[dict] = []
        async for event in worker.run(None, source=source, paused=paused):
            seen.append(event)
            react(event, seen)
        return seen

    return await asyncio.wait_for(collect(), RUN_TIMEOUT)


async def test_a_run_started_paused_stops_at_the_first_watched_step_then_steps_one_series(worker):
    """`.` from idle on 8.4: paused at the first watched step (not the unwatched
    optimizer's), then five steps of Adam alone while SGD and the unwatched
    optimizer run on in between."""
    pauses = []

    def react(event, seen):
        if event["event"] != "paused":
            return
        pauses.append(event)
        if len(pauses) < 6:
            worker.step(series="adam")
        else:
            worker.resume()

    events = await drive_paused(worker, RACE, "*", react)
    assert events[-1]["status"] == "ok"
    assert [(e["series"], e["step"]) for e in pauses] == [("sgd", 1)] + [("adam", t) for t in range(1, 6)]
    # Between Adam's pauses, SGD took its step too: it runs on, unpaused.
    for index, event in enumerate(events):
        if event["event"] == "paused" and event["series"] == "adam":
            sgd = [r["step"] for e in events[:index] if e["event"] == "state" and e["series"] == "sgd"
                   for r in e["steps"]]
            assert sgd[-1] == event["step"]
    assert [e["text"] for e in events if e["event"] == "out"][-1] == "raced 40"


async def test_a_series_pause_skips_other_series_and_the_panel_narrows_it(worker):
    pauses = []

    def react(event, seen):
        if event.get("text") == "looping":
            worker.pause(series="adam", panel="elsewhere")  # no adam there: never pauses
        elif event["event"] == "paused":
            pauses.append(event)
            worker.resume()

    events = await drive(worker, RACE, react)
    assert events[-1]["status"] == "ok" and pauses == []

    def react_adam(event, seen):
        if event.get("text") == "looping":
            worker.pause(series="adam", panel="ravine")
        elif event["event"] == "paused":
            pauses.append(event)
            worker.resume()

    events = await drive(worker, RACE, react_adam)
    assert events[-1]["status"] == "ok"
    assert [(e["series"], e["optimizer"]) for e in pauses] == [("adam", "Adam")]


async def test_a_step_without_series_still_stops_at_any_optimizer(worker):
    pauses = []

    def react(event, seen):
        if event["event"] != "paused":
            return
        pauses.append(event)
        if len(pauses) < 3:
            worker.step()
        else:
            worker.resume()

    events = await drive_paused(worker, RACE, "sgd", react)
    assert events[-1]["status"] == "ok"
    # Paused at SGD's first step; then each plain step is the next optimizer's, watched or not.
    assert [(e["series"], e["optimizer"]) for e in pauses] == [("sgd", "SGD"), (None, "SGD"), ("adam", "Adam")]
