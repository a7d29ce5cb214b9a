"""argparse's own messages, translated through our "tui" catalog.

argparse looks its messages up with a module-level `_`; pointing that at our
catalog makes `gradtour --help` and flag errors speak the learner's language
without a global `gettext.install()`. The N_ list below is only there so that
Babel extracts these msgids; they must match CPython's text exactly.
"""

from __future__ import annotations

import argparse

from tui.i18n import N_, _

ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("the following arguments are required: %s"),
    N_("expected one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
)


def install_argparse_translation() -> None:
    argparse._ = _  # type: ignore[attr-defined]
