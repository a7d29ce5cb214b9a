"""A seeded monkey: random keys from the app's whole key set, replayable.

The same seed gives the same choices, but the app's answers depend on timing
(a demo may or may not have finished when `s` arrives), so a failure is
reported with the exact keys that were sent, not only the seed: replay them
with tests/test_monkey.py::test_replay (its docstring says how).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

#: Keys that act on the lesson screen and its dialogs (the README's key table,
#: the what-if form's, the labs', and Textual's own navigation keys).
ACTION_KEYS = (
    "n", "p", "left", "right", "l", "b", "t", "g", "question_mark", "r", "s", "escape", "e", "x", "T",
    "tab", "shift+tab", "up", "down", "pageup", "pagedown", "home", "end", "enter", "space",
    "ctrl+p", "ctrl+s", "ctrl+r", "backspace", "delete",
    "c", "h", "i", "a", "R", "y",  # labs: check, hint, edit, solution, start over, confirm
    "f", "1", "2",  # the focus view; there y, tab, home/end, ←/→ and the digits act too
    ".", "o",  # step mode (with space): one optimizer step, the next watched optimizer
)
#: What a learner types into the what-if form, the lab editor, the glossary
#: filter and the palette: numbers and their near misses, other scripts'
#: digits, CJK, emoji, and the editing keys of a text field.
TEXT_KEYS = (
    *"0123456789", ".", "-", "+", "e", "E", ",", "[", "]", "(", ")", " ", "_", "=", "/", "%",
    "a", "d", "f", "i", "m", "n", "o", "t", "u", "w", "z",
    "学", "习", "率", "１", "٣", "²", "😀", "\u00e9",
    "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+x", "ctrl+v", "shift+left", "shift+end",
)
# Never chosen: q, ctrl+c and ctrl+q end the session. The monkey sends `q`
# only where it types a letter (a text field has the focus).
#: Recorded where the app ended itself (the palette's Quit command) and the
#: monkey carried on in a fresh app.
NEW_SESSION = "new-session"
#: Prefix of keys sent together: "burst:ctrl+p space pageup".
BURST = "burst:"
#: Prefix of text pasted (a terminal's bracketed paste): "paste:0.1, 1.2".
PASTE = "paste:"
#: What a learner may paste: values, near misses, markup and escape codes
#: (the app shows what was typed back in its messages), a long line, code
#: (nothing endless: a lab would run it until its CPU limit, a minute).
PASTES = (
    "0.1, 1.2", "nan", "1e309", "-5", "1000000000", "[/]", "[/b]", "[b]bold", "[link=x]", "\x1b[2J",
    "学习率 0.1", "9" * 300, "print('hi')\n", "x = [1,\n 2]", "   ",
)


@dataclass
class Script:
    """The keys a monkey sent, for the failure report and for replaying."""

    seed: int
    lang: str
    keys: list[str] = field(default_factory=list)
    pty: bool = False  # sent to the installed command in a real terminal…
    args: list[str] = field(default_factory=list)  # … started with these arguments,
    gap: float = 0.01  # … this many seconds apart,
    start: str | float = "screen"  # … from the first screen, from "launch", or this many seconds after it

    def report(self, problem: str) -> str:
        return (f"{problem}\nmonkey seed={self.seed} lang={self.lang}, after {len(self.keys)} keys.\n"
                f"Replay: GRADTOUR_MONKEY_REPLAY='{json.dumps(self.as_json())}' "
                f"python -m pytest tests/test_monkey.py::test_replay\n")

    def as_json(self) -> dict:
        return {"seed": self.seed, "lang": self.lang, "keys": self.keys, "pty": self.pty, "args": self.args,
                "gap": self.gap, "start": self.start}


class Monkey:
    """Chooses keys: mostly the screen's action keys, text where a field has the focus."""

    def __init__(self, seed: int, *, resize: bool = False) -> None:
        self.rng = random.Random(seed)
        self.resize = resize

    def next_key(self, typing: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            # Let demos make progress (and finish) between bursts of keys.
            return f"wait:{rng.choice((20, 100, 300))}"
        if self.resize and roll < 0.04:
            return rng.choice(("resize:60x20", "resize:100x30", "resize:76x20", "resize:80x24"))
        if roll < 0.06:
            return PASTE + rng.choice(PASTES)
        if roll < 0.1:
            # Keys typed quickly reach the app in one read of the terminal,
            # before it has acted on the first: sent together, with no pause.
            burst = [self._one(typing) for _ in range(rng.randint(2, 4))]
            return BURST + " ".join("space" if key == " " else key for key in burst)
        return self._one(typing)

    def _one(self, typing: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if typing and roll < 0.55:
            return rng.choice((*TEXT_KEYS, "q"))
        if rng.random() < 0.12:
            return rng.choice(TEXT_KEYS)  # a stray letter on the lesson screen
        return rng.choice(ACTION_KEYS)


#: What a terminal sends for the keys above that tests/terminal.py does not name.
PTY_KEYS = {
    "question_mark": "?", "space": " ", "shift+tab": "\x1b[Z", "delete": "\x1b[3~",
    "ctrl+a": "\x01", "ctrl+e": "\x05", "ctrl+k": "\x0b", "ctrl+u": "\x15", "ctrl+w": "\x17",
    "ctrl+x": "\x18", "ctrl+v": "\x16", "shift+left": "\x1b[1;2D", "shift+end": "\x1b[1;2F",
}


def burst_keys(key: str) -> list[str]:
    return key[len(BURST):].split(" ") if key.startswith(BURST) else [key]


def key_event(key: str):
    """The Key event Textual's Pilot.press would send for `key` (textual.app.App._press_keys)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)
