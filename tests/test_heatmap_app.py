"""A heat map in the app: the demo pane draws it, the focus view moves a cell
cursor over it, reads the cell, and `enter` reruns the demo with that cell's setting.

Lesson 8.4 is given a heat-map panel of its own (catalog.load patched), whose
x and y set two of 8.4's real parameters, and the map's events are fed to the
app directly: no PyTorch, exact numbers.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from lessons.course import catalog
from tests.helpers import wait_until
from tests.test_app import make_app, visible_text
from tests.test_focus_view import feed
from tui.screens.focus_view import FocusScreen

#: Strings 8.4's catalog already translates, so the Chinese view is Chinese.
SPEC = {"title": "Learning rate", "kind": "heatmap", "x": "learning rate", "y": "Momentum coefficient",
        "z": "step", "zscale": "log", "x_param": "valley_lr", "y_param": "valley_momentum"}
#: 8.4's valley_lr goes up to 2.0: the last columns are beyond what the form accepts.
LRS = [round(0.08 * (i + 1), 4) for i in range(30)]
MOMENTA = [round(0.033 * j, 4) for j in range(30)]
BUDGET = 300


def steps_to_converge(lr: float, momentum: float) -> float:
    """Heavy-ball momentum on curvatures 1 and 0.1: steps until the slower mode is 1% of its start
    (from the iteration's spectral radius); NaN when it diverges, inf beyond the budget."""
    worst = 0.0
    for curvature in (1.0, 0.1):
        b, c = 1 + momentum - lr * curvature, momentum
        disc = b * b - 4 * c
        roots = [abs((b + s * math.sqrt(disc)) / 2) for s in (1, -1)] if disc >= 0 else [math.sqrt(c)]
        worst = max(worst, *roots)
    if worst >= 1:
        return math.nan
    steps = math.ceil(math.log(0.01) / math.log(worst)) if worst > 0 else 1
    return steps if steps <= BUDGET else math.inf


def map_event(mark=(0.4, 0.495)) -> dict:
    z = [["nan" if math.isnan(v) else "inf" if v == math.inf else v
          for v in (steps_to_converge(lr, m) for lr in LRS)] for m in MOMENTA]
    return {"event": "heatmap", "panel": "map", "x": LRS, "y": MOMENTA, "z": z, "mark": list(mark)}


@pytest.fixture
def map_lesson(monkeypatch):
    real = catalog.load
    lesson = dataclasses.replace(real("8.4"), charts={"map": SPEC})
    monkeypatch.setattr(catalog, "load", lambda lesson_id: lesson if lesson_id == "8.4" else real(lesson_id))
    return lesson


def show_map(app) -> None:
    feed(app, [{"event": "start", "block": 0, "total": 1, "device": "cpu"}, map_event()])


async def open_focus(pilot) -> FocusScreen:
    await pilot.pause()
    show_map(pilot.app)
    await pilot.pause(0.2)
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(pilot.app.screen, FocusScreen)
    return pilot.app.screen


def test_the_test_map_has_what_the_keys_need():
    z = map_event()["z"]
    cells = [v for row in z for v in row]
    assert "nan" in cells and "inf" in cells and any(isinstance(v, int) for v in cells)
    # Plain gradient descent (momentum 0) diverges past lr = 2 on curvature 1: the map knows the closed form.
    assert z[0][LRS.index(1.92)] != "nan" and z[0][LRS.index(2.08)] == "nan"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_arrows_move_a_cell_cursor_that_the_readout_names(map_lesson, lang):
    app = make_app(lesson="8.4", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_focus(pilot)
        chart = screen.chart
        # It starts on the run's own setting, the marked cell.
        assert chart.reading_cell() == (LRS.index(0.4), MOMENTA.index(0.495))
        await pilot.press("right", "right", "up", "down", "down")
        await pilot.pause()
        column, row = LRS.index(0.56), MOMENTA.index(0.462)
        assert chart.reading_cell() == (column, row)
        steps = steps_to_converge(0.56, 0.462)
        if lang == "en":
            assert chart.readout_text() == f"learning rate 0.56 · Momentum coefficient 0.462 · step: {steps}"
        else:
            assert chart.readout_text() == f"学习率 0.56 · 动量系数 0.462 · 步数：{steps}"
        # The cursor's cell is drawn on the map in reverse video.
        canvas = chart._canvas_text(*chart.content_size)
        assert any(getattr(span.style, "reverse", False) for span in canvas.spans)
        await pilot.press("home")
        assert chart.reading_cell() == (0, row)
        await pilot.press("end", "up", "up", "up")
        assert chart.reading_cell() == (len(LRS) - 1, row + 3)
        for _ in range(40):
            await pilot.press("down")
        assert chart.reading_cell() == (len(LRS) - 1, 0)  # it stops at the edge
        # lr 2.4 without momentum: beyond 2 / curvature, the diverged corner.
        diverged = "diverged" if lang == "en" else "发散"
        assert chart.readout_text().endswith(diverged)
        # No log toggle on a heat map, and the footer offers the cell keys and enter.
        await pilot.press("y")
        assert chart.yscale is None
        footer = visible_text(app).splitlines()[-1]
        assert "←→↑↓" in footer and "⏎" in footer and "log" not in footer, footer
        await pilot.press("l")
        await pilot.pause()
        other = "学习率 2.4 · 动量系数 0 · 已发散" if lang == "en" else "learning rate 2.4 · Momentum coefficient 0 · diverged"
        assert chart.readout_text() == other
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FocusScreen)


async def test_enter_sets_the_cells_values_returns_to_the_lesson_and_reruns(map_lesson):
    app = make_app(lesson="8.4")
    commands = []

    async def worker_run(lesson_id, values=None, device="auto", *, source=None, lang="en", **options):
        # The worker's side, as it answers a run: the map again, marked where the values say.
        commands.append((lesson_id, dict(values or {})))
        yield {"event": "start", "block": 0, "total": 1, "device": "cpu"}
        yield map_event(mark=(values["valley_lr"], values["valley_momentum"]))
        yield {"event": "done", "status": "ok", "seconds": 0.1}

    async with app.run_test(size=(80, 24)) as pilot:
        app.demos.worker.run = worker_run
        screen = await open_focus(pilot)
        await pilot.press("left", "up")
        await pilot.pause()
        cell = screen.chart.reading_cell()
        assert cell == (LRS.index(0.32), MOMENTA.index(0.528))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.demos.records["8.4"].status[0] == "done" and commands)
        assert not isinstance(app.screen, FocusScreen)
        # The worker was asked to run 8.4 with the cell's setting; the rest kept what it was.
        (lesson_id, values), = commands
        assert lesson_id == "8.4" and values["valley_lr"] == 0.32 and values["valley_momentum"] == 0.528
        assert values["lr"] == app.demos.values_for(map_lesson)["lr"]
        # The code on screen shows the new values, and the pane the rerun's map, marked at the cell.
        shown = app.lesson_screen.lesson_view.code_values
        assert shown["valley_lr"] == 0.32 and shown["valley_momentum"] == 0.528
        assert app.lesson_screen.demo_pane.current == "map"
        assert app.demos.records["8.4"].data.panels["map"].heatmap.mark == (0.32, 0.528)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_cell_beyond_the_parameters_bounds_is_refused_where_it_was_chosen(map_lesson, monkeypatch, lang):
    app = make_app(lesson="8.4", lang=lang)
    runs = []
    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(app.demos, "run", runs.append)
        screen = await open_focus(pilot)
        await pilot.press("end", "enter")  # lr 2.4; the form takes at most 2.0
        await pilot.pause()
        assert isinstance(app.screen, FocusScreen) and not runs
        assert "valley_lr" not in app.demos.values.get("8.4", {}) or app.demos.values["8.4"]["valley_lr"] != 2.4
        message = "valley_lr must be at most 2.0, not 2.4" if lang == "en" else "valley_lr"
        notes = [str(n.message) for n in app._notifications]
        assert any(message in note for note in notes), notes
        if lang == "zh":
            assert any("2.4" in note and "2.0" in note and "must" not in note for note in notes)
        assert screen.chart.reading_cell()[0] == len(LRS) - 1


