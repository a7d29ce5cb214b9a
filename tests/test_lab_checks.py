"""Each lab's check passes the reference solution and fails typical wrong ones,
with a message that names what broke.

The checks run in this process (lessons.labs.sandbox.run_in_process, no
limits): the sandbox is tested in test_lab_sandbox.py. Variants shorten the
training where the failure they pin down comes before the numbers that need
a full run, to keep the suite fast.
"""

from __future__ import annotations

import importlib
import re
from importlib import resources

import pytest

from lessons import labs
from lessons.labs.checks import check_module, localize
from lessons.labs.pages import hw5
from lessons.labs.sandbox import run_in_process


def run(lab_id: str, code: str) -> tuple[str, dict | None, list[dict]]:
    events: list[dict] = []
    status = run_in_process(lab_id, code, events.append)
    verdict = next((e for e in events if e["event"] == "check"), None)
    return status, verdict, events


def solved(lab_id: str) -> str:
    return labs.get(lab_id).solution(str)


def variant(lab_id: str, *edits: tuple[str, str], base: str | None = None) -> str:
    """The solved file with each (old, new) edit made exactly once."""
    code = solved(lab_id) if base is None else base
    for old, new in edits:
        if old.startswith("^"):  # a whole top-level line: `^name = ` replaces its value
            code, count = re.subn(rf"{old}.*$", new, code, count=1, flags=re.M)
        else:
            count = code.count(old)
            code = code.replace(old, new, 1)
        assert count >= 1, f"{old!r} is not in the solution of {lab_id}"
    return code


def failure(lab_id: str, code: str) -> str:
    """The failing finding (and its hint) as English text; the check must have failed."""
    status, verdict, events = run(lab_id, code)
    errors = [e for e in events if e["event"] == "error"]
    assert status == "ok" and not errors, errors
    assert verdict is not None and not verdict["passed"], verdict
    last = verdict["findings"][-1]
    assert not last["ok"]
    return localize(last, str) + (" | " + localize(last["hint"], str) if last.get("hint") else "")


@pytest.mark.parametrize("lab_id", labs.LAB_IDS)
def test_the_reference_solution_passes(lab_id):
    status, verdict, events = run(lab_id, solved(lab_id))
    assert status == "ok", [e for e in events if e["event"] == "error"]
    assert verdict["passed"], [localize(f, str) for f in verdict["findings"]]
    assert all(f["ok"] for f in verdict["findings"])


@pytest.mark.parametrize("lab_id", labs.LAB_IDS)
def test_the_starting_code_fails(lab_id):
    failure(lab_id, labs.get(lab_id).starter(str))


def test_checks_are_deterministic():
    first = run("8.hw1", variant("8.hw1", ("return ((pred - target) ** 2).mean()",
                                            "return ((pred - target) ** 2).sum()")))[1]
    second = run("8.hw1", variant("8.hw1", ("return ((pred - target) ** 2).mean()",
                                             "return ((pred - target) ** 2).sum()")))[1]
    assert first == second


def test_every_lab_has_its_check_beside_its_page_and_every_check_its_page():
    # Found by name, not listed: a page without its module (or a module left
    # behind by a page that went) would otherwise show only when a learner checks.
    beside = {entry.name for entry in resources.files("lessons.labs.pages").iterdir()
              if re.fullmatch(r"hw[0-9]+\.py", entry.name)}
    assert beside == {check_module(lab_id).rpartition(".")[2] + ".py" for lab_id in labs.LAB_IDS}
    for lab_id in labs.LAB_IDS:
        assert (resources.files("lessons.labs.pages") / f"{lab_id}.md").is_file()
        assert callable(importlib.import_module(check_module(lab_id)).check)


# -- 8.hw1 -------------------------------------------------------------------------------

MSE = "return ((pred - target) ** 2).mean()"
CE = "return (torch.logsumexp(logits, dim=1) - true_logit).mean()"
ROWS = "torch.arange(len(labels)), labels"


