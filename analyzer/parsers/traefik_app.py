"""Traefik's own log (not the access log): v1/v2 logrus text / TTY / JSON and v3 zerolog console / JSON.

Layouts (``cmd/traefik``)::

    v1/v2 text  time="2020-04-05T00:29:20+02:00" level=debug msg="Creating middleware" routerName=a@docker
    v2 TTY      INFO[2020-04-05T00:29:20+02:00] Creating middleware routerName=a@docker
    v3 text     2025-08-14T03:55:08Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:121 >
                502 Bad Gateway error="dial tcp 10.76.0.36:8080: connect: connection refused"
    v3 text     2025-05-05T12:16:59Z ERR error="accept tcp [::]:443: use of closed network connection"
                entryPointName=https
    JSON        {"level":"debug","msg"|"message":"…","time":"…","routerName":"…", "error":"…"}

v3 writes through zerolog's ``ConsoleWriter{TimeFormat: time.RFC3339}``: parts are time, level, caller and
message, each left out when empty, then the fields sorted by key. The caller (``file.go:12 >``) is only
added at DEBUG and below, and a line logged with ``Err(…)`` alone has no message, so the same writer gives
all three shapes above. The time is RFC 3339 in the process's zone, offset included (``Z`` in most
containers, ``-07:00`` where ``TZ`` is set): it is read with its offset, never in ``--tz``. Traefik colours
this output whenever it writes to a terminal or a pipe; a paste that lost the escape byte keeps ``[90m``
and friends in the text, which are dropped before reading.

v1 (``time="…" level=… msg=…`` too) names frontends and backends instead of routers and services: its
configuration messages (``Wiring frontend frontend-x to entryPoint http``, ``Creating backend backend-x``)
fill ``router`` / ``service``; its proxy errors come from vulcand/oxy (``vulcand/oxy/forward/websocket:
Error dialing …``, ``'502 Bad Gateway' caused by: …``).

What matters for WebSockets: the proxy's forwarding errors (``502 Bad Gateway`` with the dial error,
logged at DEBUG; v1/v2 word it ``'502 Bad Gateway' caused by: …``) and configuration reloads
(``Configuration received``, v1 ``Server configuration reloaded on :80``), which give the routing history.
"""

from __future__ import annotations

import re

import polars as pl

from analyzer.jsonutil import OK, read_json_objects, string_field
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.timeparse import iso_to_utc

_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)"
# zerolog's console parts: time, level (``???`` for none), optional ``caller >``, optional message + fields
_V3_TEXT = rf"^(?P<ts>{_ISO}) (?P<lvl>TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?)(?: (?P<caller>\S+:\d+) >)?(?: (?P<rest>.*))?$"
# zerolog's SGR codes (grey time, coloured level, bold message, cyan keys) whose escape byte a paste lost
_BARE_SGR = r"\x1b?\[(?:\d{1,2}(?:;\d{1,2})*)?m"
_PAIR = r'[A-Za-z][\w.]*=(?:"(?:[^"\\]|\\.)*"|\S+)'
# msg= runs to the last quote that only fields follow: a paste outside a code block loses logrus' \" escapes
_V2_TEXT = (
    rf'^time="(?P<ts>[^"]+)" level=(?P<lvl>\w+) msg=(?:"(?P<msg>.*?)"|(?P<bare>[^"\s]\S*))'
    rf"(?P<rest>(?:\s+{_PAIR})*)\s*$"
)
_V2_TTY = rf"^(?P<lvl>INFO|DEBU|WARN|ERRO|FATA|PANI|TRAC)\[(?P<ts>{_ISO}|\d+)\] (?P<rest>.*)$"
_JSON = r'^\s*\{.*"level"\s*:\s*"[a-z]+".*"(?:msg|message)"\s*:'
# Markers that only Traefik's own log carries (context keys of pkg/observability/logs/fields.go, its caller).
_MARKERS = (
    r"routerName|serviceName|entryPointName|providerName|middlewareName|github\.com/traefik|[Tt]raefik"
    # message wordings of Traefik's own code (proxy errors, provider and router lifecycle)
    r"|'\d{3} [A-Z][A-Za-z ]+' caused by: |Configuration received|Starting provider|Creating (?:middleware|router|server)"
    # v1: its server's messages (server/server*.go) and the vulcand/oxy forwarder it proxies through
    r"|vulcand/oxy|Server configuration reloaded on|Wiring frontend|Creating (?:backend|frontend|route) "
    r"|Skipping same configuration|Global configuration loaded|Preparing server \w+ |Websocket request to target"
)
_LEVELS = {
    "trc": "trace", "trac": "trace", "trace": "trace",
    "dbg": "debug", "debu": "debug", "debug": "debug",
    "inf": "info", "info": "info",
    "wrn": "warn", "warn": "warn", "warning": "warn",
    "err": "error", "erro": "error", "error": "error",
    "ftl": "fatal", "fata": "fatal", "fatal": "fatal", "pnc": "fatal", "pani": "fatal", "panic": "fatal",
}  # fmt: skip
_CONTEXT_KEYS = ("routerName", "serviceName", "entryPointName", "error")


