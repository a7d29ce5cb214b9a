"""Chart titles that fit a width without being cut inside a word, a number or a name.

A title is cut only between tokens: a run of Latin letters, digits and
ASCII punctuation ("lr", "1e-4", "LR=0.1") is one token, two such runs joined
by a spaced operator ("lr = 1e-4", "(w - 5)^2") are one, and so is each CJK
character or full-width punctuation mark (Chinese has no spaces, and a break
between two characters is where Chinese text wraps anyway).

Two ways to fit, both measured in terminal cells:

* `wrap`: the whole title over as many lines as it needs (the focus view,
  `gradtour run`);
* `shorten`: one line, by a rule a reader can follow: first a trailing
  remark in parentheses goes ("w per step at lr = 1e-4 (the target is
  w = 5)" keeps the learning rate), then whole tokens from the end; "…"
  says something was left out, and the focus view shows the whole title.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

__all__ = ["ELLIPSIS", "shorten", "tokens", "wrap"]

ELLIPSIS = "…"

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
#: A remark in parentheses at the very end: " (the target is w = 5)" or "（目标是 w = 5）".
_TRAILING_REMARK = re.compile(r"\s*(\([^()]*\)|（[^（）]*）)\s*$")
#: Not worth ending a shortened line on, before the "…".
_DANGLING = " ,;:，；：、"


#: An operator between two words binds them: "w = 5", "lr = 1e-4" and
#: "(w - 5)^2" are not broken at their spaces.
_OPERATORS = frozenset({"=", "-", "+", "*", "/", "<", ">", "->", "≈", "×"})


def tokens(text: str) -> list[str]:
    """`text` as the pieces it may be cut between (spaces are pieces of their own)."""
    pieces = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        # word, space, operator, space, word → one piece
        while (i + 4 < len(pieces) and pieces[i + 1].isspace() and pieces[i + 2] in _OPERATORS
               and pieces[i + 3].isspace() and not pieces[i + 4].isspace()):
            piece += "".join(pieces[i + 1:i + 5])
            i += 4
        out.append(piece)
        i += 1
    return out


def _hard_crop(text: str, width: int) -> str:
    # Only a single token wider than the whole line gets here: nothing else fits.
    return set_cell_size(text, max(0, width - 1)).rstrip() + ELLIPSIS if width >= 1 else ""


def _cut(text: str, width: int) -> str:
    """The longest run of whole tokens from the start that fits with an ellipsis."""
    out = ""
    for token in tokens(text):
        if cell_len((out + token).rstrip(_DANGLING)) + cell_len(ELLIPSIS) > width:
            break
        out += token
    out = out.rstrip(_DANGLING)
    return out + ELLIPSIS if out else _hard_crop(text, width)


def shorten(text: str, width: int) -> str:
    """`text` on one line of at most `width` cells, cut only between tokens."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return text
    bare = _TRAILING_REMARK.sub("", text)
    if bare and bare != text:
        if cell_len(bare) + 1 + cell_len(ELLIPSIS) <= width:
            return f"{bare} {ELLIPSIS}"
        text = bare
    return _cut(text, width)


def wrap(text: str, width: int) -> list[str]:
    """`text` over lines of at most `width` cells, broken only between tokens."""
    width = max(1, int(width))
    lines: list[str] = []
    line = ""
    for token in tokens(" ".join(text.split())):
        if token.isspace():
            if line:
                line += " "
            continue
        if cell_len(line + token) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token if cell_len(token) <= width else _hard_crop(token, width)
    if line.strip():
        lines.append(line.rstrip())
    return lines
