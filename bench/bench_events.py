"""Benchmark, side by side in one run: polars and zcat against ``wsdiag events``, ``analyze`` and ``scan``.

One invocation generates the data (kept under ``--work`` for the next run) and measures, each in its own
process tree with its peak resident memory (the whole tree, scan's workers included, sampled every 50 ms):

On one Traefik CLF access log of ``--lines`` lines (the shape Traefik v3 writes, ``--socketio-share`` of
them Socket.IO requests):

- ``wc -l`` (reading the bytes: the floor) and **polars' raw read** (the file into a column of lines with
  polars' CSV reader, no parsing) — the baseline the other rows of this file are compared with;
- ``wsdiag events FILE --format parquet`` (read, parse, correlate, mask, write), and with ``--no-redact``;
- ``wsdiag analyze`` of that file plus a recorded scenario's own logs (``--scenario``: its Traefik,
  backend and browser logs, the generated lines starting half an hour before it).

On a rotated, gzipped archive (``gen_archive.py``: two proxies, their Traefik logs, two backends, daily
rotation over ``--days`` days, three planted incidents):

- ``zcat`` over every file, **one per file in parallel** on every core — the archive's baseline;
- ``wsdiag scan`` without a cache (cold) and again with the cache it left (warm, nothing changed);
- GoAccess and lnav over the proxy logs when Debian's packages are installed.

Peak/input divides the peak by the uncompressed input (the access log, the analyze folder) or, for the
archive, by its size on disk (gzipped). CPU s is the user + system time of the whole process tree: unlike
the wall time it hardly depends on what else the machine runs.

    python bench/bench_events.py                                   # 1 M lines, 3.6 M-line 30-day archive
    python bench/bench_events.py --lines 200000 --archive-lines 500000 --days 5 --rounds 1   # quick look

The machine's load (``uptime``) is printed before and after: other jobs make single runs noisy, so rounds
are interleaved and the median is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scan import GOACCESS_FORMAT, count_lines, log_files, measure, proxy_access_files  # noqa: E402
from gen_archive import generate as generate_archive  # noqa: E402
from generate import SOCKETIO_SHARE, write  # noqa: E402

# -P: the code measured is the one on PYTHONPATH (--code), not the current directory
WSDIAG = [sys.executable, "-P", "-m", "analyzer"]
RAW_READ = r"""
import sys, polars as pl
frame = pl.read_csv(sys.argv[1], has_header=False, separator="\x1f", quote_char=None,
                    schema={"text": pl.String}, truncate_ragged_lines=True)
