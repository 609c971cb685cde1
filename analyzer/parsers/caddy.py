"""Caddy 2's JSON logs: the access log (``log { format json }``) and its own process log with error entries.

Caddy logs through zap (``modules/caddyhttp/server.go``, ``logging.go``): one object per line with
``level``, ``ts`` (epoch seconds, float), ``logger``, ``msg``. The access logger (``http.log.access…``)
writes ``"handled request"`` when the handler returns, with the ``request`` object (``remote_ip``,
``client_ip``, ``proto``, ``method``, ``host``, ``uri``, ``headers`` as lists), ``duration`` (seconds),
``size`` and ``status``. So ``ts`` is the *end* of the request and its start is ``ts - duration``. A proxied
WebSocket is one entry written when it closes, with its lifetime as ``duration`` — and, as recorded with
Caddy 2.6.2, status **0** (the response was hijacked before Caddy's recorder saw a status), like Traefik.

The error logger (``http.log.error…``) writes the handler's error (``dial tcp …: connect: connection
refused``) with the status it answered (502); ``http.handlers.reverse_proxy`` at DEBUG writes ``upstream
roundtrip`` with the ``upstream`` it chose, which says where each request of a session went. Other process
lines (``serving initial configuration``, ``load complete``) give the configuration history.

Sniffing needs Caddy's own loggers or messages: zap-style JSON from a Go backend has the same top-level keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from analyzer.jsonutil import OK, column, read_json_objects, string_field
from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.timeparse import epoch_s_to_utc
from analyzer.urls import sio_columns, split_target

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

_SNIFF = (
    r'^\s*\{"level":"[a-z]+","ts":\d+(?:\.\d+)?,.*(?:"logger":"(?:http\.log\.(?:access|error)|http\.handlers\.'
    r'reverse_proxy|tls\.cache\.maintenance)|"msg":"(?:using provided configuration|serving initial configuration|'
    r"autosaved config))"
)
#: The request headers the parser reads (Caddy logs each as a list of values).
_HEADERS: Final = ("User-Agent", "Origin", "Upgrade", "Connection", "X-Request-Id")
#: Decoded as a struct: polars reads a whole block in one pass (a nested object as text would not decode).
_REQUEST: Final = pl.Struct(
    {
        **dict.fromkeys(["remote_ip", "client_ip", "proto", "method", "host", "uri"], pl.String),
        "headers": pl.Struct({name: pl.List(pl.String) for name in _HEADERS}),
    }
)
_KEYS: Final[dict[str, PolarsDataType]] = {
    "level": pl.String,
    "ts": pl.Float64,
    "logger": pl.String,
    "msg": pl.String,
    "request": _REQUEST,
    "duration": pl.Float64,
    "size": pl.Float64,
    "status": pl.Float64,
    "upstream": pl.String,
    "error": pl.String,
}
_LEVELS: Final = {
    "debug": "debug",
    "info": "info",
    "warn": "warn",
    "error": "error",
    "panic": "fatal",
    "fatal": "fatal",
}
_RELOADS: Final = ("serving initial configuration", "load complete")


class CaddyJSON(Parser):
    name = "caddy-json"
    source = "proxy"
    batchable = True
    description = (
        "Caddy 2 JSON logs: access log entries, error entries, reverse_proxy debug and process lines"
    )

    def sniff(self, sample: list[str]) -> float:
        hits = share(sample, _SNIFF)
        # a whole Caddy log is zap JSON; one Caddy-specific line among a few is enough to know it
        return (
            min(1.0, 0.5 + hits) if hits and share(sample, r'^\s*\{"level":"[a-z]+","ts":\d') >= 0.5 else 0.0
        )

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", "text")
        objects = read_json_objects(lines["text"], schema=_KEYS)
        frame = pl.concat([lines, objects], how="horizontal")
        nested = isinstance(frame.schema.get("request"), pl.Struct)
        req_text = string_field(frame, "request")

        def request(key: str) -> pl.Expr:
            if nested:
                return pl.col("request").struct.field(key)
            return req_text.str.json_path_match(f"$.{key}")  # the line-by-line reader keeps it as text

        def header(name: str) -> pl.Expr:
            if nested:
                return pl.col("request").struct.field("headers").struct.field(name).list.first()
            return req_text.str.json_path_match(f"$.headers['{name}'][0]")

        logger = string_field(frame, "logger").fill_null("")
        msg = string_field(frame, "msg")
        access = logger.str.starts_with("http.log.access")
        error = logger.str.starts_with("http.log.error")
        duration_ms = column(frame, "duration", pl.Float64) * 1000
        logged = epoch_s_to_utc(column(frame, "ts", pl.Float64))
        handled = access | error
        out = frame.with_columns(
            logged.alias("_logged"),
            pl.when(handled).then(duration_ms).alias("duration_ms"),
            request("method").alias("method"),
            request("uri").alias("_target"),
            request("proto").alias("protocol"),
            request("host").str.replace(r":\d+$", "").str.to_lowercase().alias("host"),
            pl.coalesce(request("client_ip"), request("remote_ip")).alias("client"),
            header("User-Agent").alias("user_agent"),
            header("Origin").alias("origin"),
            header("Upgrade").alias("upgrade_header"),
            header("Connection").alias("connection_header"),
            header("X-Request-Id").alias("request_id"),
            column(frame, "status", pl.Int32).alias("status"),
            column(frame, "size", pl.Int64).alias("size"),
            # the reverse_proxy debug line names it; an error entry only inside its dial error
            pl.coalesce(
                string_field(frame, "upstream"),
                pl.when(error).then(msg.str.extract(r"dial tcp (\S+?):? ", 1)),
            ).alias("upstream"),
            string_field(frame, "level").replace_strict(_LEVELS, default="info").alias("level"),
            logger.alias("logger"),
            pl.coalesce(msg, pl.lit("")).alias("message"),
            pl.when(error).then(msg).otherwise(string_field(frame, "error")).alias("error"),
            pl.col("text").alias("raw"),
        )
        out = out.with_columns(*split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
        is_ws = (
            (pl.col("transport") == "websocket")
            | pl.col("upgrade_header").str.to_lowercase().str.contains("websocket", literal=True)
        ).fill_null(False)
        start = pl.col("_logged") - pl.duration(
            microseconds=(pl.col("duration_ms").fill_null(0) * 1000).round(0).cast(pl.Int64)
        )
        kind = (
            pl.when(access & is_ws)
            .then(pl.lit("ws_upgrade"))
            .when(access)
            .then(pl.lit("http_request"))
            .when(error)
            .then(pl.lit("proxy_error"))
            .when(msg.is_in(list(_RELOADS)))
            .then(pl.lit("config_reload"))
            .when(pl.col("level").is_in(["error", "fatal"]))
            .then(pl.lit("error"))
            .otherwise(pl.lit("log"))
        )
        out = out.with_columns(
            pl.when(handled).then(start).otherwise(pl.col("_logged")).cast(UTC_US).alias("ts"),
            pl.when(handled).then(pl.col("_logged")).cast(UTC_US).alias("ts_end"),
            kind.alias("kind"),
            pl.when(access)
            .then(
                pl.concat_str(
                    pl.col("method"),
                    pl.col("_target"),
                    pl.col("status").cast(pl.String),
                    separator=" ",
                    ignore_nulls=True,
                )
            )
            .otherwise(pl.col("message"))
            .alias("message"),
        )
        read = pl.col(OK) & pl.col("_logged").is_not_null()
        blank = pl.col("text").str.strip_chars() == ""
        unparsed = out.filter(~read & ~blank)["line"]
        events = out.filter(read).select(
            "line", "ts", "ts_end", "kind", "level", "logger", "message", "method", "host", "path", "query",
            "protocol", "status", "size", "duration_ms", "upstream", "client", "user_agent", "origin",
            "upgrade_header", "connection_header", "request_id", "error", "eio", "transport", "sid", "t", "raw",
        )  # fmt: skip
        return ParseResult(events, unparsed)
