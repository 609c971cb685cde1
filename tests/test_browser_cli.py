"""``wsdiag events`` on a folder of browser traces: the issue's definition of done."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

from conftest import DATA, run

if TYPE_CHECKING:
    from pathlib import Path

FILES = [
    "app.example.test-1714600830000.log",  # Chrome export with timestamps
    "app.example.test-1714565120000.log",  # Chrome export without
    "chrome-devtools.har",
    "firefox.har",
]


def _events(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_events_on_a_browser_folder(tmp_path: Path) -> None:
    for name in FILES:
        shutil.copy(DATA / "browser" / name, tmp_path / name)
    (tmp_path / "truncated.har").write_text((DATA / "browser" / "chrome-devtools.har").read_text()[:300])
    result = run("events", str(tmp_path), "--tz", "Europe/Paris", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert "truncated.har: skipped: not a readable HAR" in result.stderr
    events = _events(result.stdout)
    assert {e["format"] for e in events} == {"chrome-console", "har"}
    assert all(e["source"] == "browser" for e in events)
    assert all(e["ts"] is None or e["ts"].endswith("Z") for e in events)

    # the console's failed WebSocket, in columns
    console = [e for e in events if e["format"] == "chrome-console" and e["kind"] == "ws_failure"]
    assert {(e["sid"], e["status"], e["ts_estimated"]) for e in console} == {
        ("lv_VI97HAXpY6yYWAAAC", 502, False),
        ("lv_VI97HAXpY6yYWAAAC", None, True),
    }
    timed = next(e for e in console if not e["ts_estimated"])
    assert timed["ts"] == "2024-05-01T21:59:58.905000Z"
    assert timed["reason"] == "Error during WebSocket handshake: Unexpected response code: 502"

    # the HARs' failed WebSockets, in columns
    har_failures = {
        (e["file"].rsplit("/", 1)[-1], e["host"], e["sid"], e["status"], e["error"])
        for e in events
        if e["format"] == "har" and e["kind"] == "ws_failure"
    }
    assert har_failures == {
        (
            "chrome-devtools.har",
            "api.example.test",
            "Qm3xHVyJjFpTqyWNAAAF",
            502,
            "Error during WebSocket handshake: Unexpected response code: 502",
        ),
        ("chrome-devtools.har", "ws.nowhere.example.test", None, 0, "net::ERR_NAME_NOT_RESOLVED"),
        ("firefox.har", "api.example.test", "gQ7rT2mN5bV8cX1zAAAB", 0, None),
    }


def test_the_summary_says_how_console_times_were_placed(tmp_path: Path) -> None:
    shutil.copy(DATA / "browser" / FILES[1], tmp_path / FILES[1])
    result = run("events", str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 0
    assert "chrome-console (browser), 11 events, 0 unparsed" in result.stderr
    assert "marked estimated" in result.stderr
