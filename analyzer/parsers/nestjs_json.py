"""NestJS ``ConsoleLogger({json: true})`` (Nest 11): one object per line, ``timestamp`` in epoch ms.

``{"level":"log","pid":19096,"timestamp":1607370779834,"message":"Starting Nest application...","context":"NestFactory"}``
(``stack`` added on errors). Non-JSON lines (``debug`` output on the same stream) are read as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.jsonlog import JsonKeys, read_json_lines
from analyzer.parsers.backend.shapes import NODE
from analyzer.parsers.base import share

if TYPE_CHECKING:
    import polars as pl

_KEYS = JsonKeys(time=("timestamp",), level=("level",), msg=("message",), logger=("context",))
_NEST = r'^\{.*"level":"(?:log|error|warn|debug|verbose|fatal)".*"timestamp":\d{12,}'


def _read(rows: pl.DataFrame) -> pl.DataFrame:
    return read_json_lines(rows, _KEYS)


class NestJson(LineParser):
    name = "nestjs-json"
    description = "NestJS ConsoleLogger JSON mode (epoch-ms timestamps)"
    shapes = NODE
    json_reader = _read
    level_words = {"verbose": "trace"}  # noqa: RUF012

    def sniff(self, sample: list[str]) -> float:
        nest = share(sample, _NEST)
        return 0.97 * nest if nest else 0.0
