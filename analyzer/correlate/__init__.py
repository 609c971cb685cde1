"""Correlation stage: one clock, one key space, one row per connection.

events (from ingest) ─▶ link sids (keys.py) ─▶ clock offsets (clocks.py) ─▶ corrected times
                     ─▶ connection ids and the connections table (connections.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING

import polars as pl

from analyzer.correlate.clocks import ClockEstimate, ClockOptions, estimate_partitions
from analyzer.correlate.connections import assign_connections, connections
from analyzer.correlate.keys import input_label, link_sids
from analyzer.errors import UsageError
from analyzer.model import PARTITION, UTC_US, partitions
from analyzer.parsers.browser.clock import date_guessed

if TYPE_CHECKING:
    from analyzer.ingest import InputInfo


@dataclass
class Correlated:
    """Events on one clock with their connection ids, the connections, and the clock estimates."""

    events: pl.DataFrame
    clocks: dict[str, ClockEstimate]

    @cached_property
    def connections(self) -> pl.DataFrame:
        """One row per connection, built when first asked for (``wsdiag events`` never asks)."""
        return connections(self.events)

    @property
    def warnings(self) -> list[str]:
        """What the verdict must say about the clocks (large shifts, re-dated files)."""
        return [c.warning for c in self.clocks.values() if c.warning]


def correlate(
    events: pl.DataFrame, inputs: list[InputInfo], clock_options: ClockOptions | None = None
) -> Correlated:
    """Link, align and group ``events``; record each input's offset in its :class:`InputInfo`.

    ``clock_options``: offsets the user set (``--clock``) and whether to align at all (``--no-align``).

    Events with a partition column (:data:`~analyzer.model.PARTITION`) are several analyses in one pass:
    each partition is linked, aligned and grouped as if alone (``inputs`` then lists the inputs of all of
    them); its clock estimates are applied to its rows but not recorded (``clocks`` is empty).

    The event table is wide (the raw line, ~50 columns): every step computes on the few columns it
    needs and adds its result back as columns, never joining the whole table.
    """
    ev = link_sids(events.with_columns(input_label().alias("_input")))
    # configuration files carry no time: they have no clock to align
    timed = [info for info in inputs if info.error is None and info.events and info.source != "config"]
    groups = clock_groups(timed)
    ev = ev.with_columns(
        pl.col("_input").replace_strict(groups, default=None, return_dtype=pl.String).alias("_clock")
    )
    sources = {groups[i.label]: i.source or "" for i in timed}
    guessed = frozenset(groups[i.label] for i in timed if date_guessed(i.notes))
    part = partitions(ev)
    if part:
        present = ev.filter(pl.col("_clock").is_not_null()).group_by(PARTITION).agg(pl.col("_clock").unique())
        clocks_of = {key: sorted(names) for key, names in present.iter_rows()}
    else:
        clocks_of = {None: sorted(set(groups.values()))}
    estimates = estimate_partitions(
        ev.select(*part, *_CLOCK_COLUMNS, pl.col("_clock").alias("_input")),
        clocks_of,
        sources,
        options=_by_group(clock_options, timed, groups),
        guessed=guessed,
    )
    clocks = estimates.get(None, {})
    shifts = pl.DataFrame(
        [
            (*([key] if part else []), name, c.shift_ms)
            for key, found in estimates.items()
            for name, c in found.items()
        ],
        schema={**{p: ev.schema[p] for p in part}, "_clock": pl.String, "clock_offset_ms": pl.Float64},
        orient="row",
    )
    keys = ev.select(*part, "_clock")
    offset = pl.lit(
        keys.join(shifts, on=[*part, "_clock"], how="left", maintain_order="left")["clock_offset_ms"]
    ).fill_null(0.0)
    shift = pl.duration(microseconds=(pl.col("clock_offset_ms") * 1000).round().cast(pl.Int64))
    ev = (
        ev.with_columns(offset.alias("clock_offset_ms"))
        .with_columns(
            (pl.col("ts") + shift).cast(UTC_US).alias("ts"),
            (pl.col("ts_end") + shift).cast(UTC_US).alias("ts_end"),
        )
        .drop("_input", "_clock")
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
    return Correlated(ev, clocks)


def _by_group(clock: ClockOptions | None, timed: list[InputInfo], groups: dict[str, str]) -> ClockOptions:
    """``--clock`` offsets keyed by clock group; a value given for a path or label sets its whole group.

    Raises :class:`UsageError` naming a ``--clock FILE`` that is none of the inputs.
    """
    if clock is None:
        return ClockOptions()
    fixed: dict[str, float] = {}
    for name, offset in clock.fixed:
        matches = [
            i for i in timed if name in (i.label, i.path, i.location) or PurePath(i.path).as_posix() == name
        ]
        if not matches:
            known = ", ".join(i.label for i in timed) or "none"
            raise UsageError(f"--clock {name}: not one of the inputs read (inputs: {known})")
        for info in matches:
            fixed[groups[info.label]] = offset
    return ClockOptions(fixed=tuple(fixed.items()), align=clock.align)


#: What clock estimation reads of the event table.
_CLOCK_COLUMNS = (
    "ts", "ts_end", "ts_estimated", "source", "kind", "method", "transport", "status", "duration_ms", "path",
    "query", "t", "request_id", "sid",
)  # fmt: skip


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
    if events.select((estimated & has_url).any()).item() is not True:
        return events
    part = partitions(events)
    url = pl.concat_str("path", pl.coalesce("query", pl.lit("")), separator="?")
    timed = (
        events.lazy()
        .filter(~estimated & pl.col("ts").is_not_null() & pl.col("path").is_not_null())
        .group_by(*part, url.alias("_url"))
        .agg(pl.col("ts").min().alias("_seen"), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .collect()
    )
    seen = events.select(*part, pl.when(estimated & has_url).then(url).alias("_url")).join(
        timed, on=[*part, "_url"], how="left", maintain_order="left"
    )["_seen"]
    return events.with_columns(pl.coalesce(seen, pl.col("ts")).alias("ts"))
