"""chrome_debug.log (``--enable-logging``): CONSOLE lines of every prefix variant, and the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import polars as pl
from conftest import DATA, data_lines, read_text

if TYPE_CHECKING:
    from pathlib import Path


def test_prefix_variants_of_chromium_and_electron(tmp_path: Path) -> None:
    text = "\n".join(data_lines("browser/chrome-enable-logging__CONSOLE-lines.txt")) + "\n"
    events, info = read_text(tmp_path, text, name="chrome_debug.log", date=date(2024, 1, 1))
    assert info.format == "chrome-debug-log"
    assert info.unparsed_lines == 0
    rows = events.sort("line").to_dicts()
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert (rows[0]["kind"], rows[0]["level"], rows[0]["logger"]) == ("log", "error", "bus.cc")
    assert rows[1]["message"] == "%cElectron Security Warning (Insecure Content-Security-Policy)"
    assert rows[1]["level"] == "info"  # INFO is forced for web pages: inferred from the text instead
    assert '"source_line":"170"' in rows[1]["attrs"]
    assert rows[2]["level"] == "warn"  # a real WARNING line keeps its level
    assert (rows[4]["kind"], rows[4]["level"]) == ("error", "error")  # "Uncaught Error" on an INFO line
    assert rows[4]["ts"] == datetime(2024, 10, 13, 17, 38, 35, 913000, tzinfo=UTC)
    assert rows[5]["ts"] == datetime(2024, 11, 10, 15, 51, 18, tzinfo=UTC)  # pid:MMDD/HHMMSS, no fraction
    assert rows[4]["message"].startswith("Uncaught Error: Minified React error #425")  # cut line: text kept
    assert rows[6]["raw"].count("\n") == 1  # the multi-line message continues on unprefixed lines


def test_chromium_156_console_lines_and_wrapper_noise(tmp_path: Path) -> None:
    text = "\n".join(data_lines("browser/chromium-156_chrome_debug.log")) + "\n"
    events, info = read_text(tmp_path, text, name="chrome_debug.log", date=date(2025, 11, 25), tz="UTC")
    assert info.format == "chrome-debug-log"
    assert info.unparsed_lines == 2  # the wrapper's own line and "DevTools listening on …"
    console = events.filter(pl.col("logger").is_null())
    assert console["kind"].to_list() == ["connect_attempt", "cors_blocked", "connect_error", "log"]
    cors = console.row(1, named=True)
    assert (cors["ts"], cors["host"], cors["origin"], cors["t"]) == (
        datetime(2025, 11, 25, 21, 3, 12, 123456, tzinfo=UTC),
        "api.localhost",
        "http://app.localhost:18080",
        "PYb7yQ2",
    )
    assert console.row(2, named=True)["error"] == "xhr poll error"
    state = console.row(3, named=True)
    assert state["message"] == 'state {\n  "connected": false\n}'
    assert state["line"] == 8
    noise = events.filter(pl.col("logger").is_not_null()).row(0, named=True)
    assert (noise["logger"], noise["level"], noise["kind"]) == ("dbus/bus.cc", "error", "log")


def test_the_year_comes_from_the_file_time_and_rolls_back_over_new_year(tmp_path: Path) -> None:
    text = (
        '[7:7:1231/235959.500000:INFO:CONSOLE(1)] "Connecting to WebSocket...", source: https://a.test/app.js (1)\n'
        '[7:7:0101/000001.000000:INFO:CONSOLE(2)] "Connection lost", source: https://a.test/app.js (2)\n'
    )
    path = tmp_path / "chrome_debug.log"
    path.write_text(text)
    import os

    stamp = datetime(2025, 1, 1, 0, 5, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    from analyzer.ingest import load

    events = load([str(path)]).events
    assert events["ts"].to_list() == [
        datetime(2024, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]


def test_real_chromium_156_capture(tmp_path: Path) -> None:
    """``chromium --enable-logging=stderr`` (see data/browser/real-captures.source.txt)."""
    text = (DATA / "browser" / "real-chromium-156_chrome_debug.log").read_text(encoding="utf-8")
    events, info = read_text(tmp_path, text, name="chrome_debug.log", date=date(2026, 11, 25))
    assert (info.format, info.unparsed_lines, info.unparsed_examples) == ("chrome-debug-log", 1, [1])
    console = events.filter(pl.col("logger").is_null()).sort("line")
    assert console["kind"].to_list() == ["connect_attempt", "log", "log", "connect_error"]
    assert console["ts"].to_list()[0] == datetime(2026, 11, 25, 21, 30, 28, 206832, tzinfo=UTC)
    assert '"source":"http://127.0.0.1:18099/"' in console["attrs"].to_list()[0]
    assert console.filter(kind="connect_error")["error"].to_list() == ["websocket error"]
    noise = events.filter(pl.col("logger").is_not_null())
    assert set(noise["kind"].to_list()) == {"log"}
    assert "dbus/bus.cc" in noise["logger"].to_list()
