"""A request from the browser's network panel, copied as text: the Headers view, raw headers, fetch or cURL.

What a user pastes when asked "what does the network tab say" (DevTools ``front_end/panels/network``:
``RequestHeadersView``, ``NetworkLogView.generateFetchCall`` / ``generateCurlCommand``, the "Copy request /
response headers" and "Copy response" items), one or several requests in a row::

    Request URL: wss://foo.bar                       the Headers view's General section (Chrome 22:
    Request Method: GET                              "Request URL:ws://…", no space)
    Status Code: 101 Switching Protocols
    GET /socket.io/?EIO=4&transport=polling HTTP/1.1 "Copy request headers" (HTTP/1.1)
    Host: chat.example.test
    HTTP/1.1 400 Bad Request                         "Copy response headers"
    {"code":1,"message":"Session ID unknown"}        "Copy response": an Engine.IO answer
    fetch("https://…/socket.io/?EIO=4&…", {          "Copy as fetch" ("method": "POST" inside)
    curl 'https://…/socket.io/?EIO=4&…' \\           "Copy as cURL" (-X 'POST', --data-raw)

A request starts at its URL (the General section's ``Request URL``, a request line with its ``Host``
header, ``fetch(``, ``curl``, or a URL alone on its line, with or without its method); the status, headers
and body that follow belong to it, until the next request. A response pasted on its own (a status line,
an Engine.IO body) is a request whose URL is unknown. Each request is one event: method, URL columns and
Socket.IO fields, status, and what the body says in Engine.IO's terms — ``0{"sid":…}`` opens a session
(``kind`` ``handshake``, ``sid``), ``{"code":1,"message":"Session ID unknown"}`` is engine.io's error
answer (``error_code``, ``error``, ``error_name`` as engine.io names it).

No time is copied with a request, except the server's ``Date`` response header, which is used (to the
second); otherwise the request is placed at the file's time and marked ``ts_estimated``.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult, share
from analyzer.parsers.browser.classify import json_attrs
from analyzer.parsers.browser.clock import place_times_of_day
from analyzer.parsers.browser.eio import ENGINE_ERRORS
from analyzer.parsers.browser.messages import METHODS
from analyzer.urls import sio_columns, split_target, split_url

_URL: Final = r"[A-Za-z][A-Za-z0-9+.-]*://\S+"
# newer DevTools put the value on the line below its label; a Markdown list may number the labels
_GENERAL: Final = r"^\s*(?:\d+\.\s+)?(?P<key>Request URL|Request Method|Status Code|Remote Address|Referrer Policy)\s*:\s*(?P<val>.*?)\s*$"
_REQUEST_LINE: Final = rf"^(?P<method>{METHODS}) (?P<target>\S+) (?P<proto>HTTP/\d(?:\.\d)?)\s*$"
_STATUS_LINE: Final = r"^(?P<proto>HTTP/\d(?:\.\d)?) (?P<status>\d{3})(?: (?P<text>.*?))?\s*$"
_FETCH: Final = r'^(?:await )?fetch\("(?P<url>[^"]+)"'
_FETCH_METHOD: Final = r'^\s*"method": "(?P<method>[A-Z]+)"'
_CURL: Final = r"^curl (?:-X \S+ )?(?:'|\^?\")(?P<url>[^'\"^]+)"
_CURL_METHOD: Final = r"(?:^|\s)-X \^?['\"]?(?P<method>[A-Z]+)"
_CURL_DATA: Final = r"(?:^|\s)--data(?:-raw|-binary|-urlencode)?\s"
_URL_LINE: Final = rf"^(?:(?P<method>{METHODS}) )?(?P<url>(?:https?|wss?)://\S+)\s*$"
_STATUS_ALONE: Final = r"^(?P<status>\d{3})(?: /)? (?P<text>[A-Z][A-Za-z' -]+)\s*$"
_HEADER: Final = r"^(?P<name>:?[A-Za-z][\w-]*)\s*:\s?(?P<value>.*?)\s*$"
# Engine.IO bodies: an open packet (EIO=4, or EIO=3's "96:0{…}"), or engine.io's JSON error answer
_OPEN: Final = r'^(?:\d+:)?0(?P<json>\{.*"sid".*\})'
_ENGINE_ERROR: Final = (
    r'^\{\s*"code"\s*:\s*(?P<code>\d+)\s*,\s*"message"\s*:\s*"?(?P<message>[^"}]*?)"?\s*\}\s*$'
)


class DevtoolsNetwork(Parser):
    name = "devtools-network"
    source = "browser"
    description = "a network-panel request copied as text: Headers view, raw headers, response, fetch or cURL"

    def sniff(self, sample: list[str]) -> float:
        general = share(sample, r"^\s*(?:Request URL|Request Method|Status Code)\s*:")
        copied = max(share(sample, _FETCH), share(sample, _CURL))
        raw = share(sample, _REQUEST_LINE) + share(sample, _STATUS_LINE)
        headers = share(sample, _HEADER)
        if general >= 0.1 or copied > 0:
            return 0.9
        if raw > 0 and raw + headers >= 0.5:
            return 0.8
        # a URL and what the server answered (an Engine.IO body), or the answer alone
        body = share(sample, _OPEN) + share(sample, _ENGINE_ERROR)
        if body > 0:
            return 0.7 if share(sample, _URL_LINE) + share(sample, _STATUS_ALONE) > 0 else 0.5
        return 0.0

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        text = pl.col("text")
        lines = doc.lines.select("line", "text", "shipper_ts").filter(text.str.strip_chars() != "")
        lines = lines.with_columns(
            text.str.extract_groups(_GENERAL).alias("_g"),
            text.str.extract_groups(_REQUEST_LINE).alias("_r"),
            text.str.extract_groups(_STATUS_LINE).alias("_s"),
            text.str.extract(_FETCH, 1).alias("_fetch"),
            text.str.extract(_CURL, 1).alias("_curl"),
            text.str.extract_groups(_URL_LINE).alias("_u"),
            text.str.extract_groups(_STATUS_ALONE).alias("_sa"),
            text.str.extract_groups(_HEADER).alias("_h"),
            text.str.extract(_OPEN, 1).alias("_open"),
            text.str.extract_groups(_ENGINE_ERROR).alias("_err"),
        )
        g, r, u = pl.col("_g").struct, pl.col("_r").struct, pl.col("_u").struct
        # "Request URL:" alone: its value is the next line, which starts nothing of its own
        label_alone = (g.field("val") == "").fill_null(False)
        lines = lines.with_columns(
            pl.when(label_alone)
            .then(text.shift(-1).str.strip_chars())
            .otherwise(g.field("val"))
            .alias("_gval"),
            label_alone.shift(1).fill_null(False).alias("_value_line"),
        )
        starts_request = (
            (g.field("key") == "Request URL")
            | r.field("method").is_not_null()
            | pl.col("_fetch").is_not_null()
            | pl.col("_curl").is_not_null()
            | (u.field("url").is_not_null() & ~pl.col("_value_line"))
        ).fill_null(False)
        # a response pasted before any request is a request of its own, its URL unknown
        is_response = (
            pl.col("_s").struct.field("status").is_not_null()
            | pl.col("_sa").struct.field("status").is_not_null()
            | pl.col("_open").is_not_null()
            | pl.col("_err").struct.field("code").is_not_null()
        )
        first_response = is_response & (starts_request.cum_sum() == 0) & (is_response.cum_sum() == 1)
        lines = lines.with_columns((starts_request | first_response.fill_null(False)).cum_sum().alias("_rec"))
        # which side a header is on: the Headers view titles its sections, raw copies start with their line
        side = (
            pl.when(text.str.contains(r"^\s*Request Headers\b") | r.field("method").is_not_null())
            .then(pl.lit("request"))
            .when(
                text.str.contains(r"^\s*Response Headers\b")
                | pl.col("_s").struct.field("status").is_not_null()
            )
            .then(pl.lit("response"))
        )
        lines = lines.with_columns(side.forward_fill().over("_rec").alias("_side"))
        unparsed = lines.filter(pl.col("_rec") == 0)["line"]
        records = _records(lines.filter(pl.col("_rec") > 0))
        placed = place_times_of_day(pl.Series("tod", [None] * records.height, dtype=pl.Int64), ctx)
        records = records.with_columns(placed.columns())
        by_date = pl.col("_date").is_not_null()
        records = records.with_columns(
            pl.coalesce(pl.col("_date"), pl.col("ts")).alias("ts"),
            (pl.col("ts_estimated") & ~by_date).alias("ts_estimated"),
        )
        events = _events(records)
        estimated = bool(records["ts_estimated"].any())
        return ParseResult(events, unparsed, placed.notes if estimated else [], assumed_tz=False)


def _header(name: str, side: str) -> pl.Expr:
    """The first value of header ``name`` (any case; HTTP/2 views write names in lower case) on ``side``
    (``request`` / ``response``) of a record, or in a part that does not say which."""
    h = pl.col("_h").struct
    mine = (h.field("name").str.to_lowercase() == name) & pl.col("_side").fill_null(side).eq(side)
    return h.field("value").filter(mine).first()


def _records(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per request: its URL, method, status, protocol, the headers wsdiag reads, its body."""
    g, r, s, u, sa = (pl.col(c).struct for c in ("_g", "_r", "_s", "_u", "_sa"))
    text = pl.col("text")
    general = {
        key: pl.col("_gval").filter(g.field("key") == key).first()
        for key in ("Request URL", "Request Method", "Status Code", "Remote Address", "Referrer Policy")
    }
    curl_method = text.str.extract(_CURL_METHOD, 1).drop_nulls().first()
    curl_data = text.str.contains(_CURL_DATA).any()
    return (
        lines.group_by("_rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("shipper_ts").first(),
            pl.coalesce(
                general["Request URL"],
                pl.col("_fetch").drop_nulls().first(),
                pl.col("_curl").drop_nulls().first(),
                u.field("url").drop_nulls().first(),
            ).alias("_url"),
            r.field("target").drop_nulls().first().alias("_target"),
            pl.coalesce(
                general["Request Method"],
                r.field("method").drop_nulls().first(),
                u.field("method").drop_nulls().first(),
                text.str.extract(_FETCH_METHOD, 1).drop_nulls().first(),
                curl_method,
                pl.when(pl.col("_curl").is_not_null().any() & curl_data).then(pl.lit("POST")),
                pl.when(pl.col("_curl").is_not_null().any() | pl.col("_fetch").is_not_null().any()).then(
                    pl.lit("GET")
                ),
            ).alias("method"),
            pl.coalesce(
                general["Status Code"].str.extract(r"^(\d{3})", 1),
                s.field("status").drop_nulls().first(),
                sa.field("status").drop_nulls().first(),
            ).alias("_status"),
            pl.coalesce(
                general["Status Code"].str.extract(r"^\d{3}\s*/?\s*(.+)$", 1),
                s.field("text").drop_nulls().first(),
                sa.field("text").drop_nulls().first(),
            ).alias("_status_text"),
            pl.coalesce(r.field("proto").drop_nulls().first(), s.field("proto").drop_nulls().first()).alias(
                "protocol"
            ),
            pl.coalesce(_header("host", "request"), _header(":authority", "request")).alias("_host"),
            _header("origin", "request").alias("origin"),
            _header("upgrade", "request").alias("upgrade_header"),
            _header("connection", "request").alias("connection_header"),
            _header("user-agent", "request").alias("user_agent"),
            pl.coalesce(_header("x-request-id", "request"), _header("x-correlation-id", "request")).alias(
                "request_id"
            ),
            _header("date", "response").alias("_date_text"),
            _header("server", "response").alias("_server"),
            general["Remote Address"].alias("_remote"),
            pl.col("_open").drop_nulls().first().alias("_open"),
            pl.col("_err").struct.field("code").drop_nulls().first().alias("_code"),
            pl.col("_err").struct.field("message").drop_nulls().first().alias("_message"),
            text.str.join("\n").alias("raw"),
        )
        .with_columns(
            # a response's Date header is the server's clock, to the second (RFC 9110 IMF-fixdate)
            pl.col("_date_text")
            .str.to_datetime("%a, %d %b %Y %H:%M:%S GMT", time_unit="us", time_zone="UTC", strict=False)
            .alias("_date")
        )
    )


