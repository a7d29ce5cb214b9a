"""The measurements of issue 6, each taken in a real pty and repeated.

Every function appends raw samples to a `Samples` (name → list) and never
judges them: bench/report.py turns samples into figures and verdicts.
Baselines are measured in the same rounds as their subjects, alternating
which goes first, so that load from other processes falls on both.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from bench import procs
from bench.bare_app import LINE as BARE_LINE
from bench.screen import Capture, drawn, first_response, press, row, settle, showing, wait_until
from lessons.course import catalog
from lessons.demos.export import export_script
from lessons.course.i18n import translations
from lessons.demos.params import defaults
from tests.terminal import Terminal, gradtour_argv

HERE = Path(__file__).resolve().parent
#: The demo that loads the UI most: the longest run (about 2.5 s of training),
#: with the most chart events (3 panels, ~80 point batches) of the chapter.
HEAVIEST = "8.5"
#: The lesson whose demo `r` is timed against the same code as a plain script.
SWEEP = "8.3"
#: Seconds after a run starts before keys are timed "while it trains".
TRAINING_SETTLES = 0.3

Samples = dict[str, list[float]]


@dataclass(frozen=True)
class Settings:
    repeat: int = 5          # rounds of every measurement (the figures are medians)
    lessons: int = len(catalog.LESSON_IDS)  # how far the page-change tour goes
    keys: int = 8            # key presses per round, with and without a demo
    cols: int = 120
    rows: int = 40
    quick: bool = False      # the smoke test's setting (see Settings.smallest)

    @classmethod
    def smallest(cls) -> Settings:
        """The smallest setting: every measurement once, for the smoke test."""
        return cls(repeat=1, lessons=3, keys=3, quick=True)


def new_samples() -> Samples:
    return defaultdict(list)


# -- starting programs ---------------------------------------------------------


def environment(home: Path) -> dict[str, str]:
    """A learner's environment over ssh: TERM only, state in a fresh directory.

    COLORTERM is dropped (ssh does not forward it), so Textual draws in 256
    colours, as most remote sessions get; the language comes from --lang.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLORTERM", "GRADTOUR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
           and not k.startswith(("XDG_", "TEXTUAL"))}
    env["TERM"] = "xterm-256color"
    for name in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


@contextlib.contextmanager
def session(argv: list[str], settings: Settings, quit_key: str = "q") -> Iterator[Terminal]:
    """A program in a fresh pty and home; ended (`quit_key`, then SIGKILL) afterwards."""
    with tempfile.TemporaryDirectory(prefix="gradtour-bench-") as home:
        term = Terminal(argv, cols=settings.cols, rows=settings.rows, env=environment(Path(home)), cwd=home)
        try:
            yield term
        finally:
            with contextlib.suppress(OSError):
                term.press(quit_key)
            if term.wait_exit(5) is None:
                term.close()
            with contextlib.suppress(OSError):
                os.close(term.fd)


def gradtour(settings: Settings, lesson: str) -> contextlib.AbstractContextManager[Terminal]:
    return session(gradtour_argv("--lang", "en", "--lesson", lesson), settings)


def ready(term: Terminal, lesson: str) -> None:
    """The lesson is drawn and PyTorch has loaded in the worker: nothing is busy."""
    wait_until(term, showing(first_words(lesson)))
    procs.wait_worker_idle(term.pid)
    settle(term)


def first_words(lesson_id: str, count: int = 3) -> str:
    """The opening words of the lesson's first paragraph, as drawn (no markup)."""
    paragraph = next(b for b in catalog.load(lesson_id).blocks if b.kind == "paragraph")
    plain = re.sub(r"[*_`]", "", paragraph.text)
    return " ".join(plain.split()[:count])


def run_to_exit(argv: list[str], settings: Settings, home: Path) -> float:
    """Seconds from start to exit of a program in a pty (output drained)."""
    started = time.monotonic()
    term = Terminal(argv, cols=settings.cols, rows=settings.rows, env=environment(home), cwd=str(home))
    try:
        capture = Capture(term, started)
        capture.until_eof(deadline=started + 120)
        ended = time.monotonic()
        _, status = os.waitpid(term.pid, 0)
        term.exit_status = os.waitstatus_to_exitcode(status)
    finally:
        with contextlib.suppress(OSError):
            os.close(term.fd)
    if term.exit_status != 0:
        capture.replay(lambda _: False)
        raise RuntimeError(f"{argv} exited with {term.exit_status}:\n{term.text()}")
    return ended - started


