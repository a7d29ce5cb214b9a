"""A served gradtour for the web-mode tests: started on 127.0.0.1 with fresh
XDG folders (conftest), its printed link read back, stopped with ctrl+c and
its process tree checked; and a tab driven over the websocket as the page
drives it (JSON ["stdin", keys] up, the screen down, read on a pyte screen)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pyte

from tests.processes import descendants, wait_gone

STARTUP, SCREEN = 60, 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("LANG", "LANGUAGE", "LC_ALL", "TEXTUAL_DRIVER", "GRADTOUR_SERVE_TOKEN")}
        environ.update(env or {})
        self.log = tmp_path / f"serve-{self.port}.log"
        self.token = ""
        self.tree: dict[int, str] = {}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--port", str(self.port), *args],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=environ)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def link(self) -> str:
        return f"{self.url}/?token={self.token}"

    @property
    def cookies(self) -> dict[str, str]:
        return {f"gradtour-token-{self.port}": self.token}

    def ws_url(self, *, token: bool = True, cols: int = 80, rows: int = 24) -> str:
        return f"{self.url}/ws?width={cols}&height={rows}" + (f"&token={self.token}" if token else "")

    async def wait_up(self) -> None:
        deadline = time.monotonic() + STARTUP
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.output()
                if not self.token and (found := re.search(r"\?token=([\w.~-]+)", self.output())):
                    self.token = found.group(1)
                try:
                    async with session.get(self.url) as response:
                        if response.status == 403 and self.token:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(self.output())

    def record_tree(self) -> dict[int, str]:
        """The server's processes now, added to those it had (each tab's die with it)."""
        self.tree.update(descendants(self.proc.pid))
        return self.tree

    def stop(self) -> float:
        """ctrl+c, as the learner stops it; returns the seconds it took to exit."""
        self.record_tree()
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return time.monotonic() - started

    def left_behind(self, timeout: float = 20) -> dict[int, str]:
        return {pid: command for pid, command in self.tree.items() if not wait_gone(pid, timeout)}


class Tab:
    """One browser tab, minus the browser: the websocket and a screen."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, cols: int = 80, rows: int = 24) -> None:
        self.ws = ws
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.notices: list[dict] = []
        self.messages: list[list] = []

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def press(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def read(self, timeout: float = 0.5) -> bool:
        """One message from the server; False once the socket has closed."""
        try:
            message = await self.ws.receive(timeout=timeout)
        except asyncio.TimeoutError:
            return True
        if message.type == aiohttp.WSMsgType.BINARY:
            self.stream.feed(message.data)
        elif message.type == aiohttp.WSMsgType.TEXT:
            data = json.loads(message.data)
            self.messages.append(data)
            if data[0] == "gradtour_notice":
                self.notices.append(data[1])
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return False
        return True

    async def wait_for(self, predicate, timeout: float = SCREEN) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.text()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the tab never showed it; it shows:\n{self.text()}")
            if not await self.read():
                raise ConnectionError(f"the tab's session ended ({self.notices}); it showed:\n{self.text()}")

    async def wait_closed(self, timeout: float) -> float:
        """Seconds until the server closed the tab."""
        started = time.monotonic()
        while await self.read():
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"the tab stayed open; it shows:\n{self.text()}")
        return time.monotonic() - started
