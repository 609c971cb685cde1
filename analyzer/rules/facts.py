"""Facts derived from the whole capture that rules can test like ordinary columns.

They answer questions one line cannot: *has this router ever served a Socket.IO session?* A router that
answered handshakes but never completed one, while another router did, is the signature of a
handshake routed to the wrong service. Documented in ``docs/rules.md``.

Connections get facts too (:func:`connection_facts`): the heartbeat the handshake announced and whether a
connection's lifetime has its geometry. Engine.IO (``lib/socket.ts`` of socketio/engine.io, ``socket.py``
of python-engineio) sends a ping every ``pingInterval`` and closes the session ``pingTimeout`` after an
unanswered one; the client closes when no ping came within ``pingInterval + pingTimeout``. A connection
that dies of missed heartbeats therefore lives ``n × pingInterval + pingTimeout``: such lifetimes pile up
at one value like an idle timeout's, and are not one.
"""

from __future__ import annotations

import polars as pl

from analyzer.model import PARTITION, as_partitioned, partitions

#: A status-0 WebSocket line this long is an upgrade that went through (Traefik logs 0 for a 101).
WS_LIVED_MS = 1000.0
#: Engine.IO v4's defaults (socketio/engine.io ``lib/server.ts``; python-engineio ``base_server.py``).
DEFAULT_PING_INTERVAL_MS = 25_000.0
DEFAULT_PING_TIMEOUT_MS = 20_000.0
#: How far a lifetime may be from n × pingInterval + pingTimeout and still be a heartbeat's.
HEARTBEAT_TOLERANCE_MS = 1000.0
#: ``"pingInterval":25000`` (JSON), ``'pingInterval': 25000`` (a Python dict), ``pingInterval=25000``.
_PING = r"""["']?{name}["']?\s*[:=]\s*(\d+)"""


def sio_success() -> pl.Expr:
    """A proxy line that proves its router reaches a working Socket.IO / WebSocket server."""
    return (pl.col("source") == "proxy") & (
        ((pl.col("transport") == "polling") & (pl.col("status") == 200) & pl.col("sid").is_not_null())
        | (
            (pl.col("kind") == "ws_upgrade")
            & (pl.col("status") == 0)
            & (pl.col("duration_ms") >= WS_LIVED_MS)
        )
        | (pl.col("status") == 101)
    )


def row_facts() -> dict[str, pl.Expr]:
    """Facts that depend on one row only: ``is_sio`` (a Socket.IO / WebSocket request), ``is_handshake``,
    and the bare ``router_name`` / ``service_name`` (without their ``@provider``)."""
    return {
        "is_sio": (
            pl.col("transport").is_not_null()
            | (pl.col("kind") == "ws_upgrade")
            | pl.col("path").str.contains(r"^/(?:[^/]+/)*(?:socket\.io|engine\.io)/").fill_null(False)
        ),
        # router / service names as Docker labels and file-provider keys spell them (no "@provider")
        "router_name": pl.col("router").str.replace(r"@[^@]*$", ""),
        "service_name": pl.col("service").str.replace(r"@[^@]*$", ""),
        # decided by the request itself: correlation gives a successful handshake the sid it received
        "is_handshake": (
            (pl.col("transport") == "polling")
            & ~pl.col("query").str.contains(r"(?:^|&)sid=").fill_null(False)
            & (pl.col("method").is_null() | (pl.col("method") == "GET"))
            & pl.col("kind").is_in(["http_request", "ws_upgrade"])
        ).fill_null(False),
    }


