"""Clock offsets between inputs, estimated from events the keys prove to be the same moment.

Pairs of events seen by two inputs at (nearly) the same instant:

- the same request (same ``t`` or request id) seen by browser, proxy or backend: both times are its start
  (a backend access line only counts for requests the proxy saw finish within 200 ms: some servers log
  at the end of a request, and long-polls last ~25 s);
- for one Engine.IO session: the backend's handshake line and the proxy's polling handshake; the backend's
  upgrade and the proxy's WebSocket line (its *start*); the backend's disconnect and the end of the proxy's
  WebSocket line (Traefik writes it at close, stamped with its start: ``ts_end`` = start + lifetime);
  the browser's WebSocket entry and the proxy's start; the browser's WebSocket error or close and the end.

The reference clock is the proxy (the hub every request passes); each other input's offset comes from its
differences to an already aligned input, after rejecting outliers, and is checked for stability (first
half vs second half of the capture). Inputs without pairs are left as they are and flagged.

A log written to the whole second (Traefik's CLF) only says its instant lies in ``[t, t + 1 s)``. Each
pair then bounds the offset to an interval, and the offset is the middle of the range most pairs agree on
(interval voting): with a few dozen pairs at different sub-second phases it is known within tens of
milliseconds, where the median of midpoints is biased by whatever sub-second phase the requests share.

What the estimate never does silently: shift an input by more than :data:`WARN_OFFSET_MS` (the verdict
says so), shift a second proxy's log without shared request ids, ``t`` or sids (two proxies share URLs,
not instants; with them, any shift of a second or more is said too), or read a wrong date as a clock
error: an input whose date was guessed (from the file's modification time) and is whole days away from
the other sources takes its date from them, and the verdict says that too.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import polars as pl

from analyzer.model import PARTITION, partitions

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

#: Differences further than this many MADs (plus a floor) from the median are rejected as outliers.
_MAD_K = 4.0
_OUTLIER_FLOOR_MS = 50.0
#: The two halves of a capture may disagree by this much before the offset is called unstable.
_STABLE_MS = 250.0
_SHORT_REQUEST_MS = 200.0
#: How far apart two logs may stamp the same instant (network and logging latency), for interval voting.
_LATENCY_MS = 25.0
#: A shift larger than this is stated in the verdict, never applied silently.
WARN_OFFSET_MS = 600_000.0
#: A second proxy's log is shifted only on this many strong pairs (same request id, t or sid) ...
MIN_PROXY_PAIRS = 3
#: ... and a shift of this much or more is said in the verdict.
WARN_PROXY_OFFSET_MS = 1000.0
DAY_MS = 86_400_000.0
#: A URL's occurrence with no other of the same URL this close in its input pairs unambiguously.
_ISOLATED_MS = 3000


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
    #: set by the user (``--clock FILE=+2.3s``), not estimated
    fixed: bool = False
    #: whole days added because the input's date was guessed and the other sources disagree
    date_shift_days: int = 0
    notes: list[str] = field(default_factory=list)
    #: what the verdict must say about this clock (a large shift, a re-dated file); None when nothing
    warning: str | None = None

    @property
    def shift_ms(self) -> float:
        """Everything added to the input's times: its clock offset and any date correction."""
        return self.offset_ms + self.date_shift_days * DAY_MS


@dataclass(frozen=True)
class ClockOptions:
    """What the user says about clocks: ``--clock FILE=+2.3s`` (milliseconds by input path or label)
    and ``--no-align``."""

    #: (input path or label, offset ms) pairs; a tuple so options stay hashable (scan caches by them)
    fixed: tuple[tuple[str, float], ...] = ()
    align: bool = True


#: A request id shorter than this is a counter (pino-http numbers requests 1, 2, 3 …), not a key two
#: logs can share by chance only when they saw the same request.
_MIN_ID_CHARS = 8


