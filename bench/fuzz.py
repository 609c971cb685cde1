"""Fuzz campaign over the whole pipeline: hostile, broken and odd inputs must never crash it or hang it.

Each input is a folder of one to four files built from real line shapes of every supported format,
mutated (bytes flipped, cut, quotes and NULs inserted, invalid UTF-8, Latin-1, CRLF), mixed with
random bytes, empty files, huge lines, truncated and concatenated gzip members, JSON lines with wrong
types, wide and deeply nested JSON, huge integers, long repeats of the shapes the masking patterns look
for, HAR documents that are not JSON, are cut short or carry nested frames, and file names with terminal
escapes and bidi overrides. ``analyze`` runs in-process on each and its reports are rendered through the
same door as the CLI's (JSON for every input, every format for one in ten): the only acceptable failure is
``NoInputError`` (nothing readable), which the CLI turns into exit 2. Anything else is a crash; an input
that takes longer than ``--timeout`` is a hang. Either is kept under ``--crashes`` and the campaign fails.

Input ``i`` of seed ``s`` is always the same folder (its generator is seeded with ``(s, i)``), so any
finding is reproduced with ``--seed s --only i``. ``--workers`` processes share the inputs.

    python bench/fuzz.py --inputs 100000 --workers 2 --seed 1     # the long campaign (a few hours)
    python bench/fuzz.py --minutes 30
    python bench/fuzz.py --inputs 50 --seed 7                     # what the test suite runs (smaller)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHAPES = [
    # Traefik access log, CLF and JSON; Traefik's own log
    '10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /socket.io/?EIO=4&transport=polling&t=P1 HTTP/1.1" 404 149 "-"'
    ' "Mozilla/5.0" 7 "api@file" "http://127.0.0.1:4000" 2ms',
    '10.0.0.1 - - [25/Nov/2026:10:00:01 +0000] "GET /socket.io/?EIO=4&transport=websocket&sid=abcdefghijklmnopqrst'
    ' HTTP/1.1" 0 0 "-" "-" 8 "chat@file" "http://127.0.0.1:3000" 60012ms',
    '{"ClientHost":"10.0.0.2","DownstreamStatus":400,"Duration":2000000,"RequestMethod":"GET","RequestPath":'
    '"/socket.io/?EIO=4&transport=websocket&sid=S1","RouterName":"chat@file","ServiceURL":"http://127.0.0.1:3000",'
    '"StartUTC":"2026-11-25T10:00:02.1Z","request_User-Agent":"x"}',
    "2026-11-25T10:00:03Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:199 > 502 Bad Gateway"
    ' error="dial tcp 127.0.0.1:3001: connect: connection refused"',
    # backends
    "2026-11-25T10:00:04.000Z engine:socket closing socket - reason ping timeout",
    '2026-11-25T10:00:04.100Z engine handshaking client "Qm1x2Yz3AbCdEfGhAAAD"',
    "[Nest] 4242  - 11/25/2026, 10:00:05 AM     LOG [EventsGateway] Client connected: Qm1x2Yz3AbCdEfGhAAAD +2ms",
    '{"level":30,"time":1795644005000,"pid":1,"msg":"request completed","req":{"url":"/socket.io/?EIO=4"}}',
    'INFO:     127.0.0.1:0 - "WebSocket /socket.io/?EIO=4&transport=websocket" 403',
    "Invalid session Qm1x2Yz3AbCdEfGhAAAD (further occurrences of this error will be logged with level INFO)",
    "WebSocket REJECT /ws/chat/ [127.0.0.1:51234]",
    "2026/11/25 10:00:06 websocket: the client is not using the websocket protocol: 'upgrade' token not found",
    # browser
    "10:00:07.123 socket.io.js:1 WebSocket connection to 'wss://api.example.test/socket.io/?EIO=4&transport=websocket'"
    " failed: ",
    "10:00:07.200 (index):1 Access to XMLHttpRequest at 'https://api.example.test/socket.io/?EIO=4&transport=polling"
    "&t=P2' from origin 'https://app.example.test' has been blocked by CORS policy",
    '[123:456:1125/100008.123456:INFO:CONSOLE:8] "connect_error xhr poll error", source: https://app.example.test/app.js (8)',
    "[ERROR] WebSocket connection to 'ws://localhost:3000/' failed: (at http://localhost:3000/app.js:10:5)",
    # configuration
    "services:\n  api:\n    labels:\n      - traefik.http.routers.api.rule=Host(`api.example.test`)",
]
NOISE = [
    '"',
    "\\",
    "\x00",
    "\ufffd",
    "é",
    "🙂",
    "\x1b[31m",
    "\r",
    "{",
    "}",
    "[",
    "]",
    "%",
    "\u2028",
    "'",
    "`",
    "&sid=",
]


def mutate(line: str, rng: random.Random) -> str:
    ops: list[Callable[[str], str]] = [
        lambda s: s,
        lambda s: s[: rng.randrange(len(s) + 1)],
        lambda s: s[rng.randrange(len(s) + 1) :],
        lambda s: "".join(c if rng.random() > 0.05 else rng.choice(NOISE) for c in s),
        lambda s: s.replace(" ", rng.choice(["  ", "\t", "", '" '])),
        lambda s: s + rng.choice(NOISE) * rng.randrange(1, 50),
        lambda s: rng.choice(NOISE).join(s.split(rng.choice([" ", '"', ":", "/"]))),
    ]
    return rng.choice(ops)(line)


def text_file(rng: random.Random) -> bytes:
    base = rng.choice(SHAPES)
    lines = [
        mutate(base if rng.random() < 0.7 else rng.choice(SHAPES), rng) for _ in range(rng.randrange(1, 25))
    ]
    sep = rng.choice(["\n", "\r\n", "\n\n"])
    text = sep.join(lines)
    encoding = rng.choice(["utf-8", "utf-8", "latin-1", "utf-16"])
    return text.encode(encoding, errors="replace")


def json_wrong_types(rng: random.Random) -> bytes:
    keys = ["RequestMethod", "RequestPath", "StartUTC", "DownstreamStatus", "Duration", "RouterName", "ServiceURL",
            "level", "time", "msg", "log", "stream"]  # fmt: skip
    values = [
        None,
        True,
        1e308,
        -1,
        "x" * rng.randrange(0, 300),
        [],
        {},
        {"Host": 1},
        "2026-13-45T99:99:99Z",
        0,
    ]
    rows = [
        json.dumps({k: rng.choice(values) for k in rng.sample(keys, rng.randrange(1, len(keys)))})
        for _ in range(20)
    ]
    return "\n".join(rows).encode()


def har(rng: random.Random) -> bytes:
    entry = {
        "startedDateTime": rng.choice(["2026-11-25T10:00:00Z", "yesterday", 12, None]),
        "time": rng.choice([1, -1, "x", None]),
        "request": {
            "method": "GET",
            "url": rng.choice(["wss://a/socket.io/?EIO=4&transport=websocket", 5, ""]),
        },
        "response": rng.choice([{"status": rng.choice([0, -1, 101, "x"])}, None, []]),
        "_resourceType": rng.choice(["websocket", "xhr", None]),
        "_webSocketMessages": rng.choice(
            [[{"type": "receive", "time": 1e300, "opcode": 1, "data": "0{"}], "x", None]
        ),
    }
    doc = json.dumps(
        {"log": {"version": "1.2", "entries": [entry] * rng.randrange(0, 5)}}, indent=rng.choice([None, 2])
    )
    return doc[: rng.randrange(1, len(doc) + 1)].encode() if rng.random() < 0.5 else doc.encode()


def binary(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 5000)))


def huge_line(rng: random.Random) -> bytes:
    return (
        rng.choice(SHAPES) + "A" * rng.randrange(1_000_000, 3_000_000) + "\n" + rng.choice(SHAPES)
    ).encode()


def compressed(rng: random.Random) -> bytes:
    body = gzip.compress(text_file(rng))
    choice = rng.random()
    if choice < 0.4:
        return body[: rng.randrange(1, len(body) + 1)]
    if choice < 0.7:
        return body + gzip.compress(text_file(rng))
    return body + binary(rng)[:100]


def wide_json(rng: random.Random) -> bytes:
    """pino-shaped lines with many distinct keys (memory must stay bounded by the keys parsers read)."""
    lines = []
    for n in range(rng.randrange(1, 6)):
        row: dict[str, object] = {"level": 30, "time": 1795644005000 + n, "msg": "request completed"}
        row.update({f"k{n}_{j}": j for j in range(rng.randrange(100, 3000))})
        lines.append(json.dumps(row))
    return "\n".join(lines).encode()


def nested_json(rng: random.Random) -> bytes:
    """Deeply nested values and integers past Python's 4,300-digit limit, in JSON lines and HAR frames."""
    depth = rng.randrange(100, 5000)
    deep = "[" * depth + "]" * depth
    big = "9" * rng.randrange(4000, 6000)
    if rng.random() < 0.5:
        return f'{{"level":30,"time":1795644005000,"msg":"x","n":{big}}}\n{{"level":30,"msg":"y","a":{deep}}}\n'.encode()
    frame = {"type": "receive", "time": 1795644005.1, "opcode": 1, "data": "42" + deep}
    entry = {
        "startedDateTime": "2026-11-25T10:00:00.000Z",
        "time": 1,
        "request": {"method": "GET", "url": "wss://a/socket.io/?EIO=4&transport=websocket"},
        "response": {"status": 101},
        "_resourceType": "websocket",
        "_webSocketMessages": [frame],
    }
    doc = json.dumps({"log": {"version": "1.2", "entries": [entry]}})
    return doc.replace('"time": 1,', f'"time": {big},' if rng.random() < 0.5 else '"time": 1,').encode()


