"""Benchmark: reading nginx, HAProxy and Caddy logs into the event table.

The lines are the recorded ones of ``sample_logs/`` repeated up to ``--lines`` (every shape a real capture
holds: polling, WebSockets at close, REST), each format in its own child process (its own peak memory):

    python bench/bench_proxies.py --lines 500000
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "nginx combined + $http_x_forwarded_for (main)": "nginx-healthy/nginx/access.log",
    "nginx ingress upstreaminfo": "nginx-idle-timeout/nginx/access.log",
    "nginx key=value (main_ext)": "nginx-upgrade-headers-missing/nginx/access.log",
    "HAProxy httplog": "haproxy-idle-timeout/haproxy/haproxy.log",
    "Caddy JSON": "caddy-healthy/caddy/access.log",
}
CHILD = r"""
import json, resource, sys, time
from analyzer.ingest import ReadOptions, load
t0 = time.perf_counter()
result = load([sys.argv[1]], ReadOptions())
dt = time.perf_counter() - t0
info = result.inputs[0]
print(json.dumps({"format": info.format, "events": result.events.height, "unparsed": info.unparsed_lines,
                  "seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, rel in SOURCES.items():
            lines = (ROOT / "sample_logs" / rel).read_text().splitlines()
            path = Path(tmp) / Path(rel).name
            path.write_text("\n".join(itertools.islice(itertools.cycle(lines), args.lines)) + "\n")
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                                 check=True, cwd=ROOT)  # fmt: skip
            r = json.loads(out.stdout)
            print(f"{label:48} {r['format']:14} {r['events']:>9,} events  {r['unparsed']} unparsed  "
                  f"{r['seconds']:6.2f} s  {r['events'] / r['seconds']:>9,.0f} lines/s  {r['rss_mb']:6.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
