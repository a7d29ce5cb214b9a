"""Line breaking for Chinese text.

Rich (and Textual, which wraps with Rich's `divide_line`) breaks lines only
at spaces. Chinese has none, so a whole clause was one unbreakable "word":
lines came out ragged, or a run was chopped anywhere, leaving a line that
starts with "，" or ends with "（". Here every CJK character is its own word,
with the simplest line-breaking rules of Chinese typesetting (kinsoku):
closing punctuation stays with the character before it, opening punctuation
with the one after. Latin words, numbers and code keep breaking at spaces.
"""

from __future__ import annotations

import re

import rich._wrap

IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: May not begin a line.
CLOSING = "，。、；：！？）」』》〉】〕”’…—％～·．"
#: May not end a line.
OPENING = "（「『《〈【〔“‘"

WORD = re.compile(
    rf"\s*(?:[{OPENING}]*(?:[{IDEOGRAPHS}]|[^\s{IDEOGRAPHS}{OPENING}{CLOSING}]+)[{CLOSING}]*"
    rf"|[{OPENING}]+|[{CLOSING}]+)\s*"
)

_ORIGINAL = rich._wrap.re_word


def install() -> None:
    """Make Rich's (and so Textual's) wrapping CJK-aware; idempotent."""
    rich._wrap.re_word = WORD


def uninstall() -> None:
    rich._wrap.re_word = _ORIGINAL