class TraefikApp(Parser):
    name = "traefik-app"
    source = "proxy"
    description = "Traefik's own log: v2 logrus text/JSON, v3 zerolog console/JSON"

    def sniff(self, sample: list[str]) -> float:
        sample = [re.sub(_BARE_SGR, "", line) for line in sample]
        shape = sum(share(sample, p) for p in (_V3_TEXT, _V2_TEXT, _V2_TTY, _JSON))
        if shape < 0.5:
            return 0.0
        # the same layouts are used by other Go programs: without a Traefik marker, stay modest
        return shape * (0.95 if share(sample, _MARKERS) > 0 else 0.25)

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = doc.lines.select("line", pl.col("text").str.replace_all(_BARE_SGR, ""))
        is_json = pl.col("text").str.contains(r"^\s*\{")
        text_part = _parse_text(lines.filter(~is_json))
        json_rows = lines.filter(is_json)
        parts = [text_part]
        if json_rows.height:
            parts.append(_parse_json(json_rows))
        records = pl.concat(parts, how="diagonal_relaxed").sort("line")
        # lines that match no layout continue the record above (multi-line messages, stack traces)
        records = _fold(records)
        events = _classify(records)
        return ParseResult(events, records.filter(pl.col("_orphan"))["line"])


def _parse_text(lines: pl.DataFrame) -> pl.DataFrame:
    v3 = pl.col("text").str.extract_groups(_V3_TEXT)
    v2 = pl.col("text").str.extract_groups(_V2_TEXT)
    tty = pl.col("text").str.extract_groups(_V2_TTY)
    out = lines.with_columns(v3.alias("_a"), v2.alias("_b"), tty.alias("_c"))
    a, b, c = (pl.col(name).struct for name in ("_a", "_b", "_c"))
    # v3 and TTY put the message first and key=value pairs after it; v2 text quotes msg= and puts pairs after
    rest = pl.coalesce(b.field("rest"), a.field("rest"), c.field("rest"))
    # the fields run to the end of the line; a v3 line logged with Err() alone is only fields
    pairs = rf"(?:(?:^|\s+){_PAIR})+\s*$"
    return out.select(
        "line",
        "text",
        pl.coalesce(a.field("ts"), b.field("ts"), c.field("ts")).alias("_ts"),
        pl.coalesce(a.field("lvl"), b.field("lvl"), c.field("lvl")).str.to_lowercase().alias("_lvl"),
        a.field("caller").alias("_caller"),
        pl.coalesce(
            b.field("msg").str.replace_all(r"\"", '"', literal=True),
            b.field("bare"),
            _nonempty(pl.coalesce(a.field("rest"), c.field("rest")).str.replace(pairs, "").str.strip_chars()),
            # a line with no message keeps its fields as the message (``error="…" entryPointName=web``)
            pl.coalesce(a.field("rest"), c.field("rest")),
        ).alias("_msg"),
        *[_logfmt(rest, key).alias(key) for key in _CONTEXT_KEYS],
    )


def _nonempty(text: pl.Expr) -> pl.Expr:
    return pl.when(text != "").then(text)


def _logfmt(text: pl.Expr, key: str) -> pl.Expr:
    quoted = text.str.extract(rf'(?:^|\s){key}="((?:[^"\\]|\\.)*)"', 1).str.replace_all(
        r"\"", '"', literal=True
    )
    bare = text.str.extract(rf"(?:^|\s){key}=([^\s\"]\S*)", 1)
    return pl.coalesce(quoted, bare)


