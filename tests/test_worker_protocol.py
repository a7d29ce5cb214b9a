"""The worker process on its own: the JSON protocol, and dying with its parent."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.demo_sources import FOREVER, TRAINING, lesson_source
from tests.processes import gone, wait_gone

ROOT = Path(__file__).resolve().parent.parent


def test_raw_protocol():
    source = lesson_source(
        """
        import os
        os.write(1, b"C-level noise on fd 1\\n")
        print("printed")
        try:
            input()
        except EOFError:
            print("no stdin for demos")
        """
    )
    commands = [
        {"cmd": "run", "id": "a", "source": source, "values": {}, "device": "auto"},
        "not json",
        {"cmd": "run", "id": "b", "lesson": "8.zz"},
        {"cmd": "dance", "id": "c"},
        {"cmd": "run", "id": "d", "source": TRAINING, "values": {"steps": 1}},
    ]
    stdin = "".join((c if isinstance(c, str) else json.dumps(c)) + "\n" for c in commands)
    result = subprocess.run([sys.executable, "-m", "lessons.worker"], input=stdin, capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr  # EOF ends the worker
    events = [json.loads(line) for line in result.stdout.splitlines()]  # nothing but JSON
    assert events[0]["event"] == "ready" and events[0]["torch"] and events[0]["device_auto"] in ("cpu", "cuda")
    assert "C-level noise" in result.stderr
    by_id = {}
    for event in events[1:]:
        by_id.setdefault(event.get("id"), []).append(event)
    assert [e["text"] for e in by_id["a"] if e["event"] == "out"] == ["printed", "no stdin for demos"]
    assert by_id["a"][-1]["status"] == "ok"
    assert [e["kind"] for e in by_id[None]] == ["protocol"]
    assert by_id["b"][0]["kind"] == "lesson" and by_id["b"][-1]["status"] == "error"
    assert by_id["c"][0]["kind"] == "protocol"
    assert by_id["d"][-1]["status"] == "ok"  # commands after the bad ones still run


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_worker_dies_with_its_parent_even_mid_run():
    # A stand-in for the UI, SIGKILLed (a dropped ssh session, `kill -9`)
    # while a demo loops: the worker is not reading stdin, so no EOF saves
    # us; only PDEATHSIG does.
    parent = textwrap.dedent(
        f"""
        import asyncio
        from lessons.worker.client import DemoWorker

        async def main():
            worker = DemoWorker()
            async for event in worker.run(None, source={FOREVER!r}):
                if event.get("text") == "looping":
                    print(worker.pid, flush=True)
                    await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        worker_pid = int(proc.stdout.readline())
        assert not gone(worker_pid)
        proc.kill()
        proc.wait()
        assert wait_gone(worker_pid)
    finally:
        proc.kill()
        proc.wait()
