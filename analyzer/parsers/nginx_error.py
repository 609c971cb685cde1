"""nginx error log: ``YYYY/MM/DD HH:MM:SS [level] pid#tid: *connection message, client: …, request: "…"``.

Layout (``src/core/ngx_log.c``, ``ngx_log_error_core``): the local time with no zone (read in ``--tz``), the
level in brackets, ``pid#tid:``, ``*N`` (the connection number) when a connection is known, the message,
then the request's context appended by ``ngx_http_log_error`` (``src/http/ngx_http_request.c``)::

    , client: 1.2.3.4, server: example.com, request: "GET /socket.io/?EIO=4 HTTP/1.1",
      upstream: "http://127.0.0.1:3000/socket.io/?EIO=4", host: "example.com", referrer: "…"

What the upstream module's messages mean (``src/http/ngx_http_upstream.c``, ``ngx_http_proxy_module.c``)
for the request: ``connect() failed (111: Connection refused) while connecting to upstream``, ``no live
upstreams``, ``upstream prematurely closed connection while reading response header`` and ``host not found
in upstream`` end in **502**; ``upstream timed out (110: …) while reading response header`` or ``while
connecting`` in **504**; ``client intended to send too large body: N bytes`` in **413**
(``ngx_http_core_module``, over ``client_max_body_size``). ``upstream timed out … while proxying upgraded
connection`` is an open WebSocket cut by ``proxy_read_timeout`` (no status: the 101 was sent long before).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.regex import ascii_classes
from analyzer.timeparse import localize
from analyzer.urls import sio_columns, split_target

_LINE = ascii_classes(
    # pasted without its time, a line still names its level and pid#tid: it is read, untimed
    r"^(?:(?P<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) )?\[(?P<level>debug|info|notice|warn|error|crit|alert|emerg)\] "
    r"(?P<pid>\d+)#(?P<tid>\d+): (?:\*(?P<cid>\d+) )?(?P<msg>.*)$"
)
_CONTEXT = ascii_classes(
    r"^(?P<what>.*?), client: (?P<client>[^,]*)(?:, server: (?P<server>[^,]*))?"
    r'(?:, request: "(?P<req>[^"]*)")?(?:, subrequest: "[^"]*")?(?:, upstream: "(?P<upstream>[^"]*)")?'
    r'(?:, host: "(?P<host>[^"]*)")?(?:, referrer: "[^"]*")?\s*$'
)
_LEVELS: Final = {
    "debug": "debug", "info": "info", "notice": "info", "warn": "warn",
    "error": "error", "crit": "fatal", "alert": "fatal", "emerg": "fatal",
}  # fmt: skip

#: (regex on the message, kind, status the client got, reason): most specific first.
_MEANINGS: Final[tuple[tuple[str, str, int | None, str], ...]] = (
    (r"upstream timed out .* while proxying upgraded connection", "ws_close", None, "proxy_read_timeout"),
    (r"while proxying upgraded connection", "ws_close", None, "upgraded connection error"),
    (r"client intended to send too large body", "proxy_error", 413, "client_max_body_size"),
    (r"upstream timed out .* while (?:reading response header|connecting)", "proxy_error", 504, "upstream timeout"),
    (r"upstream timed out", "proxy_error", 504, "upstream timeout"),
    (r"connect\(\) (?:to \S+ )?failed .* while connecting to upstream", "proxy_error", 502, "upstream refused"),
    (r"no live upstreams", "proxy_error", 502, "no live upstreams"),
    (r"upstream prematurely closed connection while reading response header", "proxy_error", 502,
     "upstream closed"),
    (r"host not found in upstream|no resolver defined", "proxy_error", 502, "upstream not resolved"),
    (r"upstream sent invalid|upstream sent too big header", "proxy_error", 502, "upstream invalid answer"),
    (r"upstream server temporarily disabled", "proxy_error", None, "upstream disabled"),
)  # fmt: skip


class NginxError(Parser):
    name = "nginx-error"
    source = "proxy"
    batchable = True
    description = "nginx error log (upstream failures, timeouts, body limits)"

    def sniff(self, sample: list[str]) -> float:
        return share(sample, _LINE)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", "text")
        fields = lines.with_columns(pl.col("text").str.extract_groups(_LINE).alias("_l")).unnest("_l")
        fields = fields.with_columns(pl.col("msg").str.extract_groups(_CONTEXT).alias("_c")).unnest("_c")
        naive = pl.col("ts").str.to_datetime("%Y/%m/%d %H:%M:%S", time_unit="us", strict=False)
        req = pl.col("req").str.splitn(" ", 2)
        rest = req.struct.field("field_1")
        proto = rest.str.extract(r" (HTTP/[0-9.]+)$", 1)
        target = pl.when(proto.is_not_null()).then(rest.str.strip_suffix(pl.lit(" ") + proto)).otherwise(rest)
        message = pl.coalesce(pl.col("what"), pl.col("msg"))
        kind: pl.Expr = pl.lit(None, dtype=pl.String)
        status: pl.Expr = pl.lit(None, dtype=pl.Int32)
        reason: pl.Expr = pl.lit(None, dtype=pl.String)
        for pattern, k, code, why in reversed(_MEANINGS):
            hit = message.str.contains(pattern)
            kind = pl.when(hit).then(pl.lit(k)).otherwise(kind)
            status = pl.when(hit).then(pl.lit(code, dtype=pl.Int32)).otherwise(status)
            reason = pl.when(hit).then(pl.lit(why)).otherwise(reason)
        level = pl.col("level").replace_strict(_LEVELS, default=None)
        other = pl.when(level.is_in(["error", "fatal"])).then(pl.lit("error")).otherwise(pl.lit("log"))
        events = fields.filter(pl.col("level").is_not_null()).with_columns(
            localize(naive, ctx.tz).alias("ts"),
            level.alias("level"),
            pl.lit("nginx").alias("logger"),
            message.alias("message"),
            _dash(req.struct.field("field_0")).alias("method"),
            target.alias("_target"),
            proto.alias("protocol"),
            _dash(pl.col("client")).alias("client"),
            _dash(pl.col("host")).str.to_lowercase().alias("host"),
            # host:port, as the access log's $upstream_addr writes the same server (one session's lines in
            # both logs must name one upstream, or it would look spread over two)
            pl.col("upstream").str.extract(r"^[A-Za-z][\w+.-]*://([^/?#]+)", 1).alias("upstream"),
            pl.coalesce(kind, other).alias("kind"),
            status.alias("status"),
            reason.alias("reason"),
            pl.col("msg").str.extract(r"too large body: (\d+) bytes", 1).cast(pl.Int64).alias("request_size"),
            pl.col("text").alias("raw"),
        )
        events = events.with_columns(*split_target(pl.col("_target"))).with_columns(
            sio_columns(pl.col("query"))
        )
        events = events.select(
            "line", "ts", "kind", "level", "logger", "message", "method", "host", "path", "query", "protocol",
            "status", "request_size", "upstream", "client", "reason", "eio", "transport", "sid", "t", "raw",
        )  # fmt: skip
        blank = pl.col("text").str.strip_chars() == ""
        unparsed = fields.filter(pl.col("level").is_null() & ~blank)["line"]
        return ParseResult(events, unparsed, assumed_tz=events["ts"].is_not_null().any())


def _dash(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_in(["-", ""])).then(None).otherwise(value)
