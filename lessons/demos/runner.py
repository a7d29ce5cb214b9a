"""Run a lesson's demos and report what they do as JSON-able events.

Used in-process by `gradtour run` and inside the worker process for the UI.
torch is imported when a run starts, never when this module is imported, so
`gradtour list` and the UI stay fast.

Events (dicts; "event" names the kind):

    start     {block, total, device}        block: index into lesson.demos
    out       {text, stream}                one line; stream: stdout | stderr
    points    {panel, series, xs, ys}       a batch of finite curve points
    bars      {panel, labels, values}       values: numbers, null if not finite
    diverged  {panel, series, x}            once per series, at its first non-finite y
                                            (on a landscape: x is the path's step)
    surface   {panel, x, y, z, minimum}     a landscape's height map: x, y = [lo, hi],
                                            z = rows from y lo to hi, null if not finite;
                                            minimum = [x, y] or null. On a landscape
                                            panel, `points` are the path: xs, ys are
                                            the two parameters.
    arrow     {panel, series, x, y, dx, dy, [kind]}  a landscape's arrow from (x, y) by (dx, dy),
                                            replacing the series' previous one (of its kind);
                                            only the latest is sent with each batch of points.
                                            No kind: the demo's own (chart.arrow). A watched
                                            series' arrows of each step, from w_{t-1}: kind
                                            "gradient" (-lr*g_t), "velocity" (SGD momentum:
                                            -lr*momentum_buffer; Adam/AdamW: -lr*m_hat),
                                            "step" (the step taken, delta)
    heatmap   {panel, x, y, z}              a heat map's whole grid (kind: heatmap),
                                            replacing the previous one: x, y = the
                                            columns' and rows' values (finite, rising),
                                            z = len(y) rows of len(x) cells, row 0 the
                                            first y; a cell is a number, "nan" (diverged)
                                            or "inf" (not reached within the budget).
                                            Only the latest grid is sent with each
                                            batch of points. Optional: mark = [x, y],
                                            the run's values of the panel's x_param
                                            and y_param (the setting drawn on the map)
    state     {panel, series, optimizer, steps}  a watched optimizer (chart.watch), every
                                            step since the last batch (none dropped);
                                            panel, series null when not given (run --steps
                                            reads every optimizer of at most 4 numbers).
                                            optimizer: {type: SGD | Adam | AdamW | another
                                            class name, label: "SGD+Momentum"…, hyper: the
                                            first param group's settings}. steps: records
                                            {step: t (1-based), lr, params: [{name, before,
                                            after, grad, delta, state: {key: number} read from
                                            optimizer.state[p] (momentum_buffer, exp_avg,
                                            exp_avg_sq, max_exp_avg_sq, step, …), formula:
                                            {key: number} the lesson's formula from the state
                                            before the step (momentum_buffer | exp_avg,
                                            exp_avg_sq, m_hat, v_hat, bias1, bias2; delta;
                                            decay with weight_decay; {} for other optimizers)}]}.
                                            Numbers: 9 significant digits, non-finite as
                                            "nan" | "inf" | "-inf"; grad null without one
    paused    {optimizer, series, step}     step mode: the run waits after this step of
                                            this optimizer (label; its watched series or
                                            null), every earlier event already sent. Asked
                                            to count one series' steps (StepControl), the
                                            run pauses only after a step of that series
    frozen    {optimizer, series, step}     run --steps N: this optimizer took its N-th
                                            step; its later steps change nothing
    stalled   {block, optimizer, step}      run --steps N: the block kept stepping a frozen
                                            optimizer (a loop waiting for convergence):
                                            the rest of the block is skipped, the run goes on
    error     {kind, message, block, line, traceback, [template, arguments]}
    done      {status, seconds}             status: ok | error | stopped

Error kinds: exception and syntax come from the learner's code: `line` is the
line within the shown block, `traceback` holds only frames of that code.
Before any code runs: param and device (with `template`/`arguments`, so the
UI can translate `message`) and lesson (the author's mistake). internal: a
bug of the runner. The worker client adds worker (the process died or could
not start), the worker protocol (a malformed command).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import linecache
import math
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lessons.course.catalog import Gettext, Lesson, LessonError, translate_code
from lessons.course.i18n import N_
from lessons.demos import optstate, params

__all__ = ["Chart", "DeviceError", "FLUSH_INTERVAL", "demo_filename", "import_torch", "resolve_device", "run_lesson"]

Emit = Callable[[dict], None]
#: Called after a block ran, with its namespace and chart, inside the block's
#: context: what it raises is reported as the block's error, at the learner's
#: line when the exception passed through the learner's code (lab checks).
AfterBlock = Callable[[dict, "Chart"], None]

#: Points wait at most this long (seconds) before they are sent in one event.
FLUSH_INTERVAL = 0.05

E_BAD_DEVICE = N_("{device} is not a device; use auto, cpu, cuda or mps")
E_NO_DEVICE = N_("the device {device} is not available on this machine")


class DeviceError(params.Problem):
    """A device name that is malformed or not present here."""


def import_torch():
    import warnings as _warnings

    with _warnings.catch_warnings():
        # torch warns at import time when numpy is missing; the demos do not
        # need numpy, and the warning would reach the learner as noise.
        _warnings.simplefilter("ignore")
        import torch
    # The demos are small: one thread each is faster than several fighting
    # over a laptop's (or a shared box's) cores, and the numbers are identical.
    torch.set_num_threads(1)
    return torch


def warm_up(torch) -> None:
    """Pay torch's one-time costs before the learner's first run, not during it.

    The first optimizer constructed imports torch._dynamo (about 0.8 s here);
    the first backward pass initializes autograd's engine.
    """
    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.1)
    (weight * 2).sum().backward()
    optimizer.step()


def resolve_device(name: str) -> str:
    """"auto" → cuda if present, else cpu; other names are checked to exist."""
    torch = import_torch()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise DeviceError(E_BAD_DEVICE, device=repr(name)) from None
    if device.type == "cpu":
        return name
    if device.type == "cuda":
        present = torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    elif device.type == "mps":
        present = torch.backends.mps.is_available()
    else:
        raise DeviceError(E_BAD_DEVICE, device=repr(name))
    if not present:
        raise DeviceError(E_NO_DEVICE, device=name)
    return name


def demo_filename(block_index: int) -> str:
    """The file name a demo's tracebacks show: `<demo 1>` for lesson.demos[0]."""
    return f"<demo {block_index + 1}>"


