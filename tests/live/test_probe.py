"""``wsdiag probe`` without the capture stacks: URL handling, reading recorded answers, and plain-WebSocket
probes against a real ``websockets`` server running in a thread (the live stacks: test_probe_live.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h11
import jsonschema
import pytest
from click.testing import CliRunner
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.sync.server import ServerConnection, serve

from analyzer.cli import cli
from analyzer.errors import UsageError
from analyzer.live.answers import Answer, answered_by, diagnose, fingerprint
from analyzer.live.model import ProbeOptions
from analyzer.live.probe import parse_resolve, probe, target
from analyzer.report.probe_report import build_json, masked
from analyzer.rules import default_rule_dirs, load_rules

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ROOT / "tests" / "data" / "live" / "answers"
SCHEMA = json.loads((ROOT / "analyzer/report/wsdiag.report-1.schema.json").read_text())
RULES = load_rules(default_rule_dirs())


def recorded(name: str) -> Answer:
    """A whole recorded HTTP response, parsed by h11."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.receive_data((ANSWERS / name).read_bytes())
    conn.receive_data(b"")
    head: Any = conn.next_event()
    body = b""
    while True:
        event = conn.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    headers = {k.decode().lower(): v.decode() for k, v in head.headers}
    return Answer(head.status_code, headers, body)


# -- the URL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "extra", "mode", "origin", "path", "namespace"),
    [
        ("https://chat.example.com", {}, "socketio", "https://chat.example.com", "/socket.io/", "/"),
        ("wss://chat.example.com:8443/", {}, "socketio", "https://chat.example.com:8443", "/socket.io/", "/"),
        ("http://h/admin", {"path": "/realtime"}, "socketio", "http://h", "/realtime/", "/admin"),
        ("ws://h:81/ws/chat/?room=1", {}, "websocket", "http://h:81", "/ws/chat/?room=1", "/"),
        ("ws://h/socket.io/", {}, "socketio", "http://h", "/socket.io/", "/"),
        ("https://h/ws", {"mode": "websocket"}, "websocket", "https://h", "/ws", "/"),
    ],
)
def test_target(url: str, extra: dict[str, Any], mode: str, origin: str, path: str, namespace: str) -> None:
    t = target(ProbeOptions(url=url, **extra))
    assert (t.mode, t.origin, t.path, t.namespace) == (mode, origin, path, namespace)


