"""Undo what log shippers wrap around lines, before any format is sniffed.

Handles ANSI colour codes, the Docker json-file driver (``{"log":…,"stream":…,"time":…}``, with its
16 KiB partial lines joined), ``docker compose logs`` / Swarm service prefixes (``traefik-1  | ``,
``stack_web.1.abc@node    | ``), ``kubectl logs --prefix`` (``[pod/name/container] ``) and the RFC 3339
timestamps that ``docker logs --timestamps`` and ``kubectl logs --timestamps`` put first.

A timestamp prefix is ambiguous (many formats start with an ISO time of their own), so it yields two
candidate views; the sniffer keeps the one a parser recognizes best.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from analyzer.jsonutil import read_json_objects, string_field
from analyzer.model import UTC_US
from analyzer.timeparse import iso_to_utc

ANSI = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
_JSON_FILE = r'^\{"log":\s*"'  # the driver writes a string; a one-line HAR's "log" is an object
_COMPOSE = r"^(?P<stream>[A-Za-z0-9][A-Za-z0-9_.@-]*)\s*\| ?(?P<rest>.*)$"
_KUBECTL_PREFIX = r"^\[(?P<stream>pod/[^\]\s]+)\] (?P<rest>.*)$"
_TS_PREFIX = r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (?P<rest>.*)$"
#: Share of sampled lines that must carry a wrapper before it is undone.
_QUORUM = 0.8
_SAMPLE = 200


@dataclass
class View:
    """Lines as a parser should see them, with what the shipper told us about each."""

    lines: pl.DataFrame  # line: u32, text: str, shipper_ts: datetime(us, UTC) | null, stream: str | null
    wrappers: list[str] = field(default_factory=list)


def unwrap(lines: pl.DataFrame) -> list[tuple[str | None, list[View]]]:
    """Undo shipper wrapping; return, per stream in the file, its candidate views (most literal first)."""
    frame = lines.with_columns(
        pl.lit(None, dtype=UTC_US).alias("shipper_ts"), pl.lit(None, dtype=pl.String).alias("stream")
    )
    wrappers: list[str] = []
    if frame.height and frame["text"].str.contains("\x1b", literal=True).any():
        frame = frame.with_columns(pl.col("text").str.replace_all(ANSI, ""))
    if _share(frame, _JSON_FILE) >= _QUORUM:
        frame = _json_file(frame)
        wrappers.append("docker-json-file")
    for name, pattern in (("kubectl-prefix", _KUBECTL_PREFIX), ("compose", _COMPOSE)):
        # a prefix of this shape is unlike any log format's own start, so half the lines suffice
        # (compose adds banner lines such as "Attaching to …" without one)
        if _share(frame, pattern) >= 0.5:
            frame = _prefixed(frame, pattern)
            wrappers.append(name)
            break
    return [(stream, _candidates(part, wrappers)) for stream, part in _split_streams(frame)]


def _candidates(frame: pl.DataFrame, wrappers: list[str]) -> list[View]:
    views = [View(frame, list(wrappers))]
    if _share(frame, _TS_PREFIX) >= _QUORUM:
        parts = pl.col("text").str.extract_groups(_TS_PREFIX)
        stripped = frame.with_columns(parts.alias("_p")).with_columns(
            pl.coalesce(iso_to_utc(pl.col("_p").struct.field("ts")), pl.col("shipper_ts")).alias(
                "shipper_ts"
            ),
            pl.coalesce(pl.col("_p").struct.field("rest"), pl.col("text")).alias("text"),
        )
        views.append(View(stripped.drop("_p"), [*wrappers, "timestamps"]))
    return views


def _split_streams(frame: pl.DataFrame) -> list[tuple[str | None, pl.DataFrame]]:
    """Split lines that interleave several services (compose, kubectl --prefix) into one frame each."""
    names = frame["stream"].unique(maintain_order=True).to_list()
    if len(names) <= 1:
        return [(names[0] if names else None, frame)]
    return [(name, frame.filter(pl.col("stream") == name)) for name in names]


def _share(frame: pl.DataFrame, pattern: str) -> float:
    sample = frame.filter(pl.col("text").str.len_bytes() > 0).head(_SAMPLE)
    if not sample.height:
        return 0.0
    hits = sample.select(pl.col("text").str.contains(pattern).sum()).item()
    return float(hits) / sample.height


def _prefixed(frame: pl.DataFrame, pattern: str) -> pl.DataFrame:
    parts = pl.col("text").str.extract_groups(pattern)
    # lines without the prefix (compose's "Attaching to …" banner) stay with the stream around them
    return (
        frame.with_columns(parts.alias("_p"))
        .with_columns(
            pl.col("_p")
            .struct.field("stream")
            .str.strip_chars()
            .forward_fill()
            .backward_fill()
            .alias("stream"),
            pl.coalesce(pl.col("_p").struct.field("rest"), pl.col("text")).alias("text"),
        )
        .drop("_p")
    )


def _json_file(frame: pl.DataFrame) -> pl.DataFrame:
    """Decode json-file driver lines; a ``log`` without a final newline continues on the next line."""
    decoded = read_json_objects(frame["text"])
    log = string_field(decoded, "log")
    decoded = frame.with_columns(
        decoded.select(log.alias("_log"), iso_to_utc(string_field(decoded, "time")).alias("_t"))
    )
    decoded = decoded.with_columns(
        pl.coalesce(pl.col("_log"), pl.col("text") + "\n").alias("_log"),
        pl.col("_t").alias("shipper_ts"),
    ).drop("_t")
    record = pl.col("_log").str.ends_with("\n").shift(1, fill_value=True).cum_sum().alias("_rec")
    return (
        decoded.with_columns(record)
        .group_by("_rec", maintain_order=True)
        .agg(
            pl.col("line").first(),
            pl.col("_log").str.join("").str.strip_suffix("\n").str.strip_suffix("\r").alias("text"),
            pl.col("shipper_ts").first(),
            pl.col("stream").first(),
        )
        .drop("_rec")
        .with_columns(pl.col("text").str.replace_all(ANSI, ""))
    )