def _same_request_pairs(ev: pl.DataFrame, key: str) -> pl.DataFrame:
    part = partitions(ev)
    sides = ev.filter(
        pl.col(key).is_not_null()
        & (pl.col(key).str.len_chars() >= _MIN_ID_CHARS if key == "request_id" else pl.lit(True))
        & pl.col("kind").is_in(["http_request", "ws_upgrade"])
    ).select(*part, key, "_input", "source", "ts", "duration_ms")
    sides = sides.rename({"_input": "input"})
    joined = sides.join(sides, on=[*part, key], suffix="_r").filter(pl.col("input") != pl.col("input_r"))
    # a backend access line may be written when the request ends: only short requests pin its clock
    short = (pl.col("duration_ms").fill_null(0) <= _SHORT_REQUEST_MS) & (
        pl.col("duration_ms_r").fill_null(0) <= _SHORT_REQUEST_MS
    )
    involves_backend = (pl.col("source") == "backend") | (pl.col("source_r") == "backend")
    return joined.filter(short | ~involves_backend).select(
        *part, "input", "input_r", pl.col("ts").alias("t_l"), pl.col("ts_r").alias("t_r")
    )


def _session_pairs(ev: pl.DataFrame) -> pl.DataFrame:
    """Pairs of (event, time) on one sid that happen at the same moment in two sources."""
    part = partitions(ev)
    has_sid = ev.filter(pl.col("sid").is_not_null())
    proxy_ws = has_sid.filter((pl.col("source") == "proxy") & (pl.col("kind") == "ws_upgrade"))
    proxy_hs = has_sid.filter(
        (pl.col("source") == "proxy") & (pl.col("transport") == "polling") & (pl.col("method") == "GET")
    ).filter(pl.col("ts") == pl.col("ts").min().over(*part, "sid"))
    # an opened WebSocket: Traefik's status 0, nginx's 101 (both logged at close, with the lifetime)
    status_zero = pl.col("status").is_in([0, 101])

    def side(frame: pl.DataFrame, time: pl.Expr) -> pl.DataFrame:
        return frame.select(*part, "sid", pl.col("_input").alias("input"), time.alias("t"))

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
        lhs = side(left, left_time).group_by(*part, "sid", "input").agg(pl.col("t").min())
        rhs = side(right, right_time).group_by(*part, "sid", "input").agg(pl.col("t").min())
        joined = lhs.join(rhs, on=[*part, "sid"], suffix="_r").filter(pl.col("input") != pl.col("input_r"))
        out.append(joined.select(*part, "input", "input_r", pl.col("t").alias("t_l"), pl.col("t_r")))
    return pl.concat(out)


def _resolutions(events: pl.DataFrame) -> pl.DataFrame:
    """Per input (and partition), how coarse its times are, as ``res``: 1000 ms for a log written to the
    whole second (most of at least three times fall on a second: daphne's access lines among its
    millisecond application lines; nginx's, whose end falls on the second and whose start is that second
    less the duration), else 0."""
    on_second = (
        (pl.col("ts").dt.microsecond() == 0) | (pl.col("ts_end").dt.microsecond() == 0).fill_null(False)
    ).cast(pl.UInt32)
    whole = (on_second.sum() >= 3) & (on_second.mean() >= 0.5)
    return (
        events.filter(pl.col("ts").is_not_null())
        .group_by(*partitions(events), "_input")
        .agg(pl.when(whole).then(1000.0).otherwise(0.0).alias("res"))
    )


def _requests(events: pl.DataFrame) -> pl.DataFrame:
    """Requests per input: (partition,) ``_input``, ``len`` (the reference is the log with most)."""
    requests = events.filter(pl.col("kind").is_in(["http_request", "ws_upgrade"]))
    return requests.group_by(*partitions(events), "_input").len()


def _per_partition(table: pl.DataFrame, value: str) -> dict[Any, dict[str, Any]]:
    """``{partition: {input: value}}`` of a table keyed by (partition,) ``_input`` (None: no partition)."""
    out: dict[Any, dict[str, Any]] = {}
    if PARTITION in table.columns:
        for key, name, v in table.select(PARTITION, "_input", value).iter_rows():
            out.setdefault(key, {})[name] = v
    else:
        out[None] = dict(table.select("_input", value).iter_rows())
    return out


