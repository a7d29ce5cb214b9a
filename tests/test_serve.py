"""Web mode: `gradtour serve` on 127.0.0.1, driven over plain HTTP and its websocket.

Who gets in (the token, the host, the origin), how many and for how long
(--max-sessions, --idle-timeout), what a bad request costs (one log line),
the export download, and the stop (each tab told, no process left). The
browser itself: tests/test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import hmac
import socket

import aiohttp
import pytest

from tests.helpers import CJK, gradtour
from tests.web_helpers import Served, Tab
from tui import serve
from tui.web import auth


async def start(tmp_path, *args: str, env: dict | None = None) -> Served:
    server = Served(tmp_path, *args, env=env)
    try:
        await server.wait_up()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
async def served(tmp_path):
    server = await start(tmp_path)
    try:
        yield server
    finally:
        server.stop()
        assert not server.left_behind(), f"left behind by the server: {server.left_behind(0)}"


def lesson_shown(screen: str) -> bool:
    return "1 / 12" in screen and "English" in screen


async def test_the_server_prints_a_link_with_a_token_and_the_tunnel(served):
    out = served.output()
    assert served.link in out, out
    assert len(served.token) >= 43, "32 random bytes: 256 bits"
    assert f"ssh -L {served.port}:127.0.0.1:{served.port}" in out
    assert "Textual" not in out, "textual-serve's English banner is replaced by ours"


async def test_without_the_token_nothing_opens(served):
    before = served.output().count("\nrefused ")
    async with aiohttp.ClientSession() as session:
        for url in (served.url, f"{served.url}/?token=wrong-{served.token}", f"{served.url}/?token="):
            async with session.get(url) as response:
                assert response.status == 403
                page = await response.text()
                assert "?token=" in page and "<code>gradtour serve</code>" in page, "it says where the link was"
        for url in (served.ws_url(token=False), served.ws_url(token=False) + "&token=" + served.token[:-1]):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(url)
            assert refused.value.status == 403
        for path in ("/static/js/textual.js", "/gradtour/gradtour.css", "/download/abc", "/%1b%5b2J"):
            async with session.get(served.url + path) as response:
                assert response.status == 403, path
    assert not served.record_tree(), "a refused request starts no process"
    await asyncio.sleep(0.2)
    assert served.output().count("\nrefused ") - before == 9, "one line each"
    assert "\x1b" not in served.output(), "what a client sent is shown, never obeyed by the terminal"


async def test_the_link_becomes_a_cookie_and_the_cookie_opens_the_page_and_the_websocket(served):
    # unsafe: aiohttp's jar otherwise keeps no cookie of an IP address; a browser's does.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(served.link, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/", "the token leaves the address bar"
            cookie = response.headers["Set-Cookie"]
        assert f"gradtour-token-{served.port}={served.token}" in cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        async with session.get(served.url) as response:  # the session's cookie jar now holds it
            page = await response.text()
            assert response.status == 200 and response.headers["Referrer-Policy"] == "no-referrer"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
        assert "googleapis" not in page and "https://" not in page, "nothing is fetched off the origin"
        async with session.get(f"{served.url}/gradtour/fonts/NotoSansCJKsc-subset.woff2") as response:
            assert response.status == 200 and len(await response.read()) < 400_000
        async with session.ws_connect(served.ws_url(token=False)) as ws:
            await Tab(ws).wait_for(lesson_shown)


def test_the_token_is_compared_in_constant_time(monkeypatch):
    calls, compare = [], hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", recording)
    assert auth.token_matches("s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")
    assert not auth.token_matches("s3cret-s3cret-s3creT", "s3cret-s3cret-s3cret")
    assert not auth.token_matches(None, "s3cret-s3cret-s3cret")
    assert not auth.token_matches("é" * 20, "s3cret-s3cret-s3cret"), "non-ASCII is refused, not an error"
    assert len(calls) == 3


def test_a_chosen_token_comes_from_the_option_then_the_environment():
    assert serve.choose_token("a-token-of-my-own-choosing", {}) == ("a-token-of-my-own-choosing", None)
    assert serve.choose_token(None, {auth.TOKEN_ENV: "from-the-environment-1"})[0] == "from-the-environment-1"
    made, problem = serve.choose_token(None, {})
    assert problem is None and len(made) >= 43 and made != serve.choose_token(None, {})[0]
    assert serve.choose_token("short", {})[0] is None
    assert serve.choose_token("with spaces in it, sixteen+", {})[0] is None
    assert serve.choose_token("", {auth.TOKEN_ENV: "x"})[0] is None, "an empty --token turns nothing off"


async def test_a_token_from_the_environment_is_the_links_and_not_the_tabs(tmp_path):
    chosen = "chosen-in-the-environment-42"
    server = await start(tmp_path, env={auth.TOKEN_ENV: chosen})
    try:
        assert server.token == chosen
        async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url()) as ws:
            await Tab(ws).wait_for(lesson_shown)
            tab = next(pid for pid, command in server.record_tree().items() if command.endswith("-m tui --device auto"))
            with open(f"/proc/{tab}/environ", "rb") as environ:
                names = {entry.split(b"=", 1)[0] for entry in environ.read().split(b"\0")}
            assert auth.TOKEN_ENV.encode() not in names and b"GRADTOUR_WEB" in names
    finally:
        server.stop()
    assert not server.left_behind()


def test_a_bad_token_or_limit_is_a_clear_error():
    result = gradtour("serve", "--token", "short")
    assert result.returncode == 1 and "16" in result.stderr and "Traceback" not in result.stderr
    result = gradtour("serve", "--token", "short", "--lang", "zh")
    assert result.returncode == 1 and CJK.search(result.stderr)
    for option, value in (("--max-sessions", "0"), ("--idle-timeout", "-1"), ("--idle-timeout", "nan"),
                          ("--port", "99999")):
        result = gradtour("serve", option, value)
        assert result.returncode == 2 and value in result.stderr, (option, result.stderr)


async def test_only_the_bound_address_and_its_names_on_every_route(served):
    other = {"Cookie": f"gradtour-token-{served.port}={served.token}"}
    async with aiohttp.ClientSession() as session:
        for host in ("rebound.example", "127.0.0.2", "10.1.2.3", "[::1]", "0x7f000001", "localhost.evil.example"):
            for path in ("/", "/ws", "/static/js/textual.js", "/gradtour/gradtour.css", "/download/abc"):
                async with session.get(served.url + path, headers={**other, "Host": f"{host}:{served.port}"}) as r:
                    assert r.status == 403, (host, path)
        for host in ("127.0.0.1", "localhost"):
            async with session.get(served.url, headers={**other, "Host": f"{host}:{served.port}"}) as response:
                assert response.status == 200, host
        for path in ("/static/", "/static/js/", "/gradtour/", "/gradtour/fonts/"):
            async with session.get(served.url + path, headers=other) as response:
                assert response.status in (403, 404) and "textual.js" not in await response.text(), path
        for origin in ("http://evil.example", "null", f"https://127.0.0.1:{served.port}",
                       f"http://127.0.0.1:{served.port + 1}"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(served.ws_url(), headers={"Origin": origin})
            assert refused.value.status == 403, origin
        async with session.ws_connect(served.ws_url(), headers={"Origin": served.url}) as ws:
            await Tab(ws).wait_for(lesson_shown)


def test_host_names_and_origins():
    assert auth.host_names("127.0.0.1") == {"127.0.0.1", "localhost"}
    assert auth.host_names("::1") == {"::1", "localhost"}
    assert auth.host_allowed("localhost:9000", auth.host_names("127.0.0.1")), "a tunnel to another local port"
    assert not auth.host_allowed("[::1]:8000", auth.host_names("127.0.0.1"))
    assert not auth.host_allowed("[::1", auth.host_names("127.0.0.1")), "unparsable is refused, not an error"
    assert "tutor.example" in auth.host_names("tutor.example")
    assert auth.origin_allowed(None, "127.0.0.1:8000")
    assert auth.origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not auth.origin_allowed("https://127.0.0.1:8000", "127.0.0.1:8000"), "the scheme is compared"
    assert serve.app_command("zh", "cpu")[1:] == ["-m", "tui", "--device", "cpu", "--lang", "zh"]


async def test_a_malformed_request_is_one_log_line(served):
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    assert b" 400 " in (await asyncio.wait_for(reader.read(100), 10)).split(b"\r\n")[0]
    writer.close()
    await asyncio.sleep(0.3)
    out = served.output()
    lines = [line for line in out.splitlines() if "bad request" in line]
    assert len(lines) == 1 and "127.0.0.1" in lines[0] and "Traceback" not in out, out


async def test_each_tab_is_an_independent_learner(served):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(served.ws_url()) as ws_a, session.ws_connect(served.ws_url()) as ws_b:
            a, b = Tab(ws_a), Tab(ws_b)
            await asyncio.gather(a.wait_for(lesson_shown), b.wait_for(lesson_shown))
            await a.press("l")
            await a.press("n")
            await a.wait_for(lambda s: "中文" in s and "2 / 12" in s)
            await b.press("n")
            await b.wait_for(lambda s: "2 / 12" in s)
            await b.press("n")
            await b.wait_for(lambda s: "3 / 12" in s)
            assert not CJK.search(b.text()), "the other tab stays in English"
            assert "2 / 12" in a.text(), "and the first tab stays where it was"
    # One state file for both: A's language (B never changed it) and the
    # place of the tab that moved last, B's. B's save used to put English back.
    from tui.state import load_state, state_path

    deadline = asyncio.get_running_loop().time() + 20
    while (saved := load_state(state_path())[0]).lang != "zh" or saved.lesson != "8.3":
        assert asyncio.get_running_loop().time() < deadline, saved
        await asyncio.sleep(0.2)


async def test_ctrl_c_in_a_tab_does_not_end_it_and_export_is_a_download(served):
    async with aiohttp.ClientSession(cookies=served.cookies) as session:
        async with session.ws_connect(served.ws_url()) as ws:
            tab = Tab(ws)
            await tab.wait_for(lesson_shown)
            await tab.press("\x03")
            await tab.wait_for(lambda s: "ctrl+c copies" in s)
            await tab.press("n")
            await tab.wait_for(lambda s: "2 / 12" in s)
            await tab.press("x")
            while not any(m[0] == "deliver_file_start" for m in tab.messages):
                assert await tab.read(), "the tab stays open"
            key = next(m[1] for m in tab.messages if m[0] == "deliver_file_start")
            async with session.get(f"{served.url}/download/{key}") as response:
                script = await response.text()
                assert response.status == 200
                assert 'filename=gradtour_8_2.py' in response.headers["Content-Disposition"]
            assert "import torch" in script and "8.2" in script
            await tab.wait_for(lambda s: "downloads" in s)
    assert not list(served.log.parent.glob("gradtour_*.py")), "nothing is written on the server"


async def test_the_tab_after_the_last_allowed_is_refused_clearly(tmp_path):
    server = await start(tmp_path, "--max-sessions", "1")
    try:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(server.ws_url()) as first:
                await Tab(first).wait_for(lesson_shown)
                running = len(server.record_tree())
                async with session.ws_connect(server.ws_url()) as second:
                    extra = Tab(second)
                    assert await extra.wait_closed(10) < 10
                    assert second.close_code == 4001 and "--max-sessions 1" in extra.notices[0]["text"]
                assert len(server.record_tree()) == running, "no process for the refused tab"
            # Closed, the first tab makes room for another once its processes have ended.
            for _attempt in range(40):
                async with session.ws_connect(server.ws_url()) as third:
                    tab = Tab(third)
                    try:
                        await tab.wait_for(lesson_shown)
                        break
                    except ConnectionError:
                        assert tab.notices and tab.notices[0]["code"] == 4001
                await asyncio.sleep(0.25)
            else:
                raise AssertionError("the closed tab's place was never given back")
    finally:
        server.stop()
    assert not server.left_behind()


async def test_an_idle_tab_is_closed_and_told_so(tmp_path):
    server = await start(tmp_path, "--idle-timeout", "0.1")  # 6 s
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url()) as ws:
            tab = Tab(ws)
            await tab.wait_for(lesson_shown)
            tab_processes = dict(server.record_tree())
            await tab.press("n")  # a key starts the wait again
            await tab.wait_closed(30)
            assert ws.close_code == 4000 and "0.1 minutes without a key" in tab.notices[0]["text"]
        assert not {pid for pid in tab_processes if pid in server.left_behind(5)}
    finally:
        server.stop()
    assert not server.left_behind()


async def test_stopping_with_a_tab_open_tells_it_and_takes_under_two_seconds(tmp_path):
    server = await start(tmp_path)
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url()) as ws:
        tab = Tab(ws)

        def worker_started(screen: str) -> bool:
            return lesson_shown(screen) and any("lessons.worker" in c for c in server.record_tree().values())

        await tab.wait_for(worker_started)
        # Read while it stops, as a browser does: the close handshake needs the tab's reply.
        took, _ = await asyncio.gather(asyncio.get_running_loop().run_in_executor(None, server.stop),
                                       tab.wait_closed(5))
    assert took < 2.0, f"the server took {took:.2f} s to stop"
    assert ws.close_code == 4002 and "stopped" in tab.notices[0]["text"], (tab.notices, server.output())
    assert not server.left_behind(1), "every tab's processes end with the server"
    assert "Loop" not in server.output() and "Traceback" not in server.output(), server.output()


async def test_a_closed_tab_leaves_no_process(served):
    async with aiohttp.ClientSession() as session, session.ws_connect(served.ws_url()) as ws:
        tab, tree = Tab(ws), {}

        def worker_started(screen: str) -> bool:
            tree.update(served.record_tree())
            return lesson_shown(screen) and any("lessons.worker" in c for c in tree.values())

        await tab.wait_for(worker_started)
    from tests.processes import wait_gone

    left = {pid: command for pid, command in tree.items() if not wait_gone(pid, 30)}
    assert not left, left
    assert served.proc.poll() is None, "the server carries on"


def test_a_busy_port_is_reported():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = gradtour("serve", "--port", str(port), timeout=60)
    assert result.returncode == 1 and f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_session_cap_follows_free_memory(tmp_path):
    from tui.web.server import default_max_sessions

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 25165824 kB\nMemAvailable: 20971520 kB\n")
    assert default_max_sessions(str(meminfo)) == 25  # 20 GiB free: half of it at 400 MB a tab
    meminfo.write_text("MemAvailable: 102400 kB\n")
    assert default_max_sessions(str(meminfo)) == 1, "at least one"
    assert default_max_sessions(str(tmp_path / "absent")) >= 1


def test_a_wildcard_address_prints_links_a_browser_can_open():
    """`--host 0.0.0.0` printed http://0.0.0.0:…, which is no address to open:
    the machine's name (for other computers) and 127.0.0.1 (for this one)."""
    import socket

    from tui.serve import links
    from tui.web import auth

    for wildcard in ("0.0.0.0", "::", "[::]"):
        shown = links(wildcard, 8931, "t" * 22)
        assert shown == [f"http://{socket.gethostname()}:8931/?token={'t' * 22}",
                         f"http://127.0.0.1:8931/?token={'t' * 22}"]
        names = auth.host_names(wildcard.strip("[]"))
        assert socket.gethostname().lower() in names and "127.0.0.1" in names
    assert links("::1", 80, "x") == ["http://[::1]:80/?token=x"]
    assert links("127.0.0.1", 80, "x") == ["http://127.0.0.1:80/?token=x"]
