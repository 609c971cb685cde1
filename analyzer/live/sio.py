"""Socket.IO packets inside Engine.IO messages: enough to connect a namespace and read the answer.

Format (socket.io-parser ``lib/index.ts`` ``decodeString``): ``<type>[<attachments>-][<nsp>,][<ack id>][JSON]``
with types ``0 CONNECT``, ``1 DISCONNECT``, ``2 EVENT``, ``3 ACK``, ``4 CONNECT_ERROR`` (``ERROR`` in
protocol v4 / socket.io 2), ``5 BINARY_EVENT``, ``6 BINARY_ACK``. In protocol v5 (socket.io ≥ 3, Engine.IO
v4) the client must send ``CONNECT`` for every namespace, ``/`` included, and the server answers
``0{"sid":…}`` or ``4{"message":…}``; in protocol v4 (socket.io 2, Engine.IO v3) the server connects ``/``
by itself and sends ``0`` (an Engine.IO message ``40``) right after the handshake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

TYPES: Final = ("CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK")


@dataclass(frozen=True)
class SioPacket:
    """A decoded Socket.IO packet."""

    type: str
    nsp: str = "/"
    data: Any = None
    ack: int | None = None
    attachments: int | None = None


def decode(text: str) -> SioPacket | None:
    """The Socket.IO packet inside an Engine.IO message's text, or None when it is not one."""
    if not text or not text[0].isdigit() or int(text[0]) >= len(TYPES):
        return None
    kind = TYPES[int(text[0])]
    i = 1
    attachments = None
    if kind in ("BINARY_EVENT", "BINARY_ACK"):
        dash = text.find("-", i)
        if dash < 0 or not text[i:dash].isdigit():
            return None
        attachments, i = int(text[i:dash]), dash + 1
    nsp = "/"
    if text[i : i + 1] == "/":
        comma = text.find(",", i)
        end = comma if comma >= 0 else len(text)
        nsp, i = text[i:end], end + 1
    start = i
    while i < len(text) and text[i].isdigit():
        i += 1
    ack = int(text[start:i]) if i > start else None
    data = None
    if i < len(text):
        try:
            data = json.loads(text[i:])
        except ValueError:
            return None
    return SioPacket(kind, nsp, data, ack, attachments)


def connect(nsp: str = "/", auth: dict[str, Any] | None = None) -> str:
    """The CONNECT packet's text (``0``, ``0/admin,``, ``0{"token":…}``)."""
    head = "0" if nsp == "/" else f"0{nsp},"
    return head + (json.dumps(auth, separators=(",", ":")) if auth else "")


def error_message(packet: SioPacket) -> str | None:
    """The reason of a CONNECT_ERROR (``{"message": …}`` in v5, a bare string in v4)."""
    if packet.type != "CONNECT_ERROR":
        return None
    if isinstance(packet.data, dict):
        return str(packet.data.get("message", packet.data))
    return None if packet.data is None else str(packet.data)
