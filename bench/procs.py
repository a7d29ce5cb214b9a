"""What /proc says about the processes under test (Linux)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:
            pass
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def worker_of(ui_pid: int) -> int | None:
    """The demo worker the UI started (`python -m lessons.worker`)."""
    for child in children(ui_pid):
        if "lessons.worker" in cmdline(child):
            return child
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) so far, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise LookupError(f"no VmHWM for {pid}")


def wait_worker_idle(ui_pid: int, *, quiet: float = 0.6, timeout: float = 60.0) -> int:
    """Wait until the UI's demo worker exists and has stopped using the CPU.

    The worker says "ready" only to the UI, over a pipe; from outside, a
    worker that has imported torch and warmed up sits in a blocking read of
    its stdin and its CPU time stops growing.
    """
    deadline = time.monotonic() + timeout
    pid = None
    while pid is None:
        pid = worker_of(ui_pid)
        if time.monotonic() > deadline:
            raise TimeoutError("the demo worker never started")
        time.sleep(0.05)
    used, since = cpu_seconds(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        if now != used:
            used, since = now, time.monotonic()
        elif used > 0.3 and time.monotonic() - since >= quiet:
            return pid
    raise TimeoutError("the demo worker never went idle")
