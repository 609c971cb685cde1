"""Generate a realistic archive of rotated Traefik and backend logs with planted incidents.

Layout (daily rotation, the live file plain, older days gzipped, mtimes set to the rotation time)::

    ARCHIVE/proxy-a/access.log  access.log.1.gz … access.log.N.gz     Traefik access log (CLF or JSON)
    ARCHIVE/proxy-a/traefik.log …                                     Traefik's own log (v3 text)
    ARCHIVE/proxy-b/…
    ARCHIVE/backend/chat-1/app.log …                                  engine.io ``debug`` output

Traffic: Socket.IO sessions (polling handshake, POST, GET, then the WebSocket, written when it *closes*
with status 0 and its lifetime, stamped with its start), REST calls with a few errors, static assets.
Incidents (``--incidents`` picks them; times are relative to the first day):

- ``handshake-wrong-router``: every handshake is matched by the generic ``api@docker`` router, answered
  404, and clients retry every few seconds;
- ``backend-unreachable``: the WebSocket router points at a dead upstream: 502 on every Socket.IO request,
  with Traefik's ``502 Bad Gateway … connection refused`` lines;
- ``upgrade-headers-stripped``: polling works but every WebSocket request is refused with 400.

    python bench/gen_archive.py --lines 5000000 --days 30 -o /tmp/archive
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import io
import json
import os
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import _ASSETS, _UAS, SOCKETIO_SHARE, _sid, _t, clf_line, json_line, session_rate

START = datetime(2026, 10, 1, tzinfo=UTC)
_HOST = "chat.example.test"
_WS_ROUTER = "chat-ws@docker"
_UPSTREAMS = ["http://172.18.0.3:3000", "http://172.18.0.4:3000"]
_DEAD = "http://172.18.0.9:3000"


@dataclass(frozen=True)
class Planted:
    """An incident written into the archive: its rule, proxy and time range."""

    rule: str
    proxy: str
    start: datetime
    end: datetime


def default_incidents(start: datetime, days: int) -> list[Planted]:
    """Three incidents spread over the period (clamped to it), one per cause."""

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return start + timedelta(days=min(day, days - 1), hours=hour, minutes=minute)

    return [
        Planted("handshake-wrong-router", "proxy-a", at(days // 6, 10), at(days // 6, 13)),
        Planted("backend-unreachable", "proxy-a", at(days // 2, 2), at(days // 2, 2, 45)),
        Planted("upgrade-headers-stripped", "proxy-b", at(days * 2 // 3, 14), at(days * 2 // 3, 16, 30)),
    ]


class RotatedLog:
    """A log file rotated daily: ``name`` for the last day, ``name.N.gz`` for N days before."""

    def __init__(self, folder: Path, name: str, start: datetime, days: int) -> None:
        self.folder, self.name, self.start, self.days = folder, name, start, days
        folder.mkdir(parents=True, exist_ok=True)
        self._day = -1
        self._fh: IO[str] | None = None
        self._path: Path | None = None
        self.lines = 0

    def write(self, when: datetime, line: str) -> None:
        """Append ``line`` as written at ``when`` (a file never reopens: late lines stay in the current day)."""
        day = min(self.days - 1, max(0, (when - self.start).days))
        if day > self._day:
            self._open(day)
        assert self._fh is not None
        self._fh.write(line + "\n")
        self.lines += 1

    def _open(self, day: int) -> None:
        self._close()
        age = self.days - 1 - day
        if age == 0:
            self._path = self.folder / self.name
            self._fh = self._path.open("w", encoding="utf-8")
        else:
            self._path = self.folder / f"{self.name}.{age}.gz"
            # the header carries the rotation time, not the time of writing: the same archive every run
            rotated = (self.start + timedelta(days=day + 1)).timestamp()
            raw = gzip.GzipFile(self._path, "wb", compresslevel=6, mtime=rotated)
            self._fh = io.TextIOWrapper(raw, encoding="utf-8")
        self._day = day

    def _close(self) -> None:
        if self._fh is not None and self._path is not None:
            self._fh.close()
            rotated = (self.start + timedelta(days=self._day + 1)).timestamp()
            os.utime(self._path, (rotated, rotated))
            self._fh = None

    def close(self) -> None:
        self._close()


class TimedLog(RotatedLog):
    """A rotated log whose lines may be produced ahead of time (a close logged when it happens)."""

    def __init__(self, folder: Path, name: str, start: datetime, days: int) -> None:
        super().__init__(folder, name, start, days)
        self._pending: list[tuple[datetime, int, str]] = []
        self._tie = 0

    def add(self, when: datetime, line: str) -> None:
        self._tie += 1
        heapq.heappush(self._pending, (when, self._tie, line))

    def flush(self, until: datetime | None = None) -> None:
        while self._pending and (until is None or self._pending[0][0] <= until):
            when, _, line = heapq.heappop(self._pending)
            self.write(when, line)

    def close(self) -> None:
        self.flush()
        super().close()


def _active(incidents: list[Planted], proxy: str, now: datetime) -> str | None:
    return next((i.rule for i in incidents if i.proxy == proxy and i.start <= now < i.end), None)


def _client(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 63)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def generate_proxy(
    out: Path,
    proxy: str,
    *,
    lines: int,
    days: int,
    start: datetime,
    seed: int,
    fmt: str,
    incidents: list[Planted],
    backend: TimedLog | None,
    socketio_share: float = SOCKETIO_SHARE,
) -> int:
    """Write one proxy's access log (and its Traefik log); return the number of access lines."""
    rng = random.Random(seed)
    render = clf_line if fmt == "clf" else json_line
    access = RotatedLog(out / proxy, "access.log", start, days)
    app = TimedLog(out / proxy, "traefik.log", start, days)
    end = start + timedelta(days=days)
    sessions = session_rate(socketio_share)
    rest = (1 - sessions) * 2 / 3  # of the other visits, two thirds are API calls, one third assets
    lines_per_visit = 1 + 3 * sessions  # a Socket.IO session writes 4 lines, other visits 1
    mean_gap = (end - start).total_seconds() * 1000 / (lines / lines_per_visit)
    pending: list[tuple[datetime, int, str]] = []  # (written at, tie, line): Traefik writes at the end
    tie = 0
    count = 0
    now = start
    app.add(
        start,
        f"{start:%Y-%m-%dT%H:%M:%SZ} INF github.com/traefik/traefik/v3/cmd/traefik/traefik.go:112 > Traefik version 3.1.2 built on 2024-08-06T13:45:12Z version=3.1.2",
    )

    def emit(record: dict[str, object], written: datetime) -> None:
        nonlocal tie, count
        record["count"] = count
        count += 1
        tie += 1
        heapq.heappush(pending, (written, tie, render(record)))

    while count < lines:
        now += timedelta(milliseconds=rng.expovariate(1 / mean_gap))
        if now >= end:
            break
        while pending and pending[0][0] <= now:
            written, _, line = heapq.heappop(pending)
            access.write(written, line)
        app.flush(now)
        if backend is not None:
            backend.flush(now)
        incident = _active(incidents, proxy, now)
        client, ua = _client(rng), rng.choice(_UAS)
        roll = rng.random()
        base = dict(client=client, ua=ua, host=_HOST)
        if roll < sessions:
            _session(rng, now, base, incident, emit, app, backend)
        elif roll < sessions + rest:
            status = rng.choices([200, 201, 204, 304, 400, 401, 404, 500], [60, 5, 5, 10, 3, 3, 8, 1])[0]
            path = f"/api/v1/{rng.choice(['items', 'users', 'rooms', 'messages'])}/{rng.randint(1, 99999)}"
            dur = rng.randint(1, 800)
            emit(dict(base, ts=now, method=rng.choice(["GET", "GET", "POST"]), path=path, status=status,
                      size=rng.randint(0, 20000), router="api@docker", upstream="http://172.18.0.5:8080",
                      dur=dur, host="api.example.test"), now + timedelta(milliseconds=dur))  # fmt: skip
        else:
            dur = rng.randint(0, 30)
            emit(dict(base, ts=now, method="GET", path=rng.choice(_ASSETS), status=rng.choice([200, 304]),
                      size=rng.randint(100, 400000), router="web@docker", upstream="http://172.18.0.6:80",
                      dur=dur), now + timedelta(milliseconds=dur))  # fmt: skip
    for written, _, line in sorted(pending):
        access.write(min(written, end - timedelta(milliseconds=1)), line)
    access.close()
    app.close()
    return access.lines


