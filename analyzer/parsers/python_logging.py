"""Python ``logging`` output of python-engineio / python-socketio and the servers around them.

python-engineio's and python-socketio's loggers (``logger=True``, ``engineio_logger=True``) print bare
messages (``4ylQur4l4-9vhKyqAAAk: Sending packet OPEN data {…}``, ``Invalid session …``: no time, no level),
or whatever the app's logging config adds: ``INFO:engineio.server:…`` (``basicConfig``), the usual
``%(asctime)s`` layouts (``2017-06-25 11:43:31,367 … INFO …``, ``… - name - LEVEL - …``, Django's verbose
``LEVEL asctime module pid thread msg``), a time-of-day ``datefmt``. werkzeug / gevent access lines in the
same stream give method, path, status and the Socket.IO query fields.

Lines without a time are placed by the shipper's timestamp or the nearest timestamped line (or the file's
mtime) and marked ``ts_estimated``.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import PYTHON, family_score

_DISTINCT = (
    r"^(?:\[[^\]]+\] )?(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):[\w.-]+:"  # basicConfig
    r"|^\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d,\d{3}\b"  # asctime's comma before milliseconds
    r"|^\d\d:\d\d:\d\d,\d{3} .*\b(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\b"
    r"|^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    r"|(?:^|\s|: )[\w-]{16,}: (?:Sending|Received) packet [A-Z]+ data "  # python-engineio
    r"|^Invalid session [\w-]+$|^Server initialized for \w+\.?$"
    r"|^(?:Attempting (?:polling connection|WebSocket upgrade) to |Polling connection accepted with "
    r"|Engine\.IO connection established|(?:Sending|Received) packet [A-Z]+ data )"
    r"|^(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ )?(?:engineio|socketio|werkzeug)(?:\.\w+)*: "
)


class PythonLogging(LineParser):
    name = "python-logging"
    description = "python-engineio / python-socketio loggers under Python logging formats, werkzeug"
    shapes = PYTHON

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, PYTHON, top=0.9)
