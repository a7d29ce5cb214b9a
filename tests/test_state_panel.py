"""Step mode's keys and the optimizer's state panel, in the app (issue 16, spec-16 §5).

A stand-in worker (`ScriptedWorker`) records the commands the keys send and
answers as the real one does (a `paused` event after the records of the
step it stopped at), so these tests are quick and exact; the real worker's
step mode is tested in tests/test_state_panel_worker.py.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import wait_until
from tests.state_samples import ADAM, MOMENTUM, adam_records, momentum_records, state_event
from tests.test_app import make_app, visible_text
from tui.screens.focus_view import FocusScreen
from tui.widgets.demo_pane import STATE_TABLE_ROOM
from tui.widgets.state_panel import StatePanel

PAUSED = {"en": "paused after step {t} of Adam (space resumes, . steps)",
          "zh": "已在 Adam 第 {t} 步后暂停（空格继续，. 再走一步）"}


class ScriptedWorker:
    """The worker's client as DemoRuns uses it, answering step mode like the real one.

    A run sends what the test puts in `events`; `pause`/`step` answer with the
    next Adam record and a `paused` event, as the runner does after the step
    it stopped at.
    """

    ready = True
    device_auto = "cpu"
    state = "ready"

    def __init__(self, shown: int = 3) -> None:
        self.commands: list[str] = []
        self.events: asyncio.Queue[dict] = asyncio.Queue()
        self.records = adam_records(40)
        self.shown = shown  # Adam's records sent so far

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    @property
    def running(self) -> bool:
        return True

    def run(self, lesson_id, values=None, device="auto", lang=None, paused=None, panel=None):
        self.started_paused = paused
        return self._events()

    async def _events(self):
        while True:
            event = await self.events.get()
            yield event
            if event.get("event") == "done":
                return

    def send_steps(self, count: int) -> None:
        """The run trains `count` more of Adam's steps."""
        records = self.records[self.shown:self.shown + count]
        self.shown += count
        self.events.put_nowait(state_event("adam", ADAM, records))

    def _pause_here(self) -> None:
        self.events.put_nowait({"event": "paused", "optimizer": "Adam", "series": "adam", "step": self.shown})

    def pause(self, series=None, panel=None) -> None:
        self.commands.append("pause")
        self._pause_here()

    def step(self, series=None, panel=None) -> None:
        self.commands.append("step")
        self.send_steps(1)
        self._pause_here()

    def resume(self) -> None:
        self.commands.append("resume")

    def stop(self) -> None:
        self.commands.append("stop")
        self.events.put_nowait({"event": "done", "status": "stopped", "seconds": 1.0})


async def start_race(app, pilot, worker: ScriptedWorker) -> None:
    """`r` on 8.4, and the race under way: SGD+Momentum's and Adam's first steps sent."""
    app.demos._worker = worker  # noqa: SLF001
    await pilot.press("r")
    worker.events.put_nowait({"event": "start", "block": 0, "total": 1, "device": "cpu"})
    worker.events.put_nowait(state_event("momentum", MOMENTUM, momentum_records(worker.shown)))
    worker.events.put_nowait(state_event("adam", ADAM, worker.records[:worker.shown]))
    await wait_until(pilot, lambda: len(app.demos.records["8.4"].states.watched) == 2, timeout=5)
    await pilot.pause(0.2)


def status(app) -> str:
    return app.lesson_screen.demo_pane._status.render().plain  # noqa: SLF001


def panel_step(panel: StatePanel) -> int:
    selected = panel.states.selected
    return selected.at(panel.step)["step"]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_space_pauses_dot_steps_one_space_resumes_and_s_stops_a_paused_run(lang):
    app = make_app(lesson="8.4", lang=lang)
    worker = ScriptedWorker()
    async with app.run_test(size=(160, 48)) as pilot:
        await start_race(app, pilot, worker)
        pane_panel = app.lesson_screen.demo_pane._state_panel  # noqa: SLF001
        assert pane_panel.display and not pane_panel.compact  # 160×48: the table in the pane
        await pilot.press("space")
        assert worker.commands == ["pause"]
        await wait_until(pilot, lambda: PAUSED[lang].format(t=3) in status(app), timeout=5)
        assert panel_step(pane_panel) == 3
        for t in (4, 5):
            await pilot.press("full_stop")
            await wait_until(pilot, lambda: PAUSED[lang].format(t=t) in status(app), timeout=5)
            assert panel_step(pane_panel) == t  # exactly one step per `.`
        assert worker.commands == ["pause", "step", "step"]
        assert "Adam" in visible_text(app) and ("step 5" if lang == "en" else "第 5 步") in visible_text(app)
        await pilot.press("space")
        assert worker.commands[-1] == "resume"
        await pilot.pause()
        assert "Adam" not in status(app) and app.demos.running  # running again
        await pilot.press("space")  # pause again, then stop while paused
        await wait_until(pilot, lambda: "Adam" in status(app), timeout=5)
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)
        assert worker.commands[-2:] == ["pause", "stop"]
        assert app.demos.records["8.4"].status[0] == "stopped" and not app.demos.pause_wanted


