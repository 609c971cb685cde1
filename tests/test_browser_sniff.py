"""Each browser format is recognized from its first lines, and nothing else is taken for one."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest
from conftest import DATA, data_lines, read_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import WsdiagError
from analyzer.model import UTC_US
from analyzer.parsers import registry
from analyzer.parsers.base import Document, ParseContext

if TYPE_CHECKING:
    from pathlib import Path

BROWSER_PARSERS = [name for name, parser in registry().items() if parser.source == "browser"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("app.example.test-1714600830000.log", "chrome-console"),
        ("app.example.test-1714565120000.log", "chrome-console"),
        ("chromium__console-export-expected.txt", "chrome-console"),
        ("chrome-net-error-and-mixed-content-lines.txt", "chrome-console"),
        ("cors-polling-handshake__chrome-lines.txt", "chrome-console"),
        ("pastebin-zQjBDwz1__socketio-debug-output-chrome.txt", "chrome-console"),
        ("console-export-2024-5-1_14-6-30.txt", "firefox-console"),
        ("console-export-2024-5-1_9-15-2.txt", "firefox-console"),
        ("chrome-enable-logging__CONSOLE-lines.txt", "chrome-debug-log"),
        ("chromium-156_chrome_debug.log", "chrome-debug-log"),
        ("playwright-mcp-style__vite-console.txt", "playwright-console"),
        ("chrome-devtools.har", "har"),
        ("playwright.har", "har"),
        ("firefox.har", "har"),
        ("real-playwright-1.65.har", "har"),
        ("real-chromium-156_chrome_debug.log", "chrome-debug-log"),
        ("real-playwright-1.65_console.txt", "playwright-console"),
        ("safari-console__public-pastes.txt", "safari-console"),
        ("devtools-network__public-pastes.txt", "devtools-network"),
    ],
)
def test_browser_formats_are_detected(tmp_path: Path, name: str, expected: str) -> None:
    text = "\n".join(data_lines(f"browser/{name}")) + "\n"
    _, info = read_text(tmp_path, text, name=name, date=date(2024, 5, 1))
    assert info.format == expected


@pytest.mark.parametrize(
    "path", sorted(p.name for p in (DATA / "traefik").glob("*.log") if "json" not in p.name)
)
def test_traefik_access_logs_stay_traefik(tmp_path: Path, path: str) -> None:
    _, info = read_text(tmp_path, (DATA / "traefik" / path).read_text(encoding="utf-8"), name=path)
    assert info.format == "traefik-clf"


@pytest.mark.parametrize(
    "text",
    [
        "[Nest] 4121  - 05/01/2024, 10:00:00 AM     LOG [NestFactory] Starting Nest application...\n",
        '  engine:socket sending packet "open" +0ms\n  engine:ws received "2probe" +2ms\n',
        "10:00:00.123 [main] INFO  com.example.App - started\n10:00:01.000 [main] WARN  com.example.App - slow\n",
        "Error: boom\n    at Object.<anonymous> (/app/server.js:12:5)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)\n",
        '{"log":"hello\\n","stream":"stdout","time":"2024-05-01T10:00:00.000000000Z"}\n',
    ],
    ids=["nestjs", "engineio-server-debug", "logback", "node-stack", "docker-json-file"],
)
def test_backend_text_is_not_taken_for_a_browser_trace(tmp_path: Path, text: str) -> None:
    _, info = read_text(tmp_path, text, name="server.log")
    assert info.source != "browser"


def _document(lines: list[str]) -> Document:
    frame = pl.DataFrame(
        {
            "line": pl.Series(range(1, len(lines) + 1), dtype=pl.UInt32),
            "text": pl.Series(lines, dtype=pl.String),
            "shipper_ts": pl.Series([None] * len(lines), dtype=UTC_US),
        }
    )
    return Document("fuzz.log", frame)


HEADS = [
    "",
    "12:00:00.000 ",
    "23:59:59.999 app.js:1 ",
    "app.js:12 ",
    "fn @ app.js:3",
    "    at x (a.js:1:2)",
    "    wrapper http://a.test/a.js:1",
    "WebSocket connection to '",
    "Access to XMLHttpRequest at '",
    "GET http://a.test/socket.io/?EIO=4&transport=polling&t=",
    "[ERROR] ",
    '[1:2:0101/000000.000000:INFO:CONSOLE(1)] "',
    '", source: x (1)',
    "socket.io-client:socket ",
    "Mixed Content: The page at '",
    " test.js:4:17",
    "{",
    '  "log": {',
]
LINES = st.lists(
    st.builds(lambda h, t: h + t, st.sampled_from(HEADS), st.text(max_size=40)), min_size=1, max_size=12
)
CONTEXTS = st.sampled_from(
    [
        ParseContext(),
        ParseContext(tz="Europe/Paris", date=date(2024, 3, 31)),
        ParseContext(name="localhost-1714565120000.log", tz="America/New_York"),
        ParseContext(name="console-export-2024-5-1_14-6-30.txt"),
    ]
)


@pytest.mark.parametrize("name", BROWSER_PARSERS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES, ctx=CONTEXTS)
def test_arbitrary_text_never_makes_a_browser_parser_raise(
    name: str, lines: list[str], ctx: ParseContext
) -> None:
    parser = registry()[name]
    assert 0.0 <= parser.sniff(lines) <= 1.0
    try:
        result = parser.parse(_document(lines), ctx)
    except WsdiagError:  # a clear message about a damaged file is allowed (HAR)
        assert name == "har"
        return
    assert result.events["line"].is_in(range(1, len(lines) + 1)).all()
    assert result.events.height <= len(lines) or name == "har"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ENTRY_KEYS = st.sampled_from(
    [
        "request",
        "response",
        "startedDateTime",
        "time",
        "_resourceType",
        "_webSocketMessages",
        "pageref",
        "_initiator",
    ]
)
ENTRY = st.dictionaries(
    ENTRY_KEYS, JSON | st.just({"url": "wss://a.test/socket.io/?EIO=4&transport=websocket"})
)
FRAME = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["send", "receive", "error", "request", "x"]) | JSON,
        "time": JSON,
        "opcode": JSON,
        "data": JSON,
    },
)


@settings(max_examples=40, deadline=None)
@given(
    entries=st.lists(
        ENTRY
        | st.builds(
            lambda f: {"_webSocketMessages": f, "request": {"url": "ws://a"}}, st.lists(FRAME, max_size=4)
        ),
        max_size=4,
    ),
    pretty=st.booleans(),
)
def test_arbitrary_har_entries_never_make_the_har_reader_raise(
    entries: list[dict[str, Any]], pretty: bool
) -> None:
    text = json.dumps({"log": {"version": "1.2", "entries": entries}}, indent=2 if pretty else None)
    result = registry()["har"].parse(_document(text.split("\n")), ParseContext())
    assert result.events.height >= len(entries)
