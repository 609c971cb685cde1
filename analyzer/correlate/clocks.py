"""Clock offsets between inputs, estimated from events the keys prove to be the same moment.

Pairs of events seen by two inputs at (nearly) the same instant:

- the same request (same ``t`` or request id) seen by browser, proxy or backend: both times are its start
  (a backend access line only counts for requests the proxy saw finish within 200 ms: some servers log
  at the end of a request, and long-polls last ~25 s);
- for one Engine.IO session: the backend's handshake line and the proxy's polling handshake; the backend's
  upgrade and the proxy's WebSocket line (its *start*); the backend's disconnect and the end of the proxy's
  WebSocket line (Traefik writes it at close, stamped with its start: ``ts_end`` = start + lifetime);
  the browser's WebSocket entry and the proxy's start; the browser's WebSocket error or close and the end.

The reference clock is the proxy (the hub every request passes); each other input's offset is the median
of its differences to an already aligned input, after rejecting outliers, and is checked for stability
(first half vs second half of the capture). Inputs without pairs are left as they are and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import polars as pl

#: Differences further than this many MADs (plus a floor) from the median are rejected as outliers.
_MAD_K = 4.0
_OUTLIER_FLOOR_MS = 50.0
#: The two halves of a capture may disagree by this much before the offset is called unstable.
_STABLE_MS = 250.0
_SHORT_REQUEST_MS = 200.0


@dataclass
class ClockEstimate:
    """The offset added to one input's timestamps, and how it was found."""

    input: str
    offset_ms: float = 0.0
    aligned: bool = False
    reference: bool = False
    pairs: int = 0
    against: str | None = None
    stable: bool = True
    #: aligned on URLs alone (no shared request id, t or sid): weaker evidence
    fuzzy: bool = False
    notes: list[str] = field(default_factory=list)


def _same_request_pairs(ev: pl.DataFrame, key: str) -> pl.DataFrame:
    sides = ev.filter(
        pl.col(key).is_not_null() & pl.col("kind").is_in(["http_request", "ws_upgrade"])
    ).select(key, "_input", "source", "ts", "duration_ms")
    sides = sides.rename({"_input": "input"})
    joined = sides.join(sides, on=key, suffix="_r").filter(pl.col("input") != pl.col("input_r"))
    # a backend access line may be written when the request ends: only short requests pin its clock
    short = (pl.col("duration_ms").fill_null(0) <= _SHORT_REQUEST_MS) & (
        pl.col("duration_ms_r").fill_null(0) <= _SHORT_REQUEST_MS
    )
    involves_backend = (pl.col("source") == "backend") | (pl.col("source_r") == "backend")
    return joined.filter(short | ~involves_backend).select(
        "input", "input_r", pl.col("ts").alias("t_l"), pl.col("ts_r").alias("t_r")
    )


def _session_pairs(ev: pl.DataFrame) -> pl.DataFrame:
    """Pairs of (event, time) on one sid that happen at the same moment in two sources."""
    has_sid = ev.filter(pl.col("sid").is_not_null())
    proxy_ws = has_sid.filter((pl.col("source") == "proxy") & (pl.col("kind") == "ws_upgrade"))
    proxy_hs = has_sid.filter(
        (pl.col("source") == "proxy") & (pl.col("transport") == "polling") & (pl.col("method") == "GET")
    ).filter(pl.col("ts") == pl.col("ts").min().over("sid"))
    status_zero = pl.col("status") == 0

    def side(frame: pl.DataFrame, time: pl.Expr) -> pl.DataFrame:
        return frame.select("sid", pl.col("_input").alias("input"), time.alias("t"))

    specs = [
        (has_sid.filter((pl.col("source") == "backend") & (pl.col("kind") == "handshake")), pl.col("ts"),
         proxy_hs, pl.col("ts")),
        (has_sid.filter((pl.col("source") == "backend") & (pl.col("kind") == "upgrade")), pl.col("ts"),
         proxy_ws.filter(status_zero), pl.col("ts")),
        (has_sid.filter((pl.col("source") == "backend") & (pl.col("kind") == "disconnect")), pl.col("ts"),
         proxy_ws.filter(status_zero), pl.col("ts_end")),
        (has_sid.filter((pl.col("source") == "browser") & (pl.col("kind") == "ws_upgrade")), pl.col("ts"),
         proxy_ws, pl.col("ts")),
        (has_sid.filter((pl.col("source") == "browser") & pl.col("kind").is_in(["ws_failure", "ws_error", "ws_close"])),
         pl.col("ts"), proxy_ws, pl.col("ts_end")),
    ]  # fmt: skip
    out = []
    for left, left_time, right, right_time in specs:
        # one event per side and sid, so a chatty session does not outweigh the others
        lhs = side(left, left_time).group_by("sid", "input").agg(pl.col("t").min())
        rhs = side(right, right_time).group_by("sid", "input").agg(pl.col("t").min())
        joined = lhs.join(rhs, on="sid", suffix="_r").filter(pl.col("input") != pl.col("input_r"))
        out.append(joined.select("input", "input_r", pl.col("t").alias("t_l"), pl.col("t_r")))
    return pl.concat(out)


