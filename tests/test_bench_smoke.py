"""The benchmark suite runs (`python -m bench --quick`), so that it cannot rot.

No thresholds here: performance targets live in bench/, and their verdicts in
bench/RESULTS.md. This only checks that every figure is still produced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FIGURES = (
    "launch → first lesson text",
    "`l` → the whole screen",
    "`→` → the next lesson",
    "`r` on 8.3",
    "key → screen while the heaviest demo",
    "`f` → focus view drawn",
    "cursor step (→) → readout updated",
    "bytes written per cursor step",
    "peak memory (VmHWM) of the UI process",
    "peak memory (VmHWM) of the demo runner",
    "bytes written to the terminal per page change",
    "`gradtour show 8.1`",
    "`gradtour list`",
    "landscape (8.4's ravine, four paths) redraws while training",
    "key → screen while the landscape trains",
    "bytes written per landscape frame",
    "heat map (30 × 30 cells) redraw",
    "cell cursor step (→) → readout names the cell",
    "convergence map (8.4)",
    "step mode: `step` command → `paused` event",
    "step mode: stop (SIGINT) of a paused run",
    "bytes of one step's events on the worker's pipe",
)


def test_quick_bench_reports_every_figure(tmp_path):
    out = tmp_path / "RESULTS.md"
    result = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    for figure in FIGURES:
        assert figure in text
    assert "nan" not in text


@pytest.mark.skipif(not os.path.exists("/proc/self/schedstat"), reason="needs Linux's /proc/PID/schedstat")
def test_the_cpu_wait_probe_reads_the_scheduler():
    from bench.probe_cpu_wait import schedstat

    on_core, waiting = schedstat(os.getpid())
    sum(range(500_000))
    time.sleep(0.02)  # the kernel accounts a running task's time when it leaves the core
    assert schedstat(os.getpid())[0] > on_core >= 0 and waiting >= 0