def _parse_json(lines: pl.DataFrame) -> pl.DataFrame:
    keys = ("time", "level", "caller", "message", "msg", *_CONTEXT_KEYS)
    objects = read_json_objects(lines["text"], schema=dict.fromkeys(keys, pl.String))
    frame = pl.concat([lines, objects], how="horizontal")

    def s(name: str) -> pl.Expr:
        return string_field(objects, name)

    return frame.select(
        "line",
        "text",
        pl.when(pl.col(OK)).then(s("time")).alias("_ts"),
        s("level").str.to_lowercase().alias("_lvl"),
        s("caller").alias("_caller"),
        pl.coalesce(s("message"), s("msg")).alias("_msg"),
        *[s(key).alias(key) for key in _CONTEXT_KEYS],
    )


def _fold(records: pl.DataFrame) -> pl.DataFrame:
    # a JSON object that is no app-log line (an access-log object among them, whole or broken over lines)
    # starts a record of its own that this parser leaves unread, with the lines that continue it
    foreign = pl.col("text").str.strip_chars_start().str.starts_with("{") & pl.col("_ts").is_null()
    starts = pl.col("_ts").is_not_null() | foreign
    blank = pl.col("text").str.strip_chars() == ""
    with_id = records.with_columns(
        starts.cum_sum().alias("_rec"), blank.alias("_blank"), foreign.alias("_foreign")
    ).with_columns(pl.col("_foreign").first().over("_rec").alias("_foreign"))
    # lines before the first record, or in a foreign one, are not read; blank lines belong to nothing
    unread = ((pl.col("_rec") == 0) | pl.col("_foreign")) & ~pl.col("_blank")
    orphans = with_id.filter(unread)
    grouped = (
        with_id.filter(~unread & ~pl.col("_blank"))
        .group_by("_rec", maintain_order=True)
        .agg(pl.all().first(), pl.col("text").str.join("\n").alias("_raw"))
        .drop("_rec")
    )
    return pl.concat(
        [
            grouped.with_columns(pl.lit(False).alias("_orphan")),
            orphans.drop("_rec").with_columns(pl.col("text").alias("_raw"), pl.lit(True).alias("_orphan")),
        ],
        how="diagonal_relaxed",
    ).drop("_blank", "_foreign")


def _classify(records: pl.DataFrame) -> pl.DataFrame:
    parsed = records.filter(~pl.col("_orphan"))
    msg = pl.col("_msg")
    # v3: "502 Bad Gateway"; v2: "'502 Bad Gateway' caused by: dial tcp …"
    status = msg.str.extract(r"^'?(\d{3}) [A-Z][A-Za-z ]+'?(?:\s|$|caused by)", 1).cast(
        pl.Int32, strict=False
    )
    error = pl.coalesce(pl.col("error"), msg.str.extract(r"caused by: (.*)$", 1))
    dial = error.str.extract(r"dial tcp ([^\s:]+:\d+)", 1)
    kind = (
        pl.when(status.is_not_null())
        .then(pl.lit("proxy_error"))
        .when(msg.str.contains(r"^Configuration received|^Server configuration reloaded"))
        .then(pl.lit("config_reload"))
        .when(pl.col("_lvl").is_in(["err", "erro", "error", "ftl", "fata", "fatal", "pnc", "pani", "panic"]))
        .then(pl.lit("error"))
        .otherwise(pl.lit("log"))
    )
    return parsed.select(
        "line",
        iso_to_utc(pl.col("_ts")).alias("ts"),
        pl.col("_lvl").replace_strict(_LEVELS, default="info").alias("level"),
        pl.col("_caller").alias("logger"),
        msg.alias("message"),
        kind.alias("kind"),
        status.alias("status"),
        error.alias("error"),
        dial.alias("upstream"),
        # v1 has no context fields: its configuration messages name the frontend (router) and backend
        pl.coalesce(pl.col("routerName"), msg.str.extract(r"^(?:Wiring|Creating) frontend (\S+)", 1)).alias(
            "router"
        ),
        pl.coalesce(pl.col("serviceName"), msg.str.extract(r"^Creating backend (\S+)", 1)).alias("service"),
        pl.col("entryPointName").alias("entrypoint"),
        pl.col("_raw").alias("raw"),
    )
