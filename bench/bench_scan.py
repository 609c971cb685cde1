"""Benchmark ``wsdiag scan`` over a generated archive against decompression and the peers, in one table.

Measured on the same files, each in its own process tree, with the peak memory of the whole tree (the
scan's worker processes included; sampled from /proc every 50 ms):

- ``zcat | wc -l``, one core, over every file of the archive (plain files pass through ``zcat -f``);
- the same with one ``zcat`` per file, as many at once as there are cores (``xargs -P``);
- ``wsdiag scan`` without cache (every file decompressed, parsed, stored; every window analysed); again
  with the cache it left (nothing changed: what a re-scan costs at least); and after the live logs
  changed (they are re-read, and the windows that read them re-analysed: the nightly case). The rate of
  the cached runs is the archive's lines over the wall time, as if they had been read;
- GoAccess (Traefik CLF log-format, reading ``zcat`` of the proxy logs) and lnav (headless SQL
  ``count(*)`` and ``GROUP BY`` status), where Debian's packages are installed. GoAccess is slow, so it
  reads a prefix of the proxy files (``--peer-lines``) and its rate is reported.
- with ``--small``: ``wsdiag scan`` of an archive ten times smaller (same traffic per day, a tenth of the
  days): the peak memory must not grow with the archive.

    python bench/gen_archive.py --lines 5000000 --days 30 -o /tmp/archive
    python bench/bench_scan.py /tmp/archive --small /tmp/archive-3d --rounds 3

Rounds are interleaved and the median is reported: other jobs on the machine make single runs noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WSDIAG = [sys.executable, "-m", "analyzer"]
GOACCESS_FORMAT = '%h %^ %e [%d:%t %^] "%r" %s %b "%R" "%u" %^ "%v" "%^" %Lms'


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo += _children(p)
    return total / 1024


def measure(cmd: list[str] | str, *, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak tree RSS MB, stdout)."""
    peak = 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, shell=isinstance(cmd, str), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd!r} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, peak, out


def log_files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def proxy_access_files(root: Path) -> list[str]:
    """Proxy access logs, oldest first (access.log.N.gz with N descending, then access.log)."""

    def age(p: Path) -> int:
        parts = p.name.split(".")
        return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0

    return [str(p) for p in sorted(root.glob("proxy-*/access.log*"), key=lambda p: (-age(p), str(p)))]


