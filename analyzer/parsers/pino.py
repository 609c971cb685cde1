"""pino JSON lines: numeric levels (10 trace … 60 fatal), ``time`` in epoch ms, ``msg``.

``{"level":30,"time":1531257112193,"msg":"hello world","pid":55956,"hostname":"x","v":1}``. Fields of
pino-http / nestjs-pino (``reqId``, ``req.method``, ``req.url``, ``res.statusCode``, ``responseTime``,
``err.type/message/stack``, ``context``) fill their columns; ``pid``/``hostname``/``name`` go to ``attrs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.jsonlog import JsonKeys, read_json_lines
from analyzer.parsers.backend.shapes import NODE
from analyzer.parsers.base import share

if TYPE_CHECKING:
    import polars as pl

_KEYS = JsonKeys(time=("time",), level=("level",), msg=("msg", "message"), logger=("context", "name"))
# epoch-ms "time" (the default) or any "time" with "msg" (pino.stdTimeFunctions.isoTime, bunyan)
_PINO = (
    r'^\{.*"level":\s*[1-6]0\b.*"time":\s*\d{12,}|^\{.*"time":\s*\d{12,}.*"level":\s*[1-6]0\b'
    r'|^\{.*"level":\s*[1-6]0\b.*"msg":|^\{.*"msg":.*"level":\s*[1-6]0\b'
)


def _read(rows: pl.DataFrame) -> pl.DataFrame:
    return read_json_lines(rows, _KEYS)


class Pino(LineParser):
    name = "pino"
    description = "pino JSON lines (numeric levels, epoch-ms time)"
    shapes = NODE
    json_reader = _read

    def sniff(self, sample: list[str]) -> float:
        hits = share(sample, _PINO)
        return 0.96 * hits if hits else 0.0