def pairs(
    events: pl.DataFrame, *, fuzzy: bool = False, movable: Collection[str] | None = None
) -> pl.DataFrame:
    """All (input, input_r, t_l, t_r, diff_ms) pairs, in both directions (``fuzzy``: from URLs alone).

    ``movable`` (fuzzy pairs only): the inputs URLs may still move; pairs of two other inputs are not
    built (they would never be used, and among thousands of access logs they are most of the self-join).

    Pairs from keys are per partition (:data:`~analyzer.model.PARTITION`); fuzzy pairs are built for one
    partition at a time (their events without the partition column).
    """
    ev = _timed(events)
    if fuzzy:
        found = _url_vote_pairs(ev, movable)
    else:
        found = pl.concat(
            [_same_request_pairs(ev, "t"), _same_request_pairs(ev, "request_id"), _session_pairs(ev)]
        ).unique()
    reverse = found.select(
        *partitions(found), pl.col("input_r").alias("input"), pl.col("input").alias("input_r"),
        pl.col("t_r").alias("t_l"), pl.col("t_l").alias("t_r"),
    )  # fmt: skip
    both = pl.concat([found, reverse]).filter(pl.col("t_l").is_not_null() & pl.col("t_r").is_not_null())
    # diff = how much to add to the left input's clock to agree with the right one
    return both.with_columns(
        ((pl.col("t_r") - pl.col("t_l")).dt.total_microseconds() / 1000.0).alias("diff_ms")
    )


def _url_vote_pairs(ev: pl.DataFrame, movable: Collection[str] | None = None) -> pl.DataFrame:
    """Pairs from the same URL and status seen by two inputs, when nothing stronger ties them.

    A URL without a unique key (``/api/v1/rooms`` answered 404 several times) pairs every occurrence with
    every other; the true offset is the difference most of them agree on, so only pairs within a second
    of the most common difference are kept (at least three must agree).
    """
    keyed = _keyed_urls(ev)
    if movable is not None:
        # pairs start from a movable input's occurrence: URLs none of them saw cannot pair, and on a large
        # proxy log dropping them first leaves a handful of rows to sort and window
        seen = keyed.filter(pl.col("_input").is_in(list(movable))).select("_url").unique()
        keyed = keyed.join(seen, on="_url", how="semi")
    keyed = (
        keyed.filter(pl.len().over("_url", "_input") <= _URL_REPEATS)
        .select("_url", pl.col("_input").alias("input"), "ts")
        .sort("ts")
        .with_columns(
            pl.min_horizontal(
                (pl.col("ts") - pl.col("ts").shift(1)).over("_url", "input").dt.total_milliseconds(),
                (pl.col("ts").shift(-1) - pl.col("ts")).over("_url", "input").dt.total_milliseconds(),
            )
            .fill_null(_ISOLATED_MS + 1)
            .gt(_ISOLATED_MS)
            .alias("_isolated")
        )
    )
    left = keyed if movable is None else keyed.filter(pl.col("input").is_in(list(movable)))
    joined = left.join(keyed, on="_url", suffix="_r").filter(pl.col("input") != pl.col("input_r"))
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
    # the offset itself only from occurrences alone in their neighbourhood on both sides: a URL requested
    # twice within a few seconds (each tab's static files) pairs with the wrong twin inside the window
    isolated = kept.filter(pl.col("_isolated") & pl.col("_isolated_r"))
    kept = isolated if isolated.height >= 3 else kept
    found = kept.select("input", "input_r", pl.col("ts").alias("t_l"), pl.col("ts_r").alias("t_r"))
    if movable is None:
        return found
    # the whole self-join has each pair in both directions: so does this one, for the pairs it builds
    mirror = found.filter(~pl.col("input_r").is_in(list(movable))).select(
        pl.col("input_r").alias("input"), pl.col("input").alias("input_r"), pl.col("t_r").alias("t_l"),
        pl.col("t_l").alias("t_r"),
    )  # fmt: skip
    return pl.concat([found, mirror])


def _timed(events: pl.DataFrame) -> pl.DataFrame:
    """Events whose time the log wrote (not placed by an estimate): the only ones that can pair."""
    return events.filter(pl.col("ts").is_not_null() & ~pl.col("ts_estimated").fill_null(False))


#: A URL an input saw more often than this is a poll or an asset, not a request two logs can pair on.
_URL_REPEATS = 20


def _keyed_urls(ev: pl.DataFrame) -> pl.DataFrame:
    """Events that can pair on their URL alone, with the URL and status as ``_url``."""
    return ev.filter(
        pl.col("path").is_not_null() & pl.col("status").is_not_null() & (pl.col("status") > 0)
    ).with_columns(
        pl.concat_str("path", pl.coalesce("query", pl.lit("")), pl.col("status").cast(pl.String)).alias(
            "_url"
        )
    )


