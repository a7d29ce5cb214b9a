"""What the terminal at the other end can do, judged from what ssh forwards.

ssh forwards TERM (and, with the usual AcceptEnv, LANG/LC_*), never
COLORTERM: a truecolor terminal reached over ssh looks like a 256-colour one.
So the colour system is decided from TERM alone, once, here, and handed to
Textual through TEXTUAL_COLOR_SYSTEM (read when Textual is imported), so that
the theme chosen for the terminal and the colours Textual writes can never
disagree.

    TERM                            colours
    *-direct, COLORTERM=truecolor   truecolor (16 million)
    *-256color, xterm-kitty, …      256
    xterm, screen, linux, vt220, …  16
    dumb, unknown, unset            not drawable: print the non-interactive hint

NO_COLOR (https://no-color.org) is Textual's to honour: it draws in shades of
grey, keeping selections and the focused pane visible.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import TextIO

TRUECOLOR = "truecolor"
EIGHT_BIT = "256"
STANDARD = "standard"

#: Set by textual-serve (web mode) and by anyone choosing Textual's driver:
#: then the app talks to pipes, not a terminal, and that is fine.
DRIVER_ENV = "TEXTUAL_DRIVER"
FPS_ENV = "TEXTUAL_FPS"
#: Screen updates a second at most (Textual's default is 60; see prepare).
FPS = 1000
COLOR_ENV = "TEXTUAL_COLOR_SYSTEM"

#: TERM values that cannot place the cursor: no TUI can be drawn there.
UNDRAWABLE = frozenset({"", "dumb", "unknown"})
#: Terminals whose TERM names no colour count but which have at least 256.
_KNOWN_256 = frozenset({"xterm-kitty", "xterm-ghostty", "alacritty", "foot", "wezterm", "contour"})


def term(environ: Mapping[str, str]) -> str:
    return environ.get("TERM", "").strip().lower()


def colour_system(environ: Mapping[str, str]) -> str:
    """TEXTUAL_COLOR_SYSTEM if the learner set one, else the judgement from TERM."""
    chosen = environ.get(COLOR_ENV, "").strip().lower()
    if chosen and chosen != "auto":
        return chosen
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return TRUECOLOR
    name = term(environ)
    if name.endswith("-direct") or name.endswith("-truecolor"):
        return TRUECOLOR
    if "256color" in name or name in _KNOWN_256:
        return EIGHT_BIT
    return STANDARD


def prepare(environ: MutableMapping[str, str] | None = None) -> str:
    """Fix the colour system for Textual (call before importing textual); returns it."""
    environ = os.environ if environ is None else environ
    system = colour_system(environ)
    environ[COLOR_ENV] = system
    # Textual's screen updates run on a grid of 1/FPS, and after an update
    # that came off the grid (the timer was paused, then resumed) its timer
    # skips ahead and sleeps one to two periods: a key pressed in that time
    # after a chart's frame waits for it. At Textual's default 60 keys during
    # a run had a p95 of 31-39 ms against 7 ms without one; at 120, 8-20 ms;
    # on the landscape at 240, 11-13 ms against 3-4 ms idle; at 1000, 4 ms
    # (bench/FINDINGS.md, finding 16). The cap only binds when updates come
    # faster than that, and the timer sleeps while nothing is dirty: demos
    # draw ten or twelve times a second, and a key is one update.
    environ.setdefault(FPS_ENV, str(FPS))
    return system


def cannot_draw(stdin: TextIO, stdout: TextIO, environ: Mapping[str, str]) -> bool:
    """True when a TUI cannot be shown: not a terminal, or one that cannot move the cursor."""
    if environ.get(DRIVER_ENV):
        return False
    if not (stdin.isatty() and stdout.isatty()):
        return True
    return term(environ) in UNDRAWABLE