def alternate(round_index: int, *steps):
    """The steps of one round, their order flipped every other round."""
    return steps if round_index % 2 == 0 else steps[::-1]


# -- the screen -----------------------------------------------------------------


def topbar(term: Terminal) -> str:
    return row(term, 0).strip()


def shows_language(name: str):
    return lambda term: topbar(term).endswith(name)


def shows_lesson(lesson_id: str):
    position = f"{catalog.LESSON_IDS.index(lesson_id) + 1} / {len(catalog.LESSON_IDS)}"
    return lambda term: topbar(term).startswith(f"{lesson_id} ") and position in topbar(term)


def lesson_area(term: Terminal) -> list[str]:
    """The rows of the lesson text (left of the demo pane in the wide layout)."""
    width = term.cols // 2 - 2
    return [line[:width] for line in term.lines()[1:term.rows - 1]]


# -- 1. launch ---------------------------------------------------------------------


def launch(settings: Settings, samples: Samples, log) -> None:
    lesson = catalog.LESSON_IDS[0]
    text = showing(first_words(lesson))
    subject = (gradtour_argv("--lang", "en", "--lesson", lesson), text, "launch")
    baseline = ([sys.executable, str(HERE / "bare_app.py")], showing(BARE_LINE), "launch.bare")
    floor = ([sys.executable, str(HERE / "floor_app.py")], text, "launch.floor")
    for index in range(settings.repeat):
        programs = (subject, baseline, floor)
        for argv, predicate, name in programs[index % 3:] + programs[:index % 3]:
            started = time.monotonic()
            with session(argv, settings, "q" if name == "launch" else "\x11") as term:  # Textual's ctrl+q
                samples[name].append(drawn(term, predicate, started, quiet=0.15).first)
                if name == "launch.bare":
                    settle(term, 0.3)
                    samples["memory.bare"].append(procs.peak_rss_mb(term.pid))
        log(f"launch {index + 1}/{settings.repeat}: gradtour {samples['launch'][-1]:.3f} s, "
            f"bare {samples['launch.bare'][-1]:.3f} s, floor {samples['launch.floor'][-1]:.3f} s")


# -- 2. page changes and language switches ---------------------------------------


def switch_language(term: Terminal, samples: Samples, lesson: str, prefix: str = "lang") -> None:
    """`l` twice (to Chinese and back), each timed until the screen is fully drawn."""
    for name in ("中文", "English"):
        response = drawn(term, shows_language(name), press(term, "l"))
        samples[prefix].append(response.last)
        samples[f"{prefix}.bytes"].append(response.nbytes)
        samples[f"{prefix}.on.{lesson}"].append(response.last)


def tour(settings: Settings, samples: Samples, log) -> None:
    """From the first lesson, `l` twice on each page, then `→` to the next."""
    ids = catalog.LESSON_IDS[:settings.lessons]
    for index in range(settings.repeat):
        with gradtour(settings, ids[0]) as term:
            ready(term, ids[0])
            for lesson, following in zip(ids, ids[1:] + (None,)):
                switch_language(term, samples, lesson)
                if following is None:
                    break
                response = drawn(term, shows_lesson(following), press(term, "right"))
                samples["next"].append(response.last)
                samples["next.bytes"].append(response.nbytes)
                samples[f"next.to.{following}"].append(response.last)
                samples[f"next.bytes.to.{following}"].append(response.nbytes)
            samples["memory.ui.tour"].append(procs.peak_rss_mb(term.pid))
        log(f"tour {index + 1}/{settings.repeat}: → median {_median(samples['next']) * 1000:.0f} ms, "
            f"l median {_median(samples['lang']) * 1000:.0f} ms")


# -- 3. `r` on the sweep, warm, against a cold `python script.py` ----------------


def sweep_script(home: Path) -> Path:
    """The 8.3 demos as `x` exports them (default values, on the CPU)."""
    lesson = catalog.load(SWEEP)
    values = {**defaults(lesson), "device": "cpu"}
    path = home / "sweep.py"
    path.write_text(export_script(lesson, values, translations("en", "lessons").gettext), encoding="utf-8")
    return path


