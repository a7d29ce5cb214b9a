"""The check of lab 8.hw3 (page 8.hw3.md): the optimizer race.

`make_optimizer` returns Adam / AdamW with the lab's rates and weight decay:
the learner's file is run again with unusual values of them, so a rate read
at call time and one bound when the file runs (a functools.partial) both
pass, and a number written in does not; `steps_to_threshold` is right on six
cases (first crossing, strict "below", index + 1, None); `fastest` and
`adam_vs_adamw` match the drawn curves.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import math
from typing import Any

from lessons.course.i18n import N_
from lessons.labs.checks import CheckFailed, Context, ORIGINALS, choice, fmt_num, fmt_text, same

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


def _learners_file(ctx: Context) -> tuple[str, str] | None:
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


def _probed_namespace(ctx: Context) -> dict:
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


def _check_make_optimizer(ctx: Context) -> None:
    torch = ORIGINALS["torch"]
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
        if not same(got, PROBE[variable]):
            other = next((other for other, value in PROBE.items() if same(got, value)), None)
            if other is not None:
                raise CheckFailed(E_OPT_LR_OTHER, name=repr(name), other=other, variable=variable)
            if same(got, _float(mine[variable])):
                raise CheckFailed(E_OPT_LR_FIXED, name=repr(name), got=fmt_num(got), variable=variable,
                                  probe=fmt_num(PROBE[variable]))
            raise CheckFailed(E_OPT_LR, name=repr(name), got=fmt_num(got), variable=variable,
                              mine=fmt_text(mine[variable], 30))
        decay = float(group.get("weight_decay", 0.0))
        if name == "adam" and decay != 0.0:
            raise CheckFailed(E_ADAM_WD, got=fmt_num(decay))
        if name == "adamw" and not same(decay, PROBE["weight_decay"]):
            fixed = same(decay, _float(mine["weight_decay"]))
            raise CheckFailed(E_OPT_WD_FIXED if fixed else E_OPT_WD, name=repr(name), got=fmt_num(decay),
                              probe=fmt_num(PROBE["weight_decay"]), mine=fmt_text(mine["weight_decay"], 30))
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


def _check_steps_function(ctx: Context) -> None:
    function = ctx.function("steps_to_threshold")
    for losses, threshold, want in STEP_CASES:
        with ctx.rerun():
            got = function(list(losses), threshold)
        right = got is None if want is None else (not isinstance(got, bool) and _is_int(got) and int(got) == want)
        if not right:
            raise CheckFailed(E_STEPS, hint=_steps_hint(losses, threshold, got, want), losses=repr(losses),
                              threshold=repr(threshold), got=fmt_text(got, 40), want=repr(want))
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


def check(ctx: Context) -> None:
    _check_make_optimizer(ctx)
    _check_steps_function(ctx)
    threshold = float(ctx.need("threshold"))
    reached = {name: _steps_to_threshold(ctx.curve(name), threshold) for name in RACERS}
    answer = choice(ctx, "fastest", 1, FASTEST_CHOICES)
    counts = [steps for steps in reached.values() if steps is not None]
    winners = {name for name, steps in reached.items() if steps is not None and steps == min(counts)} \
        if counts else {"none"}
    if answer not in winners:
        raise CheckFailed(E_NOT_FASTEST, answer=repr(answer))
    ctx.report.ok(OK_FASTEST, answer=repr(answer))
    answer = choice(ctx, "adam_vs_adamw", 2, GAP_CHOICES)
    adam, adamw = reached["adam"], reached["adamw"]
    if answer != _gap_choice(adam, adamw):
        tenth = f"{adam / 10:g}" if adam is not None else "?"
        raise CheckFailed(E_GAP_WRONG, answer=repr(answer), tenth=tenth)
    ctx.report.ok(OK_GAP, answer=repr(answer), adam=str(adam), adamw=str(adamw))
