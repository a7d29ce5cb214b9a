"""How each lab decides whether the learner's code is right.

A check runs right after the learner's file, in the same process (the
sandboxed child of lessons/labs/sandbox.py), with the file's namespace and a
recording of every chart point it drew. It calls the learner's functions on
inputs of its own, compares with a reference it computes itself, and reads
the answers to the questions (labs 2 and 3) against the run that was just
made. It never trusts a number the learner's code prints.

Deterministic: the checks' own inputs come from a generator seeded with
SEED, and every training run the check makes or reads starts from the lab's
own seeded `make_model()`.

8.hw1  `my_mse` / `my_cross_entropy` against PyTorch's originals (captured
       before the learner's code runs) on fresh inputs: random batches, a
       single example, values and logits in the hundreds, lesson 8.1's
       example. Within 1e-5 + 1e-4·|expected|. Calling the `F.*` losses
       inside them fails.
8.hw2  The four rates 1e-5 … 1e-2 are among `lrs`; the curve of lr=1e-2 as
       drawn equals a reference loop (zero_grad, backward, step) step by
       step; `best_lr` is the rate with the lowest final loss of the drawn
       curves; `why_smallest` is the one choice the smallest rate's measured
       curve supports (diverged, zero gradient, bouncing, moved ≥10 %, else
       tiny steps).
8.hw3  `make_optimizer` returns Adam / AdamW with the lab's rates and weight
       decay: the learner's file is run again with unusual values of them,
       so a rate read at call time and one bound when the file runs (a
       functools.partial) both pass, and a number written in does not;
       `steps_to_threshold` is right on six cases (first crossing, strict
       "below", index + 1, None); `fastest` and `adam_vs_adamw` match the
       drawn curves.
8.hw4  Re-runs `train(False)` and `train(True)`, watching every optimizer
       step: without clipping the run must still explode; with it, the
       gradient `optimizer.step()` uses never exceeds `max_norm`, equals it
       whenever the gradient was longer (clipped to max_norm, no less), is
       untouched when it was shorter; the clipped loss never climbs above
       its first value (a spike that recovers is still a blow-up) and ends
       below a tenth of it.
8.hw5  `accuracy` is right on five cases; the hidden rule and the training
       labels are the lab's; the trained `model` scores at least
       TRAIN_FLOOR on its training set and at least VAL_FLOOR on VAL_SIZE
       fresh examples of the rule, which the check draws itself: what is
       judged is how well the rule was learned, not the train–validation
       gap (a model equally poor on both has a small gap).

Templates are marked N_ (the "tui" domain): the UI translates findings when
it shows them. Numbers are formatted here, as text, so an event never holds
a NaN.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import linecache
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lessons.course.i18n import N_

__all__ = ["CheckFailed", "SEED", "TRAIN_FLOOR", "VAL_FLOOR", "VAL_SIZE", "localize", "prepare", "run_check"]

SEED = 8
TRAIN_FLOOR = 0.90
VAL_FLOOR = 0.90
VAL_SIZE = 2000
#: Relative and absolute tolerance of a loss compared with PyTorch's.
RTOL, ATOL = 1e-4, 1e-5

# -- messages -----------------------------------------------------------------

E_MISSING = N_("Your code no longer defines {name}, which the check needs.")
E_NOT_CALLABLE = N_("{name} should be a function, but it is a {kind}.")
E_NOT_NUMBER = N_("{function} returned {value}, not a number.")
E_NOT_SCALAR = N_("{function} returned a tensor of shape {shape}, not a single number: average over the batch.")
E_USED_BUILTIN = N_("{function} calls {builtin}: write the formula yourself, the check compares against it.")
E_MISMATCH = N_("{function} gives {mine} but {reference} gives {expected}, on {case}: {inputs}")
H_SUM = N_("Yours is too large by a factor of the batch size: take the mean over the batch, not the sum.")
H_ROOT = N_("Yours is the square root of the right value: MSE takes no root.")
H_ABS = N_("Yours is the mean absolute error: square the differences.")
H_SIGN = N_("Yours has the wrong sign: the loss is minus the log-probability.")
H_OVERFLOW = N_("The true class's probability rounded to 0 and log(0) is -inf: compute -log softmax as "
                "torch.logsumexp(z) - z[y], or use torch.log_softmax.")
H_CLASSES = N_("Yours is too small by a factor of the number of classes: add up over the classes (only the true "
                "class counts), then take the mean over the batch.")
H_TWICE = N_("That is the cross entropy of softmax(logits): softmax was applied twice. The logits go in as they are.")
OK_MSE = N_("my_mse matches F.mse_loss on {count} inputs, a single example among them.")
OK_CE = N_("my_cross_entropy matches F.cross_entropy on {count} inputs, logits in the hundreds among them.")
C_BATCH = N_("a random batch of {n}")
C_SINGLE = N_("a single example")
C_LARGE_VALUES = N_("a batch of {n} with values in the hundreds")
C_LESSON = N_("the example of lesson 8.1")
C_CE_BATCH = N_("a random batch of {n} with {k} classes")
C_CE_SINGLE = N_("a single example with {k} classes")
C_CE_LARGE = N_("logits in the hundreds ({n} examples, {k} classes)")

E_NEED_LIST = N_("{name} should be a list of numbers.")
E_MISSING_RATE = N_("lrs must include the four rates of the exercise, 1e-05, 0.0001, 0.001 and 0.01; {rate} is missing.")
E_UNKNOWN_OPTIMIZER = N_("optimizer_name is {name}; the check knows \"adam\" and \"sgd\".")
E_NO_CURVE = N_("The chart has no curve {series}: keep the starter's chart.add line, the check reads your run from it.")
E_SHORT_CURVE = N_("The curve {series} has {count} points; training for {steps} steps draws {steps}.")
E_TRAIN_STEP = N_("At step {step} of lr={lr}, your loss is {mine}; a correct training step gives {expected}.")
H_FLAT = N_("Nothing learns: each step needs optimizer.zero_grad(), loss.backward() and optimizer.step(), "
            "in that order.")
H_ORDER = N_("Clear the old gradients (optimizer.zero_grad()) before loss.backward(), and call optimizer.step() "
             "after it.")
E_UNANSWERED = N_("Answer question {number}: set {name} at the end of the file.")
E_NOT_A_RATE = N_("best_lr = {answer} is not one of your rates: {rates}.")
E_NOT_BEST = N_("In your run, lr={answer} ended at loss {loss}, but another rate ended lower. Compare the final "
                "losses printed for each rate (or the right ends of the curves).")
E_NOT_A_CHOICE = N_("{name} = {answer} is not one of the choices {choices}.")
E_WHY_WRONG = N_("Not {answer}. In your run the smallest rate, lr={lr}, took the loss from {first} to {final} in "
                 "{steps} steps ({percent} lower); the gradient norm at the start was {grad}, and the loss went up "
                 "at {rises} of those steps. Which choice fits that?")
H_DIVERGED = N_("The loss of that run became inf or nan.")
OK_TRAIN = N_("Your training step gives the same losses as a correct one (lr=0.01, {steps} steps).")
OK_BEST = N_("best_lr = {answer}: the lowest final loss of your run, {loss}.")
OK_WHY = N_("why_smallest = {answer} fits your run: lr={lr} changed the loss by {percent} in {steps} steps.")

E_OPT_CLASS = N_("make_optimizer({name}) returns {got}; it should return {want}.")
E_OPT_LR = N_("make_optimizer({name}) uses the learning rate {got}; it should use {variable}, which is {mine} in "
               "your file.")
E_OPT_LR_OTHER = N_("make_optimizer({name}) takes its learning rate from {other}; it should use {variable}.")
E_OPT_LR_FIXED = N_("make_optimizer({name}) uses the learning rate {got} whatever {variable} is: the check ran your "
                    "file again with {variable} = {probe} and still got {got}. Pass lr={variable}, not a number.")
E_OPT_WD = N_("make_optimizer({name}) uses weight decay {got}; it should use weight_decay, which is {mine} in your "
              "file.")
E_OPT_WD_FIXED = N_("make_optimizer({name}) uses weight decay {got} whatever weight_decay is: the check ran your "
                    "file again with weight_decay = {probe} and still got {got}. Pass weight_decay=weight_decay.")
E_ADAM_WD = N_("make_optimizer(\"adam\") uses weight decay {got}: here weight decay belongs to AdamW only.")
E_STEPS = N_("steps_to_threshold({losses}, {threshold}) returns {got}; it should return {want}.")
H_INDEX = N_("Steps count from 1: losses[0] was measured during step 1, so return the index of the first loss "
             "below the threshold plus one.")
H_NONE = N_("When the loss never gets below the threshold, return None.")
H_STRICT = N_("A loss equal to the threshold is not below it.")
H_FIRST = N_("Return the first step below the threshold, not a later one.")
E_NOT_FASTEST = N_("fastest = {answer} does not match your run: read how many steps each optimizer needed in the "
                   "printout; the fewest wins, and \"not reached\" never does.")
E_GAP_WRONG = N_("adam_vs_adamw = {answer} does not match your run: compare the steps Adam and AdamW needed in the "
                 "printout (a tenth of Adam's steps is {tenth}).")
OK_OPT = N_("make_optimizer returns Adam and AdamW with their own learning rates and AdamW's weight decay.")
OK_STEPS = N_("steps_to_threshold is right on {count} cases.")
OK_FASTEST = N_("fastest = {answer} matches your run.")
OK_GAP = N_("adam_vs_adamw = {answer} matches your run (Adam {adam}, AdamW {adamw}).")

E_MAX_NORM = N_("max_norm should be a positive number, not {value}.")
E_NO_EXPLOSION = N_("Without clipping, the run no longer explodes (its loss went from {first} to at most {peak}). "
                    "The lab is about taming an exploding network: put back a setting that explodes, such as "
                    "depth 30 and gain 1.1.")
E_NO_STEPS = N_("train(clip=True) never called optimizer.step(), so there is nothing to check.")
E_CLIP_EXCEEDED = N_("At step {step}, optimizer.step() used a gradient of total norm {used}, above max_norm = "
                     "{max_norm}.")
H_UNCLIPPED = N_("The gradients reached optimizer.step() unclipped: clip after loss.backward() and before "
                 "optimizer.step().")
E_CLIP_TOO_MUCH = N_("At step {step}, the gradient of norm {before} was shortened to {used}, not to max_norm = "
                     "{max_norm}: clip the total norm to max_norm with torch.nn.utils.clip_grad_norm_.")
E_CLIP_CHANGED = N_("At step {step}, the gradient was already within max_norm ({before}) but optimizer.step() used "
                    "one of norm {used}: clipping must leave short gradients alone.")
E_CLIPPED_DIVERGED = N_("Even with clipping, the loss reached {value} at step {step}: with max_norm = {max_norm} "
                        "the steps are still too long. Choose a smaller max_norm.")
E_CLIPPED_SPIKE = N_("With max_norm = {max_norm}, the clipped loss climbed to {value} at step {step}, {ratio} times "
                     "its first value {first}, before it fell again: the cap still lets through steps long enough "
                     "to blow the loss up, and the run only happened to recover. A tamed run never rises above its "
                     "first loss: choose a smaller max_norm.")
E_NOT_FALLING = N_("With max_norm = {max_norm}, the loss went from {first} to {final}; it should end below a tenth "
                   "of its first value ({target}). Choose another max_norm.")
OK_EXPLODES = N_("Without clipping the loss explodes (from {first} to {peak}).")
OK_CLIPPED = N_("With clipping, optimizer.step() never used a gradient longer than max_norm = {max_norm} "
                "(the longest before clipping: {longest}).")
OK_FALLS = N_("The clipped loss stays finite and falls from {first} to {final}.")

E_ACCURACY = N_("accuracy({logits}, {labels}) returns {got}; it should return {want}.")
H_FRACTION = N_("Return a fraction between 0 and 1: the number of correct predictions divided by the number of "
                "examples.")
H_ARGMAX = N_("The predicted class of an example is the index of its largest logit: argmax along dim=1.")
E_RULE = N_("The hidden rule has changed (true_w is not the lab's): keep torch.manual_seed(0) and "
            "true_w = torch.randn(100).")
E_DATA_SHAPE = N_("X_train should be a tensor of shape (examples, 100), not {shape}.")
E_LABELS = N_("Your training labels no longer follow the hidden rule ({wrong} of {count} differ): the lab "
              "measures how well a rule is learned, so train on true labels.")
E_MODEL = N_("model should map a batch of shape (n, 100) to logits of shape (n, 2); it gave {shape}.")
E_FLOOR = N_("Training accuracy is {train}, below the floor of {floor}: the model does not even fit its training "
             "set (too small a model, too little training, or too much weight decay?).")
E_VAL = N_("Validation accuracy {val} on {size} fresh examples (training accuracy {train}): below {floor}, so the "
           "model has not learned the rule well enough to use it on examples it never saw. More training data is "
           "the surest cure; change one thing at a time.")
OK_ACCURACY = N_("accuracy is right on {count} cases.")
OK_GENERALISES = N_("Validation accuracy {val} on {size} fresh examples, at least {floor}; training accuracy "
                    "{train}.")



# -- the verdict ----------------------------------------------------------------


def message(template: str, **arguments: Any) -> dict:
    """A message for the UI: a template and its (text or nested) arguments."""
    return {"template": template, "arguments": arguments}


class CheckFailed(Exception):
    """The first criterion the learner's code does not meet."""

    def __init__(self, template: str, hint: str | None = None, **arguments: Any) -> None:
        super().__init__(template.format(**{k: v if isinstance(v, str) else "…" for k, v in arguments.items()}))
        self.template = template
        self.arguments = arguments
        self.hint = hint