def _url_sharers(events: pl.DataFrame) -> pl.DataFrame:
    """(partition,) ``_input``: the inputs that share a URL :func:`_url_vote_pairs` would pair with another
    input. An input not among them gets no URL pair: its self-join is not run."""
    part = partitions(events)
    keyed = _keyed_urls(_timed(events)).filter(pl.len().over(*part, "_url", "_input") <= _URL_REPEATS)
    return (
        keyed.group_by(*part, "_url")
        .agg(pl.col("_input").unique())
        .filter(pl.col("_input").list.len() > 1)
        .explode("_input")
        .select(*part, "_input")
        .unique()
        .with_columns(pl.lit(True).alias("shares"))
    )


def estimate(
    events: pl.DataFrame,
    inputs: list[str],
    sources: dict[str, str],
    *,
    options: ClockOptions | None = None,
    guessed: frozenset[str] = frozenset(),
) -> dict[str, ClockEstimate]:
    """Offsets for every input: the proxy with most requests is the reference; others join through pairs.

    ``guessed``: inputs whose *date* was guessed (see the module doc). ``options``: offsets the user set
    (those inputs are aligned from the start) and whether to align at all.
    """
    return estimate_partitions(events, {None: inputs}, sources, options=options, guessed=guessed)[None]


def estimate_partitions(
    events: pl.DataFrame,
    inputs: dict[Any, list[str]],
    sources: dict[str, str],
    *,
    options: ClockOptions | None = None,
    guessed: frozenset[str] = frozenset(),
) -> dict[Any, dict[str, ClockEstimate]]:
    """:func:`estimate` for each partition of ``events`` (``inputs``: partition -> its inputs; the key
    None when ``events`` has no partition column). The pairs, resolutions and request counts of every
    partition come from one query each; the alignment itself is a walk over each partition's few pairs.
    """
    options = options or ClockOptions()
    if not options.align or not any(inputs.values()):
        return {key: _estimate_one(names, options) for key, names in inputs.items()}
    strong = _split(pairs(events), inputs)
    res = _per_partition(_resolutions(events), "res")
    size = _per_partition(_requests(events), "len")
    # the events themselves only for URL pairs and guessed dates, rarely: split once, when first needed
    slices: dict[Any, pl.DataFrame] = {}
    sharers: list[dict[Any, dict[str, Any]]] = []

    def events_of(key: Any) -> pl.DataFrame:
        if not slices:
            slices.update(_split(events, inputs))
        return slices[key]

    def sharers_of(key: Any) -> set[str] | None:
        """Among many partitions, the inputs that may pair on URLs at all (one query for all, when the
        first partition needs URL pairs); None for one analysis, which builds its URL pairs directly."""
        if PARTITION not in events.columns:
            return None
        if not sharers:
            sharers.append(_per_partition(_url_sharers(events), "shares"))
        return set(sharers[0].get(key, {}))

    return {
        key: _estimate_one(
            names, options, strong=strong[key], res=res.get(key, {}), size=size.get(key, {}),
            url_sharers=partial(sharers_of, key), events=partial(events_of, key), sources=sources,
            guessed=guessed,
        )
        for key, names in inputs.items()
    }  # fmt: skip


def _split(frame: pl.DataFrame, keys: dict[Any, list[str]]) -> dict[Any, pl.DataFrame]:
    """``frame`` per partition, without the partition column (every key of ``keys``, empty if absent)."""
    if PARTITION not in frame.columns:
        return dict.fromkeys(keys, frame)
    found = {k[0]: v.drop(PARTITION) for k, v in frame.partition_by(PARTITION, as_dict=True).items()}
    empty = frame.clear().drop(PARTITION)
    return {key: found.get(key, empty) for key in keys}


