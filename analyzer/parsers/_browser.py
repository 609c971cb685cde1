"""What a browser message means: one classifier shared by every browser trace parser.

Browser exports carry almost no structure (no level, no date, a console line is free text), so the
meaning of a message is read from the exact strings browsers print — Chromium's
``websocket_channel_impl.cc`` / ``websocket_stream.cc``, DevTools' network rows, the CORS and mixed-content
wordings, Firefox's ``appstrings.properties``, socket.io-client's ``connect_error`` messages and its
``debug`` output (see ``../shared/reference/browser.md`` §3 and ``backend.md`` §2.3). Every parser turns
its records into a ``message`` column and calls :func:`classify`, which fills ``kind``, ``level``, the URL
columns (``scheme/host/path/query`` and ``eio/transport/sid/t``), ``method``, ``status``, ``error``,
``reason``, ``close_code``, ``origin``, ``logger`` and ``namespace`` with whole-column polars expressions.

Column conventions (also in ``docs/events.md``):

- ``kind`` says what the browser reported; *why* it failed is in ``error``: the ``net::ERR_…`` code when
  the text has one, else the browser's own reason text. A WebSocket failure is always ``ws_failure``
  (whether DNS, TLS or a 502 caused it), so ``error`` answers the cause for every kind alike.
- ``reason`` is the text after ``failed:`` (null when Chrome printed an empty reason), the CORS policy
  sentence, or a socket.io / close reason.
- ``status`` is an HTTP status the message names (``Unexpected response code: 502``, ``502 (Bad Gateway)``).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.urls import sio_columns, split_target, split_url

_Q: Final = "['‘’`]"  # quote marks seen around URLs in pasted and exported console text
_NQ: Final = "[^'‘’`]"
_METHODS: Final = "GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE"
_ABS_URL: Final = r"[A-Za-z][A-Za-z0-9+.-]*://\S+"
_NET_ERR: Final = r"(net::ERR_[A-Z0-9_]+)"

# -- WebSocket failures -------------------------------------------------------------------------------
# Chromium / WebKit: "WebSocket connection to '<url>' failed: <reason>" (reason may be empty).
_WS_FAIL: Final = rf"WebSocket connection to {_Q}+(?P<url>{_NQ}*?){_Q}+ failed:?\s?(?P<reason>.*)$"
# WebKit without a URL.
_WS_FAIL_NO_URL: Final = r"^WebSocket connection failed:?\s?(?P<reason>.*)$"
# Gecko appstrings: connectionFailure (branded), connectionRefused (toolkit fallback).
_FF_WS_FAIL: Final = (
    r"(?P<what>can[’']t establish a connection to the server at|"
    r"connection was refused when attempting to contact) (?P<url>\S+?)\.?$"
)
# Gecko appstrings: netInterrupt / netReset — the connection dropped after it was open.
_FF_WS_CLOSE: Final = (
    r"The connection to (?P<url>\S+?) (?P<what>was interrupted while the page was loading|"
    r"has terminated unexpectedly)"
)
_RESPONSE_CODE: Final = r"Unexpected response code:\s*(\d{3})"
_WS_CLOSED_EARLY: Final = "WebSocket is closed before the connection is established"

# -- CORS ---------------------------------------------------------------------------------------------
_CORS: Final = (
    rf"Access to [\w ]+? at {_Q}(?P<url>{_NQ}*){_Q}(?: \(redirected from {_Q}(?P<from>{_NQ}*){_Q}\))?"
    rf" from origin {_Q}(?P<origin>{_NQ}*){_Q} has been blocked by CORS policy:?\s?(?P<detail>.*)$"
)
# Chrome before 2019: "Failed to load <url>: <detail>" and, before that, "XMLHttpRequest cannot load <url>. …".
_CORS_OLD: Final = (
    r"^(?:Failed to load (?P<url1>[A-Za-z][\w+.-]*://\S+?):|XMLHttpRequest cannot load (?P<url2>\S+?)\.?)"
    r" (?P<detail>.*(?:Access-Control-|CORS|is therefore not allowed access|preflight).*)$"
)
_CORS_OLD_ORIGIN: Final = rf"Origin {_Q}({_NQ}*){_Q} is therefore not allowed access"
_FF_CORS: Final = (
    r"^Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource"
)
_FF_CORS_URL: Final = r"disallows reading the remote resource at (\S+?)\.?(?:\s|$)"
_FF_CORS_REASON: Final = r"\(Reason: ([^)]*)\)"
_CORS_MISSING: Final = (
    r"No ['‘](?P<h>[\w-]+)['’] header is present|CORS header ['‘“](?P<h2>[\w-]+)['’”] missing"
)
_CORS_INVALID: Final = (
    r"[Tt]he value of the ['‘](?P<h>[\w-]+)['’] header|CORS header ['‘“](?P<h2>[\w-]+)['’”] does not match"
    r"|The ['‘](?P<h3>[\w-]+)['’] header contains"
)
_CORS_HEADER_FIELD: Final = r"Request header field (?P<h>[\w-]+) is not allowed by (?P<by>[\w-]+)"
_STATUS_WORDS: Final = r"(?:HTTP status code|Status code:?)\s*(\d{3})"

# -- mixed content ------------------------------------------------------------------------------------
_MIXED: Final = (
    rf"Mixed Content: The page at {_Q}+(?P<page>{_NQ}*){_Q}+ was loaded over HTTPS, but"
    rf" (?:attempted to connect to the insecure WebSocket endpoint|requested an insecure [\w ]+?)"
    rf" {_Q}+(?P<url>{_NQ}*){_Q}+"
)
_MIXED_CTOR: Final = "An insecure WebSocket connection may not be initiated from a page loaded over HTTPS"
_FF_MIXED: Final = r"Blocked loading mixed (?:active|display) content [“\"](?P<url>[^”\"]*)[”\"]"

# -- network rows -------------------------------------------------------------------------------------
# DevTools formatAsNetworkRequest: "METHOD URL[ net::ERR_X][ STATUS][ (STATUS TEXT)]".
_NET_ROW: Final = (
    rf"^(?P<method>{_METHODS}) (?P<url>{_ABS_URL}?)(?: (?P<err>net::ERR_[A-Z0-9_]+))?"
    r"(?: (?P<status>\d{3}))?(?: \((?P<text>[^)]*)\))?\s*$"
)
_FAILED_RESOURCE: Final = (
    r"^Failed to load resource: (?:the server responded with a status of (?P<status>\d{3})"
    r"(?: \((?P<text>[^)]*)\))?|(?P<err>net::ERR_[A-Z0-9_]+))"
)
# DevTools "Log XMLHttpRequests": XHR finished loading: GET "url".
_XHR_ROW: Final = (
    r'^(?:XHR|Fetch) (?P<result>finished|failed) loading: (?P<method>[A-Z]+) ["“](?P<url>[^"”]*)["”]'
)
# Firefox console network rows: GET url [HTTP/1.1 400 Bad Request 3ms].
_FF_NET_ROW: Final = (
    rf"^(?P<method>{_METHODS}) (?P<url>{_ABS_URL}) \[HTTP/(?P<proto>[\d.]+) (?P<status>\d{{3}})"
    r"(?: (?P<text>[^\]]*?))?(?: \d+ms)?\]$"
)

# -- socket.io-client / engine.io-client ----------------------------------------------------------------
_DEBUG: Final = (
    r"^(?P<ns>(?:socket\.io-client|engine\.io-client|socket\.io-parser|engine\.io-parser)(?::[\w-]+)*)"
    r" (?P<body>.*?)(?: \+\d+(?:\.\d+)?(?:ms|s|m|h|d))?$"
)
_DEBUG_CLOSE: Final = r'close with reason: "(?P<r>[^"]*)"|^close \((?P<r2>[^)]*)\)'
_DEBUG_SERVER_DISCONNECT: Final = r"^server disconnect \((?P<nsp>[^)]*)\)"
_DEBUG_PROBE_FAILED: Final = (
    r'probe transport "(?P<tr>\w+)" failed because of error: (?P<e>.*)$|^probe error:?\s?(?P<e2>.*)$'
)
_DEBUG_CONNECT_ERROR: Final = r"connect_error|connect attempt timed out|reconnect attempt error|connect error"
_DEBUG_ATTEMPT: Final = r"^opening |^attempting reconnect|before reconnect attempt|^reconnect attempt"
_DEBUG_UPGRADE: Final = r"sending upgrade packet|^upgrading transport|^upgrade packet sent"
_DEBUG_TRANSPORT: Final = r'transport "(\w+)"'
# engine.io-client / socket.io-client Error messages (connect_error) — see backend.md §2.3.
_CONNECT_ERROR_MSG: Final = (
    r"(xhr poll error|xhr post error|fetch read error|fetch write error|websocket error|Invalid namespace"
    r"|It seems you are trying to reach a Socket\.IO server in v2\.x with a v3\.x client, but they are not compatible)"
)
_CONNECT_ERROR_WORD: Final = r"(?i)\bconnect[_ ]error\b[\s:,=-]*(?:Error:\s*)?(.*)$"
_DISCONNECT_REASON: Final = (
    r"\b(io server disconnect|io client disconnect|ping timeout|transport close|transport error|"
    r"parse error|forced server close|forced close|server shutting down|client namespace disconnect|"
    r"server namespace disconnect)\b"
)
#: Disconnect reasons that mean the connection broke rather than someone closing it.
_ABNORMAL_REASONS: Final = ["ping timeout", "transport close", "transport error", "parse error"]
_CLOSE_CODE: Final = r"(?i)\bcode\b\W{0,3}([1-4]\d{3})\b"
_CLOSE_WORD: Final = r"(?i)clos|CloseEvent|disconnect"
_CLOSE_REASON: Final = r"(?i)\breason\b\s*[:=]\s*['\"]?([^'\",}\s][^'\",}]*)"

# -- the app's own lines (lowest priority; wording varies, so only the meaning words are matched) ---------
_APP_ATTEMPT: Final = r"(?i)^\W*(?:re)?connecting\b|\b(?:attempting|trying) to (?:re)?connect\b|\breconnect(?:ing)?\b.*\battempt"
_APP_FAILED: Final = r"(?i)\b(?:failed|unable|could not|couldn't|cannot) (?:to )?(?:re)?connect\b|\bconnection (?:failed|refused)\b"
_APP_LOST: Final = r"(?i)\bconnection (?:was )?(?:lost|dropped|interrupted|closed)\b|\blost (?:the )?connection\b|\bdisconnected\b"
_APP_LEAVE: Final = r"(?i)\bleav(?:e|ing)\b.{0,40}\b(?:session|room|channel|call|meeting|chat|game|lobby)\b"
_APP_WS_OPEN: Final = r"(?i)\b(?:web ?socket|ws)\b.{0,40}\b(?:opened|open|connected|established)\b"
_APP_CONNECTED: Final = (
    r"(?i)^\W*(?:socket(?:\.io)? )?connected\b|\bconnected to (?:the )?(?:server|socket|hub)\b"
    r"|\bconnection (?:established|opened)\b"
)

# -- levels ---------------------------------------------------------------------------------------------
_ERROR_LINE: Final = r"^(?:Uncaught\b|[A-Z]?\w*Error\b|DOMException\b)"
_LEVEL_WORD: Final = r"(?i)^\[?(error|err|warn|warning|info|debug|trace|fatal|verbose)\]?(?::|\s)"
_URL_ANYWHERE: Final = r"((?:wss?|https?)://[^\s'\"‘’“”`<>()\[\]{}]+)"

#: Messages the browser itself prints, recognizable without a source anchor (they start console records);
#: not anchored, so parsers can put their own prefix in front.
MESSAGE_HEADS: Final = (
    r"(?:WebSocket connection (?:to |failed)|Access to [\w ]+? at |Mixed Content: |Uncaught\b|Failed to load "
    r"|XMLHttpRequest cannot load |Navigated to |DevTools failed to load|\[(?:Violation|Deprecation|Intervention)\] "
    r"|(?:XHR|Fetch) (?:finished|failed) loading: "
    rf"|(?:{_METHODS}) {_ABS_URL} (?:net::ERR_|\d{{3}}\b)"
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

_LEVELS: Final = {
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


def normalize_level(word: pl.Expr) -> pl.Expr:
    """A level word of any format (``WARNING``, ``err``, ``verbose``) as the table's level, or null."""
    return word.str.to_lowercase().replace_strict(_LEVELS, default=None, return_dtype=pl.String)


