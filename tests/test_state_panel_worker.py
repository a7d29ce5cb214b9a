"""Step mode through the real demo worker, in the app: `space` pauses a run that
trains with a watched Adam, each `.` takes exactly one optimizer step (the
panel's step goes t → t+1, read from the live optimizer.state), `space`
resumes, and `s` stops a paused run at once."""

from __future__ import annotations

import re

import pytest

from tests.demo_sources import lesson_source
from tests.helpers import wait_until
from tests.test_app import make_app

LONG = 90  # the worker's first start imports PyTorch

#: Adam on the ravine, watched, for as long as it takes the test to stop it.
RAVINE_ADAM = lesson_source(
    """
    import torch
    w = torch.tensor([-4.0, -1.5], requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=0.01)
    chart.watch(optimizer, "adam", names=("w1", "w2"))
    step = 0
    while True:
        optimizer.zero_grad()
        loss = 0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2
        loss.backward()
        optimizer.step()
        step += 1
        if step == 1:
            print("training")
    """,
    lesson_id="8.4",
    charts={},
)


def newest_step(app) -> int | None:
    record = app.demos.records.get("8.4")
    selected = record.states.selected if record is not None else None
    return None if selected is None or selected.newest is None else selected.newest["step"]


def paused_at(app) -> int | None:
    record = app.demos.records.get("8.4")
    if record is None or record.status[0] != "paused":
        return None
    return int(record.status[2]["step"])


@pytest.mark.parametrize("lang", ["en"])
async def test_dot_takes_exactly_one_step_of_the_real_optimizer(lang):
    app = make_app(lesson="8.4", lang=lang)
    async with app.run_test(size=(160, 48)) as pilot:
        worker = app.demos.worker
        real = type(worker).run
        # The source has none of 8.4's what-if parameters to set.
        worker.run = lambda lesson_id, values, device, **options: real(worker, lesson_id, {}, device,
                                                                       source=RAVINE_ADAM, **options)
        await pilot.press("r")
        await wait_until(pilot, lambda: (newest_step(app) or 0) > 0, LONG)
        await pilot.press("space")
        await wait_until(pilot, lambda: paused_at(app) is not None, 10)
        t = paused_at(app)
        await pilot.pause(0.5)
        assert paused_at(app) == t and newest_step(app) == t  # paused: no step more, every record drawn
        panel = app.lesson_screen.demo_pane._state_panel  # noqa: SLF001
        for expected in (t + 1, t + 2, t + 3):
            await pilot.press("full_stop")
            await wait_until(pilot, lambda: paused_at(app) == expected, 10)
            await pilot.pause(0.2)
            assert newest_step(app) == expected
            assert re.search(rf"Adam · step {expected} · lr 0\.01\b", panel.plain_text())
            table = panel.plain_text().splitlines()[:-1]  # the last line says what ✓ and ≠ mean
            assert "✓" in "".join(table) and "≠" not in "".join(table)  # optimizer.state is the formula
        await pilot.press("space")  # resume
        await wait_until(pilot, lambda: (newest_step(app) or 0) > t + 50, 10)
        await pilot.press("space")
        await wait_until(pilot, lambda: paused_at(app) is not None, 10)
        await pilot.press("s")  # a paused run stops at once
        await wait_until(pilot, lambda: not app.demos.running, 5)
        assert app.demos.records["8.4"].status[0] == "stopped"


def paused_series(app) -> str | None:
    record = app.demos.records.get("8.4")
    return None if record is None or record.status[0] != "paused" else record.status[2]["optimizer"]


@pytest.mark.parametrize("lang", ["en"])
async def test_from_idle_dot_starts_8_4_paused_and_o_then_dot_steps_adam_before_it_has_run(lang):
    """The issue's "Done when": 8.4's race, paused from the start, Adam chosen
    before it runs, five `.` = Adam's steps 1..5 (SGD, momentum and Nesterov
    run all their steps in between), space to the end; then `s` while paused."""
    app = make_app(lesson="8.4", lang=lang)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: paused_at(app) is not None, LONG)
        record = app.demos.records["8.4"]
        # The first step of a watched optimizer: the ravine race's SGD, not the earlier demos' unwatched ones.
        assert (paused_series(app), paused_at(app)) == ("SGD", 1)
        assert record.states.selected.series == "sgd" and record.states.selected.newest["step"] == 1
        panel = app.lesson_screen.demo_pane._state_panel  # noqa: SLF001
        await pilot.press("o", "o", "o")
        await pilot.pause(0.2)
        assert record.states.pending == (("ravine", "adam"), "Adam")
        assert panel.plain_text() == "Adam has not started yet: . runs to its first step"
        assert paused_at(app) == 1  # choosing does not step
        for t in range(1, 6):
            await pilot.press("full_stop")
            await wait_until(pilot, lambda: paused_series(app) == "Adam" and paused_at(app) == t, 30)
            await pilot.pause(0.2)
            assert record.states.selected.series == "adam" and record.states.selected.newest["step"] == t
            assert [r["step"] for r in record.states.selected.records] == list(range(1, t + 1))
            assert re.search(rf"Adam · step {t} · lr ", panel.plain_text())
            table = panel.plain_text().splitlines()[:-1]
            assert "✓" in "".join(table) and "≠" not in "".join(table)
        # SGD, momentum and Nesterov ran their 50 steps, unpaused, before Adam's first.
        for series in ("sgd", "momentum", "nesterov"):
            assert record.states.watched[("ravine", series)].newest["step"] == 50
        await pilot.press("space")
        await wait_until(pilot, lambda: not app.demos.running, LONG)
        assert record.status[0] == "done"
        # Adam is still chosen: `.` now pauses at its first step directly; `s` stops there.
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: paused_series(app) == "Adam" and paused_at(app) == 1, LONG)
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, 5)
        assert record.status[0] == "stopped"
