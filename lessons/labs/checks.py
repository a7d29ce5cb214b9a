"""What every lab's check shares, and how a lab's check is found.

A check runs right after the learner's file, in the same process (the
sandboxed child of lessons/labs/sandbox.py), with the file's namespace and a
recording of every chart point it drew. It calls the learner's functions on
inputs of its own, compares with a reference it computes itself, and reads
the answers to the questions (labs 2 and 3) against the run that was just
made. It never trusts a number the learner's code prints.

Deterministic: the checks' own inputs come from a generator seeded with
SEED, and every training run the check makes or reads starts from the lab's
own seeded `make_model()`.

Each lab's check is a module beside its page, named after it: 8.hwN.md and
hwN.py in lessons/labs/pages/ (rustlings' exercise and check side by side).
Its `check(ctx)` reports each criterion the code meets (`ctx.report.ok`)
and raises CheckFailed at the first it misses; its docstring says what it
decides, as its page does in prose. `run_check` finds the module by the
lab's id, so a new lab is a page and a module, and nothing here changes.

Templates are marked N_ (the "tui" domain): the UI translates findings when
it shows them. Numbers are formatted here, as text, so an event never holds
a NaN.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lessons.course.i18n import N_

__all__ = ["CheckFailed", "Context", "E_MISSING", "E_NOT_A_CHOICE", "E_NOT_CALLABLE", "E_NO_CURVE", "E_UNANSWERED",
           "ORIGINALS", "SEED", "check_module", "choice", "fmt_loss", "fmt_num", "fmt_rate", "fmt_text", "localize",
           "message", "prepare", "run_check", "same"]

SEED = 8

# -- messages more than one lab's check gives ------------------------------------

E_MISSING = N_("Your code no longer defines {name}, which the check needs.")
E_NOT_CALLABLE = N_("{name} should be a function, but it is a {kind}.")
E_NO_CURVE = N_("The chart has no curve {series}: keep the starter's chart.add line, the check reads your run from it.")
E_UNANSWERED = N_("Answer question {number}: set {name} at the end of the file.")
E_NOT_A_CHOICE = N_("{name} = {answer} is not one of the choices {choices}.")

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
class Context:
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


ORIGINALS: dict[str, Any] = {}


def prepare() -> None:
    """Keep PyTorch's own losses before the learner's code could replace them."""
    import torch
    import torch.nn.functional as F

    ORIGINALS.update(mse_loss=F.mse_loss, cross_entropy=F.cross_entropy, nll_loss=F.nll_loss, torch=torch)


def run_check(lab_id: str, namespace: dict, chart: Any, charts: dict) -> dict:
    """The `check` event for the learner's run: passed, and what was found.

    Exceptions raised by the learner's functions propagate (the runner
    reports them at the learner's line); a bug of a check becomes a finding.
    """
    if not ORIGINALS:
        prepare()
    report = _Report()
    context = Context(lab_id, namespace, chart, charts, report)
    passed = False
    try:
        importlib.import_module(check_module(lab_id)).check(context)
        passed = True
    except CheckFailed as failed:
        finding = {"ok": False, **message(failed.template, **failed.arguments)}
        if failed.hint:
            finding["hint"] = message(failed.hint)
        report.findings.append(finding)
    return {"event": "check", "lab": lab_id, "passed": passed, "findings": report.findings}


def check_module(lab_id: str) -> str:
    """The module of a lab's check: `lessons.labs.pages.hw1` for 8.hw1, beside
    its page 8.hw1.md (without the chapter: a module name cannot start with a
    digit)."""
    _, _, name = lab_id.partition(".")
    return f"lessons.labs.pages.{name}"


# -- formatting -------------------------------------------------------------------


def fmt_num(value: float) -> str:
    return f"{value:.6g}"


def fmt_loss(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) and abs(value) < 1e5 else f"{value:.4g}"


def fmt_rate(value: float) -> str:
    return f"{value:g}"


def fmt_text(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- answers ----------------------------------------------------------------------


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def choice(ctx: Context, name: str, number: int, choices: tuple[str, ...]) -> str:
    value = ctx.namespace.get(name)
    if value is None or value == "":
        raise CheckFailed(E_UNANSWERED, number=str(number), name=name)
    answer = str(value).strip().strip("()\"'. ").lower()
    # An answer copied with its option's text ("b: its steps are tiny") is that option.
    copied = re.match(r"([a-z]+)\s*[:.)]", answer)
    if answer not in choices and copied and copied.group(1) in choices:
        answer = copied.group(1)
    if answer not in choices:
        raise CheckFailed(E_NOT_A_CHOICE, name=name, answer=fmt_text(value, 40), choices=", ".join(choices))
    return answer


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