@dataclass
class _Report:
    findings: list[dict] = field(default_factory=list)

    def ok(self, template: str, **arguments: Any) -> None:
        self.findings.append({"ok": True, **message(template, **arguments)})


@dataclass
class _Context:
    lab_id: str
    namespace: dict
    chart: Any  # runner.Chart with `recorded`
    charts: dict
    report: _Report

    def need(self, name: str) -> Any:
        if name not in self.namespace:
            raise CheckFailed(E_MISSING, name=name)
        return self.namespace[name]

    def function(self, name: str) -> Callable:
        value = self.need(name)
        if not callable(value):
            raise CheckFailed(E_NOT_CALLABLE, name=name, kind=type(value).__name__)
        return value

    def curve(self, series: str, panel: str = "loss") -> list[float]:
        recorded = self.chart.recorded or {}
        if (panel, series) not in recorded:
            raise CheckFailed(E_NO_CURVE, series=series)
        return list(recorded[(panel, series)][1])

    @contextlib.contextmanager
    def rerun(self) -> Iterator[Any]:
        """Call the learner's code again: quietly, drawing into a private chart."""
        from lessons.demos.runner import Chart

        private = Chart(self.charts, None, record=True)
        saved = self.namespace.get("chart")
        self.namespace["chart"] = private
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                yield private
        finally:
            self.namespace["chart"] = saved


