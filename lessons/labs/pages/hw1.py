"""The check of lab 8.hw1 (page 8.hw1.md): the losses by hand.

`my_mse` and `my_cross_entropy` against PyTorch's originals (captured before
the learner's code runs) on fresh inputs: random batches, a single example,
values and logits in the hundreds, lesson 8.1's example. Within
ATOL + RTOL·|expected|. Calling the `F.*` losses inside them fails.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

from lessons.course.i18n import N_
from lessons.labs.checks import CheckFailed, Context, ORIGINALS, SEED, fmt_num, fmt_text, message

#: Relative and absolute tolerance of a loss compared with PyTorch's.
RTOL, ATOL = 1e-4, 1e-5

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


def _tensor(tensor) -> str:
    values = tensor.detach().cpu()
    rounded = [[round(v, 3) for v in row] for row in values.tolist()] if values.dim() == 2 else \
        [round(v, 3) for v in values.tolist()]
    return fmt_text(rounded)


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
    torch = ORIGINALS["torch"]
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise CheckFailed(E_NOT_SCALAR, function=function, shape=str(tuple(value.shape)))
        return float(value.detach().reshape(()).item())
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise CheckFailed(E_NOT_NUMBER, function=function, value=fmt_text(value, 60))
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
    torch = ORIGINALS["torch"]
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
    twice = float(ORIGINALS["cross_entropy"](torch.softmax(logits, dim=1), labels))
    if _close(mine, twice):
        return H_TWICE
    return None


def _inputs(*pairs: tuple[str, Any]) -> str:
    return ", ".join(f"{name} = {_tensor(value)}" for name, value in pairs)


def check(ctx: Context) -> None:
    torch = ORIGINALS["torch"]
    my_mse = ctx.function("my_mse")
    my_ce = ctx.function("my_cross_entropy")
    generator = torch.Generator().manual_seed(SEED)
    cases = _mse_cases(torch, generator)
    for case, pred, target in cases:
        mine = _call_loss("my_mse", my_mse, pred, target)
        expected = float(ORIGINALS["mse_loss"](pred, target))
        if not _close(mine, expected):
            raise CheckFailed(E_MISMATCH, hint=_mse_hint(mine, expected, pred, target), function="my_mse",
                              reference="F.mse_loss", mine=fmt_num(mine), expected=fmt_num(expected), case=case,
                              inputs=_inputs(("pred", pred), ("target", target)))
    ctx.report.ok(OK_MSE, count=str(len(cases)))
    cases = _ce_cases(torch, generator)
    for case, logits, labels in cases:
        mine = _call_loss("my_cross_entropy", my_ce, logits, labels)
        expected = float(ORIGINALS["cross_entropy"](logits, labels))
        if not _close(mine, expected):
            raise CheckFailed(E_MISMATCH, hint=_ce_hint(mine, expected, logits, labels),
                              function="my_cross_entropy", reference="F.cross_entropy", mine=fmt_num(mine),
                              expected=fmt_num(expected), case=case,
                              inputs=_inputs(("logits", logits), ("labels", labels)))
    ctx.report.ok(OK_CE, count=str(len(cases)))