#: Shapes the masking patterns look for, without their ends (see tests/test_redact.py).
_REDOS = [
    "token=",
    'token="',
    '"token":"',
    "authorization: ",
    "bearer ",
    "http://a:",
    "eyJ",
    "{ token: '",
    "'token': '",
]


def redos(rng: random.Random) -> bytes:
    """A real line with a long repeat of a masking pattern's shape inside (a hostile User-Agent)."""
    base = rng.choice(SHAPES[:3])
    repeat = rng.choice(_REDOS) * rng.randrange(1000, 20000)
    cut = rng.randrange(len(base))
    return (base[:cut] + repeat + base[cut:] + "\n" + rng.choice(SHAPES)).encode()


GENERATORS: list[tuple[str, Callable[[random.Random], bytes]]] = [
    ("text", text_file), ("text", text_file), ("text", text_file), ("json-wrong-types", json_wrong_types),
    ("har", har), ("binary", binary), ("empty", lambda rng: b""), ("gzip", compressed), ("wide-json", wide_json),
    ("nested-json", nested_json), ("redos", redos), ("text", text_file),
]  # fmt: skip
#: Inputs of megabytes are the slowest to make and read: one in this many.
_HUGE_EVERY = 200
_NAMES = ["", "\x1b]0;t\x07", "\u202e", " ", "é", "'$(x)"]