def _at_resolution_midpoint(ev: pl.DataFrame) -> pl.DataFrame:
    """Shift times of whole-second logs (Traefik CLF) by half a second: the true instant lies anywhere in
    [ts, ts + 1 s), so its midpoint is the unbiased value to compare with millisecond clocks."""
    whole_seconds = (pl.col("ts").dt.microsecond() == 0).all().over("_input")
    half = pl.when(whole_seconds).then(pl.duration(milliseconds=500)).otherwise(pl.duration(milliseconds=0))
    return ev.with_columns(pl.col("ts") + half, pl.col("ts_end") + half)


def pairs(events: pl.DataFrame, *, fuzzy: bool = False) -> pl.DataFrame:
    """All (input, input_r, t_l, t_r) pairs, in both directions (``fuzzy``: from URLs alone)."""
    ev = _at_resolution_midpoint(
        events.filter(pl.col("ts").is_not_null() & ~pl.col("ts_estimated").fill_null(False))
    )
    if fuzzy:
        found = _url_vote_pairs(ev)
    else:
        found = pl.concat(
            [_same_request_pairs(ev, "t"), _same_request_pairs(ev, "request_id"), _session_pairs(ev)]
        ).unique()
    reverse = found.select(
        pl.col("input_r").alias("input"), pl.col("input").alias("input_r"), pl.col("t_r").alias("t_l"),
        pl.col("t_l").alias("t_r"),
    )  # fmt: skip
    both = pl.concat([found, reverse]).filter(pl.col("t_l").is_not_null() & pl.col("t_r").is_not_null())
    # diff = how much to add to the left input's clock to agree with the right one
    return both.with_columns(
        ((pl.col("t_r") - pl.col("t_l")).dt.total_microseconds() / 1000.0).alias("diff_ms")
    )


