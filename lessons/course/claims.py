"""The numbers a lesson quotes, and how a run's output is checked against them.

A claim ties a quote in the prose to a line the demo prints (FORMAT.md,
"Claims"). It is checked one of two ways:

* **exact** (the default): the demo prints `output` verbatim. For results
  that the math fixes (8.1's MSE, 8.3's factors, 2^50), which every CPU,
  thread count and GPU prints alike.
* **number**: `output` is a pattern, `{}` standing for a number and `...`
  for any text on the same line; the number printed there must lie within
  `tolerance` of `value`. For results that depend on the order of
  floating-point operations (a long training, an argmin epoch): another
  CPU, thread count or a GPU prints other last digits, and the prose quotes
  them at the precision that holds.

The same matching serves the tests (is the lesson still true?) and the
lesson view (did the learner's own run confirm the quote, and what did it
print?). Either way it reads only the printed lines, never torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Claim", "ClaimError", "Finding", "NUMBER", "parse_claim", "parse_claims", "parse_number"]

#: A number as Python's format() prints one: 25, -0.80, 2.38e-08, 1.13e+15, inf.
NUMBER = r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf|nan)"
_NUMBER_TOKEN = re.compile(rf"(?<![\w.]){NUMBER}(?![\w.])")
_SLOT = "{}"
_ANY = "..."


class ClaimError(ValueError):
    """A claim in a lesson's front matter that does not follow FORMAT.md."""


def parse_number(text: str) -> float | None:
    """The value of a printed number, None for text that is not one."""
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Finding:
    """What one run printed for one claim."""

    #: the number as printed, None when the run printed no line the claim reads
    printed: str | None
    #: the printed line satisfies the claim (exact text, or within tolerance)
    holds: bool


@dataclass(frozen=True)
class Claim:
    prose: str
    output: str
    #: number claims only: the reference value and how far a run may be from it
    value: float | None = None
    abs_tol: float = 0.0
    rel_tol: float = 0.0

    @property
    def exact(self) -> bool:
        return self.value is None

    @property
    def tolerance(self) -> float:
        """How far a printed number may lie from `value` (number claims)."""
        return max(self.abs_tol, self.rel_tol * abs(self.value or 0.0))

    def pattern(self) -> re.Pattern[str]:
        """A regex for the claim's printed line; its group, if any, is the number.

        An exact claim's group is the number of `output` that equals the
        prose's, so that a run that printed another value still shows it;
        where the prose is not one number of the line, there is no group.
        """
        template = self.output
        if self.exact and (slot := _slot_in(template, self.prose.strip())):
            template = template[:slot[0]] + _SLOT + template[slot[1]:]
        return _compile(template)

    def check(self, output: str) -> Finding:
        """What `output` (a run's printed lines, joined by newlines) says.

        An exact claim holds where its text is printed (`...` spanning any
        text of a line), a number claim where the first line its pattern
        matches prints a number within the tolerance.
        """
        pattern = self.pattern()
        if self.exact:
            verbatim = _compile(self.output).search(output)
            # The number of the verbatim line, else of the line that printed another.
            line = pattern.fullmatch(verbatim.group()) if verbatim else pattern.search(output)
            printed = (line.group(1) if pattern.groups else self.prose) if line else None
            return Finding(printed, verbatim is not None)
        line = pattern.search(output)
        if line is None:
            return Finding(None, False)
        number = parse_number(line.group(1))
        return Finding(line.group(1), number is not None and abs(number - self.value) <= self.tolerance)

    def check_number_only(self, output: str) -> Finding:
        """An exact claim confirmed by its number alone, wherever it is printed.

        For output whose labels are in another language than `output`'s
        (a Chinese run): the line cannot be found, but a number that the math
        fixes is the same in any language. A number claim cannot be told from
        its neighbours without its label: nothing found.
        """
        slot = _slot_in(self.output, self.prose.strip()) if self.exact else None
        if slot is None:
            return Finding(None, False)
        number = self.output[slot[0]:slot[1]]
        found = any(token.group() == number for token in _NUMBER_TOKEN.finditer(output))
        return Finding(self.prose if found else None, found)

    def describe(self) -> str:
        """The claim for an assertion message."""
        if self.exact:
            return f"{self.output!r} printed verbatim"
        return f"{self.output!r} with {{}} = {self.value} ± {self.tolerance:g}"


def _slot_in(line: str, prose: str) -> tuple[int, int] | None:
    """Where `line` prints the prose's number: the same text, else the same value."""
    tokens = list(_NUMBER_TOKEN.finditer(line))
    value = parse_number(prose)
    for same in (lambda text: text == prose, lambda text: value is not None and parse_number(text) == value):
        for token in tokens:
            if same(token.group()):
                return token.span()
    return None


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\}|\.\.\.)", template)
    regex = "".join(f"({NUMBER})" if part == _SLOT else ".*" if part == _ANY else re.escape(part)
                    for part in parts)
    return re.compile(regex)


def parse_claim(raw: Any) -> Claim:
    """A claim from its front-matter mapping; ClaimError says what is wrong."""
    if not isinstance(raw, Mapping):
        raise ClaimError(f"a claim is a mapping with prose and output, not {raw!r}")
    unknown = set(raw) - {"prose", "output", "value", "tolerance"}
    if unknown:
        raise ClaimError(f"claim {raw!r}: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        prose, output = str(raw["prose"]), str(raw["output"])
    except KeyError as exc:
        raise ClaimError(f"claim {raw!r} lacks {exc}") from None
    if "tolerance" not in raw:
        if "value" in raw:
            raise ClaimError(f"claim {raw!r}: a value needs a tolerance")
        return Claim(prose, output)
    if output.count(_SLOT) != 1:
        raise ClaimError(f"claim {raw!r}: a number claim's output has exactly one {_SLOT}")
    value = raw.get("value", prose)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else parse_number(str(value))
    if number is None or not math.isfinite(number):
        raise ClaimError(f"claim {raw!r}: value must be a finite number (or the prose one)")
    abs_tol, rel_tol = _tolerance(raw["tolerance"], raw)
    return Claim(prose, output, float(number), abs_tol, rel_tol)


def _tolerance(raw: Any, claim: Any) -> tuple[float, float]:
    """`0.05` (absolute) or `"5%"` (relative to the value)."""
    text = str(raw).strip()
    relative = text.endswith("%")
    number = parse_number(text[:-1] if relative else text)
    if number is None or not math.isfinite(number) or number < 0 or isinstance(raw, bool):
        raise ClaimError(f"claim {claim!r}: tolerance must be a number >= 0 or a percentage like \"5%\"")
    return (0.0, number / 100) if relative else (number, 0.0)


def parse_claims(raws: Iterable[Any]) -> tuple[Claim, ...]:
    return tuple(parse_claim(raw) for raw in raws)
