"""Benchmark: the HTML report of a large capture — how long rendering takes and how big the page is.

Generates a Traefik CLF capture (or takes one), runs the analysis once, then times ``render_html`` alone
(the analysis is what ``wsdiag analyze`` costs whatever the format) and reports the page's size, raw and
gzipped (ticket systems usually store attachments compressed):

    python bench/bench_html.py --lines 1000000 -o /tmp/report.html
    python bench/bench_html.py --log /tmp/big.log -o /tmp/report.html
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.analysis import analyze
from analyzer.report.html import render_html
from bench.generate import write


def main() -> None:
    ap = argparse.ArgumentParser(description="HTML report render time and size for a large capture")
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines to generate (without --log)")
    ap.add_argument("--log", help="an existing log to analyze instead of a generated one")
    ap.add_argument("--rounds", type=int, default=3, help="render this many times, report the best")
    ap.add_argument("-o", "--output", help="keep the page here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        log = args.log or os.path.join(tmp, "access.log")
        if not args.log:
            write(log, args.lines, "clf")
        t0 = time.perf_counter()
        analysis = analyze([log])
        analyzed = time.perf_counter() - t0
    renders = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        page = render_html(analysis)
        renders.append(time.perf_counter() - t0)
    data = page.encode("utf-8")
    if args.output:
        Path(args.output).write_bytes(data)
    print(f"events {analysis.events.height:,}, connections {analysis.connections.height:,}, "
          f"findings {len(analysis.findings)}")  # fmt: skip
    print(f"analysis {analyzed:.1f} s; render_html best of {args.rounds}: {min(renders) * 1000:.0f} ms")
    print(f"page {len(data) / 1024:.0f} KiB ({len(gzip.compress(data)) / 1024:.0f} KiB gzipped)")


if __name__ == "__main__":
    main()
