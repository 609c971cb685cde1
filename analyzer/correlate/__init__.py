"""Correlation stage: one clock, one key space, one row per connection.

events (from ingest) ─▶ link sids (keys.py) ─▶ clock offsets (clocks.py) ─▶ corrected times
                     ─▶ connection ids and the connections table (connections.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

import polars as pl

from analyzer.correlate.clocks import ClockEstimate, estimate
from analyzer.correlate.connections import assign_connections, connections
from analyzer.correlate.keys import input_label, link_sids
from analyzer.model import UTC_US

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo


@dataclass
class Correlated:
    """Events on one clock with their connection ids, the connections, and the clock estimates."""

    events: pl.DataFrame
    connections: pl.DataFrame
    clocks: dict[str, ClockEstimate]


def correlate(events: pl.DataFrame, inputs: list[InputInfo]) -> Correlated:
    """Link, align and group ``events``; record each input's offset in its :class:`InputInfo`."""
    ev = link_sids(events.with_columns(input_label().alias("_input")))
    # configuration files carry no time: they have no clock to align
    timed = [info for info in inputs if info.error is None and info.events and info.source != "config"]
    groups = clock_groups(timed)
    mapping = pl.DataFrame(
        {"_input": [i.label for i in timed], "_clock": [groups[i.label] for i in timed]},
        schema={"_input": pl.String, "_clock": pl.String},
    )
    ev = ev.join(mapping, on="_input", how="left", maintain_order="left")
    sources = {groups[i.label]: i.source or "" for i in timed}
    clocks = estimate(
        ev.with_columns(pl.col("_clock").alias("_input")), sorted(set(groups.values())), sources
    )
    offsets = pl.DataFrame(
        {"_clock": list(clocks), "_offset": [c.offset_ms for c in clocks.values()]},
        schema={"_clock": pl.String, "_offset": pl.Float64},
    )
    shift = pl.duration(microseconds=(pl.col("_offset") * 1000).round().cast(pl.Int64))
    ev = (
        ev.join(offsets, on="_clock", how="left", maintain_order="left")
        .with_columns(pl.col("_offset").fill_null(0.0))
        .with_columns(
            (pl.col("ts") + shift).cast(UTC_US).alias("ts"),
            (pl.col("ts_end") + shift).cast(UTC_US).alias("ts_end"),
            pl.col("_offset").alias("clock_offset_ms"),
        )
        .drop("_offset", "_input", "_clock")
    )
    ev = place_estimated(ev)
    ev = assign_connections(ev)
    members: dict[str, int] = {}
    for key in groups.values():
        members[key] = members.get(key, 0) + 1
    for info in inputs:
        clock = clocks.get(groups.get(info.label, ""))
        if clock is not None:
            if members[groups[info.label]] > 1:
                info.notes.append(
                    f"one clock with the other {info.format} files of its folder ({groups[info.label]})"
                )
            info.clock_offset_ms = clock.offset_ms
            info.aligned = clock.aligned
            info.clock_reference = clock.reference
            info.notes.extend(clock.notes)
    return Correlated(ev, connections(ev), clocks)


def clock_groups(inputs: list[InputInfo]) -> dict[str, str]:
    """Inputs that share a clock: the files of one format in one folder (rotated siblings, one console
    export per tab, replicas' logs collected side by side). Returns input label -> group key."""
    by_key: dict[str, list[str]] = {}
    for info in inputs:
        folder = str(PurePath(info.path).parent)
        by_key.setdefault(f"{folder}/*[{info.format}]", []).append(info.label)
    return {
        label: (key if len(labels) > 1 else labels[0]) for key, labels in by_key.items() for label in labels
    }


def place_estimated(events: pl.DataFrame) -> pl.DataFrame:
    """Give browser records without a time of their own (a console export saved without timestamps) the
    time of the same request seen elsewhere: a URL that occurs once among the timed events. They stay
    marked as estimated."""
    estimated = pl.col("ts_estimated").fill_null(False)
    has_url = pl.col("path").is_not_null() & (pl.col("source") == "browser")
    if events.filter(estimated & has_url).height == 0:
        return events
    url = pl.concat_str("path", pl.coalesce("query", pl.lit("")), separator="?")
    timed = (
        events.filter(~estimated & pl.col("ts").is_not_null() & pl.col("path").is_not_null())
        .group_by(url.alias("_url"))
        .agg(pl.col("ts").min().alias("_seen"), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .drop("_n")
    )
    return (
        events.with_columns(pl.when(estimated & has_url).then(url).alias("_url"))
        .join(timed, on="_url", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_seen", "ts").alias("ts"))
        .drop("_url", "_seen")
    )
