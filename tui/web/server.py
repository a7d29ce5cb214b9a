"""The web server: textual-serve's Server, with every route guarded and every session bounded.

What textual-serve does not do, and a shared GPU box needs (issues 13, 19):

* every route (the page, the websocket, /static, /download, the fonts)
  answers only to this server's names and to the token (tui/web/auth.py);
  a refusal is a short page in the learner's language and one log line;
* at most `max_sessions` tabs at once, each ended after `idle_timeout`
  seconds without a key; a refused or ended tab is told why (a
  ["gradtour_notice", …] message its page shows, then the close);
* each tab's gradtour runs in a process group of its own, without a shell,
  so that stopping the server ends every tab's processes in about a second
  (SIGTERM after a grace, SIGKILL after another) and each tab is told;
* a malformed request is one log line, not a traceback.

Subclasses an undocumented surface of textual-serve (pinned <2 in
pyproject.toml); what it overrides is the page, the websocket loop and the
start of the app process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server

from lessons.course.i18n import N_, translations
from lessons.demos.params import printable
from tui.web import auth

HERE = Path(__file__).resolve().parent
TEXTUAL_SERVE_STATIC = Path(__import__("textual_serve").__file__).resolve().parent / "static"

#: After "quit", how long a tab's gradtour gets to save and exit, then how
#: long after SIGTERM before SIGKILL. Together under the 2 s a stop may take.
QUIT_GRACE, TERM_GRACE = 0.8, 0.5
#: Websocket close codes the page tells apart (4000-4999: the application's own).
CLOSE_IDLE, CLOSE_FULL, CLOSE_STOPPED = 4000, 4001, 4002

log = logging.getLogger("gradtour.web")

# -- what a learner or the server's terminal is told --------------------------------------

MSG_FORBIDDEN_TITLE = N_("gradtour: not without the link")
MSG_FORBIDDEN = N_(
    "This gradtour asks for the link with its token. Open the address that "
    "`gradtour serve` printed in its terminal (it ends in ?token=…)."
)
MSG_UNKNOWN_HOST = N_("This gradtour does not answer to the name {host}. Open the address it printed.")
MSG_CROSS_ORIGIN = N_("Another web page may not use this gradtour.")
MSG_IDLE = N_("This tab was closed after {minutes} minutes without a key, to free the server. Your place is saved.")
MSG_FULL = N_(
    "The server is full: all its places (--max-sessions {count}) are taken. Close another tab, then reconnect."
)
MSG_STOPPED = N_("The server was stopped. Your place is saved.")
MSG_ENDED = N_("The session has ended. Your place is saved.")
MSG_RECONNECT = N_("Reconnect")
MSG_STARTING = N_("Starting gradtour…")
MSG_LOG_REFUSED = N_("refused {method} {path} from {address}: {reason}")
MSG_WHY_HOST = N_("unknown host {host}")
MSG_WHY_ORIGIN = N_("another site's page ({origin})")
MSG_WHY_TOKEN = N_("no token, or a wrong one")
MSG_LOG_BAD_REQUEST = N_("bad request from {address}: {reason}")
MSG_LOG_FULL = N_("refused a tab from {address}: all places are taken (--max-sessions {count})")
MSG_LOG_IDLE = N_("closed an idle tab from {address}")


@dataclass(eq=False)  # one per tab, kept in a set
class Session:
    websocket: web.WebSocketResponse
    address: str
    service: AppService | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class GroupAppService(AppService):
    """textual-serve's AppService, starting gradtour without a shell and in a
    process group of its own: `sh -c` passed no signal on, and a stop has to
    reach the demo worker and the lab's child as well."""

    def __init__(self, argv: list[str], extra_env: dict[str, str], **kwargs) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv, self.extra_env = argv, extra_env

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = {**self._build_environment(width=width, height=height), **self.extra_env}
        environment.pop(auth.TOKEN_ENV, None)  # the tab, its demos and its labs have no use for it
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True)
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask gradtour to quit (it saves the learner's place), then end its
        process group if it has not gone within the graces."""
        process = self._process
        if self._task is None or process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        for sig, grace in ((None, QUIT_GRACE), (signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
            if sig is not None:
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    pass
            try:
                await asyncio.wait_for(asyncio.shield(process.wait()), grace)
                break
            except asyncio.TimeoutError:
                continue
        # The group may outlive its leader (a demo worker mid-step).
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self._task is not None:
            await self._task
            self._task = None


class OneLineErrors(logging.Filter):
    """aiohttp logs a malformed request (a duplicated Host header, garbage on
    the port) with its traceback; the server's terminal gets one line."""

    def __init__(self, gettext) -> None:
        super().__init__()
        self.gettext = gettext

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            address = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            reason = printable(str(exc.message or exc)[:200])
            record.msg = self.gettext(MSG_LOG_BAD_REQUEST).format(address=address, reason=reason)
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


class WebServer(Server):
    def __init__(self, argv: list[str], *, host: str, port: int, token: str, max_sessions: int,
                 idle_timeout: float, lang: str, extra_env: dict[str, str] | None = None,
                 out: TextIO | None = None) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title="gradtour",
                         statics_path=TEXTUAL_SERVE_STATIC, templates_path=HERE / "templates")
        self.argv, self.token, self.lang = argv, token, lang
        self.max_sessions, self.idle_timeout = max_sessions, idle_timeout
        self.extra_env = {"GRADTOUR_WEB": "1", **(extra_env or {})}
        self.names = auth.host_names(host)
        self.cookie = auth.cookie_name(port)
        self.sessions: set[Session] = set()
        self.out = out

    def _(self, message: str) -> str:
        return translations(self.lang, "tui").gettext(message)

    # -- logging ------------------------------------------------------------------------

    def initialize_logging(self) -> None:
        # textual-serve logs every request, in English, with rich tracebacks;
        # the learner's terminal gets our translated lines and real problems only.
        handler = logging.StreamHandler(self.out)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.addFilter(OneLineErrors(self._))
        logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
        log.setLevel(logging.INFO)

    # -- the application ----------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.get("/favicon.ico", _no_content),  # asked for by every browser; a 404 in its console otherwise
            # No directory listings: textual-serve's own /static lists its folder.
            web.static("/static", self.statics_path, show_index=False, name="static"),
            web.static("/gradtour", HERE / "static", show_index=False, name="gradtour"),
        ])
        app.on_shutdown.append(self._on_shutdown)
        return app

    def _refuse(self, request: web.Request, why: str, reason: str) -> web.Response:
        """403: a short page for the learner, one line for the server's terminal."""
        # What a client sent is shown, never obeyed: an escape code in a path
        # or a Host header would act on the server's terminal.
        log.info(self._(MSG_LOG_REFUSED).format(method=printable(request.method[:16]),
                                                path=printable(request.path[:80]), address=request.remote,
                                                reason=printable(why)))
        page = aiohttp_jinja2.render_string("refused.html", request, {
            "lang": self.lang, "title": self._(MSG_FORBIDDEN_TITLE), "message": _code_spans(reason)})
        return web.Response(status=403, text=page, content_type="text/html", headers=_PAGE_HEADERS)

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        try:
            host = request.host
        except ValueError:
            host = ""
        if not auth.host_allowed(host, self.names):
            shown = host[:80] or "?"
            return self._refuse(request, self._(MSG_WHY_HOST).format(host=shown),
                                self._(MSG_UNKNOWN_HOST).format(host=shown))
        origin = request.headers.get("Origin")
        if not auth.origin_allowed(origin, host, request.scheme):
            return self._refuse(request, self._(MSG_WHY_ORIGIN).format(origin=origin[:80]), self._(MSG_CROSS_ORIGIN))
        from_url = request.query.get("token")
        if not auth.token_matches(from_url if from_url is not None else request.cookies.get(self.cookie),
                                  self.token):
            return self._refuse(request, self._(MSG_WHY_TOKEN), self._(MSG_FORBIDDEN))
        if from_url is not None and request.path == "/":
            # Into the cookie, and out of the address bar, the history and
            # whatever the learner copies from it.
            query = request.rel_url.query.copy()
            del query["token"]
            response = web.Response(status=303, headers={**_PAGE_HEADERS,
                                                         "Location": str(request.rel_url.with_query(query))})
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", path="/")
            return response
        response = await handler(request)
        if isinstance(response, web.StreamResponse) and not response.prepared:
            response.headers.update(_PAGE_HEADERS)
        return response

    async def handle_index(self, request: web.Request) -> web.Response:
        # Only this origin, whatever a script in the page might try: the
        # fonts, scripts and websocket are all this server's.
        policy = (f"default-src 'self'; connect-src 'self' ws://{request.host}; img-src 'self' data:; "
                  "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
        context = {
            "lang": self.lang,
            "websocket_url": f"ws://{request.host}/ws",
            "static_url": "/static/",
            "gradtour_url": "/gradtour/",
            "font_size": _to_int(request.query.get("fontsize", "16"), 16, 8, 48),
            "ended": self._(MSG_ENDED),
            "reconnect": self._(MSG_RECONNECT),
            "starting": self._(MSG_STARTING),
        }
        response = aiohttp_jinja2.render_template("index.html", request, context)
        response.headers["Content-Security-Policy"] = policy
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if len(self.sessions) >= self.max_sessions:
            log.warning(self._(MSG_LOG_FULL).format(address=request.remote, count=len(self.sessions)))
            await self._close(websocket, CLOSE_FULL, self._(MSG_FULL).format(count=len(self.sessions)))
            return websocket
        session = Session(websocket, request.remote or "?")
        self.sessions.add(session)
        try:
            session.service = GroupAppService(
                self.argv, self.extra_env, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                close=websocket.close, download_manager=self.download_manager)
            await session.service.start(_to_int(request.query.get("width", "80"), 80, 20, 1000),
                                        _to_int(request.query.get("height", "24"), 24, 5, 500))
            await self._relay(session)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if session.service is not None:
                await session.service.stop()
            if not websocket.closed:
                await self._close(websocket, 1000, None)
            self.sessions.discard(session)
            session.done.set()
        return websocket

    async def _relay(self, session: Session) -> None:
        """The browser's messages to the app, until the tab closes or idles out."""
        websocket, service = session.websocket, session.service
        loop = asyncio.get_running_loop()
        last_key = loop.time()
        while not websocket.closed:
            timeout = None
            if self.idle_timeout:
                timeout = last_key + self.idle_timeout - loop.time()
                if timeout <= 0:
                    log.info(self._(MSG_LOG_IDLE).format(address=session.address))
                    minutes = f"{self.idle_timeout / 60:g}"
                    await self._close(websocket, CLOSE_IDLE, self._(MSG_IDLE).format(minutes=minutes))
                    return
            try:
                message = await websocket.receive(timeout=timeout)
            except asyncio.TimeoutError:
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            if message.type != WSMsgType.TEXT:
                continue
            kind, data = _envelope(message.data)
            if kind == "stdin" and isinstance(data, str):
                last_key = loop.time()
                await service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(_to_int(data.get("width"), 80, 20, 1000),
                                                _to_int(data.get("height"), 24, 5, 500))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _close(self, websocket: web.WebSocketResponse, code: int, text: str | None) -> None:
        try:
            if text:
                await websocket.send_json(["gradtour_notice", {"code": code, "text": text}])
            await websocket.close(code=code)
        except (ConnectionError, RuntimeError):
            pass

    async def _on_shutdown(self, app: web.Application) -> None:
        """Tell every tab, then wait (at most the graces) for their processes."""
        sessions = list(self.sessions)
        stopped = self._(MSG_STOPPED)
        await asyncio.gather(*(self._close(s.websocket, CLOSE_STOPPED, stopped) for s in sessions))
        if sessions:
            await asyncio.wait([asyncio.ensure_future(s.done.wait()) for s in sessions],
                               timeout=QUIT_GRACE + TERM_GRACE + 0.3)

    async def on_startup(self, app) -> None:  # replaces textual-serve's English banner
        pass

    def serve(self, debug: bool = False) -> None:
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        print=None, access_log=None, shutdown_timeout=0.5)
        except GracefulExit:
            pass


#: No caching of the page, no token in a Referer, no framing by another site.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _code_spans(text: str):
    """The messages' `code` as <code>, the rest escaped."""
    from markupsafe import Markup, escape

    parts = text.split("`")
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
                           for index, part in enumerate(parts))


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


def _to_int(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _envelope(text: str) -> tuple[object, object]:
    """(type, data) of a page's message; (None, None) for anything malformed."""
    try:
        envelope = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return None, None
    return envelope[0], envelope[1] if len(envelope) > 1 else None


def default_max_sessions(meminfo: str = "/proc/meminfo", session_mb: int = 400) -> int:
    """As many tabs as fit in half the memory free now, at ~400 MB a tab
    (gradtour ~60 MB, its PyTorch worker ~300 MB after a demo); at least 1."""
    try:
        with open(meminfo, encoding="ascii") as lines:
            available_kb = next(int(line.split()[1]) for line in lines if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return 4
    return max(1, available_kb // 1024 // 2 // session_mb)

