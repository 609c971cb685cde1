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

from analyzer.parsers.backend.layout import LearningLineParser, learn_shapes
from analyzer.parsers.backend.shapes import _PY_LOGGERS, PYTHON, any_of, family_score
from analyzer.parsers.base import share

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


#: What only Python writes: its level names WARNING / CRITICAL, or the loggers of the libraries wsdiag knows
#: (asctime's ",mmm" alone is no evidence: logback writes it too).
_PY_EVIDENCE = (
    rf"\b(?:WARNING|CRITICAL)\b|[:\s\[]{_PY_LOGGERS}[:\s\]]"
    # python-engineio's own packet lines, and threading's thread names (``%(threadName)s``)
    r"|[\w-]{16,}: (?:Sending|Received) packet [A-Z]+ |\((?:MainThread|Thread-\d+|SyncWorker_\d+)\)"
)


class PythonLogging(LearningLineParser):
    name = "python-logging"
    description = "python-engineio / python-socketio loggers under Python logging formats, werkzeug"
    shapes = PYTHON

    def sniff(self, sample: list[str]) -> float:
        score = family_score(sample, _DISTINCT, PYTHON, top=0.9)
        if not share(sample, _PY_EVIDENCE):
            return score
        # a listed layout with Python's evidence on it (Home Assistant's "(MainThread)"), even without
        # one of the distinctive shapes above
        score = max(score, 0.85 * share(sample, any_of(PYTHON)))
        # a layout nobody listed: the file's own time/level/fields structure, learned from the sample,
        # with Python's evidence (asctime's ",mmm" or Python's level names) on the lines it reads
        learned = learn_shapes(sample)
        if not learned:
            return score
        return max(score, 0.85 * share(sample, any_of((*learned, *PYTHON))))
