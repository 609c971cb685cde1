"""No input makes a backend parser raise; every line is either in an event or reported unparsed."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.model import UTC_US
from analyzer.parsers import registry
from analyzer.parsers.base import Document, ParseContext

BACKEND = [p for p in registry().values() if p.source == "backend"]
# pieces of real lines, so the generated text reaches the parsers' deeper branches
FRAGMENTS = [
    "[Nest] 1  - ",
    "11/27/2025, 10:15:32 AM",
    "31.02.2025, 25:61:00",
    "     LOG ",
    "[Ctx] ",
    " +5ms",
    "2021-05-15T15:17:22.687Z ",
    "engine:socket ",
    '  engine handshaking client "',
    " +3s",
    "+1m",
    '{"level":30,"time":1531254555820,"msg":"',
    '{"level":"log","pid":1,"timestamp":99999999999999999,"message":',
    "INFO:     ",
    "INFO:engineio.server:",
    'abcdefghijklmnopqrstuv: Sending packet MESSAGE data 0{"sid":"',
    "Invalid session ",
    "WebSocket REJECT /ws [1.2.3.4:5]",
    '"WebSocket /socket.io/?EIO=4&transport=websocket" 403',
    "websocket: close 1006 (abnormal closure)",
    "    at Receiver (/x.js:1:2)",
    "RangeError: Max payload size exceeded",
    "[2019-04-12 17:36:51 +0800] [1] [INFO] ",
    "2009/11/10 23:00:00 ",
    'time="x" level=error msg=',
    "16:03:44,244 ",
    "Nov 31 25:00:00 ",
    "\t",
    "\\",
    '"',
    "{",
    "}",
    "\u202f",
    "é",
]
line = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=6).map("".join)


def _doc(lines: list[str], shipper: bool) -> Document:
    texts = [t.replace("\n", " ").replace("\r", " ") for t in lines]
    stamps = [datetime(2025, 1, 1, tzinfo=UTC) if shipper and i % 2 else None for i in range(len(texts))]
    frame = pl.DataFrame(
        {
            "line": pl.Series(range(1, len(texts) + 1), dtype=pl.UInt32),
            "text": pl.Series(texts, dtype=pl.String),
            "shipper_ts": pl.Series(stamps, dtype=UTC_US),
            "stream": pl.Series([None] * len(texts), dtype=pl.String),
        }
    )
    return Document("fuzz.log", frame)


@pytest.mark.parametrize("parser", BACKEND, ids=[p.name for p in BACKEND])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line, max_size=40), shipper=st.booleans())
def test_arbitrary_text_never_raises(parser: object, lines: list[str], shipper: bool) -> None:
    doc = _doc(lines, shipper)
    ctx = ParseContext(tz="Europe/Paris", mtime=datetime(2025, 6, 1, tzinfo=UTC))
    parser.sniff([t for t in doc.lines["text"].to_list() if t.strip()])  # type: ignore[attr-defined]
    result = parser.parse(doc, ctx)  # type: ignore[attr-defined]
    read = set(result.events["line"].to_list()) | set(result.unparsed.to_list())
    nonblank = set(doc.lines.filter(pl.col("text").str.strip_chars() != "")["line"].to_list())
    # every non-blank line is an event's first line, folded into one, or reported unparsed
    assert read <= nonblank
    assert result.events["line"].n_unique() == result.events.height
