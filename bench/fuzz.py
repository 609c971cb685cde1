"""Fuzz campaign over the whole ``analyze`` pipeline: hostile, broken and odd inputs must never crash it.

Each input is a folder of one to four files built from real line shapes of every supported format,
mutated (bytes flipped, cut, quotes and NULs inserted, invalid UTF-8, Latin-1, CRLF), mixed with
random bytes, empty files, huge lines, truncated and concatenated gzip members, JSON lines with wrong
types, and HAR documents that are not JSON or are cut short. ``analyze`` is run in-process on each:
the only acceptable failure is ``NoInputError`` (nothing readable), which the CLI turns into exit 2.
Anything else is a crash: the input is kept under ``--crashes`` and the campaign fails.

    python bench/fuzz.py --inputs 2000              # or --minutes 30
    python bench/fuzz.py --inputs 50 --seed 7       # what the test suite runs (smaller)
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

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
        mutate(base if rng.random() < 0.7 else rng.choice(SHAPES), rng) for _ in range(rng.randrange(1, 40))
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


GENERATORS: list[tuple[str, Callable[[random.Random], bytes]]] = [
    ("text", text_file), ("text", text_file), ("text", text_file), ("json-wrong-types", json_wrong_types),
    ("har", har), ("binary", binary), ("empty", lambda rng: b""), ("huge-line", huge_line), ("gzip", compressed),
]  # fmt: skip


def one_input(folder: Path, rng: random.Random) -> list[str]:
    names = []
    for i in range(rng.randrange(1, 5)):
        kind, make = rng.choice(GENERATORS)
        suffix = {"gzip": ".log.gz", "har": ".har"}.get(kind, ".log")
        name = f"{i}-{kind}{suffix}"
        (folder / name).write_bytes(make(rng))
        names.append(name)
    return names


def campaign(*, inputs: int, minutes: float | None, seed: int, crashes: Path | None) -> tuple[int, int]:
    """Run the campaign; return (inputs tried, crashes)."""
    from analyzer.analysis import analyze
    from analyzer.errors import NoInputError

    rng = random.Random(seed)
    deadline = time.monotonic() + minutes * 60 if minutes else None
    tried = failed = 0
    while (deadline is None and tried < inputs) or (deadline is not None and time.monotonic() < deadline):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            one_input(folder, rng)
            tried += 1
            try:
                analyze([str(folder)])
            except NoInputError:
                pass
            except Exception:
                failed += 1
                if crashes is not None:
                    target = crashes / f"crash-{seed}-{tried}"
                    shutil.copytree(folder, target)
                    (target / "traceback.txt").write_text(traceback.format_exc())
                print(f"crash on input {tried}:\n{traceback.format_exc()}", file=sys.stderr)
    return tried, failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=None, help="run for this long instead of --inputs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    args = ap.parse_args()
    args.crashes.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tried, failed = campaign(inputs=args.inputs, minutes=args.minutes, seed=args.seed, crashes=args.crashes)
    print(f"{tried} inputs tried in {time.perf_counter() - start:.0f} s, {failed} crashes (seed {args.seed})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