@pytest.mark.parametrize("url", ["ftp://h/", "chat.example.com", "http:///x", "http://h:99999/"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(UsageError):
        target(ProbeOptions(url=url))


def test_resolve() -> None:
    assert parse_resolve(("chat.localhost:8080:127.0.0.1", "a.test:*:[::1]")) == (
        ("chat.localhost", 8080, "127.0.0.1"),
        ("a.test", 0, "::1"),
    )
    with pytest.raises(UsageError, match="HOST:PORT:ADDRESS"):
        parse_resolve(("chat.localhost:127.0.0.1",))


# -- reading answers ----------------------------------------------------------------------------------


def test_express_404_on_the_handshake() -> None:
    answer = recorded("express_404.http")
    assert answer.body_text() == "Cannot GET /realtime/"
    assert answered_by(answer) == "an Express app (its 404 page)"
    assert diagnose(answer, "handshake", same_as_elsewhere=True).rule == "handshake-wrong-router"
    assert diagnose(answer, "handshake", same_as_elsewhere=False).rule == "path-mismatch"


def test_fingerprint_ignores_the_path() -> None:
    answer = recorded("express_404.http")
    other = Answer(answer.status, answer.headers, answer.body.replace(b"/realtime/", b"/wsdiag-probe-1"))
    assert fingerprint(answer) == fingerprint(other)


def test_session_unknown_after_a_handshake_is_a_missing_sticky_session() -> None:
    answer = recorded("eio_session_unknown.http")
    assert answered_by(answer) == "engine.io (Node Socket.IO server)"
    assert diagnose(answer, "post").rule == "sticky-session-missing"


@pytest.mark.parametrize(
    ("status", "body", "stage", "rule"),
    [
        (502, b"Bad Gateway", "handshake", "backend-unreachable"),
        (413, b"", "payload", "payload-too-large"),
        (
            400,
            b'{"code":5,"message":"Unsupported protocol version"}',
            "handshake",
            "protocol-version-mismatch",
        ),
        (403, b'{"code":4,"message":"Forbidden"}', "handshake", "origin-rejected"),
        (400, b'"Not an accepted origin."', "handshake", "origin-rejected"),
        (400, b'{"code":3,"message":"Bad request"}', "upgrade", "upgrade-headers-stripped"),
        (404, b"404 page not found\n", "handshake", "path-mismatch"),
        (500, b"oops", "handshake", None),
    ],
)
def test_diagnose(status: int, body: bytes, stage: Any, rule: str | None) -> None:
    assert diagnose(Answer(status, {}, body), stage).rule == rule


# -- plain WebSocket against a real websockets server --------------------------------------------------


@pytest.fixture
def ws_server() -> Iterator[tuple[int, dict[str, Any]]]:
    """A websockets server on loopback; ``behaviour`` decides how it treats the next connection."""
    behaviour: dict[str, Any] = {"refuse": None, "close_after": None}

    def process_request(conn: ServerConnection, request: Any) -> Response | None:
        refuse = behaviour["refuse"]
        if refuse:
            status, body = refuse
            return Response(status, "Refused", Headers([("Content-Type", "text/plain")]), body)
        return None

    def handler(conn: ServerConnection) -> None:
        if behaviour["close_after"]:
            try:
                conn.recv(timeout=behaviour["close_after"])
            except TimeoutError:
                conn.close(1001, "idle")
            return
        for message in conn:
            conn.send(message)

    with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.socket.getsockname()[1], behaviour
        server.shutdown()


def test_plain_websocket_passes(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, _ = ws_server
    result = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws", max_time=10), RULES)
    assert [(s.name, s.outcome) for s in result.steps] == [("websocket", "ok"), ("ping", "ok")]
    assert result.passed and result.findings == []


def test_refused_origin(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, behaviour = ws_server
    behaviour["refuse"] = (403, b"Forbidden origin\n")
    result = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws", origin="https://evil.test"), RULES)
    assert [f.rule for f in result.findings] == ["origin-rejected"]
    step = result.failed_step
    assert step is not None and step.status == 403 and step.received == "403 Forbidden origin"
    finding = result.findings[0]
    rule = next(r for r in RULES if r.id == "origin-rejected")
    assert finding.remediation == " ".join(rule.doc["remediation"].split())
    assert finding.severity == rule.severity


def test_hold_times_the_cut(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, behaviour = ws_server
    behaviour["close_after"] = 1.0
    result = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws", hold=5), RULES)
    hold = next(s for s in result.steps if s.name == "hold")
    assert hold.outcome == "failed" and hold.rule == "idle-timeout-cut"
    assert "closed with code 1001 'idle' after 1." in hold.received


def test_websocket_message_too_big(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, _ = ws_server  # the server's max_size is websockets' default, 1 MiB
    result = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws", payload_size=2 * 1024 * 1024), RULES)
    step = next(s for s in result.steps if s.name == "payload")
    assert step.rule == "payload-too-large" and "code 1009" in step.received
    small = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws", payload_size=1000), RULES)
    assert small.passed


def test_unreachable_exits_2() -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["probe", f"http://127.0.0.1:{port}/", "--format", "json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["probe"]["unreachable"] is True and report["findings"] == []


def test_json_report_masks_header_values(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, behaviour = ws_server
    behaviour["refuse"] = (403, b"no access for X-Api-Key s3cr3t-value-123\n")
    args = ["probe", f"ws://127.0.0.1:{port}/ws", "--format", "json", "-H", "X-Api-Key: s3cr3t-value-123"]
    result = CliRunner().invoke(cli, [*args, "--fail-on", "high"])
    assert result.exit_code == 1, result.output
    jsonschema.validate(json.loads(result.stdout), SCHEMA)
    assert "s3cr3t-value-123" not in result.stdout
    assert "REDACTED" in result.stdout
    kept = CliRunner().invoke(cli, [*args, "--no-redact"])
    assert "s3cr3t-value-123" in kept.stdout


def test_masked_keeps_the_structure(ws_server: tuple[int, dict[str, Any]]) -> None:
    port, _ = ws_server
    result = probe(ProbeOptions(url=f"ws://127.0.0.1:{port}/ws?token=abcdef123456"), RULES)
    clean = masked(result, ())
    assert "abcdef123456" not in json.dumps(build_json(clean))
    assert [s.name for s in clean.steps] == [s.name for s in result.steps]


def test_bad_options_are_usage_errors() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["probe", "ftp://x/"]).exit_code == 2
    assert runner.invoke(cli, ["probe", "http://x/", "--payload-size", "lots"]).exit_code == 2
    assert runner.invoke(cli, ["probe", "http://x/", "-H", "no colon"]).exit_code == 2
