"""`gradtour serve`: the same app in a browser, one learner per tab, behind a token.

textual-serve starts one `gradtour` process per browser tab and relays its
screen over a websocket, so each tab is an independent learner: its own
language, lesson, demo worker and theme. tui/web/ holds the server; this
module is what the command line sees: the options, the printed link with its
token, and the failures it reports.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import TextIO

from tui.i18n import N_, _
from tui.web.auth import TOKEN_ENV, WILDCARDS, is_loopback, new_token, token_problem

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Minutes without a key after which a tab's gradtour is ended.
DEFAULT_IDLE_MINUTES = 30.0

MSG_SERVING = N_("gradtour is being served. Open this link in a browser; each tab is a learner of its own:")
MSG_TOKEN = N_(
    "The link holds a secret token: whoever has it can use gradtour and run code on this computer as you. "
    "Keep it to yourself."
)
MSG_TUNNEL = N_(
    "From another computer, do not open the port: use an SSH tunnel,\n"
    "  ssh -L {port}:127.0.0.1:{port} YOU@THIS-MACHINE\n"
    "then open the link above there."
)
MSG_NOT_LOOPBACK = N_("Warning: {host} is reachable from other computers, not just this one.")
MSG_LIMITS = N_("At most {sessions} tabs at once; a tab is closed after {minutes} minutes without a key.")
MSG_LIMITS_NO_IDLE = N_("At most {sessions} tabs at once.")
MSG_STOP = N_("Press ctrl+c to stop.")
MSG_CANNOT_LISTEN = N_("cannot serve on {host}:{port}: {reason}")
MSG_NEEDS_SERVE = N_("web mode needs textual-serve, which is not installed ({reason})")
MSG_BAD_TOKEN_SHORT = N_("the token from {source} is too short: it needs at least 16 characters")
MSG_BAD_TOKEN_CHARACTERS = N_("the token from {source} may hold only letters, digits and - _ . ~")

EXIT_FAILURE = 1


def app_command(lang: str | None, device: str) -> list[str]:
    """What the server runs for each tab: this gradtour, this Python."""
    argv = [sys.executable, "-m", "tui", "--device", device]
    if lang:
        argv += ["--lang", lang]
    return argv


def choose_token(given: str | None, environ=os.environ) -> tuple[str | None, str | None]:
    """(token, None), or (None, the problem in the learner's language).

    --token, else GRADTOUR_SERVE_TOKEN, else a new random one. There is no
    way to serve without one.
    """
    if given is not None:
        token, source = given, "--token"
    elif environ.get(TOKEN_ENV):
        token, source = environ[TOKEN_ENV], TOKEN_ENV
    else:
        return new_token(), None
    problem = token_problem(token)
    if problem == "short":
        return None, _(MSG_BAD_TOKEN_SHORT).format(source=source)
    if problem:
        return None, _(MSG_BAD_TOKEN_CHARACTERS).format(source=source)
    return token, None


def links(host: str, port: int, token: str) -> list[str]:
    """The addresses to print for a server bound to `host`.

    A browser cannot open the wildcard address itself (0.0.0.0, ::): such a
    server is reached by this machine's name from other computers, and by
    127.0.0.1 from this one; both names pass the server's Host check
    (auth.host_names).
    """
    bare = host.lower().strip("[]")
    names = [socket.gethostname(), "127.0.0.1"] if bare in WILDCARDS else [host]
    return [f"http://{f'[{name}]' if ':' in name else name}:{port}/?token={token}" for name in names]


def serve(host: str, port: int, *, lang: str | None, page_lang: str, device: str, token: str | None = None,
          max_sessions: int | None = None, idle_minutes: float = DEFAULT_IDLE_MINUTES,
          out: TextIO = sys.stderr) -> int:
    """`lang`: the language every tab starts in (None: each tab chooses as
    `gradtour` does); `page_lang`: the language of the server's own pages
    and lines."""
    token, problem = choose_token(token)
    if problem:
        print(f"gradtour serve: {problem}", file=out)
        return EXIT_FAILURE
    try:
        from tui.web.server import WebServer, default_max_sessions
    except ImportError as exc:
        print(_(MSG_NEEDS_SERVE).format(reason=exc), file=out)
        return EXIT_FAILURE
    sessions = max_sessions or default_max_sessions()
    lines = [_(MSG_SERVING), *(f"  {url}" for url in links(host, port, token)), "", _(MSG_TOKEN)]
    if not is_loopback(host):
        lines.append(_(MSG_NOT_LOOPBACK).format(host=host))
    limits = _(MSG_LIMITS).format(sessions=sessions, minutes=f"{idle_minutes:g}") if idle_minutes \
        else _(MSG_LIMITS_NO_IDLE).format(sessions=sessions)
    lines += [_(MSG_TUNNEL).format(port=port), "", limits, _(MSG_STOP)]
    print("\n".join(lines), file=out, flush=True)
    server = WebServer(app_command(lang, device), host=host, port=port, token=token, max_sessions=sessions,
                       idle_timeout=idle_minutes * 60, lang=page_lang, out=out)
    try:
        server.serve()
    except OSError as exc:
        print(_(MSG_CANNOT_LISTEN).format(host=host, port=port, reason=exc.strerror or exc), file=out)
        return EXIT_FAILURE
    return 0
