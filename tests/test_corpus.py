"""Real excerpts from public tickets, read line by line: the right source, format and UTC second.

Each piece in ``tests/data/corpus/`` is copied verbatim from a public issue thread (URL in
``MANIFEST.toml``), wrappers and all; its expectations were decided by reading the line and the format's
documentation, never by running wsdiag. See ``tests/data/corpus/README.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analyzer.ingest import ReadOptions, load

#: The formats (parser names, ``events.format``) that may read each producer's lines. Today's parsers
#: plus the names the parsers still to be written are expected to get; their authors adjust this table.
PRODUCER_FORMATS: dict[str, set[str]] = {
    # proxy
    "traefik-v1-app": {"traefik-app"},
    "traefik-v1-clf": {"traefik-clf"},
    "traefik-v2-app": {"traefik-app"},
    "traefik-v2-app-json": {"traefik-app"},
    "traefik-v2-clf": {"traefik-clf"},
    "traefik-v3-app": {"traefik-app"},
    "traefik-v3-app-json": {"traefik-app"},
    "traefik-v3-json": {"traefik-json"},
    "nginx": {"nginx-access", "nginx-error", "nginx-json"},
    "haproxy": {"haproxy-http"},
    "caddy": {"caddy-json"},
    "heroku-router": {"heroku-router"},
    "cloudflared": {"cloudflared"},
    # backend: python
    # a Python process's stream is read by the parser of its main format, which reads its neighbours' layouts
    "python-logging": {"python-logging", "werkzeug", "gunicorn", "uvicorn", "channels", "django-runserver"},
    "engineio-logger": {"python-logging", "werkzeug", "gunicorn", "uvicorn"},
    "socketio-logger": {"python-logging", "werkzeug", "gunicorn", "uvicorn"},
    "werkzeug": {"werkzeug", "python-logging"},
    "gevent-pywsgi": {"python-logging"},
    "eventlet-wsgi": {"python-logging", "werkzeug", "eventlet"},
    "gunicorn-access": {"gunicorn", "python-logging"},
    "gunicorn": {"gunicorn"},
    "uvicorn": {"uvicorn"},
    # daphne's own loggers print through Python logging
    "daphne": {"channels", "daphne", "python-logging"},
    "django-runserver": {"django-runserver", "channels"},
    # backend: Go
    "gin": {"gin"},
    "go-log": {"go-log"},
    # backend: Node
    "engineio-debug": {"debug-module"},
    "nestjs-text": {"nestjs-text"},
    "node-red": {"node-red", "generic"},
    "socketio-09-logger": {"socketio-legacy", "generic"},
    "connect-logger": {"connect-logger", "generic"},
    # a Node stream is named after its main format; lines without a time are read by all of them
    "morgan-dev": {"node-console", "nestjs-text", "debug-module", "node-errors"},
    "http-proxy-middleware": {"node-console", "nestjs-text", "debug-module", "node-errors"},
    "node-console": {"node-console", "nestjs-text", "debug-module", "node-errors"},
    # backend: other
    "notify-push": {"rust-log", "generic"},
    "logback": {"generic", "logback"},
    "bashio": {"bashio", "generic"},
    "systemd": {"systemd", "generic"},
    "calico-felix": {"generic"},
    "go-kit-logfmt": {"generic", "go-log"},
    "ruby-logger": {"generic", "ruby-logger"},
    "nats-server": {"generic", "go-log"},
    "netty-socketio": {"generic", "logback"},
    # browser
    "chrome-console": {"chrome-console"},
    "firefox-console": {"firefox-console"},
    "safari-console": {"safari-console"},
    "devtools-network": {"devtools-network"},
    "socketio-client-debug": {"debug-module", "chrome-console"},
    "socketio-client-swift": {"nslog", "generic"},
    "socketio-client-dart": {"dart-logging", "generic"},
}

#: Producers wsdiag has no parser of its own for (logs of other stacks that turn up in WebSocket tickets):
#: their timed lines must still be read, each as an event with its UTC second, by whichever parser can;
#: their format and source are not checked, and a line of theirs without a time may stay unparsed.
UNCLAIMED: frozenset[str] = frozenset(
    {
        "heroku-router",
        "cloudflared",
        "node-red",
        "socketio-09-logger",
        "connect-logger",
        "notify-push",
        "logback",
        "bashio",
        "systemd",
        "calico-felix",
        "ruby-logger",
        "nats-server",
        "netty-socketio",
        "socketio-client-swift",
        "socketio-client-dart",
        "eventlet-wsgi",
        "gevent-pywsgi",
    }
)

SOURCES = ("proxy", "backend", "browser", "none")
CORPUS = Path(__file__).parent / "data" / "corpus"
MANIFEST: list[dict[str, Any]] = tomllib.loads((CORPUS / "MANIFEST.toml").read_text(encoding="utf-8"))[
    "piece"
]
UTC_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def piece_id(piece: dict[str, Any]) -> str:
    return str(piece["file"]).removesuffix(".txt")


@cache
def read_piece(file: str, tz: str) -> pl.DataFrame:
    """wsdiag's reading stage on one piece: the event table."""
    return load([str(CORPUS / file)], ReadOptions(tz=tz)).events


@dataclass(frozen=True)
class LineResult:
    """How wsdiag read one expected line: ``problems`` empty means right on source, format and time."""

    want: dict[str, Any]
    problems: tuple[str, ...]
    right_second: bool


