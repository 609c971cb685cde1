"""winston: JSON (``format.json()`` with ``format.timestamp()``) and the 2.x text form.

``{"level":"info","message":"Hello distributed log files!","timestamp":"2017-05-30T13:13:06.884Z"}``
``2017-08-30T17:08:30.293Z - info: test-app is running on 8888 port`` (winston 2 console transport).
Key order follows the formats, so any order is accepted; a ``message`` that is an object is kept as JSON
text. Without ``format.timestamp()`` lines carry no time and are placed like other undated lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.jsonlog import JsonKeys, read_json_lines
from analyzer.parsers.backend.shapes import NODE, WINSTON_TEXT
from analyzer.parsers.base import share

if TYPE_CHECKING:
    import polars as pl

_KEYS = JsonKeys(
    time=("timestamp", "time", "@timestamp"),
    level=("level",),
    msg=("message",),
    logger=("label", "service", "context"),
)
_LEVEL = r'"level":"(?:error|warn|info|http|verbose|debug|silly)"'
_JSON = rf'^\{{.*{_LEVEL}.*"message":|^\{{.*"message":.*{_LEVEL}'
_TEXT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z - (?:error|warn|info|http|verbose|debug|silly): "


def _read(rows: pl.DataFrame) -> pl.DataFrame:
    return read_json_lines(rows, _KEYS)


class Winston(LineParser):
    name = "winston"
    description = "winston JSON lines and winston 2.x text"
    shapes = (WINSTON_TEXT, *(s for s in NODE if s is not WINSTON_TEXT))
    json_reader = _read

    def sniff(self, sample: list[str]) -> float:
        json_hits = share(sample, _JSON)
        # a "timestamp" key is winston's format.timestamp(); zerolog/Traefik write "time"
        stamped = share(sample, r'"timestamp":"')
        text = share(sample, _TEXT)
        return max(json_hits * (0.7 + 0.2 * stamped), 0.9 * text)
