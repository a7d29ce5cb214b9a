"""Inside a run's optimizers: their live state after each step, step mode, `--steps`.

While a run goes, two global hooks of torch.optim (installed by `Stepper`,
removed when the run ends) see every call of any optimizer's step():

- a watched optimizer (`chart.watch`) is read before and after its step:
  the parameters, `p.grad` and `optimizer.state[p]`, as PyTorch holds them,
  never recomputed. Beside them, the same quantities recomputed from the
  lesson's formulas (`sgd_formula`, `adam_formula`) from the state read
  *before* the step, so each step is checked on its own and an error cannot
  hide by carrying over. A `state` event per step (batched with the points)
  and, on a landscape panel, the arrows of the step.
- step mode (`StepControl`): after a step the run may be asked to wait, with
  a `paused` event, until it is told to take one more step or to resume. It
  waits once the demo's code that follows the step has run (at the next
  step's start, or the block's end), so the step's path point and loss are
  out before the `paused` event.
- a step limit (`gradtour run --steps N`): after its N-th step an optimizer
  is frozen: its later step() calls see no gradient and so change nothing.
  A loop that trains until the loss is small enough would then never end:
  past STALL_CALLS calls of a frozen optimizer, its block is ended (`Stalled`).

torch is imported inside functions only (this module is imported by the UI
side through the runner's event shapes).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["MAX_NUMBERS", "STALL_CALLS", "Stalled", "StepControl", "Stepper", "adam_formula", "describe",
           "json_number", "sgd_formula"]

#: The most numbers (all parameters together) a watched optimizer may train:
#: one column each in the state panel, at 80 columns.
MAX_NUMBERS = 4
#: Significant digits of a number in a `state` event: enough to tell float32
#: values apart (9 round-trip), and a third of a float64's repr.
_DIGITS = 9
#: How often a paused run looks at its commands; a SIGINT is handled at the
#: latest this long after it came (Python runs signal handlers between waits).
_WAIT_SLICE = 0.05
#: Calls of a frozen optimizer's step() before its block is taken to wait for
#: a change that cannot come: the lessons' loops are bounded well below
#: (8.4's longest, 2000 steps), a `while loss > tol` loop reaches it in a second.
STALL_CALLS = 10_000


class Stalled(BaseException):
    """Ends a block that keeps stepping a frozen optimizer (`run --steps`).

    A BaseException, like KeyboardInterrupt, so that a demo's `except
    Exception` does not swallow it.
    """

    def __init__(self, optimizer: str, step: int) -> None:
        super().__init__(f"{optimizer} stopped at step {step}")
        self.optimizer = optimizer
        self.step = step


def json_number(value: float) -> float | str:
    """A float as an event carries it: 9 significant digits; non-finite as "nan"/"inf"/"-inf"."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(f"{value:.{_DIGITS}g}")


# --- the lesson's formulas ---------------------------------------------------
# Pure functions of numbers read from PyTorch: one parameter number, the state
# read before the step (empty at the first), the group's hyperparameters.


def sgd_formula(g: float, w: float, before: Mapping[str, float], group: Mapping[str, Any]) -> dict[str, float]:
    """torch.optim.SGD for one number, as lesson 8.4 writes it:

        g' = g + weight_decay * w
        v_t = momentum * v_{t-1} + (1 - dampening) * g'    (v_1 = g')
        Δw = -lr * v_t,  or with nesterov  -lr * (g' + momentum * v_t),  or without momentum  -lr * g'

    "decay": the part of Δw that the weight_decay term makes.
    """
    lr, momentum, dampening = _f(group, "lr"), _f(group, "momentum"), _f(group, "dampening")
    weight_decay = _f(group, "weight_decay")
    if group.get("maximize"):
        g = -g
    grad = g + weight_decay * w
    out: dict[str, float] = {}
    # How much of g' (and so of the decay) ends up in this step's direction.
    share = 1.0
    if momentum:
        previous = before.get("momentum_buffer")
        if previous is None:
            buffer = grad
        else:
            buffer = momentum * previous + (1 - dampening) * grad
            share = 1 - dampening
        out["momentum_buffer"] = buffer
        if group.get("nesterov"):
            direction = grad + momentum * buffer
            share = 1 + momentum * share
        else:
            direction = buffer
    else:
        direction = grad
    out["delta"] = -lr * direction
    if weight_decay:
        out["decay"] = -lr * share * weight_decay * w
    return out


def adam_formula(g: float, w: float, before: Mapping[str, float], group: Mapping[str, Any],
                 decoupled: bool) -> dict[str, float]:
    """torch.optim.Adam (decoupled: AdamW) for one number, as lesson 8.4 writes it:

        g' = g + weight_decay * w                 (Adam: L2, the decay enters the gradient)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g'
        v_t = beta2 * v_{t-1} + (1 - beta2) * g'**2
        m_hat = m_t / (1 - beta1**t),  v_hat = v_t / (1 - beta2**t)
        Δw = -lr * m_hat / (sqrt(v_hat) + eps)    (AdamW: minus lr * weight_decay * w first)

    "decay": AdamW's -lr * weight_decay * w; Adam's decay term as Adam scales
    any gradient, -lr * weight_decay * w / (sqrt(v_hat) + eps).
    """
    lr, eps, weight_decay = _f(group, "lr"), _f(group, "eps"), _f(group, "weight_decay")
    beta1, beta2 = (float(beta) for beta in group.get("betas", (0.9, 0.999)))
    if group.get("maximize"):
        g = -g
    grad = g if decoupled else g + weight_decay * w
    t = before.get("step", 0.0) + 1
    exp_avg = beta1 * before.get("exp_avg", 0.0) + (1 - beta1) * grad
    exp_avg_sq = beta2 * before.get("exp_avg_sq", 0.0) + (1 - beta2) * grad * grad
    bias1, bias2 = 1 - beta1 ** t, 1 - beta2 ** t
    out = {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "bias1": bias1, "bias2": bias2,
           "m_hat": exp_avg / bias1}
    second = exp_avg_sq
    if group.get("amsgrad"):
        second = max(before.get("max_exp_avg_sq", 0.0), exp_avg_sq)
        out["max_exp_avg_sq"] = second
    out["v_hat"] = second / bias2
    denominator = math.sqrt(out["v_hat"]) + eps
    decay = -lr * weight_decay * w if decoupled else -lr * weight_decay * w / denominator
    out["delta"] = (decay if decoupled else 0.0) - lr * out["m_hat"] / denominator
    if weight_decay:
        out["decay"] = decay
    return out


def _f(group: Mapping[str, Any], key: str) -> float:
    return float(group.get(key) or 0.0)


# --- what an optimizer is ----------------------------------------------------


def _family(optimizer: Any) -> str | None:
    """"SGD", "Adam" or "AdamW" when the lesson's formula applies (subclasses too), else None."""
    import torch

    if isinstance(optimizer, torch.optim.Adam):
        decoupled = isinstance(optimizer, torch.optim.AdamW) or optimizer.param_groups[0].get("decoupled_weight_decay")
        return "AdamW" if decoupled else "Adam"
    if isinstance(optimizer, torch.optim.SGD):
        return "SGD"
    return None


def describe(optimizer: Any) -> dict:
    """{"type", "label", "hyper"} of a `state` event: what kind, a short label, the first group's settings."""
    family = _family(optimizer)
    group = optimizer.param_groups[0]
    name = type(optimizer).__name__
    label = name
    if name == family == "SGD" and group.get("momentum"):
        label = "SGD+Nesterov" if group.get("nesterov") else "SGD+Momentum"
    elif name == family == "Adam" and group.get("weight_decay"):
        label = "Adam+L2"
    hyper = {key: _json_value(value) for key, value in group.items() if key != "params"}
    return {"type": family or name, "label": label,
            "hyper": {key: value for key, value in hyper.items() if value is not _SKIP}}


_SKIP = object()


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (tuple, list)):
        items = [_json_value(item) for item in value]
        return _SKIP if any(item is _SKIP for item in items) else items
    if hasattr(value, "numel") and value.numel() == 1:
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return json_number(value)
    return _SKIP


def _numbers(optimizer: Any) -> list[Any]:
    return [p for group in optimizer.param_groups for p in group["params"]]


def count_numbers(optimizer: Any) -> int:
    return sum(p.numel() for p in _numbers(optimizer))


# --- step mode ---------------------------------------------------------------


class StepControl:
    """Pause, step and resume commands for the run in progress, from another thread.

    The worker's stdin thread calls `pause`, `step`, `resume`; the demo's
    thread, after each optimizer step, `stops_at` and then `wait`. A `step`
    while paused lets exactly one more optimizer step through; several, as
    many.

    `series` (of pause, step, and begin's `pause`) says which steps count:
    None, any optimizer's; "*", any watched optimizer's (chart.watch); a
    name, only that watched series' (and only on `panel`, when given). The
    steps of other optimizers run on freely: a learner who chose Adam steps
    Adam, while the optimizers that race before it in the same loop run
    between two of Adam's steps.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = False
        self._pausing = False
        self._credits = 0
        self._run_id: Any = None
        self._series: str | None = None
        self._panel: str | None = None

    def begin(self, run_id: Any = None, pause: str | None = None, panel: str | None = None) -> None:
        """A run starts: commands count from now (with an id: only commands without one or with this one).

        `pause`: start in step mode, pausing at the first step that `pause`
        selects (a series, as for `pause()`): a pause command sent with the
        run would race it, and one that arrives first is ignored.
        """
        with self._condition:
            self._active, self._pausing, self._credits, self._run_id = True, pause is not None, 0, run_id
            self._series, self._panel = (pause, panel) if pause is not None else (None, None)

    def applies(self, run_id: Any) -> bool:
        """Whether a command for `run_id` (None: no id given) is for the run in progress."""
        return self._active and (run_id is None or run_id == self._run_id)

    def end(self) -> None:
        """The run ended (or nobody is left to resume it): forget every command, wake a waiter."""
        with self._condition:
            self._active, self._pausing, self._credits = False, False, 0
            self._series = self._panel = None
            self._condition.notify_all()

    def pause(self, series: str | None = None, panel: str | None = None) -> None:
        with self._condition:
            if self._active:
                self._pausing = True
                self._series, self._panel = series, panel

    def step(self, series: str | None = None, panel: str | None = None) -> None:
        with self._condition:
            if not self._active:
                return
            self._series, self._panel = series, panel
            if self._pausing:
                self._credits += 1
                self._condition.notify_all()
            else:
                self._pausing = True  # running: "step" stops after the current step, as "pause" does

    def resume(self) -> None:
        with self._condition:
            self._pausing, self._credits = False, 0
            self._series = self._panel = None
            self._condition.notify_all()

    @property
    def pausing(self) -> bool:
        return self._pausing

    def stops_at(self, series: str | None, panel: str | None) -> bool:
        """Whether the step just taken, of a watched `series` on `panel` (None:
        not watched), is one the run should pause after."""
        with self._condition:
            if not self._pausing:
                return False
            if self._series is None:
                return True
            if series is None:
                return False
            return (self._series == "*" or self._series == series) and self._panel in (None, panel)

    def wait(self) -> None:
        """Block the demo until one more step is allowed or the run resumes.

        Waits in slices so that the SIGINT handler (a stop) runs promptly in
        the main thread.
        """
        with self._condition:
            while self._pausing and not self._credits:
                self._condition.wait(_WAIT_SLICE)
            if self._credits:
                self._credits -= 1


# --- reading a watched optimizer ----------------------------------------------


class _Watch:
    """One watched optimizer: its series, panel and names, and the state read before its step."""

    def __init__(self, optimizer: Any, series: str | None, panel: str | None, names: Sequence[str]) -> None:
        self.series = series
        self.panel = panel
        self.names = list(names)
        self.info = describe(optimizer)
        self.family = _family(optimizer)
        self._before: list[tuple[list[float], list[float] | None, dict[str, list[float]]]] = []

    def read_before(self, optimizer: Any) -> None:
        self._before = [(_values(p), _values(p.grad) if p.grad is not None else None, _state(optimizer, p))
                        for p in _numbers(optimizer)]

    def record(self, optimizer: Any, step: int) -> dict:
        """The `state` record of the step just taken (see the runner's docstring)."""
        elements: list[dict] = []
        names = iter(self.names)
        tensors = iter(self._before)
        for group in optimizer.param_groups:
            for p in group["params"]:
                values, grads, before_state = next(tensors)
                elements.extend(self._elements(p, values, grads, before_state, _state(optimizer, p), group, names))
        lr = _float(optimizer.param_groups[0].get("lr"))
        return {"step": step, "lr": json_number(lr), "params": elements}

    def _elements(self, p: Any, before: list[float], grads: list[float] | None, before_state: dict,
                  after_state: dict, group: Mapping[str, Any], names: Iterator[str]) -> list[dict]:
        after = _values(p)
        out = []
        for i, (w_before, w_after) in enumerate(zip(before, after)):
            g = grads[i] if grads is not None else None
            element = {"name": next(names, f"w[{len(self.names) + i}]"), "before": json_number(w_before), "after": json_number(w_after),
                       "grad": json_number(g) if g is not None else None,
                       "delta": json_number(w_after - w_before),
                       "state": {key: json_number(value[i]) for key, value in after_state.items()},
                       "formula": {}}
            if g is not None and self.family is not None:
                previous = {key: value[i] for key, value in before_state.items()}
                if self.family == "SGD":
                    formula = sgd_formula(g, w_before, previous, group)
                else:
                    formula = adam_formula(g, w_before, previous, group, decoupled=self.family == "AdamW")
                element["formula"] = {key: json_number(value) for key, value in formula.items()}
            out.append(element)
        return out

    def arrows(self, record: dict) -> list[dict]:
        """The step's arrows from w_{t-1}: -lr*g, the velocity (or -lr*m_hat), the step taken."""
        if self.panel is None or len(record["params"]) != 2:
            return []
        first, second = record["params"]
        lr = _float(record["lr"])
        kinds = {"gradient": [-lr * _float(p["grad"]) for p in (first, second)],
                 "step": [_float(p["delta"]) for p in (first, second)]}
        if self.family == "SGD" and all("momentum_buffer" in p["state"] for p in (first, second)):
            kinds["velocity"] = [-lr * _float(p["state"]["momentum_buffer"]) for p in (first, second)]
        elif self.family in ("Adam", "AdamW") and all("exp_avg" in p["state"] for p in (first, second)):
            # m_hat from the m read, corrected by this step's 1 - beta1**t.
            kinds["velocity"] = [-lr * _float(p["state"]["exp_avg"]) / _float(p["formula"].get("bias1", 1.0))
                                 for p in (first, second)]
        x, y = _float(first["before"]), _float(second["before"])
        return [{"event": "arrow", "panel": self.panel, "series": self.series, "kind": kind,
                 "x": _finite(x), "y": _finite(y), "dx": _finite(dx), "dy": _finite(dy)}
                for kind, (dx, dy) in kinds.items()]


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _finite(value: float) -> float | None:
    return json_number(value) if math.isfinite(value) else None


def _values(tensor: Any) -> list[float]:
    return [float(v) for v in tensor.detach().reshape(-1).tolist()]


def _state(optimizer: Any, p: Any) -> dict[str, list[float]]:
    """optimizer.state[p], per number of p: tensors of p's size element by element, scalars repeated."""
    import torch

    out: dict[str, list[float]] = {}
    for key, value in optimizer.state.get(p, {}).items():
        if isinstance(value, torch.Tensor):
            if value.numel() == p.numel():
                out[key] = _values(value)
            elif value.numel() == 1:
                out[key] = [float(value.item())] * p.numel()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = [float(value)] * p.numel()
    return out


def default_names(optimizer: Any) -> list[str]:
    """`w[0]`, `w[1]`, … in the order of the optimizer's parameters."""
    return [f"w[{i}]" for i in range(count_numbers(optimizer))]


class Stepper:
    """A run's hooks on every optimizer step: reading watched ones, step mode, the step limit.

    `events`: the runner's event batcher (`send`, `latest`, `state`).
    `control`: step mode's commands, or None. `limit`: freeze every
    optimizer after this many steps (`run --steps`), and read every one small
    enough to be watched, watched or not.
    """

    def __init__(self, events: Any, control: StepControl | None = None, limit: int | None = None) -> None:
        self._events = events
        self._control = control
        self._limit = limit
        self._steps: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        self._watches: weakref.WeakKeyDictionary[Any, _Watch] = weakref.WeakKeyDictionary()
        #: gradients taken away from a frozen optimizer during its step. Weak keys,
        #: like every table here: a step that raised leaves its entry behind, and
        #: an id could be reused by a later optimizer.
        self._hidden: weakref.WeakKeyDictionary[Any, list[tuple[Any, Any]]] = weakref.WeakKeyDictionary()
        #: step() calls in progress per optimizer: a subclass's step() that calls
        #: super().step() runs the hooks twice, nested; only the outer call counts
        self._depth: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        #: step() calls of each frozen optimizer since it froze
        self._frozen_calls: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        #: The `paused` event of a step that asked to pause, sent and waited on
        #: at the next step's start or at the block's end (`pause_due`).
        self._due: dict | None = None

    @contextmanager
    def installed(self) -> Iterator[Stepper]:
        """The global hooks, for the duration of the `with`: a run's, never another's."""
        from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

        handles = [register_optimizer_step_pre_hook(self._pre), register_optimizer_step_post_hook(self._post)]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
            self._hidden.clear()
            self._depth.clear()

    def watch(self, optimizer: Any, series: str | None, panel: str | None, names: Sequence[str]) -> None:
        self._watches[optimizer] = _Watch(optimizer, series, panel, names)

    def steps(self, optimizer: Any) -> int:
        return self._steps.get(optimizer, 0)

    def pause_due(self) -> None:
        """Pause now if the last step asked to: after the demo's own code that
        follows its step() has run. Paused inside the step (its post hook), the
        path point and loss the demo sends after step() were still to come:
        the table read "step 4" beside a map and a readout at step 3, and a
        racer paused at its first step had no point on the map at all."""
        event, self._due = self._due, None
        if event is not None and self._control is not None:
            # send() flushes first: the charts and the panel show this very step.
            self._events.send(event)
            self._control.wait()

    def _pre(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.pause_due()
        depth = self._depth[optimizer] = self._depth.get(optimizer, 0) + 1
        if depth > 1:
            return
        if self._limit is not None and self.steps(optimizer) >= self._limit:
            calls = self._frozen_calls[optimizer] = self._frozen_calls.get(optimizer, 0) + 1
            if calls > STALL_CALLS:
                self._depth.pop(optimizer, None)
                raise Stalled(describe(optimizer)["label"], self._limit)
            # An optimizer skips a parameter without a gradient: with none, its
            # step changes neither the weights nor its state.
            hidden = [(p, p.grad) for p in _numbers(optimizer) if p.grad is not None]
            for p, _ in hidden:
                p.grad = None
            self._hidden[optimizer] = hidden
            return
        watch = self._watches.get(optimizer)
        if watch is None and self._limit is not None and count_numbers(optimizer) <= MAX_NUMBERS:
            watch = self._watches[optimizer] = _Watch(optimizer, None, None, default_names(optimizer))
        if watch is not None:
            watch.read_before(optimizer)

    def _post(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        depth = self._depth.pop(optimizer, 1) - 1
        if depth:
            self._depth[optimizer] = depth
            return
        hidden = self._hidden.pop(optimizer, None)
        if hidden is not None:
            for p, grad in hidden:
                p.grad = grad
            return
        step = self._steps[optimizer] = self.steps(optimizer) + 1
        watch = self._watches.get(optimizer)
        if watch is not None:
            record = watch.record(optimizer, step)
            self._events.state(watch, watch.panel, watch.series, watch.info, record)
            for arrow in watch.arrows(record):
                self._events.latest(("arrow", arrow["panel"], arrow["series"], arrow["kind"]), arrow)
        frozen = self._limit is not None and step == self._limit
        series = watch.series if watch is not None else None
        pausing = self._control is not None and self._control.stops_at(
            series, watch.panel if watch is not None else None)
        if not (frozen or pausing):
            return
        # Described only here: every step of a network's optimizer passes above.
        label = watch.info["label"] if watch is not None else describe(optimizer)["label"]
        if frozen:
            self._events.send({"event": "frozen", "optimizer": label, "series": series, "step": step})
        if pausing:
            self._due = {"event": "paused", "optimizer": label, "series": series, "step": step}
