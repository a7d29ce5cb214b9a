"""Helpers for tests that run gradtour as a learner would."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ESCAPE = re.compile(r"\x1b")


def gradtour(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 60):
    """Run `python -m tui ARGS` with a clean language environment."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("GRADTOUR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          env=environ, input=input, timeout=timeout)


def chinese_ratio(text: str) -> float:
    """Share of CJK among the letters of `text`, code and ASCII art excluded by the caller."""
    cjk = len(CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return cjk / max(1, cjk + latin)


async def wait_until(pilot, predicate, timeout: float = 60.0) -> None:
    """Let the app under `pilot` run until `predicate()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.05)
