"""Throughput of the backend parsers on a large generated NestJS + engine.io debug log.

    .venv/bin/python bench/bench_backend.py [--lines 500000] [--rounds 3]

Writes ``bench/out/nest-engine.log`` (a NestJS app whose stderr interleaves ``DEBUG=engine*,socket.io*``
output: ConsoleLogger lines with an en-US locale, non-TTY debug lines, gateway connect/disconnect logs,
sticky-session failures and an error with its stack), then times, each in a fresh child process so peak
memory is the run's own:

- ``baseline``: polars reading the raw lines into a frame, no parsing at all;
- ``ingest``: ``analyzer.ingest.load`` on the file — sniffing, parsing, classification, times, conform.

Prints lines/s (of the file's lines; stack lines fold into their record, so there are fewer events),
wall and CPU seconds of the timed work alone (imports excluded; CPU time is steadier than wall time on a
shared machine, and above wall time when polars runs threads in parallel) and peak RSS (``resource.getrusage``), medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"

_CHILD = {
    "baseline": """
import polars as pl, time, resource, sys
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
c, t = cpu(), time.perf_counter()
frame = pl.read_csv(sys.argv[1], has_header=False, separator="\\x1f", quote_char=None, new_columns=["text"],
                    schema_overrides={"text": pl.String})
wall = time.perf_counter() - t
print(frame.height, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu() - c)
""",
    "ingest": """
import time, resource, sys
from analyzer.ingest import load, ReadOptions
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
c, t = cpu(), time.perf_counter()
result = load([sys.argv[1]], ReadOptions())
(info,) = result.inputs
assert info.source == "backend", info
wall = time.perf_counter() - t
print(info.events, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu() - c, info.unparsed_lines)
""",
}


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write a realistic mixed log of about ``lines`` lines."""
    rng = random.Random(seed)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    def sid() -> str:
        return "".join(rng.choice(alphabet) for _ in range(20))

    def nest(ms: int, level: str, ctx: str, msg: str) -> str:
        s = ms // 1000
        hh, mm, ss = 9 + s // 3600 % 12, s // 60 % 60, s % 60
        stamp = f"11/27/2025, {hh if hh <= 12 else hh - 12}:{mm:02d}:{ss:02d} {'AM' if hh < 12 else 'PM'}"
        return f"[Nest] 4120  - {stamp} {level:>7} [{ctx}] {msg} +{rng.randint(0, 40)}ms"

    def debug(ms: int, ns: str, msg: str) -> str:
        s, frac = divmod(ms, 1000)
        return f"2025-11-27T{9 + s // 3600 % 12:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{frac:03d}Z {ns} {msg}"

    written = 0
    ms = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < lines:
            ms += rng.randint(1, 40)
            engine_sid, socket_id = sid(), sid()
            t = f"P{rng.randint(10**5, 10**6 - 1)}"
            block = [
                debug(
                    ms, "engine", f'handling "GET" http request "/socket.io/?EIO=4&transport=polling&t={t}"'
                ),
                debug(ms, "engine", f'handshaking client "{engine_sid}"'),
                debug(
                    ms + 1,
                    "engine:socket",
                    f'sending packet "open" ({{"sid":"{engine_sid}","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}})',
                ),
                debug(ms + 3, "socket.io:client", "connecting to namespace /"),
                debug(ms + 3, "engine:socket", f'sending packet "message" (0{{"sid":"{socket_id}"}})'),
                nest(ms + 4, "LOG", "EventsGateway", f"Client connected: {socket_id}"),
                debug(
                    ms + 9,
                    "engine",
                    f'handling "GET" http request "/socket.io/?EIO=4&transport=websocket&sid={engine_sid}"',
                ),
            ]
            roll = rng.random()
            if roll < 0.06:
                block.append(debug(ms + 9, "engine", "bad request: unexpected transport without upgrade"))
            elif roll < 0.12:
                block.append(debug(ms + 9, "engine", f'unknown sid "{engine_sid}"'))
            else:
                block += [
                    debug(ms + 10, "engine:socket", "got upgrade packet - upgrading"),
                    debug(ms + 25000, "engine:socket", "writing ping packet - expecting pong within 20000ms"),
                    debug(ms + 25002, "engine:socket", "got pong"),
                ]
            if roll > 0.97:
                block += [
                    nest(ms + 30000, "ERROR", "WsExceptionsHandler", "Max payload size exceeded"),
                    "RangeError: Max payload size exceeded",
                    "    at Receiver.getData (/app/node_modules/ws/lib/receiver.js:388:27)",
                ]
            reason = rng.choice(["transport close", "ping timeout", "client namespace disconnect"])
            block += [
                debug(ms + 60000, "socket.io:socket", f"closing socket - reason {reason}"),
                nest(ms + 60001, "LOG", "EventsGateway", f"Client disconnected: {socket_id}"),
            ]
            fh.write("\n".join(block) + "\n")
            written += len(block)


def run(kind: str, path: Path) -> tuple[int, float, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD[kind], str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]), float(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "nest-engine.log"
    generate(path, args.lines)
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    print(f"{path}: {lines:,d} lines, {path.stat().st_size / 1e6:.0f} MB")
    results: dict[str, list[tuple[int, float, int, float]]] = {"baseline": [], "ingest": []}
    for _ in range(args.rounds):  # interleaved, so both see the same machine state
        for kind in results:
            results[kind].append(run(kind, path))
    base = statistics.median(r[1] for r in results["baseline"])
    for kind, runs in results.items():
        wall = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[3] for r in runs)
        rss = max(r[2] for r in runs) / 1024
        print(
            f"{kind:9s} {runs[0][0]:>9,d} rows  {wall:6.2f} s wall  {cpu:6.2f} s cpu  "
            f"{lines / wall:>11,.0f} lines/s  {lines / cpu:>11,.0f} lines/cpu-s  "
            f"peak RSS {rss:6.0f} MB  ({wall / base:5.1f}x baseline)"
        )
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(
            f"note: load average {load:.1f} on {os.cpu_count()} cores: wall times are inflated, CPU times hold"
        )


if __name__ == "__main__":
    main()
