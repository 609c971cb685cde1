"""Traefik access log, JSON format (``accessLog.format=json``), v2 and v3.

logrus' JSON formatter writes one object per line with keys sorted (``pkg/middlewares/accesslog``):
``StartUTC`` (RFC 3339 nanoseconds, the request *start*), ``Duration`` (int nanoseconds; for a WebSocket
the connection lifetime), ``RouterName``, ``ServiceName``, ``ServiceURL`` (v2: a Go ``url.URL`` object,
v3: a string), ``DownstreamStatus`` / ``OriginStatus`` (0 when nothing was written: a hijacked WebSocket),
``RequestHost``, ``RequestMethod``, ``RequestPath``, ``ClientHost`` (may be the raw X-Forwarded-For
list), and kept headers as ``request_<Canonical-Name>``, ``origin_*``, ``downstream_*``.

Traefik v1 (``middlewares/accesslog/logdata.go`` on the v1.4–v1.7 branches) writes the same object with its
own names: ``FrontendName`` (the router's place; ``"backend not found"`` when no frontend matched),
``BackendName`` (the service's) and ``BackendURL`` (a ``url.URL`` object, as v2's ``ServiceURL``); they go
to the same columns.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl

from analyzer.jsonutil import OK, column, read_json_objects, string_field
from analyzer.model import UTC_US
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.timeparse import iso_to_utc
from analyzer.urls import sio_columns, split_target

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

# Keys that only Traefik's access log writes, together.
_SNIFF = r'^\s*\{.*"(?:RequestMethod|DownstreamStatus|OriginStatus)"\s*:.*"(?:StartUTC|StartLocal|Duration|RequestPath)"\s*:'
_HEADER_KEYS = r'"(?:request|origin|downstream)_[^"]+"\s*:\s*"(?:[^"\\]|\\.)*"'
#: Request headers that carry an explicit request id, strongest first.
_REQUEST_ID_HEADERS = ("request_X-Request-Id", "request_X-Correlation-Id", "request_X-Amzn-Trace-Id")


class TraefikJSON(Parser):
    name = "traefik-json"
    source = "proxy"
    batchable = True
    description = "Traefik access log, JSON format (v2 and v3)"

    def sniff(self, sample: list[str]) -> float:
        return share(sample, _SNIFF)

    def batch_key(self, head: list[str]) -> str:
        # v2 and v3 write ServiceURL differently; the decoding schema is chosen per file
        return "v2" if share(head, r'"ServiceURL"\s*:\s*\{') else "v3"

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        lines = _join_broken_objects(doc.lines.select("line", "text"))
        objects = read_json_objects(lines["text"], schema=_schema(lines["text"]))
        frame = pl.concat([lines.select("line", "text"), objects], how="horizontal")
        # a JSON object without any access-log key (a stray app-log line) is not an access line
        is_access = pl.col(OK) & pl.any_horizontal(
            column(objects, name, pl.String).is_not_null()
            for name in ("RequestMethod", "RequestPath", "StartUTC")
        )
        parsed = frame.filter(is_access)
        blank = pl.col("text").str.strip_chars() == ""
        unparsed = frame.filter(~is_access & ~blank)["line"]
        return ParseResult(_to_events(parsed, objects.columns), unparsed)


def _join_broken_objects(lines: pl.DataFrame) -> pl.DataFrame:
    """Objects a paste or a terminal broke over lines, joined back: a line that does not open an object
    continues the object above it while that one is unclosed (its line keeps the first line's number)."""
    if lines["text"].str.starts_with("{").all():  # every line opens an object: none continues one
        return lines
    text = pl.col("text").str.strip_chars()
    opens = text.str.starts_with("{")
    unclosed = ~text.str.ends_with("}")
    cont = pl.lit(False)
    # a few rounds follow an object over a few lines; real pastes break one into two or three
    for _ in range(3):
        cont = ~opens & (opens | cont).shift(1).fill_null(False) & unclosed.shift(1).fill_null(False)
    marked = lines.with_columns(cont.alias("_cont"))
    if not marked["_cont"].any():
        return lines
    return (
        marked.with_columns((~pl.col("_cont")).cum_sum().alias("_obj"))
        .group_by("_obj", maintain_order=True)
        .agg(pl.col("line").first(), pl.col("text").str.join(""))
        .drop("_obj")
    )


#: The keys the parser reads (others reach ``attrs`` through the header pattern). Decoding only these,
#: typed, is several times faster than inferring every key of every line.
_KEYS: dict[str, PolarsDataType] = {
    **dict.fromkeys(
        ["StartUTC", "StartLocal", "time", "RequestMethod", "RequestScheme", "RequestHost", "RequestAddr",
         "RequestPath", "RequestProtocol", "entryPointName", "RouterName", "ServiceName", "ClientHost", "ClientAddr",
         "FrontendName", "BackendName",
         "request_User-Agent", "request_Origin", "request_Upgrade", "request_Connection", "request_Traceparent",
         *_REQUEST_ID_HEADERS],
        pl.String,
    ),
    **dict.fromkeys(["Duration", "DownstreamStatus", "OriginStatus", "DownstreamContentSize", "RequestContentSize"], pl.Float64),
}  # fmt: skip


#: The keys holding the upstream's URL: v2/v3 ``ServiceURL``, v1 ``BackendURL``.
_URL_KEYS = ("ServiceURL", "BackendURL")


def _schema(texts: pl.Series) -> dict[str, PolarsDataType]:
    """The typed keys to decode; the URL keys as Traefik v1/v2 (a url.URL object) or v3 (a string) write them."""
    head = texts.head(200).str.join("\n").item() or ""
    urls: dict[str, PolarsDataType] = {}
    for key in _URL_KEYS:
        as_object = re.search(rf'"{key}"\s*:\s*\{{', head) is not None
        urls[key] = pl.Struct({"Scheme": pl.String, "Host": pl.String}) if as_object else pl.String
    return {**_KEYS, **urls}


def _service_url(frame: pl.DataFrame, key: str) -> pl.Expr:
    """v3 writes ServiceURL as a string, v1/v2 as a url.URL object; both become ``scheme://host``."""
    if key not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    dtype = frame.schema[key]
    if isinstance(dtype, pl.Struct):
        names = {f.name for f in dtype.fields}
        if {"Scheme", "Host"} <= names:
            url = pl.col(key)
            host = url.struct.field("Host")
            return pl.when(host.is_not_null() & (host != "")).then(
                pl.concat_str(url.struct.field("Scheme"), pl.lit("://"), host)
            )
        return pl.lit(None, dtype=pl.String)
    text = pl.col(key).cast(pl.String, strict=False)
    # the slow JSON path keeps a v2 object as JSON text
    from_object = pl.concat_str(
        text.str.json_path_match("$.Scheme"), pl.lit("://"), text.str.json_path_match("$.Host")
    )
    return pl.when(text.str.starts_with("{")).then(from_object).otherwise(text)


def _to_events(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    def s(name: str) -> pl.Expr:
        return string_field(frame, name)

    def dash_null(expr: pl.Expr) -> pl.Expr:
        return pl.when(expr.is_in(["-", ""])).then(None).otherwise(expr)

    start = frame.select(iso_to_utc(s("StartUTC")))[:, 0]
    # StartUTC can be dropped by configuration: StartLocal carries an offset; logrus' "time" has seconds only
    # (each parsed only when needed: three ISO parses of every line cost a third of the typing)
    ts = (
        pl.lit(start)
        if not start.null_count()
        else pl.coalesce(pl.lit(start), iso_to_utc(s("StartLocal")), iso_to_utc(s("time")))
    )
    duration_ms = column(frame, "Duration", pl.Float64) / 1e6
    status = pl.coalesce(column(frame, "DownstreamStatus", pl.Int32), column(frame, "OriginStatus", pl.Int32))
    request_id = pl.coalesce(*(s(h) for h in _REQUEST_ID_HEADERS if h in keys), _traceparent_id(frame))
    headers = pl.col("text").str.extract_all(_HEADER_KEYS).list.join(",")
    out = frame.select(
        "line",
        ts.alias("ts"),
        duration_ms.alias("duration_ms"),
        column(frame, "Duration", pl.Int64).alias("_duration_ns"),
        status.alias("status"),
        column(frame, "DownstreamContentSize", pl.Int64).alias("size"),
        column(frame, "RequestContentSize", pl.Int64).alias("request_size"),
        dash_null(s("RequestMethod")).alias("method"),
        dash_null(s("RequestScheme")).alias("scheme"),
        dash_null(pl.coalesce(s("RequestHost"), s("RequestAddr"))).str.to_lowercase().alias("host"),
        s("RequestPath").alias("_target"),
        dash_null(s("RequestProtocol")).alias("protocol"),
        s("entryPointName").alias("entrypoint"),
        pl.coalesce(
            dash_null(s("RouterName")),
            # v1 names "no frontend matched" itself
            pl.when(s("FrontendName") != "backend not found").then(dash_null(s("FrontendName"))),
        ).alias("router"),
        pl.coalesce(
            dash_null(s("ServiceName")),
            # the request Traefik v1 answered itself names the backend "Traefik"
            pl.when(s("FrontendName") != "backend not found").then(dash_null(s("BackendName"))),
        ).alias("service"),
        pl.coalesce(*(dash_null(_service_url(frame, key)) for key in _URL_KEYS)).alias("upstream"),
        dash_null(pl.coalesce(s("ClientHost"), s("ClientAddr").str.replace(r":\d+$", ""))).alias("_client"),
        s("request_User-Agent").alias("user_agent"),
        s("request_Origin").alias("origin"),
        s("request_Upgrade").alias("upgrade_header"),
        s("request_Connection").alias("connection_header"),
        request_id.alias("request_id"),
        pl.when(headers != "").then(pl.concat_str(pl.lit("{"), headers, pl.lit("}"))).alias("attrs"),
        pl.col("text").alias("raw"),
    )
    out = out.with_columns(
        *split_target(pl.col("_target")),
        pl.col("_client").str.extract(r"^\s*([^\s,]+)").alias("client"),
    ).with_columns(sio_columns(pl.col("query")))
    return out.with_columns(
        (pl.col("ts") + pl.duration(microseconds=pl.col("_duration_ns") // 1000))
        .cast(UTC_US)
        .alias("ts_end"),
        _kind().alias("kind"),
        pl.when(pl.col("status") >= 500).then(pl.lit("error")).otherwise(pl.lit("info")).alias("level"),
        pl.concat_str(
            pl.col("method"),
            pl.col("_target"),
            pl.col("status").cast(pl.String),
            separator=" ",
            ignore_nulls=True,
        ).alias("message"),
    ).drop("_target", "_client", "_duration_ns")


def _traceparent_id(frame: pl.DataFrame) -> pl.Expr:
    """The trace id of a W3C ``traceparent`` header (``00-<trace id>-<span>-<flags>``)."""
    return string_field(frame, "request_Traceparent").str.extract(r"^[0-9a-f]{2}-([0-9a-f]{32})-", 1)


def _kind() -> pl.Expr:
    """A WebSocket attempt: ``transport=websocket`` or a logged ``Upgrade: websocket`` header. The URL
    matters most: a middleware that strips ``Upgrade`` also removes it from the access log."""
    is_ws = (pl.col("transport") == "websocket") | pl.col("upgrade_header").str.to_lowercase().str.contains(
        "websocket", literal=True
    ).fill_null(False)
    return pl.when(is_ws).then(pl.lit("ws_upgrade")).otherwise(pl.lit("http_request"))
