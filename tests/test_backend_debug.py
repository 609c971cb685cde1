"""The ``debug`` module's layouts: non-TTY ISO, old GMT dates, TTY ``+Nms`` (placed in time), hidden dates."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from backend_helpers import read_at, row, sample_text, utc

if TYPE_CHECKING:
    from pathlib import Path

TTY = (
    '  engine handshaking client "ssO5x8uTyLv3_0bsAAAB" +0ms\n'
    "  socket.io:client connecting to namespace / +2ms\n"
    '  engine:socket sending packet "ping" (undefined) +25s\n'
    "  socket.io:client connecting to namespace /admin +30s\n"
    "  engine:socket client did not complete upgrade - closing transport +1m\n"
)


def test_old_gmt_dates_and_folded_error_object(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("socketio-client_issue1097_engineio-client-debug.log"))
    assert info.format == "debug-module" and info.unparsed_lines == 0
    poll = row(events, 4)
    assert (poll["ts"], poll["logger"], poll["level"]) == (
        utc("2017-08-30T17:08:30"),
        "engine.io-client:polling-xhr",
        "debug",
    )
    # the error and the object printed after it belong to this record
    assert poll["raw"].splitlines()[-1] == "}" and (poll["kind"], poll["error"]) == (
        "error",
        "xhr poll error",
    )
    assert (
        row(events, 1)["message"] == "test-app is running on 8888 port"
    )  # winston 2 text in the same stream


def test_tty_lines_are_placed_back_from_the_mtime(tmp_path: Path) -> None:
    end = utc("2025-11-27T10:00:00")
    events, info = read_at(tmp_path, TTY, mtime=end)
    assert info.format == "debug-module"
    assert events["ts_estimated"].all()
    assert events["ts"].is_sorted()
    assert row(events, 5)["ts"] == end
    # engine:socket's +1m counts from its own previous line (line 3), so line 3 is a minute before the end
    assert row(events, 3)["ts"] == end - timedelta(minutes=1)
    assert any("modification time" in note and "+N diffs" in note for note in info.notes)
    first = row(events, 1)
    assert (first["kind"], first["sid"], first["logger"]) == ("handshake", "ssO5x8uTyLv3_0bsAAAB", "engine")
    assert (row(events, 4)["kind"], row(events, 4)["namespace"]) == ("connect", "/admin")
    assert (row(events, 5)["kind"], row(events, 5)["reason"]) == ("upgrade", "closing transport")


def test_tty_lines_take_the_shipper_time(tmp_path: Path) -> None:
    """``docker logs -t`` gives every line an absolute time; it wins over any estimate."""
    stamped = "".join(f"2025-11-27T10:00:0{i}.000000000Z {line}\n" for i, line in enumerate(TTY.splitlines()))
    events, info = read_at(tmp_path, stamped)
    assert info.wrappers == ["timestamps"]
    assert not events["ts_estimated"].any()
    assert row(events, 3)["ts"] == utc("2025-11-27T10:00:02")


def test_tty_lines_between_timestamped_lines(tmp_path: Path) -> None:
    text = (
        '2025-11-27T10:00:00.000Z engine handshaking client "a1b2c3d4e5f6g7h8i9j0"\n'
        "  engine:socket writing ping packet - expecting pong within 20000ms +25s\n"
    )
    events, _ = read_at(tmp_path, text)
    late = row(events, 2)
    assert late["ts_estimated"] and late["ts"] >= utc("2025-11-27T10:00:00")


def test_hidden_dates(tmp_path: Path) -> None:
    text = 'engine handshaking client "ssO5x8uTyLv3_0bsAAAB"\nengine unknown sid "ssO5x8uTyLv3_0bsAAAB"\n'
    events, info = read_at(tmp_path, text, mtime=utc("2025-01-01T00:00:00"))
    assert info.format == "debug-module"
    assert events["kind"].to_list() == ["handshake", "error"]
    assert events["ts_estimated"].all()
