"""Drive a headless Chromium over the DevTools protocol on a pipe, with the standard library only.

``--remote-debugging-pipe`` makes Chromium read protocol messages on fd 3 and write them on fd 4, each
a JSON object followed by a NUL byte: no port, no WebSocket client, no test dependency. The browser
runs with networking side channels off and a throwaway profile. Console messages, uncaught exceptions
and browser log entries (CSP violations, failed loads) are collected as they arrive.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The Chromium binary to use, or None (``WSDIAG_CHROMIUM`` overrides the search)."""
    override = os.environ.get("WSDIAG_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _high(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (the original is closed)."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


class BrowserError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


class Chromium:
    """One headless browser with one page; use as a context manager."""

    def __init__(self, binary: str, profile: Path, *, width: int = 1400, height: int = 1000) -> None:
        self.messages: list[dict[str, Any]] = []
        self._next_id = 0
        self._buffer = b""
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # numbered above 4, so that putting them on 3 and 4 cannot overwrite one with the other
        to_browser_r, from_browser_w = (_high(fd) for fd in (to_browser_r, from_browser_w))
        args = [
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip

        def on_fds_3_and_4() -> None:  # in the child, before exec: the descriptors Chromium reads/writes
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        # close_fds=False keeps 3 and 4; every other descriptor Python opened is close-on-exec anyway
        self._process = subprocess.Popen(
            args,
            preexec_fn=on_fds_3_and_4,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the browser (politely, then for sure) and close the pipes."""
        try:
            self._send({"id": self._new_id(), "method": "Browser.close"})
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait(timeout=10)
        finally:
            for fd in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    os.close(fd)

    # -- protocol ----------------------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, message: dict[str, Any]) -> None:
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False, timeout: float = 30
    ) -> dict[str, Any]:
        """Send one command and wait for its answer; events arriving meanwhile are kept."""
        message: dict[str, Any] = {"id": self._new_id(), "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        self._send(message)
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == message["id"]:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.messages.append(answer)

    def wait_for(self, event: str, *, timeout: float = 30) -> dict[str, Any]:
        """Wait for the next ``event`` (one already received counts)."""
        for i, message in enumerate(self.messages):
            if message.get("method") == event:
                return self.messages.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("method") == event:
                return message
            self.messages.append(message)

    # -- what the tests use ------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Navigate and wait until the page has loaded; what earlier pages logged is forgotten."""
        self.messages.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole scrollable page by default)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and browser log errors seen so far."""
        self.evaluate("0")  # drain what the page produced before this point
        out = []
        for message in self.messages:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
                out.append(f"console.{params['type']}: {' '.join(texts)}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                out.append(
                    f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
                )
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                out.append(
                    f"{entry.get('source')} {entry['level']}: {entry.get('text')} ({entry.get('url', '')})"
                )
        return out
