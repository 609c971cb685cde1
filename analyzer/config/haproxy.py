"""HAProxy configuration (``haproxy.cfg``): sections, their keywords with file and line, and the checks.

The format is line-oriented (HAProxy manual, "2. Configuration file format"): a section starts with
``global``, ``defaults [name]``, ``frontend``, ``backend`` or ``listen`` at the start of a line; every other
non-comment line is a keyword and its arguments, ``#`` starts a comment. Read here line by line (no
maintained Python parser exists; HAProxy's own is C). What matters for WebSockets:

- the backend Socket.IO reaches: a ``use_backend NAME if ACL`` whose ACL tests the path (``path_beg
  /socket.io``), else ``default_backend``; a ``listen`` section is its own frontend and backend;
- the timeouts in force there: ``timeout tunnel`` for an upgraded connection, else ``timeout client`` /
  ``timeout server``, from the section or the ``defaults`` before it;
- affinity: ``balance source``, ``balance uri``/``hdr``, ``cookie … insert`` / ``stick on``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from analyzer.findings import Evidence, Finding

if TYPE_CHECKING:
    from analyzer.config.model import ConfigSet

_SECTION = re.compile(
    r"^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|cache)\b\s*(\S*)"
)
#: Socket.IO's pingInterval + pingTimeout by default: an upgraded connection must stay open this long idle.
HEARTBEAT_S: Final = 45.0


def looks_like_haproxy(lines: list[str]) -> bool:
    """Whether a file is HAProxy configuration: a frontend/backend/listen section and a defaults or global."""
    heads = {m.group(1) for line in lines if (m := _SECTION.match(line))}
    return bool(heads & {"frontend", "backend", "listen"}) and bool(heads & {"defaults", "global", "listen"})


@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]
    file: str
    line: int
    text: str


@dataclass
class Section:
    kind: str
    name: str
    file: str
    line: int
    keywords: list[Keyword] = field(default_factory=list)
    #: The ``defaults`` section in force for this one (the last one above it).
    defaults: Section | None = None

    def find(self, *words: str) -> list[Keyword]:
        """The section's keywords that start with ``words``, else the defaults' (HAProxy's inheritance)."""
        own = [k for k in self.keywords if k.words[: len(words)] == words]
        if own or self.defaults is None:
            return own
        return self.defaults.find(*words)


@dataclass
class HAProxyConfig:
    path: str
    sections: list[Section] = field(default_factory=list)

    def backend(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.kind in ("backend", "listen") and s.name == name), None)


def load_haproxy(text: str, path: str) -> HAProxyConfig:
    """Sections and keywords of an HAProxy configuration (comments and blank lines dropped)."""
    config = HAProxyConfig(path)
    current: Section | None = None
    defaults: Section | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        head = _SECTION.match(raw)
        if head:
            current = Section(head.group(1), head.group(2), path, number, defaults=defaults)
            if current.kind == "defaults":
                defaults = current
                current.defaults = None
            config.sections.append(current)
            continue
        if current is not None:
            current.keywords.append(Keyword(tuple(line.split()), path, number, line))
    return config


def socketio_backends(config: HAProxyConfig) -> list[tuple[Section, Section, Keyword | None]]:
    """(frontend, backend, the line that routes Socket.IO there) for each frontend that proxies."""
    out: list[tuple[Section, Section, Keyword | None]] = []
    for fe in config.sections:
        if fe.kind not in ("frontend", "listen"):
            continue
        sio_acls = {
            k.words[1]
            for k in fe.find("acl")
            if len(k.words) > 2 and any("socket.io" in w or w in ("/ws", "/websocket") for w in k.words[2:])
        }
        chosen: tuple[str, Keyword] | None = None
        for k in fe.find("use_backend"):
            if len(k.words) > 3 and any(w.lstrip("!") in sio_acls for w in k.words[3:]):
                chosen = (k.words[1], k)
                break
        if chosen is None:
            default = fe.find("default_backend")
            if default and len(default[-1].words) > 1:
                chosen = (default[-1].words[1], default[-1])
        if chosen is not None:
            backend = config.backend(chosen[0])
            if backend is not None:
                out.append((fe, backend, chosen[1]))
        elif fe.kind == "listen" and any(k.words[0] == "server" for k in fe.keywords):
            out.append((fe, fe, None))  # a listen section is its own backend
    return out


