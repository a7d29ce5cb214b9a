"""The check of lab 8.hw4 (page 8.hw4.md): clipping an exploding network.

Re-runs `train(False)` and `train(True)`, watching every optimizer step:
without clipping the run must still explode; with it, the gradient
`optimizer.step()` uses never exceeds `max_norm`, equals it whenever the
gradient was longer (clipped to max_norm, no less), is untouched when it was
shorter; the clipped loss never climbs above its first value (a spike that
recovers is still a blow-up) and ends below a tenth of it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

from lessons.course.i18n import N_
from lessons.labs.checks import E_NO_CURVE, CheckFailed, Context, ORIGINALS, fmt_loss, fmt_num, fmt_text

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
    torch = ORIGINALS["torch"]
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


def check(ctx: Context) -> None:
    train = ctx.function("train")
    max_norm = ctx.need("max_norm")
    try:
        max_norm = float(max_norm)
    except (TypeError, ValueError):
        raise CheckFailed(E_MAX_NORM, value=fmt_text(max_norm, 30)) from None
    if not (math.isfinite(max_norm) and max_norm > 0):
        raise CheckFailed(E_MAX_NORM, value=fmt_num(max_norm))

    runs: list[list[_Step]] = []
    with _watch_steps(runs), ctx.rerun() as chart:
        train(clip=False)
    plain = chart.recorded.get(("loss", "plain"), ([], []))[1] if chart.recorded else []
    if not plain:
        raise CheckFailed(E_NO_CURVE, series="plain")
    finite = [value for value in plain if math.isfinite(value)]
    peak = max(finite) if finite else math.inf
    if len(finite) == len(plain) and peak <= 100 * plain[0]:
        raise CheckFailed(E_NO_EXPLOSION, first=fmt_loss(plain[0]), peak=fmt_loss(peak))
    shown_peak = "inf/nan" if len(finite) < len(plain) else fmt_loss(peak)
    ctx.report.ok(OK_EXPLODES, first=fmt_loss(plain[0]), peak=shown_peak)

    runs.clear()
    with _watch_steps(runs), ctx.rerun() as chart:
        train(clip=True)
    steps = [step for run in runs for step in run]
    if not steps:
        raise CheckFailed(E_NO_STEPS)
    for index, step in enumerate(steps):
        if not math.isfinite(step.before):
            break  # the run has diverged: the loss tells it better, below
        arguments = {"step": str(index), "used": fmt_num(step.used), "before": fmt_num(step.before),
                     "max_norm": fmt_num(max_norm)}
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
        arguments = {"value": fmt_loss(clipped[index]), "step": str(index), "max_norm": fmt_num(max_norm)}
        if recovered:
            raise CheckFailed(E_CLIPPED_SPIKE, ratio=f"{clipped[index] / first:.3g}", first=fmt_loss(first),
                              **arguments)
        raise CheckFailed(E_CLIPPED_DIVERGED, **arguments)
    longest = max(step.before for step in steps)
    ctx.report.ok(OK_CLIPPED, max_norm=fmt_num(max_norm), longest=fmt_num(longest))
    final = clipped[-1]
    if not final < first / 10:
        raise CheckFailed(E_NOT_FALLING, max_norm=fmt_num(max_norm), first=fmt_loss(first), final=fmt_loss(final),
                          target=fmt_loss(first / 10))
    ctx.report.ok(OK_FALLS, first=fmt_loss(first), final=fmt_loss(final))
