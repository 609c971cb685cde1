"""What browsers print when a WebSocket, a CORS check or a network request fails: the wordings, as data.

The exact strings come from the browsers and libraries that print them — Chromium's
``websocket_channel_impl.cc`` / ``websocket_stream.cc``, DevTools' network rows, the CORS and mixed-content
wordings, Firefox's ``appstrings.properties``, socket.io-client's ``connect_error`` messages and its
``debug`` output (see ``../shared/reference/browser.md`` §3 and ``backend.md`` §2.3). The classifier that
walks them is :mod:`analyzer.parsers.browser.classify`; a new wording is a change here only.
"""

from __future__ import annotations

from typing import Final

Q: Final = "['‘’`]"  # quote marks seen around URLs in pasted and exported console text
NQ: Final = "[^'‘’`]"
METHODS: Final = "GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE"
ABS_URL: Final = r"[A-Za-z][A-Za-z0-9+.-]*://\S+"
NET_ERR: Final = r"(net::ERR_[A-Z0-9_]+)"

# -- WebSocket failures -------------------------------------------------------------------------------
# Chromium / WebKit: "WebSocket connection to '<url>' failed: <reason>" (reason may be empty).
WS_FAIL: Final = rf"WebSocket connection to {Q}+(?P<url>{NQ}*?){Q}+ failed:?\s?(?P<reason>.*)$"
# WebKit without a URL.
WS_FAIL_NO_URL: Final = r"^WebSocket connection failed:?\s?(?P<reason>.*)$"
# Gecko appstrings: connectionFailure (branded), connectionRefused (toolkit fallback).
FF_WS_FAIL: Final = (
    r"(?P<what>can[’']t establish a connection to the server at|"
    r"connection was refused when attempting to contact) (?P<url>\S+?)\.?$"
)
# Gecko appstrings: netInterrupt / netReset — the connection dropped after it was open.
FF_WS_CLOSE: Final = (
    r"The connection to (?P<url>\S+?) (?P<what>was interrupted while the page was loading|"
    r"has terminated unexpectedly)"
)
RESPONSE_CODE: Final = r"Unexpected response code:\s*(\d{3})"
WS_CLOSED_EARLY: Final = "WebSocket is closed before the connection is established"

# -- CORS ---------------------------------------------------------------------------------------------
CORS: Final = (
    rf"Access to [\w ]+? at {Q}(?P<url>{NQ}*){Q}(?: \(redirected from {Q}(?P<from>{NQ}*){Q}\))?"
    rf" from origin {Q}(?P<origin>{NQ}*){Q} has been blocked by CORS policy:?\s?(?P<detail>.*)$"
)
# Chrome before 2019: "Failed to load <url>: <detail>" and, before that, "XMLHttpRequest cannot load <url>. …".
CORS_OLD: Final = (
    r"^(?:Failed to load (?P<url1>[A-Za-z][\w+.-]*://\S+?):|XMLHttpRequest cannot load (?P<url2>\S+?)\.?)"
    r" (?P<detail>.*(?:Access-Control-|CORS|is therefore not allowed access|preflight).*)$"
)
CORS_OLD_ORIGIN: Final = rf"Origin {Q}({NQ}*){Q} is therefore not allowed access"
FF_CORS: Final = (
    r"^Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource"
)
FF_CORS_URL: Final = r"disallows reading the remote resource at (\S+?)\.?(?:\s|$)"
FF_CORS_REASON: Final = r"\(Reason: ([^)]*)\)"
CORS_MISSING: Final = (
    r"No ['‘](?P<h>[\w-]+)['’] header is present|CORS header ['‘“](?P<h2>[\w-]+)['’”] missing"
)
CORS_INVALID: Final = (
    r"[Tt]he value of the ['‘](?P<h>[\w-]+)['’] header|CORS header ['‘“](?P<h2>[\w-]+)['’”] does not match"
    r"|The ['‘](?P<h3>[\w-]+)['’] header contains"
)
CORS_HEADER_FIELD: Final = r"Request header field (?P<h>[\w-]+) is not allowed by (?P<by>[\w-]+)"
STATUS_WORDS: Final = r"(?:HTTP status code|Status code:?)\s*(\d{3})"

