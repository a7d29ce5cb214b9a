"""Web mode: `gradtour serve` on loopback, tabs driven over its websocket, and a real browser.

A tab is driven the way textual-serve's page drives it: JSON ["stdin", keys]
up the websocket, the app's terminal output down it, read here on a pyte
screen. The browser test runs Debian's chromium headless when it is
installed and reads what xterm.js laid out in the page.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pyte
import pytest

from tests.helpers import CJK
from tests.processes import descendants, wait_gone
from tui import serve

STARTUP, SCREEN = 60, 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "TEXTUAL_DRIVER")}
        self.log = tmp_path / "serve.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--port", str(self.port), *args],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def wait_up(self) -> None:
        deadline = time.monotonic() + STARTUP
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.output()
                try:
                    async with session.get(self.url) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(self.output())

    def stop(self) -> dict[int, str]:
        """ctrl+c, as the learner stops it; returns the process tree it had."""
        tree = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return tree


@pytest.fixture
async def served(tmp_path):
    server = Served(tmp_path)
    try:
        await server.wait_up()
        yield server
    finally:
        tree = server.stop()
        left = {pid: command for pid, command in tree.items() if not wait_gone(pid, 20)}
        assert not left, f"left behind by the server: {left}"


class Tab:
    """One browser tab, minus the browser: the websocket and a screen."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, cols: int = 80, rows: int = 24) -> None:
        self.ws = ws
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def press(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def wait_for(self, predicate, timeout: float = SCREEN) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.text()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the tab never showed it; it shows:\n{self.text()}")
            try:
                message = await self.ws.receive(timeout=0.5)
            except asyncio.TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise ConnectionError(f"the tab's session ended; it showed:\n{self.text()}")


def ws_url(server: Served) -> str:
    return f"{server.url}/ws?width=80&height=24"


async def test_the_server_warns_and_serves_a_page(served):
    out = served.output()
    assert "no password" in out and f"ssh -L {served.port}:127.0.0.1:{served.port}" in out
    assert "Textual" not in out, "textual-serve's English banner is replaced by ours"
    async with aiohttp.ClientSession() as session, session.get(served.url) as response:
        page = await response.text()
    assert response.status == 200
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page


async def test_each_tab_is_an_independent_learner(served):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(ws_url(served)) as ws_a, session.ws_connect(ws_url(served)) as ws_b:
            a, b = Tab(ws_a), Tab(ws_b)
            await asyncio.gather(a.wait_for(lambda s: "1 / 12" in s and "English" in s),
                                 b.wait_for(lambda s: "1 / 12" in s and "English" in s))
            await a.press("l")
            await a.press("n")
            await a.wait_for(lambda s: "中文" in s and "2 / 12" in s)
            await b.press("n")
            await b.wait_for(lambda s: "2 / 12" in s)
            await b.press("n")
            await b.wait_for(lambda s: "3 / 12" in s)
            assert not CJK.search(b.text()), "the other tab stays in English"
            assert "2 / 12" in a.text(), "and the first tab stays where it was"


async def test_foreign_hosts_and_cross_origin_websockets_are_refused(served):
    async with aiohttp.ClientSession() as session:
        async with session.get(served.url, headers={"Host": f"rebound.example:{served.port}"}) as response:
            assert response.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ws_url(served), headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        async with session.ws_connect(ws_url(served), headers={"Origin": served.url}) as ws:
            await Tab(ws).wait_for(lambda s: "1 / 12" in s)


async def test_a_closed_tab_leaves_no_process(served):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(ws_url(served)) as ws:
            tab, tree = Tab(ws), {}

            def worker_started(screen: str) -> bool:
                tree.update(descendants(served.proc.pid))
                return "1 / 12" in screen and any("lessons.worker" in c for c in tree.values())

            await tab.wait_for(worker_started)
    left = {pid: command for pid, command in tree.items() if not wait_gone(pid, 30)}
    assert not left, left
    assert served.proc.poll() is None, "the server carries on"


def test_port_and_host_checks():
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("example.org")
    assert serve.host_allowed("127.0.0.1:8000", "127.0.0.1")
    assert serve.host_allowed("localhost:9000", "127.0.0.1"), "an SSH tunnel to another local port"
    assert serve.host_allowed("[::1]:8000", "::1")
    assert serve.host_allowed("tutor.lan:8000", "tutor.lan"), "the name the server was started with"
    assert not serve.host_allowed("attacker.example:8000", "127.0.0.1")
    assert serve.origin_allowed(None, "127.0.0.1:8000")
    assert serve.origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not serve.origin_allowed("http://evil.example", "127.0.0.1:8000")
    command = serve.app_command("zh", "cpu")
    assert command.split()[1:] == ["-m", "tui", "--device", "cpu", "--lang", "zh"]


def test_bad_port_is_a_usage_error(tmp_path):
    from tests.helpers import gradtour

    result = gradtour("serve", "--port", "99999")
    assert result.returncode == 2 and "99999" in result.stderr


def test_a_busy_port_is_reported(tmp_path):
    from tests.helpers import gradtour

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = gradtour("serve", "--port", str(port), timeout=60)
    assert result.returncode == 1 and f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


# -- a real browser ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: Runs before the page's scripts: keeps each xterm.js Terminal it creates
#: (every one assigns `this._core` in its constructor) so that the test can
#: read the text xterm.js laid out, which the canvas renderer keeps out of the DOM.
KEEP_TERMINALS = r"""
(() => {
  const seen = [];
  window.__gradtourTerminals = seen;
  Object.defineProperty(Object.prototype, "_core", {
    configurable: true,
    get() { return undefined; },
    set(value) {
      Object.defineProperty(this, "_core", {value, writable: true, configurable: true});
      seen.push(this);
    },
  });
})();
"""
READ_TERMINAL = r"""
(window.__gradtourTerminals || []).filter(t => t.buffer && t.buffer.active && t.rows).map(t => {
  const lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = t.buffer.active.getLine(y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\n");
}).join("\n")
"""


class DevTools:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.ids = ws, 0

    async def call(self, method: str, **params) -> dict:
        self.ids += 1
        await self.ws.send_json({"id": self.ids, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive(timeout=60)).data)
            if message.get("id") == self.ids:
                return message.get("result", {})


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium); "
                                             "the websocket tests above cover the server without a browser")
async def test_a_headless_browser_shows_the_lesson(served, tmp_path):
    profile = tmp_path / "chromium-profile"
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "--window-size=1200,800", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline and browser.poll() is None, "chromium did not start"
            await asyncio.sleep(0.1)
        devtools_port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
                page = next(target for target in await response.json() if target["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tools = DevTools(ws)
                await tools.call("Page.enable")
                await tools.call("Page.addScriptToEvaluateOnNewDocument", source=KEEP_TERMINALS)
                await tools.call("Page.navigate", url=served.url)
                text = ""
                deadline = time.monotonic() + SCREEN
                while not ("1 / 12" in text and "Loss" in text and "Gradient and Optimizer" in text):
                    if time.monotonic() > deadline:
                        shot = await tools.call("Page.captureScreenshot")
                        (tmp_path / "browser.png").write_bytes(base64.b64decode(shot.get("data", "")))
                        raise TimeoutError(f"the page never showed the lesson (screenshot in {tmp_path}); "
                                           f"it shows:\n{text}")
                    await asyncio.sleep(0.3)
                    result = await tools.call("Runtime.evaluate", expression=READ_TERMINAL, returnByValue=True)
                    text = result.get("result", {}).get("value") or ""
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(30)
