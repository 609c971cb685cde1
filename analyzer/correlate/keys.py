"""Linking events that belong together: request ids, Engine.IO sids, Socket.IO socket ids, ``t`` values.

Strongest evidence first. Each step only fills a ``sid`` that is still empty, so a weaker guess never
overrides a stronger one:

1. a backend line that shows both a Socket.IO socket id and an Engine.IO sid ties them together;
2. the same explicit request id (``X-Request-Id``, ``traceparent``) is the same request;
3. the same polling cache-buster ``t`` is the same request (the browser and the proxy both see it);
4. a successful polling handshake (``GET …transport=polling`` without sid, answered 200) belongs to the
   session whose sid the same client uses next, within a few seconds, on the same log.
"""

from __future__ import annotations

import polars as pl

from analyzer.model import partitions

#: How long after a polling handshake the client's first request with its new sid may come.
HANDSHAKE_FOLLOW_UP = "5s"


def input_label() -> pl.Expr:
    """The input an event came from: its file, plus the shipper stream when there is one."""
    return (
        pl.when(pl.col("stream").is_not_null())
        .then(pl.concat_str(pl.col("file"), pl.lit("["), pl.col("stream"), pl.lit("]")))
        .otherwise(pl.col("file"))
    )


#: What linking reads of the event table (it works on these alone, not on the wide table).
_KEY_COLUMNS = (
    "sid",
    "socket_id",
    "request_id",
    "t",
    "transport",
    "method",
    "kind",
    "status",
    "client",
    "file",
    "ts",
)


def link_sids(events: pl.DataFrame) -> pl.DataFrame:
    """Fill ``sid`` where another event proves which session an event belongs to."""
    narrow = events.select(*partitions(events), *_KEY_COLUMNS)
    narrow = _from_socket_ids(narrow)
    narrow = _from_shared_key(narrow, "request_id")
    narrow = _from_shared_key(narrow, "t")
    narrow = _from_handshake_follow_up(narrow)
    return events.with_columns(narrow["sid"])


def _from_socket_ids(events: pl.DataFrame) -> pl.DataFrame:
    on = [*partitions(events), "socket_id"]
    links = (
        events.filter(pl.col("socket_id").is_not_null() & pl.col("sid").is_not_null())
        .group_by(on)
        .agg(pl.col("sid").first().alias("_sid"))
    )
    if links.height == 0:
        return events
    return (
        events.join(links, on=on, how="left", maintain_order="left")
        .with_columns(pl.coalesce("sid", "_sid").alias("sid"))
        .drop("_sid")
    )


def _from_shared_key(events: pl.DataFrame, key: str) -> pl.DataFrame:
    """Events sharing a request-scoped key (request id, ``t``) share the sid one of them carries."""
    on = [*partitions(events), key]
    links = (
        events.filter(pl.col(key).is_not_null() & pl.col("sid").is_not_null())
        .group_by(on)
        .agg(pl.col("sid").first().alias("_sid"))
    )
    if links.height == 0:
        return events
    return (
        events.join(links, on=on, how="left", nulls_equal=False, maintain_order="left")
        .with_columns(pl.coalesce("sid", "_sid").alias("sid"))
        .drop("_sid")
    )


def is_polling_handshake() -> pl.Expr:
    """A request that opens an Engine.IO session: polling, no sid yet."""
    return (
        (pl.col("transport") == "polling")
        & pl.col("sid").is_null()
        & (pl.col("method").is_null() | (pl.col("method") == "GET"))
        & pl.col("kind").is_in(["http_request", "ws_upgrade"])
    )


def _from_handshake_follow_up(events: pl.DataFrame) -> pl.DataFrame:
    """A handshake answered 200 hands out a sid that the same client uses in its next requests."""
    events = events.with_row_index("_row")
    by = [*partitions(events), "file", "client"]
    handshakes = events.filter(
        is_polling_handshake()
        & (pl.col("status") == 200)
        & pl.col("client").is_not_null()
        & pl.col("ts").is_not_null()
    ).select("_row", *by, pl.col("ts").alias("_ts"))
    if handshakes.height == 0:
        return events.drop("_row")
    follow = (
        events.filter(
            pl.col("sid").is_not_null() & pl.col("client").is_not_null() & pl.col("ts").is_not_null()
        )
        .select(*by, pl.col("ts").alias("_next_ts"), pl.col("sid").alias("_sid"))
        .sort("_next_ts")
    )
    matched = handshakes.sort("_ts").join_asof(
        follow,
        left_on="_ts",
        right_on="_next_ts",
        by=by,
        strategy="forward",
        tolerance=HANDSHAKE_FOLLOW_UP,
        check_sortedness=False,
    )
    links = matched.filter(pl.col("_sid").is_not_null()).select("_row", "_sid")
    return (
        events.join(links, on="_row", how="left", maintain_order="left")
        .with_columns(pl.coalesce("sid", "_sid").alias("sid"))
        .drop("_sid", "_row")
    )
