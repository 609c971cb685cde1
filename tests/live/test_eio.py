"""Engine.IO v3/v4 and Socket.IO packet decoding, on bytes recorded from real servers (tests/data/live/eio/,
its README says how) and on engine.io-parser's own test vectors (2.2.1 ``test/parser.js``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.live import eio, sio

DATA = Path(__file__).resolve().parents[1] / "data" / "live" / "eio"


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize("name", ["v4_open.bin", "py_v4_open.bin"])
def test_v4_open_packet(name: str) -> None:
    (packet,) = eio.decode_payload(body(name), eio=4, content_type="text/plain; charset=UTF-8")
    info = eio.parse_open(packet)
    assert len(info.sid) == 20
    assert info.upgrades == ("websocket",)
    assert (info.ping_interval_ms, info.ping_timeout_ms, info.max_payload) == (25000, 20000, 1000000)


@pytest.mark.parametrize("name", ["v3_open.bin", "v3_open_b64.bin"])
def test_v3_open_packet_is_length_prefixed(name: str) -> None:
    raw = body(name)
    assert raw.startswith(b"118:0{")
    (packet,) = eio.decode_payload(raw, eio=3)
    assert eio.parse_open(packet).upgrades == ("websocket",)


def test_v3_second_poll_carries_the_namespace_connect() -> None:
    (packet,) = eio.decode_payload(body("v3_second_poll.bin"), eio=3)
    assert packet == eio.Packet("message", "0")
    assert sio.decode(packet.data) == sio.SioPacket("CONNECT")  # type: ignore[arg-type]


def test_v3_binary_payload() -> None:
    packets = eio.decode_payload(
        body("v3_binary_payload.bin"), eio=3, content_type="application/octet-stream"
    )
    assert packets == [
        eio.Packet("message", '51-["chat",{"_placeholder":true,"num":0}]'),
        eio.Packet("message", b"\x01\x02\x03\xff"),
    ]
    event = sio.decode(packets[0].data)  # type: ignore[arg-type]
    assert event is not None and (event.type, event.attachments, event.data[0]) == ("BINARY_EVENT", 1, "chat")


def test_v3_lengths_count_utf16_code_units() -> None:
    raw = body("v3_utf16_payload.bin")
    assert raw.startswith(b"20:")  # 19 code points, the emoji counts twice
    (packet,) = eio.decode_payload(raw, eio=3)
    assert packet == eio.Packet("message", '2["chat","café 😀"]')
    assert eio.encode_payload([packet], eio=3).encode() == raw


def test_v4_payload_with_binary_and_separator() -> None:
    packets = eio.decode_payload(body("v4_binary_payload.bin"), eio=4)
    assert packets == [
        eio.Packet("message", '51-["chat",{"_placeholder":true,"num":0}]'),
        eio.Packet("message", b"\x01\x02\x03\xff"),
        eio.Packet("message", '2["chat","café 😀"]'),
    ]
    assert eio.encode_payload(packets, eio=4).encode() == body("v4_binary_payload.bin")


def test_v4_namespace_connect_answer() -> None:
    (packet,) = eio.decode_payload(body("v4_connect_answer.bin"), eio=4)
    answer = sio.decode(packet.data)  # type: ignore[arg-type]
    assert answer is not None and answer.type == "CONNECT" and set(answer.data) == {"sid"}


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("v4_session_id_unknown.bin", 1, "Session ID unknown"),
        ("py_invalid_session.bin", None, "Invalid session nosuchsid"),
        (
            "py_v3_rejected.bin",
            None,
            "The client is using an unsupported version of the Socket.IO or Engine.IO protocols",
        ),
    ],
)
def test_error_answers(name: str, code: int | None, message: str) -> None:
    assert eio.error_body(body(name)) == (code, message)


def test_error_body_of_something_else() -> None:
    assert eio.error_body(b"404 page not found\n") is None
    assert eio.error_body(b"<pre>Cannot GET /socket.io/</pre>") is None


# engine.io-parser 2.2.1 test/parser.js: "should not utf8 encode when dealing with strings only"
def test_v3_encoding_vector_from_engine_io_parser() -> None:
    packets = [eio.Packet("message", "€€€"), eio.Packet("message", "α")]
    assert eio.encode_payload(packets, eio=3) == "4:4€€€2:4α"
    assert eio.decode_payload("4:4€€€2:4α".encode(), eio=3) == packets


# engine.io-parser 2.2.1 test/parser.js: "decoding error handling" — each is a parser error
@pytest.mark.parametrize("text", ["1!", "", "))", "1:", "3:99:", "1:aa", "1:a2:b"])
def test_v3_bad_payloads_are_errors(text: str) -> None:
    with pytest.raises(eio.DecodeError):
        eio.decode_payload(text.encode(), eio=3)


def test_v3_empty_payload_marker() -> None:
    assert eio.encode_payload([], eio=3) == "0:"
    assert eio.decode_payload(b"0:", eio=3) == []


@pytest.mark.parametrize(
    ("raw", "packet"),
    [
        ("2probe", eio.Packet("ping", "probe")),
        ("3probe", eio.Packet("pong", "probe")),
        ("5", eio.Packet("upgrade")),
        ("6", eio.Packet("noop")),
        ("1", eio.Packet("close")),
        ("bAQID", eio.Packet("message", b"\x01\x02\x03")),
    ],
)
def test_v4_packets(raw: str, packet: eio.Packet) -> None:
    assert eio.decode_packet(raw, eio=4) == packet
    assert eio.encode_packet(packet, eio=4) == raw


def test_v3_base64_carries_the_type() -> None:
    assert eio.decode_packet("b4AQID", eio=3) == eio.Packet("message", b"\x01\x02\x03")
    assert eio.encode_packet(eio.Packet("message", b"\x01\x02\x03"), eio=3) == "b4AQID"


def test_binary_websocket_frames() -> None:
    assert eio.decode_packet(b"\x04\x01\x02", eio=3) == eio.Packet("message", b"\x01\x02")
    assert eio.decode_packet(b"\x04\x01\x02", eio=4) == eio.Packet("message", b"\x04\x01\x02")
    message = eio.Packet("message", b"\x01")
    assert eio.encode_packet(message, eio=3, binary_frames=True) == b"\x04\x01"
    assert eio.encode_packet(message, eio=4, binary_frames=True) == b"\x01"


@pytest.mark.parametrize("raw", ["", "9", "x", "b!!", "b9AA"])
def test_bad_packets(raw: str) -> None:
    with pytest.raises(eio.DecodeError):
        eio.decode_packet(raw, eio=3)


def test_open_packet_problems() -> None:
    with pytest.raises(eio.DecodeError, match="without a sid"):
        eio.parse_open(eio.Packet("open", "{}"))
    with pytest.raises(eio.DecodeError, match="not JSON"):
        eio.parse_open(eio.Packet("open", "<html>"))
    with pytest.raises(eio.DecodeError, match="expected an open packet"):
        eio.parse_open(eio.Packet("message", "0"))


def test_socketio_packets() -> None:
    assert sio.connect() == "0"
    assert sio.connect("/admin", {"token": "x"}) == '0/admin,{"token":"x"}'
    refused = sio.decode('4{"message":"Not authorized"}')
    assert refused is not None and sio.error_message(refused) == "Not authorized"
    legacy = sio.decode('4"Invalid namespace"')  # protocol v4 (socket.io 2) ERROR: a bare string
    assert legacy is not None and sio.error_message(legacy) == "Invalid namespace"
    assert sio.decode('2/chat,12["hi"]') == sio.SioPacket("EVENT", "/chat", ["hi"], 12)
    assert sio.decode("x") is None
