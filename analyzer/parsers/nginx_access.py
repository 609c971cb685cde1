"""nginx access log: ``combined`` and the custom formats built on it (WebSocket-aware tails, ingress-nginx).

``combined`` is predefined in ``src/http/modules/ngx_http_log_module.c``::

    $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"

Custom ``log_format``s almost always start with it and append variables: the Docker image's ``main`` adds
``"$http_x_forwarded_for"``, nginx-proxy's ``vhost`` puts ``$host`` first, NGINX Amplify's ``main_ext`` adds ``key=value`` pairs (``rt=$request_time
ua="$upstream_addr" us="$upstream_status" ut="$upstream_response_time"``), ingress-nginx's default adds
``$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
$upstream_response_length $upstream_response_time $upstream_status $req_id``. After the user agent this
parser reads, in order of certainty: the ingress-nginx tail; ``key=value`` pairs named after the variables
(``request_time=``, ``rt=``, ``upstream_addr=``, ``ua=``, ``us=``, ``urt=`` …); else values by their shape
(the first bare ``1.234`` is ``$request_time``, the first ``address:port`` ``$upstream_addr``, a quoted
``websocket`` ``$http_upgrade``).

Semantics (nginx docs, ``ngx_http_log_module``): a line is written when the request *ends*; ``$time_local``
is that moment, to the second, and ``$request_time`` the time since the first byte was read. A WebSocket
is logged once, when it closes, with status **101** and its whole lifetime as ``$request_time``. So
``ts_end`` is ``$time_local`` and ``ts`` = ``ts_end - $request_time``; without ``$request_time`` the start
is unknown and ``ts`` is the logging time. nginx escapes ``"``, ``\\`` and control bytes as ``\\xHH``
(``escape=default``), so quoted fields never hold a bare quote.

A plain ``combined`` line is also what Apache and Traefik's genericCLF write: it is read here unless a
``traefik`` name on the path says otherwise (``ingest/detect.py``); Traefik's own CLF, which ends with
``<count> "<router>" "<service URL>" <N>ms``, is never read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import polars as pl

from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, in_parallel, share
from analyzer.regex import ascii_classes
from analyzer.timeparse import iso_to_utc
from analyzer.urls import sio_columns, split_target

_Q = r'"[^"]*"'
# $time_local, or $time_iso8601 in the same brackets
_TIME = r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)"
_HEAD = ascii_classes(
    rf"^(?:(?P<vhost>[^\s\[,]+) )?(?P<client>\S+(?:, \S+)*) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>{_TIME})\] "
    r'"(?P<req>[^"]*)" (?P<status>\d{3}|-) (?P<size>\d+|-)'
    rf"(?: (?P<referer>{_Q}) (?P<ua>{_Q}))?(?P<tail>.*)$"
)
# ingress-nginx's default log format after the user agent
_INGRESS = ascii_classes(
    r"^ (?P<reqlen>\d+) (?P<rt>[\d.]+) \[(?P<uname>[^\]]*)\] \[(?P<altname>[^\]]*)\] (?P<uaddr>.+?) "
    r"(?P<ulen>[\d, :-]+?) (?P<urt>[\d.]+(?:(?:, | : )[\d.]+)*|-) (?P<ustatus>\d{3}(?:(?:, | : )\d{3})*|-)"
    r"(?: (?P<reqid>[0-9a-f]{16,}))?\s*$"
)
_TRAEFIK_TAIL = r' (?:\d+|-) (?:"[^"]*"|-) (?:"[^"]*"|-) \d+ms$'
_SNIFF_HEAD = ascii_classes(
    rf"^(?:[^\s\[,]+ )?\S+(?:, \S+)* \S+ \S+ \[(?:{_TIME})\] \"[^\"]*\" (?:\d{{3}}|-) (?:\d+|-)"
)
_SNIFF_MORE = ascii_classes(_SNIFF_HEAD[1:] + r' "[^"]*" "[^"]*" \S')
#: ``key=value`` names of the variables the parser reads (the variable's name, or a common short one).
_KEYS: dict[str, tuple[str, ...]] = {
    "rt": ("request_time", "rt", "reqtime", "rqt"),
    "urt": ("upstream_response_time", "urt", "ut", "upstream_time", "uptime"),
    "uaddr": ("upstream_addr", "upstream", "ua", "upaddr"),
    "ustatus": ("upstream_status", "us", "upstatus"),
    "upgrade": ("http_upgrade", "upgrade"),
    "connection": ("connection_upgrade", "http_connection", "connection"),
    "host": ("host", "http_host", "vhost"),
    "reqid": ("request_id", "req_id", "reqid"),
}
_ADDR = r"(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d+|unix:[^\s\",]+"


class NginxAccess(Parser):
    name = "nginx-access"
    source = "proxy"
    batchable = True
    description = (
        "nginx access log: combined and the custom formats that extend it (ingress-nginx, key=value)"
    )

    def sniff(self, sample: list[str]) -> float:
        head = share(sample, _SNIFF_HEAD)
        if head < 0.5 or share(sample, _TRAEFIK_TAIL) > 0.2 * head:
            return 0.0
        # a line that goes on after the user agent is nobody's but nginx's; plain combined is shared with
        # Apache and Traefik's genericCLF (which Traefik's parser scores 0.6)
        more = share(sample, _SNIFF_MORE)
        return head * (0.65 + 0.3 * (more / head))

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        learned = [rx for rx in (compile_format(f) for f in ctx.nginx_log_formats) if rx is not None]
        rows = in_parallel(doc.lines.select("line", "text"), lambda lf: _events(lf, learned))
        blank = pl.col("raw").str.strip_chars() == ""
        unparsed = rows.filter(~pl.col("_parsed") & ~blank)["line"].sort()
        events = rows.filter(pl.col("_parsed")).drop("_parsed")
        notes = []
        if events.height and events["duration_ms"].null_count() == events.height:
            notes.append(
                "nginx writes a line when the request ends and this format has no $request_time: "
                "times are the ends of requests (a WebSocket's is when it closed)"
            )
        return ParseResult(events, unparsed, notes)


def _kv(tail: pl.Expr, names: tuple[str, ...]) -> pl.Expr:
    """The value of the first ``name=value`` / ``name="value"`` / ``name: value`` pair in the tail."""
    alt = "|".join(names)
    return pl.coalesce(
        tail.str.extract(rf'(?:^|[\s,;])(?:{alt})[=:]\s?"([^"]*)"', 1),
        tail.str.extract(rf'(?:^|[\s,;])(?:{alt})[=:]\s?([^\s",;]+)', 1),
    )


def _dash_null(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_in(["-", ""])).then(None).otherwise(value)


def _first_of_list(value: pl.Expr) -> pl.Expr:
    """``$upstream_*`` list several tries (``a, b``) or internal redirects (``a : b``): the last one answered."""
    return value.str.split(" : ").list.last().str.split(", ").list.last()


def _events(lines: pl.LazyFrame, learned: list[str] | None = None) -> pl.LazyFrame:
    head = pl.col("text").str.extract_groups(_HEAD)
    out = lines.with_columns(head.alias("_h")).with_columns(
        pl.col("_h").struct.field(f).alias(f"_{f}")
        for f in ("vhost", "client", "user", "ts", "req", "status", "size", "referer", "ua", "tail")
    )
    learned_cols = _learned(learned or [])
    out = out.with_columns(
        pl.coalesce(learned_cols[k], pl.col(f"_{k}")).alias(f"_{k}")
        for k in ("client", "ts", "req", "status", "size", "ua")
        if k in learned_cols
    )
    tail = pl.col("_tail")
    ingress = tail.str.extract_groups(_INGRESS)
    out = out.with_columns(ingress.alias("_i"))
    ing = pl.col("_i").struct.field
    is_ingress = ing("rt").is_not_null()
    # values by their shape, for formats that did not name them
    bare_times = tail.str.extract_all(r"(?:^|\s)\d+\.\d{3}(?:\s|$)")
    shaped_uaddr = tail.str.extract(rf'(?:^|[\s"])({_ADDR})(?:[\s",]|$)', 1)
    quoted_ws = tail.str.contains(r'(?i)"websocket"')
    fields = {
        "rt": pl.when(is_ingress)
        .then(ing("rt"))
        .otherwise(
            pl.coalesce(_kv(tail, _KEYS["rt"]), bare_times.list.get(0, null_on_oob=True).str.strip_chars())
        ),
        "urt": pl.when(is_ingress)
        .then(ing("urt"))
        .otherwise(
            pl.coalesce(_kv(tail, _KEYS["urt"]), bare_times.list.get(1, null_on_oob=True).str.strip_chars())
        ),
        "uaddr": pl.when(is_ingress)
        .then(ing("uaddr"))
        .otherwise(pl.coalesce(_kv(tail, _KEYS["uaddr"]), shaped_uaddr)),
        "ustatus": pl.when(is_ingress).then(ing("ustatus")).otherwise(_kv(tail, _KEYS["ustatus"])),
        "upgrade": pl.coalesce(_kv(tail, _KEYS["upgrade"]), pl.when(quoted_ws).then(pl.lit("websocket"))),
        "connection": _kv(tail, _KEYS["connection"]),
        "host": _kv(tail, _KEYS["host"]),
        "reqid": pl.when(is_ingress).then(ing("reqid")).otherwise(_kv(tail, _KEYS["reqid"])),
    }
    out = out.with_columns(
        _dash_null(pl.coalesce(learned_cols[k], v) if k in learned_cols else v).alias(f"_{k}")
        for k, v in fields.items()
    )

    req = pl.col("_req").str.splitn(" ", 2)
    rest = req.struct.field("field_1")
    proto = rest.str.extract(r" (HTTP/[0-9.]+)$", 1)
    target = pl.when(proto.is_not_null()).then(rest.str.strip_suffix(pl.lit(" ") + proto)).otherwise(rest)
    end = pl.coalesce(
        pl.col("_ts").str.to_datetime("%d/%b/%Y:%H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False),
        iso_to_utc(pl.col("_ts")),
    )
    rt_ms = _first_of_list(pl.col("_rt")).cast(pl.Float64, strict=False) * 1000
    out = out.with_columns(
        end.alias("ts_end"),
        rt_ms.alias("duration_ms"),
        _dash_null(req.struct.field("field_0")).alias("method"),
        _dash_null(target).alias("_target"),
        proto.alias("protocol"),
        pl.col("_status").cast(pl.Int32, strict=False).alias("status"),
        pl.col("_size").cast(pl.Int64, strict=False).alias("size"),
        # $proxy_add_x_forwarded_for first: the original client leads the list
        _dash_null(pl.col("_client").str.splitn(",", 2).struct.field("field_0")).alias("client"),
        _dash_null(pl.col("_ua").str.strip_chars('"')).alias("user_agent"),
        _dash_null(pl.coalesce(pl.col("_host"), pl.col("_vhost"))).str.to_lowercase().alias("host"),
        # the upstream that answered last; ingress-nginx names the Service it chose
        _first_of_list(pl.col("_uaddr")).alias("upstream"),
        pl.when(is_ingress).then(_dash_null(ing("uname"))).alias("service"),
        pl.col("_upgrade").alias("upgrade_header"),
        pl.col("_connection").alias("connection_header"),
        pl.col("_reqid").alias("request_id"),
        pl.col("text").alias("raw"),
    )
    out = out.with_columns(*split_target(pl.col("_target"))).with_columns(sio_columns(pl.col("query")))
    start = pl.col("ts_end") - pl.duration(
        microseconds=(pl.col("duration_ms") * 1000).round(0).cast(pl.Int64)
    )
    attrs = pl.struct(
        pl.col("_ustatus").alias("upstream_status"), pl.col("_urt").alias("upstream_response_time")
    ).struct.json_encode()
    return out.with_columns(
        pl.coalesce(start, pl.col("ts_end")).cast(UTC_US).alias("ts"),
        _kind().alias("kind"),
        pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
        pl.concat_str(
            pl.col("method"), pl.col("_target"), pl.col("status").cast(pl.String), separator=" ", ignore_nulls=True
        ).alias("message"),
        pl.when(pl.col("_ustatus").is_not_null() | pl.col("_urt").is_not_null())
        .then(attrs)
        .alias("attrs"),
        pl.col("ts_end").is_not_null().alias("_parsed"),
    ).select(
        "line", "ts", "ts_end", "kind", "level", "message", "method", "host", "path", "query", "protocol", "status",
        "size", "duration_ms", "service", "upstream", "client", "user_agent", "upgrade_header", "connection_header",
        "request_id", "eio", "transport", "sid", "t", "attrs", "raw", "_parsed",
    )  # fmt: skip


def _kind() -> pl.Expr:
    """A WebSocket attempt: ``transport=websocket``, a logged ``Upgrade: websocket``, or nginx's 101."""
    is_ws = (
        (pl.col("transport") == "websocket")
        | (pl.col("status") == 101)
        | pl.col("upgrade_header").str.to_lowercase().str.contains("websocket", literal=True)
    ).fill_null(False)
    return pl.when(is_ws).then(pl.lit("ws_upgrade")).otherwise(pl.lit("http_request"))