# --- delivering events -------------------------------------------------------


class _InterruptGate:
    """Holds back SIGINT while an event is being written.

    A KeyboardInterrupt in the middle of a write would leave half a JSON line
    on the worker's pipe; while shielded, the interrupt is remembered and
    raised as soon as the write is complete.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending = False

    def handler(self, signum: int, frame: Any) -> None:
        if self.depth:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if not self.depth and self.pending:
                self.pending = False
                raise KeyboardInterrupt


class _Events:
    """Serializes emits from the demo and the flush thread; batches points.

    A training loop may add thousands of points a second; they are sent at
    most every FLUSH_INTERVAL, and always before any other event, so the
    order the demo produced them in is the order the UI sees.
    """

    def __init__(self, emit: Emit, gate: _InterruptGate | None) -> None:
        self._emit = emit
        self._gate = gate
        self._lock = threading.Condition()
        self._pending: dict[tuple[str, str], tuple[list, list]] = {}
        #: events that replace the previous one of their key (arrows): only the latest is sent
        self._latest: dict[tuple, dict] = {}
        #: `state` events being filled, one per watched optimizer: every record is sent
        self._states: dict[Any, dict] = {}
        self._last_flush = 0.0
        self._closed = False
        self._failure: BaseException | None = None
        # Points must not wait for the next add: a slow step would leave the
        # last point of each step unseen until the step after.
        self._flusher = threading.Thread(target=self._flush_loop, name="gradtour-points", daemon=True)
        self._flusher.start()

    def _shield(self):
        return self._gate.shielded() if self._gate else contextlib.nullcontext()

    def send(self, event: dict) -> None:
        with self._shield(), self._lock:
            self._flush_locked()
            self._emit(event)

    def point(self, panel: str, series: str, x: float, y: float) -> None:
        with self._shield(), self._lock:
            first = not self._pending
            xs, ys = self._pending.setdefault((panel, series), ([], []))
            xs.append(x)
            ys.append(y)
            if time.monotonic() - self._last_flush >= FLUSH_INTERVAL:
                self._flush_locked()
            elif first:
                # Only the first point needs the flush thread awake: it then
                # sleeps until the flush is due. Woken for every point, it
                # fought the demo for the GIL: 8.3 ran 15% slower (bench).
                self._lock.notify()

    def latest(self, key: tuple, event: dict) -> None:
        """Send `event` with the next batch of points, unless another of the same `key` replaces it first."""
        with self._shield(), self._lock:
            first = self._idle()
            self._latest[key] = event
            self._due(first)

    def state(self, key: Any, panel: str | None, series: str | None, optimizer: dict, record: dict) -> None:
        """One step's record of a watched optimizer (`key`), sent with the next batch of points."""
        with self._shield(), self._lock:
            first = self._idle()
            event = self._states.get(key)
            if event is None:
                event = self._states[key] = {"event": "state", "panel": panel, "series": series,
                                             "optimizer": optimizer, "steps": []}
            event["steps"].append(record)
            self._due(first)

    def _idle(self) -> bool:
        return not self._pending and not self._latest and not self._states

    def _due(self, first: bool) -> None:
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL:
            self._flush_locked()
        elif first:
            self._lock.notify()

    def _flush_locked(self) -> None:
        if self._failure is not None:
            # What broke the flush thread's emit (a closed pipe, say) belongs
            # to the demo's thread, which can stop the run.
            failure, self._failure = self._failure, None
            raise failure
        pending, self._pending = self._pending, {}
        latest, self._latest = self._latest, {}
        states, self._states = self._states, {}
        self._last_flush = time.monotonic()
        for (panel, series), (xs, ys) in pending.items():
            self._emit({"event": "points", "panel": panel, "series": series, "xs": xs, "ys": ys})
        for event in states.values():
            self._emit(event)
        for event in latest.values():
            self._emit(event)

    def _flush_loop(self) -> None:
        with self._lock:
            while not self._closed:
                if self._idle():
                    # Timed, so that an interrupt between setting _closed and
                    # notifying cannot leave this thread waiting for ever.
                    self._lock.wait(0.5)
                    continue
                delay = self._last_flush + FLUSH_INTERVAL - time.monotonic()
                if delay > 0:
                    self._lock.wait(delay)
                    continue
                try:
                    self._flush_locked()
                except BaseException as exc:  # raised again in the demo's thread
                    self._failure = exc
                    return

    def flush(self) -> None:
        with self._shield(), self._lock:
            self._flush_locked()

    def close(self) -> None:
        """Stop the flush thread and send what is still pending."""
        self._closed = True
        with self._lock:
            self._lock.notify()
        self._flusher.join()
        self.flush()


