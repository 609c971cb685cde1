"""Fault injection for ``wsdiag scan``: whatever goes wrong, a report is the clean run's, or a clear error.

On a generated archive (``gen_archive.py``), the clean report is the one of a scan without a cache. Then,
round after round, faults are injected and the scan is run again as a user would (a subprocess of
``python -m analyzer scan … --format json``); each outcome is one of:

- ``same``: exit 0 and a report byte-identical to the clean one;
- ``error``: exit 2 with one ``wsdiag: error: …`` line on stderr (no traceback, no internal error);
- ``BAD``: anything else — a different report with exit 0, a traceback, a hang. The script fails.

(``changed`` counts the scans during which copytruncate rotated a file: their data changed under them.)

Faults: ``kill`` (SIGKILL of the scan at a random moment, its workers checked gone, then a rescan),
``corrupt`` (a random part, pack, manifest or window result of the cache flipped, cut, emptied, deleted,
replaced with garbage, or swapped with another of its kind), ``copytruncate`` (logrotate's copytruncate
of a live file while a scan runs; after it, a scan with the cache must report what a scan without one
reports on the rotated archive), ``concurrent`` (three scans at once on one cache), ``fullfs`` (the cache
on a tmpfs too small for it; needs root: ``mount -t tmpfs``).

    python bench/fault_inject.py --rounds 5                 # every fault, 5 rounds each
    python bench/fault_inject.py --faults kill,corrupt --rounds 20 --seed 3
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT = Path(__file__).resolve().parents[1]
#: A scan that takes longer than this is a hang.
TIMEOUT = 600


@dataclass
class Run:
    """One scan as a subprocess: its exit code, stderr and report."""

    code: int
    stderr: str
    report: bytes | None

    def verdict(self, clean: bytes) -> str:
        if self.code == 0 and self.report == clean:
            return "same"
        lines = [ln for ln in self.stderr.splitlines() if ln.strip()]
        clear = (
            self.code == 2
            and lines
            and lines[-1].startswith("wsdiag: error: ")
            and "Traceback" not in self.stderr
            and "internal error" not in self.stderr
        )
        return "error" if clear else "BAD"


def scan_command(archive: Path, cache: Path | None, out: Path, jobs: int = 2) -> list[str]:
    cache_args = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    return [sys.executable, "-m", "analyzer", "scan", str(archive), "--format", "json", "-o", str(out), "-q",
            "-j", str(jobs), *cache_args]  # fmt: skip


def scan(archive: Path, cache: Path | None, out: Path, jobs: int = 2) -> Run:
    out.unlink(missing_ok=True)
    done = subprocess.run(
        scan_command(archive, cache, out, jobs),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return Run(done.returncode, done.stderr, out.read_bytes() if out.exists() else None)


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split()[2] not in ("Z", "X")
    except (OSError, IndexError):
        return False


# -- faults ----------------------------------------------------------------------------------------------


def fault_kill(rng: random.Random, archive: Path, cache: Path, work: Path, clean: bytes) -> list[str]:
    """SIGKILL a scan at a random moment; its workers must go; the next scan must be clean."""
    out = work / "killed.json"
    proc = subprocess.Popen(
        scan_command(archive, cache, out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + rng.uniform(0.5, 8.0)
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers.update(_children(proc.pid))
        time.sleep(0.05)
    outcomes = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone = time.monotonic() + 30
        while time.monotonic() < gone and any(_alive(w) for w in workers):
            time.sleep(0.2)
        if any(_alive(w) for w in workers):
            outcomes.append("BAD")
            print(
                f"  kill: workers {sorted(w for w in workers if _alive(w))} outlived their scan",
                file=sys.stderr,
            )
            for w in workers:
                if _alive(w):
                    os.kill(w, signal.SIGKILL)
    outcomes.append(_check("kill", scan(archive, cache, work / "after-kill.json"), clean))
    return outcomes


def _cache_files(cache: Path) -> dict[str, list[Path]]:
    return {
        "part": sorted(cache.glob("*/*/part-*.parquet")),
        "pack": sorted(cache.glob("packs/*/*.parquet")),
        "manifest": sorted(cache.glob("*/*/manifest.json")),
        "window": sorted(cache.glob("windows/*/*.json")),
    }


def _corrupt_one(rng: random.Random, cache: Path) -> str:
    kinds = {k: v for k, v in _cache_files(cache).items() if v}
    if not kinds:
        return "nothing to corrupt"
    kind = rng.choice(sorted(kinds))
    target = rng.choice(kinds[kind])
    how = rng.choice(["flip", "cut", "empty", "delete", "garbage", "swap"])
    data = target.read_bytes()
    if how == "flip" and data:
        pos = rng.randrange(len(data))
        target.write_bytes(data[:pos] + bytes([data[pos] ^ (1 << rng.randrange(8))]) + data[pos + 1 :])
    elif how == "cut":
        target.write_bytes(data[: rng.randrange(len(data) + 1)])
    elif how == "empty":
        target.write_bytes(b"")
    elif how == "delete":
        target.unlink()
    elif how == "garbage":
        target.write_bytes(rng.randbytes(rng.randrange(1, 4096)))
    elif how == "swap" and len(kinds[kind]) > 1:
        other = rng.choice([p for p in kinds[kind] if p != target])
        tmp = target.with_name(".swap")
        target.rename(tmp)
        other.rename(target)
        tmp.rename(other)
    if kind in ("part", "pack") and rng.random() < 0.7:
        shutil.rmtree(cache / "windows", ignore_errors=True)  # so that the part is read again
    return f"{how} {kind} {target.relative_to(cache)}"


def fault_corrupt(rng: random.Random, archive: Path, cache: Path, work: Path, clean: bytes) -> list[str]:
    """Damage the cache at random; the next scan must be clean or a clear error, and the one after clean."""
    if not _cache_files(cache)["manifest"]:
        scan(archive, cache, work / "warm.json")
    what = [_corrupt_one(rng, cache) for _ in range(rng.randrange(1, 4))]
    first = _check(f"corrupt ({'; '.join(what)})", scan(archive, cache, work / "corrupt.json"), clean)
    second = _check(
        "corrupt, scanned again", scan(archive, cache, work / "corrupt2.json"), clean, same_only=True
    )
    return [first, second]


def fault_copytruncate(rng: random.Random, archive: Path, cache: Path, work: Path, clean: bytes) -> list[str]:
    """Rotate a live file by copytruncate during a scan; then a cached scan must equal an uncached one."""
    rotated = work / "rotated"
    shutil.rmtree(rotated, ignore_errors=True)
    shutil.copytree(archive, rotated, symlinks=True)
    lives = sorted(p for p in rotated.rglob("*.log") if p.stat().st_size)
    live = rng.choice(lives)
    tail = live.read_bytes().splitlines(keepends=True)[-rng.randrange(1, 20) :]

    def rotate() -> None:
        time.sleep(rng.uniform(0.0, 3.0))
        target = live.with_name(live.name + ".1")
        if target.exists():
            target = live.with_name(live.name + ".0")
        shutil.copy2(live, target)  # copy keeping the mtime, as logrotate's copytruncate does
        with live.open("r+b") as fh:
            fh.truncate(0)
            fh.writelines(tail)

    rotation = threading.Thread(target=rotate)
    rotation.start()
    during = scan(rotated, cache, work / "during.json")
    rotation.join()
    # the data changed while that scan ran: any report it gives is its own, but it must not fail badly
    outcomes = ["changed" if during.code == 0 else _check("copytruncate, during", during, b"")]
    after = scan(rotated, cache, work / "after.json")
    fresh = scan(rotated, None, work / "fresh.json")
    if fresh.code != 0 or fresh.report is None:
        outcomes.append("BAD")
        print(f"  copytruncate: the uncached scan failed: {fresh.stderr[-500:]}", file=sys.stderr)
    else:
        outcomes.append(_check(f"copytruncate of {live.relative_to(rotated)}", after, fresh.report))
    return outcomes


def fault_concurrent(rng: random.Random, archive: Path, cache: Path, work: Path, clean: bytes) -> list[str]:
    """Three scans at once on one cache (fresh or warm)."""
    if rng.random() < 0.5:
        shutil.rmtree(cache, ignore_errors=True)
    outs = [work / f"concurrent-{i}.json" for i in range(3)]
    procs = [
        subprocess.Popen(
            scan_command(archive, cache, out, jobs=1),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for out in outs
    ]
    results = []
    for proc, out in zip(procs, outs, strict=True):
        _, stderr = proc.communicate(timeout=TIMEOUT)
        results.append(
            _check(
                "concurrent", Run(proc.returncode, stderr, out.read_bytes() if out.exists() else None), clean
            )
        )
    return results


def fault_fullfs(rng: random.Random, archive: Path, cache: Path, work: Path, clean: bytes) -> list[str]:
    """The cache on a tmpfs too small for it: a clear error (or, if it fits, the clean report)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return []
    device = work / "tmpfs"
    device.mkdir(exist_ok=True)
    size = rng.choice(["64k", "256k", "1m", "2m", "4m"])
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(device)]).returncode != 0:
        return []
    try:
        return [_check(f"full tmpfs ({size})", scan(archive, device / "cache", work / "full.json"), clean)]
    finally:
        subprocess.run(["umount", "-l", str(device)])


