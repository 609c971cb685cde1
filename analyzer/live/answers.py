"""Reading an HTTP answer the way an engineer does: who wrote it, and which catalog failure it shows.

Who answered is told by the response's own marks, each from the software that writes it:

- Traefik's own answers: Go's ``http.NotFound`` body ``404 page not found`` when no router matches;
  ``Bad Gateway`` / ``Service Unavailable`` / ``Gateway Timeout`` (``http.StatusText``) when the upstream
  cannot be reached or no server is healthy.
- Express's finalhandler: ``Cannot GET /path`` in an HTML ``<pre>`` with ``X-Powered-By: Express``.
- engine.io: ``{"code":N,"message":"…"}`` (``lib/server.ts`` ``errorMessages``: 0 Transport unknown,
  1 Session ID unknown, 2 Bad handshake method, 3 Bad request, 4 Forbidden, 5 Unsupported protocol version).
- python-engineio: a JSON string (``"Invalid session …"``, ``"Not an accepted origin."``, ``"The client is
  using an unsupported version of the Socket.IO or Engine.IO protocols"``).
- gorilla/websocket: ``Bad Request`` with ``Sec-Websocket-Version: 13`` on a refused upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from analyzer.live.eio import error_body

#: Response headers that tell who answered, in the order a report shows them.
WHO_HEADERS: Final = (
    "server",
    "x-powered-by",
    "content-type",
    "via",
    "x-served-by",
    "x-cache",
    "cf-ray",
    "sec-websocket-version",
    "access-control-allow-origin",
    "set-cookie",
    "location",
)

Stage = Literal["handshake", "post", "poll", "upgrade", "payload", "websocket"]

_TRAEFIK_BODIES: Final = {
    404: b"404 page not found\n",
    502: b"Bad Gateway",
    503: b"Service Unavailable",
    504: b"Gateway Timeout",
}
#: engine.io's ``errorMessages`` by code; a refused upgrade carries the bare message as text/html
#: (``abortUpgrade``), a refused HTTP request the JSON object.
ENGINE_MESSAGES: Final = {
    "Transport unknown": 0,
    "Session ID unknown": 1,
    "Bad handshake method": 2,
    "Bad request": 3,
    "Forbidden": 4,
    "Unsupported protocol version": 5,
}
_HEAD = re.compile(r"(?is)<(head|script|style)\b.*?</\1\s*>")
_TAGS = re.compile(r"<[^>]*>")
_CANNOT = re.compile(rb"Cannot (GET|POST|HEAD|OPTIONS) ([^<\s]+)")


@dataclass(frozen=True)
class Answer:
    """An HTTP response as the probe keeps it (header names lower-case, the body cut at 64 KiB)."""

    status: int
    headers: dict[str, str]
    body: bytes

    def who_headers(self) -> dict[str, str]:
        """The headers that tell who answered, with their original order kept."""
        return {name: self.headers[name] for name in WHO_HEADERS if name in self.headers}

    def body_text(self, limit: int = 160) -> str:
        """The body as one printable line (an HTML page's text without its tags), cut at ``limit``."""
        text = self.body[: max(limit * 4, 4096)].decode("utf-8", "replace")
        if "html" in self.headers.get("content-type", "") or text.lstrip().startswith("<"):
            text = _TAGS.sub(" ", _HEAD.sub(" ", text))
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def answered_by(answer: Answer) -> str:
    """A few words on who wrote this answer (``Traefik itself (no router matched)``, ``Express``, …)."""
    if answer.status in _TRAEFIK_BODIES and answer.body.strip() == _TRAEFIK_BODIES[answer.status].strip():
        return (
            "the proxy itself (no router matched)"
            if answer.status == 404
            else "the proxy itself (upstream not reachable)"
        )
    powered = answer.headers.get("x-powered-by", "")
    server = answer.headers.get("server", "")
    if _CANNOT.search(answer.body):
        return f"an Express app{f' ({powered})' if powered and powered != 'Express' else ''} (its 404 page)"
    err = error_body(answer.body)
    if (err is not None and err[0] is not None) or _bare_message(answer):
        return "engine.io (Node Socket.IO server)"
    if err is not None:
        return f"python-engineio{f' on {server}' if server else ''}"
    if answer.headers.get("sec-websocket-version") and answer.status == 400:
        return "a WebSocket server refusing the upgrade (gorilla/websocket style)"
    parts = [p for p in (server, powered) if p]
    return ", ".join(parts) if parts else "an unnamed server"


def _bare_message(answer: Answer) -> tuple[int | None, str] | None:
    """engine.io's refused upgrade: the bare message (``Session ID unknown``) as the whole body."""
    text = answer.body.decode("utf-8", "replace").strip()
    return (ENGINE_MESSAGES[text], text) if text in ENGINE_MESSAGES else None


def is_proxy_404(answer: Answer) -> bool:
    """Traefik's (Go's) own ``404 page not found``: no router matched the request."""
    return answer.status == 404 and answer.body.rstrip(b"\n") == b"404 page not found"


def fingerprint(answer: Answer) -> tuple[object, ...]:
    """What stays the same across two answers of one service to two unknown paths (the path removed)."""
    body = _CANNOT.sub(rb"Cannot \1 PATH", answer.body)
    return (
        answer.status,
        answer.headers.get("server"),
        answer.headers.get("x-powered-by"),
        answer.headers.get("content-type"),
        answer.headers.get("content-security-policy"),
        len(body),
        body[:200],
    )


@dataclass(frozen=True)
class Diagnosis:
    """The catalog rule an answer is evidence of, and why, in one sentence."""

    rule: str | None
    why: str


def diagnose(answer: Answer, stage: Stage, *, same_as_elsewhere: bool | None = None) -> Diagnosis:
    """What a failed answer at ``stage`` means.

    ``same_as_elsewhere``: for an application's 404 on the handshake path, whether the same service
    answers a path outside the Socket.IO prefix the same way (then a generic router took the handshake:
    ``handshake-wrong-router``; else the service behind the Socket.IO route does not know the path:
    ``path-mismatch``).
    """
    status = answer.status
    who = answered_by(answer)
    err = error_body(answer.body) or _bare_message(answer)
    message = err[1] if err else ""
    code = err[0] if err else None
    low = message.lower()
    if status in (502, 503, 504):
        return Diagnosis("backend-unreachable", f"{status} from {who}: the proxy could not reach the backend")
    if status == 413 or "max payload" in low or "too large" in low:
        return Diagnosis("payload-too-large", f"{status} from {who}: the message is larger than it accepts")
    if code == 5 or "unsupported version" in low or "unsupported protocol" in low:
        return Diagnosis(
            "protocol-version-mismatch",
            f"{status} {message!r} from {who}: the server does not speak this Engine.IO version",
        )
    if code == 1 or low.startswith("invalid session") or "session id unknown" in low:
        return Diagnosis(
            "sticky-session-missing",
            f"{status} {message!r} from {who}: the request of a session just opened reached a server that "
            "does not know it (no sticky session across replicas)",
        )
    if code == 4 or status == 403 or "origin" in low:
        return Diagnosis(
            "origin-rejected",
            f"{status} {message or answer.body_text(60)!r} from {who}: the origin is refused",
        )
    if (stage in ("upgrade", "websocket") and status in (400, 426)) or (stage == "upgrade" and status == 200):
        return Diagnosis(
            "upgrade-headers-stripped",
            f"{status} from {who} to a WebSocket upgrade: the server did not see the `Upgrade` / "
            "`Connection` headers the probe sent",
        )
    if status == 404 and is_proxy_404(answer):
        return Diagnosis(
            "path-mismatch",
            "404 `404 page not found` from the proxy itself: no router matches this host and path "
            "(the client's path or host differs from what the proxy routes)",
        )
    if status == 404 and stage in ("handshake", "websocket"):
        if same_as_elsewhere:
            return Diagnosis(
                "handshake-wrong-router",
                f"404 from {who}, the same answer a path outside the Socket.IO prefix gets: the handshake "
                "reaches the service that serves everything else, not the WebSocket service (unless the "
                "WebSocket service runs the same framework and listens on another path: path-mismatch; the "
                "proxy's access log tells which router answered)",
            )
        return Diagnosis(
            "path-mismatch",
            f"404 from {who}, unlike the answer to a path outside the Socket.IO prefix: the service behind "
            "the Socket.IO route does not listen on this path",
        )
    if stage == "handshake" and status == 200:
        return Diagnosis(
            "handshake-wrong-router",
            f"200 from {who} without an Engine.IO open packet: the handshake reaches a service that is not "
            "a Socket.IO server (a front-end's catch-all page)",
        )
    return Diagnosis(None, f"{status} {message or answer.body_text(60)!r} from {who}")
