"""The fallback: any line that starts with a recognizable time becomes a generic backend event.

So a log of an unknown format still joins the timeline and its messages still reach the classifier
(engine.io / gorilla / ws wording is recognized inside any message). JSON lines with a time and a message
field (zap, zerolog, slog JSON, bunyan …) are read too. It only wins when no specific parser is sure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.parsers.backend.engine import FALLBACK, LineParser
from analyzer.parsers.backend.jsonlog import read_json_lines
from analyzer.parsers.backend.shapes import any_of
from analyzer.parsers.base import share

if TYPE_CHECKING:
    import polars as pl

_JSON = r'^\{.*"(?:time|timestamp|ts|@timestamp)":.*"(?:msg|message)":|^\{.*"(?:msg|message)":.*"(?:time|timestamp|ts|@timestamp)":'


def _read(rows: pl.DataFrame) -> pl.DataFrame:
    return read_json_lines(rows)


class Generic(LineParser):
    name = "generic"
    description = "any timestamped line (text or JSON) as a generic backend event"
    generic = True
    shapes = FALLBACK
    json_reader = _read

    def sniff(self, sample: list[str]) -> float:
        return 0.3 * max(share(sample, any_of(self.shapes)), share(sample, _JSON))