@pytest.mark.parametrize("wrong, expected", [
    ((MSE, "return ((pred - target) ** 2).sum()"), ["my_mse", "F.mse_loss", "a random batch of 8", "not the sum"]),
    ((MSE, "return (pred - target).abs().mean()"), ["mean absolute error"]),
    ((MSE, "return ((pred - target) ** 2).mean().sqrt()"), ["square root"]),
    ((MSE, "return F.mse_loss(pred, target)"), ["calls F.mse_loss"]),
    ((CE, "return (torch.logsumexp(logits, dim=1) - true_logit).sum()"), ["my_cross_entropy", "not the sum"]),
    ((CE, "return (true_logit - torch.logsumexp(logits, dim=1)).mean()"), ["wrong sign"]),
    ((CE, f"return -torch.log(torch.softmax(logits, dim=1)[{ROWS}]).mean()"),
     ["logits in the hundreds", "logsumexp", "inf"]),
    ((CE, f"p = torch.softmax(logits, dim=1)\n    return (torch.logsumexp(p, dim=1) - p[{ROWS}]).mean()"),
     ["softmax was applied twice", "F.cross_entropy gives"]),
    ((CE, f"return -torch.log(logits[{ROWS}]).mean()"), ["my_cross_entropy gives nan", "logits = ["]),
    ((CE, "return F.cross_entropy(logits, labels)"), ["calls F.cross_entropy"]),
    ((CE, "return -(F.one_hot(labels, logits.shape[1]) * torch.log_softmax(logits, dim=1)).mean()"),
     ["my_cross_entropy gives", "factor of the number of classes"]),
    ((CE, f"return -torch.log_softmax(logits, dim=0)[{ROWS}].mean()"), ["a random batch of 8 with 3 classes"]),
])
def test_hw1_catches(wrong, expected):
    message = failure("8.hw1", variant("8.hw1", wrong))
    for text in expected:
        assert text in message, message


def test_hw1_unreduced_mse_fails_at_the_learners_line():
    code = variant("8.hw1", (MSE, "return (pred - target) ** 2"))
    status, verdict, events = run("8.hw1", code)
    error = next(e for e in events if e["event"] == "error")
    assert status == "error" and verdict is None and "mine.item()" in "\n".join(error["traceback"])


def test_hw1_accepts_a_python_float_and_float64():
    """The starter's own comparison must not be stricter than the check."""
    code = variant("8.hw1", (MSE, "return float(((pred - target) ** 2).mean())"),
                   (CE, "return (torch.logsumexp(logits.double(), dim=1) - true_logit).mean()"))
    status, verdict, events = run("8.hw1", code)
    assert status == "ok" and verdict["passed"], [e for e in events if e["event"] == "error"]


def test_hw1_accepts_log_softmax():
    code = variant("8.hw1", (CE, f"return -torch.log_softmax(logits, dim=1)[{ROWS}].mean()"))
    assert run("8.hw1", code)[1]["passed"]


# -- 8.hw2 -------------------------------------------------------------------------------

STEP = "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"
SHORT = ("^steps = ", "steps = 20")


@pytest.mark.parametrize("step, hint", [
    ("        loss.backward()\n        optimizer.step()\n", "Clear the old gradients"),
    ("        optimizer.zero_grad()\n        loss.backward()\n", "Nothing learns"),
    ("        optimizer.zero_grad()\n        optimizer.step()\n        loss.backward()\n", "Nothing learns"),
])
def test_hw2_catches_a_wrong_training_step(step, hint):
    message = failure("8.hw2", variant("8.hw2", (STEP, step), SHORT))
    assert "At step" in message and "lr=0.01" in message and hint in message, message


@pytest.mark.parametrize("edit, expected", [
    (("^best_lr = ", "best_lr = 1e-3"), ["lr=0.001 ended at loss", "another rate ended lower"]),
    (("^best_lr = ", "best_lr = 0.5"), ["not one of your rates"]),
    (("^best_lr = ", "best_lr = None"), ["Answer question 1", "best_lr"]),
    (("^why_smallest = ", 'why_smallest = "a"'), ["Not a.", "lr=1e-05", "gradient norm at the start"]),
    (("^why_smallest = ", 'why_smallest = "z"'), ["not one of the choices"]),
    (("^lrs = ", "lrs = [1e-3, 1e-2]"), ["1e-05 is missing"]),
])
def test_hw2_catches_wrong_answers(edit, expected):
    message = failure("8.hw2", variant("8.hw2", edit, SHORT))
    for text in expected:
        assert text in message, message


def test_hw2_answers_are_checked_against_the_run_made():
    """With SGD and 0.1 added, 0.1 ends lowest: the key of the default run fails, the run's own answer passes."""
    changed = (("^optimizer_name = ", 'optimizer_name = "sgd"'), ("^lrs = ", "lrs = [1e-5, 1e-4, 1e-3, 1e-2, 0.1]"),
               ("^steps = ", "steps = 100"))
    message = failure("8.hw2", variant("8.hw2", *changed))
    assert "lr=0.01 ended at loss" in message
    assert run("8.hw2", variant("8.hw2", *changed, ("^best_lr = ", "best_lr = 0.1")))[1]["passed"]


# -- 8.hw3 -------------------------------------------------------------------------------