async def test_the_keys_show_only_while_a_demo_runs_and_the_footer_still_holds_every_key():
    app = make_app(lesson="8.3", lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = visible_text(app).splitlines()[-1]
        assert "暂停" not in footer and "单步" not in footer  # 8.3 watches no optimizer
        app.open_lesson("8.4")
        await pilot.pause(0.2)
        footer = visible_text(app).splitlines()[-1]
        # Idle on 8.4, `.` starts the race in step mode; space has nothing to pause yet.
        assert "暂停" not in footer and "单步" in footer and "退出" in footer, footer
        await start_race(app, pilot, ScriptedWorker())
        await pilot.pause(0.2)
        footer = visible_text(app).splitlines()[-1]
        for word in ("暂停", "单步", "停止", "放大", "退出"):
            assert word in footer, footer
        await pilot.press("e")  # still works, though the footer gave its room to space and `.`
        await pilot.pause()
        assert type(app.screen).__name__ == "ParamsDialog"
        await pilot.press("escape")
        app.lesson_screen.demo_pane.show_chart("ravine")
        await pilot.press("f")
        await pilot.pause(0.2)
        footer = visible_text(app).splitlines()[-1]
        for word in ("暂停", "单步", "优化器", "返回"):  # the focus view's last key is back
            assert word in footer, footer


async def test_the_dot_pauses_a_running_demo_and_keys_do_nothing_without_a_run():
    app = make_app(lesson="8.4", lang="en")
    worker = ScriptedWorker()
    async with app.run_test(size=(80, 24)) as pilot:
        app.demos._worker = worker  # noqa: SLF001
        await pilot.pause()
        await pilot.press("space", "o")
        assert worker.commands == [] and not app.demos.running
        await start_race(app, pilot, worker)
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: PAUSED["en"].format(t=4) in status(app), timeout=5)
        assert worker.commands == ["step"]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_at_80x24_the_pane_points_to_the_focus_view_which_shows_the_table_at_the_cursor_step(lang):
    app = make_app(lesson="8.4", lang=lang)
    worker = ScriptedWorker(shown=6)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_race(app, pilot, worker)
        pane = app.lesson_screen.demo_pane
        assert pane.size.height < STATE_TABLE_ROOM and pane._state_panel.compact  # noqa: SLF001
        hint = "f shows its optimizer state" if lang == "en" else "按 f 查看优化器状态"
        assert hint in visible_text(app)
        worker.events.put_nowait({"event": "points", "panel": "race", "series": "adam",
                                  "xs": list(range(1, 7)), "ys": [1.0 / t for t in range(1, 7)]})
        await pilot.pause(0.3)
        pane.show_chart("race")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FocusScreen)
        panel = app.screen.state_panel
        assert panel.display and panel_step(panel) == 6  # the newest step
        await pilot.press("space")  # paused from the focus view, whose header says so
        await wait_until(pilot, lambda: PAUSED[lang].format(t=6) in visible_text(app).splitlines()[0], timeout=5)
        await pilot.press("left", "left")
        await pilot.pause()
        assert panel.step == 4 and panel_step(panel) == 4  # the cursor's step
        record = adam_records(4)[-1]
        w2 = f"{record['params'][1]['after']:.4g}"
        assert w2 in panel.plain_text()
        await pilot.press("end")
        await pilot.pause()
        assert panel.step is None and panel_step(panel) == 6


