"""Benchmark many small files: ``wsdiag analyze`` and ``wsdiag scan`` (cold and warm) over N small logs.

What a ticket-sized collection of per-container, per-pod or per-day logs looks like: ``--files`` files in
folders of a hundred, three quarters of them Traefik CLF access logs of ``--lines`` lines each (a
different hour for each file) and a quarter engine.io debug
logs of the same size, their times spread over ``--days`` (a week: 168 one-hour windows for the scan).
The baseline in the same run is ``cat`` of every file (one process, what reading
the bytes costs) and polars reading them as one CSV column. Issue 16's target: 20,000 files analysed and
scanned in well under a minute.

    python bench/bench_many_files.py --files 20000 --lines 20
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scan import WSDIAG, measure  # noqa: E402
from generate import clf_line, requests  # noqa: E402

_ENGINE = [
    '{ts} engine handshaking client "{sid}"',
    '{ts} engine:socket sending packet "open" ("{{\\"sid\\":\\"{sid}\\",\\"upgrades\\":[\\"websocket\\"],'
    '\\"pingInterval\\":25000,\\"pingTimeout\\":20000,\\"maxPayload\\":1000000}}")',
    "{ts} engine:socket flushing buffer to transport",
    "{ts} engine:socket writing ping packet - expecting pong within 20000ms",
    '{ts} engine:socket received packet "pong"',
    "{ts} engine:socket closing socket - reason transport close",
]


def _engine_lines(rng: random.Random, start: datetime, n: int) -> list[str]:
    out: list[str] = []
    now = start
    while len(out) < n:
        sid = "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20)
        )
        for shape in _ENGINE:
            now += timedelta(milliseconds=rng.randint(1, 3000))
            out.append(
                shape.format(
                    ts=now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z", sid=sid
                )
            )
    return out[:n]


def generate(root: Path, files: int, lines: int, *, days: int = 7, seed: int = 1) -> int:
    """Write the collection (files spread over ``days``, one hour each); return the lines written."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    total = 0
    for i in range(files):
        folder = root / f"host-{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        hour = start + timedelta(hours=i % (24 * days), minutes=rng.randint(0, 30))
        if i % 4 == 3:
            text = _engine_lines(rng, hour, lines)
            name = folder / f"backend-{i}.log"
        else:
            text = [clf_line(r) for r in requests(lines, seed=seed * 100_003 + i, start=hour)]
            name = folder / f"access-{i}.log"
        name.write_text("\n".join(text) + "\n", encoding="utf-8")
        total += len(text)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--days", type=int, default=7, help="the files' times spread over this many days")
    ap.add_argument("--keep", type=Path, help="generate into this folder (reused when it exists)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="wsdiag-many-"))
    if not (root.exists() and any(root.iterdir())):
        clock = time.perf_counter()
        n = generate(root, args.files, args.lines, days=args.days)
        print(f"generated {args.files} files, {n} lines in {time.perf_counter() - clock:.1f} s under {root}")
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    cache = Path(tempfile.mkdtemp(prefix="wsdiag-many-cache-"))
    paths = sorted(str(p) for p in root.rglob("*.log"))
    rows: list[tuple[str, float, float]] = []
    cat = measure(["sh", "-c", f"find {root} -name '*.log' -print0 | xargs -0 cat | wc -l"])
    rows.append(("cat of every file", cat[0], cat[1]))
    code = (
        "import polars as pl, sys; fs=sys.argv[1:];"
        "print(sum(pl.read_csv(f, has_header=False, separator='\\x1f', quote_char=None).height for f in fs))"
    )
    rows.append(("polars read_csv per file", *measure([sys.executable, "-c", code, *paths])[:2]))
    analyze = [*WSDIAG, "analyze", str(root), "--format", "json", "-q"]
    rows.append(("wsdiag analyze", *measure(analyze, env=env)[:2]))
    scan = [*WSDIAG, "scan", str(root), "--format", "json", "-q", "--cache-dir", str(cache)]
    rows.append(("wsdiag scan (cold)", *measure(scan, env=env)[:2]))
    rows.append(("wsdiag scan (warm)", *measure(scan, env=env)[:2]))
    load = os.getloadavg()
    print(f"{len(paths)} files; cores {os.cpu_count()}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'what':28} {'wall s':>8} {'peak MB':>8} {'files/s':>9}")
    for name, wall, peak in rows:
        print(f"{name:28} {wall:8.2f} {peak:8.0f} {len(paths) / wall:9.0f}")
    shutil.rmtree(cache, ignore_errors=True)
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
