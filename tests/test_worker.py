"""The worker process and its asyncio client: protocol, stop, crash, restart, no orphans."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

import pytest
import pytest_asyncio

from lessons.worker import FAIL_ENV
from lessons.worker.client import DemoWorker
from tests.demo_sources import FOREVER, STUBBORN, TRAINING
from tests.processes import gone, wait_gone

READY_TIMEOUT = 60
RUN_TIMEOUT = 60  # includes a restart's wait for torch

# One event loop for the module, so that one warm worker serves the tests
# that do not need a fresh one: each start imports torch (a second or two).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_worker():
    demo_worker = DemoWorker(stop_grace=0.5)
    await demo_worker.start()
    yield demo_worker
    await demo_worker.close()


@pytest_asyncio.fixture(loop_scope="module")
async def worker(shared_worker):
    """The shared worker, ready (tests that kill it leave it restarting)."""
    assert await shared_worker.wait_ready(READY_TIMEOUT), shared_worker.failure
    return shared_worker


@pytest_asyncio.fixture(loop_scope="module")
async def own_worker():
    """A worker of the test's own, for tests that end it."""
    demo_worker = DemoWorker()
    await demo_worker.start()
    assert await demo_worker.wait_ready(READY_TIMEOUT), demo_worker.failure
    yield demo_worker
    await demo_worker.close()


async def final(events) -> list[dict]:
    """All events of a run; a run that never ends fails the test instead of hanging it."""
    async def collect():
        return [event async for event in events]

    return await asyncio.wait_for(collect(), RUN_TIMEOUT)


async def run_until_looping(demo_worker: DemoWorker, source: str, then) -> list[dict]:
    """Run `source`; call `then()` once the demo says it is looping; return all events."""
    async def collect():
        seen = []
        async for event in demo_worker.run(None, source=source):
            seen.append(event)
            if event.get("text") == "looping":
                then()
        return seen

    return await asyncio.wait_for(collect(), RUN_TIMEOUT)


async def test_run_reports_ready_state_and_events(worker):
    assert worker.ready and worker.torch_version and worker.device_auto
    events = await final(worker.run(None, {"steps": 2}, "auto", source=TRAINING))
    assert [e["event"] for e in events][:2] == ["start", "points"]
    assert events[-1]["event"] == "done" and events[-1]["status"] == "ok"
    assert len({e["id"] for e in events}) == 1


async def test_stop_interrupts_within_a_step_and_keeps_the_worker_warm(worker):
    pid = worker.pid
    stopped_at = []

    def stop():
        stopped_at.append(time.monotonic())
        worker.stop()

    events = await run_until_looping(worker, FOREVER, stop)
    assert events[-1]["status"] == "stopped"
    assert time.monotonic() - stopped_at[0] < 0.8  # by SIGINT, well before the kill
    assert not [e for e in events if e["event"] == "error"]
    assert worker.pid == pid and worker.ready
    assert (await final(worker.run(None, source=TRAINING)))[-1]["status"] == "ok"


async def test_a_demo_that_ignores_sigint_is_killed_and_the_worker_restarts(worker):
    pid = worker.pid
    events = await run_until_looping(worker, STUBBORN, worker.stop)
    assert events[-1]["status"] == "stopped"
    assert not [e for e in events if e["event"] == "error"]
    assert wait_gone(pid)
    assert (await final(worker.run(None, source=TRAINING)))[-1]["status"] == "ok"
    assert worker.pid != pid


async def test_a_killed_worker_fails_the_run_and_the_next_run_works(worker):
    pid = worker.pid
    events = await run_until_looping(worker, FOREVER, lambda: os.kill(pid, signal.SIGKILL))
    error, done = events[-2:]
    assert error["event"] == "error" and error["kind"] == "worker" and "-9" in error["message"]
    assert error["template"].format(**error["arguments"]) == error["message"]
    assert done["event"] == "done" and done["status"] == "error"
    events = await final(worker.run(None, {"steps": 1}, source=TRAINING))
    assert events[-1]["status"] == "ok" and worker.pid != pid


async def test_a_new_run_waits_for_an_abandoned_one(worker):
    async with contextlib.aclosing(worker.run(None, source=FOREVER)) as events:
        async for event in events:
            if event.get("text") == "looping":
                break
    assert (await final(worker.run(None, source=TRAINING)))[-1]["status"] == "ok"


async def test_a_second_run_stops_the_first(worker):
    looping = asyncio.Event()
    first = asyncio.create_task(run_until_looping(worker, FOREVER, looping.set))
    await asyncio.wait_for(looping.wait(), 30)
    second = await final(worker.run(None, source=TRAINING))
    assert (await first)[-1]["status"] == "stopped" and second[-1]["status"] == "ok"
    assert not {e["id"] for e in second} & {e["id"] for e in await first}


async def test_a_worker_that_cannot_start_says_why():
    states = []
    demo_worker = DemoWorker(env={FAIL_ENV: "1"}, on_state=states.append)
    try:
        await demo_worker.start()
        assert not await demo_worker.wait_ready(READY_TIMEOUT)
        assert demo_worker.state == "failed" and states == ["starting", "failed"]
        assert FAIL_ENV in demo_worker.failure
        events = await final(demo_worker.run("8.2"))
        assert [e["event"] for e in events] == ["error", "done"]
        assert events[0]["kind"] == "worker" and FAIL_ENV in events[0]["message"]
    finally:
        await demo_worker.close()


#: "Promptly" for close(): its 1 s grace, a SIGKILL, and slack for a busy CI box.
PROMPT = 3.0


async def test_close_is_prompt_and_leaves_no_process(own_worker):
    worker, pid = own_worker, own_worker.pid
    looping = asyncio.Event()
    consumer = asyncio.create_task(run_until_looping(worker, FOREVER, looping.set))
    await asyncio.wait_for(looping.wait(), 30)
    started = time.monotonic()
    await worker.close()
    # Prompt: within the close grace plus a kill, with room for a loaded machine.
    assert time.monotonic() - started < PROMPT
    assert (await consumer)[-1]["status"] == "stopped"
    assert worker.state == "closed" and gone(pid)


async def test_close_of_an_idle_worker(own_worker):
    pid = own_worker.pid
    started = time.monotonic()
    await own_worker.close()
    assert time.monotonic() - started < PROMPT and gone(pid)
