"""Benchmark: parsing Traefik access logs into the typed event table, against simple baselines.

Each measurement runs in a fresh child process so its peak memory (max RSS) is its own:

- baseline `wc -l`: reading the bytes and counting lines (the floor for any parser);
- baseline `polars lines`: reading the file into a polars column of lines, no parsing;
- `wsdiag ingest`: ``analyzer.ingest.load`` — read, sniff, parse into typed columns (what ``wsdiag events`` does
  before printing).

    python bench/bench_events.py --lines 1000000            # CLF
    python bench/bench_events.py --lines 1000000 --format json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if kind == "wc":
    with open(path, "rb") as fh:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
elif kind == "polars-lines":
    import polars as pl
    from analyzer.ingest.reader import split_lines
    n = split_lines(open(path, "rb").read(), []).height
else:
    from analyzer.ingest import load
    result = load([path])
    n = result.events.height
    assert result.inputs[0].unparsed_lines == 0, result.inputs[0]
elapsed = time.perf_counter() - t0
print(json.dumps({"lines": n, "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(kind: str, path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, path], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description="Traefik access log parsing throughput and peak memory")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["clf", "json"], default="clf")
    ap.add_argument("--rounds", type=int, default=3, help="median of this many runs per measurement")
    ap.add_argument("--keep", help="write the generated log here instead of a temporary file")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import write

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, f"access.{args.format}.log")
        if not os.path.exists(path):
            write(path, args.lines, args.format)
        size_mb = os.path.getsize(path) / 1e6
        print(
            f"input: {args.lines:,} Traefik {args.format.upper()} lines, {size_mb:.0f} MB, {os.cpu_count()} cores"
        )
        print(f"{'measurement':<22}{'seconds':>9}{'lines/s':>14}{'peak MB':>10}{'peak/input':>12}")
        for kind in ("wc", "polars-lines", "wsdiag-ingest"):
            runs = sorted((measure(kind, path) for _ in range(args.rounds)), key=lambda r: r["seconds"])
            r = runs[len(runs) // 2]
            print(
                f"{kind:<22}{r['seconds']:>9.2f}{r['lines'] / r['seconds']:>14,.0f}"
                f"{r['peak_mb']:>10.0f}{r['peak_mb'] / size_mb:>11.1f}x"
            )


if __name__ == "__main__":
    main()
