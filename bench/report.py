"""Samples → figures, verdicts and bench/RESULTS.md.

The targets are issue 6's. A time figure is the median of its samples; where
samples come from several pages (the `→` and `l` figures), every page's own
median must meet the target too, so one slow lesson cannot hide behind fast
ones.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib import metadata

from bench.measures import HEAVIEST, SWEEP, Samples, Settings, new_samples


@dataclass(frozen=True)
class Stats:
    n: int
    min: float
    median: float
    max: float
    p95: float

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        ordered = sorted(values)
        return cls(len(ordered), ordered[0], statistics.median(ordered), ordered[-1],
                   ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])


@dataclass(frozen=True)
class Row:
    measure: str
    figure: str
    baseline: str
    ratio: str
    target: str
    ok: bool | None  # None: reported, no target


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def _s(value: float) -> str:
    return f"{value:.3f} s"


def _kb(value: float) -> str:
    return f"{value / 1000:.1f} KB"


def _mb(value: float) -> str:
    return f"{value:.0f} MB"


def _spread(stats: Stats, unit: Callable[[float], str]) -> str:
    return f"{unit(stats.min)} / **{unit(stats.median)}** / {unit(stats.max)} (n={stats.n})"


def _per_page(samples: Samples, prefix: str) -> dict[str, float]:
    """Each page's median, from samples named `prefix` + lesson id."""
    return {name[len(prefix):]: statistics.median(values)
            for name, values in samples.items() if name.startswith(prefix) and values}


def _worst(pages: dict[str, float]) -> tuple[str, float]:
    page = max(pages, key=pages.get) if pages else "-"
    return page, pages.get(page, math.nan)