async def test_the_demo_pane_draws_the_map_with_its_key(map_lesson):
    app = make_app(lesson="8.4")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        show_map(app)
        await pilot.pause(0.3)
        text = visible_text(app)
        cells = [v for row in map_event()["z"] for v in row]
        diverged, unreached = cells.count("nan"), cells.count("inf")
        finite = [v for v in cells if isinstance(v, int)]
        # The key's first levels, and the readout's summary of the whole map.
        assert "█1: ≤9  █2: 10–19" in text
        assert (f"step: {min(finite)} to {max(finite)}; {diverged} diverged; {unreached} not reached; "
                f"this run (0.4, 0.495): {steps_to_converge(0.4, 0.495)}") in text


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_snapshot_heat_map_in_the_focus_view_with_the_cell_cursor(snap_compare, map_lesson, lang, size):
    async def run_then_focus(pilot):
        await open_focus(pilot)
        await pilot.press("right", "right", "up")
        await pilot.pause(0.2)

    app = make_app(lesson="8.4", lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=run_then_focus)


async def test_random_keys_and_a_grid_that_changes_size_under_the_cursor(map_lesson, monkeypatch):
    """A strip grows and a rerun may send a smaller grid: the cursor stays inside whatever is shown."""
    import random

    rng = random.Random(16)
    keys = ["left", "right", "up", "down", "home", "end", "tab", "y", "l", "s", "enter", "1", "pageup"]
    app = make_app(lesson="8.4")
    monkeypatch.setattr(app.demos, "run", lambda lesson_id: None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_focus(pilot)
        await pilot.press("end", *["up"] * 40)
        assert screen.chart.reading_cell() == (len(LRS) - 1, len(MOMENTA) - 1)
        small = {"event": "heatmap", "panel": "map", "x": [0.1, 0.2, 0.3], "y": [0.5, 0.9], "z": [[1, 2, 3], [4, 5, 6]]}
        feed(app, [small], done=False)
        await pilot.pause(0.2)
        assert screen.chart.reading_cell() == (2, 1)
        assert screen.chart.readout_text() == "learning rate 0.3 · Momentum coefficient 0.9 · step: 6"
        for _ in range(3):
            if not isinstance(app.screen, FocusScreen):  # enter went back to the lesson
                await pilot.press("f")
                await pilot.pause()
            await pilot.press(*(rng.choice(keys) for _ in range(40)))
            await pilot.pause()
            if isinstance(app.screen, FocusScreen):
                app.screen.chart.render()
