"""gunicorn's error log, with the worker's python-engineio and access lines.

``[2019-04-12 17:36:51 +0800] [1] [INFO] Booting worker with pid: 10`` — the time carries its offset; the
``[pid]`` goes to ``attrs`` (several workers serving one Socket.IO session is the sticky-session failure).
"""

from __future__ import annotations

from analyzer.parsers.backend.layout import LearningLineParser
from analyzer.parsers.backend.shapes import GUNICORN, PYTHON, family_score

_DISTINCT = (
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: [+-]\d{4})?\] \[\d+\] \[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\] "
)


class Gunicorn(LearningLineParser):
    name = "gunicorn"
    description = "gunicorn error log with python-engineio lines"
    shapes = (GUNICORN, *(s for s in PYTHON if s is not GUNICORN))

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, PYTHON, top=0.94)