class _RunFinished:
    """True once the status line has said "running" and then "done in"."""

    def __init__(self) -> None:
        self.running = False

    def __call__(self, term: Terminal) -> bool:
        text = term.text()
        self.running = self.running or "running on" in text
        return self.running and "done in" in text

    def __repr__(self) -> str:
        return "a run that started and finished"


def demo_area(term: Terminal) -> list[str]:
    """The rows of the demo pane (right of the lesson in the wide layout)."""
    return [line[term.cols // 2:] for line in term.lines()[1:term.rows - 1]]


def warm_run(term: Terminal) -> float:
    """`r`, until the demo pane shows the finished run: the final curves, the
    console, "done in". Timed to the last change of the pane, so that the
    footer redrawn afterwards (its keys change back) is not counted."""
    started = press(term, "r")
    capture = Capture(term, started)
    deadline = started + 60
    finished = _RunFinished()
    while True:
        capture.until_quiet(0.3, deadline)
        capture.replay(finished, watch=demo_area)
        if capture.matched_at is not None:
            return capture.changed_at - started
        if time.monotonic() > deadline:
            raise TimeoutError(f"the run never finished; the screen shows:\n{term.text()}")


def sweep(settings: Settings, samples: Samples, log) -> None:
    with tempfile.TemporaryDirectory(prefix="gradtour-bench-") as home, gradtour(settings, SWEEP) as term:
        script = sweep_script(Path(home))
        ready(term, SWEEP)
        for index in range(settings.repeat):
            for step in alternate(index, "warm", "cold"):
                if step == "warm":
                    samples["sweep.warm"].append(warm_run(term))
                    # The language switch again, now with charts and a console to redraw.
                    switch_language(term, samples, SWEEP, "lang.demo")
                else:
                    samples["sweep.cold"].append(run_to_exit([sys.executable, str(script)], settings, Path(home)))
            log(f"sweep {index + 1}/{settings.repeat}: r {samples['sweep.warm'][-1]:.3f} s, "
                f"python script.py {samples['sweep.cold'][-1]:.3f} s")
        samples["memory.ui.sweep"].append(procs.peak_rss_mb(term.pid))
        samples["memory.worker"].append(procs.peak_rss_mb(procs.worker_of(term.pid)))
    samples["sweep.compute"].extend(demo_compute(SWEEP, settings.repeat))


def demo_compute(lesson: str, rounds: int) -> list[float]:
    """Seconds of the lesson's demos themselves, warm, in a process of their own
    (bench/demo_compute.py): the part of `r` no runner can save."""
    script = Path(__file__).resolve().parent / "demo_compute.py"
    out = subprocess.run([sys.executable, str(script), lesson, str(rounds)], capture_output=True, text=True,
                         check=True, timeout=600, cwd=Path(__file__).resolve().parent.parent)
    return [float(line) for line in out.stdout.split()]


# -- 4. keys while the heaviest demo trains ---------------------------------------


def _scroll_keys(count: int) -> list[str]:
    """Down then back up: the lesson always has room to move."""
    half = (count + 1) // 2
    return ["down"] * half + ["up"] * (count - half)


def _key_latency(term: Terminal, key: str) -> float:
    before = lesson_area(term)
    return first_response(term, lambda t: lesson_area(t) != before, press(term, key))


def _pause(term: Terminal, seconds: float | None = None) -> None:
    """A reader's pause between keys; the screen is read (and shown) meanwhile."""
    capture = Capture(term, time.monotonic())
    capture.for_duration(random.uniform(0.08, 0.16) if seconds is None else seconds)
    capture.replay(lambda _: False)


def keys_during_demo(settings: Settings, samples: Samples, log) -> None:
    with gradtour(settings, HEAVIEST) as term:
        ready(term, HEAVIEST)
        # One run first, so that both series see the same layout (charts shown).
        warm_run(term)
        settle(term)
        for index in range(settings.repeat):
            for step in alternate(index, "idle", "demo"):
                if step == "idle":
                    for key in _scroll_keys(settings.keys):
                        samples["keys.idle"].append(_key_latency(term, key))
                        _pause(term)
                    continue
                keys = _scroll_keys(settings.keys)
                while keys:
                    first_response(term, showing("running on"), press(term, "r"))
                    # Training, not starting: the run's first frame (charts
                    # cleared, console reset) is the cost of `r`, not of a run.
                    _pause(term, TRAINING_SETTLES)
                    while keys and "running on" in term.text():
                        samples["keys.demo"].append(_key_latency(term, keys.pop(0)))
                        _pause(term)
                    wait_until(term, showing("done in"))
                settle(term)
            log(f"keys {index + 1}/{settings.repeat}: idle median {_median(samples['keys.idle']) * 1000:.0f} ms, "
                f"during demo median {_median(samples['keys.demo']) * 1000:.0f} ms")
        samples["memory.ui.demo"].append(procs.peak_rss_mb(term.pid))
        samples["memory.worker"].append(procs.peak_rss_mb(procs.worker_of(term.pid)))


# -- 5. the focus view (`f`) and its cursor, at 160x48 ---------------------------------


FOCUS_SIZE = (160, 48)


def _readout_row(term: Terminal) -> str:
    """The focus view's readout: the line above its footer.

    Found by the footer, not at rows - 2: under load the program has been
    seen to draw at 80x24 in the 160x48 pty (it read the size before the
    pty was resized), and a fixed row then never changes.
    """
    lines = [line.rstrip() for line in term.lines()]
    footer = max((i for i, line in enumerate(lines) if "esc back" in line), default=0)
    return lines[footer - 1] if footer else ""


def focus_view(settings: Settings, samples: Samples, log) -> None:
    """`f` while the heaviest demo trains, until the focus view is drawn; a cursor
    step (→) while it trains, until the readout line changes; and the bytes of a
    cursor step once the run is over (while it trains, chart redraws share them)."""
    cols, rows = FOCUS_SIZE
    with gradtour(replace(settings, cols=cols, rows=rows), HEAVIEST) as term:
        ready(term, HEAVIEST)
        warm_run(term)
        settle(term)
        for index in range(settings.repeat):
            first_response(term, showing("running on"), press(term, "r"))
            _pause(term, TRAINING_SETTLES)
            samples["focus.open"].append(first_response(term, showing("chart 1 of"), press(term, "f")))
            # Pinned to the first epoch: from here the readout changes only when
            # the cursor moves (following the newest point, every new one moved it).
            # (Once the chart has points: before, there is nothing to pin.)
            wait_until(term, lambda t: "(newest)" in _readout_row(t))
            press(term, "home")
            wait_until(term, lambda t: "(newest)" not in _readout_row(t))
            for _ in range(settings.keys):
                before = _readout_row(term)
                samples["focus.cursor"].append(
                    first_response(term, lambda t, b=before: _readout_row(t) != b, press(term, "right")))
                _pause(term)
            press(term, "escape")
            wait_until(term, showing("done in"))
            settle(term)
            press(term, "f")
            wait_until(term, showing("chart 1 of"))
            settle(term)
            before = _readout_row(term)
            response = drawn(term, lambda t, b=before: _readout_row(t) != b, press(term, "left"))
            samples["focus.cursor.bytes"].append(response.nbytes)
            press(term, "escape")
            settle(term)
            log(f"focus {index + 1}/{settings.repeat}: f {_median(samples['focus.open']) * 1000:.0f} ms, "
                f"cursor step {_median(samples['focus.cursor']) * 1000:.0f} ms, "
                f"{_median(samples['focus.cursor.bytes']):.0f} bytes a step")


# -- 6. the plain-text commands -----------------------------------------------------


def commands(settings: Settings, samples: Samples, log) -> None:
    steps = {
        "cli.python": [sys.executable, "-c", "pass"],
        "cli.list": gradtour_argv("list"),
        "cli.show": gradtour_argv("show", "8.1"),
    }
    with tempfile.TemporaryDirectory(prefix="gradtour-bench-") as home:
        for index in range(settings.repeat):
            for name in alternate(index, *steps):
                samples[name].append(run_to_exit(steps[name], settings, Path(home)))
    log(f"commands: list {_median(samples['cli.list']):.3f} s, show {_median(samples['cli.show']):.3f} s, "
        f"python -c pass {_median(samples['cli.python']):.3f} s")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


ALL = (launch, tour, sweep, keys_during_demo, focus_view, commands)
