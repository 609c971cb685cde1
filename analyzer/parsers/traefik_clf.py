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
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, in_parallel, share
from analyzer.regex import ascii_classes
from analyzer.urls import sio_columns, split_target

_Q = r'"(?:[^"\\]|\\.)*"'  # a quoted field, escaped quotes allowed
_HEAD = ascii_classes(r"^(?P<client>[^\s,]+(?:, [^\s,]+)*) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>[^\]]*)\] ")
_STRICT = ascii_classes(
    _HEAD + rf'"(?P<req>(?:[^"\\]|\\.)*)" (?P<status>\d+|-) (?P<size>\d+|-)'
    rf"(?: (?P<referer>{_Q}|-) (?P<ua>{_Q}|-)"
    rf"(?: (?P<count>\d+|-) (?P<router>{_Q}|-) (?P<svc>{_Q}|-) (?P<dur>\d+)ms)?)?$"
)
# Before v3.6.18 quotes inside fields were not escaped: anchor on the fixed tail instead.
_LENIENT = ascii_classes(
    _HEAD + r'"(?P<req>.*)" (?P<status>\d+|-) (?P<size>\d+|-) (?P<referer>".*?"|-) (?P<ua>".*"|-)'
    r' (?P<count>\d+|-) (?P<router>"[^"]*"|-) (?P<svc>"[^"]*"|-) (?P<dur>\d+)ms$'
)
_FIELDS = ["client", "user", "ts", "req", "status", "size", "referer", "ua", "count", "router", "svc", "dur"]
_CLF_TIME = r"\[(?:\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}|-)\]"
_SNIFF = r"^[^\s,]+(?:, [^\s,]+)* \S+ \S+ " + _CLF_TIME + r' "[^"]*" (?:\d+|-) (?:\d+|-)'
_TRAEFIK_TAIL = r' (?:\d+|-) (?:"[^"]*"|-) (?:"[^"]*"|-) \d+ms$'


class TraefikCLF(Parser):
    name = "traefik-clf"
    source = "proxy"
    line_independent = True
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
        rows = in_parallel(doc.lines.select("line", "text"), lambda lf: _events(_fields(lf)))
        failed = rows.filter(~pl.col("_parsed")).select("line", "raw")
        unparsed = failed.filter(pl.col("raw").str.strip_chars() != "")["line"].sort()
        events = rows.filter(pl.col("_parsed")).drop("_parsed")
        return ParseResult(events, unparsed)


def _fields(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Raw string fields for every line (nulls where the line did not match)."""
    fast_mask = (pl.col("text").str.count_matches('"', literal=True) == 10) & ~pl.col("text").str.contains(
        "\\", literal=True
    )
    fast = _fast_fields(lines.filter(fast_mask))
    slow = _regex_fields(lines.filter(~fast_mask))
    return pl.concat([fast, slow], how="vertical_relaxed")


def _fast_fields(frame: pl.LazyFrame) -> pl.LazyFrame:
    p = pl.col("_p")
    head = p.list.get(0).str.extract_groups(_HEAD + "$")
    mid = p.list.get(2).str.extract_groups(r"^ (?P<status>[0-9]+|-) (?P<size>[0-9]+|-) $")
    out = (
        frame.with_columns(pl.col("text").str.split('"').alias("_p"))
        .with_columns(
            head.alias("_h"),
            mid.alias("_m"),
            p.list.get(1).alias("req"),
            p.list.get(3).alias("referer"),
            p.list.get(5).alias("ua"),
            p.list.get(6).str.extract(r"^ ([0-9]+|-) $").alias("count"),
            p.list.get(7).alias("router"),
            p.list.get(9).alias("svc"),
            p.list.get(10).str.extract(r"^ ([0-9]+)ms$").alias("dur"),
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
    ).fill_null(False)
    matched = out.filter(good).select("line", "text", *[f if f != "ts" else "ts_raw" for f in _FIELDS])
    # lines that looked standard but are not (a quote in the path, odd spacing) take the regex path
    rest = out.filter(~good).select("line", "text")
    return pl.concat([matched, _regex_fields(rest)], how="vertical_relaxed")


def _regex_fields(frame: pl.LazyFrame) -> pl.LazyFrame:
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


def _events(fields: pl.LazyFrame) -> pl.LazyFrame:
    """Typed event columns, plus ``_parsed`` / ``_blank`` flags, for every line."""
    # "METHOD target PROTO": the method ends at the first space and the protocol starts after the last one;
    # the target in between may hold spaces (Traefik writes the path raw).
    req = pl.col("req").str.splitn(" ", 2)
    rest = req.struct.field("field_1")
    proto = rest.str.extract(r" ([^ ]+)$", 1)
    target = rest.str.strip_suffix(pl.lit(" ") + proto)
    ts = pl.col("ts_raw").str.to_datetime(
        "%d/%b/%Y:%H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False
    )
    out = fields.with_columns(
        ts.alias("ts"),
        _dash_null(req.struct.field("field_0")).alias("method"),
        _dash_null(target).alias("_target"),
        _dash_null(proto).alias("protocol"),
        pl.col("status").cast(pl.Int32, strict=False),
        pl.col("size").cast(pl.Int64, strict=False),
        pl.col("dur").cast(pl.Float64, strict=False).alias("duration_ms"),
        _dash_null(pl.col("router")).alias("router"),
        _dash_null(pl.col("svc")).alias("upstream"),
        _dash_null(pl.col("ua")).alias("user_agent"),
        # a logged X-Forwarded-For list ("A, B"): the first address is the client
        pl.col("client").str.splitn(",", 2).struct.field("field_0").alias("client"),
        pl.col("text").alias("raw"),
    )
    out = out.with_columns(*split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
    return out.with_columns(
        (pl.col("ts") + pl.duration(milliseconds=pl.col("duration_ms"))).cast(UTC_US).alias("ts_end"),
        _kind().alias("kind"),
        pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
        pl.concat_str(pl.col("method"), pl.col("_target"), pl.col("status").cast(pl.String), separator=" ").alias(
            "message"
        ),
        # Traefik always writes the CLF time: a line with another ([29/Dec/2015 16:20:43], werkzeug's) or an
        # HTTP date (connect's logger) is some other server's access line
        # ("[-]" is Traefik's own: the time field dropped by the access log's field settings)
        (pl.col("ts").is_not_null() | (pl.col("ts_raw") == "-").fill_null(False)).alias("_parsed"),
    ).select(
        "line", "ts", "ts_end", "kind", "level", "message", "method", "path", "query", "protocol", "status",
        "size", "duration_ms", "router", "upstream", "client", "user_agent", "eio", "transport", "sid", "t", "raw",
        "_parsed",
    )  # fmt: skip


def _kind() -> pl.Expr:
    """A WebSocket attempt is recognized by its URL (``transport=websocket``), never by a logged header:
    a middleware that strips ``Upgrade`` also removes it from the access log."""
    return (
        pl.when(pl.col("transport") == "websocket")
        .then(pl.lit("ws_upgrade"))
        .otherwise(pl.lit("http_request"))
    )
