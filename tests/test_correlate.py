"""Correlation: clock offsets recovered from shared requests and sessions, keys linked, connections built."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from analyzer.correlate import correlate
from analyzer.ingest import InputInfo
from analyzer.model import conform

T0 = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def session(i: int, start: float, *, browser_skew: float = 0.0, backend_skew: float = 0.0) -> list[dict]:
    """One healthy Socket.IO session as proxy, backend and browser record it (skews in seconds)."""
    sid = f"sid{i:04d}xxxxxxxxxxxxx"
    client = f"10.0.0.{i % 250 + 1}"
    t_hs, t_post = f"Phs{i}", f"Ppo{i}"
    life = 60.0
    proxy = [
        dict(
            ts=at(start),
            kind="http_request",
            method="GET",
            transport="polling",
            t=t_hs,
            status=200,
            duration_ms=3.0,
            client=client,
            path="/socket.io/",
            file="traefik/access.log",
            line=10 * i,
        ),
        dict(
            ts=at(start + 0.02),
            kind="http_request",
            method="POST",
            transport="polling",
            t=t_post,
            sid=sid,
            status=200,
            duration_ms=2.0,
            client=client,
            path="/socket.io/",
            file="traefik/access.log",
            line=10 * i + 1,
        ),
        dict(
            ts=at(start + 0.05),
            ts_end=at(start + 0.05 + life),
            kind="ws_upgrade",
            method="GET",
            transport="websocket",
            sid=sid,
            status=0,
            duration_ms=life * 1000,
            client=client,
            router="chat-ws@file",
            upstream="http://127.0.0.1:3000",
            path="/socket.io/",
            file="traefik/access.log",
            line=10 * i + 2,
        ),
    ]
    for row in proxy:
        row["source"] = "proxy"
    backend = [
        dict(
            ts=at(start + 0.001 + backend_skew),
            kind="handshake",
            sid=sid,
            file="backend/chat.log",
            line=10 * i,
        ),
        dict(
            ts=at(start + 0.06 + backend_skew),
            kind="upgrade",
            sid=sid,
            transport="websocket",
            file="backend/chat.log",
            line=10 * i + 1,
        ),
        dict(
            ts=at(start + 0.05 + life + backend_skew),
            kind="disconnect",
            sid=sid,
            reason="transport close",
            file="backend/chat.log",
            line=10 * i + 2,
        ),
    ]
    for row in backend:
        row["source"] = "backend"
    browser = [
        dict(
            ts=at(start - 0.001 + browser_skew),
            kind="http_request",
            method="GET",
            transport="polling",
            t=t_hs,
            status=200,
            sid=sid,
            file="browser/session.har",
            line=i,
        ),
        dict(
            ts=at(start + 0.049 + browser_skew),
            kind="ws_upgrade",
            transport="websocket",
            sid=sid,
            status=101,
            file="browser/session.har",
            line=1000 + i,
        ),
    ]
    for row in browser:
        row["source"] = "browser"
    return proxy + backend + browser


def frame(rows: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows, infer_schema_length=None))


def inputs_for(events: pl.DataFrame) -> list[InputInfo]:
    out = []
    for (path, source), group in events.group_by(["file", "source"], maintain_order=True):
        out.append(InputInfo(str(path), source=str(source), format="test", events=group.height))
    return out


def test_skewed_clocks_are_recovered_within_100ms():
    rows = [r for i in range(30) for r in session(i, 5.0 * i, browser_skew=7.0, backend_skew=-2.0)]
    events = frame(rows)
    inputs = inputs_for(events)
    result = correlate(events, inputs)
    offsets = {i.path: i.clock_offset_ms for i in inputs}
    assert offsets["traefik/access.log"] == 0
    assert offsets["browser/session.har"] == pytest.approx(-7000, abs=100)
    assert offsets["backend/chat.log"] == pytest.approx(2000, abs=100)
    assert all(i.aligned for i in inputs)
    # after correction, each session's backend handshake lands right after the proxy's handshake
    hs = result.events.filter(pl.col("kind") == "handshake").sort("conn_id")["ts"]
    assert (hs - pl.Series([at(5.0 * i) for i in range(30)])).dt.total_milliseconds().abs().max() < 100


def test_handshake_without_sid_joins_its_session_and_connections_are_ok():
    events = frame(session(1, 0.0))
    result = correlate(events, inputs_for(events))
    assert result.events.filter(pl.col("source") == "proxy")["conn_id"].unique().to_list() == [
        "sid0001xxxxxxxxxxxxx"
    ]
    conn = result.connections.row(0, named=True)
    assert conn["outcome"] == "ok" and conn["upgrade_outcome"] == "upgraded"
    assert conn["lifetime_ms"] == 60_000 and conn["routers"] == ["chat-ws@file"]
    assert conn["transports"] == ["polling", "websocket"]


def test_sid_seen_by_two_replicas():
    rows = session(1, 0.0)
    rows.append(dict(ts=at(0.03), kind="error", sid="sid0001xxxxxxxxxxxxx", error_code=1, source="backend",
                     file="backend/chat.log", stream="chat-2", line=99, error="Session ID unknown"))  # fmt: skip
    events = frame(rows)
    result = correlate(events, inputs_for(events))
    conn = result.connections.row(0, named=True)
    assert conn["engine_error_code"] == 1
    assert conn["outcome"] == "dropped"


def test_connection_known_only_by_t():
    """A CORS-blocked handshake: the browser and the proxy share only the polling t."""
    rows = [
        dict(ts=at(0), kind="http_request", method="GET", transport="polling", t="Pcors1", status=200, duration_ms=2.0,
             source="proxy", file="traefik/access.log", line=1, client="10.0.0.1", path="/socket.io/"),
        dict(ts=at(0.01), kind="cors_blocked", t="Pcors1", transport="polling", path="/socket.io/", host="api.example.test",
             source="browser", file="browser/console.log", line=1),
    ]  # fmt: skip
    events = frame(rows)
    result = correlate(events, inputs_for(events))
    assert result.events["conn_id"].unique().to_list() == ["a1"]
    conn = result.connections.row(0, named=True)
    assert conn["outcome"] == "failed_handshake"


def test_websocket_line_written_minutes_after_its_handshake():
    rows = session(1, 0.0)
    ws = next(r for r in rows if r["kind"] == "ws_upgrade" and r["source"] == "proxy")
    ws["duration_ms"] = 600_000.0  # ten minutes: the proxy wrote the line at close
    ws["ts_end"] = at(600.05)
    events = frame(rows)
    result = correlate(events, inputs_for(events))
    conn = result.connections.row(0, named=True)
    assert conn["lifetime_ms"] == 600_000 and conn["upgrade_outcome"] == "upgraded"
    assert conn["last_ts"] == at(600.05)


def test_refused_upgrade_is_failed_upgrade():
    rows = session(1, 0.0)
    ws = next(r for r in rows if r["kind"] == "ws_upgrade" and r["source"] == "proxy")
    ws.update(status=400, duration_ms=2.0, ts_end=at(0.052))
    rows = [r for r in rows if not (r["kind"] in ("upgrade", "ws_upgrade") and r["source"] != "proxy")]
    events = frame(rows)
    conn = correlate(events, inputs_for(events)).connections.row(0, named=True)
    assert (conn["outcome"], conn["upgrade_outcome"]) == ("failed_upgrade", "refused 400")


def test_sources_without_overlap_stay_unaligned():
    rows = session(1, 0.0)
    rows.append(
        dict(ts=at(3), kind="log", message="unrelated", source="backend", file="other-host/app.log", line=1)
    )
    events = frame(rows)
    inputs = inputs_for(events)
    correlate(events, inputs)
    other = next(i for i in inputs if i.path == "other-host/app.log")
    assert other.aligned is False and other.clock_offset_ms == 0
    assert any("no event shared" in n for n in other.notes)


def test_undated_browser_record_takes_the_time_of_the_same_request():
    rows = [
        dict(ts=at(30), kind="http_request", method="GET", transport="polling", t="Pz1", status=404, path="/socket.io/",
             query="EIO=4&transport=polling&t=Pz1", source="proxy", file="traefik/access.log", line=1, client="10.0.0.1"),
        dict(ts=at(0), ts_estimated=True, kind="net_error", status=404, path="/socket.io/",
             query="EIO=4&transport=polling&t=Pz1", source="browser", file="browser/console.log", line=1),
    ]  # fmt: skip
    events = frame(rows)
    result = correlate(events, inputs_for(events))
    browser = result.events.filter(pl.col("source") == "browser").row(0, named=True)
    assert browser["ts"] == at(30) and browser["ts_estimated"] is True
