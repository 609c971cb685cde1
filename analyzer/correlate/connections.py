"""One row per connection: a Socket.IO session (by sid) or a connection attempt that never got one.

Outcomes, from protocol facts rather than any log's wording:

- ``failed_handshake``: the polling handshake was refused (any non-2xx answer, a CORS block, a network
  error) and the session never got a sid;
- ``failed_upgrade``: a WebSocket was attempted and never became open: refused with a status, cut before
  the 101 (Traefik 499 / status 0 with a short life), or failed in the browser with no proxy success;
- ``dropped``: the session was established and then lost abnormally (ping timeout, transport error,
  close code 1006, an Engine.IO error answer such as "Session ID unknown" mid-session);
- ``ok``: established, and nothing says it broke; ``unknown``: not enough evidence either way.

A Traefik line with status 0 on a WebSocket request is a *success* (the 101 went through a hijacked
connection) when the connection lived; 499 is the client leaving before an answer.
"""

from __future__ import annotations

import polars as pl

from analyzer.model import partitions

#: A status-0 WebSocket line shorter than this, with no other sign of success, was cut before it opened.
OPEN_MIN_MS = 1000.0
_BROWSER_FAILURES = [
    "ws_failure",
    "ws_error",
    "cors_blocked",
    "mixed_content",
    "tls_error",
    "dns_error",
    "net_error",
]
_ABNORMAL_REASONS = ["ping timeout", "transport error", "parse error"]
#: Disconnects the server decided (socket.io DisconnectReason, and how the client reports them).
SERVER_REASONS = [
    "io server disconnect",
    "server namespace disconnect",
    "forced server close",
    "forced close",
    "server shutting down",
]


def is_attempt() -> pl.Expr:
    """Events that belong to some WebSocket / Socket.IO connection attempt even without a sid.

    A browser failure counts when it is about a WebSocket or a Socket.IO URL; a 404 on a favicon or a
    REST call is not a connection attempt.
    """
    browser_failure = (pl.col("source") == "browser") & pl.col("kind").is_in(_BROWSER_FAILURES)
    about_socket = (
        pl.col("kind").is_in(["ws_failure", "ws_error"])
        | pl.col("scheme").is_in(["ws", "wss"])
        | pl.col("path").str.contains(r"(?:^|/)(?:socket\.io|engine\.io)/").fill_null(False)
    )
    return (
        pl.col("transport").is_not_null()
        | (pl.col("kind") == "ws_upgrade")
        | (browser_failure & about_socket)
    )


def assign_connections(events: pl.DataFrame) -> pl.DataFrame:
    """Set ``conn_id``: the sid for a session; ``a<n>`` for an attempt without one (numbered in time order).

    Events of one attempt share its request (``t`` or request id); anything else is its own attempt.
    Attempts are numbered within their partition (see :data:`analyzer.model.PARTITION`).
    """
    part = partitions(events)
    narrow = events.select(
        *part, "sid", "transport", "kind", "source", "scheme", "path", "host", "t", "request_id", "ts"
    )
    narrow = narrow.with_row_index("_row")
    key = (
        pl.when(pl.col("sid").is_not_null())
        .then(pl.concat_str(pl.lit("sid:"), pl.col("sid")))
        .when(is_attempt())
        .then(
            pl.coalesce(
                pl.concat_str(pl.lit("t:"), pl.col("t")),
                pl.concat_str(pl.lit("rid:"), pl.col("request_id")),
                pl.concat_str(pl.lit("row:"), pl.col("_row").cast(pl.String)),
            )
        )
        .alias("_key")
    )
    narrow = narrow.with_columns(key)
    number = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)
    attempts = (
        narrow.filter(pl.col("_key").is_not_null() & pl.col("sid").is_null())
        .group_by(*part, "_key")
        .agg(pl.col("ts").min().alias("_first"), pl.col("_row").min().alias("_first_row"))
        .sort([*part, "_first", "_first_row"], nulls_last=True)
        .with_columns((number.over(part) if part else number).alias("_n"))
        .select(*part, "_key", pl.concat_str(pl.lit("a"), pl.col("_n").cast(pl.String)).alias("_attempt"))
    )
    conn_id = (
        narrow.join(attempts, on=[*part, "_key"], how="left", maintain_order="left")
        .select(
            pl.when(pl.col("sid").is_not_null())
            .then(pl.col("sid"))
            .otherwise(pl.col("_attempt"))
            .alias("conn_id")
        )
        .to_series()
    )
    return events.with_columns(conn_id)