# -- a log_format learned from nginx.conf ---------------------------------------------------------------------

_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_NUM = r"\d+|-"
_FLOAT_LIST = r"(?:[\d.]+|-)(?:(?:, | : )(?:[\d.]+|-))*"
#: Variable → (the field it fills, the pattern of its values outside quotes).
_VARIABLES: Final[dict[str, tuple[str | None, str]]] = {
    "remote_addr": ("client", r"[^\s\"]+"),
    "proxy_add_x_forwarded_for": ("client", r"[^\s,\"]+(?:, [^\s,\"]+)*"),
    "http_x_forwarded_for": (None, r"[^\s,\"]+(?:, [^\s,\"]+)*"),
    "time_local": ("ts", r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}"),
    "time_iso8601": ("ts", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"),
    "request": ("req", r"[^\"]*"),
    "status": ("status", r"\d{3}|-"),
    "body_bytes_sent": ("size", _NUM),
    "bytes_sent": (None, _NUM),
    "request_length": (None, _NUM),
    "request_time": ("rt", r"[\d.]+|-"),
    "upstream_response_time": ("urt", _FLOAT_LIST),
    "upstream_connect_time": (None, _FLOAT_LIST),
    "upstream_header_time": (None, _FLOAT_LIST),
    "upstream_status": ("ustatus", _FLOAT_LIST),
    "upstream_response_length": (None, _FLOAT_LIST),
    "upstream_addr": ("uaddr", r"[^\s,\"]+(?:(?:, | : )[^\s,\"]+)*"),
    "http_user_agent": ("ua", r"[^\"]*"),
    "http_upgrade": ("upgrade", r"\S*"),
    "connection_upgrade": ("connection", r"\S*"),
    "http_connection": ("connection", r"[^\"]*"),
    "host": ("host", r"[^\s\"]*"),
    "http_host": ("host", r"[^\s\"]*"),
    "request_id": ("reqid", r"[0-9a-f]+|-"),
    "req_id": ("reqid", r"[^\s\"]+"),
}
_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


def compile_format(fmt: str) -> str | None:
    """A polars regex that reads lines of nginx ``log_format`` ``fmt`` into named fields (None for a JSON
    format, which the JSON parser reads by its keys, or one with no variable this parser uses).

    Each variable matches what nginx writes for it (a number, ``-``, a list ``a, b : c`` for the upstream
    variables); a variable between quotes anything up to the next quote (nginx escapes quotes in values);
    other variables one token.
    """
    if fmt.lstrip().startswith("{"):
        return None
    parts = ["^(?P<v__ok>)"]
    taken: set[str] = set()
    pos = 0
    for m in _VAR.finditer(fmt):
        literal = fmt[pos : m.start()]
        parts.append(_META.sub(r"\\\1", literal))
        name = m.group(1) or m.group(2)
        field_name, pattern = _VARIABLES.get(name, (None, r"[^\s\"]*"))
        if literal.endswith('"') and field_name not in ("client", "uaddr"):
            pattern = r'[^"]*'
        if field_name and field_name not in taken:
            taken.add(field_name)
            parts.append(f"(?P<v_{field_name}>{pattern})")
        else:
            parts.append(f"(?:{pattern})")
        pos = m.end()
    parts.append(_META.sub(r"\\\1", fmt[pos:]))
    if not taken & {"ts", "req"}:
        return None
    return ascii_classes("".join(parts) + r"\s*$")


def _learned(regexes: list[str]) -> dict[str, pl.Expr]:
    """Per field, the value the first learned format that reads the line gives (null where none does)."""
    if not regexes:
        return {}
    fields: dict[str, list[pl.Expr]] = {}
    for rx in regexes:
        found = pl.col("text").str.extract_groups(rx)
        ok = found.struct.field("v__ok").is_not_null()
        for group in re.findall(r"\(\?P<v_([a-z]+)>", rx):
            fields.setdefault(group, []).append(pl.when(ok).then(found.struct.field(f"v_{group}")))
    return {name: pl.coalesce(values) for name, values in fields.items()}


def learn_log_formats(paths: Iterable[Path]) -> tuple[str, ...]:
    """The ``log_format`` strings of the nginx configurations among ``paths`` (``*.conf``), includes
    followed. Files that are not nginx configuration, or too large to be one, are skipped."""
    from analyzer.config.nginx import load_nginx, looks_like_nginx

    found: list[str] = []
    for path in paths:
        if path.suffix != ".conf":
            continue
        try:
            if path.stat().st_size > 1_000_000:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not looks_like_nginx(lines[:200]):
            continue
        found += [f for f in load_nginx(text, str(path)).log_formats.values() if f not in found]
    return tuple(found)