def rows(samples: Samples) -> list[Row]:
    get = lambda name: Stats.of(samples.get(name, []))  # noqa: E731
    result = []

    launch, bare, floor = get("launch"), get("launch.bare"), get("launch.floor")
    ratio = launch.median / bare.median
    result.append(Row("launch → first lesson text on screen (120×40)", _spread(launch, _s),
                      "bare Textual app showing one line: " + _spread(bare, _s),
                      f"{ratio:.2f}×", "≤ 1.3× baseline", ratio <= 1.3))
    result.append(Row("launch floor: the same first screen with the same libraries, no gradtour code "
                      "(bench/floor_app.py)", _spread(floor, _s), "bare Textual app (above)",
                      f"{floor.median / bare.median:.2f}×", "reported", None))

    for name, prefix, title in (
        ("lang", "lang.on.", "`l` → the whole screen in the other language"),
        ("lang.demo", None, f"`l` on {SWEEP} with a finished run (charts, console) on screen"),
        ("next", "next.to.", "`→` → the next lesson fully drawn"),
    ):
        stats = get(name)
        page, worst = _worst(_per_page(samples, prefix)) if prefix else ("", stats.median)
        note = f"slowest page {page}: {_ms(worst)} (median); " if prefix else ""
        result.append(Row(title, _spread(stats, _ms), "—", f"{note}{stats.median / 0.1:.2f}× target, p95 {_ms(stats.p95)}",
                          "≤ 100 ms", max(stats.median, worst) <= 0.1))

    warm, cold, compute = get("sweep.warm"), get("sweep.cold"), get("sweep.compute")
    speedup = cold.median / warm.median
    # The demos' own computing is in both: the ratio cannot pass (cold) / (compute).
    ceiling = f"; at most {cold.median / compute.median:.1f}× with this lesson's demos" if compute.n else ""
    result.append(Row(f"`r` on {SWEEP} → final curve drawn, runner warm", _spread(warm, _s),
                      "the same demo code as a cold `python script.py`: " + _spread(cold, _s),
                      f"{speedup:.1f}× faster{ceiling}", "≥ 10× faster", speedup >= 10))
    if compute.n:
        result.append(Row(f"`r` on {SWEEP}: the demos' own computing, warm, no UI (bench/demo_compute.py)",
                          _spread(compute, _s), "`r` (above)",
                          f"the runner and the UI add {_ms(max(0.0, warm.median - compute.median))} "
                          f"({(warm.median - compute.median) / warm.median:.0%} of `r`)", "reported", None))

    demo, idle = get("keys.demo"), get("keys.idle")
    ratio = demo.p95 / idle.p95
    result.append(Row(f"key → screen while the heaviest demo ({HEAVIEST}) trains",
                      f"p95 **{_ms(demo.p95)}**; {_spread(demo, _ms)}",
                      f"the same key, no demo running: p95 {_ms(idle.p95)}; {_spread(idle, _ms)}",
                      f"p95 {ratio:.2f}× baseline", "p95 ≤ 50 ms, ≤ 2× baseline",
                      demo.p95 <= 0.05 and ratio <= 2))

    ui = Stats.of([v for name in ("memory.ui.tour", "memory.ui.sweep", "memory.ui.demo") for v in samples.get(name, [])])
    mem_bare, worker = get("memory.bare"), get("memory.worker")
    result.append(Row("peak memory (VmHWM) of the UI process", f"peak {_mb(ui.max)}; {_spread(ui, _mb)}",
                      "bare Textual app: " + _spread(mem_bare, _mb), f"{ui.max / mem_bare.median:.2f}× baseline; "
                      f"{ui.max / 120:.2f}× target", "UI ≤ 120 MB RSS", ui.max <= 120))
    result.append(Row("peak memory (VmHWM) of the demo runner", f"peak {_mb(worker.max)}; {_spread(worker, _mb)}",
                      "—", "—", "reported (PyTorch lives here)", None))

    opened, cursor, cursor_bytes = get("focus.open"), get("focus.cursor"), get("focus.cursor.bytes")
    for stats, title in ((opened, f"`f` → focus view drawn while {HEAVIEST} trains (160×48)"),
                         (cursor, f"cursor step (→) → readout updated while {HEAVIEST} trains (160×48)")):
        result.append(Row(title, _spread(stats, _ms), "—",
                          f"{stats.median / 0.05:.2f}× target, p95 {_ms(stats.p95)}",
                          "median ≤ 50 ms", stats.median <= 0.05))
    result.append(Row("bytes written per cursor step, demo finished (160×48)", _spread(cursor_bytes, _kb),
                      "—", "—", "reported", None))

    page_bytes = get("next.bytes")
    page, worst = _worst(_per_page(samples, "next.bytes.to."))
    result.append(Row("bytes written to the terminal per page change (120×40)", _spread(page_bytes, _kb), "—",
                      f"largest page {page}: {_kb(worst)} = {worst / 30000:.2f}× target", "≤ 30 KB",
                      worst <= 30000))
    lang_bytes = get("lang.bytes")
    result.append(Row("bytes written per language switch (120×40)", _spread(lang_bytes, _kb), "—",
                      f"{lang_bytes.max / 30000:.2f}× 30 KB", "reported", None))

    python = get("cli.python")
    for name, command in (("cli.show", "gradtour show 8.1"), ("cli.list", "gradtour list")):
        stats = get(name)
        result.append(Row(f"`{command}`", _spread(stats, _s), "`python -c pass`: " + _spread(python, _s),
                          f"{stats.median / 0.3:.2f}× target (+{_s(stats.median - python.median)} over python)",
                          "≤ 0.3 s", stats.median <= 0.3))
    return result


def machine() -> list[str]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as info:
            memory = f"{int(info.readline().split()[1]) / 1e6:.1f} GB"
    except OSError:
        memory = "?"
    versions = ", ".join(f"{name} {_version(name)}" for name in ("textual", "rich", "torch", "plotext", "pyte"))
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}",
        f"- OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- {versions}",
    ]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


_STATUS = {True: "PASS", False: "**MISS**", None: "—"}