_ORIGINALS: dict[str, Any] = {}


def prepare() -> None:
    """Keep PyTorch's own losses before the learner's code could replace them."""
    import torch
    import torch.nn.functional as F

    _ORIGINALS.update(mse_loss=F.mse_loss, cross_entropy=F.cross_entropy, nll_loss=F.nll_loss, torch=torch)


def run_check(lab_id: str, namespace: dict, chart: Any, charts: dict) -> dict:
    """The `check` event for the learner's run: passed, and what was found.

    Exceptions raised by the learner's functions propagate (the runner
    reports them at the learner's line); a bug of a check becomes a finding.
    """
    if not _ORIGINALS:
        prepare()
    report = _Report()
    context = _Context(lab_id, namespace, chart, charts, report)
    passed = False
    try:
        _CHECKS[lab_id](context)
        passed = True
    except CheckFailed as failed:
        finding = {"ok": False, **message(failed.template, **failed.arguments)}
        if failed.hint:
            finding["hint"] = message(failed.hint)
        report.findings.append(finding)
    return {"event": "check", "lab": lab_id, "passed": passed, "findings": report.findings}


# -- formatting -------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.6g}"


def _loss(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) and abs(value) < 1e5 else f"{value:.4g}"


def _rate(value: float) -> str:
    return f"{value:g}"


