"""lessons.parent_death: the one way the demo worker and a lab's sandboxed
child end with their parent (the worker adds its own checks around it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.processes import gone, wait_gone

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_a_process_that_asked_dies_when_its_parent_is_killed():
    # The parent forks a child that asks, then both sleep: nothing but the
    # kernel's signal can end the child in time (no pipe, no polling).
    parent = textwrap.dedent(
        """
        import os, time
        from lessons.parent_death import die_with_parent

        if os.fork() == 0:
            armed = die_with_parent()
            print(os.getpid(), armed, flush=True)
            time.sleep(60)
            os._exit(0)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pid, armed = proc.stdout.readline().split()
        assert armed == "True"
        assert not gone(int(pid))
        proc.kill()
        proc.wait()
        assert wait_gone(int(pid))
    finally:
        proc.kill()
        proc.wait()