def add_facts(events: pl.DataFrame, connections: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add the fact columns (``is_sio``, ``is_handshake``, ``router_sio_ok``, …) to the event table
    (facts of the whole capture: of each partition, when there are several)."""
    part = partitions(events)
    site = pl.coalesce(pl.col("host"), pl.lit(""))
    ok = sio_success().fill_null(False)
    ev = events.with_columns(
        *(expr.alias(name) for name, expr in row_facts().items()),
        ok.alias("_ok"),
        site.alias("_site"),
    )
    ev = ev.with_columns(
        pl.col("_ok").any().over(*part, "router").fill_null(False).alias("router_sio_ok"),
        pl.col("_ok").any().over(*part, "upstream").fill_null(False).alias("upstream_sio"),
    )
    ev = ev.with_columns(
        ((pl.col("source") == "proxy") & ~pl.col("is_sio"))
        .any()
        .over(*part, "router")
        .fill_null(False)
        .alias("router_rest")
    )
    ok_routers = (
        ev.lazy()
        .filter(pl.col("_ok") & pl.col("router").is_not_null())
        .group_by(*part, "_site")
        .agg(
            pl.col("router").n_unique().alias("sio_routers_ok"),
            pl.col("router").unique().sort().str.join(", ").alias("sio_router_names"),
            pl.col("router")
            .str.replace(r"@[^@]*$", "")
            .unique()
            .sort()
            .str.join(", ")
            .alias("sio_router_labels"),
        )
        .collect()
    )
    # joins on the key column alone, then added back: the event table is wide
    per_site = ev.select(*part, "_site").join(
        ok_routers, on=[*part, "_site"], how="left", maintain_order="left"
    )
    ev = ev.with_columns(
        per_site["sio_routers_ok"].fill_null(0), per_site["sio_router_names"], per_site["sio_router_labels"]
    )
    proxy_sid = (pl.col("source") == "proxy") & pl.col("sid").is_not_null()
    backend_sid = (pl.col("source") == "backend") & pl.col("sid").is_not_null()
    ev = ev.with_columns(
        # the upstream as each proxy names it: Traefik's service URL, nginx's $upstream_addr, HAProxy's
        # backend/server
        pl.col("upstream").filter(proxy_sid & pl.col("upstream").is_not_null()).n_unique().over(*part, "sid")
        .fill_null(0).alias("sid_upstreams"),
        pl.coalesce("stream", "file").filter(backend_sid).n_unique().over(*part, "sid").fill_null(0)
        .alias("sid_backends"),
    )  # fmt: skip
    ev = _config_facts(ev).drop("_ok", "_site")
    if connections is not None and "conn_id" in connections.columns:
        per_conn = connections.select(
            *part,
            "conn_id",
            pl.col("outcome").alias("conn_outcome"),
            pl.col("upgrade_outcome").alias("conn_upgrade_outcome"),
            pl.col("polling_ok").alias("conn_polling_ok"),
            pl.col("server_closed").alias("conn_server_closed"),
            pl.col("engine_error_code").alias("conn_engine_error"),
        )
        ev = ev.hstack(
            ev.select(*part, "conn_id")
            .join(per_conn, on=[*part, "conn_id"], how="left", maintain_order="left")
            .drop(*part, "conn_id")
        )
    return ev


def _config_facts(ev: pl.DataFrame) -> pl.DataFrame:
    """Routers the configuration routes WebSocket / Socket.IO paths to (``router_config`` events), per
    partition."""
    is_config = (pl.col("source") == "config") & (pl.col("kind") == "router_config")
    if not ev.select(is_config.any()).item():  # no configuration read: nothing to join
        return ev.with_columns(
            pl.lit(False).alias("router_ws_config"),
            pl.lit(0, dtype=pl.UInt32).alias("ws_routers_config"),
            pl.lit(False).alias("config_present"),
        )
    tagged = as_partitioned(ev.select(*partitions(ev), "router", "source", "kind", "attrs"))
    config = tagged.filter(is_config)
    ws = pl.col("attrs").str.json_path_match("$.is_websocket").fill_null("false") == "true"
    routers = (
        config.filter(ws & pl.col("router").is_not_null())
        .select(PARTITION, "router")
        .unique()
        .with_columns(pl.lit(True).alias("router_ws_config"))
    )
    counts = config.group_by(PARTITION).agg(
        pl.col("router").filter(ws).drop_nulls().n_unique().cast(pl.UInt32).alias("ws_routers_config"),
        pl.lit(True).alias("config_present"),
    )
    keys = tagged.select(PARTITION, "router")
    facts = (
        keys.join(routers, on=[PARTITION, "router"], how="left", maintain_order="left")
        .join(counts, on=PARTITION, how="left", maintain_order="left")
        .select(
            pl.col("router_ws_config").fill_null(False),
            pl.col("ws_routers_config").fill_null(0),
            pl.col("config_present").fill_null(False),
        )
    )
    return ev.hstack(facts)


def heartbeat(events: pl.DataFrame) -> tuple[float, float, bool]:
    """(pingInterval, pingTimeout, announced): the heartbeat handshakes or server options of the capture
    announced (the most common), else Engine.IO's defaults with ``announced`` False."""
    found = _announced(events)
    if found.height == 0:
        return DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS, False
    interval, timeout = found.row(0, named=True)["i"], found.row(0, named=True)["t"]
    return float(interval), float(timeout), True


def _announced(events: pl.DataFrame) -> pl.DataFrame:
    """The most common announced heartbeat, one row per partition: (partition,) ``i``, ``t``."""
    part = partitions(events)
    text = pl.coalesce(pl.col("message"), pl.lit("")) + pl.lit(" ") + pl.coalesce(pl.col("attrs"), pl.lit(""))
    found = (
        events.select(*part, text.alias("_t"))
        .filter(pl.col("_t").str.contains("pingInterval", literal=True))
        .select(
            *part,
            pl.col("_t").str.extract(_PING.format(name="pingInterval"), 1).cast(pl.Float64).alias("i"),
            pl.col("_t").str.extract(_PING.format(name="pingTimeout"), 1).cast(pl.Float64).alias("t"),
        )
        .drop_nulls()
    )
    counted = (
        found.group_by(*part, "i", "t").len().sort([*part, "len"], descending=[*(False for _ in part), True])
    )
    return counted.group_by(part, maintain_order=True).first() if part else counted.head(1)


def connection_facts(connections: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add ``ping_interval_ms``, ``ping_timeout_ms`` and ``heartbeat_lifetime`` to the connections table.

    ``heartbeat_lifetime``: the connection lived n × pingInterval + pingTimeout (n ≥ 1, within
    :data:`HEARTBEAT_TOLERANCE_MS`) and the capture has disconnects for "ping timeout" — the lifetime of
    a connection that died of missed heartbeats, whatever its own lines say. Per partition, if any.
    """
    tagged = as_partitioned(events.select(*partitions(events), "reason", "message", "attrs"))
    per = (
        tagged.group_by(PARTITION)
        .agg((pl.col("reason") == "ping timeout").any().fill_null(False).alias("_pt"))
        .join(_announced(tagged), on=PARTITION, how="left")
    )
    facts = (
        as_partitioned(connections)
        .select(PARTITION)
        .join(per, on=PARTITION, how="left", maintain_order="left")
    )
    interval = pl.lit(facts["i"].fill_null(DEFAULT_PING_INTERVAL_MS))
    timeout = pl.lit(facts["t"].fill_null(DEFAULT_PING_TIMEOUT_MS))
    ping_timeouts = pl.lit(facts["_pt"].fill_null(False))
    with_beat = connections.with_columns(interval.alias("ping_interval_ms"), timeout.alias("ping_timeout_ms"))
    beats = ((pl.col("lifetime_ms") - pl.col("ping_timeout_ms")) / pl.col("ping_interval_ms")).round()
    fits = (
        (beats >= 1)
        & (
            (pl.col("lifetime_ms") - pl.col("ping_timeout_ms") - beats * pl.col("ping_interval_ms")).abs()
            <= HEARTBEAT_TOLERANCE_MS
        )
        & ping_timeouts
    )
    return with_beat.with_columns(fits.fill_null(False).alias("heartbeat_lifetime"))
