"""chart.watch and the optimizer hooks, in-process with real torch: the state read
from optimizer.state equals the lesson's formula step after step, is read and
not recomputed, arrows by kind, the step limit of `run --steps`, step mode's
control, and hooks that end with their run."""

from __future__ import annotations

import json
import threading
import time

import pytest

from lessons.charts import state_table
from lessons.demos import optstate, runner
from tests.demo_sources import lesson

torch = pytest.importorskip("torch")

RAVINE = {"ravine": {"title": "Ravine", "x": "w1", "y": "w2", "kind": "landscape"},
          "loss": {"title": "Loss", "x": "step", "y": "loss"}}
STEPS = 8

#: One watched optimizer on the ravine of lesson 8.4, STEPS steps; `make` is its constructor.
WATCHED = """
import torch

def ravine(w1, w2):
    return 0.1 * (w1 - 4) ** 2 + 2 * (w2 - 1) ** 2

w = torch.tensor([-4.0, -1.5], requires_grad=True)
optimizer = {make}
chart.watch(optimizer, "racer", panel="ravine", names=("w1", "w2"))
for step in range({steps}):
    optimizer.zero_grad()
    ravine(w[0], w[1]).backward()
    optimizer.step()
    chart.path("racer", w[0], w[1], panel="ravine")
"""