def connections(events: pl.DataFrame) -> pl.DataFrame:
    """Summarize each connection (see the module doc for the outcome labels); per partition, if any."""
    part = partitions(events)
    used = (
        *part,
        "conn_id", "sid", "client", "host", "path", "transport", "request_id", "router", "upstream", "stream", "ts",
        "ts_end", "status", "method", "kind", "duration_ms", "close_code", "reason", "message", "error_code", "source",
    )  # fmt: skip
    ev = (
        events.select(used)
        .filter(pl.col("conn_id").is_not_null())
        .sort("ts", nulls_last=True, maintain_order=True)
    )
    proxy = pl.col("source") == "proxy"
    browser = pl.col("source") == "browser"
    backend = pl.col("source") == "backend"
    ws_line = pl.col("kind") == "ws_upgrade"
    proxy_ws = proxy & ws_line
    # the browser's "WebSocket connection to 'wss://…transport=websocket…' failed" is an attempt too
    browser_ws_failure = (
        browser & pl.col("kind").is_in(["ws_failure", "ws_error"]) & (pl.col("transport") == "websocket")
    )
    ws = ws_line | browser_ws_failure
    handshake = (pl.col("transport") == "polling") & (
        pl.col("method").is_null() | (pl.col("method") == "GET")
    )
    # Traefik logs an opened WebSocket as 0 with its lifetime; nginx (and HAProxy, Caddy) as 101
    lived = proxy_ws & (
        ((pl.col("status") == 0) & (pl.col("duration_ms") >= OPEN_MIN_MS))
        | ((pl.col("status") == 101) & pl.col("duration_ms").is_not_null())
    )
    opened = lived | (pl.col("status") == 101) | pl.col("kind").is_in(["ws_open", "upgrade"])
    refused_ws = ws & (pl.col("status") >= 200)
    aborted_ws = proxy_ws & (
        (pl.col("status") == 499) | ((pl.col("status") == 0) & (pl.col("duration_ms") < OPEN_MIN_MS))
    )

    table = ev.group_by(*part, "conn_id").agg(
        pl.col("sid").drop_nulls().first().alias("sid"),
        pl.col("client").filter(proxy).drop_nulls().first().alias("client"),
        pl.col("host").drop_nulls().first().alias("host"),
        pl.col("path").filter(pl.col("transport").is_not_null() | ws).drop_nulls().first().alias("path"),
        pl.col("transport").drop_nulls().unique(maintain_order=True).alias("transports"),
        pl.col("request_id").drop_nulls().unique(maintain_order=True).alias("request_ids"),
        pl.col("router").filter(proxy).drop_nulls().unique(maintain_order=True).alias("routers"),
        pl.col("upstream").filter(proxy & pl.col("upstream").str.contains("://")).drop_nulls()
        .unique(maintain_order=True).alias("upstreams"),
        pl.col("stream").filter(backend).drop_nulls().unique(maintain_order=True).alias("backend_streams"),
        pl.col("ts").min().alias("first_ts"),
        pl.max_horizontal("ts", "ts_end").max().alias("last_ts"),
        pl.col("status").filter(proxy & handshake).first().alias("handshake_status"),
        pl.col("status").filter(browser & handshake).first().alias("browser_handshake_status"),
        pl.coalesce(
            pl.col("status").filter(proxy_ws).first(), pl.col("status").filter(browser_ws_failure).first()
        ).alias("upgrade_status"),
        ws.any().alias("upgrade_attempted"),
        opened.any().alias("opened"),
        refused_ws.any().alias("upgrade_refused"),
        aborted_ws.any().alias("upgrade_aborted"),
        pl.col("ts").filter(proxy_ws).first().alias("open_ts"),
        pl.col("duration_ms").filter(lived).max().alias("lifetime_ms"),
        pl.col("close_code").drop_nulls().first().alias("close_code"),
        pl.col("reason").filter(pl.col("kind") == "disconnect").drop_nulls().first().alias("disconnect_reason"),
        pl.col("message").filter(browser & pl.col("kind").is_in([*_BROWSER_FAILURES, "connect_error"]))
        .first().alias("browser_error"),
        pl.col("error_code").drop_nulls().first().alias("engine_error_code"),
        pl.col("reason").is_in(SERVER_REASONS).any().alias("server_closed"),
        (pl.col("kind").is_in(["handshake", "connect"]) | (pl.col("status") == 200) & handshake).any()
        .alias("handshake_ok_seen"),
        (browser & pl.col("kind").is_in(_BROWSER_FAILURES)).any().alias("browser_failed"),
        (pl.col("transport") == "polling").filter(pl.col("sid").is_not_null()).sum().alias("polling_requests"),
        ((pl.col("transport") == "polling") & pl.col("sid").is_not_null() & (pl.col("status") == 200)).any()
        .alias("polling_ok"),
        proxy.sum().alias("proxy_events"),
        backend.sum().alias("backend_events"),
        browser.sum().alias("browser_events"),
    )  # fmt: skip
    return (
        table.with_columns(
            (pl.col("last_ts") - pl.col("first_ts"))
            .dt.total_milliseconds()
            .cast(pl.Float64)
            .alias("span_ms"),
            _upgrade_outcome().alias("upgrade_outcome"),
        )
        .with_columns(_outcome().alias("outcome"))
        .sort(*part, "first_ts", "conn_id", nulls_last=True)
    )


