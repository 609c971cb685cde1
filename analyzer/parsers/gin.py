"""Gin (gin-gonic/gin): its request logger and debug-mode lines, with the app's Go log lines.

``gin.Default()`` logs every request when the handler returns (logger.go ``defaultLogFormatter``):
``[GIN] 2023/01/02 - 15:04:05 | 200 |     1.2ms |             ::1 | GET      "/ws"`` — local time without
a zone, the latency as a Go duration, the path quoted since Gin 1.4; a handler's private errors follow on
their own line (``Error #01: websocket: …``). A WebSocket is logged at its end, with the status Gin's
writer saw (``200``: gorilla writes the ``101`` on the hijacked connection) and its lifetime as latency.
Debug mode adds ``[GIN-debug] …`` lines (routes, warnings) at start.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import GO, family_score

_DISTINCT = r"^\[GIN\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d \||^\[GIN-debug\] "


class Gin(LineParser):
    name = "gin"
    description = "Gin request logger and debug lines, with Go log / slog / gorilla/websocket lines"
    shapes = GO

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, GO, top=0.93)