def read_lines(piece: dict[str, Any]) -> list[LineResult]:
    """Compare wsdiag's events with every expected line of ``piece``."""
    events = read_piece(piece["file"], piece.get("tz", "UTC"))
    by_line: dict[int, dict[str, Any]] = {}
    for row in events.select("line", "source", "format", "ts").iter_rows(named=True):
        by_line.setdefault(row["line"], row)
    results = []
    for want in piece["line"]:
        got = by_line.get(want["n"])
        problems = []
        if want["source"] == "none":
            if got is not None:
                problems.append(f"not a log line, but read as {got['source']}/{got['format']}")
        elif got is None and (want["utc"] or want["producer"] not in UNCLAIMED):
            problems.append(f"no event (want {want['source']} {want['producer']})")
        elif got is None:
            pass  # an untimed line of a producer wsdiag has no parser for may stay unparsed
        else:
            formats = PRODUCER_FORMATS[want["producer"]]
            claimed = want["producer"] not in UNCLAIMED
            if claimed and got["source"] != want["source"]:
                problems.append(f"source {got['source']} (want {want['source']})")
            if claimed and got["format"] not in formats:
                problems.append(f"format {got['format']} (want one of {sorted(formats)})")
            if want["utc"] and utc_second(got["ts"]) != want["utc"]:
                problems.append(f"ts {utc_second(got['ts'])} (want {want['utc']})")
        right_second = bool(want["utc"]) and got is not None and utc_second(got["ts"]) == want["utc"]
        results.append(LineResult(want, tuple(problems), right_second))
    return results


def utc_second(ts: datetime | None) -> str | None:
    return None if ts is None else ts.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("piece", MANIFEST, ids=piece_id)
def test_every_expected_line_is_read_with_its_source_format_and_utc_second(piece):
    lines = (CORPUS / piece["file"]).read_text(encoding="utf-8").split("\n")
    report = [
        f"line {r.want['n']}: {', '.join(r.problems)}\n    {lines[r.want['n'] - 1][:160]}"
        for r in read_lines(piece)
        if r.problems
    ]
    assert not report, f"{piece['url']}\n" + "\n".join(report)


def test_timed_lines_reach_the_target_share_per_source():
    """Issue 14's bar: at least 95 % of timed lines read with the right UTC second, per source.

    Also prints, per source, producer and wrapper, the timed lines with the right second and the lines
    read right in every respect (``pytest -s`` shows the table).
    """
    # kind -> name -> [timed right, timed, lines right, lines]
    tally: dict[str, dict[str, list[int]]] = {"source": {}, "producer": {}, "wrapper": {}}
    for piece in MANIFEST:
        for r in read_lines(piece):
            if r.want["source"] == "none":
                continue
            names = {
                "source": [r.want["source"]],
                "producer": [r.want["producer"]],
                "wrapper": piece["wrapper"] or ["-"],
            }
            for kind, keys in names.items():
                for key in keys:
                    counts = tally[kind].setdefault(key, [0, 0, 0, 0])
                    counts[0] += r.right_second
                    counts[1] += bool(r.want["utc"])
                    counts[2] += not r.problems
                    counts[3] += 1
    for kind, groups in tally.items():
        print(f"\n{kind:28} timed lines right   lines right")
        for key, (tr, tt, lr, lt) in sorted(groups.items()):
            share = f"{tr / tt:6.1%}" if tt else "     -"
            print(f"  {key:26} {tr:4}/{tt:<4} {share}   {lr:4}/{lt:<4}")
    short = {s: f"{tr}/{tt}" for s, (tr, tt, _, _) in tally["source"].items() if tr < 0.95 * tt}
    assert not short, f"sources below 95 % of timed lines with the right UTC second: {short}"


def test_manifest_matches_the_files_and_says_everything_it_must():
    files = {p.name for p in CORPUS.glob("*.txt")}
    listed = [piece["file"] for piece in MANIFEST]
    assert sorted(listed) == sorted(files), "every piece file is listed once, and every listed file exists"
    problems: dict[str, list[str]] = defaultdict(list)
    for piece in MANIFEST:
        name = piece["file"]
        text = (CORPUS / name).read_bytes().decode("utf-8")
        count = len(text.split("\n")) - (1 if text.endswith("\n") else 0)
        if not 1 <= count <= 20:
            problems[name].append(f"{count} lines (want 1-20)")
        if not piece["url"].startswith("https://") or not piece["title"]:
            problems[name].append("needs an https url and a title")
        seen = set()
        for want in piece["line"]:
            n = want["n"]
            if n in seen or not 1 <= n <= count:
                problems[name].append(f"line {n} repeated or outside 1-{count}")
            seen.add(n)
            if want["source"] not in SOURCES:
                problems[name].append(f"line {n}: source {want['source']!r}")
            if want["source"] != "none" and want["producer"] not in PRODUCER_FORMATS:
                problems[name].append(
                    f"line {n}: producer {want['producer']!r} missing from PRODUCER_FORMATS"
                )
            if want["utc"] and (not UTC_SECOND.match(want["utc"]) or want.get("partial")):
                problems[name].append(f"line {n}: utc {want['utc']!r} (partial lines have none)")
    assert not problems, dict(problems)
