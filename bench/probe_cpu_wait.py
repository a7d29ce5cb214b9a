"""`python -m bench.probe_cpu_wait`: where keys wait while 8.5 trains.

Scrolls 8.5's lesson for 1.5 s with no demo running, then while its demo
trains (twice each), and prints the UI process's time on a core and its
time waiting for one (/proc/PID/schedstat). The figures behind the
key-latency floor in FINDINGS.md; Linux only.
"""

from __future__ import annotations

import random
import time

from bench import measures
from bench.screen import Capture


def schedstat(pid: int) -> tuple[float, float]:
    """Milliseconds on a core and waiting for one, since the process started."""
    with open(f"/proc/{pid}/schedstat") as stat:
        on_cpu, waiting, _slices = stat.read().split()
    return int(on_cpu) / 1e6, int(waiting) / 1e6


def scroll(term, seconds: float) -> int:
    """The bench's key rhythm (80-160 ms apart) for `seconds`; the keys pressed."""
    end, pressed = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        measures.press(term, "down" if pressed % 2 == 0 else "up")
        pressed += 1
        capture = Capture(term, time.monotonic())
        capture.for_duration(random.uniform(0.08, 0.16))
        capture.replay(lambda _: False)
    return pressed


def main() -> None:
    with measures.gradtour(measures.Settings(repeat=1), measures.HEAVIEST) as term:
        measures.ready(term, measures.HEAVIEST)
        measures.warm_run(term)
        measures.settle(term)
        for label in ("no demo", "demo", "no demo", "demo"):
            if label == "demo":
                measures.press(term, "r")
                time.sleep(measures.TRAINING_SETTLES)
            (cpu_before, wait_before), started = schedstat(term.pid), time.monotonic()
            keys = scroll(term, 1.5)
            (cpu_after, wait_after), took = schedstat(term.pid), time.monotonic() - started
            waited = wait_after - wait_before
            print(f"{label}: {keys} keys in {took:.2f} s; the UI on a core {cpu_after - cpu_before:.0f} ms, "
                  f"waiting for one {waited:.1f} ms ({waited / keys:.1f} ms a key)")
            if label == "demo":
                measures.wait_until(term, measures.showing("done in"))
            measures.settle(term)


if __name__ == "__main__":
    main()