def net_error_kind(err: pl.Expr) -> pl.Expr:
    """The kind a ``net::ERR_…`` code names: tls_error, dns_error, or net_error."""
    return (
        pl.when(err.str.contains(r"ERR_(?:CERT|SSL|BAD_SSL)"))
        .then(pl.lit("tls_error"))
        .when(err.str.contains(r"ERR_NAME_(?:NOT_RESOLVED|RESOLUTION_FAILED)"))
        .then(pl.lit("dns_error"))
        .otherwise(pl.lit("net_error"))
    )


def classify(
    frame: pl.DataFrame, *, given_level: pl.Expr | None = None, anchor: pl.Expr | None = None
) -> pl.DataFrame:
    """Add the meaning columns of browser messages to ``frame`` (which has a ``message`` column).

    ``given_level`` is the level the format wrote, when it wrote a meaningful one; otherwise the level is
    inferred from the message. ``anchor`` is the console's source link (``file.js:12``); DevTools uses the
    request URL as the anchor of "Failed to load resource" rows, so its query can still give ``sid``/``t``.
    """
    m = pl.col("_m")
    out = frame.with_columns(
        pl.col("message").str.replace_all(r"\s*\n\s*", " ").str.strip_chars().alias("_m"),
        (anchor if anchor is not None else pl.lit(None, dtype=pl.String)).alias("_anchor"),
        (given_level if given_level is not None else pl.lit(None, dtype=pl.String)).alias("_given"),
    )
    out = out.with_columns(
        m.str.extract_groups(_WS_FAIL).alias("_ws"),
        m.str.extract_groups(_WS_FAIL_NO_URL).alias("_wsn"),
        m.str.extract_groups(_FF_WS_FAIL).alias("_ffws"),
        m.str.extract_groups(_FF_WS_CLOSE).alias("_ffclose"),
        m.str.extract_groups(_CORS).alias("_cors"),
        m.str.extract_groups(_CORS_OLD).alias("_corsold"),
        pl.struct(
            m.str.extract(_FF_CORS_URL, 1).alias("url"),
            m.str.extract(_FF_CORS_REASON, 1).alias("detail"),
            m.str.extract(_STATUS_WORDS, 1).alias("status"),
        ).alias("_ffcors"),
        m.str.extract_groups(_MIXED).alias("_mixed"),
        m.str.extract(_FF_MIXED, 1).alias("_ffmixed"),
        m.str.contains(_MIXED_CTOR, literal=True).alias("_mixedctor"),
        m.str.extract_groups(_NET_ROW).alias("_net"),
        m.str.extract_groups(_FAILED_RESOURCE).alias("_res"),
        m.str.extract_groups(_XHR_ROW).alias("_xhr"),
        m.str.extract_groups(_FF_NET_ROW).alias("_ffnet"),
        m.str.extract_groups(_DEBUG).alias("_dbg"),
        m.str.extract(_NET_ERR, 1).alias("_err"),
        m.str.extract(_CONNECT_ERROR_MSG, 1).alias("_ce"),
        m.str.extract(_CONNECT_ERROR_WORD, 1).str.strip_chars().alias("_ceword"),
        m.str.extract(_DISCONNECT_REASON, 1).alias("_disc"),
        m.str.extract(_CLOSE_CODE, 1).cast(pl.Int32, strict=False).alias("_code"),
        m.str.contains(_CLOSE_WORD).alias("_closeword"),
        m.str.extract(_URL_ANYWHERE, 1).str.strip_chars_end(".,;:").alias("_anyurl"),
    )
    out = out.with_columns(_debug_columns()).with_columns(_kind().alias("kind"))
    out = out.with_columns(_details()).with_columns(_level().alias("level"))
    out = _url_columns(out)
    return out.drop([c for c in out.columns if c.startswith("_") and c not in frame.columns and c != "_page"])