def one_input(folder: Path, rng: random.Random) -> list[str]:
    names = []
    for i in range(rng.choice((1, 1, 2, 2, 3, 4))):
        kind, make = ("huge-line", huge_line) if rng.randrange(_HUGE_EVERY) == 0 else rng.choice(GENERATORS)
        suffix = {"gzip": ".log.gz", "har": ".har"}.get(kind, ".log")
        name = f"{i}-{kind}{rng.choice(_NAMES)}{suffix}"
        (folder / name).write_bytes(make(rng))
        names.append(name)
    return names


def check_one(folder: Path, *, every_format: bool) -> None:
    """Analyse a folder and render its reports as the CLI would; raise on anything but NoInputError."""
    import io

    from rich.console import Console

    from analyzer.analysis import analyze
    from analyzer.errors import NoInputError
    from analyzer.report import build_json
    from analyzer.report.boundary import outbound
    from analyzer.report.json_report import dumps

    try:
        analysis = analyze([str(folder)])
    except NoInputError:
        return
    shown = outbound(analysis)
    dumps(build_json(shown))
    if every_format:
        from analyzer.report.html import render_html
        from analyzer.report.markdown import render_markdown
        from analyzer.report.text import render_text

        render_text(shown, Console(file=io.StringIO(), width=120))
        render_markdown(shown)
        render_html(shown)


def _rng(seed: int, index: int) -> random.Random:
    return random.Random(f"{seed}/{index}")


