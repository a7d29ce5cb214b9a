"""The colour themes a learner can cycle through, and the one to start with.

Four, not Textual's twenty: each exists for a reason a learner can name.
Textual's own light theme colours headings orange on light grey (about 2:1),
so the light and high-contrast themes here are our own, with every pair of
text and background colours at least WCAG AA (4.5:1), high contrast at AAA
(7:1); tests/test_terminals.py measures them.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.color_triplet import ColorTriplet as rgb
from rich.terminal_theme import TerminalTheme
from textual.theme import Theme

from tui.i18n import N_, _
from tui.terminal_env import STANDARD

DARK = "textual-dark"
LIGHT = "gradtour-light"
HIGH_CONTRAST = "gradtour-high-contrast"
#: The terminal's own palette and background: the one theme that looks right
#: on a 16-colour console whatever colours its owner chose.
TERMINAL = "ansi-dark"

LIGHT_THEME = Theme(
    name=LIGHT,
    dark=False,
    primary="#004578",
    secondary="#0060a8",
    accent="#8a4500",
    warning="#8a4500",
    error="#a4002a",
    success="#1b6b34",
    foreground="#1a1a1a",
    background="#f4f4f4",
    surface="#e8e8e8",
    panel="#dcdcdc",
    variables={
        "footer-key-foreground": "#004578",
        "primary-background": "#cfe0f0",  # the top bar: dark text on it
        "text": "#1a1a1a",
        "text-muted": "#4a4a4a",
        "block-cursor-foreground": "#ffffff",
    },
)

#: The 16 ANSI colours in a light theme. Code is highlighted with ANSI
#: colours (so that 16-colour terminals show it in their own palette), and
#: Textual's light palette draws keywords and numbers in bright yellow, green
#: and cyan, and comments in mid grey: 1.5:1 to 3:1 on a light background.
#: These keep every one of them at 4.5:1 or more on the code background.
#: "Black" is a light grey: Rich draws inline code on black, which in a light
#: theme should be a light box behind the dark code colours.
LIGHT_ANSI = TerminalTheme(
    rgb(244, 244, 244),
    rgb(26, 26, 26),
    [rgb(222, 222, 222), rgb(160, 30, 30), rgb(30, 105, 20), rgb(120, 80, 0), rgb(30, 70, 170),
     rgb(130, 40, 140), rgb(0, 95, 125), rgb(70, 70, 70), rgb(85, 85, 85)],
    [rgb(165, 20, 20), rgb(20, 100, 0), rgb(115, 75, 0), rgb(0, 75, 165), rgb(135, 30, 135),
     rgb(0, 100, 125), rgb(30, 30, 30)],
)

#: The ANSI colours in the high-contrast theme: Textual's dark palette draws
#: keywords and numbers in mid blues and purples (about 5:1 on black); these
#: are all 7:1 or more.
HIGH_CONTRAST_ANSI = TerminalTheme(
    rgb(0, 0, 0),
    rgb(255, 255, 255),
    [rgb(0, 0, 0), rgb(255, 110, 110), rgb(80, 240, 80), rgb(255, 230, 80), rgb(120, 180, 255),
     rgb(255, 130, 255), rgb(80, 230, 255), rgb(230, 230, 230), rgb(170, 170, 170)],
    [rgb(255, 140, 140), rgb(120, 255, 120), rgb(255, 255, 120), rgb(150, 200, 255), rgb(255, 160, 255),
     rgb(120, 240, 255), rgb(255, 255, 255)],
)

HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    dark=True,
    primary="#5fd7ff",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffff00",
    error="#ff8080",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#1c1c1c",
    variables={
        "primary-background": "#000000",
        "text": "#ffffff",
        "text-muted": "#e0e0e0",
        "footer-background": "#000000",
        "footer-key-foreground": "#ffff00",
        "footer-description-foreground": "#ffffff",
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "border": "#ffffff",
    },
)

#: Cycle order for the theme key, each with the name the learner is shown.
MSG_THEME = N_("Colours: {name} (T for the next)")

THEMES: tuple[tuple[str, str], ...] = (
    (DARK, N_("dark")),
    (LIGHT, N_("light")),
    (HIGH_CONTRAST, N_("high contrast")),
    (TERMINAL, N_("terminal colours")),
)
THEME_NAMES = tuple(name for name, _label in THEMES)
CUSTOM_THEMES = (LIGHT_THEME, HIGH_CONTRAST_THEME)


def label(theme: str) -> str:
    """The untranslated label of `theme` (pass it through `_()`)."""
    return dict(THEMES).get(theme, theme)


def next_theme(current: str) -> str:
    index = THEME_NAMES.index(current) if current in THEME_NAMES else -1
    return THEME_NAMES[(index + 1) % len(THEME_NAMES)]


def initial_theme(saved: str | None, colour_system: str | None) -> str:
    """The learner's saved choice if it still exists, else one that suits the terminal.

    On a 16-colour terminal (TERM=xterm, screen, linux) Textual squeezes its
    RGB themes into the 16 ANSI colours, which on the Linux console and on
    light-background terminals gives bright-black bars and misjudged shades;
    the terminal's own colours read better there.
    """
    if saved in THEME_NAMES:
        return saved
    return TERMINAL if colour_system == STANDARD else DARK


def install(app, saved: str | None, colour_system: str | None) -> None:
    """Register our themes on `app` and start it in the right one."""
    for theme in CUSTOM_THEMES:
        app.register_theme(theme)
    app.ansi_theme_light = LIGHT_ANSI
    app.gradtour_ansi_dark = app.ansi_theme_dark  # Textual's, for the other dark themes
    _apply(app, initial_theme(saved, colour_system))


def _apply(app, theme: str) -> None:
    # Textual keeps one ANSI palette for all dark themes; ours differs.
    app.ansi_theme_dark = HIGH_CONTRAST_ANSI if theme == HIGH_CONTRAST else app.gradtour_ansi_dark
    app.theme = theme


def cycle(app) -> None:
    """The theme key: next theme, remembered, and named so the learner knows."""
    _apply(app, next_theme(app.theme))
    app.state.theme = app.theme
    app.save()
    app.notify(_(MSG_THEME).format(name=_(label(app.theme))), timeout=3)


def colours(theme: Theme) -> Mapping[str, str]:
    """The CSS variables `theme` generates (for contrast checks)."""
    return theme.to_color_system().generate()