def _debug_columns() -> list[pl.Expr]:
    """What a socket.io-client / engine.io-client ``debug`` line says (its body, not the namespace)."""
    body = pl.col("_dbg").struct.field("body")
    close = body.str.extract_groups(_DEBUG_CLOSE)
    probe = body.str.extract_groups(_DEBUG_PROBE_FAILED)
    server_nsp = body.str.extract_groups(_DEBUG_SERVER_DISCONNECT).struct.field("nsp")
    reason = pl.coalesce(
        close.struct.field("r"),
        close.struct.field("r2"),
        pl.when(server_nsp.is_not_null()).then(pl.lit("io server disconnect")),
    )
    probe_error = pl.coalesce(probe.struct.field("e"), probe.struct.field("e2"))
    kind = (
        pl.when(body.is_null())
        .then(None)
        .when(reason.is_not_null())
        .then(pl.lit("disconnect"))
        .when(probe_error.is_not_null())
        .then(pl.lit("ws_error"))
        .when(body.str.contains(_DEBUG_CONNECT_ERROR))
        .then(pl.lit("connect_error"))
        .when(body.str.contains(_DEBUG_UPGRADE))
        .then(pl.lit("upgrade"))
        .when(body.str.contains(_DEBUG_ATTEMPT))
        .then(pl.lit("connect_attempt"))
        .otherwise(pl.lit("log"))
    )
    return [
        kind.alias("_dbgkind"),
        reason.alias("_dbgreason"),
        probe_error.alias("_dbgerror"),
        server_nsp.alias("_dbgnsp"),
        pl.coalesce(probe.struct.field("tr"), body.str.extract(_DEBUG_TRANSPORT, 1)).alias("_dbgtransport"),
    ]


