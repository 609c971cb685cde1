"""Generate large, realistic Traefik access logs (CLF or JSON) for benchmarks.

Traffic mix: Socket.IO sessions (polling handshake, POST of the CONNECT packet, a GET, then the WebSocket
upgrade logged at close with status 0 and its lifetime), REST API calls with some 4xx/5xx, static assets.
Used by ``bench_events.py`` and the larger benchmarks; run it directly to write a file:

    python bench/generate.py --lines 1000000 --format clf -o /tmp/access.log
"""

from __future__ import annotations

import argparse
import json
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_ALPHABET = string.ascii_letters + string.digits + "-_"
_BASE36 = string.digits + string.ascii_lowercase
#: Share of access lines that are Socket.IO requests (polling and WebSocket) by default.
SOCKETIO_SHARE = 0.45
_UAS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
_ASSETS = [
    "/",
    "/index.html",
    "/assets/app.3f9a1c.js",
    "/assets/app.77b2e0.css",
    "/favicon.ico",
    "/socket.io.js",
]


def _sid(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(20))


def _t(rng: random.Random) -> str:
    # engine.io-client 6.5+ (socket.io-client 4.7+): Date.now() in base 36 without its first three digits,
    # then three random ones — eight characters, as in the recorded ``t=n264c606`` of sample_logs/
    # (drawn as before from the 64-letter alphabet, so the random stream — and every archive — is unchanged)
    return "n2" + "".join(_BASE36[_ALPHABET.index(rng.choice(_ALPHABET)) % 36] for _ in range(6))


def session_rate(socketio_share: float) -> float:
    """The share of visits that are Socket.IO sessions (4 lines each) for this share of Socket.IO lines."""
    return socketio_share / (4 - 3 * socketio_share)


def requests(
    n: int, *, seed: int = 1, start: datetime | None = None, socketio_share: float = SOCKETIO_SHARE
) -> Iterator[dict[str, object]]:
    """Yield ``n`` request records in time order (start time, fields of an access line)."""
    rng = random.Random(seed)
    sessions = session_rate(socketio_share)
    rest = (1 - sessions) * 2 / 3  # of the other visits, two thirds are API calls, one third assets
    now = start or datetime(2026, 11, 1, tzinfo=UTC)
    count = 0
    while count < n:
        now += timedelta(milliseconds=rng.expovariate(1 / 4))
        client = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        ua = rng.choice(_UAS)
        roll = rng.random()
        if roll < sessions:  # a Socket.IO session: 3 polling requests then the WebSocket, logged at close
            sid = _sid(rng)
            upstream = f"http://172.18.0.{rng.randint(3, 4)}:3000"
            base = "/socket.io/?EIO=4&transport="
            for path, method, status, size, dur in (
                (f"{base}polling&t={_t(rng)}", "GET", 200, 118, rng.randint(1, 5)),
                (f"{base}polling&t={_t(rng)}&sid={sid}", "POST", 200, 2, rng.randint(1, 3)),
                (f"{base}polling&t={_t(rng)}&sid={sid}", "GET", 200, 32, rng.randint(1, 3)),
                (f"{base}websocket&sid={sid}", "GET", 0, 0, rng.randint(5_000, 3_600_000)),
            ):
                yield dict(ts=now, client=client, method=method, path=path, status=status, size=size, ua=ua,
                           router="chat-ws@docker", upstream=upstream, dur=dur, count=count, host="chat.example.test")  # fmt: skip
                count += 1
                now += timedelta(milliseconds=rng.randint(2, 40))
        elif roll < sessions + rest:
            status = rng.choices(
                [200, 201, 204, 304, 400, 401, 404, 500, 502], [60, 5, 5, 10, 3, 3, 8, 1, 1]
            )[0]
            path = f"/api/v1/{rng.choice(['items', 'users', 'rooms', 'messages'])}/{rng.randint(1, 99999)}"
            yield dict(ts=now, client=client, method=rng.choice(["GET", "GET", "GET", "POST", "PUT"]), path=path,
                       status=status, size=rng.randint(0, 20000), ua=ua, router="api@docker",
                       upstream="http://172.18.0.5:8080", dur=rng.randint(1, 800), count=count, host="api.example.test")  # fmt: skip
            count += 1
        else:
            yield dict(ts=now, client=client, method="GET", path=rng.choice(_ASSETS), status=rng.choice([200, 304]),
                       size=rng.randint(100, 400000), ua=ua, router="web@docker", upstream="http://172.18.0.6:80",
                       dur=rng.randint(0, 30), count=count, host="chat.example.test")  # fmt: skip
            count += 1


def clf_line(r: dict[str, object]) -> str:
    ts = r["ts"].strftime("%d/%b/%Y:%H:%M:%S +0000")  # type: ignore[attr-defined]
    return (
        f'{r["client"]} - - [{ts}] "{r["method"]} {r["path"]} HTTP/1.1" {r["status"]} {r["size"]} "-" "{r["ua"]}"'
        f' {r["count"]} "{r["router"]}" "{r["upstream"]}" {r["dur"]}ms'
    )


def json_line(r: dict[str, object]) -> str:
    ts: datetime = r["ts"]  # type: ignore[assignment]
    dur_ns = int(r["dur"]) * 1_000_000  # type: ignore[call-overload]
    obj = {
        "ClientAddr": f"{r['client']}:51234", "ClientHost": r["client"], "DownstreamContentSize": r["size"],
        "DownstreamStatus": r["status"], "Duration": dur_ns, "OriginStatus": r["status"],
        "RequestHost": r["host"], "RequestMethod": r["method"], "RequestPath": r["path"],
        "RequestProtocol": "HTTP/1.1", "RouterName": r["router"], "ServiceURL": r["upstream"],
        "StartUTC": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "entryPointName": "websecure", "level": "info", "msg": "",
        "request_User-Agent": r["ua"], "time": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }  # fmt: skip
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


def write(
    path: str,
    n: int,
    fmt: str,
    *,
    seed: int = 1,
    start: datetime | None = None,
    socketio_share: float = SOCKETIO_SHARE,
) -> None:
    render = clf_line if fmt == "clf" else json_line
    with open(path, "w", encoding="utf-8") as fh:
        for record in requests(n, seed=seed, start=start, socketio_share=socketio_share):
            fh.write(render(record) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["clf", "json"], default="clf")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--socketio-share", type=float, default=SOCKETIO_SHARE, help="share of Socket.IO lines")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    write(args.output, args.lines, args.format, seed=args.seed, socketio_share=args.socketio_share)


if __name__ == "__main__":
    main()
