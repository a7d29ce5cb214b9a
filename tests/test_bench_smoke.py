"""The benchmark suite runs (`python -m bench --quick`), so that it cannot rot.

No thresholds here: performance targets live in bench/, and their verdicts in
bench/RESULTS.md. This only checks that every figure is still produced.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = (
    "launch → first lesson text",
    "`l` → the whole screen",
    "`→` → the next lesson",
    "`r` on 8.3",
    "key → screen while the heaviest demo",
    "peak memory (VmHWM) of the UI process",
    "peak memory (VmHWM) of the demo runner",
    "bytes written to the terminal per page change",
    "`gradtour show 8.1`",
    "`gradtour list`",
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