def _f(struct: str, name: str) -> pl.Expr:
    return pl.col(struct).struct.field(name)


def _blank_null(value: pl.Expr) -> pl.Expr:
    value = value.str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _ws_reason() -> pl.Expr:
    """The text after ``failed:`` (null when Chrome printed none)."""
    return _blank_null(pl.coalesce(_f("_ws", "reason"), _f("_wsn", "reason")))


def _ff_ws_reason() -> pl.Expr:
    return (
        _f("_ffws", "what")
        .str.replace(r"^can[’']t", "can't")
        .str.replace(r"\s+(?:at|when attempting to contact)$", "")
    )


def _cors_detail() -> pl.Expr:
    return pl.coalesce(_f("_cors", "detail"), _f("_corsold", "detail"), _f("_ffcors", "detail"))


def _net_row_error() -> pl.Expr:
    return pl.coalesce(_f("_net", "err"), _f("_res", "err"))


def _connect_error() -> pl.Expr:
    return pl.coalesce(pl.col("_ce"), _blank_null(pl.col("_ceword")))


def _is_ws_url(url: pl.Expr) -> pl.Expr:
    return url.str.contains(r"^(?i)wss?://").fill_null(False)


def _kind() -> pl.Expr:
    """``kind`` by priority: the most specific browser string first, the app's own wording last."""
    m = pl.col("_m")
    net_row = (
        (
            _f("_net", "url").is_not_null()
            & (_f("_net", "err").is_not_null() | _f("_net", "status").is_not_null())
        )
        | _f("_res", "status").is_not_null()
        | _f("_res", "err").is_not_null()
    )
    is_cors = (
        _f("_cors", "url").is_not_null()
        | pl.coalesce(_f("_corsold", "url1"), _f("_corsold", "url2")).is_not_null()
        | m.str.contains(_FF_CORS)
    )
    is_mixed = _f("_mixed", "url").is_not_null() | pl.col("_mixedctor") | pl.col("_ffmixed").is_not_null()
    ff_status = _f("_ffnet", "status").cast(pl.Int32, strict=False)
    return (
        pl.when(_f("_ws", "url").is_not_null() | _f("_wsn", "reason").is_not_null())
        .then(pl.lit("ws_failure"))
        .when(_f("_ffws", "url").is_not_null())
        .then(
            pl.when(_is_ws_url(_f("_ffws", "url"))).then(pl.lit("ws_failure")).otherwise(pl.lit("net_error"))
        )
        .when(is_mixed)
        .then(pl.lit("mixed_content"))
        .when(is_cors)
        .then(pl.lit("cors_blocked"))
        .when(net_row)
        .then(
            pl.when(_net_row_error().is_not_null())
            .then(net_error_kind(_net_row_error()))
            .otherwise(pl.lit("net_error"))
        )
        .when(_f("_xhr", "result") == "failed")
        .then(pl.lit("net_error"))
        .when(_f("_xhr", "result") == "finished")
        .then(pl.lit("http_request"))
        .when(ff_status.is_not_null())
        .then(pl.when(ff_status >= 400).then(pl.lit("net_error")).otherwise(pl.lit("http_request")))
        .when(_f("_ffclose", "url").is_not_null())
        .then(
            pl.when(_is_ws_url(_f("_ffclose", "url"))).then(pl.lit("ws_close")).otherwise(pl.lit("net_error"))
        )
        .when(m.str.contains("WebSocket is already in CLOSING or CLOSED state", literal=True))
        .then(pl.lit("ws_error"))
        .when(pl.col("_dbgkind").is_not_null())
        .then(pl.col("_dbgkind"))
        .when(_connect_error().is_not_null())
        .then(pl.lit("connect_error"))
        .when(pl.col("_code").is_not_null() & pl.col("_closeword"))
        .then(pl.lit("ws_close"))
        .when(pl.col("_disc").is_not_null())
        .then(pl.lit("disconnect"))
        .when(pl.col("_err").is_not_null())
        .then(net_error_kind(pl.col("_err")))
        .when(m.str.contains(_ERROR_LINE))
        .then(pl.lit("error"))
        .when(m.str.contains(_APP_FAILED))
        .then(pl.lit("connect_error"))
        .when(m.str.contains(_APP_ATTEMPT))
        .then(pl.lit("connect_attempt"))
        .when(m.str.contains(_APP_LOST) | m.str.contains(_APP_LEAVE))
        .then(pl.lit("disconnect"))
        .when(m.str.contains(_APP_WS_OPEN))
        .then(pl.lit("ws_open"))
        .when(m.str.contains(_APP_CONNECTED))
        .then(pl.lit("connect"))
        .otherwise(pl.lit("log"))
    )