class _LineWriter(io.TextIOBase):
    """sys.stdout/sys.stderr for a demo: one `out` event per line."""

    def __init__(self, events: _Events, stream: str) -> None:
        self._events = events
        self._stream = stream
        self._partial = ""

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._events.send({"event": "out", "text": line, "stream": self._stream})
        return len(text)

    def flush(self) -> None:
        pass  # lines go out as they complete; the rest when the block ends

    def finish(self) -> None:
        if self._partial:
            line, self._partial = self._partial, ""
            self._events.send({"event": "out", "text": line, "stream": self._stream})


# --- the chart API of the demos ----------------------------------------------


class Chart:
    """The `chart` object of a demo (FORMAT.md): every call becomes an event."""

    #: points kept per series when recording: enough for any lab, bounded
    #: against a loop that adds points for ever
    RECORD_LIMIT = 100_000

    def __init__(self, charts: Mapping[str, Mapping[str, Any]], events: _Events | None,
                 record: bool = False, values: Mapping[str, Any] | None = None,
                 stepper: optstate.Stepper | None = None) -> None:
        """`events` None: draw nothing (a check re-running the learner's code).
        `record`: keep every point, non-finite ones too, in `recorded`.
        `values`: the run's parameter values, marked on the heat maps that name them.
        `stepper`: the run's optimizer hooks, which `watch` hands optimizers to."""
        self._charts = charts
        self._events = events
        self._marks = _heatmap_marks(charts, values or {})
        self._stepper = stepper
        self._diverged: set[tuple[str, str]] = set()
        self._path_steps: dict[tuple[str, str], int] = {}
        self.recorded: dict[tuple[str, str], tuple[list, list]] | None = {} if record else None

    def add(self, series: Any, x: Any, y: Any, panel: str | None = None) -> None:
        """One point of the curve `series`; a non-finite y marks it diverged."""
        panel = self._panel(panel, "line")
        series = str(series)
        x = _number(x, "x")
        y = _number(y, "y")
        if not math.isfinite(x):
            raise ValueError(f"chart.add: x must be finite, not {x!r}")
        if self.recorded is not None:
            xs, ys = self.recorded.setdefault((panel, series), ([], []))
            if len(xs) < self.RECORD_LIMIT:
                xs.append(x)
                ys.append(y)
        if self._events is None:
            return
        if math.isfinite(y):
            self._events.point(panel, series, x, y)
        elif (panel, series) not in self._diverged:
            self._diverged.add((panel, series))
            self._events.send({"event": "diverged", "panel": panel, "series": series, "x": x})

    def path(self, series: Any, x: Any, y: Any, panel: str | None = None) -> None:
        """The next point (x, y) of the path `series` on a landscape panel.

        A non-finite coordinate marks the path diverged (once), at its step.
        """
        panel = self._panel(panel, "landscape")
        series = str(series)
        x, y = _number(x, "x"), _number(y, "y")
        key = (panel, series)
        step = self._path_steps.get(key, 0)
        self._path_steps[key] = step + 1
        if self.recorded is not None:
            xs, ys = self.recorded.setdefault(key, ([], []))
            if len(xs) < self.RECORD_LIMIT:
                xs.append(x)
                ys.append(y)
        if self._events is None:
            return
        if math.isfinite(x) and math.isfinite(y):
            self._events.point(panel, series, x, y)
        elif key not in self._diverged:
            self._diverged.add(key)
            self._events.send({"event": "diverged", "panel": panel, "series": series, "x": step})

    def arrow(self, series: Any, x: Any, y: Any, dx: Any, dy: Any, panel: str | None = None) -> None:
        """An arrow on a landscape from (x, y) by (dx, dy), e.g. the negative gradient at the current point.

        Each call replaces the series' previous arrow; one with a non-finite
        number is not drawn.
        """
        panel = self._panel(panel, "landscape")
        numbers = [_number(value, name) for value, name in ((x, "x"), (y, "y"), (dx, "dx"), (dy, "dy"))]
        if self._events is None:
            return
        x, y, dx, dy = (value if math.isfinite(value) else None for value in numbers)
        # Throttled like the points: an arrow drawn at every step of a long
        # run is sent at most once per FLUSH_INTERVAL, the latest one.
        self._events.latest(("arrow", panel, str(series)), {
            "event": "arrow", "panel": panel, "series": str(series), "x": x, "y": y, "dx": dx, "dy": dy})

    def surface(self, loss: Any, xlim: Any, ylim: Any, panel: str | None = None, minimum: Any = None) -> None:
        """The height map of a landscape panel: `loss(x, y)` on a grid over xlim × ylim.

        `loss` is called once, with two 2-D tensors (x and y of every grid
        point, as torch.meshgrid gives them), and must return the heights
        elementwise. `minimum`, if given, is marked as (x, y).
        """
        panel = self._panel(panel, "landscape")
        (x_lo, x_hi), (y_lo, y_hi) = _limits(xlim, "xlim"), _limits(ylim, "ylim")
        torch = import_torch()
        with torch.no_grad():
            xs = torch.linspace(x_lo, x_hi, SURFACE_GRID[0], dtype=torch.float64)
            ys = torch.linspace(y_lo, y_hi, SURFACE_GRID[1], dtype=torch.float64)
            grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
            heights = loss(grid_x, grid_y)
            heights = torch.as_tensor(heights, dtype=torch.float64).detach().cpu()
        if tuple(heights.shape) != (SURFACE_GRID[1], SURFACE_GRID[0]):
            raise ValueError(f"chart.surface: loss(x, y) gave shape {tuple(heights.shape)}, "
                             f"not the grid's {(SURFACE_GRID[1], SURFACE_GRID[0])}")
        # Four significant digits draw the same shading and keep the event small.
        rows = [[float(f"{v:.4g}") if math.isfinite(v) else None for v in row] for row in heights.tolist()]
        point = None
        if minimum is not None:
            point = [_number(minimum[0], "minimum"), _number(minimum[1], "minimum")]
        if self._events is None:
            return
        self._events.send({"event": "surface", "panel": panel, "x": [x_lo, x_hi], "y": [y_lo, y_hi],
                           "z": rows, "minimum": point})

    def heatmap(self, values: Any, xs: Any, ys: Any, panel: str | None = None) -> None:
        """Replace the whole grid of a heat-map panel: `values[j][i]` is the cell at (xs[i], ys[j]).

        `values`: len(ys) rows of len(xs) numbers (a 2-D tensor or nested
        lists). NaN (or -inf) marks a diverged cell, +inf one that never
        reached the target within its budget. `xs` and `ys` are finite and
        rising. A demo may call this at every step while a strip grows: only
        the newest grid is sent each FLUSH_INTERVAL.
        """
        panel = self._panel(panel, "heatmap")
        columns, rows = _axis_values(xs, "xs"), _axis_values(ys, "ys")
        if hasattr(values, "tolist"):
            values = values.tolist()
        grid = _grid(values, len(rows), len(columns))
        if self._events is None:
            return
        event = {"event": "heatmap", "panel": panel, "x": columns, "y": rows, "z": grid}
        if panel in self._marks:
            event["mark"] = self._marks[panel]
        self._events.latest(("heatmap", panel, ""), event)

    def watch(self, optimizer: Any, series: Any, panel: str | None = None, names: Any = None) -> None:
        """Show what `optimizer` holds after each of its steps, as `series`.

        From now on every step sends a `state` record: the gradient and
        optimizer.state[p] as PyTorch holds them, beside the lesson's
        formula. `panel`: the landscape the series' path is drawn on; its
        arrows (gradient, velocity, step) are then drawn there too. `names`:
        one per number the optimizer trains (default w[0], w[1], …). At
        most 4 numbers in all: one column each in the state panel.
        """
        torch = import_torch()
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"chart.watch: optimizer must be a torch.optim optimizer, not {type(optimizer).__name__}")
        if panel is not None:
            panel = self._panel(panel, "landscape")
        total = optstate.count_numbers(optimizer)
        if total > optstate.MAX_NUMBERS:
            raise ValueError(f"chart.watch: only an optimizer of at most {optstate.MAX_NUMBERS} numbers can be "
                             f"watched (one column each); this one trains {total}")
        if panel is not None and total != 2:
            raise ValueError(f"chart.watch: a path on the landscape {panel!r} has two coordinates; "
                             f"this optimizer trains {total} numbers, not 2")
        if names is None:
            names = optstate.default_names(optimizer)
        elif isinstance(names, str) or len(names := [str(name) for name in names]) != total:
            raise ValueError(f"chart.watch: names must name each of the {total} numbers the optimizer trains")
        if self._events is None or self._stepper is None:
            return
        self._stepper.watch(optimizer, str(series), panel, names)

    def bars(self, labels: Any, values: Any, panel: str | None = None) -> None:
        """(Re)draw a bar panel; a non-finite value is sent as null."""
        panel = self._panel(panel, "bar")
        labels = [str(label) for label in labels]
        if hasattr(values, "tolist") and getattr(values, "ndim", 0) > 0:
            values = values.tolist()
        numbers = [_number(value, "values") for value in values]
        if len(labels) != len(numbers):
            raise ValueError(f"chart.bars: {len(labels)} labels but {len(numbers)} values")
        finite = [value if math.isfinite(value) else None for value in numbers]
        if self._events is None:
            return
        self._events.send({"event": "bars", "panel": panel, "labels": labels, "values": finite})

    def _panel(self, panel: str | None, kind: str) -> str:
        if not self._charts:
            raise ValueError("chart: this lesson declares no charts")
        if panel is None:
            panel = next(iter(self._charts))
        spec = self._charts.get(panel)
        if spec is None:
            raise ValueError(f"chart: unknown panel {panel!r}; the lesson declares {', '.join(self._charts)}")
        declared = (spec or {}).get("kind", "line")
        if declared != kind:
            call = {"line": "add", "bar": "bars", "landscape": "path, chart.arrow, chart.surface or chart.watch",
                    "heatmap": "heatmap"}[kind]
            raise ValueError(f"chart.{call}: panel {panel!r} is a {declared} chart")
        return panel