# -- mixed content ------------------------------------------------------------------------------------
MIXED: Final = (
    rf"Mixed Content: The page at {Q}+(?P<page>{NQ}*){Q}+ was loaded over HTTPS, but"
    rf" (?:attempted to connect to the insecure WebSocket endpoint|requested an insecure [\w ]+?)"
    rf" {Q}+(?P<url>{NQ}*){Q}+"
)
MIXED_CTOR: Final = "An insecure WebSocket connection may not be initiated from a page loaded over HTTPS"
FF_MIXED: Final = r"Blocked loading mixed (?:active|display) content [“\"](?P<url>[^”\"]*)[”\"]"

# -- network rows -------------------------------------------------------------------------------------
# DevTools formatAsNetworkRequest: "METHOD URL[ net::ERR_X][ STATUS][ (STATUS TEXT)]".
NET_ROW: Final = (
    rf"^(?P<method>{METHODS}) (?P<url>{ABS_URL}?)(?: (?P<err>net::ERR_[A-Z0-9_]+))?"
    r"(?: (?P<status>\d{3}))?(?: \((?P<text>[^)]*)\))?\s*$"
)
FAILED_RESOURCE: Final = (
    r"^Failed to load resource: (?:the server responded with a status of (?P<status>\d{3})"
    r"(?: \((?P<text>[^)]*)\))?|(?P<err>net::ERR_[A-Z0-9_]+))"
)
# DevTools "Log XMLHttpRequests": XHR finished loading: GET "url".
XHR_ROW: Final = (
    r'^(?:XHR|Fetch) (?P<result>finished|failed) loading: (?P<method>[A-Z]+) ["“](?P<url>[^"”]*)["”]'
)
# Firefox console network rows: GET url [HTTP/1.1 400 Bad Request 3ms].
FF_NET_ROW: Final = (
    rf"^(?P<method>{METHODS}) (?P<url>{ABS_URL}) \[HTTP/(?P<proto>[\d.]+) (?P<status>\d{{3}})"
    r"(?: (?P<text>[^\]]*?))?(?: \d+ms)?\]$"
)

# -- socket.io-client / engine.io-client ----------------------------------------------------------------
DEBUG: Final = (
    r"^(?P<ns>(?:socket\.io-client|engine\.io-client|socket\.io-parser|engine\.io-parser)(?::[\w-]+)*)"
    r" (?P<body>.*?)(?: \+\d+(?:\.\d+)?(?:ms|s|m|h|d))?$"
)
DEBUG_CLOSE: Final = r'close with reason: "(?P<r>[^"]*)"|^close \((?P<r2>[^)]*)\)'
DEBUG_SERVER_DISCONNECT: Final = r"^server disconnect \((?P<nsp>[^)]*)\)"
DEBUG_PROBE_FAILED: Final = (
    r'probe transport "(?P<tr>\w+)" failed because of error: (?P<e>.*)$|^probe error:?\s?(?P<e2>.*)$'
)
DEBUG_CONNECT_ERROR: Final = r"connect_error|connect attempt timed out|reconnect attempt error|connect error"
DEBUG_ATTEMPT: Final = r"^opening |^attempting reconnect|before reconnect attempt|^reconnect attempt"
DEBUG_UPGRADE: Final = r"sending upgrade packet|^upgrading transport|^upgrade packet sent"
DEBUG_TRANSPORT: Final = r'transport "(\w+)"'
# engine.io-client / socket.io-client Error messages (connect_error) — see backend.md §2.3.
CONNECT_ERROR_MSG: Final = (
    r"(xhr poll error|xhr post error|fetch read error|fetch write error|websocket error|Invalid namespace"
    r"|It seems you are trying to reach a Socket\.IO server in v2\.x with a v3\.x client, but they are not compatible)"
)
CONNECT_ERROR_WORD: Final = r"(?i)\bconnect[_ ]error\b[\s:,=-]*(?:Error:\s*)?(.*)$"
DISCONNECT_REASON: Final = (
    r"\b(io server disconnect|io client disconnect|ping timeout|transport close|transport error|"
    r"parse error|forced server close|forced close|server shutting down|client namespace disconnect|"
    r"server namespace disconnect)\b"
)
#: Disconnect reasons that mean the connection broke rather than someone closing it.
ABNORMAL_REASONS: Final = ["ping timeout", "transport close", "transport error", "parse error"]
CLOSE_CODE: Final = r"(?i)\bcode\b\W{0,3}([1-4]\d{3})\b"
CLOSE_WORD: Final = r"(?i)clos|CloseEvent|disconnect"
CLOSE_REASON: Final = r"(?i)\breason\b\s*[:=]\s*['\"]?([^'\",}\s][^'\",}]*)"

