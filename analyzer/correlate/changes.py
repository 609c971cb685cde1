"""What changed in the system during the capture: configuration reloads, provider events, (re)starts.

A failure that begins seconds after the proxy received a new configuration, or after a backend or a
container restarted, was most likely caused by that change. The changes are read from the lines that say
so, in their producers' words (the table below, from their source):

- Traefik ``pkg/server/configurationwatcher.go``: ``Configuration received`` (v3, ``config={…}
  providerName=…``) / ``Configuration received from provider <name>: {…}`` (v2); the JSON is the
  provider's whole dynamic configuration, so two successive ones give the routers that changed.
- Traefik ``pkg/provider/docker/pdocker.go``: ``Provider event received {… Action:start …}`` for a
  container started, stopped or whose health changed.
- Traefik ``cmd/traefik/traefik.go``: ``Traefik version … built on``; servers' start lines (uvicorn,
  gunicorn, daphne, NestJS, python-engineio, socket.io's ``creating engine.io instance``, an app's
  ``listening on``).

A start or a configuration is only a *change* when the system was already serving: lines before the
capture's first request are its start-up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

from analyzer.findings import Change, Evidence

#: Traffic must have flowed this long before a start or a configuration for it to count as a change.
SERVING_FOR: Final = timedelta(seconds=2)
#: A failure "began after" a change when its first evidence is at most this long after it.
BEGAN_WITHIN: Final = timedelta(seconds=60)


@dataclass(frozen=True)
class Wording:
    """A line shape that announces a change: its source, regex and kind."""

    source: str
    pattern: str
    kind: str


W = Wording
#: First match wins.
WORDINGS: Final[tuple[Wording, ...]] = (
    W("proxy", r"^Configuration received", "config_reload"),
    W("proxy", r"^Provider event received", "provider_event"),
    W("proxy", r"^Traefik version \S+ built on", "proxy_start"),
    W("backend", r"Uvicorn running on|Started server process \[\d+\]|Application startup complete", "backend_start"),
    W("backend", r"Starting gunicorn|Booting worker with pid", "backend_start"),
    W("backend", r"Starting server at \S+|Listening on TCP address", "backend_start"),
    W("backend", r"Nest application successfully started", "backend_start"),
    W("backend", r"Server initialized for \S+\.", "backend_start"),
    W("backend", r"creating engine\.io instance", "backend_start"),
    W("backend", r"(?i)\b(?:server |app |application )?(?:is )?listening (?:on|at)\b", "backend_start"),
)  # fmt: skip

_JSON_START: Final = re.compile(r"\{")
_PROVIDER: Final = re.compile(r"providerName=(\S+)|from provider ([^:\s]+):")
_DOCKER_EVENT: Final = re.compile(r"Action:(\S+)")
_CONTAINER: Final = re.compile(r"\bname:([^\s\]]+)")


def find_changes(events: pl.DataFrame) -> list[Change]:
    """Every change of the capture after it started serving, in time order."""
    # lazily, as below: an eager filter of the wide table would copy every column of the rows it keeps
    serving_since: datetime | None = (
        events.lazy()
        .filter(pl.col("kind").is_in(["http_request", "ws_upgrade"]))
        .select(pl.col("ts").min())
        .collect()
        .item()
    )
    if serving_since is None:
        return []
    kind = pl.lit(None, dtype=pl.String)
    for w in reversed(WORDINGS):
        kind = (
            pl.when((pl.col("source") == w.source) & pl.col("message").str.contains(w.pattern))
            .then(pl.lit(w.kind))
            .otherwise(kind)
        )
    # a change is announced by a process's own log line, never by an access line (a million of them: the
    # wordings are not tried on them)
    said = (
        ~pl.col("kind").is_in(["http_request", "ws_upgrade"]).fill_null(False)
        & pl.col("message").is_not_null()
    )
    rows = (
        events.lazy()
        .filter(pl.col("ts").is_not_null() & pl.col("source").is_in(["proxy", "backend"]) & said)
        .select(
            "ts",
            "source",
            "file",
            "line",
            "stream",
            "message",
            "raw",
            "clock_offset_ms",
            kind.alias("_change"),
        )
        .filter(pl.col("_change").is_not_null())
        .sort("ts")
        .collect()
    )
    out: list[Change] = []
    last_config: dict[str, dict[str, Any]] = {}
    for row in rows.iter_rows(named=True):
        what = _what(row, last_config)
        if row["ts"] < serving_since + SERVING_FOR or what is None:
            continue
        evidence = Evidence(
            source=row["source"],
            path=row["file"],
            line=row["line"],
            ts=row["ts"],
            text=row["raw"] or row["message"] or "",
            stream=row["stream"],
            offset_ms=row["clock_offset_ms"],
        )
        out.append(Change(kind=row["_change"], ts=row["ts"], what=what, evidence=evidence))
    return out


def _what(row: dict[str, Any], last_config: dict[str, dict[str, Any]]) -> str | None:
    """A few words on what changed; None for a configuration identical to the provider's previous one."""
    message = row["message"] or ""
    kind = row["_change"]
    if kind == "config_reload":
        provider = _provider(row["raw"] or message)
        config = _json(message)
        before = last_config.get(provider)
        if config is not None:
            last_config[provider] = config
        if before is None or config is None:
            return f"provider {provider}: new configuration"
        changed = dynamic_diff(before, config)
        return f"provider {provider}: " + "; ".join(changed) if changed else None
    if kind == "provider_event":
        action = _DOCKER_EVENT.search(message)
        name = _CONTAINER.search(message)
        return " ".join(
            part
            for part in ("container", name.group(1) if name else None, action.group(1) if action else "event")
            if part
        )
    if kind == "proxy_start":
        return "Traefik started"
    where = f"{row['file']}[{row['stream']}]" if row["stream"] else row["file"]
    return f"{where}: {message.strip()[:120]}"


