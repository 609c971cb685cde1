"""The one event table every source is parsed into, and the vocabulary of its columns.

Every parser returns a frame holding any subset of these columns; :func:`conform` adds the missing ones
as typed nulls and puts them in this order, so frames from all sources concatenate without surprises.
The table is documented for users in ``docs/events.md``; keep both in step.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar

import polars as pl

Source = Literal["proxy", "backend", "browser", "config"]
SOURCES: Final[tuple[str, ...]] = ("proxy", "backend", "browser", "config")

UTC_US = pl.Datetime("us", "UTC")

#: Column name -> (dtype, one-line meaning). Order here is the order of the table.
COLUMNS: Final[dict[str, tuple[pl.DataType, str]]] = {
    # -- where the event comes from
    "ts": (UTC_US, "UTC time of the event; for a proxy access line the request start"),
    "ts_end": (UTC_US, "UTC end of the event where known (proxy: start + Duration)"),
    "ts_estimated": (pl.Boolean(), "true when ts was estimated (no absolute time on the line)"),
    "source": (pl.String(), "proxy | backend | browser | config"),
    "format": (pl.String(), "the parser that read the line, e.g. traefik-clf"),
    "file": (pl.String(), "input path as given (plus [stream] for split shipper captures)"),
    "line": (pl.UInt32(), "1-based line of the first line of the record"),
    "stream": (pl.String(), "shipper stream inside the file (compose service, pod/container), if any"),
    "kind": (pl.String(), "what the event is (see KINDS)"),
    "level": (pl.String(), "trace | debug | info | warn | error | fatal"),
    "logger": (pl.String(), "logger, context or debug namespace (engine:socket, EventsGateway, ...)"),
    "message": (pl.String(), "the human message of the line, without its prefix"),
    # -- HTTP / URL
    "method": (pl.String(), "HTTP method"),
    "scheme": (pl.String(), "URL scheme where known (http, https, ws, wss)"),
    "host": (pl.String(), "requested host (Host header / URL host)"),
    "path": (pl.String(), "URL path, without the query"),
    "query": (pl.String(), "URL query string, without '?'"),
    "protocol": (pl.String(), "HTTP protocol (HTTP/1.1, HTTP/2.0)"),
    "status": (pl.Int32(), "HTTP status; 0 = no status written (Traefik: WebSocket hijacked, or abort)"),
    "size": (pl.Int64(), "response body bytes"),
    "request_size": (pl.Int64(), "request body bytes"),
    "duration_ms": (pl.Float64(), "request duration; for a WebSocket the whole connection lifetime"),
    # -- proxy routing
    "entrypoint": (pl.String(), "Traefik entry point"),
    "router": (pl.String(), "router that matched (name@provider); null when none matched"),
    "service": (pl.String(), "service name (name@provider)"),
    "upstream": (pl.String(), "upstream server URL the request went to"),
    "client": (pl.String(), "client address (first X-Forwarded-For entry when the proxy logged a list)"),
    "user_agent": (pl.String(), "User-Agent"),
    "origin": (pl.String(), "Origin header / page origin"),
    "upgrade_header": (pl.String(), "the Upgrade request header when logged"),
    "connection_header": (pl.String(), "the Connection request header when logged"),
    "request_id": (pl.String(), "explicit request id (X-Request-Id, traceparent trace id)"),
    # -- Socket.IO / Engine.IO / WebSocket
    "eio": (pl.Int8(), "Engine.IO protocol version from EIO="),
    "transport": (pl.String(), "polling | websocket"),
    "sid": (pl.String(), "Engine.IO session id"),
    "t": (pl.String(), "polling cache-buster t="),
    "socket_id": (pl.String(), "Socket.IO socket id (differs from the Engine.IO sid)"),
    "namespace": (pl.String(), "Socket.IO namespace"),
    "error_code": (pl.Int32(), "Engine.IO error code (0..5) or another numeric error code"),
    "error": (pl.String(), "error text (engine.io message, net::ERR_..., exception)"),
    "error_name": (
        pl.String(),
        "stable name of the failure: engine.io's (UNKNOWN_SID, TRANSPORT_MISMATCH, FORBIDDEN, ...), ws's WS_ERR_*",
    ),
    "reason": (pl.String(), "disconnect / close reason (transport close, ping timeout, ...)"),
    "close_code": (pl.Int32(), "WebSocket close code"),
    # -- filled by correlation
    "conn_id": (pl.String(), "connection this event belongs to (set by correlation)"),
    "clock_offset_ms": (pl.Float64(), "offset added to this source's clock by correlation"),
    # -- the evidence
    "attrs": (pl.String(), "JSON object of further fields the line carried (headers, ...)"),
    "raw": (pl.String(), "the record as read (after shipper unwrapping), lines joined with \\n"),
}

SCHEMA: Final[pl.Schema] = pl.Schema({name: dtype for name, (dtype, _) in COLUMNS.items()})

#: Columns no correlation step, shipped rule or report reads: written by ``wsdiag events``, and left null
#: by an analysis whose rules do not name them (a user agent is ~100 bytes a proxy line, plus the column's
#: 16-byte view a row; ``tests/test_export_only.py`` holds the shipped rules and the code to not reading them).
EXPORT_ONLY: Final = ("user_agent", "upgrade_header", "connection_header")

#: Event kinds. Parsers set `kind` to one of these so rules match on meaning, not wording.
KINDS: Final[dict[str, str]] = {
    "http_request": "an HTTP request and its answer (proxy access line, backend access line, HAR entry)",
    "ws_upgrade": "a WebSocket handshake / connection attempt (proxy line or HAR entry for transport=websocket)",
    "ws_open": "a WebSocket became open",
    "ws_close": "a WebSocket closed (close_code, reason where known)",
    "ws_error": "a WebSocket error (handshake refused, frame error)",
    "ws_frame": "WebSocket frames (summarized)",
    "handshake": "an Engine.IO handshake (new session, sid assigned)",
    "upgrade": "an Engine.IO transport upgrade (polling -> websocket) event",
    "connect": "a Socket.IO socket connected to a namespace",
    "connect_error": "a Socket.IO connect_error / connection refused by the server",
    "connect_attempt": "a client started (re)connecting (client library or app line, e.g. 'Connecting to WebSocket...')",
    "disconnect": "a Socket.IO / Engine.IO disconnect (reason)",
    "ping": "heartbeat traffic",
    "proxy_error": "the proxy's own log reporting a failed forward (502, 504, ...)",
    "config_reload": "the proxy received a new routing configuration",
    "router_config": "a router defined in a routing configuration file (rule in message, priority etc. in attrs)",
    "cors_blocked": "the browser blocked a request by CORS policy",
    "mixed_content": "the browser blocked ws:// or http:// from an https:// page",
    "tls_error": "certificate / TLS failure",
    "dns_error": "host name could not be resolved",
    "net_error": "a network-level failure (refused, reset, net::ERR_FAILED, status row)",
    "ws_failure": "the browser reported that a WebSocket connection failed",
    "error": "another error line",
    "log": "any other line",
}


def empty_events() -> pl.DataFrame:
    """Return an event table with no rows."""
    return pl.DataFrame(schema=SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Give a parser's frame the full event schema: missing columns as nulls, every column cast, in order.

    Unknown columns are dropped; a column of the wrong type is cast (non-strict: bad values become null).
    """
    exprs = []
    for name, dtype in SCHEMA.items():
        if name in frame.columns:
            col = pl.col(name)
            exprs.append(col if frame.schema[name] == dtype else col.cast(dtype, strict=False))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs)