def _estimate_one(
    inputs: list[str],
    options: ClockOptions,
    *,
    strong: pl.DataFrame | None = None,
    res: dict[str, float] | None = None,
    size: dict[str, int] | None = None,
    url_sharers: Callable[[], set[str] | None] | None = None,
    events: Callable[[], pl.DataFrame] | None = None,
    sources: dict[str, str] | None = None,
    guessed: frozenset[str] = frozenset(),
) -> dict[str, ClockEstimate]:
    """The offsets of one partition's inputs from its pairs (``strong``), the resolutions and request
    counts of its inputs, and (when URLs or dates are needed) the inputs that share URLs with another
    (None: not known) and its events."""
    sources = sources or {}
    estimates = {name: ClockEstimate(name) for name in inputs}
    if not inputs:
        return estimates
    for name, offset in options.fixed:
        if name in estimates:
            est = estimates[name]
            est.offset_ms, est.aligned, est.fixed = offset, True, True
            est.notes.append(f"clock offset {offset:+.0f} ms set by --clock")
    if not options.align:
        for est in estimates.values():
            if not est.fixed:
                est.notes.append("clocks not aligned (--no-align): times kept as written")
        return estimates
    assert strong is not None and res is not None and size is not None and events is not None
    # the walk runs in Python over the pairs' values: a window of a scan has a few hundred pairs, and a
    # dozen polars queries a step cost more than the walk itself
    keyed = _Pairs.of(strong)
    weak: _Pairs | None = None  # URL pairs cost a self-join: built only if some input needs them
    aligned = {name for name, est in estimates.items() if est.fixed}
    free = [name for name in inputs if name not in aligned]
    if free:
        # offsets set by --clock are relative to the reference clock, which stays the proxy's
        reference = _reference(size, free, sources)
        estimates[reference].aligned = estimates[reference].reference = True
        aligned.add(reference)
    refused: set[str] = set()
    proxies = {name for name in inputs if sources.get(name) == "proxy"}
    while True:
        # same-request and same-session pairs first; URLs alone only for inputs nothing else ties
        candidates = keyed.open(aligned, refused)
        fuzzy = not candidates
        # (when URLs could move no input still open, no self-join)
        if fuzzy and set(inputs) - aligned - refused - proxies:
            if weak is None:  # only inputs still free and not proxies can move on URLs, now or later
                movable = set(free) - aligned - proxies
                shared = url_sharers() if url_sharers is not None else None
                # none of them shares a URL with another input: no pair, no self-join
                may_pair = shared is None or bool(movable & shared)
                weak = _Pairs.of(pairs(events(), fuzzy=True, movable=movable) if may_pair else strong.clear())
            # two proxies share URLs, not instants: a proxy is never moved on URLs alone
            candidates = weak.open(aligned, refused | proxies)
        if not candidates:
            island = keyed.next_island(aligned, inputs, size, sources)
            if island is None:
                break
            # inputs nothing ties to the reference but that share keys among themselves (a second capture
            # given with the first) keep their own clock, aligned to each other around their own proxy
            estimates[island].aligned = estimates[island].reference = True
            estimates[island].notes.append(
                "shares no request with the reference clock: its inputs are aligned among themselves, "
                "around this one, and kept on their own clock"
            )
            aligned.add(island)
            refused.clear()
            continue
        # align the input with most evidence next, against the inputs already on the reference clock
        pool = weak if fuzzy else keyed
        assert pool is not None
        best = _most_common(pool.input[i] for i in candidates)
        mine = sorted((i for i in candidates if pool.input[i] == best), key=pool.t_l.__getitem__)
        if best in proxies and len(mine) < MIN_PROXY_PAIRS:
            refused.add(best)
            estimates[best].notes.append(
                f"shares only {len(mine)} request(s) with the aligned logs: a second proxy's clock is "
                f"moved only on {MIN_PROXY_PAIRS} or more; times kept as written"
            )
            continue
        against = [pool.input_r[i] for i in mine]
        offsets = [pool.diff_ms[i] + estimates[pool.input_r[i]].offset_ms for i in mine]
        found = _robust(best, against, offsets, res)
        # a guessed date is whole days off: what URLs must justify is the rest
        clock_part = found.offset_ms - (round(found.offset_ms / DAY_MS) * DAY_MS if best in guessed else 0.0)
        if fuzzy and abs(clock_part) > WARN_OFFSET_MS:
            # requests to the same URLs can pair two unrelated captures: a shift this large needs keys
            refused.add(best)
            estimates[best].notes.append(
                f"requests to the same URLs alone would move it by {_seconds(found.offset_ms)}: not evidence "
                "enough for a shift that large; times kept as written"
            )
            continue
        estimates[best] = found
        estimates[best].fuzzy = fuzzy
        if fuzzy:
            estimates[best].notes.append(
                "aligned on requests to the same URLs (no shared request id, t or sid)"
            )
        aligned.add(best)
    _same_folder_clocks(estimates, inputs, sources)
    if guessed:
        _dates(estimates, events(), guessed)
    for name in inputs:
        est = estimates[name]
        if not est.aligned and not est.date_shift_days:
            est.notes.append("no event shared with an aligned source: clock left as it is")
        _warn(est, sources.get(name))
    return estimates