ADAM = "return torch.optim.Adam(params, lr=lr_adam)"
ADAMW = "return torch.optim.AdamW(\n        params, lr=lr_adamw, weight_decay=weight_decay\n    )"
STEPS_BODY = "        if value < threshold:\n            return index + 1\n    return None"


@pytest.mark.parametrize("edit, expected", [
    ((ADAMW, "return torch.optim.Adam(params, lr=lr_adamw, weight_decay=weight_decay)"),
     ["make_optimizer('adamw') returns torch.optim.Adam", "torch.optim.AdamW"]),
    ((ADAMW, "return torch.optim.AdamW(params, lr=lr_adamw)"),
     ["weight decay 0.01 whatever weight_decay is", "weight_decay = 0.0456", "Pass weight_decay=weight_decay"]),
    ((ADAM, "return torch.optim.Adam(params, lr=lr_adamw)"), ["takes its learning rate from lr_adamw", "use lr_adam."]),
    ((ADAM, "return torch.optim.Adam(params, lr=0.01)"),
     ["learning rate 0.01 whatever lr_adam is", "lr_adam = 0.0234", "Pass lr=lr_adam, not a number"]),
    ((ADAM, "return torch.optim.Adam(params, lr=0.003)"), ["learning rate 0.003", "lr_adam, which is 0.01 in your file"]),
    ((ADAM, "return torch.optim.Adam(params, lr=lr_adam, weight_decay=weight_decay)"),
     ["weight decay belongs to AdamW"]),
    ((STEPS_BODY, "        if value < threshold:\n            return index\n    return None"), ["index of the first"]),
    ((STEPS_BODY, "        if value <= threshold:\n            return index + 1\n    return None"),
     ["equal to the threshold"]),
    ((STEPS_BODY, "        if value < threshold:\n            return index + 1\n    return 0"), ["return None"]),
    (("    for index, value in enumerate(losses):\n" + STEPS_BODY,
      "    found = None\n    for index, value in enumerate(losses):\n        if value < threshold:\n"
      "            found = index + 1\n    return found"), ["first step below"]),
])
def test_hw3_catches_wrong_functions(edit, expected):
    message = failure("8.hw3", variant("8.hw3", edit, ("^max_steps = ", "max_steps = 10")))
    for text in expected:
        assert text in message, message


@pytest.mark.parametrize("edit, expected", [
    (("^fastest = ", 'fastest = "adam"'), ["fastest = 'adam' does not match your run"]),
    (("^adam_vs_adamw = ", 'adam_vs_adamw = "a"'), ["adam_vs_adamw = 'a' does not match", "a tenth of Adam's steps is 7.2"]),
    (("^fastest = ", 'fastest = ""'), ["Answer question 1"]),
])
def test_hw3_catches_wrong_answers(edit, expected):
    message = failure("8.hw3", variant("8.hw3", edit))
    for text in expected:
        assert text in message, message


def test_hw3_answers_are_checked_against_the_run_made():
    slow_sgd = ("^lr_sgd = ", "lr_sgd = 0.01")
    assert "fastest = 'sgd' does not match" in failure("8.hw3", variant("8.hw3", slow_sgd))
    assert run("8.hw3", variant("8.hw3", slow_sgd, ("^fastest = ", 'fastest = "adamw"')))[1]["passed"]


# -- 8.hw4 -------------------------------------------------------------------------------

CLIP = "            torch.nn.utils.clip_grad_norm_(\n                model.parameters(), max_norm\n            )\n"
STEP4 = "        optimizer.step()\n"


def hw4(*edits):
    return variant("8.hw4", *edits)


HW4_IDS = ["clip-after-step", "clip-before-backward", "clip-to-other-value", "clip-by-value", "max-norm-too-large",
           "max-norm-spikes", "max-norm-too-small", "no-explosion", "clipped-both-runs", "negative-max-norm"]


