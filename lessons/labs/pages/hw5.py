"""The check of lab 8.hw5 (page 8.hw5.md): overfitting.

`accuracy` is right on five cases; the hidden rule and the training labels
are the lab's; the trained `model` scores at least TRAIN_FLOOR on its
training set and at least VAL_FLOOR on VAL_SIZE fresh examples of the rule,
which the check draws itself: what is judged is how well the rule was
learned, not the train–validation gap (a model equally poor on both has a
small gap). The page quotes these three numbers.
"""

from __future__ import annotations

import math

from lessons.course.i18n import N_
from lessons.labs.checks import CheckFailed, Context, ORIGINALS, SEED, fmt_text

TRAIN_FLOOR = 0.90
VAL_FLOOR = 0.90
VAL_SIZE = 2000

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


ACCURACY_CASES = (
    ([[2.0, 1.0], [0.5, 3.0], [1.0, -1.0], [0.2, 0.1]], [0, 1, 1, 0], 0.75),
    ([[0.1, 0.7, 0.2], [2.0, 0.0, 1.0], [0.0, 0.0, 5.0]], [1, 2, 2], 2 / 3),
    ([[3.0, -2.0], [-1.0, 4.0]], [0, 1], 1.0),
    ([[3.0, -2.0], [-1.0, 4.0], [0.3, 0.2]], [1, 0, 1], 0.0),
    ([[-0.5, 0.5]], [1], 1.0),
)


def _reference_accuracy(logits, labels) -> float:
    return float((logits.argmax(dim=1) == labels).float().mean())


def _check_accuracy(ctx: Context) -> None:
    torch = ORIGINALS["torch"]
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
            raise CheckFailed(E_ACCURACY, hint=hint, logits=repr(rows), labels=repr(labels), got=fmt_text(got, 40),
                              want=f"{want:.4g}")
    ctx.report.ok(OK_ACCURACY, count=str(len(ACCURACY_CASES)))


def check(ctx: Context) -> None:
    torch = ORIGINALS["torch"]
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