def seconds(value: str) -> float | None:
    """An HAProxy time (``30s``, ``1m``, ``5000`` = ms, ``1h``, ``2d``, ``100us``) in seconds."""
    m = re.fullmatch(r"(\d+)(us|ms|s|m|h|d)?", value.strip())
    if not m:
        return None
    return (
        int(m.group(1))
        * {"us": 1e-6, "ms": 1e-3, None: 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    )


def _evidence(*keywords: Keyword | None) -> list[Evidence]:
    seen: list[Keyword] = []
    for k in keywords:
        if k is not None and k not in seen:
            seen.append(k)
    return [Evidence(source="config", path=k.file, line=k.line, ts=None, text=k.text) for k in seen]


def _header(section: Section) -> Keyword:
    return Keyword(
        (section.kind, section.name), section.file, section.line, f"{section.kind} {section.name}".strip()
    )


def _configs(config: ConfigSet) -> list[HAProxyConfig]:
    return list(getattr(config, "haproxy", []))


def tunnel_timeout(backend: Section, frontend: Section) -> tuple[float, Keyword] | None:
    """The idle timeout of an upgraded connection: ``timeout tunnel``, else the smaller of ``timeout client``
    (frontend) and ``timeout server`` (backend); None when none is set (HAProxy then never cuts it)."""
    tunnel = backend.find("timeout", "tunnel")
    if tunnel and len(tunnel[-1].words) > 2:
        value = seconds(tunnel[-1].words[2])
        return (value, tunnel[-1]) if value is not None else None
    found = []
    for section, side in ((frontend, "client"), (backend, "server")):
        kw = section.find("timeout", side)
        if kw and len(kw[-1].words) > 2 and (value := seconds(kw[-1].words[2])) is not None:
            found.append((value, kw[-1]))
    return min(found, key=lambda pair: pair[0]) if found else None


def haproxy_tunnel_findings(config: ConfigSet) -> list[Finding]:
    """``idle-timeout-cut`` on HAProxy: the Socket.IO backend's tunnel timeout under the heartbeat."""
    out = []
    for cfg in _configs(config):
        for fe, be, route in socketio_backends(cfg):
            found = tunnel_timeout(be, fe)
            if found is None or found[0] >= HEARTBEAT_S:
                continue
            value, kw = found
            out.append(
                Finding(
                    rule="idle-timeout-cut",
                    title=f"HAProxy cuts idle Socket.IO connections after {kw.words[2]}",
                    severity="high",
                    count=1,
                    explanation=(
                        f"`{fe.kind} {fe.name}` sends Socket.IO to `backend {be.name}`, where `{kw.text}` "
                        f"({kw.file}:{kw.line}) ends an upgraded connection after {value:g} s without traffic, "
                        f"below Socket.IO's heartbeat ({HEARTBEAT_S:g} s by default)."
                    ),
                    remediation=f"Set `timeout tunnel 1h` in `backend {be.name}` (or `defaults`), replacing {kw.file}:{kw.line}.",
                    keys={"backend": be.name},
                    evidence=_evidence(route, kw),
                    tags=["config", "haproxy"],
                )
            )
    return out


_AFFINITY = re.compile(
    r"^(?:balance (?:source|uri|url_param|hdr|rdp-cookie)|cookie \S+ (?:insert|prefix|rewrite)|stick )"
)


def haproxy_affinity_findings(config: ConfigSet) -> list[Finding]:
    """``sticky-session-missing`` on HAProxy: a Socket.IO backend of several servers without affinity."""
    out = []
    for cfg in _configs(config):
        for _fe, be, route in socketio_backends(cfg):
            servers = [k for k in be.keywords if k.words[0] == "server"]
            keywords = be.keywords + (be.defaults.keywords if be.defaults else [])
            if len(servers) < 2 or any(_AFFINITY.match(k.text) for k in keywords):
                continue
            out.append(
                Finding(
                    rule="sticky-session-missing",
                    title=f"HAProxy backend {be.name} balances Socket.IO without affinity",
                    severity="high",
                    count=1,
                    explanation=(
                        f"`backend {be.name}` ({be.file}:{be.line}) serves Socket.IO from {len(servers)} servers "
                        "with no `balance source`, cookie or stick rule: one session's polling requests are "
                        "spread over them, and those that did not create it answer `Session ID unknown`."
                    ),
                    remediation=(
                        f"Add `balance source` to `backend {be.name}` ({be.file}:{be.line}), or "
                        "`cookie SERVERID insert indirect nocache` with `cookie sN` on each `server` line."
                    ),
                    keys={"backend": be.name},
                    evidence=_evidence(route, _header(be), *servers),
                    tags=["config", "haproxy"],
                )
            )
    return out