async def test_o_cycles_the_watched_optimizers_and_the_map_marks_the_selected_series():
    app = make_app(lesson="8.4", lang="en")
    async with app.run_test(size=(160, 48)) as pilot:
        await start_race(app, pilot, ScriptedWorker())
        record = app.demos.records["8.4"]
        panel = app.lesson_screen.demo_pane._state_panel  # noqa: SLF001
        assert record.states.selected.series == "adam"  # the newest watched
        assert record.data.panels["ravine"].selected == "adam"
        # The ravine's five racers, in the race's order: SGD, momentum, Nesterov, Adam, AdamW.
        assert "optimizer 4 of 5" in panel.plain_text()
        await pilot.press("o")
        await pilot.pause()
        assert record.states.pending == (("ravine", "adamw"), "AdamW")
        assert panel.plain_text() == "AdamW has not started yet: . runs to its first step"
        await pilot.press("o", "o")
        await pilot.pause()
        assert record.states.selected.series == "momentum"
        assert record.data.panels["ravine"].selected == "momentum"
        assert "SGD+Momentum" in panel.plain_text() and "momentum_buffer" in panel.plain_text()
        await pilot.press("o", "o")
        assert record.states.selected.series == "adam"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_l_mid_step_relocalizes_the_panel_and_the_paused_status(lang):
    other = "zh" if lang == "en" else "en"
    app = make_app(lesson="8.4", lang=lang)
    worker = ScriptedWorker()
    async with app.run_test(size=(160, 48)) as pilot:
        await start_race(app, pilot, worker)
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: PAUSED[lang].format(t=4) in status(app), timeout=5)
        await pilot.press("l")
        await wait_until(pilot, lambda: PAUSED[other].format(t=4) in status(app), timeout=5)
        text = visible_text(app)
        assert ("gradient" if other == "en" else "梯度") in text
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: PAUSED[other].format(t=5) in status(app), timeout=5)


MALFORMED = [
    "not a dict",
    {"event": "state"},
    {"event": "state", "series": "adam", "steps": "many"},
    {"event": "state", "series": "adam", "steps": [None, 3, {"step": "x"}, {"step": -1}, {"step": 2.5}]},
    {"event": "state", "series": "adam", "optimizer": "Adam", "steps": [{"step": 1, "params": "w"}]},
    {"event": "state", "series": "adam", "optimizer": {"type": 3, "hyper": [1]},
     "steps": [{"step": 2, "lr": "fast", "params": [None, {"name": None, "grad": "nan", "state": [1],
                                                         "formula": {"exp_avg": {}}}]}]},
    {"event": "state", "series": ["odd"], "panel": 7,
     "steps": [{"step": 3, "params": [{"grad": "inf", "after": "-inf", "state": {"exp_avg": "nan"}}]}]},
    {"event": "paused"},
    {"event": "paused", "step": {"t": 1}, "optimizer": ["Adam"]},
]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_malformed_state_events_never_show_a_traceback(size):
    app = make_app(lesson="8.4", lang="zh")
    worker = ScriptedWorker()
    async with app.run_test(size=size) as pilot:
        await start_race(app, pilot, worker)
        await pilot.press("space")
        for event in MALFORMED:
            worker.events.put_nowait(event)
        await pilot.pause(0.3)
        await pilot.press("o", "o", "o")
        await pilot.pause(0.2)
        app.lesson_screen.demo_pane.show_chart("ravine")
        await pilot.press("f")
        await pilot.pause(0.2)
        await pilot.press("left", "o", "l", "o")
        await pilot.pause(0.2)
        text = visible_text(app)
        assert "Traceback" not in text and app.return_code is None
        assert isinstance(app.screen, FocusScreen)