@pytest.mark.parametrize("code, expected", ids=HW4_IDS, argvalues=[
    (hw4((CLIP + STEP4, "            pass\n" + STEP4 + "        if clip:\n" + CLIP), ("^steps = ", "steps = 20")),
     ["step 0", "above max_norm = 10", "clip after loss.backward() and before optimizer.step()"]),
    (hw4((CLIP, "            pass\n"), ("        optimizer.zero_grad()\n", "        optimizer.zero_grad()\n"
          "        if clip:\n            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n"),
         ("^steps = ", "steps = 20")),
     ["above max_norm", "unclipped"]),
    (hw4(("model.parameters(), max_norm\n", "model.parameters(), 0.1\n"), ("^steps = ", "steps = 20")),
     ["was shortened to 0.1", "not to max_norm = 10"]),
    (hw4(("clip_grad_norm_(\n                model.parameters(), max_norm",
          "clip_grad_value_(\n                model.parameters(), max_norm"), ("^steps = ", "steps = 20")),
     ["max_norm = 10"]),
    (hw4(("^max_norm = ", "max_norm = 1000.0")), ["Even with clipping", "smaller max_norm"]),
    (hw4(("^max_norm = ", "max_norm = 100.0")), ["climbed to 452", "at step 3, 943 times its first value 47.97",
                                                 "before it fell again", "smaller max_norm"]),
    (hw4(("^max_norm = ", "max_norm = 0.0001")), ["below a tenth of its first value"]),
    (hw4(("^gain = ", "gain = 1.0"), ("^steps = ", "steps = 20")), ["no longer explodes", "gain 1.1"]),
    (hw4(("        if clip:\n", "        if True:\n"), ("^steps = ", "steps = 20")), ["no longer explodes"]),
    (hw4(("^max_norm = ", "max_norm = -1")), ["positive number"]),
])
def test_hw4_catches(code, expected):
    message = failure("8.hw4", code)
    for text in expected:
        assert text in message, message


def test_hw4_accepts_clipping_by_hand():
    by_hand = ("            norm_all = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))\n"
               "            if norm_all > max_norm:\n"
               "                for p in model.parameters():\n"
               "                    p.grad *= max_norm / norm_all\n")
    assert run("8.hw4", hw4((CLIP, by_hand)))[1]["passed"]


# -- 8.hw5 -------------------------------------------------------------------------------

ACC = "    return (predicted == y).float().mean()"


@pytest.mark.parametrize("edit, expected", [
    ((ACC, "    return (predicted == y).sum()"), ["returns tensor(3)", "should return 0.75", "fraction"]),
    ((ACC, "    return 100 * (predicted == y).float().mean()"), ["should return 0.75"]),
    (("    predicted = logits.argmax(dim=1)", "    predicted = (logits[:, 1] > 0.5).long()"),
     ["returns tensor(0.5000)", "should return 0.75", "argmax along dim=1"]),
    (("^n_train = ", "n_train = 20"), ["Validation accuracy 0.", "2000 fresh examples", "below 0.90"]),
    (("^epochs = ", "epochs = 1"), ["below the floor of 0.90"]),
    (("^true_w = ", "true_w = torch.ones(100)"), ["hidden rule has changed"]),
    (("^X_val, y_val = ", "X_val, y_val = make_data(500)\ny_train = 1 - y_train"),
     ["labels no longer follow the hidden rule", "10000 of 10000"]),
])
def test_hw5_catches(edit, expected):
    message = failure("8.hw5", variant("8.hw5", edit, ("^epochs = ", "epochs = 30") if "epochs" not in edit[0]
                                       else ("^hidden = ", "hidden = 16")))
    for text in expected:
        assert text in message, message


def test_hw5_states_the_numbers_its_check_uses():
    prose = "\n".join(b.text for b in labs.get("8.hw5").lesson.blocks if b.kind != "code")
    assert f"{hw5.TRAIN_FLOOR:.2f}" in prose and f"{hw5.VAL_FLOOR:.2f}" in prose
    assert str(hw5.VAL_SIZE) in prose


# -- errors in the learner's code -------------------------------------------------------


def test_an_exception_inside_a_checked_function_points_at_the_learners_line():
    code = variant("8.hw1", (MSE, "return pred.no_such_method()"))
    status, verdict, events = run("8.hw1", code)
    error = next(e for e in events if e["event"] == "error")
    assert status == "error" and verdict is None
    line = code.splitlines().index("    return pred.no_such_method()") + 1
    assert error["line"] == line and 'File "8.hw1.py"' in "\n".join(error["traceback"])
    assert "checks.py" not in "\n".join(error["traceback"])
    # The check that called my_mse is a module of its own (pages/hw1.py): none of its frames either.
    frames = [line for line in error["traceback"] if line.lstrip().startswith("File ")]
    assert frames and all(line.lstrip().startswith('File "8.hw1.py"') for line in frames), frames


def test_a_syntax_error_names_the_line():
    code = solved("8.hw3").replace("def steps_to_threshold(losses, threshold):",
                                   "def steps_to_threshold(losses, threshold)")
    status, verdict, events = run("8.hw3", code)
    error = next(e for e in events if e["event"] == "error")
    assert error["kind"] == "syntax" and verdict is None
    assert code.splitlines()[error["line"] - 1].startswith("def steps_to_threshold")


def test_a_missing_optimizer_reads_none():
    from lessons.labs.pages.hw3 import _class_name

    assert _class_name(None) == "None" and _class_name(3) == "int"