def table_line(row: Row) -> str:
    """A row of the figures' table, as RESULTS.md writes it."""
    return f"| {row.measure} | {row.figure} | {row.baseline} | {row.ratio} | {row.target} | {_STATUS[row.ok]} |"


def keys_main(argv: list[str] | None, prog: str, description: str | None, measure: Callable[..., None],
              rows_of: Callable[[Samples], list[Row]]) -> int:
    """The command of a measure that times keys, run on its own: `--repeat` rounds, `--keys` a round."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keys", type=int, default=8)
    args = parser.parse_args(argv)
    return run_alone(measure, rows_of, replace(Settings(), repeat=args.repeat, keys=args.keys))


def run_alone(measure: Callable[..., None], rows_of: Callable[[Samples], list[Row]], settings: Settings,
              **options: object) -> int:
    """One measure on its own (`python -m bench.landscape` …): its log on stderr, its rows as table lines."""
    samples = new_samples()
    measure(settings, samples, lambda message: print(message, file=sys.stderr, flush=True), **options)
    for row in rows_of(samples):
        print(table_line(row))
    return 0


def render(samples: Samples, settings: Settings, *, command: str, load_before: tuple, load_after: tuple,
           seconds: float, extra: list[Row] | tuple[Row, ...] = ()) -> str:
    """RESULTS.md; `extra`: rows of measures that keep their own rules (bench/landscape.py)."""
    table = [*rows(samples), *extra]
    lines = [
        "# gradtour benchmark results",
        "",
        f"Generated by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s. "
        "Do not edit by hand: run the command again.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- terminal: a pty of {settings.cols}×{settings.rows}, TERM=xterm-256color (no COLORTERM, as over ssh), "
        "read back by pyte (tests/terminal.py)",
        f"- settings: {settings.repeat} rounds; {settings.keys} keys per round and series; "
        f"{settings.lessons} lessons toured",
        f"- load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; "
        f"after: {', '.join(f'{v:.2f}' for v in load_after)}",
        "",
        "## Figures",
        "",
        "min / **median** / max of the samples; baselines measured in the same run, interleaved "
        "with their subjects. Verdicts use the median (p95 where the target says so).",
        "",
        "| measure | figure | baseline (same run) | ratio | target | status |",
        "|---|---|---|---|---|---|",
    ]
    lines += [table_line(row) for row in table]
    lines += ["", "## Per page (medians)", "", "| lesson | `→` to it | bytes | `l` on it |", "|---|---|---|---|"]
    to_page = _per_page(samples, "next.to.")
    page_bytes = _per_page(samples, "next.bytes.to.")
    lang = _per_page(samples, "lang.on.")
    for lesson in sorted(set(to_page) | set(lang), key=_lesson_order):
        cells = [_ms(to_page[lesson]) if lesson in to_page else "—",
                 _kb(page_bytes[lesson]) if lesson in page_bytes else "—",
                 _ms(lang[lesson]) if lesson in lang else "—"]
        lines.append(f"| {lesson} | {' | '.join(cells)} |")
    lines += ["", "## Noise", "", *noise(samples), "", "## How each figure is taken", "", *METHOD,
              "", "Profiles behind the fixes, and the floors of any missed target: [FINDINGS.md](FINDINGS.md).", ""]
    return "\n".join(lines)


def _lesson_order(lesson: str) -> int:
    from lessons.course.catalog import LESSON_IDS

    return LESSON_IDS.index(lesson) if lesson in LESSON_IDS else len(LESSON_IDS)


def noise(samples: Samples) -> list[str]:
    """How much the baselines moved within this run: the machine's noise."""
    lines = []
    for name, title in (("launch.bare", "bare Textual launch"), ("cli.python", "`python -c pass`"),
                        ("sweep.cold", "cold `python script.py`"), ("keys.idle", "key → screen, no demo")):
        stats = Stats.of(samples.get(name, []))
        if stats.n:
            lines.append(f"- {title}: max/min = {stats.max / stats.min:.2f} over {stats.n} samples")
    return lines


