"""What a backend message means, whatever format carried it: one row per wording."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from analyzer.parsers.backend.classify import classify

SID = "lv_VI97HAXpY6yYWAAAC"
SOCK = "wZX3oN0bSVIhsaknAAAI"

CASES: list[tuple[str, str, dict[str, object]]] = [
    # engine.io server (lib/server.ts verify(), socket.ts)
    ("handshake", f'handshaking client "{SID}"', {"kind": "handshake", "sid": SID}),
    (
        "unknown-sid",
        f'unknown sid "{SID}"',
        {"kind": "error", "error_code": 1, "error_name": "UNKNOWN_SID", "sid": SID, "status": 400},
    ),
    (
        "unknown-transport",
        'unknown transport "undefined"',
        {"kind": "error", "error_code": 0, "transport": "undefined"},
    ),
    (
        "transport-mismatch",
        "bad request: unexpected transport without upgrade",
        {"kind": "error", "error_code": 3, "error": "Bad request", "error_name": "TRANSPORT_MISMATCH"},
    ),
    (
        "ws-handshake-no-upgrade",
        "invalid transport upgrade",
        {"error_code": 3, "error_name": "TRANSPORT_HANDSHAKE_ERROR"},
    ),
    (
        "protocol",
        "unsupported protocol version",
        {"error_code": 5, "error_name": "UNSUPPORTED_PROTOCOL_VERSION"},
    ),
    (
        "upgrade-timeout",
        "client did not complete upgrade - closing transport",
        {"kind": "upgrade", "reason": "closing transport", "error": "client did not complete upgrade"},
    ),
    ("upgraded", "got upgrade packet - upgrading", {"kind": "upgrade", "status": 101, "error": None}),
    (
        "upgrade-attempt",
        f"{SID}: Received request to upgrade to websocket",
        {"kind": "upgrade", "status": None, "sid": SID},
    ),
    ("py-upgraded", f"{SID}: Upgrade to websocket successful", {"kind": "upgrade", "status": 101}),
    ("ping", "writing ping packet - expecting pong within 20000ms", {"kind": "ping"}),
    (
        "reason",
        "closing socket - reason transport close",
        {"kind": "disconnect", "reason": "transport close"},
    ),
    (
        "request",
        f'handling "POST" http request "/socket.io/?EIO=4&transport=polling&t=N8hyd7H&sid={SID}"',
        {
            "kind": "http_request",
            "method": "POST",
            "path": "/socket.io/",
            "eio": 4,
            "transport": "polling",
            "t": "N8hyd7H",
            "sid": SID,
        },
    ),
    (
        "connect-ack",
        f'sending packet "message" (0{{"sid":"{SOCK}"}})',
        {"kind": "connect", "socket_id": SOCK, "namespace": "/"},
    ),
    (
        "connect-ack-ns",
        f'40/admin,{{"sid":"{SOCK}"}}',
        {"kind": "connect", "socket_id": SOCK, "namespace": "/admin"},
    ),
    (
        "namespace-denied",
        "creation of namespace /chat was denied",
        {"kind": "connect_error", "error": "Invalid namespace"},
    ),
    # connection_error handlers and response bodies
    (
        "code-json",
        '{"code":3,"message":"Bad request","context":{"name":"TRANSPORT_MISMATCH"}}',
        {"error_code": 3, "error_name": "TRANSPORT_MISMATCH"},
    ),
    (
        "forbidden-json",
        '{"code":4,"message":"Forbidden"}',
        {"error_code": 4, "error_name": "FORBIDDEN", "status": 403, "error": "Forbidden"},
    ),
    ("handler-print", "1 Session ID unknown { sid: 'abc' }", {"error_code": 1, "error_name": "UNKNOWN_SID"}),
    # python-engineio / python-socketio
    (
        "py-open",
        f"{SID}: Sending packet OPEN data {{'sid': '{SID}', 'upgrades': ['websocket']}}",
        {"kind": "handshake", "sid": SID},
    ),
    ("py-invalid", f"Invalid session {SID}", {"error_code": 1, "error_name": "UNKNOWN_SID", "sid": SID}),
    (
        "py-origin",
        "http://evil.test is not an accepted origin.",
        {"error_name": "FORBIDDEN", "error": "http://evil.test is not an accepted origin."},
    ),
    (
        "py-ws-no-upgrade",
        "Invalid websocket upgrade",
        {"kind": "error", "error_name": "TRANSPORT_HANDSHAKE_ERROR", "status": 400},
    ),
    (
        "py-rejected",
        "Application rejected connection",
        {"kind": "connect_error", "error_name": "FORBIDDEN", "status": 401},
    ),
    ("py-post-no-sid", "Invalid session None", {"error_name": "UNKNOWN_SID", "sid": None}),
    ("py-gone", f"{SID}: Client is gone, closing socket", {"kind": "disconnect", "reason": "ping timeout"}),
    (
        "py-connect-error",
        f'{SID}: Sending packet MESSAGE data 4{{"message":"Not authorized"}}',
        {"kind": "connect_error", "error": "Not authorized"},
    ),
    (
        "py-ns-disconnect",
        f"{SID}: Received packet MESSAGE data 1/chat,",
        {"kind": "disconnect", "reason": "client namespace disconnect", "namespace": "/chat"},
    ),
    # uvicorn / websockets, Channels
    (
        "uvicorn-403",
        '172.18.0.3:51234 - "WebSocket /ws?ticket=x" 403',
        {"kind": "ws_upgrade", "status": 403, "client": "172.18.0.3:51234", "path": "/ws"},
    ),
    (
        "uvicorn-access",
        '127.0.0.1:0 - "GET /socket.io/?EIO=4&transport=polling HTTP/1.1" 400',
        {"kind": "http_request", "status": 400, "protocol": "HTTP/1.1"},
    ),
    (
        "channels-reject",
        "WebSocket REJECT /ws/chat/ [10.0.0.7:1]",
        {"kind": "ws_upgrade", "status": 403, "error_name": "FORBIDDEN"},
    ),
    # gorilla/websocket, both generations, and close errors
    (
        "gorilla-connection",
        "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header",
        {"kind": "ws_error", "error_name": "TRANSPORT_HANDSHAKE_ERROR", "status": 400},
    ),
    (
        "gorilla-upgrade-header",
        "websocket: the client is not using the websocket protocol: 'websocket' token not found in 'Upgrade' header",
        {"error_name": "TRANSPORT_HANDSHAKE_ERROR"},
    ),
    ("gorilla-old", "websocket: upgrade != websocket", {"error_name": "TRANSPORT_HANDSHAKE_ERROR"}),
    (
        "gorilla-method",
        "websocket: the client is not using the websocket protocol: request method is not GET",
        {"kind": "ws_error", "error_name": "BAD_HANDSHAKE_METHOD", "status": 405},
    ),
    (
        "other-go-library",
        "websocket: the client is not using the WebSocket protocol: 'Upgrade' header, or it isn't 'websocket'",
        {"kind": "ws_error", "error_name": "TRANSPORT_HANDSHAKE_ERROR"},
    ),
    (
        "gorilla-v1.4-key",
        "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank",
        {"kind": "ws_error", "error_name": "BAD_REQUEST", "status": 400},
    ),
    (
        "gorilla-origin",
        "websocket: request origin not allowed by Upgrader.CheckOrigin",
        {"error_name": "FORBIDDEN", "status": 403},
    ),
    ("gorilla-origin-old", "websocket: origin not allowed", {"error_name": "FORBIDDEN"}),
    (
        "gorilla-1006",
        "read: websocket: close 1006 (abnormal closure): unexpected EOF",
        {"kind": "ws_close", "close_code": 1006, "reason": "abnormal closure"},
    ),
    ("gorilla-dial", "Error dialing backend: websocket: bad handshake", {"kind": "ws_error"}),
    # ws
    (
        "ws-payload",
        "RangeError: Max payload size exceeded",
        {"kind": "ws_error", "close_code": 1009, "error_name": "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"},
    ),
    (
        "ws-code",
        "Error [WS_ERR_INVALID_OPCODE]: Invalid WebSocket frame: invalid opcode 7",
        {"close_code": 1002, "error_name": "WS_ERR_INVALID_OPCODE"},
    ),
    ("ws-response", "Error: Unexpected server response: 502", {"kind": "ws_error", "status": 502}),
    # apps and clients
    (
        "express-404",
        "Cannot GET /socket.io/?EIO=4&transport=polling&t=PXa1",
        {"kind": "http_request", "status": 404, "method": "GET", "transport": "polling"},
    ),
    (
        "gateway-connect",
        f"Client connected: {SOCK}",
        {"kind": "connect", "socket_id": SOCK, "namespace": None},
    ),
    ("close-code", "WebSocket closed with code 1001 (going away)", {"kind": "ws_close", "close_code": 1001}),
    ("reset", "Error: read ECONNRESET", {"kind": "net_error", "error": "ECONNRESET"}),
    ("request-id", "request_id=7f3a9c01 upgrade failed", {"request_id": "7f3a9c01"}),
    (
        "traceparent",
        "traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        {"request_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
    ),
    (
        "client-probe",
        'probe transport "websocket" failed because of error: transport closed',
        {"kind": "upgrade", "error": "transport closed"},
    ),
    (
        "client-reason",
        'socket close with reason: "ping timeout"',
        {"kind": "disconnect", "reason": "ping timeout"},
    ),
    ("plain", "Nest application successfully started", {"kind": "log", "error": None, "sid": None}),
]


@pytest.mark.parametrize(("message", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_message_meaning(message: str, expected: dict[str, object]) -> None:
    row = classify(pl.DataFrame({"message": [message], "level": ["info"]})).row(0, named=True)
    assert {k: row[k] for k in expected} == expected


def test_error_level_without_a_known_wording_is_an_error() -> None:
    out = classify(pl.DataFrame({"message": ["something broke", "fine"], "level": ["error", "info"]}))
    assert out["kind"].to_list() == ["error", "log"]


def test_values_a_parser_set_are_kept() -> None:
    out = classify(
        pl.DataFrame({"message": [f'unknown sid "{SID}"'], "status": [418], "request_id": ["r-1"]})
    )
    assert out.select("status", "request_id", "error_code").row(0) == (418, "r-1", 1)


def test_signatures_kept_from_earlier_files_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A template's signature is kept for later files: the second file, the same file again, and a file
    read after the kept signatures were dropped (the cap) are classified as the first time."""
    import analyzer.parsers.backend.classify as module

    recorded = (
        Path(__file__).parent.parent / "sample_logs" / "traefik-priority-conflict" / "backend" / "chat.log"
    )
    lines = recorded.read_text(encoding="utf-8").splitlines()
    # engine.io's debug output: "<ISO time> <namespace> <message>"
    frame = pl.DataFrame({"message": [line.split(" ", 1)[1] for line in lines if " " in line]})
    monkeypatch.setattr(module, "_SIGNATURE_OF", {})
    first = classify(frame)
    assert module._SIGNATURE_OF  # kept
    assert classify(frame).equals(first)
    assert classify(frame.tail(50)).equals(classify(frame).tail(50))
    monkeypatch.setattr(module, "_SIGNATURES_KEPT", 1)
    assert classify(frame).equals(first)
    assert first["kind"].n_unique() > 3  # a real mixture of meanings, not one