async def test_on_the_ravine_the_cursor_step_chooses_the_state_shown():
    """On a landscape the cursor walks the paths' steps (CursorMoved carries the step the
    loss panel names): the panel shows the optimizer's state at that step."""
    app = make_app(lesson="8.4", lang="en")
    worker = ScriptedWorker(shown=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_race(app, pilot, worker)
        path = [(-4.0, -1.5)] + [tuple(p["after"] for p in r["params"]) for r in worker.records[:8]]
        worker.events.put_nowait({"event": "points", "panel": "ravine", "series": "adam",
                                  "xs": [x for x, _ in path], "ys": [y for _, y in path]})
        worker.events.put_nowait({"event": "points", "panel": "ravine_loss", "series": "adam",
                                  "xs": list(range(9)), "ys": [1.0 / (t + 1) for t in range(9)]})
        await pilot.pause(0.3)
        app.lesson_screen.demo_pane.show_chart("ravine")
        await pilot.press("f")
        await pilot.pause()
        panel = app.screen.state_panel
        assert panel_step(panel) == 8
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert app.screen.chart.cursor_step() == 5.0
        assert panel_step(panel) == 5 and "step 5 · lr 0.3" in panel.plain_text()
        assert "step 5 · lr 0.3" in visible_text(app)


async def test_a_pane_hidden_by_the_focus_view_draws_nothing_until_uncovered():
    """Textual repaints on the focus view every region the pane dirties beneath it:
    each step redrew the whole 160×48 screen twice (bench/RESULTS.md). The pane
    draws what changed meanwhile when the focus view closes."""
    app = make_app(lesson="8.4", lang="en")
    worker = ScriptedWorker()
    async with app.run_test(size=(160, 48)) as pilot:
        await start_race(app, pilot, worker)
        pane = app.lesson_screen.demo_pane
        pane.show_chart("ravine")
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("space", "full_stop")
        await wait_until(pilot, lambda: PAUSED["en"].format(t=4) in visible_text(app).splitlines()[0], timeout=5)
        assert "paused" not in status(app)  # drawn beneath: not yet
        await pilot.press("escape")
        await pilot.pause()
        assert PAUSED["en"].format(t=4) in status(app)
        assert "step 4 · lr" in pane._state_panel.render().plain  # noqa: SLF001


async def test_the_first_state_of_a_watched_optimizer_brings_its_map_to_the_pane():
    app = make_app(lesson="8.4", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_race(app, pilot, ScriptedWorker())
        pane = app.lesson_screen.demo_pane
        assert pane.current == "ravine"  # where the watched optimizers walk: `f` opens it
        pane.show_chart("race")
        await pilot.press("full_stop")
        await wait_until(pilot, lambda: PAUSED["en"].format(t=4) in status(app), timeout=5)
        assert pane.current == "race"  # the learner's choice stands once the optimizer is known


async def test_a_fast_demo_s_watched_map_comes_into_view_too():
    """States that arrive before the pane is shown the new run (bench/step_panel_app.py's
    stand-in sends them in its first breath) still bring the map into view."""
    from bench.step_panel_app import RaceWorker

    app = make_app(lesson="8.4", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        app.demos._worker = RaceWorker()  # noqa: SLF001
        await pilot.press("r")
        await wait_until(pilot, lambda: len(app.demos.records["8.4"].states.watched) == 2, timeout=5)
        await pilot.pause(0.3)
        assert app.lesson_screen.demo_pane.current == "ravine"
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_focus_view_s_footer_holds_every_key_on_a_line_chart_while_a_demo_runs(lang):
    app = make_app(lesson="8.4", lang=lang)
    worker = ScriptedWorker()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_race(app, pilot, worker)
        worker.events.put_nowait({"event": "points", "panel": "race", "series": "adam", "xs": [1, 2], "ys": [2, 1]})
        worker.events.put_nowait({"event": "points", "panel": "race", "series": "sgd", "xs": [1, 2], "ys": [3, 2]})
        await pilot.pause(0.3)
        app.lesson_screen.demo_pane.show_chart("race")
        await pilot.press("f")
        await pilot.pause(0.2)
        footer = visible_text(app).splitlines()[-1]
        for word in {"en": ("pause", "step", "optimizer", "back"), "zh": ("暂停", "单步", "优化器", "返回")}[lang]:
            assert word in footer, footer
        chart = app.screen.chart
        await pilot.press("y", "1")  # unlisted while the demo runs, and still at work
        await pilot.pause()
        assert chart.yscale == "linear" and chart.hidden == {"sgd"}
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)
        await pilot.pause()
        assert ("log/linear" if lang == "en" else "对数/线性") in visible_text(app).splitlines()[-1]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_after_a_run_the_idle_footer_offers_dot_and_still_ends_with_quit_at_80_columns(lang):
    """Idle on 8.4 with its charts shown, `.` (start paused) and f join the
    footer: e, named by the idle status line, gives them its room, and still works."""
    words = {"en": (". step", "r run", "x export", "f zoom", "q quit"), "zh": ("单步", "运行", "导出", "放大", "退出")}
    app = make_app(lesson="8.4", lang=lang)
    worker = ScriptedWorker()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_race(app, pilot, worker)
        worker.events.put_nowait({"event": "points", "panel": "ravine", "series": "adam",
                                  "xs": [-4.0, -3.7], "ys": [-1.5, -1.2]})
        worker.events.put_nowait({"event": "done", "status": "ok", "seconds": 1.0})
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)
        await pilot.pause(0.2)
        footer = visible_text(app).splitlines()[-1]
        for word in words[lang]:
            assert word in footer, footer
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "ParamsDialog"
