"""Vectorized URL helpers: split request targets and URLs, pull out the Socket.IO query fields."""

from __future__ import annotations

import polars as pl

_URL = r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?(?P<host>\[[^\]]*\]|[^/?#:]*)(?::\d+)?(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"


def param(query: pl.Expr, name: str) -> pl.Expr:
    """The value of query parameter ``name`` (first occurrence), or null.

    Literal search rather than a capturing regex: several times cheaper over millions of rows.
    """
    hay = pl.lit("&") + query
    start = hay.str.find(f"&{name}=", literal=True)
    value = hay.str.slice(start + len(name) + 2).str.splitn("&", 2).struct.field("field_0")
    return value.str.splitn("#", 2).struct.field("field_0")


def sio_columns(query: pl.Expr) -> list[pl.Expr]:
    """``eio``, ``transport``, ``sid`` and ``t`` from a query string (nulls where absent)."""
    return [
        param(query, "EIO").cast(pl.Int8, strict=False).alias("eio"),
        param(query, "transport").alias("transport"),
        param(query, "sid").str.replace_all("%2D", "-", literal=True).alias("sid"),
        param(query, "t").alias("t"),
    ]


def split_target(target: pl.Expr) -> list[pl.Expr]:
    """``path`` and ``query`` from a request target (``/socket.io/?EIO=4&…``); a full URL keeps its path."""
    parts = target.str.splitn("?", 2)
    path = parts.struct.field("field_0")
    # absolute-form targets (a forward proxy request) keep only their path
    path = (
        pl.when(path.str.starts_with("/"))
        .then(path)
        .otherwise(path.str.replace(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", ""))
    )
    return [path.alias("path"), parts.struct.field("field_1").str.replace(r"#.*$", "").alias("query")]


def split_url(url: pl.Expr) -> list[pl.Expr]:
    """``scheme``, ``host``, ``path`` and ``query`` from absolute URLs (nulls for anything else)."""
    parts = url.str.extract_groups(_URL)
    return [
        parts.struct.field("scheme").str.to_lowercase().alias("scheme"),
        parts.struct.field("host").str.to_lowercase().alias("host"),
        pl.when(parts.struct.field("scheme").is_not_null())
        .then(
            pl.coalesce(
                pl.when(parts.struct.field("path") != "").then(parts.struct.field("path")), pl.lit("/")
            )
        )
        .alias("path"),
        parts.struct.field("query").alias("query"),
    ]