def _text(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _tensor(tensor) -> str:
    values = tensor.detach().cpu()
    rounded = [[round(v, 3) for v in row] for row in values.tolist()] if values.dim() == 2 else \
        [round(v, 3) for v in values.tolist()]
    return _text(rounded)


# -- 8.hw1: loss by hand -------------------------------------------------------------


@contextlib.contextmanager
def _forbidden_losses(used: list[str]) -> Iterator[None]:
    """Note any call of PyTorch's ready-made losses while the learner's function runs."""
    import torch.nn.functional as F

    names = ("mse_loss", "cross_entropy", "nll_loss", "l1_loss")
    saved = {name: getattr(F, name) for name in names}

    def spy(name):
        def called(*args, **kwargs):
            used.append(f"F.{name}")
            return saved[name](*args, **kwargs)
        return called

    for name in names:
        setattr(F, name, spy(name))
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(F, name, original)


def _scalar(function: str, value: Any) -> float:
    torch = _ORIGINALS["torch"]
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise CheckFailed(E_NOT_SCALAR, function=function, shape=str(tuple(value.shape)))
        return float(value.detach().reshape(()).item())
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise CheckFailed(E_NOT_NUMBER, function=function, value=_text(value, 60))
    return float(value)


def _call_loss(name: str, function: Callable, *inputs) -> float:
    used: list[str] = []
    with _forbidden_losses(used):
        value = function(*(tensor.clone() for tensor in inputs))
    if used:
        raise CheckFailed(E_USED_BUILTIN, function=name, builtin=used[0])
    return _scalar(name, value)


def _close(mine: float, expected: float) -> bool:
    return math.isfinite(mine) and abs(mine - expected) <= ATOL + RTOL * abs(expected)


def _mse_cases(torch, generator):
    return [
        (message(C_BATCH, n="8"), torch.randn(8, generator=generator), torch.randn(8, generator=generator)),
        (message(C_SINGLE), torch.randn(1, generator=generator), torch.randn(1, generator=generator)),
        (message(C_LARGE_VALUES, n="100"), 300 * torch.randn(100, generator=generator),
         300 * torch.randn(100, generator=generator)),
        (message(C_LESSON), torch.tensor([2.5, 0.0, 2.1, 1.6]), torch.tensor([3.0, -0.5, 2.0, 1.5])),
    ]


def _ce_cases(torch, generator):
    def case(template, n, k, scale=1.0):
        logits = scale * torch.randn(n, k, generator=generator)
        labels = torch.randint(0, k, (n,), generator=generator)
        return message(template, n=str(n), k=str(k)), logits, labels

    return [case(C_CE_BATCH, 8, 3), case(C_CE_SINGLE, 1, 5), case(C_CE_BATCH, 32, 10),
            case(C_CE_LARGE, 6, 4, scale=300.0)]


def _mse_hint(mine: float, expected: float, pred, target) -> str | None:
    n = pred.numel()
    if n > 1 and _close(mine, expected * n):
        return H_SUM
    if _close(mine, math.sqrt(expected)) and not _close(mine, expected):
        return H_ROOT
    if _close(mine, float((pred - target).abs().mean())):
        return H_ABS
    return None


def _ce_hint(mine: float, expected: float, logits, labels) -> str | None:
    torch = _ORIGINALS["torch"]
    n = logits.shape[0]
    if not math.isfinite(mine):
        naive = -torch.log(torch.softmax(logits, dim=1)[torch.arange(n), labels]).mean()
        return H_OVERFLOW if not math.isfinite(float(naive)) else None
    if n > 1 and _close(mine, expected * n):
        return H_SUM
    if _close(mine, -expected):
        return H_SIGN
    if _close(mine * logits.shape[1], expected):
        return H_CLASSES
    twice = float(_ORIGINALS["cross_entropy"](torch.softmax(logits, dim=1), labels))
    if _close(mine, twice):
        return H_TWICE
    return None


def _inputs(*pairs: tuple[str, Any]) -> str:
    return ", ".join(f"{name} = {_tensor(value)}" for name, value in pairs)


def _check_hw1(ctx: _Context) -> None:
    torch = _ORIGINALS["torch"]
    my_mse = ctx.function("my_mse")
    my_ce = ctx.function("my_cross_entropy")
    generator = torch.Generator().manual_seed(SEED)
    cases = _mse_cases(torch, generator)
    for case, pred, target in cases:
        mine = _call_loss("my_mse", my_mse, pred, target)
        expected = float(_ORIGINALS["mse_loss"](pred, target))
        if not _close(mine, expected):
            raise CheckFailed(E_MISMATCH, hint=_mse_hint(mine, expected, pred, target), function="my_mse",
                              reference="F.mse_loss", mine=_num(mine), expected=_num(expected), case=case,
                              inputs=_inputs(("pred", pred), ("target", target)))
    ctx.report.ok(OK_MSE, count=str(len(cases)))
    cases = _ce_cases(torch, generator)
    for case, logits, labels in cases:
        mine = _call_loss("my_cross_entropy", my_ce, logits, labels)
        expected = float(_ORIGINALS["cross_entropy"](logits, labels))
        if not _close(mine, expected):
            raise CheckFailed(E_MISMATCH, hint=_ce_hint(mine, expected, logits, labels),
                              function="my_cross_entropy", reference="F.cross_entropy", mine=_num(mine),
                              expected=_num(expected), case=case,
                              inputs=_inputs(("logits", logits), ("labels", labels)))
    ctx.report.ok(OK_CE, count=str(len(cases)))


# -- 8.hw2: learning-rate sweep ---------------------------------------------------------

REQUIRED_RATES = (1e-5, 1e-4, 1e-3, 1e-2)
WHY_CHOICES = ("a", "b", "c", "d", "e")


def _numbers(ctx: _Context, name: str) -> list[float]:
    value = ctx.need(name)
    try:
        numbers = [float(item) for item in value]
    except (TypeError, ValueError):
        raise CheckFailed(E_NEED_LIST, name=name) from None
    if not numbers:
        raise CheckFailed(E_NEED_LIST, name=name)
    return numbers


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _choice(ctx: _Context, name: str, number: int, choices: tuple[str, ...]) -> str:
    value = ctx.namespace.get(name)
    if value is None or value == "":
        raise CheckFailed(E_UNANSWERED, number=str(number), name=name)
    answer = str(value).strip().strip("()\"'. ").lower()
    # An answer copied with its option's text ("b: its steps are tiny") is that option.
    copied = re.match(r"([a-z]+)\s*[:.)]", answer)
    if answer not in choices and copied and copied.group(1) in choices:
        answer = copied.group(1)
    if answer not in choices:
        raise CheckFailed(E_NOT_A_CHOICE, name=name, answer=_text(value, 40), choices=", ".join(choices))
    return answer


def _reference_losses(ctx: _Context, optimizer_class, lr: float, steps: int) -> tuple[list[float], float]:
    """A correct training loop on the lab's model and data; also the first gradient norm."""
    torch = _ORIGINALS["torch"]
    mse = _ORIGINALS["mse_loss"]
    X, y = ctx.need("X"), ctx.need("y")
    with ctx.rerun():
        model = ctx.function("make_model")()
    optimizer = optimizer_class(model.parameters(), lr=lr)
    losses, first_norm = [], 0.0
    for step in range(steps):
        optimizer.zero_grad()
        loss = mse(model(X), y)
        loss.backward()
        if step == 0:
            first_norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()
                                       if p.grad is not None))
        optimizer.step()
        losses.append(loss.item())
    return losses, first_norm