def _details() -> list[pl.Expr]:
    """The columns each kind fills: status, reason, error, the subject URL, origin, method, logger, ..."""
    m = pl.col("_m")
    k = pl.col("kind")
    network = k.is_in(["net_error", "tls_error", "dns_error", "http_request"])
    status = pl.coalesce(
        pl.when(k == "ws_failure").then(_ws_reason().str.extract(_RESPONSE_CODE, 1)),
        pl.when(k == "cors_blocked").then(
            pl.coalesce(_f("_ffcors", "status"), _cors_detail().str.extract(_STATUS_WORDS, 1))
        ),
        pl.when(network).then(
            pl.coalesce(_f("_net", "status"), _f("_res", "status"), _f("_ffnet", "status"))
        ),
        pl.when(k.is_in(["ws_error", "log", "connect_error"])).then(m.str.extract(_RESPONSE_CODE, 1)),
    ).cast(pl.Int32, strict=False)
    close_reason = pl.coalesce(
        _f("_ffclose", "what"), pl.col("_disc"), m.str.extract(_CLOSE_REASON, 1).str.strip_chars()
    )
    reason = (
        pl.when(k == "ws_failure")
        .then(pl.coalesce(_ws_reason(), _ff_ws_reason()))
        .when(k == "cors_blocked")
        .then(_cors_detail())
        .when(network)
        .then(pl.coalesce(_f("_net", "text"), _f("_res", "text"), _f("_ffnet", "text"), _ff_ws_reason()))
        .when(k == "ws_close")
        .then(close_reason)
        .when(k == "disconnect")
        .then(pl.coalesce(pl.col("_dbgreason"), pl.col("_disc")))
    )
    error = (
        pl.when(k == "ws_failure")
        .then(pl.coalesce(pl.col("_err"), _ws_reason(), _ff_ws_reason()))
        .when(k == "cors_blocked")
        .then(pl.coalesce(_cors_problem(_cors_detail()), _cors_detail()))
        .when(k.is_in(["net_error", "tls_error", "dns_error"]))
        .then(pl.coalesce(_net_row_error(), pl.col("_err"), _ff_ws_reason(), _f("_ffclose", "what")))
        .when(k == "connect_error")
        .then(pl.coalesce(_connect_error(), _f("_dbg", "body"), m))
        .when(k == "ws_error")
        .then(pl.coalesce(pl.col("_dbgerror"), m))
        .when(k == "error")
        .then(m.str.replace(r"^Uncaught (?:\(in promise\) )?", "").str.slice(0, 500))
    )
    url = (
        pl.when(k == "ws_failure")
        .then(pl.coalesce(_f("_ws", "url"), _f("_ffws", "url")))
        .when(k == "mixed_content")
        .then(pl.coalesce(_f("_mixed", "url"), pl.col("_ffmixed")))
        .when(k == "cors_blocked")
        .then(
            pl.coalesce(
                _f("_cors", "url"), _f("_corsold", "url1"), _f("_corsold", "url2"), _f("_ffcors", "url")
            )
        )
        .otherwise(
            pl.coalesce(
                _f("_net", "url"),
                _f("_xhr", "url"),
                _f("_ffnet", "url"),
                _f("_ffws", "url"),
                _f("_ffclose", "url"),
                # any other line: only a URL that is about WebSockets / Socket.IO, never a docs link
                pl.when(
                    pl.col("_anyurl").str.contains(r"^(?i)wss?://|socket\.io|[?&]EIO=|[?&]transport=")
                ).then(pl.col("_anyurl")),
            )
        )
    )
    origin = (
        pl.when(k == "cors_blocked")
        .then(pl.coalesce(_f("_cors", "origin"), _f("_corsold", "detail").str.extract(_CORS_OLD_ORIGIN, 1)))
        .when(k == "mixed_content")
        .then(_f("_mixed", "page").str.extract(r"^([A-Za-z][\w+.-]*://[^/?#]+)", 1))
    )
    method = pl.coalesce(
        _f("_net", "method"),
        _f("_xhr", "method"),
        _f("_ffnet", "method"),
        _f("_dbg", "body").str.extract(rf"\b({_METHODS}):? {_ABS_URL}", 1),
    )
    return [
        status.alias("status"),
        reason.alias("reason"),
        error.alias("error"),
        url.str.strip_chars_end(".,;").alias("_url"),
        origin.alias("origin"),
        method.alias("method"),
        pl.when(k == "ws_close").then(pl.col("_code")).alias("close_code"),
        _f("_dbg", "ns").alias("logger"),
        pl.col("_dbgnsp").alias("namespace"),
        pl.col("_dbgtransport").alias("_transport"),
        _f("_mixed", "page").alias("_page"),
    ]


