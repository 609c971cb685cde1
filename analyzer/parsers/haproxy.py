"""HAProxy HTTP log (``option httplog``), usually behind syslog's prefix (unwrapped by ``ingest``).

Layout (HAProxy configuration manual, "8.2.3. HTTP log format")::

    10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- \
        1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"

client:port, the **accept date** (local time to the millisecond, no zone: read in ``--tz``), frontend
(``~`` when it is TLS), backend/server (``<NOSRV>`` when none was chosen), the timers TR/Tw/Tc/Tr/Ta
(``-1`` for a step never reached; before 1.9 the last one is Tt; ``+`` with ``option logasap``), status
(``-1`` when none was sent), bytes read, the captured cookies, the **termination state** (four
characters: who ended the session — ``C`` client, ``S`` server, ``P`` proxy, ``R`` resource, ``I``
internal, ``D`` server down, ``K`` killed, ``c`` / ``s`` client / server timeout, ``-`` normal end — and in
which phase: ``R`` request, ``Q`` queue, ``C`` connect, ``H`` headers, ``D`` data, ``L`` last, ``T``
tarpit), connection counts, queues, optional captured headers in ``{}`` and the request line.

Semantics: a line is written when the session ends; a WebSocket is one ``101`` line whose last timer is
its whole lifetime, ended ``CD`` (the client closed) or ``SD`` (the server did), or ``cD`` / ``sD`` when
``timeout tunnel`` (else ``timeout client`` / ``server``) cut it. ``SC`` (connection refused) is a 503,
``SH`` (the server closed before answering) a 502, ``sH`` (``timeout server`` before the headers) a 504.
The backend stands for Traefik's service and ``backend/server`` for the upstream, so the rules that group
by upstream (sticky sessions) work unchanged.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.regex import ascii_classes
from analyzer.timeparse import localize
from analyzer.urls import sio_columns, split_target

_LINE = ascii_classes(
    r"^(?P<client>\S+?):(?P<cport>\d+) \[(?P<ts>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?:\.\d{3})?)\] "
    r"(?P<fe>\S+) (?P<be>[^/\s]+)/(?P<srv>\S+) "
    r"(?P<t1>-?\d+)/(?P<t2>-?\d+)/(?P<t3>-?\d+)/(?P<t4>-?\d+)/\+?(?P<tt>-?\d+) "
    r"(?P<status>-?\d+) \+?(?P<bytes>\d+) (?P<reqck>\S+) (?P<resck>\S+) (?P<term>[A-Za-z-]{4}) "
    r"(?P<conns>\d+/\d+/\d+/\d+/\+?\d+) (?P<queues>\d+/\d+)"
    r"(?: \{(?P<reqh>[^}]*)\})?(?: \{(?P<resh>[^}]*)\})?"
    r'(?: "(?P<req>[^"]*)"?)?\s*$'
)
_SNIFF = ascii_classes(
    r"(?:^|\s)\S+:\d+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?:\.\d{3})?\] \S+ [^/\s]+/\S+ -?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+ -?\d+ "
)
#: Who ended the session (the termination state's first character).
_WHO: Final = {
    "C": "the client aborted", "S": "the server aborted or refused", "P": "the proxy aborted",
    "R": "a proxy resource ran out", "I": "an internal error", "D": "the server was down",
    "U": "the server was up again", "K": "an admin killed it", "c": "the client timed out (timeout client/tunnel)",
    "s": "the server timed out (timeout server/tunnel)", "L": "the proxy answered itself",
}  # fmt: skip
#: In which phase (the second character).
_PHASE: Final = {
    "R": "waiting for the request", "Q": "in the queue", "C": "connecting to the server",
    "H": "waiting for the response headers", "D": "during the data phase", "L": "sending the last data",
    "T": "in the tarpit",
}  # fmt: skip


class HAProxyHTTP(Parser):
    name = "haproxy-http"
    source = "proxy"
    batchable = True
    description = "HAProxy HTTP log (option httplog): timers, termination state, backend/server"

    def sniff(self, sample: list[str]) -> float:
        return share(sample, _SNIFF)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", "text")
        fields = lines.with_columns(pl.col("text").str.extract_groups(_LINE).alias("_f")).unnest("_f")
        naive = pl.col("ts").str.to_datetime("%d/%b/%Y:%H:%M:%S%.f", time_unit="us", strict=False)
        req = pl.col("req").str.splitn(" ", 2)
        rest = req.struct.field("field_1")
        proto = rest.str.extract(r" (HTTP/[0-9.]+)$", 1)
        target = pl.when(proto.is_not_null()).then(rest.str.strip_suffix(pl.lit(" ") + proto)).otherwise(rest)
        status = pl.col("status").cast(pl.Int32, strict=False)
        who = pl.col("term").str.slice(0, 1)
        phase = pl.col("term").str.slice(1, 1)
        reason = pl.when(who != "-").then(
            pl.concat_str(
                pl.col("term").str.slice(0, 2),
                pl.lit(": "),
                who.replace_strict(_WHO, default="ended"),
                pl.lit(" "),
                phase.replace_strict(_PHASE, default=""),
            ).str.strip_chars()
        )
        duration = pl.col("tt").cast(pl.Float64, strict=False)
        timers = pl.concat_str("t1", "t2", "t3", "t4", "tt", separator="/")
        events = fields.filter(pl.col("ts").is_not_null()).with_columns(
            localize(naive, ctx.tz).alias("ts"),
            pl.when(duration >= 0).then(duration).alias("duration_ms"),
            req.struct.field("field_0").alias("method"),
            target.alias("_target"),
            proto.alias("protocol"),
            pl.when(status >= 0).then(status).alias("status"),
            pl.col("bytes").cast(pl.Int64, strict=False).alias("size"),
            pl.col("fe").str.strip_suffix("~").alias("entrypoint"),
            pl.col("be").alias("service"),
            pl.when(pl.col("srv") != "<NOSRV>")
            .then(pl.concat_str("be", pl.lit("/"), "srv"))
            .alias("upstream"),
            pl.col("client"),
            reason.alias("reason"),
            pl.when(who != "-").then(pl.col("term")).alias("error_name"),
            pl.struct(
                pl.col("term").alias("termination_state"),
                timers.alias("timers"),
                pl.col("conns").alias("conns"),
            )
            .struct.json_encode()
            .alias("attrs"),
            pl.col("text").alias("raw"),
        )
        events = events.with_columns(*split_target(pl.col("_target"))).with_columns(
            sio_columns(pl.col("query"))
        )
        is_ws = ((pl.col("transport") == "websocket") | (pl.col("status") == 101)).fill_null(False)
        refused = pl.col("error_name").str.contains(r"^[SsPRDI][CH]") & (pl.col("status") >= 500)
        events = events.with_columns(
            (pl.col("ts") + pl.duration(milliseconds=pl.col("duration_ms"))).cast(UTC_US).alias("ts_end"),
            pl.when(is_ws).then(pl.lit("ws_upgrade")).otherwise(pl.lit("http_request")).alias("kind"),
            pl.when((pl.col("status") >= 500) | refused).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
            pl.concat_str(
                pl.col("method"), pl.col("_target"), pl.col("status").cast(pl.String), pl.col("error_name"),
                separator=" ", ignore_nulls=True,
            ).alias("message"),
        ).select(
            "line", "ts", "ts_end", "kind", "level", "message", "method", "path", "query", "protocol", "status",
            "size", "duration_ms", "entrypoint", "service", "upstream", "client", "reason", "error_name",
            "eio", "transport", "sid", "t", "attrs", "raw",
        )  # fmt: skip
        blank = pl.col("text").str.strip_chars() == ""
        unparsed = fields.filter(pl.col("ts").is_null() & ~blank)["line"]
        return ParseResult(events, unparsed, assumed_tz=events.height > 0)
