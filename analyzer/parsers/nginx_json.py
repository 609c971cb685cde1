"""nginx access log written as JSON (``log_format NAME escape=json '{"time_iso8601":"$time_iso8601",…}'``).

There is no standard layout: each site names its keys. Most name them after the variables
(``time_iso8601``, ``remote_addr``, ``request``, ``status``, ``request_time``, ``upstream_addr`` —
nginx-proxy's ``LOG_JSON``, the nginx docs' examples), others shorten them (``req_time``, ``ups_addr``,
``http_code``, ``user_req``); both are read through the aliases below. Values may be strings or bare
numbers (``"status":$status``). As in every nginx access log the line is written when the request ends:
the time is the end, ``$request_time`` the duration, a WebSocket is one 101 line at close.

Sniffing needs a JSON object that names an nginx variable (``body_bytes_sent``, ``request_time``,
``upstream_addr``, ``time_iso8601``, ``time_local``, ``remote_addr``) and carries a request line or a URI:
Traefik's JSON (``RequestMethod``, ``DownstreamStatus``) and Caddy's (``"request":{…}`` object) never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from analyzer.jsonutil import OK, read_json_objects, string_field
from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.timeparse import epoch_s_to_utc, iso_to_utc
from analyzer.urls import sio_columns, split_target

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

_SNIFF_VAR = r'^\s*\{.*"(?:body_bytes_sent|request_time|req_time|upstream_addr|time_iso8601|time_local|remote_addr|upstream_response_time)"\s*:'
_SNIFF_REQUEST = r'"(?:request|request_uri|uri|user_req)"\s*:\s*"'
#: Column → the keys that carry it, most common first.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    # ISO 8601 or CLF under any of these names (nginx-proxy's LOG_JSON writes $time_iso8601 as "time_local")
    "time": (
        "time_iso8601",
        "time_local",
        "@timestamp",
        "timestamp",
        "log_time",
        "access_time",
        "time",
        "date",
    ),
    "msec": ("msec",),
    "request": ("request", "user_req", "req"),
    "method": ("request_method", "method"),
    "uri": ("request_uri", "uri", "path"),
    "args": ("args", "query_string"),
    "protocol": ("server_protocol", "protocol"),
    "status": ("status", "http_code", "status_code", "code"),
    "size": ("body_bytes_sent", "bytes_sent", "size"),
    "rt": ("request_time", "req_time", "rt", "duration"),
    "uaddr": ("upstream_addr", "ups_addr", "upstream"),
    "ustatus": ("upstream_status", "ups_status"),
    "urt": ("upstream_response_time", "ups_time", "upstream_time"),
    "client": ("remote_addr", "client_ip", "ip", "lan_ip", "client"),
    "host": ("host", "http_host", "server_name"),
    "ua": ("http_user_agent", "user_agent", "ua", "user_ua"),
    "upgrade": ("http_upgrade", "upgrade"),
    "connection": ("connection_upgrade", "http_connection"),
    "reqid": ("request_id", "req_id"),
}
_KEYS: Final[dict[str, PolarsDataType]] = {key: pl.String for keys in ALIASES.values() for key in keys}


class NginxJSON(Parser):
    name = "nginx-json"
    source = "proxy"
    batchable = True
    description = "nginx access log in JSON (log_format … escape=json), keys named after the variables"

    def sniff(self, sample: list[str]) -> float:
        return min(share(sample, _SNIFF_VAR), share(sample, _SNIFF_REQUEST))

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", "text")
        objects = read_json_objects(lines["text"], schema=_KEYS)
        frame = pl.concat([lines, objects], how="horizontal")

        def first(name: str) -> pl.Expr:
            values = [string_field(frame, key) for key in ALIASES[name] if key in frame.columns]
            expr = pl.coalesce(values) if values else pl.lit(None, dtype=pl.String)
            return pl.when(expr.is_in(["-", ""])).then(None).otherwise(expr)

        req = first("request").str.splitn(" ", 3)
        end = pl.coalesce(
            iso_to_utc(first("time"), ctx.tz),
            first("time").str.to_datetime(
                "%d/%b/%Y:%H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False
            ),
            epoch_s_to_utc(first("msec")),
        )
        rt_ms = first("rt").str.split(", ").list.last().cast(pl.Float64, strict=False) * 1000
        target = pl.coalesce(
            req.struct.field("field_1"),
            pl.concat_str(first("uri"), pl.lit("?"), first("args")),
            first("uri"),
        )
        out = frame.with_columns(
            end.alias("ts_end"),
            rt_ms.alias("duration_ms"),
            pl.coalesce(first("method"), req.struct.field("field_0")).alias("method"),
            target.alias("_target"),
            pl.coalesce(first("protocol"), req.struct.field("field_2")).alias("protocol"),
            first("status").cast(pl.Float64, strict=False).cast(pl.Int32, strict=False).alias("status"),
            first("size").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).alias("size"),
            first("client").str.extract(r"^\s*([^\s,]+)", 1).alias("client"),
            first("host").str.to_lowercase().alias("host"),
            first("ua").alias("user_agent"),
            first("uaddr").str.split(" : ").list.last().str.split(", ").list.last().alias("upstream"),
            first("upgrade").alias("upgrade_header"),
            first("connection").alias("connection_header"),
            first("reqid").alias("request_id"),
            pl.struct(first("ustatus").alias("upstream_status"), first("urt").alias("upstream_response_time"))
            .struct.json_encode()
            .alias("attrs"),
            pl.col("text").alias("raw"),
        )
        out = out.with_columns(*split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
        start = pl.col("ts_end") - pl.duration(
            microseconds=(pl.col("duration_ms") * 1000).round(0).cast(pl.Int64)
        )
        is_ws = (
            (pl.col("transport") == "websocket")
            | (pl.col("status") == 101)
            | pl.col("upgrade_header").str.to_lowercase().str.contains("websocket", literal=True)
        ).fill_null(False)
        out = out.with_columns(
            pl.coalesce(start, pl.col("ts_end")).cast(UTC_US).alias("ts"),
            pl.when(is_ws).then(pl.lit("ws_upgrade")).otherwise(pl.lit("http_request")).alias("kind"),
            pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
            pl.concat_str(
                pl.col("method"),
                pl.col("_target"),
                pl.col("status").cast(pl.String),
                separator=" ",
                ignore_nulls=True,
            ).alias("message"),
        )
        read = pl.col(OK) & (pl.col("ts_end").is_not_null() | pl.col("_target").is_not_null())
        blank = pl.col("text").str.strip_chars() == ""
        unparsed = out.filter(~read & ~blank)["line"]
        events = out.filter(read).select(
            "line", "ts", "ts_end", "kind", "level", "message", "method", "host", "path", "query", "protocol",
            "status", "size", "duration_ms", "upstream", "client", "user_agent", "upgrade_header",
            "connection_header", "request_id", "eio", "transport", "sid", "t", "attrs", "raw",
        )  # fmt: skip
        return ParseResult(events, unparsed)
