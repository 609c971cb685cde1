"""Engine.IO / Socket.IO packets as a browser sees them in HAR bodies and WebSocket frames.

Protocol facts (engine.io-protocol v4, socket.io-protocol v5): an Engine.IO packet is a type digit
(``0`` open, ``1`` close, ``2`` ping, ``3`` pong, ``4`` message, ``5`` upgrade, ``6`` noop) and its data;
``0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…}`` opens a session. A polling body holds
several packets, separated by ``\\x1e`` (EIO=4) or length-prefixed ``96:0{…}2:40`` (EIO=3); a WebSocket
frame holds one. A Socket.IO packet rides in a message: ``4`` + its type digit (``0`` connect,
``1`` disconnect, ``2`` event, ``3`` ack, ``4`` connect_error, ``5``/``6`` binary), then an optional
``/namespace,``, an optional ack id and JSON — ``40{"sid":"<socket id>"}``, ``44{"message":"Not authorized"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

_ENGINE: Final = {
    "0": "open",
    "1": "close",
    "2": "ping",
    "3": "pong",
    "4": "message",
    "5": "upgrade",
    "6": "noop",
}
_SOCKET: Final = {
    "0": "connect",
    "1": "disconnect",
    "2": "event",
    "3": "ack",
    "4": "connect_error",
    "5": "binary_event",
    "6": "binary_ack",
}
_SOCKET_HEAD: Final = re.compile(r"^(?P<type>\d)(?:\d+-)?(?:(?P<nsp>/[^,]*),)?\d*(?P<json>.*)$", re.DOTALL)
_EIO3_LENGTH: Final = re.compile(r"(\d+):")


@dataclass(frozen=True)
class Packet:
    """One Engine.IO packet, with the Socket.IO packet it carries when it is a message."""

    engine: str
    data: str
    socket: str | None = None
    namespace: str | None = None
    #: The JSON of the Socket.IO packet (``{"sid":…}`` for connect, ``{"message":…}`` for connect_error).
    payload: Any = None


def decode(text: str) -> Packet | None:
    """One packet from its text, or None when the text is not an Engine.IO packet."""
    engine = _ENGINE.get(text[:1])
    if engine is None:
        return None
    data = text[1:]
    if engine != "message":
        return Packet(engine, data)
    head = _SOCKET_HEAD.match(data)
    if head is None or head["type"] not in _SOCKET:
        return Packet(engine, data)
    return Packet(engine, data, _SOCKET[head["type"]], head["nsp"] or "/", _json(head["json"]))


def split_payload(body: str) -> list[str]:
    """The packets of a polling body (EIO=4 ``\\x1e``-separated, or EIO=3 length-prefixed)."""
    if "\x1e" in body:
        return body.split("\x1e")
    if _EIO3_LENGTH.match(body):
        packets = []
        pos = 0
        while pos < len(body):
            m = _EIO3_LENGTH.match(body, pos)
            if m is None:
                break
            start = m.end()
            size = int(m[1])
            packets.append(body[start : start + size])
            pos = start + size
        return packets
    return [body]


def open_data(packet: Packet) -> dict[str, Any] | None:
    """The handshake object of an open packet (``sid``, ``pingInterval``, …), or None."""
    if packet.engine != "open":
        return None
    value = _json(packet.data)
    return value if isinstance(value, dict) and isinstance(value.get("sid"), str) else None


def connect_error_message(packet: Packet) -> str | None:
    """The reason a server refused a namespace (``Not authorized``), from a connect_error packet."""
    payload = packet.payload
    if isinstance(payload, dict):
        message = payload.get("message")
        return str(message) if message is not None else json.dumps(payload)
    if isinstance(payload, str):
        return payload
    return None


def _json(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
