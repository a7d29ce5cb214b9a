"""Who may use a served gradtour: the learner holding the token, through this server's own names.

Anyone on a shared box can reach 127.0.0.1, and every tab runs Python as the
serving user, so the token is the boundary (as Jupyter's is): made by
`secrets`, shown once in the URL the server prints, then kept in an HttpOnly,
SameSite=Strict cookie named after the port (browsers share cookies between
the ports of one host; two servers must not overwrite each other's). It is
compared in constant time.

The Host and Origin rules stop a web page the learner visits from reaching
the server (DNS rebinding, cross-site websockets) even before the token is
asked for: only the bound address and its own names are served.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

#: 32 random bytes: 256 bits, above the 128 a guess must beat.
TOKEN_BYTES = 32
#: A token chosen with --token or GRADTOUR_SERVE_TOKEN: shorter ones are guessable.
MIN_TOKEN_LENGTH = 16
TOKEN_ENV = "GRADTOUR_SERVE_TOKEN"
WILDCARDS = ("0.0.0.0", "::")
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_problem(token: str) -> str | None:
    """Why a chosen token cannot be used (English; cli.py translates), or None."""
    if len(token) < MIN_TOKEN_LENGTH:
        return "short"
    if token.strip(URL_SAFE):  # the URL carries it as it is, the cookie too
        return "characters"
    return None


def token_matches(given: str | None, token: str) -> bool:
    if given is None:
        return False
    # compare_digest takes time that depends on the lengths only, not on
    # where the first difference is; str arguments must be ASCII, bytes need not.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


def cookie_name(port: int) -> str:
    return f"gradtour-token-{port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_names(bound: str) -> frozenset[str]:
    """The names a browser may use for a server bound to `bound`.

    The bound address itself; `localhost` for a loopback address; for a host
    name, the addresses it resolves to; for every interface (0.0.0.0, ::),
    this machine's names and addresses. Not any other IP literal: 127.0.0.2
    or 10.1.2.3 in a Host header is not how a browser reaches this server.
    """
    bound = bound.lower().strip("[]")
    names = {bound}
    if bound == "localhost":
        names |= {"127.0.0.1", "::1"}
    elif is_loopback(bound):
        names.add("localhost")
    else:
        wildcard = bound in WILDCARDS
        lookups = [socket.gethostname(), socket.getfqdn(), "localhost"] if wildcard else [bound]
        names |= {name.lower() for name in lookups}
        for name in lookups:
            try:
                infos = socket.getaddrinfo(name, None)
            except OSError:
                continue
            names |= {info[4][0].split("%")[0].lower() for info in infos}
        if wildcard:
            names |= {"127.0.0.1", "::1", "localhost"}
    return frozenset(names)


def host_allowed(host_header: str, names: frozenset[str]) -> bool:
    """Whether a request's Host header names this server."""
    try:
        hostname = urlsplit(f"//{host_header}").hostname
    except ValueError:  # "[::1" and the like
        return False
    return hostname is not None and hostname in names


def origin_allowed(origin: str | None, host_header: str, scheme: str = "http") -> bool:
    """Same origin only, scheme included. A missing Origin is not a browser
    (no web page can leave it out), and the token still stands in its way."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme == scheme and parts.netloc.lower() == host_header.lower()