def _cors_problem(detail: pl.Expr) -> pl.Expr:
    """The header a CORS message blames: ``missing Access-Control-Allow-Origin``, ``invalid …``."""
    missing = detail.str.extract_groups(_CORS_MISSING)
    invalid = detail.str.extract_groups(_CORS_INVALID)
    field = detail.str.extract_groups(_CORS_HEADER_FIELD)
    return pl.coalesce(
        pl.lit("missing ") + pl.coalesce(missing.struct.field("h"), missing.struct.field("h2")),
        pl.lit("invalid ")
        + pl.coalesce(invalid.struct.field("h"), invalid.struct.field("h2"), invalid.struct.field("h3")),
        field.struct.field("h") + pl.lit(" not allowed by ") + field.struct.field("by"),
        pl.when(detail.str.contains("CORS request did not succeed", literal=True)).then(
            pl.lit("CORS request did not succeed")
        ),
    )


def _level() -> pl.Expr:
    """The format's level when it wrote one, else what the message implies."""
    m = pl.col("_m")
    k = pl.col("kind")
    inferred = (
        pl.when((k == "ws_failure") & m.str.contains(_WS_CLOSED_EARLY, literal=True))
        .then(pl.lit("warn"))
        .when(k.is_in(ERROR_KINDS))
        .then(pl.lit("error"))
        .when(pl.col("logger").is_not_null())
        .then(pl.lit("debug"))
        .when(m.str.starts_with("[Violation]"))
        .then(pl.lit("debug"))
        .when(
            m.str.contains(r"^\[(?:Deprecation|Intervention)\]")
            | m.str.starts_with("DevTools failed to load")
        )
        .then(pl.lit("warn"))
        .when(k == "ws_close")
        .then(
            pl.when(pl.col("_code").is_in([1000, 1001, 1005]).fill_null(False))
            .then(pl.lit("info"))
            .otherwise(pl.lit("warn"))
        )
        .when((k == "disconnect") & (m.str.contains(_APP_LOST) | pl.col("_disc").is_in(_ABNORMAL_REASONS)))
        .then(pl.lit("warn"))
    )
    word = normalize_level(m.str.extract(_LEVEL_WORD, 1))
    return pl.coalesce(pl.col("_given"), inferred, word, pl.lit("info"))


