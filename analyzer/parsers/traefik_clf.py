"""Traefik access log, "common" format (Traefik's extended CLF) and genericCLF.

Line template (``pkg/middlewares/accesslog/logger_formatters.go``)::

    <client> - <user> [<02/Jan/2006:15:04:05 -0700>] "<METHOD> <path> <PROTO>" <status> <size>
    "<referer>" "<user-agent>" <count> "<router>" "<service URL>" <N>ms

Variants handled: v2.0–2.10.4 (status column = origin status) and v2.10.5+/v3 (downstream status) have
the same shape; before v2.1.7 a missing router/service is a bare ``-``; v3.6.18+ escapes ``"`` inside
quoted fields as ``\\"``; ``X-Forwarded-For`` lists (``A, B``) in the client field; ``StartLocal`` offsets;
``[-]`` when the time fields are dropped; genericCLF (v3.5.2+) ends after the user agent.

Traefik v1 writes the same layout with its own names in the tail (``middlewares/accesslog`` on the v1.4–v1.7
branches): the frontend where v2 has the router, the backend URL where v2 has the service URL; v1.0–v1.3
(``middlewares/logger.go``) write the backend's *name* there (``"backend-foo"``), which goes to ``service``.
A request no frontend matched is logged with the frontend ``"backend not found"`` and the backend ``"/"``
(v2: ``"-"`` and ``"-"``), so both become null. v1.4 wrote a missing status or size as ``%!d(<nil>)``.

Semantics kept: the timestamp is the request *start*; a WebSocket that upgraded is logged with status
``0`` when it closes and its duration is the connection lifetime, so ``ts_end = ts + duration``.

Fast path: lines with exactly the ten quotes of the standard layout (and no escaped quote) are cut by
literal splits — on ``"``, then the head, the request and the status/size on spaces — each split computed
once as columns, and typed once; capture-free anchored patterns check that every piece has its exact
shape. Every other line (an X-Forwarded-For list, v1's bare ``-`` fields, genericCLF, escaped quotes)
goes through the tolerant regexes below. Both paths end in the same typing of the shared columns.
"""

from __future__ import annotations

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, in_parallel, share
from analyzer.regex import ascii_classes
from analyzer.urls import sio_columns, split_target

_Q = r'"(?:[^"\\]|\\.)*"'  # a quoted field, escaped quotes allowed
# a number, "-" when missing, or v1.4's "%!d(<nil>)" (a nil printed with %d)
_NUM = r"\d+|-|%!d\(<nil>\)"
_HEAD = ascii_classes(r"^(?P<client>[^\s,]+(?:, [^\s,]+)*) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>[^\]]*)\] ")
_STRICT = ascii_classes(
    _HEAD + rf'"(?P<req>(?:[^"\\]|\\.)*)" (?P<status>{_NUM}) (?P<size>{_NUM})'
    rf"(?: (?P<referer>{_Q}|-) (?P<ua>{_Q}|-)"
    rf"(?: (?P<count>\d+|-) (?P<router>{_Q}|-) (?P<svc>{_Q}|-) (?P<dur>\d+)ms)?)?$"
)
# Before v3.6.18 quotes inside fields were not escaped: anchor on the fixed tail instead.
_LENIENT = ascii_classes(
    _HEAD + rf'"(?P<req>.*)" (?P<status>{_NUM}) (?P<size>{_NUM}) (?P<referer>".*?"|-) (?P<ua>".*"|-)'
    r' (?P<count>\d+|-) (?P<router>"[^"]*"|-) (?P<svc>"[^"]*"|-) (?P<dur>\d+)ms$'
)
_FIELDS = ["client", "user", "ts", "req", "status", "size", "referer", "ua", "count", "router", "svc", "dur"]
_CLF_TIME = r"\[(?:\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}|-)\]"
_SNIFF = r"^[^\s,]+(?:, [^\s,]+)* \S+ \S+ " + _CLF_TIME + rf' "[^"]*" (?:{_NUM}) (?:{_NUM})'
_TRAEFIK_TAIL = r' (?:\d+|-) (?:"[^"]*"|-) (?:"[^"]*"|-) \d+ms$'


class TraefikCLF(Parser):
    name = "traefik-clf"
    source = "proxy"
    batchable = True
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
        rows = in_parallel(doc.lines.select("line", "text"), _parse)
        failed = rows.filter(~pl.col("_parsed")).select("line", "raw")
        unparsed = failed.filter(pl.col("raw").str.strip_chars() != "")["line"].sort()
        events = rows.filter(pl.col("_parsed")).drop("_parsed")
        return ParseResult(events, unparsed)


