"""uvicorn's default log output, with the python-engineio lines of the app it serves.

``INFO:     ('127.0.0.1', 56032) - "WebSocket /socket.io/?EIO=4&transport=websocket" [accepted]``,
``INFO:     172.18.0.3:51234 - "WebSocket /ws" 403`` + ``INFO:     connection rejected (403 Forbidden)``,
``INFO:     connection open`` / ``connection closed`` (from the websockets library), and access lines
``INFO:     127.0.0.1:37066 - "GET /socket.io/?… HTTP/1.1" 200``. No line carries a time: lines are placed
by the shipper's timestamp, else the file's mtime, and marked ``ts_estimated``. Behind a proxy uvicorn
prints the client from ``X-Forwarded-For`` with port ``0`` (``127.0.0.1:0``).
"""

from __future__ import annotations

from analyzer.parsers.backend.layout import LearningLineParser
from analyzer.parsers.backend.shapes import PYTHON, UVICORN, family_score

_DISTINCT = r"^(?:TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL):\s{1,6}\S"


class Uvicorn(LearningLineParser):
    name = "uvicorn"
    description = "uvicorn (WebSocket accept/403/open/closed, access lines) with python-engineio lines"
    shapes = (UVICORN, *(s for s in PYTHON if s is not UVICORN))

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, PYTHON, top=0.93)
