"""Correlation stage: one clock, one key space, one row per connection.

events (from ingest) ─▶ link sids (keys.py) ─▶ clock offsets (clocks.py) ─▶ corrected times
                     ─▶ connection ids and the connections table (connections.py)
"""

from __future__ import annotations

from dataclasses import dataclass
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
    labels = [info.label for info in inputs if info.error is None and info.events and info.source != "config"]
    sources = {info.label: info.source or "" for info in inputs}
    clocks = estimate(ev, labels, sources)
    offsets = pl.DataFrame(
        {"_input": list(clocks), "_offset": [c.offset_ms for c in clocks.values()]},
        schema={"_input": pl.String, "_offset": pl.Float64},
    )
    shift = pl.duration(microseconds=(pl.col("_offset") * 1000).round().cast(pl.Int64))
    ev = (
        ev.join(offsets, on="_input", how="left", maintain_order="left")
        .with_columns(pl.col("_offset").fill_null(0.0))
        .with_columns(
            (pl.col("ts") + shift).cast(UTC_US).alias("ts"),
            (pl.col("ts_end") + shift).cast(UTC_US).alias("ts_end"),
            pl.col("_offset").alias("clock_offset_ms"),
        )
        .drop("_offset", "_input")
    )
    ev = assign_connections(ev)
    for info in inputs:
        clock = clocks.get(info.label)
        if clock is not None:
            info.clock_offset_ms = clock.offset_ms
            info.aligned = clock.aligned
            info.clock_reference = clock.reference
            info.notes.extend(clock.notes)
    return Correlated(ev, connections(ev), clocks)
