"""Engine.IO packets and polling payloads, protocol v3 (engine.io 3.x, socket.io 2) and v4 (engine.io ≥ 4).

Read from the protocol's source, not from samples:

- packet: ``<type digit>[data]``, types ``0 open``, ``1 close``, ``2 ping``, ``3 pong``, ``4 message``,
  ``5 upgrade``, ``6 noop`` (engine.io-parser ``lib/commons.ts``); binary data in a text payload is
  ``b<base64>`` in v4 (``lib/decodePacket.ts``) and ``b<type digit><base64>`` in v3 (2.2.1 ``lib/index.js``
  ``encodeBase64Packet``); on a WebSocket a v4 binary frame is the data alone, a v3 one starts with the
  type as a byte.
- v4 polling payload: packets joined by the record separator ``\\x1e`` (``lib/index.ts`` ``SEPARATOR``).
- v3 polling payload, text: ``<length>:<packet>`` repeated, the length counted in UTF-16 code units as
  JavaScript's ``String.length`` does (``setLengthHeader``; an empty payload is ``0:``); binary
  (``application/octet-stream``, ``encodePayloadAsBinary``): per packet a byte ``0`` (string) or ``1``
  (binary), the length's decimal digits as bytes 0–9, a byte 255, then the packet (a string packet's
  characters as its UTF-8 bytes; a binary one's type as a byte).
- open packet: ``{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}`` (engine.io
  ``lib/socket.ts`` ``onOpen``; ``maxPayload`` only from engine.io 4 on).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Final, Literal

PacketType = Literal["open", "close", "ping", "pong", "message", "upgrade", "noop"]
TYPES: Final[tuple[PacketType, ...]] = ("open", "close", "ping", "pong", "message", "upgrade", "noop")
Version = Literal[3, 4]
SEPARATOR: Final = "\x1e"


class DecodeError(ValueError):
    """Bytes that are not an Engine.IO packet or payload of the version asked for."""


@dataclass(frozen=True)
class Packet:
    """One Engine.IO packet: its type and its data (text, bytes for binary messages, or none)."""

    type: PacketType
    data: str | bytes | None = None

    @property
    def code(self) -> str:
        """The packet's type digit (``"4"`` for a message)."""
        return str(TYPES.index(self.type))

    def text(self) -> str:
        """The packet as a string, binary data in base64 (``b…`` in v4 style), for reports."""
        if isinstance(self.data, bytes):
            return "b" + base64.b64encode(self.data).decode("ascii")
        return self.code + (self.data or "")


@dataclass(frozen=True)
class OpenInfo:
    """What an ``open`` packet announces."""

    sid: str
    upgrades: tuple[str, ...]
    ping_interval_ms: int | None
    ping_timeout_ms: int | None
    #: engine.io ≥ 4: the largest payload the server accepts (its ``maxHttpBufferSize``); None before.
    max_payload: int | None


def decode_packet(raw: str | bytes, *, eio: Version = 4) -> Packet:
    """One packet as a transport delivered it: a text frame / payload item (str) or a binary frame (bytes).

    >>> decode_packet("3probe")
    Packet(type='pong', data='probe')
    """
    if isinstance(raw, bytes):
        if eio == 3:
            if not raw or raw[0] >= len(TYPES):
                raise DecodeError(f"binary v3 packet with no valid type byte: {raw[:8]!r}")
            return Packet(TYPES[raw[0]], raw[1:])
        return Packet("message", raw)
    if not raw:
        raise DecodeError("empty packet")
    if raw[0] == "b":
        body = raw[1:]
        kind: PacketType = "message"
        if eio == 3:
            if not body or not body[0].isdigit() or int(body[0]) >= len(TYPES):
                raise DecodeError(f"base64 v3 packet with no type digit: {raw[:20]!r}")
            kind, body = TYPES[int(body[0])], body[1:]
        try:
            return Packet(kind, base64.b64decode(body, validate=True))
        except binascii.Error as exc:
            raise DecodeError(f"bad base64 in binary packet: {exc}") from None
    if not raw[0].isdigit() or int(raw[0]) >= len(TYPES):
        raise DecodeError(f"unknown packet type {raw[0]!r} in {raw[:20]!r}")
    return Packet(TYPES[int(raw[0])], raw[1:] if len(raw) > 1 else None)


def encode_packet(packet: Packet, *, eio: Version = 4, binary_frames: bool = False) -> str | bytes:
    """A packet as text (binary data in base64), or with ``binary_frames`` a binary message as raw bytes."""
    if isinstance(packet.data, bytes):
        if binary_frames:
            return bytes([TYPES.index(packet.type)]) + packet.data if eio == 3 else packet.data
        prefix = "b" + packet.code if eio == 3 else "b"
        return prefix + base64.b64encode(packet.data).decode("ascii")
    return packet.code + (packet.data or "")