def _reference(size: dict[str, int], inputs: list[str], sources: dict[str, str]) -> str:
    """The log with most requests (``size``: requests per input), an access log first: every other source
    shares its requests."""
    priority = {"proxy": 0, "backend": 1, "browser": 2, "config": 3}
    return min(
        inputs,
        key=lambda n: (-min(size.get(n, 0), 1), priority.get(sources.get(n, ""), 9), -size.get(n, 0), n),
    )


def _warn(est: ClockEstimate, source: str | None) -> None:
    """The sentence the verdict carries for a shift nobody should miss."""
    if est.warning or est.reference or est.fixed or not est.aligned:
        return
    large = abs(est.offset_ms) > WARN_OFFSET_MS
    second_proxy = source == "proxy" and abs(est.offset_ms) >= WARN_PROXY_OFFSET_MS
    if large or second_proxy:
        est.warning = (
            f"{shown(est.input)} was shifted by {_seconds(est.offset_ms)} to agree with {shown(est.against or '?')} "
            f"({est.pairs} shared request(s) or session(s)); check that its clock really was off "
            "(--clock FILE=+0s keeps it as written)"
        )


def _dates(estimates: dict[str, ClockEstimate], events: pl.DataFrame, guessed: frozenset[str]) -> None:
    """Inputs whose date was guessed take it from the other sources when whole days separate them."""
    if not guessed:
        return
    spans = {
        name: (first, last)
        for name, first, last in events.filter(pl.col("ts").is_not_null())
        .group_by("_input")
        .agg(pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .iter_rows()
    }
    dated = [spans[n] for n in estimates if n not in guessed and n in spans]
    for name in sorted(guessed):
        est = estimates.get(name)
        if est is None or est.fixed:
            continue
        if est.aligned and abs(est.offset_ms) >= DAY_MS / 2:
            days = round(est.offset_ms / DAY_MS)
            est.offset_ms -= days * DAY_MS
        elif not est.aligned and dated and name in spans:
            first, last = spans[name]
            start, end = min(s for s, _ in dated), max(e for _, e in dated)
            middle = first + (last - first) / 2
            days = round((start + (end - start) / 2 - middle).total_seconds() * 1000 / DAY_MS)
        else:
            continue
        if days == 0:
            continue
        est.date_shift_days = days
        est.notes.append(
            f"its date came from the file's modification time, {abs(days)} day(s) "
            f"{'behind' if days > 0 else 'ahead of'} the other sources: dated by them instead"
        )
        est.warning = (
            f"{shown(est.input)}: the date of the times came from the file's modification time and the other "
            f"sources put them {abs(days)} day(s) {'later' if days > 0 else 'earlier'}; they are dated by "
            "the other sources (pass --date YYYY-MM-DD if that is wrong)"
        )


def shown(name: str) -> str:
    """A clock's name for people: a path, or ``the chrome-console files in browser/`` for a group."""
    if "*[" not in name:
        return name
    folder, _, fmt = name.partition("/*[")
    return f"the {fmt.rstrip(']')} files in {folder}/"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:+.1f} s" if abs(ms) < 600_000 else f"{ms / 60_000:+.1f} min"


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
            est.fuzzy = peer.fuzzy
            est.notes.append(
                f"no event shared with other sources: assumed on the clock of {peer.input} (same folder)"
            )


@dataclass
class _Pairs:
    """A partition's pairs as Python lists (see :func:`pairs`): a window of a scan has a few hundred."""

    input: list[str]
    input_r: list[str]
    t_l: list[int]
    diff_ms: list[float]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> _Pairs:
        return cls(
            frame["input"].to_list(),
            frame["input_r"].to_list(),
            frame["t_l"].to_physical().to_list(),
            frame["diff_ms"].to_list(),
        )

    def open(self, aligned: set[str], closed: set[str]) -> list[int]:
        """The pairs from an input not yet aligned (nor in ``closed``) to one already aligned."""
        return [
            i
            for i, (left, right) in enumerate(zip(self.input, self.input_r, strict=True))
            if right in aligned and left not in aligned and left not in closed
        ]

    def next_island(
        self, aligned: set[str], inputs: list[str], size: dict[str, int], sources: dict[str, str]
    ) -> str | None:
        """The reference of another group of inputs tied by keys among themselves, or None."""
        rest = [name for name in inputs if name not in aligned]
        free = set(rest)
        members = {
            left
            for left, right in zip(self.input, self.input_r, strict=True)
            if left in free and right in free
        }
        if not members:
            return None
        return _reference(size, [name for name in rest if name in members], sources)


