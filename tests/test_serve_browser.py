"""Web mode in a real browser: Debian's chromium, headless, driven by Playwright.

Never `playwright install` (it downloads a browser): the tests launch the
system's chromium (`apt-get install chromium`, which .ci/run does when it
can) and are skipped, with the reason, where there is none. The short test
runs with the suite; the long walk through every key is `make test-browser`
(marked `browser`). Everything stays on 127.0.0.1.

xterm.js draws on a canvas, so the text is read from its buffer: the init
script keeps each Terminal the page makes (every one assigns `_core` in its
constructor).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import pytest

from tests.web_helpers import Served

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is in the test extras")
CHROMIUM = next((path for path in (os.environ.get("GRADTOUR_CHROMIUM"), "/usr/bin/chromium",
                                   shutil.which("chromium"), shutil.which("chromium-browser")) if path
                 and os.path.exists(path)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian: apt-get install chromium); "
                                                         "tests/test_serve.py covers the server without one")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]

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
() => (window.__gradtourTerminals || []).filter(t => t.buffer && t.buffer.active && t.rows).map(t => {
  const lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = t.buffer.active.getLine(y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\n");
}).join("\n")
"""


class Browser:
    """One chromium page on the served link, every request it makes and
    every error it reports recorded."""

    def __init__(self, page, served: Served) -> None:
        self.page, self.served = page, served
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    async def text(self) -> str:
        return await self.page.evaluate(READ_TERMINAL) or ""

    async def wait_for(self, predicate, timeout: float = 90) -> float:
        """Seconds until the terminal shows what `predicate` wants."""
        started = time.monotonic()
        text = ""
        while not predicate(text := await self.text()):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"the page never showed it; it shows:\n{text}")
            await asyncio.sleep(0.01)
        return time.monotonic() - started

    def off_origin(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.served.url + "/")]


@pytest.fixture
async def served(tmp_path):
    server = Served(tmp_path)
    await server.wait_up()
    yield server
    server.stop()
    assert not server.left_behind(), f"left behind by the server: {server.left_behind(0)}"


@pytest.fixture
async def browser(served, tmp_path):
    async with playwright_api.async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = await chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
        await context.add_init_script(KEEP_TERMINALS)
        page = await context.new_page()
        try:
            yield Browser(page, served)
        finally:
            await context.close()
            await chromium.close()


def lesson(number: int):
    return lambda text: f"{number} / 12" in text


async def test_the_printed_link_opens_the_lesson_and_the_first_key_works(browser, served):
    started = time.monotonic()
    await browser.page.goto(served.link)
    await browser.wait_for(lambda text: lesson(1)(text) and "Gradient and Optimizer" in text)
    to_lesson = time.monotonic() - started
    assert await browser.page.evaluate("document.activeElement.className") == "xterm-helper-textarea"
    await browser.page.keyboard.press("n")  # no click first
    await browser.wait_for(lesson(2))
    assert browser.page.url == served.url + "/", "the token left the address bar"
    assert not browser.off_origin(), browser.off_origin()
    assert not browser.errors, browser.errors
    fonts = [url for url in browser.requests if url.endswith(".woff2")]
    assert fonts and all("/gradtour/fonts/" in url for url in fonts)
    print(f"to the lesson {to_lesson:.2f} s")


@pytest.mark.browser
async def test_every_key_copy_export_and_the_stop_in_a_browser(browser, served, tmp_path):
    page = browser.page
    started = time.monotonic()
    await page.goto(served.link)
    await browser.wait_for(lesson(1))
    figures = {"to the lesson": time.monotonic() - started}
    keys = []
    for key, shown in (("n", lesson(2)), ("n", lesson(3)), ("p", lesson(2)), ("n", lesson(3))):
        started = time.monotonic()
        await page.keyboard.press(key)
        keys.append(await browser.wait_for(shown))
    figures["key, median"] = sorted(keys)[len(keys) // 2]
    await page.keyboard.press("l")
    figures["l"] = await browser.wait_for(lambda text: "中文" in text and "学习率" in text)
    assert await page.evaluate("""document.fonts.check('16px "Roboto Mono"', '学习率')""")

    await page.keyboard.press("Control+c")
    await browser.wait_for(lambda text: "ctrl+c" in text)
    await page.keyboard.press("Control+Shift+c")
    # Lesson text, selected with shift+drag (the mouse alone is the app's) and copied with ctrl+c.
    await page.keyboard.down("Shift")
    await page.mouse.move(20, 60)
    await page.mouse.down()
    await page.mouse.move(700, 140, steps=5)
    await page.mouse.up()
    await page.keyboard.up("Shift")
    await page.keyboard.press("Control+c")
    selected = await page.evaluate("navigator.clipboard.readText()")
    assert "学习率" in selected, selected
    await page.keyboard.press("n")
    await browser.wait_for(lesson(4))
    assert "-closed" not in await page.evaluate("document.body.className"), "ctrl+c never ends the session"

    await page.keyboard.press("y")
    await browser.wait_for(lambda text: "行）已复制" in text)
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert "import torch" in copied and "optim.SGD" in copied, copied[:200]

    async with page.expect_download(timeout=30_000) as download_info:
        await page.keyboard.press("x")
    download = await download_info.value
    assert download.suggested_filename == "gradtour_8_4.py"
    script = tmp_path / "download.py"
    await download.save_as(script)
    assert "import torch" in script.read_text(encoding="utf-8")
    await browser.wait_for(lambda text: "正在下载" in text)

    assert not browser.off_origin(), browser.off_origin()
    font_bytes = 0
    for url in {url for url in browser.requests if url.endswith(".woff2")}:
        response = await page.request.get(url)
        font_bytes += len(await response.body())
    figures["font bytes"] = font_bytes

    took = await asyncio.get_running_loop().run_in_executor(None, served.stop)
    figures["stop"] = took
    assert took < 2.0
    # Polled with evaluate: wait_for_function evals a string, which the page's CSP refuses.
    for _ in range(50):
        if "-closed" in await page.evaluate("document.body.className"):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the page never said the session had ended")
    assert "stopped" in await page.text_content("#gradtour-message") or \
        "停止" in await page.text_content("#gradtour-message")
    assert not served.left_behind(1)
    print(" ".join(f"{name}={value:.3f}" if isinstance(value, float) else f"{name}={value}"
                   for name, value in figures.items()))