#: Heights sampled per landscape (columns, rows): a half-block cell is one
#: column and two rows, so this covers a 160x48 terminal's plot at about one
#: sample per drawn pixel, and costs ~100 kB of JSON once per run.
SURFACE_GRID = (161, 97)


def _heatmap_marks(charts: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per heat-map panel naming both an x_param and a y_param, the run's [x, y] values of them."""
    marks = {}
    for name, spec in charts.items():
        spec = spec or {}
        if spec.get("kind") != "heatmap":
            continue
        point = [values.get(spec.get("x_param")), values.get(spec.get("y_param"))]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point):
            marks[name] = point
    return marks


#: Cells a heat map may hold: a 300-step strip of 30 layers, or a 30 x 30
#: map many times over, while one event stays well under a megabyte.
HEATMAP_CELLS = 40_000


def _axis_values(values: Any, what: str) -> list[float]:
    """A heat map's column or row values: a non-empty, finite, strictly rising list."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"chart.heatmap: {what} must be a list of numbers")
    numbers = [_number(value, what) for value in values]
    if not numbers:
        raise ValueError(f"chart.heatmap: {what} is empty")
    if not all(map(math.isfinite, numbers)):
        raise ValueError(f"chart.heatmap: {what} must be finite numbers")
    if any(b <= a for a, b in zip(numbers, numbers[1:])):
        raise ValueError(f"chart.heatmap: {what} must be strictly rising")
    return numbers


def _grid(values: Any, rows: int, columns: int) -> list[list[Any]]:
    """The cells as JSON: numbers (6 significant digits), "nan" for NaN and -inf, "inf" for +inf."""
    if rows * columns > HEATMAP_CELLS:
        raise ValueError(f"chart.heatmap: {rows} x {columns} cells; at most {HEATMAP_CELLS} are drawn")
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != rows:
        raise ValueError(f"chart.heatmap: values must be {rows} rows (one per y) of {columns} numbers "
                         f"(one per x), not {_shape(values)}")
    grid = []
    for row in values:
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != columns:
            raise ValueError(f"chart.heatmap: values must be {rows} rows (one per y) of {columns} numbers "
                             f"(one per x), not {_shape(values)}")
        cells = []
        for value in row:
            number = _number(value, "values")
            if math.isnan(number) or number == -math.inf:
                cells.append("nan")
            elif number == math.inf:
                cells.append("inf")
            elif isinstance(number, int):
                cells.append(number)
            else:
                # Six digits keep a step count exact and the event small.
                cells.append(float(f"{number:.6g}"))
        grid.append(cells)
    return grid


def _shape(values: Any) -> str:
    """How a malformed grid looks, for its error message: "3 rows of 2, 2, 4 numbers"."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        return type(values).__name__
    widths = [str(len(row)) if hasattr(row, "__len__") and not isinstance(row, (str, bytes)) else "?"
              for row in values]
    if set(widths) == {"?"}:
        return f"a flat list of {len(values)}"  # one row given without its brackets, say
    if len(set(widths)) == 1:
        return f"{len(values)} rows of {widths[0]}"
    return f"{len(values)} rows of {', '.join(widths[:6])}{', …' if len(widths) > 6 else ''} numbers"