def _utf16_len(text: str) -> int:
    """JavaScript's ``String.length``: characters beyond the BMP count twice (surrogate pairs)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _take_utf16(text: str, start: int, units: int) -> tuple[str, int]:
    """``units`` UTF-16 code units of ``text`` from ``start``: the substring and the index after it."""
    i, counted = start, 0
    while counted < units and i < len(text):
        counted += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    if counted != units:
        raise DecodeError(f"v3 payload cut short: {units} code units announced, {counted} present")
    return text[start:i], i


def encode_payload(packets: list[Packet], *, eio: Version = 4) -> str:
    """A polling payload of text packets (binary data in base64): what a client POSTs."""
    if eio == 4:
        return SEPARATOR.join(str(encode_packet(p, eio=4)) for p in packets)
    if not packets:
        return "0:"
    parts = []
    for p in packets:
        item = str(encode_packet(p, eio=3))
        parts.append(f"{_utf16_len(item)}:{item}")
    return "".join(parts)


def decode_payload(body: bytes, *, eio: Version = 4, content_type: str | None = None) -> list[Packet]:
    """The packets of a polling response body.

    ``content_type`` decides between v3's binary and text framings (``application/octet-stream`` is the
    binary one); a v3 body that starts with the byte 0 or 1 is read as binary too.
    """
    binary = (content_type or "").split(";")[0].strip().lower() == "application/octet-stream"
    if eio == 3 and (binary or (body[:1] in (b"\x00", b"\x01"))):
        return _decode_v3_binary(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"payload is not UTF-8 text: {exc}") from None
    if not text:
        raise DecodeError("empty payload")
    if eio == 4:
        return [decode_packet(item, eio=4) for item in text.split(SEPARATOR)]
    return _decode_v3_text(text)


def _decode_v3_text(text: str) -> list[Packet]:
    packets: list[Packet] = []
    i = 0
    while i < len(text):
        colon = text.find(":", i)
        digits = text[i:colon] if colon >= 0 else text[i:]
        if colon < 0 or not digits.isdigit() or len(digits) > 10:
            raise DecodeError(f"v3 payload: expected <length>: at offset {i}, got {text[i : i + 20]!r}")
        item, i = _take_utf16(text, colon + 1, int(digits))
        if item:
            packets.append(decode_packet(item, eio=3))
    return packets


def _decode_v3_binary(body: bytes) -> list[Packet]:
    packets: list[Packet] = []
    i = 0
    while i < len(body):
        flag = body[i]
        if flag not in (0, 1):
            raise DecodeError(f"v3 binary payload: expected byte 0 or 1 at offset {i}, got {flag}")
        end = body.find(b"\xff", i + 1)
        digits = body[i + 1 : end] if end > 0 else b""
        if end < 0 or not digits or len(digits) > 10 or any(d > 9 for d in digits):
            raise DecodeError(f"v3 binary payload: bad length at offset {i}")
        length = int("".join(str(d) for d in digits))
        item = body[end + 1 : end + 1 + length]
        if len(item) != length:
            raise DecodeError(f"v3 binary payload cut short: {length} bytes announced, {len(item)} present")
        i = end + 1 + length
        if flag == 0:
            try:
                packets.append(decode_packet(item.decode("utf-8"), eio=3))
            except UnicodeDecodeError as exc:
                raise DecodeError(f"v3 binary payload: string packet not UTF-8: {exc}") from None
        else:
            packets.append(decode_packet(item, eio=3))
    return packets


def parse_open(packet: Packet) -> OpenInfo:
    """The fields of an ``open`` packet; :class:`DecodeError` when it is not one or lacks a sid."""
    if packet.type != "open" or not isinstance(packet.data, str):
        raise DecodeError(f"expected an open packet (0{{…}}), got {packet.text()[:60]!r}")
    try:
        fields = json.loads(packet.data)
    except ValueError:
        raise DecodeError(f"open packet data is not JSON: {packet.data[:60]!r}") from None
    if not isinstance(fields, dict) or not isinstance(fields.get("sid"), str) or not fields["sid"]:
        raise DecodeError(f"open packet without a sid: {packet.data[:60]!r}")
    upgrades = fields.get("upgrades")

    def number(name: str) -> int | None:
        value = fields.get(name)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return OpenInfo(
        sid=fields["sid"],
        upgrades=tuple(u for u in upgrades if isinstance(u, str)) if isinstance(upgrades, list) else (),
        ping_interval_ms=number("pingInterval"),
        ping_timeout_ms=number("pingTimeout"),
        max_payload=number("maxPayload"),
    )


def error_body(body: bytes) -> tuple[int | None, str] | None:
    """An Engine.IO server's error answer as (code, message): engine.io's JSON object
    ``{"code":1,"message":"Session ID unknown"}`` (``lib/server.ts``), or python-engineio's JSON string
    ``"Invalid session …"`` (``base_server.py`` ``_bad_request``), which has no code."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if (
        isinstance(value, dict)
        and isinstance(value.get("code"), int)
        and isinstance(value.get("message"), str)
    ):
        return value["code"], value["message"]
    if isinstance(value, str) and value:
        return None, value
    return None