def _compare_training(curve: list[float], reference: list[float], lr: float) -> None:
    for step, (mine, expected) in enumerate(zip(curve, reference)):
        if not (math.isfinite(mine) and abs(mine - expected) <= 1e-6 + 1e-4 * abs(expected)):
            flat = all(value == curve[0] for value in curve)
            raise CheckFailed(E_TRAIN_STEP, hint=H_FLAT if flat else H_ORDER, step=str(step), lr=_rate(lr),
                              mine=_loss(mine), expected=_loss(expected))


def _why(curve: list[float], first_norm: float) -> tuple[str, dict]:
    """The one choice the smallest rate's curve supports, and the evidence."""
    first, final = curve[0], curve[-1]
    diverged = not all(math.isfinite(value) for value in curve)
    rises = sum(1 for before, after in zip(curve, curve[1:]) if after > before)
    drop = (first - final) / first if first and math.isfinite(final) else 0.0
    if diverged:
        answer = "c"
    elif first_norm < 1e-8:
        answer = "a"
    elif rises > (len(curve) - 1) / 3:
        answer = "d"
    elif drop >= 0.10:
        answer = "e"
    else:
        answer = "b"
    # The % sign is in the argument: in a template, Babel's checks take "% l" for a placeholder.
    evidence = {"first": _loss(first), "final": _loss(final), "percent": f"{100 * drop:.1f}%",
                "grad": f"{first_norm:.3g}", "rises": str(rises), "steps": str(len(curve)), "diverged": diverged}
    return answer, evidence


def _check_hw2(ctx: _Context) -> None:
    torch = _ORIGINALS["torch"]
    lrs = _numbers(ctx, "lrs")
    for rate in REQUIRED_RATES:
        if not any(_same(rate, lr) for lr in lrs):
            raise CheckFailed(E_MISSING_RATE, rate=_rate(rate))
    steps = int(ctx.need("steps"))
    name = ctx.need("optimizer_name")
    classes = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if name not in classes:
        raise CheckFailed(E_UNKNOWN_OPTIMIZER, name=_text(name, 30))
    ctx.function("train")
    curves = {}
    for lr in lrs:
        series = f"lr={lr:g}"
        curve = ctx.curve(series)
        if len(curve) != steps:
            raise CheckFailed(E_SHORT_CURVE, series=series, count=str(len(curve)), steps=str(steps))
        curves[lr] = curve
    largest = max(REQUIRED_RATES)
    reference, _ = _reference_losses(ctx, classes[name], largest, steps)
    _compare_training(curves[next(lr for lr in lrs if _same(lr, largest))], reference, largest)
    ctx.report.ok(OK_TRAIN, steps=str(steps))

    answer = ctx.namespace.get("best_lr")
    if answer is None or answer == "":
        raise CheckFailed(E_UNANSWERED, number="1", name="best_lr")
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise CheckFailed(E_NOT_A_RATE, answer=_text(answer, 40), rates=", ".join(map(_rate, lrs))) from None
    chosen = next((lr for lr in lrs if _same(lr, answer)), None)
    if chosen is None:
        raise CheckFailed(E_NOT_A_RATE, answer=_rate(answer), rates=", ".join(map(_rate, lrs)))
    finals = {lr: curve[-1] for lr, curve in curves.items() if math.isfinite(curve[-1])}
    best = min(finals.values()) if finals else math.inf
    if chosen not in finals or finals[chosen] > best * (1 + 1e-12):
        raise CheckFailed(E_NOT_BEST, answer=_rate(chosen), loss=_loss(curves[chosen][-1]))
    ctx.report.ok(OK_BEST, answer=_rate(chosen), loss=_loss(finals[chosen]))

    smallest = min(lrs)
    _, first_norm = _reference_losses(ctx, classes[name], smallest, 1)
    expected, evidence = _why(curves[smallest], first_norm)
    answer = _choice(ctx, "why_smallest", 2, WHY_CHOICES)
    if answer != expected:
        raise CheckFailed(E_WHY_WRONG, hint=H_DIVERGED if evidence["diverged"] else None, answer=answer,
                          lr=_rate(smallest), **{k: v for k, v in evidence.items() if k != "diverged"})
    ctx.report.ok(OK_WHY, answer=answer, lr=_rate(smallest), percent=evidence["percent"], steps=evidence["steps"])


# -- 8.hw3: optimizer race ----------------------------------------------------------

RACERS = ("sgd", "adam", "adamw")
FASTEST_CHOICES = (*RACERS, "none")
GAP_CHOICES = ("a", "b", "c", "d")
#: (losses, threshold, expected)
STEP_CASES = (
    ([0.9, 0.5, 0.2, 0.04, 0.01], 0.05, 4),
    ([0.01, 0.5, 0.3], 0.05, 1),
    ([0.9, 0.05, 0.04], 0.05, 3),
    ([0.9, 0.04, 0.9, 0.01], 0.05, 2),
    ([0.9, 0.5, 0.3], 0.05, None),
    ([], 0.05, None),
)


def _steps_to_threshold(losses: list[float], threshold: float) -> int | None:
    return next((index + 1 for index, value in enumerate(losses) if value < threshold), None)


#: Unusual values for the race's settings: a second run of the learner's file
#: with these tells which of them reaches each optimizer.
PROBE = {"lr_sgd": 0.0123, "lr_adam": 0.0234, "lr_adamw": 0.0345, "weight_decay": 0.0456}


