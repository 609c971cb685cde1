"""Traefik access log, "common" format (Traefik's extended CLF) and genericCLF.

Line template (``pkg/middlewares/accesslog/logger_formatters.go``)::

    <client> - <user> [<02/Jan/2006:15:04:05 -0700>] "<METHOD> <path> <PROTO>" <status> <size>
    "<referer>" "<user-agent>" <count> "<router>" "<service URL>" <N>ms

Variants handled: v2.0–2.10.4 (status column = origin status) and v2.10.5+/v3 (downstream status) have
the same shape; before v2.1.7 a missing router/service is a bare ``-``; v3.6.18+ escapes ``"`` inside
quoted fields as ``\\"``; ``X-Forwarded-For`` lists (``A, B``) in the client field; ``StartLocal`` offsets;
``[-]`` when the time fields are dropped; genericCLF (v3.5.2+) ends after the user agent.

Semantics kept: the timestamp is the request *start*; a WebSocket that upgraded is logged with status
``0`` when it closes and its duration is the connection lifetime, so ``ts_end = ts + duration``.

Fast path: lines with exactly the ten quotes of the standard layout are split on ``"`` (several times
faster than one big regex); every other line goes through the tolerant regexes below.
"""

from __future__ import annotations

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.urls import sio_columns, split_target

_Q = r'"(?:[^"\\]|\\.)*"'  # a quoted field, escaped quotes allowed
_HEAD = r"^(?P<client>[^\s,]+(?:, [^\s,]+)*) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>[^\]]*)\] "
_STRICT = (
    _HEAD + rf'"(?P<req>(?:[^"\\]|\\.)*)" (?P<status>\d+|-) (?P<size>\d+|-)'
    rf"(?: (?P<referer>{_Q}|-) (?P<ua>{_Q}|-)"
    rf"(?: (?P<count>\d+|-) (?P<router>{_Q}|-) (?P<svc>{_Q}|-) (?P<dur>\d+)ms)?)?$"
)
# Before v3.6.18 quotes inside fields were not escaped: anchor on the fixed tail instead.
_LENIENT = (
    _HEAD + r'"(?P<req>.*)" (?P<status>\d+|-) (?P<size>\d+|-) (?P<referer>".*?"|-) (?P<ua>".*"|-)'
    r' (?P<count>\d+|-) (?P<router>"[^"]*"|-) (?P<svc>"[^"]*"|-) (?P<dur>\d+)ms$'
)
_FIELDS = ["client", "user", "ts", "req", "status", "size", "referer", "ua", "count", "router", "svc", "dur"]
_SNIFF = _HEAD + r'"[^"]*" (?:\d+|-) (?:\d+|-)'
_TRAEFIK_TAIL = r' (?:\d+|-) (?:"[^"]*"|-) (?:"[^"]*"|-) \d+ms$'


class TraefikCLF(Parser):
    name = "traefik-clf"
    source = "proxy"
    description = "Traefik access log, common (CLF) and genericCLF formats"

    def sniff(self, sample: list[str]) -> float:
        clf = share(sample, _SNIFF)
        if clf < 0.5:
            return 0.0
        # Traefik's tail (count, router, service, duration) separates it from a plain Apache/nginx log;
        # genericCLF has no tail, so a plain CLF file scores lower but is still read.
        tail = share(sample, _TRAEFIK_TAIL)
        return clf * (0.6 + 0.4 * (tail / clf if clf else 0.0))

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", "text")
        fields = _parse_fields(lines)
        parsed = fields.filter(pl.col("ts_raw").is_not_null() | pl.col("req").is_not_null())
        blank = lines.filter(pl.col("text").str.strip_chars() == "")["line"]
        unparsed = lines.filter(
            ~pl.col("line").is_in(parsed["line"].implode()) & ~pl.col("line").is_in(blank.implode())
        )
        return ParseResult(_to_events(parsed), unparsed["line"])


def _parse_fields(lines: pl.DataFrame) -> pl.DataFrame:
    """Raw string fields for every line (nulls where the line did not match)."""
    fast_mask = (pl.col("text").str.count_matches('"', literal=True) == 10) & ~pl.col("text").str.contains(
        "\\", literal=True
    )
    fast = lines.filter(fast_mask)
    slow = lines.filter(~fast_mask)
    parts = [_fast_fields(fast)] if fast.height else []
    if slow.height:
        parts.append(_regex_fields(slow))
    if not parts:
        return pl.DataFrame(
            schema={"line": pl.UInt32, "text": pl.String, **dict.fromkeys(_FIELDS, pl.String)}
        ).rename({"ts": "ts_raw"})
    out = pl.concat(parts, how="vertical_relaxed").sort("line")
    return out


