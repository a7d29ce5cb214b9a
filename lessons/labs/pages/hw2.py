"""The check of lab 8.hw2 (page 8.hw2.md): the learning-rate sweep.

The four rates 1e-5 … 1e-2 are among `lrs`; the curve of lr=1e-2 as drawn
equals a reference loop (zero_grad, backward, step) step by step; `best_lr`
is the rate with the lowest final loss of the drawn curves; `why_smallest` is
the one choice the smallest rate's measured curve supports (diverged, zero
gradient, bouncing, moved ≥10 %, else tiny steps).
"""

from __future__ import annotations

import math

from lessons.course.i18n import N_
from lessons.labs.checks import (
    E_UNANSWERED, CheckFailed, Context, ORIGINALS, choice, fmt_loss, fmt_rate, fmt_text, same,
)

E_NEED_LIST = N_("{name} should be a list of numbers.")
E_MISSING_RATE = N_("lrs must include the four rates of the exercise, 1e-05, 0.0001, 0.001 and 0.01; {rate} is missing.")
E_UNKNOWN_OPTIMIZER = N_("optimizer_name is {name}; the check knows \"adam\" and \"sgd\".")
E_SHORT_CURVE = N_("The curve {series} has {count} points; training for {steps} steps draws {steps}.")
E_TRAIN_STEP = N_("At step {step} of lr={lr}, your loss is {mine}; a correct training step gives {expected}.")
H_FLAT = N_("Nothing learns: each step needs optimizer.zero_grad(), loss.backward() and optimizer.step(), "
            "in that order.")
H_ORDER = N_("Clear the old gradients (optimizer.zero_grad()) before loss.backward(), and call optimizer.step() "
             "after it.")
E_NOT_A_RATE = N_("best_lr = {answer} is not one of your rates: {rates}.")
E_NOT_BEST = N_("In your run, lr={answer} ended at loss {loss}, but another rate ended lower. Compare the final "
                "losses printed for each rate (or the right ends of the curves).")
E_WHY_WRONG = N_("Not {answer}. In your run the smallest rate, lr={lr}, took the loss from {first} to {final} in "
                 "{steps} steps ({percent} lower); the gradient norm at the start was {grad}, and the loss went up "
                 "at {rises} of those steps. Which choice fits that?")
H_DIVERGED = N_("The loss of that run became inf or nan.")
OK_TRAIN = N_("Your training step gives the same losses as a correct one (lr=0.01, {steps} steps).")
OK_BEST = N_("best_lr = {answer}: the lowest final loss of your run, {loss}.")
OK_WHY = N_("why_smallest = {answer} fits your run: lr={lr} changed the loss by {percent} in {steps} steps.")


REQUIRED_RATES = (1e-5, 1e-4, 1e-3, 1e-2)
WHY_CHOICES = ("a", "b", "c", "d", "e")


def _numbers(ctx: Context, name: str) -> list[float]:
    value = ctx.need(name)
    try:
        numbers = [float(item) for item in value]
    except (TypeError, ValueError):
        raise CheckFailed(E_NEED_LIST, name=name) from None
    if not numbers:
        raise CheckFailed(E_NEED_LIST, name=name)
    return numbers


def _reference_losses(ctx: Context, optimizer_class, lr: float, steps: int) -> tuple[list[float], float]:
    """A correct training loop on the lab's model and data; also the first gradient norm."""
    torch = ORIGINALS["torch"]
    mse = ORIGINALS["mse_loss"]
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
            raise CheckFailed(E_TRAIN_STEP, hint=H_FLAT if flat else H_ORDER, step=str(step), lr=fmt_rate(lr),
                              mine=fmt_loss(mine), expected=fmt_loss(expected))


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
    evidence = {"first": fmt_loss(first), "final": fmt_loss(final), "percent": f"{100 * drop:.1f}%",
                "grad": f"{first_norm:.3g}", "rises": str(rises), "steps": str(len(curve)), "diverged": diverged}
    return answer, evidence


def check(ctx: Context) -> None:
    torch = ORIGINALS["torch"]
    lrs = _numbers(ctx, "lrs")
    for rate in REQUIRED_RATES:
        if not any(same(rate, lr) for lr in lrs):
            raise CheckFailed(E_MISSING_RATE, rate=fmt_rate(rate))
    steps = int(ctx.need("steps"))
    name = ctx.need("optimizer_name")
    classes = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if name not in classes:
        raise CheckFailed(E_UNKNOWN_OPTIMIZER, name=fmt_text(name, 30))
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
    _compare_training(curves[next(lr for lr in lrs if same(lr, largest))], reference, largest)
    ctx.report.ok(OK_TRAIN, steps=str(steps))

    answer = ctx.namespace.get("best_lr")
    if answer is None or answer == "":
        raise CheckFailed(E_UNANSWERED, number="1", name="best_lr")
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise CheckFailed(E_NOT_A_RATE, answer=fmt_text(answer, 40), rates=", ".join(map(fmt_rate, lrs))) from None
    chosen = next((lr for lr in lrs if same(lr, answer)), None)
    if chosen is None:
        raise CheckFailed(E_NOT_A_RATE, answer=fmt_rate(answer), rates=", ".join(map(fmt_rate, lrs)))
    finals = {lr: curve[-1] for lr, curve in curves.items() if math.isfinite(curve[-1])}
    best = min(finals.values()) if finals else math.inf
    if chosen not in finals or finals[chosen] > best * (1 + 1e-12):
        raise CheckFailed(E_NOT_BEST, answer=fmt_rate(chosen), loss=fmt_loss(curves[chosen][-1]))
    ctx.report.ok(OK_BEST, answer=fmt_rate(chosen), loss=fmt_loss(finals[chosen]))

    smallest = min(lrs)
    _, first_norm = _reference_losses(ctx, classes[name], smallest, 1)
    expected, evidence = _why(curves[smallest], first_norm)
    answer = choice(ctx, "why_smallest", 2, WHY_CHOICES)
    if answer != expected:
        raise CheckFailed(E_WHY_WRONG, hint=H_DIVERGED if evidence["diverged"] else None, answer=answer,
                          lr=fmt_rate(smallest), **{k: v for k, v in evidence.items() if k != "diverged"})
    ctx.report.ok(OK_WHY, answer=answer, lr=fmt_rate(smallest), percent=evidence["percent"], steps=evidence["steps"])