OPTIMIZERS = {
    "SGD": ("torch.optim.SGD([w], lr=0.3)", "SGD"),
    "SGD+wd": ("torch.optim.SGD([w], lr=0.3, weight_decay=0.2)", "SGD"),
    "momentum": ("torch.optim.SGD([w], lr=0.3, momentum=0.9)", "SGD+Momentum"),
    "momentum+dampening": ("torch.optim.SGD([w], lr=0.3, momentum=0.9, dampening=0.5, weight_decay=0.1)",
                           "SGD+Momentum"),
    "nesterov": ("torch.optim.SGD([w], lr=0.3, momentum=0.9, nesterov=True, weight_decay=0.1)", "SGD+Nesterov"),
    "Adam": ("torch.optim.Adam([w], lr=0.3)", "Adam"),
    "Adam+L2": ("torch.optim.Adam([w], lr=0.3, weight_decay=0.5)", "Adam+L2"),
    "AdamW": ("torch.optim.AdamW([w], lr=0.3, weight_decay=0.5)", "AdamW"),
    "AMSGrad": ("torch.optim.Adam([w], lr=0.3, amsgrad=True, betas=(0.5, 0.9))", "Adam"),
    "maximize": ("torch.optim.SGD([w], lr=0.3, momentum=0.5, maximize=True)", "SGD+Momentum"),
}
#: Keys that have both a value read and a formula value.
CHECKED = ("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def run(code: str, charts=RAVINE, **kwargs) -> tuple[str, list[dict]]:
    events: list[dict] = []
    status = runner.run_lesson(lesson(code, charts=charts), {}, "cpu", events.append, **kwargs)
    for event in events:
        json.dumps(event, allow_nan=False)
    return status, events


def states(events: list[dict]) -> list[tuple[dict, dict]]:
    """(optimizer, record) of every state record, in order."""
    return [(event["optimizer"], record) for event in events if event["event"] == "state" for record in event["steps"]]


def the_error(events):
    (error,) = [e for e in events if e["event"] == "error"]
    return error


def checked_pairs(record: dict):
    for param in record["params"]:
        for key in CHECKED:
            if key in param["formula"]:
                yield param, key, state_table.to_float(param["state"][key]), state_table.to_float(param["formula"][key])
        yield param, "delta", state_table.to_float(param["delta"]), state_table.to_float(param["formula"]["delta"])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_state_read_equals_the_formula_at_every_step(name):
    make, label = OPTIMIZERS[name]
    status, events = run(WATCHED.format(make=make, steps=STEPS))
    assert status == "ok", events
    records = states(events)
    assert [record["step"] for _, record in records] == list(range(1, STEPS + 1))
    optimizer = records[0][0]
    assert optimizer["label"] == label
    assert optimizer["hyper"]["lr"] == pytest.approx(0.3)
    for _, record in records:
        assert [param["name"] for param in record["params"]] == ["w1", "w2"]
        pairs = list(checked_pairs(record))
        assert len(pairs) >= 2
        for param, key, read, formula in pairs:
            scale = max(abs(state_table.to_float(param[k])) for k in ("before", "after", "grad"))
            assert state_table.agree(read, formula, scale), (name, record["step"], param["name"], key, read, formula)
        for param in record["params"]:
            assert param["delta"] == pytest.approx(
                param["after"] - param["before"], abs=1e-8 * max(abs(param["after"]), abs(param["before"])))
        # The state panel's table says so too: no ≠ in its rows (the last line is its key).
        rows = state_table.text(record, optimizer, 76).splitlines()[:-1]
        assert not any("≠" in row for row in rows) and any("✓" in row for row in rows)


def test_adam_record_holds_the_bias_corrections_and_the_state_step():
    status, events = run(WATCHED.format(make="torch.optim.Adam([w], lr=0.3, betas=(0.8, 0.99))", steps=3))
    records = [record for _, record in states(events)]
    for t, record in enumerate(records, 1):
        param = record["params"][1]
        assert param["state"]["step"] == t
        assert param["formula"]["bias1"] == pytest.approx(1 - 0.8 ** t)
        assert param["formula"]["bias2"] == pytest.approx(1 - 0.99 ** t)
        assert param["formula"]["m_hat"] == pytest.approx(param["state"]["exp_avg"] / (1 - 0.8 ** t), rel=1e-5)
        assert "decay" not in param["formula"]
    # At the first step Adam moves each weight by exactly lr against its gradient's sign.
    first = records[0]["params"]
    assert [p["delta"] for p in first] == [pytest.approx(0.3, rel=1e-5), pytest.approx(0.3, rel=1e-5)]


def test_adam_and_adamw_report_the_decay_where_it_goes():
    """Adam+L2's decay passes through sqrt(v_hat); AdamW's is lr * weight_decay * w exactly."""
    _, adam = run(WATCHED.format(make="torch.optim.Adam([w], lr=0.3, weight_decay=0.5)", steps=4))
    _, adamw = run(WATCHED.format(make="torch.optim.AdamW([w], lr=0.3, weight_decay=0.5)", steps=4))
    for _, record in states(adamw):
        for param in record["params"]:
            assert param["formula"]["decay"] == pytest.approx(-0.3 * 0.5 * param["before"], rel=1e-6)
    for _, record in states(adam):
        for param in record["params"]:
            v_hat = param["formula"]["v_hat"]
            assert param["formula"]["decay"] == pytest.approx(-0.3 * 0.5 * param["before"] / (v_hat ** 0.5 + 1e-8),
                                                              rel=1e-6)


SCALED_ADAM = """
import torch

# Adam.step hooked before the subclass's: super().step() then runs the hooks
# again, inside the outer call, which must still count as one step.
torch.optim.Adam([torch.zeros(1, requires_grad=True)])

class ScaledAdam(torch.optim.Adam):
    # Not what the lesson's formula says: m is halved after every step.
    def step(self, closure=None):
        loss = super().step(closure)
        for state in self.state.values():
            state["exp_avg"].mul_(0.5)
        return loss

w = torch.tensor([-4.0, -1.5], requires_grad=True)
optimizer = ScaledAdam([w], lr=0.3)
chart.watch(optimizer, "scaled", names=("w1", "w2"))
for step in range(5):
    optimizer.zero_grad()
    (0.1 * (w[0] - 4) ** 2 + 2 * (w[1] - 1) ** 2).backward()
    optimizer.step()
    print(*optimizer.state[w]["exp_avg"].tolist())
"""


def test_the_values_are_read_from_optimizer_state_not_recomputed():
    status, events = run(SCALED_ADAM)
    assert status == "ok", events
    printed = [[float(v) for v in e["text"].split()] for e in events if e["event"] == "out"]
    records = states(events)
    assert len(records) == 5
    for (optimizer, record), held in zip(records, printed):
        assert optimizer["type"] == "Adam" and optimizer["label"] == "ScaledAdam"
        read = [param["state"]["exp_avg"] for param in record["params"]]
        formula = [param["formula"]["exp_avg"] for param in record["params"]]
        # What the optimizer really holds, halved ...
        assert read == pytest.approx(held, rel=1e-6)
        # ... which the formula (from the state read before the step) does not give.
        assert read == pytest.approx([f / 2 for f in formula], rel=1e-5)
        table = state_table.text(record, optimizer, 76)
        assert table.splitlines()[4].count("≠") == 2, table


def test_a_watched_path_sends_its_arrows_from_the_previous_point():
    status, events = run(WATCHED.format(make="torch.optim.SGD([w], lr=0.3, momentum=0.9)", steps=1))
    arrows = {e["kind"]: e for e in events if e["event"] == "arrow"}
    assert set(arrows) == {"gradient", "velocity", "step"}
    (point,) = [e for e in events if e["event"] == "points" and e["panel"] == "ravine"]
    (_, record), = states(events)
    grads = [p["grad"] for p in record["params"]]
    for arrow in arrows.values():
        assert (arrow["panel"], arrow["series"]) == ("ravine", "racer")
        assert (arrow["x"], arrow["y"]) == (-4.0, -1.5)
    assert (arrows["gradient"]["dx"], arrows["gradient"]["dy"]) == (pytest.approx(-0.3 * grads[0]),
                                                                    pytest.approx(-0.3 * grads[1]))
    # The first momentum buffer is the gradient itself.
    assert arrows["velocity"]["dx"] == pytest.approx(arrows["gradient"]["dx"])
    step = arrows["step"]
    assert (step["x"] + step["dx"], step["y"] + step["dy"]) == (pytest.approx(point["xs"][0]),
                                                                pytest.approx(point["ys"][0]))


def test_adam_velocity_arrow_is_lr_times_m_hat():
    _, events = run(WATCHED.format(make="torch.optim.Adam([w], lr=0.3)", steps=3))
    velocity = [e for e in events if e["event"] == "arrow" and e["kind"] == "velocity"][-1]
    last = states(events)[-1][1]["params"]
    assert velocity["dx"] == pytest.approx(-0.3 * last[0]["formula"]["m_hat"], rel=1e-5)
    assert velocity["dy"] == pytest.approx(-0.3 * last[1]["formula"]["m_hat"], rel=1e-5)


def test_every_record_is_sent_though_the_arrows_are_throttled():
    status, events = run(WATCHED.format(make="torch.optim.SGD([w], lr=0.01)", steps=3000))
    assert status == "ok"
    assert [record["step"] for _, record in states(events)] == list(range(1, 3001))
    assert len([e for e in events if e["event"] == "arrow" and e["kind"] == "step"]) < 3000


@pytest.mark.parametrize("code, message", [
    ("w = torch.zeros(5, requires_grad=True)\nchart.watch(torch.optim.SGD([w], lr=0.1), 'big')",
     "only an optimizer of at most 4 numbers can be watched (one column each); this one trains 5"),
    ("a = torch.zeros(3, requires_grad=True)\nb = torch.zeros(2, requires_grad=True)\n"
     "chart.watch(torch.optim.Adam([a, b]), 'big')", "this one trains 5"),
    ("w = torch.zeros(3, requires_grad=True)\nchart.watch(torch.optim.SGD([w], lr=0.1), 'p', panel='ravine')",
     "has two coordinates; this optimizer trains 3 numbers, not 2"),
    ("w = torch.zeros(2, requires_grad=True)\nchart.watch(torch.optim.SGD([w], lr=0.1), 'p', names=['a'])",
     "names must name each of the 2 numbers"),
    ("chart.watch('sgd', 'p')", "must be a torch.optim optimizer, not str"),
    ("w = torch.zeros(2, requires_grad=True)\nchart.watch(torch.optim.SGD([w], lr=0.1), 'p', panel='loss')",
     "panel 'loss' is a line chart"),
])
def test_watch_refuses_what_it_cannot_show_with_a_clear_message(code, message):
    status, events = run("import torch\n" + code)
    assert status == "error"
    error = the_error(events)
    assert error["kind"] == "exception" and error["line"] is not None
    assert message in error["message"]


def test_another_optimizer_is_shown_raw_without_a_formula():
    code = WATCHED.format(make="torch.optim.RMSprop([w], lr=0.01)", steps=2)
    _, events = run(code)
    (optimizer, first), (_, second) = states(events)
    assert optimizer["type"] == "RMSprop"
    assert second["params"][0]["formula"] == {}
    assert second["params"][0]["state"]["square_avg"] > 0
    assert set(e["kind"] for e in events if e["event"] == "arrow") == {"gradient", "step"}


def global_hooks():
    from torch.optim import optimizer as module

    return len(module._global_optimizer_pre_hooks), len(module._global_optimizer_post_hooks)


@pytest.mark.parametrize("tail, status", [("", "ok"), ("raise ValueError('boom')", "error")])
def test_the_hooks_end_with_the_run(tail, status):
    before = global_hooks()
    assert run(WATCHED.format(make="torch.optim.SGD([w], lr=0.3)", steps=2) + tail)[0] == status
    assert global_hooks() == before
    # An optimizer stepped after the run is seen by nobody.
    w = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    w.sum().backward()
    optimizer.step()
    assert w.tolist() == pytest.approx([-0.1, -0.1])


# --- the step limit (run --steps) -----------------------------------------------

TWO_OPTIMIZERS = """
import torch
for lr in (0.1, 0.2):
    w = torch.tensor([0.0], requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=0.5)
    for step in range(10):
        optimizer.zero_grad()
        ((w - 5) ** 2).sum().backward()
        optimizer.step()
    print(f"lr {lr}: w = {w.item():.4f}, state {optimizer.state[w]['momentum_buffer'].item():.4f}")
big = torch.nn.Linear(10, 10)
optimizer = torch.optim.Adam(big.parameters())
before = big.weight.detach().clone()
for step in range(5):
    optimizer.zero_grad()
    big(torch.ones(10)).sum().backward()
    optimizer.step()
print("big moved", (big.weight.detach() - before).abs().max().item() > 0)
"""


def test_every_optimizer_stops_after_the_limit_and_small_ones_are_recorded():
    status, events = run(TWO_OPTIMIZERS, charts={}, steps=3)
    assert status == "ok", events
    records = states(events)
    assert [(opt["label"], record["step"]) for opt, record in records] == [
        ("SGD+Momentum", 1), ("SGD+Momentum", 2), ("SGD+Momentum", 3)] * 2
    frozen = [e for e in events if e["event"] == "frozen"]
    assert [(e["optimizer"], e["step"]) for e in frozen] == [("SGD+Momentum", 3), ("SGD+Momentum", 3), ("Adam", 3)]
    out = [e["text"] for e in events if e["event"] == "out"]
    # Frozen after 3 steps: w and the momentum buffer stay where step 3 left them.
    third = records[2][1]["params"][0]
    assert out[0] == f"lr 0.1: w = {third['after']:.4f}, state {third['state']['momentum_buffer']:.4f}"
    # The big network is frozen too (not recorded: 110 numbers), after moving in its 3 steps.
    assert out[2] == "big moved True"


def test_a_loop_waiting_for_a_frozen_optimizer_is_ended_and_the_run_goes_on():
    code = """
    import torch
    w = torch.tensor([0.0], requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    while abs(w.item() - 5) > 1e-4:
        optimizer.zero_grad()
        ((w - 5) ** 2).sum().backward()
        optimizer.step()
    print("converged")
    """
    events: list[dict] = []
    demo = lesson(code, "print('next block')", charts={})
    started = time.monotonic()
    status = runner.run_lesson(demo, {}, "cpu", events.append, steps=2)
    assert time.monotonic() - started < 30
    assert status == "ok"
    stalled = [e for e in events if e["event"] == "stalled"]
    assert stalled == [{"event": "stalled", "block": 0, "optimizer": "SGD", "step": 2}]
    assert [e["text"] for e in events if e["event"] == "out"] == ["next block"]


# --- step mode's control ----------------------------------------------------------


def test_step_control_lets_exactly_one_step_through_per_step_command():
    control = optstate.StepControl()
    control.pause()
    assert not control.pausing  # no run: ignored
    control.begin("r1")
    assert control.applies(None) and control.applies("r1") and not control.applies("r2")
    control.step()  # running: as pause
    assert control.pausing
    passed = []

    def demo():
        for _ in range(3):
            control.wait()
            passed.append(1)

    thread = threading.Thread(target=demo, daemon=True)
    thread.start()
    time.sleep(0.2)
    assert passed == []
    control.step()
    time.sleep(0.2)
    assert passed == [1]
    control.resume()
    thread.join(1)
    assert passed == [1, 1, 1]
    control.pause()
    waiter = threading.Thread(target=control.wait, daemon=True)
    waiter.start()
    control.end()  # the run ends: nothing may stay blocked
    waiter.join(1)
    assert not waiter.is_alive()


def test_a_paused_run_in_process_steps_once_per_command_and_resumes():
    control = optstate.StepControl()
    control.begin()
    control.pause()
    events: list[dict] = []
    code = WATCHED.format(make="torch.optim.Adam([w], lr=0.3)", steps=6)
    thread = threading.Thread(target=runner.run_lesson, args=(lesson(code, charts=RAVINE), {}, "cpu", events.append),
                              kwargs={"control": control}, daemon=True)
    thread.start()

    def wait_for(count):
        deadline = time.monotonic() + 30
        while len([e for e in events if e["event"] == "paused"]) < count:
            assert time.monotonic() < deadline
            time.sleep(0.01)

    wait_for(1)
    for expected in (2, 3):
        control.step()
        wait_for(expected)
    time.sleep(0.2)  # would a step slip through?
    paused = [e for e in events if e["event"] == "paused"]
    assert paused == [{"event": "paused", "optimizer": "Adam", "series": "racer", "step": t} for t in (1, 2, 3)]
    # Everything of the step is out before its paused event.
    assert [r["step"] for _, r in states(events)] == [1, 2, 3]
    control.resume()
    thread.join(30)
    assert events[-1]["status"] == "ok"
    assert [r["step"] for _, r in states(events)] == [1, 2, 3, 4, 5, 6]
