"""Benchmark: ``wsdiag watch`` following a busy access log — the time of each window's analysis and the
process's peak memory, while a writer appends generated Traefik lines at a steady rate:

    python bench/bench_watch.py --rate 2000 --seconds 60 --window 30

The window holds ``rate × window`` lines at most; memory must stop growing once it is full (the oldest
lines leave), however long the run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import analyzer.live.watch as live_watch
from bench.generate import write


def main() -> None:
    ap = argparse.ArgumentParser(description="watch: analysis time per window and peak memory")
    ap.add_argument("--rate", type=int, default=2000, help="lines appended per second")
    ap.add_argument("--seconds", type=float, default=60, help="how long the writer runs")
    ap.add_argument("--window", type=float, default=30, help="watch --window, in seconds")
    ap.add_argument("--interval", type=float, default=2, help="watch --interval, in seconds")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "generated.log")
        write(source, int(args.rate * args.seconds) + 1, "clf")
        followed = Path(tmp) / "traefik" / "access.log"
        followed.parent.mkdir()
        followed.write_text("")

        def writer() -> None:  # streams the generated file: the bench holds no copy of it
            per_tick = max(1, args.rate // 10)
            with open(source, encoding="utf-8") as src, followed.open("a") as fh:
                while chunk := [line for _, line in zip(range(per_tick), src, strict=False)]:
                    fh.writelines(chunk)
                    fh.flush()
                    time.sleep(0.1)

        timings: list[tuple[float, int]] = []
        original = live_watch.analyze_window

        def timed(window, names, workdir, options):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            found = original(window, names, workdir, options)
            timings.append((time.perf_counter() - t0, len(window.lines)))
            return found

        live_watch.analyze_window = timed  # type: ignore[assignment]
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        options = live_watch.WatchOptions(
            paths=(str(followed),), window=args.window, interval=args.interval, duration=args.seconds + 3
        )
        live_watch.watch(options, lambda change: print(f"  {change.kind} {change.finding.rule}"))
        thread.join()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    secs = [t for t, _ in timings]
    print(f"{len(timings)} analyses; window up to {max(n for _, n in timings):,} lines")
    print(f"analysis time: median {statistics.median(secs):.2f} s, max {max(secs):.2f} s")
    print(f"peak RSS {peak_mb:.0f} MB; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