def count_lines(files: list[str]) -> int:
    out = subprocess.run(
        ["sh", "-c", 'zcat -f "$@" | wc -l', "sh", *files], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description="wsdiag scan throughput and memory against zcat, GoAccess, lnav")
    ap.add_argument("archive", type=Path)
    ap.add_argument("--small", type=Path, help="an archive 10x smaller, for the memory comparison")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--peer-lines", type=int, default=500_000, help="proxy lines GoAccess reads (it is slow)")
    ap.add_argument("--skip-peers", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    cache = Path(tempfile.mkdtemp(prefix="wsdiag-bench-cache-"))
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    scan = [*WSDIAG, "scan", str(args.archive), "-q", "--format", "json", "-j", str(args.jobs)]
    # A first scan fills the cache and says which files wsdiag reads: rates count only those lines (a
    # file of an unknown format is sniffed from its head and skipped, so zcat is not given it either).
    first = subprocess.run(
        [*scan, "--cache-dir", str(cache)], env=env, check=False, capture_output=True, text=True
    )
    report = json.loads(first.stdout)
    # inputs are shown relative to the folder scanned
    skipped = sorted({str(args.archive / i["path"]) for i in report["inputs"] if i.get("error")})
    reasons = sorted({i["error"] for i in report["inputs"] if i.get("error")})
    files = sorted({str(args.archive / i["path"]) for i in report["inputs"] if not i.get("error")})
    lines = count_lines(files)
    proxy = proxy_access_files(args.archive)
    proxy_lines = count_lines(proxy)
    size = sum(os.path.getsize(f) for f in files)
    print(f"archive: {args.archive}: {len(files)} files read by wsdiag ({size / 1e6:,.0f} MB on disk, "
          f"{lines:,} lines, {proxy_lines:,} of them Traefik access lines); {len(skipped)} skipped "
          f"({'; '.join(reasons) or '-'}); {cores} cores; median of {args.rounds} round(s)")  # fmt: skip
    print("incidents: " + "; ".join(f"{i['rule']} {i['start']} → {i['end']}" for i in report["incidents"]))
    listing = Path(cache.parent, cache.name + ".files")
    listing.write_text("\0".join(files) + "\0")
    scan = [*scan, "-o", os.devnull]
    rows: dict[str, list[tuple[float, float]]] = {}
    cases: list[tuple[str, list[str] | str, int]] = [
        ("zcat | wc -l (1 core)", ["sh", "-c", 'zcat -f "$@" | wc -l', "sh", *files], lines),
        (f"zcat parallel ({cores} cores)",
         f"xargs -0 -P {cores} -n 1 sh -c 'zcat -f \"$0\" | wc -l' < {listing}", lines),
        ("wsdiag scan, no cache", [*scan, "--no-cache", "--cache-dir", str(cache)], lines),
        ("wsdiag scan, cached", [*scan, "--cache-dir", str(cache)], lines),
        # the nightly case: the live logs changed since the last scan (touched: new mtime), all else cached
        ("wsdiag scan, live logs changed",
         ["sh", "-c", 'touch "$0"/proxy-*/access.log && exec "$@"', str(args.archive), *scan, "--cache-dir", str(cache)],
         lines),
    ]  # fmt: skip
    if args.small:
        unread = {os.path.relpath(f, args.archive) for f in skipped}
        small_files = [f for f in log_files(args.small) if os.path.relpath(f, args.small) not in unread]
        cases.append(("wsdiag scan, 1/10 archive", [*WSDIAG, "scan", str(args.small), "-q", "--format", "json",
                      "-o", os.devnull, "-j", str(args.jobs), "--no-cache", "--cache-dir", str(cache)],
                      count_lines(small_files)))  # fmt: skip
    for _ in range(args.rounds):
        for name, cmd, _n in cases:
            wall, peak, _ = measure(cmd, env=env)
            rows.setdefault(name, []).append((wall, peak))

    peers: list[tuple[str, float, float, int]] = []
    if not args.skip_peers and shutil.which("goaccess"):
        prefix, n = [], 0
        for f in proxy:
            prefix.append(f)
            n = count_lines(prefix)
            if n >= args.peer_lines:
                break
        out = Path(cache, "goaccess.json")
        cmd = (f"zcat -f {' '.join(prefix)} | goaccess - --log-format='{GOACCESS_FORMAT}' "
               f"--date-format=%d/%b/%Y --time-format=%T -o {out} --no-progress")  # fmt: skip
        wall, peak, _ = measure(cmd)
        peers.append(("GoAccess 1.7 (Traefik CLF)", wall, peak, n))
    if not args.skip_peers and shutil.which("lnav"):
        home = Path(cache, "lnav-home")
        home.mkdir(exist_ok=True)
        lenv = dict(os.environ, HOME=str(home))
        for label, sql in (
            ("lnav headless count(*)", "SELECT count(*) FROM access_log"),
            ("lnav GROUP BY status", "SELECT sc_status, count(*) FROM access_log GROUP BY sc_status"),
        ):
            times = [measure(["lnav", "-n", "-c", f";{sql}", *proxy], env=lenv) for _ in range(args.rounds)]
            wall = statistics.median(t[0] for t in times)
            peak = max(t[1] for t in times)
            peers.append((label, wall, peak, proxy_lines))

    parallel_rate = None
    print(f"\n{'measurement':<32}{'lines':>12}{'wall s':>9}{'lines/s':>13}{'peak MB':>9}{'vs zcat ‖':>11}")
    for name, _cmd, n in cases:
        runs = rows[name]
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        rate = n / wall
        if name.startswith("zcat parallel"):
            parallel_rate = rate
        rel = f"{rate / parallel_rate:>10.0%}" if parallel_rate else f"{'':>10}"
        print(f"{name:<32}{n:>12,}{wall:>9.2f}{rate:>13,.0f}{peak:>9.0f}{rel}")
    for name, wall, peak, n in peers:
        rate = n / wall
        rel = f"{rate / parallel_rate:>10.1%}" if parallel_rate else ""
        print(f"{name:<32}{n:>12,}{wall:>9.2f}{rate:>13,.0f}{peak:>9.0f}{rel}")
    walls = {name: [f"{r[0]:.2f}" for r in runs] for name, runs in rows.items()}
    print("\nall rounds (wall s):", walls)
    shutil.rmtree(cache, ignore_errors=True)
    listing.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