def _events(records: pl.DataFrame) -> pl.DataFrame:
    # a request line's target is relative: its Host header completes the URL
    host = pl.col("_host")
    relative = pl.when(pl.col("_target").str.starts_with("/") & host.is_not_null()).then(
        pl.lit("http://") + host + pl.col("_target")
    )
    url = pl.coalesce(pl.col("_url"), relative)
    out = records.with_columns(url.alias("_full")).with_columns(split_url(pl.col("_full")))
    # without a host the target still gives path and query
    target = split_target(pl.col("_target"))
    out = out.with_columns(
        pl.coalesce(pl.col("path"), target[0]).alias("path"),
        pl.coalesce(pl.col("query"), target[1]).alias("query"),
    ).with_columns(sio_columns(pl.col("query")))
    status = pl.col("_status").cast(pl.Int32, strict=False)
    code = pl.col("_code").cast(pl.Int32, strict=False)
    opened_sid = pl.col("_open").str.json_path_match("$.sid")
    is_ws = (
        pl.col("scheme").is_in(["ws", "wss"])
        | (pl.col("transport") == "websocket")
        | (status == 101)
        | pl.col("upgrade_header").str.to_lowercase().str.contains("websocket", literal=True)
    ).fill_null(False)
    kind = (
        pl.when(opened_sid.is_not_null())
        .then(pl.lit("handshake"))
        .when(is_ws)
        .then(pl.lit("ws_upgrade"))
        .otherwise(pl.lit("http_request"))
    )
    level = (
        pl.when((status >= 500) | code.is_not_null())
        .then(pl.lit("error"))
        .when(status >= 400)
        .then(pl.lit("warn"))
        .otherwise(pl.lit("info"))
    )
    message = pl.concat_str(
        pl.col("method"),
        pl.coalesce(pl.col("_full"), pl.col("_target")),
        status.cast(pl.String),
        pl.col("_status_text"),
        pl.col("_message"),
        separator=" ",
        ignore_nulls=True,
    )
    return out.select(
        "line",
        "ts",
        "ts_estimated",
        kind.alias("kind"),
        level.alias("level"),
        message.alias("message"),
        "method",
        "scheme",
        pl.coalesce(pl.col("host"), pl.col("_host").str.replace(r":\d+$", ""))
        .str.to_lowercase()
        .alias("host"),
        "path",
        "query",
        "protocol",
        status.alias("status"),
        "origin",
        "upgrade_header",
        "connection_header",
        "user_agent",
        "request_id",
        "eio",
        "transport",
        pl.coalesce(pl.col("sid"), opened_sid).alias("sid"),
        "t",
        code.alias("error_code"),
        pl.col("_message").alias("error"),
        code.replace_strict(ENGINE_ERRORS, default=None, return_dtype=pl.String).alias("error_name"),
        json_attrs(
            {
                "remote_address": pl.col("_remote"),
                "server": pl.col("_server"),
                "status_text": pl.col("_status_text"),
                "ping_interval": pl.col("_open").str.json_path_match("$.pingInterval"),
                "ping_timeout": pl.col("_open").str.json_path_match("$.pingTimeout"),
                "upgrades": pl.col("_open").str.json_path_match("$.upgrades"),
            }
        ).alias("attrs"),
        "raw",
    )