def run_input(seed: int, index: int, crashes: Path | None) -> str | None:
    """Make input ``index`` of ``seed`` and check it; the traceback of a crash, else None."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one_input(folder, _rng(seed, index))
        try:
            check_one(folder, every_format=index % 10 == 0)
        except Exception:
            text = traceback.format_exc()
            if crashes is not None:
                target = crashes / f"crash-{seed}-{index}"
                shutil.copytree(folder, target, dirs_exist_ok=True)
                (target / "traceback.txt").write_text(text)
            return text
    return None


def campaign(
    *, inputs: int, minutes: float | None, seed: int, crashes: Path | None, start: int = 0
) -> tuple[int, int]:
    """Run inputs ``start, start+1, …`` in this process; return (inputs tried, crashes)."""
    deadline = time.monotonic() + minutes * 60 if minutes else None
    tried = failed = 0
    index = start
    while (deadline is None and tried < inputs) or (deadline is not None and time.monotonic() < deadline):
        problem = run_input(seed, index, crashes)
        tried += 1
        if problem:
            failed += 1
            print(f"crash on input {index} (seed {seed}):\n{problem}", file=sys.stderr)
        index += 1
    return tried, failed


def _worker(seed: int, slot: int, stride: int, first: int, crashes: str, queue: Any) -> None:
    """One process of a parallel campaign: inputs first, first+stride, … reported on ``queue``."""
    index = first
    parent = os.getppid()
    while os.getppid() == parent:  # a campaign killed with SIGKILL leaves no worker running on
        queue.put(("start", slot, index))
        problem = run_input(seed, index, Path(crashes))
        queue.put(("done", slot, index, problem))
        index += stride


#: A poll of the parallel campaign's results that returns this much later than asked means the campaign
#: was stopped, not that an input hangs.
_STALL = 10.0


def parallel(
    *, inputs: int, minutes: float | None, seed: int, crashes: Path, workers: int, timeout: float
) -> dict:
    """Run the campaign on ``workers`` processes; an input that runs past ``timeout`` seconds is a hang.

    A hung worker is killed (its input kept as a hang) and replaced by one that goes on after it.
    """
    import multiprocessing as mp
    import queue as queues

    ctx = mp.get_context("spawn")
    results: Any = ctx.Queue()
    procs: dict[int, Any] = {}
    running: dict[int, tuple[int, float]] = {}
    counts = {"tried": 0, "crashes": 0, "hangs": 0}

    def launch(slot: int, first: int) -> None:
        proc = ctx.Process(
            target=_worker, args=(seed, slot, workers, first, str(crashes), results), daemon=True
        )
        proc.start()
        procs[slot] = proc

    for slot in range(workers):
        launch(slot, slot)
    deadline = time.monotonic() + minutes * 60 if minutes else None
    started = last_poll = time.monotonic()
    try:
        while (deadline is None and counts["tried"] < inputs) or (
            deadline is not None and time.monotonic() < deadline
        ):
            try:
                message = results.get(timeout=1.0)
            except queues.Empty:
                message = None
            now = time.monotonic()
            if now - last_poll > _STALL:
                # this process was stopped (SIGSTOP, a suspended machine) with its workers: the time it
                # stood still is no input's
                gap = now - last_poll
                running = {slot: (index, since + gap) for slot, (index, since) in running.items()}
                if deadline is not None:
                    deadline += gap
            last_poll = now
            if message and message[0] == "start":
                running[message[1]] = (message[2], time.monotonic())
            elif message:
                _, slot, index, problem = message
                running.pop(slot, None)
                counts["tried"] += 1
                if problem:
                    counts["crashes"] += 1
                    print(f"crash on input {index} (seed {seed}):\n{problem}", file=sys.stderr)
                if counts["tried"] % 1000 == 0:
                    rate = counts["tried"] / (time.monotonic() - started)
                    print(f"{counts['tried']} inputs, {rate:.1f}/s, {counts['crashes']} crashes, "
                          f"{counts['hangs']} hangs", file=sys.stderr, flush=True)  # fmt: skip
            for slot, (index, since) in list(running.items()):
                if time.monotonic() - since > timeout:
                    procs[slot].kill()
                    procs[slot].join()
                    counts["hangs"] += 1
                    counts["tried"] += 1
                    target = crashes / f"hang-{seed}-{index}"
                    target.mkdir(parents=True, exist_ok=True)
                    one_input(target, _rng(seed, index))
                    print(f"hang on input {index} (seed {seed}): over {timeout:.0f} s", file=sys.stderr)
                    running.pop(slot)
                    launch(slot, index + workers)
    finally:
        for proc in procs.values():
            proc.kill()
            proc.join()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=None, help="run for this long instead of --inputs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--workers", type=int, default=1,
        help="processes, each watched for hangs (0: run in this process, with no hang detection)",
    )  # fmt: skip
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds after which an input is a hang")
    ap.add_argument("--only", type=int, default=None, help="run input N of --seed alone (to reproduce it)")
    ap.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    args = ap.parse_args()
    args.crashes.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.only is not None:
        problem = run_input(args.seed, args.only, args.crashes)
        print(problem or f"input {args.only} of seed {args.seed}: no crash")
        sys.exit(1 if problem else 0)
    if args.workers >= 1:
        counts = parallel(
            inputs=args.inputs, minutes=args.minutes, seed=args.seed, crashes=args.crashes,
            workers=args.workers, timeout=args.timeout,
        )  # fmt: skip
    else:
        tried, failed = campaign(
            inputs=args.inputs, minutes=args.minutes, seed=args.seed, crashes=args.crashes
        )
        counts = {"tried": tried, "crashes": failed, "hangs": 0}
    print(
        f"{counts['tried']} inputs tried in {time.perf_counter() - start:.0f} s, {counts['crashes']} crashes, "
        f"{counts['hangs']} hangs (seed {args.seed})"
    )
    sys.exit(1 if counts["crashes"] or counts["hangs"] else 0)


if __name__ == "__main__":
    main()
