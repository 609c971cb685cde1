"""What browser messages mean: one case per string family browsers and socket.io-client print.

Messages are verbatim from ``../shared/reference/browser.md`` §3 and its samples unless the id says otherwise.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from analyzer.parsers.browser.classify import classify

WS_502 = (
    "WebSocket connection to 'wss://api.example.test/socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC'"
    " failed: Error during WebSocket handshake: Unexpected response code: 502"
)

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ws-handshake-502",
        WS_502,
        {
            "kind": "ws_failure",
            "level": "error",
            "status": 502,
            "host": "api.example.test",
            "path": "/socket.io/",
            "eio": 4,
            "transport": "websocket",
            "sid": "lv_VI97HAXpY6yYWAAAC",
            "reason": "Error during WebSocket handshake: Unexpected response code: 502",
            "error": "Error during WebSocket handshake: Unexpected response code: 502",
        },
    ),
    (
        "ws-empty-reason",
        "WebSocket connection to 'ws://localhost:3000/socket.io/?EIO=4&transport=websocket' failed: ",
        {"kind": "ws_failure", "reason": None, "error": None, "scheme": "ws", "transport": "websocket"},
    ),
    (
        "ws-dns",
        "WebSocket connection to 'wss://mock.supabase.test/realtime/v1/websocket?apikey=test-anon-key&vsn=2.0.0'"
        " failed: Error in connection establishment: net::ERR_NAME_NOT_RESOLVED",
        {"kind": "ws_failure", "error": "net::ERR_NAME_NOT_RESOLVED", "host": "mock.supabase.test"},
    ),
    (
        "ws-tls-split-over-two-lines",
        "WebSocket connection to 'wss://172.20.10.2:8080/' failed:\nError in connection establishment: "
        "net::ERR_CERT_AUTHORITY_INVALID",
        {
            "kind": "ws_failure",
            "error": "net::ERR_CERT_AUTHORITY_INVALID",
            "host": "172.20.10.2",
            "path": "/",
        },
    ),
    (
        "ws-curly-quotes",
        "WebSocket connection to ‘wss://{ip}:{port}/‘ failed: Error in connection establishment: "
        "net::ERR_SSL_PROTOCOL_ERROR",
        {"kind": "ws_failure", "error": "net::ERR_SSL_PROTOCOL_ERROR", "scheme": "wss"},
    ),
    (
        "ws-refused-socketio-eio3",
        "WebSocket connection to 'ws://127.0.0.1:50005/socket.io/?EIO=3&transport=websocket' failed: "
        "Error in connection establishment: net::ERR_CONNECTION_REFUSED",
        {"kind": "ws_failure", "error": "net::ERR_CONNECTION_REFUSED", "eio": 3, "host": "127.0.0.1"},
    ),
    (
        "ws-closed-before-established-is-a-warning",
        "WebSocket connection to 'ws://localhost:3000/socket.io/?EIO=4&transport=websocket' failed: "
        "WebSocket is closed before the connection is established.",
        {"kind": "ws_failure", "level": "warn"},
    ),
    (
        "safari-no-url",
        "WebSocket connection failed: There was a bad response from the server",
        {"kind": "ws_failure", "error": "There was a bad response from the server", "host": None},
    ),
    (
        "firefox-cannot-establish",
        "Firefox can’t establish a connection to the server at "
        "wss://x.test/socket.io/?EIO=4&transport=websocket&sid=q1.",
        {"kind": "ws_failure", "sid": "q1", "reason": "can't establish a connection to the server"},
    ),
    (
        "firefox-cannot-establish-ascii-quote",
        "Firefox can't establish a connection to the server at ws://localhost:8000/ws.",
        {"kind": "ws_failure", "host": "localhost", "path": "/ws"},
    ),
    (
        "firefox-interrupted",
        "The connection to wss://x.test/ws was interrupted while the page was loading.",
        {"kind": "ws_close", "reason": "was interrupted while the page was loading", "level": "warn"},
    ),
    (
        "cors-modern",
        "Access to XMLHttpRequest at 'http://localhost:8089/socket.io/?EIO=3&transport=polling&t=Mgq_ykZ' "
        "from origin 'http://localhost:8080' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' "
        "header is present on the requested resource.",
        {
            "kind": "cors_blocked",
            "origin": "http://localhost:8080",
            "error": "missing Access-Control-Allow-Origin",
            "transport": "polling",
            "t": "Mgq_ykZ",
        },
    ),
    (
        "cors-wildcard-with-credentials",
        "Access to XMLHttpRequest at 'https://api.example.test/socket.io/?EIO=4&transport=polling&t=P1' from "
        "origin 'https://app.example.test' has been blocked by CORS policy: The value of the "
        "'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's "
        "credentials mode is 'include'.",
        {"kind": "cors_blocked", "error": "invalid Access-Control-Allow-Origin"},
    ),
    (
        "cors-chrome-2018",
        "Failed to load http://localhost:3000/socket.io/?EIO=3&transport=polling&t=MLeLFBF: No "
        "'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'http://localhost' "
        "is therefore not allowed access. The response had HTTP status code 404.",
        {"kind": "cors_blocked", "status": 404, "origin": "http://localhost", "t": "MLeLFBF"},
    ),
    (
        "cors-chrome-2016-proxy-502",
        "XMLHttpRequest cannot load http://slack.socket.io/socket.io/?EIO=3&transport=polling&t=LVer5WW. No "
        "'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'http://socket.io' "
        "is therefore not allowed access. The response had HTTP status code 502.",
        {"kind": "cors_blocked", "status": 502, "host": "slack.socket.io", "t": "LVer5WW"},
    ),
    (
        "cors-firefox (wording after the prefix unverified)",
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
        "http://a.test/socket.io/?EIO=4&transport=polling&t=x1. (Reason: CORS header ‘Access-Control-Allow-Origin’ "
        "missing). Status code: 502.",
        {"kind": "cors_blocked", "status": 502, "error": "missing Access-Control-Allow-Origin", "t": "x1"},
    ),
    (
        "mixed-content-websocket",
        "Mixed Content: The page at 'https://my-dev-application.com/' was loaded over HTTPS, but attempted to "
        "connect to the insecure WebSocket endpoint 'ws://localhost:12450/reload'. This request has been "
        "blocked; this endpoint must be available over WSS.",
        {
            "kind": "mixed_content",
            "origin": "https://my-dev-application.com",
            "scheme": "ws",
            "path": "/reload",
        },
    ),
    (
        "mixed-content-pasted-over-lines",
        "Mixed Content: The page at 'https://fonana.me/creators' was loaded over HTTPS, \nbut attempted to "
        "connect to the insecure WebSocket endpoint \n'ws://64.20.37.222:3004/socket.io/?EIO=4&transport=websocket'."
        " \nThis request has been blocked; this endpoint must be available over WSS.",
        {"kind": "mixed_content", "host": "64.20.37.222", "transport": "websocket"},
    ),
    (
        "mixed-content-constructor-exception",
        "Uncaught (in promise) DOMException: Failed to construct 'WebSocket': An insecure WebSocket connection "
        "may not be initiated from a page loaded over HTTPS.",
        {"kind": "mixed_content", "level": "error"},
    ),
    (
        "network-row-err-failed",
        "GET http://localhost:52607/socket.io/?EIO=3&transport=polling&t=NAJ9_f9 net::ERR_FAILED",
        {"kind": "net_error", "method": "GET", "error": "net::ERR_FAILED", "status": None, "t": "NAJ9_f9"},
    ),
    (
        "network-row-with-status",
        "GET https://api.test/socket.io/?EIO=4&transport=polling&t=P1 net::ERR_FAILED 502 (Bad Gateway)",
        {"kind": "net_error", "status": 502, "reason": "Bad Gateway", "error": "net::ERR_FAILED"},
    ),
    (
        "network-row-post-400",
        "POST https://api.test/socket.io/?EIO=4&transport=polling&t=P2&sid=S1 400 (Bad Request)",
        {"kind": "net_error", "method": "POST", "status": 400, "sid": "S1"},
    ),
    (
        "network-row-certificate",
        "GET https://bad.example.test/socket.io/?EIO=4&transport=polling&t=P3 net::ERR_CERT_DATE_INVALID",
        {"kind": "tls_error", "error": "net::ERR_CERT_DATE_INVALID"},
    ),
    (
        "network-row-dns",
        "GET https://nowhere.example.test/socket.io/?EIO=4&transport=polling&t=P4 net::ERR_NAME_NOT_RESOLVED",
        {"kind": "dns_error", "host": "nowhere.example.test"},
    ),
    (
        "failed-to-load-resource",
        "Failed to load resource: the server responded with a status of 400 (Bad Request)",
        {"kind": "net_error", "status": 400, "reason": "Bad Request"},
    ),
    (
        "failed-to-load-resource-refused",
        "Failed to load resource: net::ERR_CONNECTION_REFUSED",
        {"kind": "net_error", "error": "net::ERR_CONNECTION_REFUSED"},
    ),
    (
        "xhr-finished-loading",
        'XHR finished loading: GET "http://localhost:3000/socket.io/?EIO=4&transport=polling&t=abc".',
        {"kind": "http_request", "level": "info", "method": "GET", "t": "abc"},
    ),
    (
        "debug-close-reason",
        "socket.io-client:socket close (io server disconnect) +10ms",
        {
            "kind": "disconnect",
            "reason": "io server disconnect",
            "logger": "socket.io-client:socket",
            "level": "debug",
        },
    ),
    (
        "debug-engine-close-reason",
        'engine.io-client:socket socket close with reason: "forced close" +5ms',
        {"kind": "disconnect", "reason": "forced close"},
    ),
    (
        "debug-server-disconnect-namespace",
        "socket.io-client:socket server disconnect (/) +1s",
        {"kind": "disconnect", "namespace": "/", "reason": "io server disconnect"},
    ),
    (
        "debug-probe-failed",
        'engine.io-client:socket probe transport "websocket" failed because of error: socket closed +6ms',
        {"kind": "ws_error", "error": "socket closed", "transport": "websocket"},
    ),
    (
        "debug-xhr-open",
        "engine.io-client:polling-xhr xhr open POST: http://localhost:9000/socket.io/?EIO=3&transport=polling"
        "&t=1413116466595-5&sid=fmS64ilvq-RPi0XHAAAB +23ms",
        {
            "kind": "log",
            "method": "POST",
            "sid": "fmS64ilvq-RPi0XHAAAB",
            "logger": "engine.io-client:polling-xhr",
        },
    ),
    (
        "connect-error-xhr-poll",
        "connect_error Error: xhr poll error",
        {"kind": "connect_error", "error": "xhr poll error", "level": "error"},
    ),
    (
        "connect-error-websocket (app wording)",
        "Socket error: websocket error",
        {"kind": "connect_error", "error": "websocket error"},
    ),
    (
        "connect-error-middleware (app wording)",
        "connect_error: Not authorized",
        {"kind": "connect_error", "error": "Not authorized"},
    ),
    (
        "close-code (app wording)",
        "WebSocket closed with code 1006",
        {"kind": "ws_close", "close_code": 1006, "level": "warn"},
    ),
    (
        "close-event-object",
        "CloseEvent {isTrusted: true, wasClean: false, code: 1006, reason: '', type: 'close', …}",
        {"kind": "ws_close", "close_code": 1006, "reason": None},
    ),
    (
        "close-event-normal",
        "Disconnected: code=1000 reason=bye",
        {"kind": "ws_close", "close_code": 1000, "reason": "bye", "level": "info"},
    ),
    (
        "disconnect-reason (app wording)",
        "Disconnected: transport close",
        {"kind": "disconnect", "reason": "transport close", "level": "warn"},
    ),
    ("app-connecting", "Connecting to WebSocket...", {"kind": "connect_attempt", "level": "info"}),
    ("app-reconnecting", "Reconnecting...", {"kind": "connect_attempt"}),
    ("app-leaving", "Leaving session", {"kind": "disconnect", "level": "info"}),
    ("app-connection-lost", "Connection lost", {"kind": "disconnect", "level": "warn"}),
    ("app-connected", "Connected to server", {"kind": "connect"}),
    ("app-websocket-open", "WebSocket opened", {"kind": "ws_open"}),
    ("vite-failed-to-connect", "[vite] failed to connect to websocket.", {"kind": "connect_error"}),
    ("already-closing", "WebSocket is already in CLOSING or CLOSED state.", {"kind": "ws_error"}),
    (
        "uncaught-exception",
        "Uncaught TypeError: Cannot read properties of undefined (reading 'emit')",
        {
            "kind": "error",
            "level": "error",
            "error": "TypeError: Cannot read properties of undefined (reading 'emit')",
        },
    ),
    ("violation-is-verbose", "[Violation] 'setTimeout' handler took 52ms", {"kind": "log", "level": "debug"}),
    ("plain-log", "www.chromium.org", {"kind": "log", "level": "info", "host": None}),
    (
        "docs-link-is-not-the-subject",
        "Uncaught Error: Minified React error #425; visit https://reactjs.org/docs/error-decoder.html?invariant=425",
        {"kind": "error", "host": None},
    ),
]


@pytest.mark.parametrize(("message", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_classify(message: str, expected: dict[str, Any]) -> None:
    row = classify(pl.DataFrame({"message": [message]})).row(0, named=True)
    assert {key: row[key] for key in expected} == expected


def test_a_level_the_format_wrote_wins() -> None:
    frame = classify(pl.DataFrame({"message": [WS_502]}), given_level=pl.lit("warn"))
    assert frame["level"].to_list() == ["warn"]


def test_a_request_url_anchor_gives_the_socketio_fields() -> None:
    """DevTools links "Failed to load resource" to the request URL, without its scheme."""
    frame = pl.DataFrame(
        {"message": ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]}
    )
    row = classify(frame, anchor=pl.lit(":3000/socket.io/?EIO=4&transport=polling&t=PX1&sid=S9")).row(
        0, named=True
    )
    assert (row["path"], row["sid"], row["t"], row["status"]) == ("/socket.io/", "S9", "PX1", 400)