def _fast_fields(frame: pl.DataFrame) -> pl.DataFrame:
    p = pl.col("_p")
    head = p.list.get(0).str.extract_groups(_HEAD + "$")
    mid = p.list.get(2).str.extract_groups(r"^ (?P<status>\d+|-) (?P<size>\d+|-) $")
    out = (
        frame.with_columns(pl.col("text").str.split('"').alias("_p"))
        .with_columns(
            head.alias("_h"),
            mid.alias("_m"),
            p.list.get(1).alias("req"),
            p.list.get(3).alias("referer"),
            p.list.get(5).alias("ua"),
            p.list.get(6).str.extract(r"^ (\d+|-) $").alias("count"),
            p.list.get(7).alias("router"),
            p.list.get(9).alias("svc"),
            p.list.get(10).str.extract(r"^ (\d+)ms$").alias("dur"),
            # the separators between quoted fields must be single spaces, or this is not the layout
            ((p.list.get(4) == " ") & (p.list.get(8) == " ")).alias("_ok"),
        )
        .with_columns(
            pl.col("_h").struct.field("client"),
            pl.col("_h").struct.field("user"),
            pl.col("_h").struct.field("ts").alias("ts_raw"),
            pl.col("_m").struct.field("status"),
            pl.col("_m").struct.field("size"),
        )
    )
    good = (
        pl.col("_ok")
        & pl.col("client").is_not_null()
        & pl.col("status").is_not_null()
        & pl.col("dur").is_not_null()
    )
    matched = out.filter(good).select("line", "text", *[f if f != "ts" else "ts_raw" for f in _FIELDS])
    # lines that looked standard but are not (a quote in the path, odd spacing) take the regex path
    rest = out.filter(~good.fill_null(False)).select("line", "text")
    if rest.height:
        return pl.concat([matched, _regex_fields(rest)], how="vertical_relaxed")
    return matched


def _regex_fields(frame: pl.DataFrame) -> pl.DataFrame:
    strict = pl.col("text").str.extract_groups(_STRICT)
    lenient = pl.col("text").str.extract_groups(_LENIENT)
    out = frame.with_columns(strict.alias("_s"), lenient.alias("_l"))
    use_strict = pl.col("_s").struct.field("client").is_not_null()
    cols = []
    for name in _FIELDS:
        value = (
            pl.when(use_strict)
            .then(pl.col("_s").struct.field(name))
            .otherwise(pl.col("_l").struct.field(name))
        )
        if name in ("referer", "ua", "router", "svc", "req"):
            value = _unquote(value, quoted=name != "req")
        cols.append(value.alias("ts_raw" if name == "ts" else name))
    return out.select("line", "text", *cols)


def _unquote(value: pl.Expr, *, quoted: bool) -> pl.Expr:
    if quoted:
        value = value.str.strip_prefix('"').str.strip_suffix('"')
    return value.str.replace_all(r"\"", '"', literal=True)


def _dash_null(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_in(["-", ""])).then(None).otherwise(value)


def _to_events(fields: pl.DataFrame) -> pl.DataFrame:
    req = pl.col("req").str.extract_groups(r"^(?P<method>\S+) (?P<target>.*) (?P<proto>\S+)$")
    ts = pl.col("ts_raw").str.to_datetime(
        "%d/%b/%Y:%H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False
    )
    out = fields.with_columns(req.alias("_r"), ts.alias("ts")).with_columns(
        _dash_null(pl.col("_r").struct.field("method")).alias("method"),
        _dash_null(pl.col("_r").struct.field("target")).alias("_target"),
        _dash_null(pl.col("_r").struct.field("proto")).alias("protocol"),
        pl.col("status").cast(pl.Int32, strict=False),
        pl.col("size").cast(pl.Int64, strict=False),
        pl.col("dur").cast(pl.Float64, strict=False).alias("duration_ms"),
        _dash_null(pl.col("router")).alias("router"),
        _dash_null(pl.col("svc")).alias("upstream"),
        _dash_null(pl.col("ua")).alias("user_agent"),
        pl.col("client").str.extract(r"^([^\s,]+)").alias("client"),
        pl.col("text").alias("raw"),
    )
    out = out.with_columns(split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
    return out.with_columns(
        (pl.col("ts") + pl.duration(milliseconds=pl.col("duration_ms"))).cast(UTC_US).alias("ts_end"),
        _kind().alias("kind"),
        pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
        pl.concat_str(
            pl.col("method"), pl.col("_target"), pl.col("status").cast(pl.String), separator=" "
        ).alias("message"),
    ).select(
        "line",
        "ts",
        "ts_end",
        "kind",
        "level",
        "message",
        "method",
        "path",
        "query",
        "protocol",
        "status",
        "size",
        "duration_ms",
        "router",
        "upstream",
        "client",
        "user_agent",
        "eio",
        "transport",
        "sid",
        "t",
        "raw",
    )


def _kind() -> pl.Expr:
    """A WebSocket attempt is recognized by its URL (``transport=websocket``), never by a logged header:
    a middleware that strips ``Upgrade`` also removes it from the access log."""
    return (
        pl.when(pl.col("transport") == "websocket")
        .then(pl.lit("ws_upgrade"))
        .otherwise(pl.lit("http_request"))
    )