def _url_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``scheme/host/path/query`` and the Socket.IO fields from the subject URL (or a URL-like anchor)."""
    url = pl.col("_url").str.strip_chars("`")
    # DevTools shows the request URL, less its scheme, as the anchor of network rows
    # (":3000/socket.io/?EIO=4&…:1", "api.example.test/api/v1/rooms:1"): keep from the path on. A source
    # anchor is only a file's last path segment (app.js, VM123, (index)), so a "/" means a URL.
    anchor_target = (
        pl.when(pl.col("_anchor").str.contains("/", literal=True))
        .then(pl.col("_anchor").str.replace(r"^[^/?]*", ""))
        .otherwise(None)
    )
    out = frame.with_columns(split_url(url))
    target_parts = split_target(anchor_target)
    out = out.with_columns(
        pl.when(pl.col("scheme").is_null()).then(target_parts[0]).otherwise(pl.col("path")).alias("path"),
        pl.when(pl.col("scheme").is_null()).then(target_parts[1]).otherwise(pl.col("query")).alias("query"),
    )
    return out.with_columns(sio_columns(pl.col("query"))).with_columns(
        pl.coalesce(pl.col("transport"), pl.col("_transport")).alias("transport")
    )


def json_attrs(fields: dict[str, pl.Expr]) -> pl.Expr:
    """A JSON object of the non-null ``fields`` (string values), or null when all are null."""
    parts = []
    for key, value in fields.items():
        encoded = (
            pl.struct(value.cast(pl.String).alias("v"))
            .struct.json_encode()
            .str.slice(5)
            .str.strip_suffix("}")
        )
        parts.append(pl.when(value.is_not_null()).then(pl.lit(f'"{key}":') + encoded))
    body = pl.concat_str(parts, separator=",", ignore_nulls=True)
    return pl.when(body == "").then(None).otherwise(pl.lit("{") + body + pl.lit("}"))


def select_events(frame: pl.DataFrame) -> pl.DataFrame:
    """The event columns of a classified frame (the ones it has), dropping working columns."""
    return frame.select([name for name in EVENT_COLUMNS if name in frame.columns])


#: Event columns a browser parser returns.
EVENT_COLUMNS: Final = (
    "line",
    "ts",
    "ts_estimated",
    "kind",
    "level",
    "logger",
    "message",
    "method",
    "scheme",
    "host",
    "path",
    "query",
    "status",
    "origin",
    "eio",
    "transport",
    "sid",
    "t",
    "namespace",
    "error",
    "reason",
    "close_code",
    "attrs",
    "raw",
)