def _url_vote_pairs(ev: pl.DataFrame) -> pl.DataFrame:
    """Pairs from the same URL and status seen by two inputs, when nothing stronger ties them.

    A URL without a unique key (``/api/v1/rooms`` answered 404 several times) pairs every occurrence with
    every other; the true offset is the difference most of them agree on, so only pairs within a second
    of the most common difference are kept (at least three must agree).
    """
    keyed = ev.filter(
        pl.col("path").is_not_null() & pl.col("status").is_not_null() & (pl.col("status") > 0)
    ).with_columns(
        pl.concat_str("path", pl.coalesce("query", pl.lit("")), pl.col("status").cast(pl.String)).alias(
            "_url"
        )
    )
    keyed = keyed.filter(pl.len().over("_url", "_input") <= 20).select(
        "_url", pl.col("_input").alias("input"), "ts"
    )
    joined = keyed.join(keyed, on="_url", suffix="_r").filter(pl.col("input") != pl.col("input_r"))
    joined = joined.with_columns(
        ((pl.col("ts_r") - pl.col("ts")).dt.total_milliseconds() // 250).alias("_bin")
    )
    votes = joined.group_by("input", "input_r", "_bin").len()
    best = (
        votes.sort(["len", "_bin"], descending=[True, False])
        .group_by("input", "input_r", maintain_order=True)
        .first()
    )
    best = best.filter(pl.col("len") >= 3).select("input", "input_r", pl.col("_bin").alias("_mode"))
    kept = joined.join(best, on=["input", "input_r"]).filter((pl.col("_bin") - pl.col("_mode")).abs() <= 4)
    return kept.select("input", "input_r", pl.col("ts").alias("t_l"), pl.col("ts_r").alias("t_r"))


def estimate(events: pl.DataFrame, inputs: list[str], sources: dict[str, str]) -> dict[str, ClockEstimate]:
    """Offsets for every input: the proxy with most events is the reference; others join through pairs."""
    strong = pairs(events)
    weak: pl.DataFrame | None = None  # URL pairs cost a self-join: built only if some input needs them
    estimates = {name: ClockEstimate(name) for name in inputs}
    if not inputs:
        return estimates
    # the reference is the log with most requests: an access log, whose requests every other source shares
    counts = (
        events.filter(pl.col("kind").is_in(["http_request", "ws_upgrade"])).group_by("_input").len().rows()
    )
    size = dict(counts)
    priority = {"proxy": 0, "backend": 1, "browser": 2, "config": 3}
    reference = min(
        inputs,
        key=lambda n: (-min(size.get(n, 0), 1), priority.get(sources.get(n, ""), 9), -size.get(n, 0), n),
    )
    estimates[reference].aligned = estimates[reference].reference = True
    aligned = {reference}
    while True:
        # same-request and same-session pairs first; URLs alone only for inputs nothing else ties
        open_edge = pl.col("input_r").is_in(list(aligned)) & ~pl.col("input").is_in(list(aligned))
        candidates = strong.filter(open_edge)
        fuzzy = candidates.height == 0
        if fuzzy:
            if weak is None:
                weak = pairs(events, fuzzy=True)
            candidates = weak.filter(open_edge)
        if candidates.height == 0:
            break
        # align the input with most evidence next, against the inputs already on the reference clock
        offsets = pl.DataFrame(
            {"input_r": list(aligned), "o_r": [estimates[n].offset_ms for n in aligned]},
            schema={"input_r": pl.String, "o_r": pl.Float64},
        )
        candidates = candidates.join(offsets, on="input_r").with_columns(
            (pl.col("diff_ms") + pl.col("o_r")).alias("o")
        )
        best = candidates.group_by("input").len().sort(["len", "input"], descending=[True, False]).row(0)[0]
        mine = candidates.filter(pl.col("input") == best).sort("t_l")
        estimates[best] = _robust(best, mine)
        estimates[best].fuzzy = fuzzy
        if fuzzy:
            estimates[best].notes.append(
                "aligned on requests to the same URLs (no shared request id, t or sid)"
            )
        aligned.add(best)
    _same_folder_clocks(estimates, inputs, sources)
    for name in inputs:
        if not estimates[name].aligned:
            estimates[name].notes.append("no event shared with an aligned source: clock left as it is")
    return estimates


def _same_folder_clocks(
    estimates: dict[str, ClockEstimate], inputs: list[str], sources: dict[str, str]
) -> None:
    """An input with no pairs of its own takes the clock of an aligned input of the same source in the same
    folder (Traefik's own log beside its access log: one process, one clock), and says so."""
    for name in inputs:
        est = estimates[name]
        if est.aligned:
            continue
        folder = PurePath(name.split("[", 1)[0]).parent
        peers = [
            estimates[other]
            for other in inputs
            if estimates[other].aligned
            and sources.get(other) == sources.get(name)
            and PurePath(other.split("[", 1)[0]).parent == folder
        ]
        if peers:
            peer = max(peers, key=lambda p: (p.reference, not p.fuzzy, p.pairs))
            est.offset_ms, est.aligned, est.against = peer.offset_ms, True, peer.input
            est.notes.append(
                f"no event shared with other sources: assumed on the clock of {peer.input} (same folder)"
            )


def _robust(name: str, mine: pl.DataFrame) -> ClockEstimate:
    values = mine["o"]
    median = float(values.median())  # type: ignore[arg-type]
    mad = float((values - median).abs().median())  # type: ignore[arg-type]
    keep = mine.filter((pl.col("o") - median).abs() <= _MAD_K * mad + _OUTLIER_FLOOR_MS)
    inliers = keep["o"]
    offset = float(inliers.median()) if inliers.len() else median  # type: ignore[arg-type]
    est = ClockEstimate(name, offset_ms=offset, aligned=True, pairs=inliers.len())
    est.against = str(keep["input_r"].mode().sort()[0]) if keep.height else None
    if mine.height - keep.height:
        est.notes.append(f"{mine.height - keep.height} of {mine.height} matched pairs rejected as outliers")
    if inliers.len() >= 4:
        half = inliers.len() // 2
        first, second = float(inliers.head(half).median()), float(inliers.tail(half).median())  # type: ignore[arg-type]
        # halves of a small, coarse sample (whole-second logs) differ by chance: allow the spread
        spread = float(inliers.quantile(0.75) - inliers.quantile(0.25))  # type: ignore[operator]
        if abs(first - second) > max(_STABLE_MS, spread):
            est.stable = False
            est.notes.append(
                f"offset drifts over the capture ({first:+.0f} ms in the first half, {second:+.0f} ms in the second)"
            )
    return est
