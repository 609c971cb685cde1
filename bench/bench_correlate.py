"""Benchmark: correlation (keys, clocks, connections) and the rules over a large multi-source event table.

Builds, with polars (no log text), 1,000,000 proxy events (Socket.IO sessions and REST noise), 200,000
backend events and 10,000 browser events, with the browser clock 7 s ahead and the backend 2 s behind,
then times ``correlate`` and ``run_rules`` and checks that the skews were recovered. Peak memory is the
process's max RSS, compared with the size of the event table.

    python bench/bench_correlate.py [--proxy 1000000 --backend 200000 --browser 10000]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime

import polars as pl

from analyzer.correlate import correlate
from analyzer.ingest import InputInfo
from analyzer.model import conform
from analyzer.rules import default_rule_dirs, load_rules, run_rules

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def build(n_proxy: int, n_backend: int, n_browser: int) -> pl.DataFrame:
    sessions = n_proxy // 5  # 3 Socket.IO requests per session + 2 REST calls
    idx = pl.int_range(0, sessions, eager=True)
    start = pl.lit(T0) + pl.duration(milliseconds=idx * 40)
    base = pl.DataFrame({"i": idx}).with_columns(
        start.alias("start"),
        ("S" + pl.col("i").cast(pl.String).str.zfill(19)).alias("sid"),
        ("10.0." + (pl.col("i") % 250).cast(pl.String) + "." + (pl.col("i") % 200 + 1).cast(pl.String)).alias(
            "client"
        ),
    )
    proxy_common = {
        "source": pl.lit("proxy"), "file": pl.lit("traefik/access.log"), "router": pl.lit("chat-ws@docker"),
        "upstream": pl.lit("http://172.18.0.3:3000"), "path": pl.lit("/socket.io/"),
    }  # fmt: skip
    hs = base.select(
        pl.col("start").alias("ts"), pl.lit("http_request").alias("kind"), pl.lit("GET").alias("method"),
        pl.lit("polling").alias("transport"), ("H" + pl.col("i").cast(pl.String)).alias("t"),
        pl.lit(200).alias("status"), pl.lit(3.0).alias("duration_ms"), "client", **proxy_common,
    )  # fmt: skip
    post = base.select(
        (pl.col("start") + pl.duration(milliseconds=20)).alias("ts"), pl.lit("http_request").alias("kind"),
        pl.lit("POST").alias("method"), pl.lit("polling").alias("transport"), "sid",
        ("P" + pl.col("i").cast(pl.String)).alias("t"), pl.lit(200).alias("status"), pl.lit(2.0).alias("duration_ms"),
        "client", **proxy_common,
    )  # fmt: skip
    life = (pl.col("i") % 3600 + 5) * 1000.0
    ws = base.select(
        (pl.col("start") + pl.duration(milliseconds=50)).alias("ts"),
        (pl.col("start") + pl.duration(milliseconds=50 + life)).alias("ts_end"), pl.lit("ws_upgrade").alias("kind"),
        pl.lit("GET").alias("method"), pl.lit("websocket").alias("transport"), "sid", pl.lit(0).alias("status"),
        life.alias("duration_ms"), "client", **proxy_common,
    )  # fmt: skip
    rest = pl.concat([
        base.select(
            (pl.col("start") + pl.duration(milliseconds=k * 7)).alias("ts"), pl.lit("http_request").alias("kind"),
            pl.lit("GET").alias("method"), pl.lit(200).alias("status"), pl.lit(12.0).alias("duration_ms"), "client",
            pl.lit("proxy").alias("source"), pl.lit("traefik/access.log").alias("file"), pl.lit("api@docker").alias("router"),
            pl.lit("http://172.18.0.4:8080").alias("upstream"), ("/api/items/" + pl.col("i").cast(pl.String)).alias("path"),
        )
        for k in (1, 2)
    ])  # fmt: skip
    nb = min(sessions, n_backend // 2)
    backend = pl.concat([
        base.head(nb).select((pl.col("start") - pl.duration(seconds=2) + pl.duration(milliseconds=1)).alias("ts"),
                             pl.lit("handshake").alias("kind"), "sid"),
        base.head(nb).select((pl.col("start") - pl.duration(seconds=2) + pl.duration(milliseconds=60)).alias("ts"),
                             pl.lit("upgrade").alias("kind"), "sid"),
    ], how="diagonal").with_columns(pl.lit("backend").alias("source"), pl.lit("backend/chat.log").alias("file"))  # fmt: skip
    nbr = min(sessions, n_browser // 2)
    browser = pl.concat([
        base.head(nbr).select((pl.col("start") + pl.duration(seconds=7)).alias("ts"), pl.lit("http_request").alias("kind"),
                              pl.lit("polling").alias("transport"), ("H" + pl.col("i").cast(pl.String)).alias("t"),
                              pl.lit(200).alias("status"), "sid"),
        base.head(nbr).select((pl.col("start") + pl.duration(seconds=7, milliseconds=49)).alias("ts"),
                              pl.lit("ws_upgrade").alias("kind"), pl.lit("websocket").alias("transport"), "sid",
                              pl.lit(101).alias("status")),
    ], how="diagonal").with_columns(pl.lit("browser").alias("source"), pl.lit("browser/session.har").alias("file"))  # fmt: skip
    frames = [hs, post, ws, rest, backend, browser]
    events = pl.concat([conform(f) for f in frames], how="vertical")
    # line numbers per file, as a parser would give them
    events = events.with_columns(pl.int_range(1, pl.len() + 1).over("file").cast(pl.UInt32).alias("line"))
    return events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proxy", type=int, default=1_000_000)
    ap.add_argument("--backend", type=int, default=200_000)
    ap.add_argument("--browser", type=int, default=10_000)
    args = ap.parse_args()
    events = build(args.proxy, args.backend, args.browser)
    counts = dict(events.group_by("source").len().rows())
    size_mb = events.estimated_size() / 1e6
    inputs = [
        InputInfo(path, source=src, format="bench", events=n)
        for path, src, n in events.group_by(["file", "source"]).len().sort("file").rows()
    ]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    result = correlate(events, inputs)
    t1 = time.perf_counter()
    rules = load_rules(default_rule_dirs())
    run = run_rules(rules, result.events, result.connections)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"events: {counts} ({size_mb:.0f} MB in memory)")
    print(
        f"correlate: {t1 - t0:.2f} s   rules ({len(rules)}): {t2 - t1:.2f} s   connections: {result.connections.height}"
    )
    print(f"peak RSS: {rss:.0f} MB (before correlation {rss0:.0f} MB; event table {size_mb:.0f} MB)")
    for info in inputs:
        print(f"  offset {info.path}: {info.clock_offset_ms:+.0f} ms (aligned={info.aligned})")
    print(f"findings: {[f.rule for f in run.findings]}")


if __name__ == "__main__":
    main()
