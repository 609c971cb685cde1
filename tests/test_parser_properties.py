"""Property tests: no input line can crash any parser, whatever the registry holds (a parser may refuse a
whole file with a clear wsdiag error, which ingest reports for that file)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import WsdiagError
from analyzer.model import SCHEMA, conform
from analyzer.parsers import registry
from analyzer.parsers.base import Document, ParseContext

# Lines that look almost like real ones are the dangerous kind: mix real fragments with noise.
FRAGMENTS = [
    '10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /socket.io/?EIO=4&transport=polling HTTP/1.1" 200 1 "-" "-" 1 "a" "b" 1ms',
    '{"RequestMethod":"GET","StartUTC":"2026-11-25T10:00:00Z","DownstreamStatus":0,"Duration":1}',
    '2025-08-14T03:55:08Z DBG x.go:1 > 502 Bad Gateway error="dial tcp 1.2.3.4:80: refused"',
    'time="2020-04-05T00:29:20+02:00" level=debug msg="x"',
    '"',
    "\\",
    "[",
    "]",
    "{",
    "}",
    "\x00",
    "\t",
    " - - ",
    "ms",
    "é",
    "🙂",
    "\u2028",
]
line = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=6).map("".join)
lines = st.lists(line.map(lambda s: s.replace("\n", " ").replace("\r", " ")), min_size=1, max_size=8)


@pytest.mark.parametrize("name", sorted(registry()))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=lines)
def test_parser_never_raises(name, texts):
    parser = registry()[name]
    parser.sniff(texts)
    frame = pl.DataFrame(
        {
            "line": pl.Series(range(1, len(texts) + 1), dtype=pl.UInt32),
            "text": pl.Series(texts, dtype=pl.String),
            "shipper_ts": pl.Series([None] * len(texts), dtype=pl.Datetime("us", "UTC")),
            "stream": pl.Series([None] * len(texts), dtype=pl.String),
        }
    )
    try:
        result = parser.parse(Document("fuzz.log", frame), ParseContext())
    except WsdiagError as exc:  # a clear, reported refusal of the whole file is allowed; a crash is not
        assert str(exc)
        return
    events = conform(result.events)
    assert events.schema == SCHEMA
    # every line is either an event's first line, inside an event, unparsed, or blank: never invented
    assert set(result.unparsed.to_list()) <= set(range(1, len(texts) + 1))
    assert set(events["line"].drop_nulls().to_list()) <= set(range(1, len(texts) + 1))