def _learners_file(ctx: _Context) -> tuple[str, str] | None:
    """The learner's file name and source, as the runner left them in linecache for tracebacks."""
    for value in ctx.namespace.values():
        code = getattr(value, "__code__", None)
        if code is not None and getattr(value, "__globals__", None) is ctx.namespace:
            source = "".join(linecache.getlines(code.co_filename))
            return (code.co_filename, source) if source else None
    return None


def _with_values(source: str, values: dict) -> ast.Module:
    """`source` with the top-level assignments of `values`' names giving those values instead."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in values:
                    node.value = ast.Constant(values[target.id])
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                        and len(target.elts) == len(node.value.elts):
                    node.value.elts = [ast.Constant(values[item.id]) if isinstance(item, ast.Name)
                                       and item.id in values else value
                                       for item, value in zip(target.elts, node.value.elts)]
    return ast.fix_missing_locations(tree)


def _probed_namespace(ctx: _Context) -> dict:
    """The learner's file run again, quietly, with PROBE's values in place of its own.

    A rate can reach the optimizer when make_optimizer runs (it reads lr_adam
    then) or when the file runs (a functools.partial, a default argument, a
    table of optimizers built at the top): after a run with other values,
    both kinds follow them, and only a number written into the call does not.
    If the file cannot run with those values, the probe falls back to
    changing them in the namespace, which catches reads at call time.
    """
    found = _learners_file(ctx)
    namespace = {**ctx.namespace}
    if found is not None:
        filename, source = found
        try:
            compiled = compile(_with_values(source, PROBE), filename, "exec", dont_inherit=True)
            rerun = {"__name__": "__main__", "__builtins__": builtins}
            with ctx.rerun() as chart:
                rerun["chart"] = chart
                exec(compiled, rerun)
            namespace = rerun
        except Exception:  # the learner's file, with other values, may fail in its own ways
            pass
    namespace.update(PROBE)
    return namespace


def _adam_kind(torch, optimizer: Any) -> str | None:
    """"adam" or "adamw" by what the optimizer computes: Adam(decoupled_weight_decay=True) is AdamW."""
    if type(optimizer) not in (torch.optim.Adam, torch.optim.AdamW):
        return None
    decoupled = type(optimizer) is torch.optim.AdamW or optimizer.defaults.get("decoupled_weight_decay", False)
    return "adamw" if decoupled else "adam"


def _check_make_optimizer(ctx: _Context) -> None:
    torch = _ORIGINALS["torch"]
    ctx.function("make_optimizer")
    mine = {name: ctx.need(name) for name in ("lr_adam", "lr_adamw", "weight_decay")}
    probed = _probed_namespace(ctx)
    make_optimizer = probed.get("make_optimizer", ctx.namespace["make_optimizer"])
    for name, variable in (("adam", "lr_adam"), ("adamw", "lr_adamw")):
        with ctx.rerun():
            optimizer = make_optimizer(name, [torch.zeros(2, requires_grad=True)])
        if _adam_kind(torch, optimizer) != name:
            raise CheckFailed(E_OPT_CLASS, name=repr(name), got=_class_name(optimizer),
                              want="torch.optim.Adam" if name == "adam" else "torch.optim.AdamW")
        group = optimizer.param_groups[0]
        got = float(group["lr"])
        if not _same(got, PROBE[variable]):
            other = next((other for other, value in PROBE.items() if _same(got, value)), None)
            if other is not None:
                raise CheckFailed(E_OPT_LR_OTHER, name=repr(name), other=other, variable=variable)
            if _same(got, _float(mine[variable])):
                raise CheckFailed(E_OPT_LR_FIXED, name=repr(name), got=_num(got), variable=variable,
                                  probe=_num(PROBE[variable]))
            raise CheckFailed(E_OPT_LR, name=repr(name), got=_num(got), variable=variable,
                              mine=_text(mine[variable], 30))
        decay = float(group.get("weight_decay", 0.0))
        if name == "adam" and decay != 0.0:
            raise CheckFailed(E_ADAM_WD, got=_num(decay))
        if name == "adamw" and not _same(decay, PROBE["weight_decay"]):
            fixed = _same(decay, _float(mine["weight_decay"]))
            raise CheckFailed(E_OPT_WD_FIXED if fixed else E_OPT_WD, name=repr(name), got=_num(decay),
                              probe=_num(PROBE["weight_decay"]), mine=_text(mine["weight_decay"], 30))
    ctx.report.ok(OK_OPT)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _class_name(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    module = "torch.optim" if kind.__module__.startswith("torch.optim") else kind.__module__
    return f"{module}.{kind.__qualname__}"


def _steps_hint(losses: list[float], threshold: float, got: Any, want: int | None) -> str | None:
    """Which usual slip gives `got` instead of `want`."""
    if want is None:
        return H_NONE
    if not _is_int(got):
        return None
    got = int(got)
    if 0 < got <= len(losses) and losses[got - 1] == threshold:
        return H_STRICT
    if got == want - 1:
        return H_INDEX
    if got > want and 0 < got <= len(losses) and losses[got - 1] < threshold:
        return H_FIRST
    return None


def _check_steps_function(ctx: _Context) -> None:
    function = ctx.function("steps_to_threshold")
    for losses, threshold, want in STEP_CASES:
        with ctx.rerun():
            got = function(list(losses), threshold)
        right = got is None if want is None else (not isinstance(got, bool) and _is_int(got) and int(got) == want)
        if not right:
            raise CheckFailed(E_STEPS, hint=_steps_hint(losses, threshold, got, want), losses=repr(losses), threshold=repr(threshold),
                              got=_text(got, 40), want=repr(want))
    ctx.report.ok(OK_STEPS, count=str(len(STEP_CASES)))


def _is_int(value: Any) -> bool:
    try:
        return float(value) == int(value)
    except (TypeError, ValueError, OverflowError):
        return False


def _gap_choice(adam: int | None, adamw: int | None) -> str:
    if adam is None or adamw is None:
        return "d"
    if adamw > adam * 1.1:
        return "a"
    if adamw < adam * 0.9:
        return "c"
    return "b"


def _check_hw3(ctx: _Context) -> None:
    _check_make_optimizer(ctx)
    _check_steps_function(ctx)
    threshold = float(ctx.need("threshold"))
    reached = {name: _steps_to_threshold(ctx.curve(name), threshold) for name in RACERS}
    answer = _choice(ctx, "fastest", 1, FASTEST_CHOICES)
    counts = [steps for steps in reached.values() if steps is not None]
    winners = {name for name, steps in reached.items() if steps is not None and steps == min(counts)} \
        if counts else {"none"}
    if answer not in winners:
        raise CheckFailed(E_NOT_FASTEST, answer=repr(answer))
    ctx.report.ok(OK_FASTEST, answer=repr(answer))
    answer = _choice(ctx, "adam_vs_adamw", 2, GAP_CHOICES)
    adam, adamw = reached["adam"], reached["adamw"]
    if answer != _gap_choice(adam, adamw):
        tenth = f"{adam / 10:g}" if adam is not None else "?"
        raise CheckFailed(E_GAP_WRONG, answer=repr(answer), tenth=tenth)
    ctx.report.ok(OK_GAP, answer=repr(answer), adam=str(adam), adamw=str(adamw))


# -- 8.hw4: clipping ----------------------------------------------------------------


@dataclass
class _Step:
    before: float  # total gradient norm as backward left it
    used: float  # total gradient norm when optimizer.step() began


@contextlib.contextmanager
def _watch_steps(runs: list[list[_Step]]) -> Iterator[None]:
    """Record, for every optimizer created meanwhile, the gradient norms at each step.

    The norm before clipping is summed from per-parameter hooks that fire as
    backward finishes each gradient; the norm used is read when step() starts.
    """
    torch = _ORIGINALS["torch"]
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    original_init = torch.optim.Optimizer.__init__
    tracked: dict[int, tuple[list[_Step], dict[int, float]]] = {}

    def init(self, params, defaults):
        original_init(self, params, defaults)
        steps: list[_Step] = []
        before: dict[int, float] = {}
        runs.append(steps)
        tracked[id(self)] = (steps, before)
        for group in self.param_groups:
            for param in group["params"]:
                def hook(p, before=before):
                    before[id(p)] = float((p.grad.detach() ** 2).sum())
                param.register_post_accumulate_grad_hook(hook)

    def pre_step(optimizer, args, kwargs):
        if id(optimizer) not in tracked:
            return
        steps, before = tracked[id(optimizer)]
        params = [p for group in optimizer.param_groups for p in group["params"]]
        used = math.sqrt(sum(float((p.grad.detach() ** 2).sum()) for p in params if p.grad is not None))
        steps.append(_Step(math.sqrt(sum(before.get(id(p), 0.0) for p in params)), used))

    torch.optim.Optimizer.__init__ = init
    handle = register_optimizer_step_pre_hook(pre_step)
    try:
        yield
    finally:
        torch.optim.Optimizer.__init__ = original_init
        handle.remove()


def _check_hw4(ctx: _Context) -> None:
    train = ctx.function("train")
    max_norm = ctx.need("max_norm")
    try:
        max_norm = float(max_norm)
    except (TypeError, ValueError):
        raise CheckFailed(E_MAX_NORM, value=_text(max_norm, 30)) from None
    if not (math.isfinite(max_norm) and max_norm > 0):
        raise CheckFailed(E_MAX_NORM, value=_num(max_norm))

    runs: list[list[_Step]] = []
    with _watch_steps(runs), ctx.rerun() as chart:
        train(clip=False)
    plain = chart.recorded.get(("loss", "plain"), ([], []))[1] if chart.recorded else []
    if not plain:
        raise CheckFailed(E_NO_CURVE, series="plain")
    finite = [value for value in plain if math.isfinite(value)]
    peak = max(finite) if finite else math.inf
    if len(finite) == len(plain) and peak <= 100 * plain[0]:
        raise CheckFailed(E_NO_EXPLOSION, first=_loss(plain[0]), peak=_loss(peak))
    shown_peak = "inf/nan" if len(finite) < len(plain) else _loss(peak)
    ctx.report.ok(OK_EXPLODES, first=_loss(plain[0]), peak=shown_peak)

    runs.clear()
    with _watch_steps(runs), ctx.rerun() as chart:
        train(clip=True)
    steps = [step for run in runs for step in run]
    if not steps:
        raise CheckFailed(E_NO_STEPS)
    for index, step in enumerate(steps):
        if not math.isfinite(step.before):
            break  # the run has diverged: the loss tells it better, below
        arguments = {"step": str(index), "used": _num(step.used), "before": _num(step.before),
                     "max_norm": _num(max_norm)}
        if not math.isfinite(step.used) or step.used > max_norm * (1 + 1e-3) + 1e-6:
            unclipped = math.isclose(step.used, step.before, rel_tol=1e-4) or not math.isfinite(step.used)
            raise CheckFailed(E_CLIP_EXCEEDED, hint=H_UNCLIPPED if unclipped else None, **arguments)
        if step.before > max_norm * (1 + 1e-3) and step.used < max_norm * 0.99:
            raise CheckFailed(E_CLIP_TOO_MUCH, **arguments)
        if step.before <= max_norm and not math.isclose(step.used, step.before, rel_tol=1e-3, abs_tol=1e-9):
            raise CheckFailed(E_CLIP_CHANGED, **arguments)
    clipped = chart.recorded.get(("loss", "clipped"), ([], []))[1] if chart.recorded else []
    if not clipped:
        raise CheckFailed(E_NO_CURVE, series="clipped")
    first = clipped[0]
    climbed = next((index for index, value in enumerate(clipped) if not math.isfinite(value) or value > first), None)
    if climbed is not None:
        recovered = all(math.isfinite(value) for value in clipped) and clipped[-1] < first
        # A recovered run is told by its peak, the size of the blow-up; a lost one by where it was lost.
        index = max(range(len(clipped)), key=clipped.__getitem__) if recovered else climbed
        arguments = {"value": _loss(clipped[index]), "step": str(index), "max_norm": _num(max_norm)}
        if recovered:
            raise CheckFailed(E_CLIPPED_SPIKE, ratio=f"{clipped[index] / first:.3g}", first=_loss(first), **arguments)
        raise CheckFailed(E_CLIPPED_DIVERGED, **arguments)
    longest = max(step.before for step in steps)
    ctx.report.ok(OK_CLIPPED, max_norm=_num(max_norm), longest=_num(longest))
    final = clipped[-1]
    if not final < first / 10:
        raise CheckFailed(E_NOT_FALLING, max_norm=_num(max_norm), first=_loss(first), final=_loss(final),
                          target=_loss(first / 10))
    ctx.report.ok(OK_FALLS, first=_loss(first), final=_loss(final))


# -- 8.hw5: overfitting ---------------------------------------------------------------

ACCURACY_CASES = (
    ([[2.0, 1.0], [0.5, 3.0], [1.0, -1.0], [0.2, 0.1]], [0, 1, 1, 0], 0.75),
    ([[0.1, 0.7, 0.2], [2.0, 0.0, 1.0], [0.0, 0.0, 5.0]], [1, 2, 2], 2 / 3),
    ([[3.0, -2.0], [-1.0, 4.0]], [0, 1], 1.0),
    ([[3.0, -2.0], [-1.0, 4.0], [0.3, 0.2]], [1, 0, 1], 0.0),
    ([[-0.5, 0.5]], [1], 1.0),
)


def _reference_accuracy(logits, labels) -> float:
    return float((logits.argmax(dim=1) == labels).float().mean())


def _check_accuracy(ctx: _Context) -> None:
    torch = _ORIGINALS["torch"]
    accuracy = ctx.function("accuracy")
    for rows, labels, want in ACCURACY_CASES:
        with ctx.rerun():
            got = accuracy(torch.tensor(rows), torch.tensor(labels))
        try:
            value = float(got)
        except (TypeError, ValueError, RuntimeError):
            value = math.nan
        if not math.isclose(value, want, abs_tol=1e-6):
            hint = H_FRACTION if value > 1 else H_ARGMAX
            raise CheckFailed(E_ACCURACY, hint=hint, logits=repr(rows), labels=repr(labels), got=_text(got, 40),
                              want=f"{want:.4g}")
    ctx.report.ok(OK_ACCURACY, count=str(len(ACCURACY_CASES)))


def _check_hw5(ctx: _Context) -> None:
    torch = _ORIGINALS["torch"]
    _check_accuracy(ctx)
    torch.manual_seed(0)
    true_w = torch.randn(100)
    learners_w = ctx.need("true_w")
    if not (isinstance(learners_w, torch.Tensor) and learners_w.shape == true_w.shape
            and torch.equal(learners_w.detach().cpu().float(), true_w)):
        raise CheckFailed(E_RULE)
    X_train, y_train = ctx.need("X_train"), ctx.need("y_train")
    if not (isinstance(X_train, torch.Tensor) and X_train.dim() == 2 and X_train.shape[1] == 100):
        raise CheckFailed(E_DATA_SHAPE, shape=str(tuple(getattr(X_train, "shape", ()))))
    X_train = X_train.detach().cpu().float()
    rule = (X_train @ true_w > 0).long()
    labels = torch.as_tensor(y_train).detach().cpu().long().reshape(-1)
    if labels.shape != rule.shape or not torch.equal(labels, rule):
        wrong = int((labels != rule).sum()) if labels.shape == rule.shape else len(rule)
        raise CheckFailed(E_LABELS, wrong=str(wrong), count=str(len(rule)))
    model = ctx.need("model")
    generator = torch.Generator().manual_seed(SEED)
    X_val = torch.randn(VAL_SIZE, 100, generator=generator)
    y_val = (X_val @ true_w > 0).long()
    with ctx.rerun(), torch.no_grad():
        if hasattr(model, "eval"):
            model.eval()
        train_logits = model(X_train)
        val_logits = model(X_val)
    for logits, n in ((train_logits, len(X_train)), (val_logits, VAL_SIZE)):
        if not (isinstance(logits, torch.Tensor) and tuple(logits.shape) == (n, 2)):
            raise CheckFailed(E_MODEL, shape=str(tuple(getattr(logits, "shape", ()))))
    train_acc = _reference_accuracy(train_logits, rule)
    val_acc = _reference_accuracy(val_logits, y_val)
    numbers = {"train": f"{train_acc:.3f}", "val": f"{val_acc:.3f}", "size": str(VAL_SIZE)}
    if train_acc < TRAIN_FLOOR:
        raise CheckFailed(E_FLOOR, train=numbers["train"], floor=f"{TRAIN_FLOOR:.2f}")
    if val_acc < VAL_FLOOR:
        raise CheckFailed(E_VAL, floor=f"{VAL_FLOOR:.2f}", **numbers)
    ctx.report.ok(OK_GENERALISES, floor=f"{VAL_FLOOR:.2f}", **numbers)


_CHECKS: dict[str, Callable[[_Context], None]] = {
    "8.hw1": _check_hw1,
    "8.hw2": _check_hw2,
    "8.hw3": _check_hw3,
    "8.hw4": _check_hw4,
    "8.hw5": _check_hw5,
}


def localize(text: dict, translate: Callable[[str], str]) -> str:
    """A message of a finding (or a limit error) in `translate`'s language;
    nested messages among the arguments are localized first.

    (Not named `gettext`: Babel would take a call of it for a message.)
    """
    arguments = {name: localize(value, translate) if isinstance(value, dict) and "template" in value else value
                 for name, value in (text.get("arguments") or {}).items()}
    try:
        return translate(text["template"]).format(**arguments)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return text["template"].format(**arguments)