FAULTS = {
    "kill": fault_kill,
    "corrupt": fault_corrupt,
    "copytruncate": fault_copytruncate,
    "concurrent": fault_concurrent,
    "fullfs": fault_fullfs,
}


def _check(what: str, run: Run, clean: bytes, *, same_only: bool = False) -> str:
    verdict = run.verdict(clean)
    if same_only and verdict != "same":
        verdict = "BAD"
    if verdict == "BAD":
        print(f"  BAD after {what}: exit {run.code}, stderr: {run.stderr[-800:]!r}", file=sys.stderr)
    return verdict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds of each fault")
    ap.add_argument(
        "--faults", default=",".join(FAULTS), help="comma-separated subset of " + ", ".join(FAULTS)
    )
    ap.add_argument("--lines", type=int, default=30_000, help="access lines of the generated archive")
    ap.add_argument(
        "--small-files", type=int, default=200,
        help="small logs added beside it (parsed many at a time: their cache entries share packs)",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = ap.parse_args()
    from gen_archive import generate

    rng = random.Random(args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="wsdiag-faults-"))
    archive = work / "archive"
    if not archive.exists():
        generate(archive, lines=args.lines, days=3, seed=args.seed)
        if args.small_files:
            from bench_many_files import generate as generate_small

            generate_small(archive / "small", args.small_files, 20, days=3, seed=args.seed)
    clean_run = scan(archive, None, work / "clean.json")
    assert clean_run.code == 0 and clean_run.report is not None, clean_run.stderr
    clean = clean_run.report
    cache = work / "cache"
    tally: dict[str, Counter[str]] = {name: Counter() for name in args.faults.split(",")}
    started = time.monotonic()
    for round_ in range(args.rounds):
        for name in tally:
            outcomes = FAULTS[name](rng, archive, cache, work, clean)
            tally[name].update(outcomes)
            print(f"round {round_ + 1} {name}: {', '.join(outcomes) or 'skipped'}", flush=True)
    print(f"\n{'fault':<14}{'scans':>7}{'same':>7}{'error':>7}{'changed':>9}{'BAD':>6}   "
          f"({time.monotonic() - started:.0f} s, seed {args.seed})")  # fmt: skip
    for name, counts in tally.items():
        total = sum(counts.values())
        print(
            f"{name:<14}{total:>7}{counts['same']:>7}{counts['error']:>7}{counts['changed']:>9}{counts['BAD']:>6}"
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if any(c["BAD"] for c in tally.values()) else 0)


if __name__ == "__main__":
    main()