def _session(rng, now, base, incident, emit, app, backend) -> None:  # type: ignore[no-untyped-def]
    """One Socket.IO visit as the proxy (and the backend) log it, shaped by the incident in progress."""
    poll = "/socket.io/?EIO=4&transport=polling"
    t = now
    upstream = rng.choice(_UPSTREAMS)
    if incident == "handshake-wrong-router":
        # the generic API router wins: the API answers 404, the client retries with backoff
        for _ in range(rng.randint(3, 6)):
            dur = rng.randint(1, 4)
            emit(dict(base, ts=t, method="GET", path=f"{poll}&t={_t(rng)}", status=404, size=19,
                      router="api@docker", upstream="http://172.18.0.5:8080", dur=dur), t + timedelta(milliseconds=dur))  # fmt: skip
            t += timedelta(seconds=rng.uniform(1, 5))
        return
    if incident == "backend-unreachable":
        for _ in range(rng.randint(2, 4)):
            dur = rng.randint(1, 3)
            emit(dict(base, ts=t, method="GET", path=f"{poll}&t={_t(rng)}", status=502, size=11,
                      router=_WS_ROUTER, upstream=_DEAD, dur=dur), t + timedelta(milliseconds=dur))  # fmt: skip
            app.add(
                t,
                f'{t:%Y-%m-%dT%H:%M:%SZ} DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:121 > 502 Bad Gateway error="dial tcp 172.18.0.9:3000: connect: connection refused"',
            )
            t += timedelta(seconds=rng.uniform(1, 5))
        return
    sid = _sid(rng)
    for method, query, status, size in (
        ("GET", f"{poll}&t={_t(rng)}", 200, 118),
        ("POST", f"{poll}&t={_t(rng)}&sid={sid}", 200, 2),
        ("GET", f"{poll}&t={_t(rng)}&sid={sid}", 200, 32),
    ):
        dur = rng.randint(1, 5)
        emit(dict(base, ts=t, method=method, path=query, status=status, size=size, router=_WS_ROUTER,
                  upstream=upstream, dur=dur), t + timedelta(milliseconds=dur))  # fmt: skip
        t += timedelta(milliseconds=rng.randint(2, 40))
    if backend is not None:
        backend.add(now, f"{now:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f'Z engine handshaking client "{sid}"')
    ws = f"/socket.io/?EIO=4&transport=websocket&sid={sid}"
    if incident == "upgrade-headers-stripped":
        emit(dict(base, ts=t, method="GET", path=ws, status=400, size=34, router=_WS_ROUTER,
                  upstream=upstream, dur=2), t + timedelta(milliseconds=2))  # fmt: skip
        if backend is not None:
            backend.add(
                t,
                f"{t:%Y-%m-%dT%H:%M:%S.%f}"[:-3]
                + "Z engine bad request: unexpected transport without upgrade",
            )
        for _ in range(2):  # the client stays on long-polling
            t += timedelta(seconds=25)
            emit(dict(base, ts=t, method="GET", path=f"{poll}&t={_t(rng)}&sid={sid}", status=200, size=1,
                      router=_WS_ROUTER, upstream=upstream, dur=25000), t + timedelta(seconds=25))  # fmt: skip
        return
    life = rng.randint(5_000, 3_600_000)
    emit(dict(base, ts=t, method="GET", path=ws, status=0, size=0, router=_WS_ROUTER, upstream=upstream,
              dur=life), t + timedelta(milliseconds=life))  # fmt: skip
    if backend is not None:
        close = t + timedelta(milliseconds=life)
        backend.add(
            close,
            f"{close:%Y-%m-%dT%H:%M:%S.%f}"[:-3]
            + 'Z engine:socket closing socket - reason "transport close"',
        )


def generate(
    out: Path,
    *,
    lines: int,
    days: int,
    start: datetime = START,
    seed: int = 7,
    proxy_format: str = "clf",
    incidents: list[Planted] | None = None,
    backend: bool = True,
    socketio_share: float = SOCKETIO_SHARE,
) -> dict[str, object]:
    """Write the whole archive; return a description of it (lines per proxy, planted incidents)."""
    incidents = default_incidents(start, days) if incidents is None else incidents
    proxies = ["proxy-a", "proxy-b"]
    written: dict[str, int] = {}
    for n, proxy in enumerate(proxies):
        fmt = proxy_format if proxy_format != "mixed" else ("clf" if n == 0 else "json")
        log = TimedLog(out / "backend" / f"chat-{n + 1}", "app.log", start, days) if backend else None
        written[proxy] = generate_proxy(
            out, proxy, lines=lines // len(proxies), days=days, start=start, seed=seed + n, fmt=fmt,
            incidents=incidents, backend=log, socketio_share=socketio_share,
        )  # fmt: skip
        if log is not None:
            log.close()
            written[f"backend/chat-{n + 1}"] = log.lines
    info = {
        "lines": written,
        "incidents": [
            {"rule": i.rule, "proxy": i.proxy, "start": i.start.isoformat(), "end": i.end.isoformat()}
            for i in incidents
        ],
    }
    # a hidden name: discovery skips it, so it is not read as a log
    (out / ".planted.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=5_000_000, help="Traefik access lines in all (both proxies)")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--proxy-format", choices=["clf", "json", "mixed"], default="clf")
    ap.add_argument("--no-backend", action="store_true")
    ap.add_argument("--socketio-share", type=float, default=SOCKETIO_SHARE, help="share of Socket.IO lines")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    info = generate(Path(args.output), lines=args.lines, days=args.days, seed=args.seed,
                    proxy_format=args.proxy_format, backend=not args.no_backend,
                    socketio_share=args.socketio_share)  # fmt: skip
    print(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()
