"""Lab code runs in a limited child: endless loops, memory bombs, exits, floods
and forks end with a clear message, and whoever ran it carries on."""

from __future__ import annotations

import asyncio
import os
import signal
import textwrap
import threading
import time

import pytest

from lessons import labs
from lessons.labs.checks import localize
from lessons.labs.sandbox import LIMITS_ENV, WEB_ENV, Limits, run_sandboxed
from lessons.worker.client import DemoWorker
from tests.processes import wait_gone

TIGHT = Limits(cpu=1, wall=20, memory_mb=400, max_lines=50)


def sandboxed(code: str, limits: Limits = TIGHT, lab_id: str = "8.hw1") -> tuple[str, list[dict]]:
    events: list[dict] = []
    status = run_sandboxed(lab_id, textwrap.dedent(code).strip() + "\n", events.append, limits=limits)
    return status, events


def the_error(events: list[dict]) -> dict:
    errors = [e for e in events if e["event"] == "error"]
    assert len(errors) == 1, events
    return errors[0]


@pytest.mark.parametrize("web", [False, True], ids=["terminal", "web"])
def test_in_web_mode_lab_code_runs_in_a_folder_of_its_own(monkeypatch, tmp_path, web):
    monkeypatch.chdir(tmp_path)
    if web:
        monkeypatch.setenv(WEB_ENV, "1")
    else:
        monkeypatch.delenv(WEB_ENV, raising=False)
    status, events = sandboxed("""
        import os
        print("cwd", os.getcwd())
        open("written-by-the-lab.txt", "w").write("x")
    """)
    printed = "".join(e.get("text", "") for e in events if e["event"] == "out")
    folder = printed.split("cwd ", 1)[1].split()[0]
    assert status != "error", events
    if web:
        assert folder != str(tmp_path) and "gradtour-lab-" in folder
        assert not os.path.exists(folder), "the run's folder is removed after it"
        assert not (tmp_path / "written-by-the-lab.txt").exists()
    else:
        assert folder == str(tmp_path), "in a terminal, the learner's own folder, as ever"


def test_an_endless_loop_is_stopped_at_its_line_by_the_cpu_limit():
    started = time.monotonic()
    status, events = sandboxed("""
        x = 0
        while True:
            x += 1
    """)
    error = the_error(events)
    assert status == "error" and error["kind"] == "limit"
    assert "1 s of CPU time" in localize(error, str) and error["line"] == 2
    assert not any("sandbox.py" in line for line in error["traceback"])
    assert time.monotonic() - started < 15


def test_code_that_waits_is_stopped_by_the_wall_clock():
    status, events = sandboxed("import time\ntime.sleep(60)", Limits(cpu=30, wall=1.5))
    error = the_error(events)
    assert status == "error" and "within 1.5 s" in localize(error, str)


@pytest.mark.parametrize("code", ["import torch\nbig = torch.zeros(10 ** 11)", "big = bytearray(10 ** 10)"])
def test_a_huge_allocation_is_refused_with_a_clear_message(code):
    status, events = sandboxed(code)
    error = the_error(events)
    assert status == "error" and error["kind"] == "limit" and error["line"] == code.count("\n") + 1
    assert "more memory than the lab allows (400 MB)" in localize(error, str)


@pytest.mark.parametrize("code, call", [
    ("import os\nwhile True:\n    os.fork()", "os.fork"),
    ("import subprocess\nsubprocess.run(['true'])", "subprocess"),
    ("import os\nos.system('true')", "os.system"),
    ("import multiprocessing\nmultiprocessing.Process(target=print).start()", "os.fork"),
])
def test_starting_processes_is_refused(code, call):
    status, events = sandboxed(code)
    error = the_error(events)
    assert status == "error" and f"({call})" in localize(error, str)


def test_exiting_the_process_is_explained():
    status, events = sandboxed("import os\nprint('bye', flush=True)\nos._exit(3)")
    assert [e["text"] for e in events if e["event"] == "out"] == ["bye"]
    assert "exit status 3" in localize(the_error(events), str) and status == "error"


def test_a_crash_is_explained():
    status, events = sandboxed("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert "signal SIGSEGV" in localize(the_error(events), str)


def test_an_output_flood_is_cut_and_lines_are_bounded():
    status, events = sandboxed("for i in range(2000):\n    print(i, 'x' * 20000)", Limits(cpu=20, wall=60,
                                                                                      max_lines=50))
    lines = [e["text"] for e in events if e["event"] == "out"]
    assert len(lines) == 50 and all(len(line) <= 10_001 for line in lines)
    notices = [localize(e, str) for e in events if e["event"] == "notice"]
    assert notices == ["… the output goes on, but a lab shows at most 50 lines of it."]
    assert status == "ok"


def test_what_the_code_does_to_torch_stays_in_its_process():
    import torch

    sandboxed("import torch\ntorch.set_default_dtype(torch.float64)\ntorch.nn.functional.mse_loss = None")
    assert torch.get_default_dtype() == torch.float32
    assert torch.nn.functional.mse_loss is not None


def test_sigint_stops_the_child_and_its_group():
    pids: list[int] = []

    def emit(event):
        if event["event"] == "out" and event["text"].startswith("pid"):
            pids.append(int(event["text"].split()[1]))
            os.kill(os.getpid(), signal.SIGINT)

    code = "import os, time\nprint('pid', os.getpid(), flush=True)\ntime.sleep(60)\n"
    assert threading.current_thread() is threading.main_thread()
    started = time.monotonic()
    status = run_sandboxed("8.hw1", code, emit, limits=TIGHT)
    assert status == "stopped" and time.monotonic() - started < 10
    assert pids and wait_gone(pids[0], 5)


def test_limits_come_from_the_environment():
    limits = Limits.from_environment({LIMITS_ENV: "cpu=3, wall=7.5,memory_mb=100,bogus=1,max_lines=x"})
    assert (limits.cpu, limits.wall, limits.memory_mb, limits.max_lines) == (3, 7.5, 100, Limits().max_lines)


async def test_the_worker_checks_labs_and_survives_a_runaway_lab(monkeypatch):
    """Through the warm worker, as the app does: a pass, a loop stopped by the limit, a pass again."""
    monkeypatch.setenv(LIMITS_ENV, "cpu=1,wall=20")
    worker = DemoWorker()
    await worker.start()
    try:
        assert await worker.wait_ready(60), worker.failure
        pid = worker.pid

        async def events(code):
            return [event async for event in worker.run_lab("8.hw5", code)]

        solution = labs.get("8.hw5").solution(str)
        first = await asyncio.wait_for(events(solution), 60)
        assert next(e for e in first if e["event"] == "check")["passed"]
        looping = await asyncio.wait_for(events("while True:\n    pass\n"), 60)
        assert any(e["event"] == "error" and e["kind"] == "limit" for e in looping)
        again = await asyncio.wait_for(events(solution), 60)
        assert next(e for e in again if e["event"] == "check")["passed"]
        assert worker.pid == pid  # the worker itself never died
    finally:
        await worker.close()
