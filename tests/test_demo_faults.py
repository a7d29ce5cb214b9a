"""Demo faults in the app: a demo that raises, one whose first step is NaN,
one that never ends, one deaf to stop, the runner SIGKILLed mid-run, and a
runner that cannot import torch.

Pass: a short message in the learner's language, the app lives, and the
next run of the real lesson works (the runner restarted where it had to be).
Each fault is followed by that run, so a fault that leaves anything broken
behind fails the fault after it. The default run splits the faults between
the two languages; `make test-slow` runs every fault in both.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal

import pytest

from lessons.course import catalog
from lessons.worker.client import E_WORKER_DIED, E_WORKER_FAILED, STOP_GRACE
from tests.helpers import CJK, wait_until
from tests.test_app import make_app
from tests.test_app_demos import LONG, console_text, status
from tui.widgets.demo_pane import MSG_DIVERGED, MSG_ERROR_WHERE, ST_DIVERGED, ST_ERROR, ST_STOPPED
from tui.controllers.demo_runs import WORKER_DELAY
from tui.i18n import _

LESSON = "8.2"
#: What a stop may take: SIGINT, or the grace and a kill, on a loaded machine.
STOPPED_WITHIN = STOP_GRACE + 4.0


def lesson_with(old: str, new: str) -> str:
    source = catalog.lesson_path(LESSON).read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    return source.replace(old, new)


START = "w = torch.tensor(start_w, requires_grad=True)\n"
#: Block 1, line 2: a demo that raises.
RAISES = lesson_with("import torch\n\n# A simple loss landscape",
                     "import torch\nraise RuntimeError('boom in the demo')\n\n# A simple loss landscape")
#: w is NaN from the start: every loss, w and gradient is NaN.
NAN_FIRST = lesson_with(START, "w = torch.tensor(float('nan'), requires_grad=True)\n")
#: Never ends; says so first.
FOREVER = lesson_with(START, START + "print('looping', flush=True)\nwhile True:\n    w.detach().add(1)\n")
#: Never ends and ignores SIGINT, as a demo stuck in one long C call would.
DEAF = lesson_with(START, START + "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                   "print('looping', flush=True)\nwhile True:\n    time.sleep(0.01)\n")


def status_line(app) -> str:
    return app.demos.records[LESSON].status_text().plain


def assert_in_language(text: str, lang: str, english: str) -> None:
    """`text` is `english`'s translation: in Chinese, Chinese and not the English template."""
    if lang == "zh":
        assert CJK.search(text) and english.split("{")[0].strip() not in text, text
    assert _(english).split("{")[0].strip() in text, (text, _(english))


async def run_source(app, pilot, source: str | None) -> None:
    """Press r with the lesson's code replaced by `source` (None: the real lesson)."""
    worker = app.demos.worker
    real = type(worker).run
    if source is None:
        worker.run = lambda *args, **kwargs: real(worker, *args, **kwargs)
    else:
        worker.run = lambda lesson_id, values, device, **options: real(worker, lesson_id, values, device,
                                                                       source=source, **options)
    record = app.demos.records.get(LESSON)
    before = record.status if record else None
    await pilot.press("r")
    # A new status object: this run has begun (the last one may have ended the same way).
    await wait_until(pilot, lambda: LESSON in app.demos.records and app.demos.records[LESSON].status is not before)


async def next_run_works(app, pilot) -> None:
    await run_source(app, pilot, None)
    await wait_until(pilot, lambda: status(app) == "done", LONG)
    # The demo prints its labels in the app's language (the code run is the code shown).
    assert re.search(r"(Final w: |最终 w：)4\.463", console_text(app))


