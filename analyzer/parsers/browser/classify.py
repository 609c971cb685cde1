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

from analyzer.parsers.browser import messages as words
from analyzer.urls import sio_columns, split_target, split_url


def normalize_level(word: pl.Expr) -> pl.Expr:
    """A level word of any format (``WARNING``, ``err``, ``verbose``) as the table's level, or null."""
    return word.str.to_lowercase().replace_strict(words.LEVELS, default=None, return_dtype=pl.String)


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
        m.str.extract_groups(words.WS_FAIL).alias("_ws"),
        m.str.extract_groups(words.WS_FAIL_NO_URL).alias("_wsn"),
        m.str.extract_groups(words.FF_WS_FAIL).alias("_ffws"),
        m.str.extract_groups(words.FF_WS_CLOSE).alias("_ffclose"),
        m.str.extract_groups(words.CORS).alias("_cors"),
        m.str.extract_groups(words.CORS_OLD).alias("_corsold"),
        pl.struct(
            m.str.extract(words.FF_CORS_URL, 1).alias("url"),
            m.str.extract(words.FF_CORS_REASON, 1).alias("detail"),
            m.str.extract(words.STATUS_WORDS, 1).alias("status"),
        ).alias("_ffcors"),
        m.str.extract_groups(words.MIXED).alias("_mixed"),
        m.str.extract(words.FF_MIXED, 1).alias("_ffmixed"),
        m.str.contains(words.MIXED_CTOR, literal=True).alias("_mixedctor"),
        m.str.extract_groups(words.NET_ROW).alias("_net"),
        m.str.extract_groups(words.FAILED_RESOURCE).alias("_res"),
        m.str.extract_groups(words.XHR_ROW).alias("_xhr"),
        m.str.extract_groups(words.FF_NET_ROW).alias("_ffnet"),
        m.str.extract_groups(words.DEBUG).alias("_dbg"),
        m.str.extract(words.NET_ERR, 1).alias("_err"),
        m.str.extract(words.CONNECT_ERROR_MSG, 1).alias("_ce"),
        m.str.extract(words.CONNECT_ERROR_WORD, 1).str.strip_chars().alias("_ceword"),
        m.str.extract(words.DISCONNECT_REASON, 1).alias("_disc"),
        m.str.extract(words.CLOSE_CODE, 1).cast(pl.Int32, strict=False).alias("_code"),
        m.str.contains(words.CLOSE_WORD).alias("_closeword"),
        m.str.extract(words.URL_ANYWHERE, 1).str.strip_chars_end(".,;:").alias("_anyurl"),
    )
    out = out.with_columns(_debug_columns()).with_columns(_kind().alias("kind"))
    out = out.with_columns(_details()).with_columns(_level().alias("level"))
    out = _url_columns(out)
    return out.drop([c for c in out.columns if c.startswith("_") and c not in frame.columns and c != "_page"])


def _debug_columns() -> list[pl.Expr]:
    """What a socket.io-client / engine.io-client ``debug`` line says (its body, not the namespace)."""
    body = pl.col("_dbg").struct.field("body")
    close = body.str.extract_groups(words.DEBUG_CLOSE)
    probe = body.str.extract_groups(words.DEBUG_PROBE_FAILED)
    server_nsp = body.str.extract_groups(words.DEBUG_SERVER_DISCONNECT).struct.field("nsp")
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
        .when(body.str.contains(words.DEBUG_CONNECT_ERROR))
        .then(pl.lit("connect_error"))
        .when(body.str.contains(words.DEBUG_UPGRADE))
        .then(pl.lit("upgrade"))
        .when(body.str.contains(words.DEBUG_ATTEMPT))
        .then(pl.lit("connect_attempt"))
        .otherwise(pl.lit("log"))
    )
    return [
        kind.alias("_dbgkind"),
        reason.alias("_dbgreason"),
        probe_error.alias("_dbgerror"),
        server_nsp.alias("_dbgnsp"),
        pl.coalesce(probe.struct.field("tr"), body.str.extract(words.DEBUG_TRANSPORT, 1)).alias(
            "_dbgtransport"
        ),
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
        | m.str.contains(words.FF_CORS)
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
        .when(m.str.contains(words.ERROR_LINE))
        .then(pl.lit("error"))
        .when(m.str.contains(words.APP_FAILED))
        .then(pl.lit("connect_error"))
        .when(m.str.contains(words.APP_ATTEMPT))
        .then(pl.lit("connect_attempt"))
        .when(m.str.contains(words.APP_LOST) | m.str.contains(words.APP_LEAVE))
        .then(pl.lit("disconnect"))
        .when(m.str.contains(words.APP_WS_OPEN))
        .then(pl.lit("ws_open"))
        .when(m.str.contains(words.APP_CONNECTED))
        .then(pl.lit("connect"))
        .otherwise(pl.lit("log"))
    )


def _details() -> list[pl.Expr]:
    """The columns each kind fills: status, reason, error, the subject URL, origin, method, logger, ..."""
    m = pl.col("_m")
    k = pl.col("kind")
    network = k.is_in(["net_error", "tls_error", "dns_error", "http_request"])
    status = pl.coalesce(
        pl.when(k == "ws_failure").then(_ws_reason().str.extract(words.RESPONSE_CODE, 1)),
        pl.when(k == "cors_blocked").then(
            pl.coalesce(_f("_ffcors", "status"), _cors_detail().str.extract(words.STATUS_WORDS, 1))
        ),
        pl.when(network).then(
            pl.coalesce(_f("_net", "status"), _f("_res", "status"), _f("_ffnet", "status"))
        ),
        pl.when(k.is_in(["ws_error", "log", "connect_error"])).then(m.str.extract(words.RESPONSE_CODE, 1)),
    ).cast(pl.Int32, strict=False)
    close_reason = pl.coalesce(
        _f("_ffclose", "what"), pl.col("_disc"), m.str.extract(words.CLOSE_REASON, 1).str.strip_chars()
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
        .then(
            pl.coalesce(_f("_cors", "origin"), _f("_corsold", "detail").str.extract(words.CORS_OLD_ORIGIN, 1))
        )
        .when(k == "mixed_content")
        .then(_f("_mixed", "page").str.extract(r"^([A-Za-z][\w+.-]*://[^/?#]+)", 1))
    )
    method = pl.coalesce(
        _f("_net", "method"),
        _f("_xhr", "method"),
        _f("_ffnet", "method"),
        _f("_dbg", "body").str.extract(rf"\b({words.METHODS}):? {words.ABS_URL}", 1),
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
    missing = detail.str.extract_groups(words.CORS_MISSING)
    invalid = detail.str.extract_groups(words.CORS_INVALID)
    field = detail.str.extract_groups(words.CORS_HEADER_FIELD)
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
        pl.when((k == "ws_failure") & m.str.contains(words.WS_CLOSED_EARLY, literal=True))
        .then(pl.lit("warn"))
        .when(k.is_in(words.ERROR_KINDS))
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
        .when(
            (k == "disconnect")
            & (m.str.contains(words.APP_LOST) | pl.col("_disc").is_in(words.ABNORMAL_REASONS))
        )
        .then(pl.lit("warn"))
    )
    word = normalize_level(m.str.extract(words.LEVEL_WORD, 1))
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
