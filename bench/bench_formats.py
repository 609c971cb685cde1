"""Benchmark: reading each log format into the event table, beside polars' raw read of the same file.

The lines are the recorded ones of ``sample_logs/`` repeated up to ``--lines`` (every shape a real capture
holds: polling, WebSockets at close, REST; pino-http's request logs with their headers; engine.io's
``DEBUG`` lines), one file per format. Each measurement runs in its own child process (its own peak
memory, its high-water mark): polars reading the file into a column of lines (the floor for any parser), then
``analyzer.ingest.load`` (reading, unwrapping, sniffing, parsing, times):

    python bench/bench_formats.py --lines 500000

Issue 18 asks the Traefik JSON access log for ≥ 0.5 M lines/s; the ratio column is the parse's line
rate against the raw read's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "Traefik CLF (common)": "traefik-priority-conflict/traefik/access.log",
    "Traefik JSON access log": "idle-timeout/traefik/access.log",
    "pino / pino-http JSON": "idle-timeout/backend/web.log",
    "engine.io + socket.io DEBUG": "idle-timeout/backend/chat.log",
    "nginx combined + $http_x_forwarded_for (main)": "nginx-healthy/nginx/access.log",
    "nginx ingress upstreaminfo": "nginx-idle-timeout/nginx/access.log",
    "nginx key=value (main_ext)": "nginx-upgrade-headers-missing/nginx/access.log",
    "HAProxy httplog": "haproxy-idle-timeout/haproxy/haproxy.log",
    "Caddy JSON": "caddy-healthy/caddy/access.log",
}
CHILD = r"""
import json, sys, time
if sys.argv[2] == "raw":
    import polars as pl
    t0, c0 = time.perf_counter(), time.process_time()
    frame = pl.read_csv(sys.argv[1], has_header=False, separator="\x1f", quote_char=None,
                        schema={"text": pl.String}, truncate_ragged_lines=True)
    out = {"format": "(raw read)", "events": frame.height, "unparsed": 0}
else:
    from analyzer.ingest import ReadOptions, load
    t0, c0 = time.perf_counter(), time.process_time()
    result = load([sys.argv[1]], ReadOptions())
    info = result.inputs[0]
    out = {"format": info.format, "events": result.events.height, "unparsed": info.unparsed_lines}
# VmHWM, not ru_maxrss: the latter keeps the parent's size at fork across exec
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
out.update(seconds=time.perf_counter() - t0, cpu=time.process_time() - c0, rss_mb=hwm / 1024)
print(json.dumps(out))
"""


def _run(path: Path, what: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), what], capture_output=True, text=True,
                         check=True, cwd=ROOT)  # fmt: skip
    result: dict[str, float | str] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--only", help="only the formats whose label contains this text")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; {args.lines:,} lines per file")
    print(f"{'format':48} {'MB':>5} {'raw s':>6} {'parse s':>7} {'CPU s':>6} {'lines/s':>10} "
          f"{'vs raw':>6} {'peak MB':>7}  events / unparsed")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for label, rel in SOURCES.items():
            if args.only and args.only.lower() not in label.lower():
                continue
            lines = (ROOT / "sample_logs" / rel).read_text().splitlines()
            path = Path(tmp) / f"{len(os.listdir(tmp))}-{Path(rel).name}"
            path.write_text("\n".join(itertools.islice(itertools.cycle(lines), args.lines)) + "\n")
            raw, r = _run(path, "raw"), _run(path, "load")
            rate = args.lines / float(r["seconds"])
            ratio = float(raw["seconds"]) / float(r["seconds"])
            print(f"{label:48} {path.stat().st_size / 1e6:5.0f} {raw['seconds']:6.2f} {r['seconds']:7.2f} "
                  f"{r['cpu']:6.2f} {rate:>10,.0f} {ratio:6.0%} {r['rss_mb']:7.0f}  "
                  f"{r['format']} {r['events']:,} / {r['unparsed']}")  # fmt: skip
            path.unlink()


if __name__ == "__main__":
    main()