def _upgrade_outcome() -> pl.Expr:
    return (
        pl.when(~pl.col("upgrade_attempted"))
        .then(pl.lit("not_attempted"))
        .when(pl.col("opened"))
        .then(pl.lit("upgraded"))
        .when(pl.col("upgrade_refused"))
        .then(pl.concat_str(pl.lit("refused "), pl.col("upgrade_status").cast(pl.String)))
        .otherwise(pl.lit("never_answered"))
    )


def _outcome() -> pl.Expr:
    abnormal = pl.col("disconnect_reason").is_in(_ABNORMAL_REASONS) | (pl.col("close_code") == 1006)
    handshake_failed = (
        pl.col("sid").is_null()
        & ~pl.col("upgrade_attempted")
        & (
            (pl.col("handshake_status").is_not_null() & ~pl.col("handshake_status").is_between(200, 299))
            | pl.col("browser_failed")
            | (
                pl.col("browser_handshake_status").is_not_null()
                & ~pl.col("browser_handshake_status").is_between(200, 299)
            )
        )
    )
    upgrade_failed = (
        pl.col("upgrade_attempted")
        & ~pl.col("opened")
        & (
            pl.col("upgrade_refused")
            | pl.col("upgrade_aborted")
            | pl.col("browser_failed")
            | pl.col("upgrade_status").is_null()
        )
    )
    established = pl.col("opened") | pl.col("sid").is_not_null()
    return (
        pl.when(handshake_failed)
        .then(pl.lit("failed_handshake"))
        .when(upgrade_failed)
        .then(pl.lit("failed_upgrade"))
        .when(established & (abnormal | pl.col("engine_error_code").is_not_null()))
        .then(pl.lit("dropped"))
        .when(established)
        .then(pl.lit("ok"))
        .otherwise(pl.lit("unknown"))
    )