# -- the app's own lines (lowest priority; wording varies, so only the meaning words are matched) ---------
APP_ATTEMPT: Final = r"(?i)^\W*(?:re)?connecting\b|\b(?:attempting|trying) to (?:re)?connect\b|\breconnect(?:ing)?\b.*\battempt"
APP_FAILED: Final = r"(?i)\b(?:failed|unable|could not|couldn't|cannot) (?:to )?(?:re)?connect\b|\bconnection (?:failed|refused)\b"
APP_LOST: Final = r"(?i)\bconnection (?:was )?(?:lost|dropped|interrupted|closed)\b|\blost (?:the )?connection\b|\bdisconnected\b"
APP_LEAVE: Final = r"(?i)\bleav(?:e|ing)\b.{0,40}\b(?:session|room|channel|call|meeting|chat|game|lobby)\b"
APP_WS_OPEN: Final = r"(?i)\b(?:web ?socket|ws)\b.{0,40}\b(?:opened|open|connected|established)\b"
APP_CONNECTED: Final = (
    r"(?i)^\W*(?:socket(?:\.io)? )?connected\b|\bconnected to (?:the )?(?:server|socket|hub)\b"
    r"|\bconnection (?:established|opened)\b"
)

# -- levels ---------------------------------------------------------------------------------------------
ERROR_LINE: Final = r"^(?:Uncaught\b|[A-Z]?\w*Error\b|DOMException\b)"
LEVEL_WORD: Final = r"(?i)^\[?(error|err|warn|warning|info|debug|trace|fatal|verbose)\]?(?::|\s)"
URL_ANYWHERE: Final = r"((?:wss?|https?)://[^\s'\"‘’“”`<>()\[\]{}]+)"

#: Messages the browser itself prints, recognizable without a source anchor (they start console records);
#: not anchored, so parsers can put their own prefix in front.
MESSAGE_HEADS: Final = (
    r"(?:WebSocket connection (?:to |failed)|Access to [\w ]+? at |Mixed Content: |Uncaught\b|Failed to load "
    r"|XMLHttpRequest cannot load |Navigated to |DevTools failed to load|\[(?:Violation|Deprecation|Intervention)\] "
    r"|(?:XHR|Fetch) (?:finished|failed) loading: "
    rf"|(?:{METHODS}) {ABS_URL} (?:net::ERR_|\d{{3}}\b)"
    r"|(?:socket\.io-client|engine\.io-client)(?::[\w-]+)* |Cross-Origin Request Blocked|Firefox can"
    r"|The connection to \S+ (?:was interrupted|has terminated))"
)

#: Kinds that are failures whatever the format says about the level.
ERROR_KINDS: Final = (
    "ws_failure",
    "cors_blocked",
    "mixed_content",
    "tls_error",
    "dns_error",
    "net_error",
    "connect_error",
    "ws_error",
    "error",
)

LEVELS: Final = {
    "error": "error",
    "err": "error",
    "assert": "error",
    "fatal": "fatal",
    "severe": "error",
    "warn": "warn",
    "warning": "warn",
    "info": "info",
    "log": "info",
    "debug": "debug",
    "verbose": "debug",
    "trace": "trace",
}
