"""`gradtour serve`: the same app in a browser, through textual-serve.

textual-serve starts one `gradtour` process per browser tab and relays its
screen over a websocket, so each tab is an independent learner: its own
language, lesson, demo worker and theme (the saved place is shared, as it is
between two terminals: the tab that moved last wins).

There is no authentication, and the demos run code on this machine. Hence:
loopback by default, a printed warning that recommends an SSH tunnel, and two
checks textual-serve does not make. A websocket whose Origin is another site
is refused (any web page the learner visits could otherwise open one to
localhost and drive the app), and so is a request for a host name that is
not this server's (DNS rebinding: a foreign name pointed at 127.0.0.1).
Links in the page follow the Host the browser asked for, so a tunnel to
another local port (ssh -L 9000:127.0.0.1:8000) works too.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
import sys
from typing import TextIO
from urllib.parse import urlsplit

from tui.i18n import N_, _

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

MSG_SERVING = N_("gradtour is being served at {url} — open it in a browser; each tab is a learner of its own.")
MSG_NO_AUTH = N_(
    "Warning: there is no password. Anyone who can reach this address can use gradtour "
    "and run its demos on this computer."
)
MSG_TUNNEL = N_(
    "From another computer, do not open the port: use an SSH tunnel,\n"
    "  ssh -L {port}:127.0.0.1:{port} YOU@THIS-MACHINE\n"
    "then open http://127.0.0.1:{port} there."
)
MSG_NOT_LOOPBACK = N_("Warning: {host} is reachable from other computers, not just this one.")
MSG_STOP = N_("Press ctrl+c to stop.")
MSG_CANNOT_LISTEN = N_("cannot serve on {host}:{port}: {reason}")
MSG_NEEDS_SERVE = N_("web mode needs textual-serve, which is not installed ({reason})")

EXIT_FAILURE = 1


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(lang: str | None, device: str) -> str:
    """The shell command textual-serve runs for each tab: this gradtour, this Python."""
    argv = [sys.executable, "-m", "tui", "--device", device]
    if lang:
        argv += ["--lang", lang]
    return shlex.join(argv)


def host_allowed(host_header: str, served_host: str) -> bool:
    """Whether a request's Host names this server (not a rebound foreign name).

    IP literals cannot be rebound, `localhost` resolves locally, and the name
    the server was started with is the learner's own choice.
    """
    hostname = urlsplit(f"//{host_header}").hostname or ""
    if hostname in ("localhost", served_host.lower().strip("[]")):
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host_header: str) -> bool:
    """Same origin only; a missing Origin is not a browser, so not a drive-by page."""
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == host_header.lower()


def _server_class():
    from aiohttp import web
    from textual_serve.server import Server

    class GuardedServer(Server):
        def initialize_logging(self) -> None:
            # textual-serve logs every request, in English; the learner's
            # terminal gets our translated lines and real problems only.
            logging.basicConfig(level=logging.WARNING, format="%(message)s")

        async def on_startup(self, app) -> None:  # replaces textual-serve's English banner
            pass

        def _check(self, request) -> None:
            if not host_allowed(request.host, self.host):
                raise web.HTTPForbidden(text="unknown host")

        async def handle_index(self, request):
            self._check(request)
            # The page links to the websocket and the static files by absolute
            # URL; take it from what the browser asked for (tunnels, ports).
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request):
            self._check(request)
            if not origin_allowed(request.headers.get("Origin"), request.host):
                raise web.HTTPForbidden(text="cross-origin websocket refused")
            return await super().handle_websocket(request)

    return GuardedServer


def serve(host: str, port: int, *, lang: str | None, device: str, out: TextIO = sys.stderr) -> int:
    try:
        server_class = _server_class()
    except ImportError as exc:
        print(_(MSG_NEEDS_SERVE).format(reason=exc), file=out)
        return EXIT_FAILURE
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    lines = [_(MSG_SERVING).format(url=url), "", _(MSG_NO_AUTH)]
    if not is_loopback(host):
        lines.append(_(MSG_NOT_LOOPBACK).format(host=host))
    lines += [_(MSG_TUNNEL).format(port=port), "", _(MSG_STOP)]
    print("\n".join(lines), file=out, flush=True)
    server = server_class(app_command(lang, device), host=host, port=port, title="gradtour")
    try:
        server.serve()
    except OSError as exc:
        print(_(MSG_CANNOT_LISTEN).format(host=host, port=port, reason=exc.strerror or exc), file=out)
        return EXIT_FAILURE
    return 0