async def stop_and_wait(app, pilot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await pilot.press("s")
    await wait_until(pilot, lambda: status(app) == "stopped", STOPPED_WITHIN + 2)
    assert loop.time() - started < STOPPED_WITHIN


async def until_looping(app, pilot) -> None:
    await wait_until(pilot, lambda: "looping" in console_text(app), LONG)


# -- the faults --------------------------------------------------------------------


async def fault_start_failure(app, pilot, lang, monkeypatch, tmp_path) -> None:
    """torch cannot be imported (a broken install): the worker cannot start."""
    shadow = tmp_path / "broken-torch"
    (shadow / "torch").mkdir(parents=True)
    (shadow / "torch" / "__init__.py").write_text(
        "raise ImportError('libtorch_cpu.so: cannot open shared object file (simulated)')\n")
    with monkeypatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")])))
        if app.demos._worker is not None:  # noqa: SLF001
            # A warm worker imported torch before the damage: the next start must meet it.
            await app.demos._worker.close()  # noqa: SLF001
            app.demos._worker = None  # noqa: SLF001
        app.demos.start_soon()  # as at launch: a start in the background
        await run_source(app, pilot, None)
        await wait_until(pilot, lambda: status(app) == "error", LONG)
        # Every start begun meanwhile must meet the damage too, inside this
        # context: one that spawned just before it closed failed later, during
        # the next run, which then reported the damage (flaky after other tests).
        await pilot.pause(WORKER_DELAY + 0.2)
        await wait_until(pilot, lambda: app.demos.worker.state == "failed", LONG)
    line = status_line(app)
    assert "simulated" in line and "Traceback" not in line, line
    assert_in_language(line, lang, E_WORKER_FAILED)


async def fault_raises(app, pilot, lang, *_context) -> None:
    await run_source(app, pilot, RAISES)
    await wait_until(pilot, lambda: status(app) == "error", LONG)
    assert "boom in the demo" in status_line(app)
    assert_in_language(status_line(app), lang, ST_ERROR)
    where = _(MSG_ERROR_WHERE).format(block=1, line=2)
    assert where in console_text(app)


async def fault_nan_first_step(app, pilot, lang, *_context) -> None:
    await run_source(app, pilot, NAN_FIRST)
    await wait_until(pilot, lambda: status(app) == "done", LONG)
    record = app.demos.records[LESSON]
    assert set(record.diverged) >= {"loss", "w"}, record.diverged
    assert_in_language(status_line(app), lang, ST_DIVERGED)
    assert _(MSG_DIVERGED) in console_text(app)
    await pilot.pause(0.3)  # the charts draw a series with no finite point at all


async def fault_never_ends(app, pilot, lang, *_context) -> None:
    await run_source(app, pilot, FOREVER)
    await until_looping(app, pilot)
    await stop_and_wait(app, pilot)
    assert_in_language(status_line(app), lang, ST_STOPPED)


async def fault_deaf_to_stop(app, pilot, lang, *_context) -> None:
    pid = app.demos.worker.pid
    await run_source(app, pilot, DEAF)
    await until_looping(app, pilot)
    await stop_and_wait(app, pilot)  # killed after the grace: still "stopped", no error
    assert_in_language(status_line(app), lang, ST_STOPPED)
    await wait_until(pilot, lambda: app.demos.worker.pid != pid, LONG)


async def fault_runner_killed(app, pilot, lang, *_context) -> None:
    await run_source(app, pilot, FOREVER)
    await until_looping(app, pilot)
    os.kill(app.demos.worker.pid, signal.SIGKILL)
    await wait_until(pilot, lambda: status(app) == "error", LONG)
    assert_in_language(status_line(app), lang, E_WORKER_DIED)


FAULTS = {
    "start failure": fault_start_failure,
    "raises": fault_raises,
    "NaN first step": fault_nan_first_step,
    "never ends": fault_never_ends,
    "deaf to stop": fault_deaf_to_stop,
    "runner killed": fault_runner_killed,
}


async def gauntlet(lang: str, names, monkeypatch, tmp_path) -> None:
    app = make_app(lesson=LESSON, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        for name in names:
            await FAULTS[name](app, pilot, lang, monkeypatch, tmp_path)
            assert app._exception is None, name  # noqa: SLF001
            await next_run_works(app, pilot)
        await pilot.press("q")
    assert app.return_code == 0


@pytest.mark.parametrize("lang,names", [
    ("zh", ["start failure", "raises", "NaN first step"]),
    ("en", ["never ends", "deaf to stop", "runner killed"]),
])
async def test_demo_faults(lang, names, monkeypatch, tmp_path):
    await gauntlet(lang, names, monkeypatch, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_demo_fault_in_both_languages(lang, monkeypatch, tmp_path):
    await gauntlet(lang, list(FAULTS), monkeypatch, tmp_path)
