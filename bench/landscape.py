"""`python -m bench.landscape [--repeat N]`: the landscape measure alone, its rows printed.

The landscape view (issue 11) in a real pty at 160×48: 8.4's ravine panel
filling the screen, four paths fed on the event loop (bench/landscape_app.py).
Figures: canvas frames per second while training (target ≥ 10), keys while
training against keys idle in the same run (target p95 ≤ 50 ms and ≤ 2× idle),
and bytes written per frame (what a landscape costs over SSH).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench import measures, report
from bench.screen import first_response, press, settle, showing, wait_until

APP = Path(__file__).resolve().parent / "landscape_app.py"
SIZE = (160, 48)


def _key(term, count: int) -> float:
    return first_response(term, showing(f"keys: {count} "), press(term, "j"))


def measure(settings: measures.Settings, samples: measures.Samples, log) -> None:
    settings = replace(settings, cols=SIZE[0], rows=SIZE[1])
    with tempfile.TemporaryDirectory(prefix="gradtour-bench-") as scratch:
        frames_file = Path(scratch) / "frames"
        count = 0
        for index in range(settings.repeat):
            with measures.session([sys.executable, str(APP), str(frames_file)], settings) as term:
                wait_until(term, showing("keys: 0 idle"))
                settle(term)
                for step in measures.alternate(index, "idle", "train"):
                    if step == "idle":
                        for _ in range(settings.keys):
                            count += 1
                            samples["landscape.keys.idle"].append(_key(term, count))
                            measures._pause(term)
                        continue
                    before = term.bytes_read
                    first_response(term, showing("training"), press(term, "t"))
                    measures._pause(term, measures.TRAINING_SETTLES)
                    for _ in range(settings.keys):
                        if "training" not in term.text():
                            break
                        count += 1
                        samples["landscape.keys.train"].append(_key(term, count))
                        measures._pause(term)
                    wait_until(term, showing(" done"))
                    settle(term)
                    trained_bytes = term.bytes_read - before
                term.press("q")
                term.wait_exit(10)
                count = 0
            lines = frames_file.read_text(encoding="utf-8").split("\n")
            start, end = map(float, lines[0].split())
            frames = [float(t) for t in lines[1:] if t and start <= float(t) <= end + 0.2]
            samples["landscape.fps"].append(len(frames) / max(1e-9, end - start))
            samples["landscape.bytes"].append(trained_bytes / max(1, len(frames)))
            log(f"landscape {index + 1}/{settings.repeat}: {samples['landscape.fps'][-1]:.1f} fps, "
                f"{samples['landscape.bytes'][-1] / 1000:.1f} KB a frame")


def rows(samples: measures.Samples) -> list[report.Row]:
    get = lambda name: report.Stats.of(samples.get(name, []))  # noqa: E731
    fps, train, idle, size = get("landscape.fps"), get("landscape.keys.train"), get("landscape.keys.idle"), \
        get("landscape.bytes")
    ratio = train.p95 / idle.p95
    return [
        report.Row("landscape (8.4's ravine, four paths) redraws while training, 160×48",
                   f"{fps.min:.1f} / **{fps.median:.1f}** / {fps.max:.1f} fps (n={fps.n})", "—",
                   f"{fps.median / 10:.2f}× target", "≥ 10 fps", fps.median >= 10),
        report.Row("key → screen while the landscape trains, 160×48", f"p95 **{report._ms(train.p95)}**; "
                   f"{report._spread(train, report._ms)}", f"the same key, idle: p95 {report._ms(idle.p95)}; "
                   f"{report._spread(idle, report._ms)}", f"p95 {ratio:.2f}× baseline",
                   "p95 ≤ 50 ms, ≤ 2× baseline", train.p95 <= 0.05 and ratio <= 2),
        report.Row("bytes written per landscape frame, 160×48", report._spread(size, report._kb), "—", "—",
                   "reported (SSH)", None),
    ]


def main(argv: list[str] | None = None) -> int:
    return report.keys_main(argv, "python -m bench.landscape", __doc__, measure, rows)


if __name__ == "__main__":
    sys.exit(main())