def _limits(value: Any, what: str) -> tuple[float, float]:
    try:
        lo, hi = (float(_number(v, what)) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"chart.surface: {what} must be two numbers (lo, hi)") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"chart.surface: {what} must be two finite numbers with lo < hi, not {value!r}")
    return lo, hi


def _number(value: Any, what: str) -> float:
    """A JSON-safe number from a Python number, a 0-d tensor or a numpy scalar."""
    numel = getattr(value, "numel", None)
    if callable(numel) and hasattr(value, "item"):
        if numel() != 1:
            raise ValueError(f"chart: {what} must be a single number, not a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        return value  # a step number stays an int in the event
    if isinstance(value, str) or not hasattr(type(value), "__float__"):
        raise TypeError(f"chart: {what} must be a number or a 0-d tensor, not {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:  # a Python int beyond float range
        return math.inf if value > 0 else -math.inf


# --- running -------------------------------------------------------------------


class _BlockFailed(Exception):
    def __init__(self, event: dict) -> None:
        super().__init__(event["message"])
        self.event = event


def run_lesson(lesson: Lesson, values: Mapping[str, Any] | None, device: str, emit: Emit, *,
               after_block: AfterBlock | None = None, filename: str | None = None,
               gettext: Gettext | None = None, control: optstate.StepControl | None = None,
               steps: int | None = None) -> str:
    """Run every demo of `lesson`, in order, each in a fresh namespace.

    `values`: parameter values (Python/JSON values; missing ones take their
    defaults). Emits the events listed in the module docstring, ending with
    `done`, and returns its status. A KeyboardInterrupt (SIGINT) stops the run.
    `after_block` (see AfterBlock) gets a recording chart. `filename`: what
    tracebacks call the code (default `<demo N>`). `gettext` (lessons
    domain): run the code as that language shows it, its printed labels
    translated like its comments (catalog.translate_code); None runs it as written.
    `control`: step mode's commands (pause, step, resume) for this run;
    pause and step may count only a watched series' steps (StepControl),
    the other optimizers' steps then run on without a `paused` event.
    `steps`: freeze every optimizer after this many steps (`run --steps`).
    """
    started = time.monotonic()
    gate = _InterruptGate() if threading.current_thread() is threading.main_thread() else None
    previous_handler = None
    status = "ok"
    try:
        if gate:
            previous_handler = signal.signal(signal.SIGINT, gate.handler)
        events = _Events(emit, gate)
        try:
            _run_blocks(lesson, values, device, events, after_block, filename, gettext, control, steps)
        except _BlockFailed as failed:
            events.send(failed.event)
            status = "error"
        except KeyboardInterrupt:
            status = "stopped"
        except Exception as exc:  # a bug of the runner itself: report it, keep the worker alive
            events.send(_plain_error("internal", f"{type(exc).__name__}: {exc}",
                                     "".join(traceback.format_exception(exc)).splitlines()))
            status = "error"
        finally:
            events.close()
    except KeyboardInterrupt:  # arrived outside the demo, e.g. while reporting its failure
        status = "stopped"
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    emit({"event": "done", "status": status, "seconds": round(time.monotonic() - started, 3)})
    return status


def _run_blocks(lesson: Lesson, values: Mapping[str, Any] | None, device: str, events: _Events,
                after_block: AfterBlock | None = None, filename: str | None = None,
                gettext: Gettext | None = None, control: optstate.StepControl | None = None,
                steps: int | None = None) -> None:
    try:
        resolved = params.resolve(lesson, values)
    except params.ParamError as exc:
        raise _BlockFailed(_problem_event("param", exc)) from None
    except LessonError as exc:  # the author's mistake, not the learner's
        raise _BlockFailed(_plain_error("lesson", str(exc))) from None
    torch = import_torch()
    try:
        resolved[params.DEVICE] = resolve_device(device)
    except DeviceError as exc:
        raise _BlockFailed(_problem_event("device", exc)) from None
    _reset_torch(torch)
    demos = lesson.demos
    stepper = optstate.Stepper(events, control, steps)
    with stepper.installed():
        for index, block in enumerate(demos):
            events.send({"event": "start", "block": index, "total": len(demos), "device": resolved[params.DEVICE]})
            code = params.substituted_code(block, resolved)
            if gettext is not None:
                code = translate_code(code, gettext, block.string_choices)
            # No hidden torch.manual_seed here: the code shown is the code run, so
            # a demo that needs repeatable randomness seeds itself, on screen
            # (tests/test_claims.py runs every lesson from two RNG states).
            chart = Chart(lesson.charts, events, record=after_block is not None, values=resolved,
                          stepper=stepper)
            _run_block(code, index, chart, events, after_block, filename)
            stepper.pause_due()  # after the block's last step: its last lines are out


def _plain_error(kind: str, message: str, traceback_lines: list[str] | None = None) -> dict:
    return {"event": "error", "kind": kind, "message": message, "block": None, "line": None,
            "traceback": traceback_lines or []}


def _problem_event(kind: str, problem: params.Problem) -> dict:
    return {**_plain_error(kind, str(problem)), "template": problem.template, "arguments": problem.arguments}


def _reset_torch(torch) -> None:
    """Undo global torch settings an earlier run in this process may have changed.

    A warm worker runs many lessons; each run must print what a fresh
    process (an exported script) would.
    """
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.set_printoptions(profile="default")
    torch.autograd.set_detect_anomaly(False)
    torch.set_default_device(None)


def _run_block(code: str, index: int, chart: Chart, events: _Events, after: AfterBlock | None = None,
               filename: str | None = None) -> None:
    filename = filename or demo_filename(index)
    # Tracebacks, warnings and inspect.getsource read the demo's lines from here.
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    try:
        compiled = compile(code, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _BlockFailed(_syntax_event(exc, index)) from None
    namespace = {"__name__": "__main__", "__builtins__": builtins, "chart": chart}
    stdout, stderr = _LineWriter(events, "stdout"), _LineWriter(events, "stderr")
    saved = sys.stdin, sys.stdout, sys.stderr
    # The worker's stdin carries its commands: input() must not eat them.
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(), stdout, stderr
    try:
        with warnings.catch_warnings():
            # Shown as a plain script shows them, whoever hosts the runner
            # (pytest, for one, collects warnings instead).
            warnings.showwarning = _show_warning
            exec(compiled, namespace)
            if after is not None:
                after(namespace, chart)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise _BlockFailed(_exception_event(exc, index, filename)) from None
    except KeyboardInterrupt:
        raise
    except optstate.Stalled as stalled:
        events.send({"event": "stalled", "block": index, "optimizer": stalled.optimizer, "step": stalled.step})
    except BaseException as exc:  # the learner's code may raise anything
        raise _BlockFailed(_exception_event(exc, index, filename)) from None
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        stdout.finish()
        stderr.finish()
        events.flush()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _exception_event(exc: BaseException, index: int, filename: str) -> dict:
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    lines = ["Traceback (most recent call last):"] if frames else []
    for chunk in traceback.StackSummary.from_list(frames).format():
        lines.extend(chunk.rstrip("\n").split("\n"))
    only = _exception_only(exc)
    lines.extend(only)
    return {"event": "error", "kind": "exception", "message": only[-1] if only else type(exc).__name__,
            "block": index, "line": frames[-1].lineno if frames else None, "traceback": lines}


def _syntax_event(exc: SyntaxError, index: int) -> dict:
    only = _exception_only(exc)
    return {"event": "error", "kind": "syntax", "message": only[-1] if only else "SyntaxError",
            "block": index, "line": exc.lineno, "traceback": only}


def _exception_only(exc: BaseException) -> list[str]:
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return text.rstrip("\n").split("\n")