def _robust(name: str, against: list[str], o: list[float], res: dict[str, float]) -> ClockEstimate:
    """The offset that the pairs of input ``name`` agree on (``o``: each pair's offset, aligned to the
    input ``against`` it pairs with, in the order of the pairs' times): their median, or for whole-second
    logs the middle of the range most of their intervals share; outliers rejected, stability checked.

    In Python: a few hundred pairs (a window of a scan) cost a dozen small polars queries ~3 ms, the same
    arithmetic in Python a sixth of that. The statistics are polars' own (:func:`_median`,
    :func:`_quantile`), to the last bit."""
    res_l = res.get(name, 0.0)
    res_r = [res.get(label, 0.0) for label in against]
    # the offset lies in (o - res_l, o + res_r): its middle is the unbiased single value
    mid = [o[i] + (res_r[i] - res_l) / 2 for i in range(len(o))]
    median = _median(mid)
    mad = _median([abs(m - median) for m in mid])
    bound = _MAD_K * mad + _OUTLIER_FLOOR_MS
    keep = [i for i, m in enumerate(mid) if abs(m - median) <= bound + (res_l + res_r[i]) / 2]
    inliers = [mid[i] for i in keep]
    if keep and max(res_l + res_r[i] for i in keep) > 0:
        offset, support = _interval_vote(
            [o[i] - res_l - _LATENCY_MS for i in keep],
            [o[i] + res_r[i] + _LATENCY_MS for i in keep],
            median,
        )
    else:
        offset = _median(inliers) if keep else median
        support = len(keep)
    est = ClockEstimate(name, offset_ms=offset, aligned=True, pairs=support)
    if keep:
        est.against = _most_common(against[i] for i in keep)
    if len(mid) - len(keep):
        est.notes.append(f"{len(mid) - len(keep)} of {len(mid)} matched pairs rejected as outliers")
    if len(inliers) >= 4:
        half = len(inliers) // 2
        first, second = _median(inliers[:half]), _median(inliers[-half:])
        # halves of a small, coarse sample (whole-second logs) differ by chance: allow the spread
        spread = _quantile(inliers, 0.75) - _quantile(inliers, 0.25)
        if abs(first - second) > max(_STABLE_MS, spread):
            est.stable = False
            est.notes.append(
                f"offset drifts over the capture ({first:+.0f} ms in the first half, {second:+.0f} ms in the second)"
            )
    return est


def _interval_vote(lows: list[float], highs: list[float], median: float) -> tuple[float, int]:
    """The middle of the range covered by most of the intervals ``[lows[i], highs[i]]`` (closest to
    ``median`` on a tie), and how many intervals cover it."""
    # (point, -1) for a start sorts before (point, 1) for an end: touching intervals overlap
    ends = sorted([(x, -1) for x in lows] + [(x, 1) for x in highs])
    cover, covers = 0, []
    for _, step in ends:
        cover -= step
        covers.append(cover)
    top = max(covers)
    middles = [(x + ends[i + 1][0]) / 2 for i, (x, _) in enumerate(ends[:-1]) if covers[i] == top]
    return min(middles, key=lambda middle: abs(middle - median)), top


def _most_common(names: Iterable[str]) -> str:
    """The name that occurs most often, the first in sort order among equals."""
    counts = Counter(names)
    most = max(counts.values())
    return min(name for name, n in counts.items() if n == most)


def _median(values: list[float]) -> float:
    """polars' median: the mean of the two middle values as ``low + (high - low) * 0.5``."""
    ordered = sorted(values)
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    low, high = ordered[n // 2 - 1], ordered[n // 2]
    return low + (high - low) * 0.5


def _quantile(values: list[float], q: float) -> float:
    """polars' quantile with its default ``nearest`` interpolation."""
    ordered = sorted(values)
    return ordered[math.floor((len(ordered) - 1) * q + 0.5)]