METHOD = [
    "- **landscape**: `python bench/landscape_app.py` in a pty of 160×48: 8.4's ravine panel alone on the screen "
    "(as a focus view shows it), four paths fed on the event loop in the worker's rhythm (a batch of 10 points per "
    "path every 50 ms); frames are the panel's canvas renders during the training window; keys (`j`, a counter on "
    "the last line) timed while it trains and while idle, alternating; bytes: written during training per frame. "
    "`python -m bench.landscape` takes this measure alone.",
    "- **convergence map**: 8.4's map block run in the bench's own process (bench/convmap.py): its "
    "`steps_to_settle` over the lesson's whole grid, timed, against a Python loop over the same cells, one "
    "`torch.optim.SGD(momentum=…)` per cell for the same 300 steps (tests/convergence_map.py), in the same run "
    "(one round of the loop, between two of the batched map's five; neither timed cold); the two answers are compared cell by cell. "
    "`--quick` keeps the grid's first momentum row. `python -m bench.convmap` takes this measure alone.",
    "- **step mode, the UI**: `python bench/step_panel_app.py` (gradtour with a stand-in worker racing SGD+Momentum and Adam on "
    "8.4's ravine, answering pause/step as the real one) in a pty of 160×48, paused; each `.` timed from its write "
    "to the bytes that show the state table at the next step (lesson screen: the map over the table, drawn in the "
    "same frame) and, in the focus view of the ravine, the table and the map's readout at that step; bytes: what "
    "that step wrote. `python -m bench.step_panel` takes this measure alone.",
    "- **launch**: from fork of `gradtour --lang en --lesson 8.1` in the pty to the arrival of the bytes that put "
    "the first words of the lesson's first paragraph on screen; baseline `python bench/bare_app.py`, a Textual app "
    "with one Static, to its line; floor `python bench/floor_app.py`, 8.1's opening drawn with Textual, PyYAML, "
    "markdown-it and rich's Markdown alone, to the same words. The three take turns; fresh state directory each time.",
    "- **`l`, `→`**: from writing the key to the last byte of the redraw (the output then pauses for 250 ms), "
    "once the top bar shows the other language / the next lesson. The tour presses `l` twice on every page, "
    "then `→`, from 8.1 to the last lesson; the worker has finished loading PyTorch first.",
    f"- **`r` on {SWEEP}**: from `r` to the last change of the demo pane (final charts, console, \"done in\"), the "
    "worker already warm; the footer, redrawn afterwards because its keys change back, is not counted. Baseline: "
    "the same demos exported as `x` exports them, run as `python sweep.py` in the same pty size, start to exit. "
    "The demos' own computing: the same demos run by `runner.run_lesson` in a process of their own, PyTorch "
    "imported and warmed up and the lesson run once first, no UI and no pipe (bench/demo_compute.py).",
    f"- **keys during a demo**: `↓`/`↑` scroll the lesson while {HEAVIEST}'s demo trains (re-run as needed, keys "
    "timed from 0.3 s after a run starts), from the key to the first bytes that change the lesson text on screen; "
    "the baseline is the same keys after the demo has finished (same layout). Random 80-160 ms pauses between keys.",
    f"- **focus view**: at 160×48, 0.3 s into a run of {HEAVIEST}, `f` until the focus view's header "
    "(\"chart 1 of\") arrives; then `home` pins the cursor and each `→` is timed to the first bytes that change "
    "the readout line; once the run is over, the bytes of one cursor step (`←`) until the output pauses.",
    "- **memory**: VmHWM from /proc of the UI process after the tour, the sweep and the demo session, and of the "
    "demo worker; baseline: the bare Textual app once drawn.",
    "- **bytes**: every byte the app wrote to the pty between the key and the end of the redraw.",
    "- **commands**: start to exit in a pty (so `show` renders for a terminal), baseline `python -c pass`.",
]