print(frame.height)
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _scenario_start(scenario: Path) -> datetime:
    """When the scenario's Traefik access log starts (its first line's time)."""
    first = (scenario / "traefik" / "access.log").read_text(encoding="utf-8").splitlines()[0]
    if first.startswith("{"):
        return datetime.fromisoformat(json.loads(first)["StartUTC"].replace("Z", "+00:00"))
    return datetime.strptime(first.split("[", 1)[1].split("]", 1)[0], "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)


def prepare(work: Path, args: argparse.Namespace) -> tuple[Path, Path, Path]:
    """Generate (or reuse) the access log, the analyze folder and the archive; return their paths."""
    tag = f"{args.lines}-{args.socketio_share}"
    access = work / f"access-{tag}.log"
    folder = work / f"analyze-{tag}-{args.scenario.name}"
    archive = work / f"archive-{args.archive_lines}-{args.days}-{args.socketio_share}"
    if not folder.exists():
        start = _scenario_start(args.scenario)
        start = start.replace(minute=0, second=0) if start.minute >= 30 else start.replace(second=0)
        tmp = folder.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(args.scenario, tmp, ignore=shutil.ignore_patterns("README.md"))
        (tmp / "traefik" / "bulk").mkdir()
        write(str(tmp / "traefik" / "bulk" / "access.log"), args.lines, "clf", seed=3, start=start,
              socketio_share=args.socketio_share)  # fmt: skip
        tmp.rename(folder)
    if not access.exists():
        shutil.copyfile(folder / "traefik" / "bulk" / "access.log", access)
    if not archive.exists():
        tmp = archive.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        generate_archive(tmp, lines=args.archive_lines, days=args.days, socketio_share=args.socketio_share)
        tmp.rename(archive)
    return access, folder, archive


def main() -> None:
    ap = argparse.ArgumentParser(description="wsdiag events / analyze / scan against polars and zcat")
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines of the single access log")
    ap.add_argument("--archive-lines", type=int, default=3_600_000, help="access lines of the archive")
    ap.add_argument("--days", type=int, default=30, help="days of the archive (one rotated file a day)")
    ap.add_argument("--socketio-share", type=float, default=SOCKETIO_SHARE, help="share of Socket.IO lines")
    ap.add_argument(
        "--scenario", type=Path, default=HERE.parent / "sample_logs" / "traefik-priority-conflict"
    )
    ap.add_argument("--rounds", type=int, default=1, help="median of this many interleaved rounds")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="scan --jobs")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wsdiag-bench")
    ap.add_argument("--only", choices=["file", "archive"], help="measure only this half")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument(
        "--code",
        type=Path,
        default=HERE.parent,
        help="the wsdiag source tree to measure (another checkout: a before/after comparison)",
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    before = uptime()
    access, folder, archive = prepare(args.work, args)
    cores = os.cpu_count() or 1
    env = dict(os.environ, PYTHONPATH=str(args.code.resolve()))
    cache = Path(tempfile.mkdtemp(prefix="wsdiag-bench-cache-"))
    input_mb = os.path.getsize(access) / 1e6
    folder_files = log_files(folder)
    folder_mb = sum(os.path.getsize(f) for f in folder_files) / 1e6
    files = log_files(archive)
    archive_lines = count_lines(files)
    archive_mb = sum(os.path.getsize(f) for f in files) / 1e6
    listing = cache.with_suffix(".files")
    listing.write_text("\0".join(files) + "\0")
    devnull = os.devnull

    # (name, command, lines, input MB for peak/input, baseline group)
    cases: list[tuple[str, list[str] | str, int, float, str]] = []
    if args.only != "archive":
        n = args.lines
        cases += [
            ("wc -l", ["wc", "-l", str(access)], n, input_mb, "file"),
            ("polars raw read", [sys.executable, "-c", RAW_READ, str(access)], n, input_mb, "file"),
            ("wsdiag events (parquet)",
             f"{' '.join(WSDIAG)} events -q {access} --format parquet > {devnull}", n, input_mb, "file"),
            ("wsdiag events --no-redact",
             f"{' '.join(WSDIAG)} events -q {access} --no-redact --format parquet > {devnull}", n, input_mb, "file"),
            ("wsdiag analyze (+ scenario logs)",
             [*WSDIAG, "analyze", "-q", str(folder), "--format", "json", "-o", devnull], n, folder_mb, "file"),
        ]  # fmt: skip
    if args.only != "file":
        scan = [*WSDIAG, "scan", str(archive), "-q", "--format", "json", "-o", devnull, "-j", str(args.jobs)]
        cases += [
            (f"zcat parallel ({cores} cores)",
             f"xargs -0 -P {cores} -n 1 sh -c 'zcat -f \"$0\" | wc -l' < {listing}", archive_lines, archive_mb,
             "archive"),
            ("wsdiag scan, cold", [*scan, "--no-cache", "--cache-dir", str(cache)], archive_lines, archive_mb,
             "archive"),
            # fills the cache the warm run reads (not reported)
            ("", [*scan, "--cache-dir", str(cache)], archive_lines, archive_mb, "archive"),
            ("wsdiag scan, warm (cached)", [*scan, "--cache-dir", str(cache)], archive_lines, archive_mb,
             "archive"),
        ]  # fmt: skip
        proxy = proxy_access_files(archive)
        if shutil.which("goaccess"):
            cmd = (f"zcat -f {' '.join(proxy)} | goaccess - --log-format='{GOACCESS_FORMAT}' "
                   f"--date-format=%d/%b/%Y --time-format=%T -o {cache}/goaccess.json --no-progress")  # fmt: skip
            cases.append(("GoAccess (proxy logs)", cmd, count_lines(proxy), archive_mb, "archive"))
        if shutil.which("lnav"):
            sql = ";SELECT sc_status, count(*) FROM access_log GROUP BY sc_status"
            cases.append(("lnav GROUP BY status (proxy logs)", ["lnav", "-n", "-c", sql, *proxy],
                          count_lines(proxy), archive_mb, "archive"))  # fmt: skip

    rows: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(args.rounds):
        for name, cmd, _n, _mb, _group in cases:
            # CPU seconds of the whole tree (children reaped): what the run cost, however loaded the machine
            before_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, peak, _ = measure(cmd, env=env)
            after_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime)
            rows.setdefault(name, []).append((wall, peak, cpu))
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
    after = uptime()

    print(
        f"single file: {access} — {args.lines:,} Traefik CLF lines, {input_mb:,.0f} MB, "
        f"{args.socketio_share:.0%} Socket.IO; analyze folder {folder_mb:,.0f} MB ({len(folder_files)} files)"
    )
    print(f"archive: {archive} — {len(files)} files, {archive_lines:,} lines, {archive_mb:,.0f} MB on disk")
    print(f"code: {args.code.resolve()}; {cores} cores; median of {args.rounds} round(s)")
    print(f"load before: {before}")
    print(f"load after:  {after}\n")
    header = f"| {'measurement':<36} | {'lines':>10} | {'wall s':>7} | {'CPU s':>7} | {'lines/s':>11} | "
    print(header + f"{'peak MB':>8} | {'peak/input':>10} | {'vs baseline':>11} |")
    print("|" + "|".join("-" * (w + 2) for w in (36, 10, 7, 7, 11, 8, 10, 11)) + "|")
    baseline: dict[str, float] = {}
    out = []
    for name, _cmd, n, mb, group in cases:
        if not name:
            continue
        runs = rows[name]
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        rate = n / wall
        if name in ("polars raw read",) or name.startswith("zcat parallel"):
            baseline[group] = rate
        rel = f"{rate / baseline[group]:.0%}" if group in baseline else ""
        print(f"| {name:<36} | {n:>10,} | {wall:>7.2f} | {cpu:>7.2f} | {rate:>11,.0f} | {peak:>8.0f} | "
              f"{peak / mb:>9.1f}x | {rel:>11} |")  # fmt: skip
        out.append(dict(name=name, lines=n, wall=wall, cpu=cpu, rate=rate, peak_mb=peak, input_mb=mb,
                        vs_baseline=rel))  # fmt: skip
    print("\nall rounds (wall s):", {k: [round(r[0], 2) for r in v] for k, v in rows.items() if k})
    if args.json:
        args.json.write_text(json.dumps({"load_before": before, "load_after": after, "rows": out}, indent=1))
    shutil.rmtree(cache, ignore_errors=True)
    listing.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