_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def without(frame: _Frame, columns: tuple[str, ...]) -> _Frame:
    """``frame`` with ``columns`` null (the schema kept): what a consumer never reads is not held (and, of
    a lazy scan, not read)."""
    if not columns:
        return frame
    return frame.with_columns(pl.lit(None, dtype=SCHEMA[name]).alias(name) for name in columns)


def concat_events(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate conformed event frames in input order (files in rotation order, lines in file order),
    into one buffer per column.

    Not sorted by time: proxies write lines when requests *end*, and sorting a wide table is costly;
    stages that need time order sort what they use.

    One buffer, because polars copies a frame whose columns are cut into pieces of different lengths into
    one buffer per column before *each* query on it, and keeps nothing of that copy. :func:`pl.concat`
    merges the pieces of some columns (those all null in several frames) and not of others, and a column
    computed later and added back comes in one piece: on a million-line table every filter, select or
    join then cost a copy of the whole table (~0.1 s and ~650 MB at the peak). Copying it once costs
    ~0.2 s. (Thousands of pieces also made every query walk them: 2,000 files took twice as long.)
    """
    if not frames:
        return empty_events()
    # (pl.concat returns a lone frame as it is, pieces and all)
    return pl.concat(frames, how="vertical").rechunk()


def by_time(events: pl.DataFrame) -> pl.DataFrame:
    """Events in time order (undated events last, in input order)."""
    return events.sort(["ts", "file", "line"], nulls_last=True, maintain_order=True)


#: The column that tells analyses apart when several are run in one pass (``wsdiag scan`` stacks the rows
#: of a batch of windows, each window's rows tagged with its index). Correlation, facts and rules add it
#: to every grouping, window, join key and sort, so that each partition is analysed as if alone; a table
#: without it is one partition (``wsdiag analyze``).
PARTITION: Final = "_partition"


def partitions(frame: pl.DataFrame) -> list[str]:
    """The partition key of ``frame`` as a list to put before other keys: ``[PARTITION]`` or ``[]``."""
    return [PARTITION] if PARTITION in frame.columns else []


def as_partitioned(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a partition column: its own, or partition 0 for a table that is one analysis (so a
    per-partition computation serves both)."""
    return (
        frame
        if PARTITION in frame.columns
        else frame.with_columns(pl.lit(0, dtype=pl.UInt32).alias(PARTITION))
    )