def _parse(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Typed events (and ``_parsed``) for every line: the fast path where it applies, the regexes elsewhere."""
    # the standard layout has exactly ten quotes (five quoted fields); v3.6.18+ escapes quotes with "\"
    standard = (pl.col("text").str.count_matches('"', literal=True) == 10) & ~pl.col("text").str.contains(
        "\\", literal=True
    )
    fast = _fast_fields(lines.filter(standard))
    # lines that looked standard but are not (a quote in the path, odd spacing, an X-Forwarded-For list)
    rest = pl.concat([fast.filter(~pl.col("_ok")).select("line", "text"), lines.filter(~standard)])
    return pl.concat(
        [_typed(fast.filter(pl.col("_ok"))), _events(_regex_fields(rest))], how="vertical_relaxed"
    )


def _fast_fields(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Typed fields of standard-layout lines by literal splits (no capturing regex), with ``_ok`` per line.

    A line is ``_ok`` when every piece has the layout's exact shape (checked with anchored, capture-free
    patterns: a DFA scan of a short string); the others are left to the regex path, so both paths give
    the same row for every line the fast one accepts (``tests/test_traefik_clf.py`` checks it).
    """
    # each split is computed once, as columns (an expression used twice would be computed twice)
    q = frame.with_columns(pl.col("text").str.split_exact('"', 10).alias("_q")).unnest("_q")
    head, req, mid, count, dur = (pl.col(f"field_{i}") for i in (0, 1, 2, 6, 10))
    split = q.with_columns(
        head.str.split_exact(" [", 1).alias("_who_ts"),
        req.str.split_exact(" ", 2).alias("_req"),
        mid.str.split_exact(" ", 3).struct.rename_fields(["", "_status", "_size", "_"]).alias("_mid"),
        (
            head.str.contains(r"^[^\t\n\v\f\r ,]+ [^\t\n\v\f\r ]+ [^\t\n\v\f\r ]+ \[[^\]]*\] $")
            & req.str.contains(r"^[^ ]+ [^ ]+ [^ ]+$")
            & mid.str.contains(r"^ (?:[0-9]+|-) (?:[0-9]+|-) $")
            & count.str.contains(r"^ (?:[0-9]+|-) $")
            & dur.str.contains(r"^ [0-9]+ms$")
            & (pl.col("field_4") == " ")
            & (pl.col("field_8") == " ")
        )
        .fill_null(False)
        .alias("_ok"),
    )
    ts_raw = pl.col("_who_ts").struct.field("field_1").str.strip_suffix("] ")
    parts = pl.col("_req").struct
    return split.select(
        "line",
        "text",
        pl.col("_who_ts").struct.field("field_0").str.splitn(" ", 2).struct.field("field_0").alias("client"),
        ts_raw.alias("ts_raw"),
        ts_raw.str.to_datetime("%d/%b/%Y:%H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False).alias(
            "ts"
        ),
        _dash_null(parts.field("field_0")).alias("method"),
        _dash_null(parts.field("field_1")).alias("_target"),
        _dash_null(parts.field("field_2")).alias("protocol"),
        pl.col("_mid").struct.field("_status").cast(pl.Int32, strict=False).alias("status"),
        pl.col("_mid").struct.field("_size").cast(pl.Int64, strict=False).alias("size"),
        dur.str.slice(1).str.strip_suffix("ms").cast(pl.Float64, strict=False).alias("duration_ms"),
        pl.col("field_7").alias("router"),
        pl.col("field_9").alias("svc"),
        pl.col("field_5").alias("ua"),
        "_ok",
    )


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
    """Typed event columns, plus ``_parsed``, for the string fields of the regex path."""
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
        # a logged X-Forwarded-For list ("A, B"): the first address is the client
        pl.col("client").str.splitn(",", 2).struct.field("field_0").alias("client"),
    )
    return _typed(out)


def _typed(fields: pl.LazyFrame) -> pl.LazyFrame:
    """The event columns both paths share, from ``ts``, ``ts_raw``, request parts, ``router``, ``svc``, ``ua``."""
    out = fields.with_columns(
        # v1 names "no frontend matched" itself; v2 writes "-"
        pl.when(pl.col("router") != "backend not found").then(_dash_null(pl.col("router"))).alias("router"),
        pl.when(pl.col("svc").str.contains("://", literal=True)).then(pl.col("svc")).alias("upstream"),
        # v1.0–v1.3 log the backend's name where later versions log its URL
        pl.when(~pl.col("svc").str.contains("://", literal=True) & ~pl.col("svc").is_in(["-", "", "/"]))
        .then(pl.col("svc"))
        .alias("service"),
        _dash_null(pl.col("ua")).alias("user_agent"),
        pl.col("text").alias("raw"),
    )
    out = out.with_columns(*split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
    return out.with_columns(
        (pl.col("ts") + pl.duration(milliseconds=pl.col("duration_ms"))).cast(UTC_US).alias("ts_end"),
        _kind().alias("kind"),
        pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
        pl.concat_str(
            pl.col("method"), pl.col("_target"), pl.col("status").cast(pl.String), separator=" "
        ).alias("message"),
        # Traefik always writes the CLF time: a line with another ([29/Dec/2015 16:20:43], werkzeug's) or an
        # HTTP date (connect's logger) is some other server's access line
        # ("[-]" is Traefik's own: the time field dropped by the access log's field settings)
        (pl.col("ts").is_not_null() | (pl.col("ts_raw") == "-").fill_null(False)).alias("_parsed"),
    ).select(*EVENT_COLUMNS)


#: The parser's output columns, in order.
EVENT_COLUMNS = (
    "line", "ts", "ts_end", "kind", "level", "message", "method", "path", "query", "protocol", "status",
    "size", "duration_ms", "router", "upstream", "service", "client", "user_agent", "eio", "transport", "sid", "t", "raw",
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
