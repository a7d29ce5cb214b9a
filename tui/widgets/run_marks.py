"""The learner's own run, in the prose: which quotes it confirmed, what it printed.

After a demo run, each number the lesson quotes (its claims, FORMAT.md) is
looked up in the lines the run printed: a quote the run confirmed gets a ✓
(and the run's own digits, where the quote is rounded: "about 1.8 ✓ (your
run: 1.8222)"); one where the run printed another value shows it beside the
reference ("0.0300 (your run: 0.0412)"); and while the learner's parameters differ
from the lesson's, the quotes say that they belong to the default settings.
`gradtour show` and an unrun lesson keep the reference text.

Only printed lines are read, never torch. In Chinese mode a demo may print
its labels in Chinese, where an English pattern finds no line: an exact quote
is then confirmed by its number alone, and a number with a tolerance, which
cannot be told from its neighbours without its label, gets no mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lessons.course.catalog import Lesson
from lessons.course.claims import parse_number
from tui.i18n import N_, _

__all__ = ["Mark", "RunMarks", "annotate", "marks_for_run"]

MSG_YOUR_RUN = N_("(your run: {value})")
MSG_DEFAULTS = N_("(for the default settings)")
MSG_DEFAULTS_YOUR_RUN = N_("(for the default settings; your run: {value})")
CONFIRMED = "✓"

#: Blocks whose text quotes numbers (code prints them, it does not quote them).
_PROSE_KINDS = ("paragraph", "list", "table", "note", "heading")
_CODE_SPAN = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Mark:
    """What the learner's run says about one quote of the prose."""

    prose: str
    #: the number the run printed for it; None: no line of the run shows it
    printed: str | None
    confirmed: bool
    #: the run used other parameter values than the lesson's defaults
    other_settings: bool

    def suffix(self) -> str:
        """The text put after the quote, in the UI's language ("" for none).

        A rounded quote that the run confirmed still shows the run's own
        digits: "about 1.8 ✓ (your run: 1.8222)".
        """
        if self.printed is None:
            return _(MSG_DEFAULTS) if self.other_settings else ""
        template = MSG_DEFAULTS_YOUR_RUN if self.other_settings and not self.confirmed else MSG_YOUR_RUN
        your_run = _(template).format(value=self.printed)
        if not self.confirmed:
            return your_run
        if parse_number(self.printed) == parse_number(self.prose):
            return CONFIRMED
        return CONFIRMED + ("" if your_run.startswith("（") else " ") + your_run


#: A lesson's marks: hashable, so that rendered blocks are cached by them.
RunMarks = tuple[Mark, ...]


def marks_for_run(lesson: Lesson, lines: Iterable[str], other_settings: bool,
                  labels_translated: bool = False) -> RunMarks:
    """The marks of a finished run of `lesson` that printed `lines`.

    `labels_translated`: the run printed in another language than the
    claims' patterns (English), so a line that none matches may still hold
    an exact quote's number.
    """
    output = "\n".join(lines)
    marks = []
    for claim in lesson.claims:
        finding = claim.check(output)
        if finding.printed is None and labels_translated:
            finding = claim.check_number_only(output)
        marks.append(Mark(claim.prose, finding.printed, finding.holds, other_settings))
    return _merged(marks)


def _merged(marks: list[Mark]) -> RunMarks:
    """One mark per quote: a quote claimed twice (two printed lines) is
    confirmed when every claim of it is, else it shows the first difference."""
    by_prose: dict[str, Mark] = {}
    for mark in marks:
        kept = by_prose.get(mark.prose)
        if kept is None or (kept.confirmed and not mark.confirmed):
            by_prose[mark.prose] = mark
    return tuple(by_prose.values())


def annotate(kind: str, text: str, marks: RunMarks) -> str:
    """`text` (a block's Markdown, localized) with each quote's mark after it.

    A quote is matched as a whole number (1.8 is not the start of 1.85) and
    never inside a `code span`.
    """
    if not marks or kind not in _PROSE_KINDS:
        return text
    wanted = {mark.prose: suffix for mark in marks if (suffix := mark.suffix())}
    if not wanted:
        return text
    quotes = "|".join(re.escape(prose) for prose in sorted(wanted, key=len, reverse=True))
    # The space Chinese puts between a number and the characters after it:
    # a full-width bracket brings its own.
    pattern = re.compile(rf"(?<![\w.])({quotes})(?![\w]|\.\d)( (?=[^\x00-\x7f]))?")

    def mark(match: re.Match[str]) -> str:
        suffix = wanted[match.group(1)]
        gap = "" if suffix.startswith("（") else " "
        after = "" if suffix.endswith("）") else match.group(2) or ""
        return f"{match.group(1)}{gap}{suffix}{after}"

    pieces, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        pieces.append(pattern.sub(mark, text[last:span.start()]))
        pieces.append(span.group())
        last = span.end()
    pieces.append(pattern.sub(mark, text[last:]))
    return "".join(pieces)