def _provider(message: str) -> str:
    m = _PROVIDER.search(message)
    return next((g for g in m.groups() if g), "?") if m else "?"


def _json(message: str) -> dict[str, Any] | None:
    """The configuration JSON a ``Configuration received`` line carries, or None."""
    start = _JSON_START.search(message)
    if start is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(message[start.start() :])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


#: The router settings whose change decides where a request goes.
ROUTER_FIELDS: Final = ("rule", "priority", "service", "entryPoints", "middlewares", "tls")


def dynamic_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two dynamic configurations of one provider (Traefik's JSON): routers added,
    removed or changed in the settings that route requests, and services whose servers changed."""
    out: list[str] = []
    old_routers = (before.get("http") or {}).get("routers") or {}
    new_routers = (after.get("http") or {}).get("routers") or {}
    for name in sorted(set(old_routers) | set(new_routers)):
        old, new = old_routers.get(name), new_routers.get(name)
        if old is None:
            out.append(f"router {name} added")
        elif new is None:
            out.append(f"router {name} removed")
        else:
            changes = [
                f"{key} {_shown(old.get(key))} → {_shown(new.get(key))}"
                for key in ROUTER_FIELDS
                if old.get(key) != new.get(key)
            ]
            if changes:
                out.append(f"router {name}: " + ", ".join(changes))
    old_services = (before.get("http") or {}).get("services") or {}
    new_services = (after.get("http") or {}).get("services") or {}
    for name in sorted(set(old_services) | set(new_services)):
        old_servers, new_servers = _servers(old_services.get(name)), _servers(new_services.get(name))
        if old_servers != new_servers:
            out.append(f"service {name}: servers {_shown(old_servers)} → {_shown(new_servers)}")
    return out


def _servers(service: Any) -> list[str]:
    if not isinstance(service, dict):
        return []
    servers = (service.get("loadBalancer") or {}).get("servers") or []
    return [str(s.get("url") or s.get("address")) for s in servers if isinstance(s, dict)]


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def began_after(first_seen: datetime | None, changes: list[Change]) -> tuple[Change, float] | None:
    """The last change at most :data:`BEGAN_WITHIN` before a failure's first evidence, and the seconds
    between them."""
    if first_seen is None:
        return None
    before = [c for c in changes if c.ts <= first_seen and first_seen - c.ts <= BEGAN_WITHIN]
    if not before:
        return None
    change = max(before, key=lambda c: c.ts)
    return change, (first_seen - change.ts).total_seconds()
