"""Output of the ``debug`` module, which engine.io, socket.io and their clients log through.

- not a TTY (Docker, pipes, files): ``2021-05-15T15:17:22.687Z engine handshaking client "ssO5…"``;
- old releases: ``Wed, 30 Aug 2017 17:08:30 GMT engine.io-client:socket creating transport "polling"``;
- a TTY: ``  engine:socket sending packet "open" (…) +0ms`` — no absolute time, only the time since the
  namespace's previous line. Such lines are placed by the shipper's timestamp, else by the surrounding
  timestamped lines or the file's mtime counting back along the ``+N`` diffs, and marked ``ts_estimated``;
- ``DEBUG_HIDE_DATE``: namespace and message only (Socket.IO namespaces).

The namespace goes to ``logger``; every line is level ``debug``.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import DEBUG_BARE, DEBUG_GMT, DEBUG_ISO, DEBUG_TTY, NODE, family_score

# a part after a colon starts with a letter: ``bundle.js:13156`` (a console source link) is no namespace
_NS = r"(?:engine|socket\.io|engine\.io-client|socket\.io-client|socket\.io-parser|[a-z][\w.-]*:[a-z*][\w.*:-]*)"
_DISTINCT = (
    rf"^(?:\d{{4}}-\d\d-\d\dT[\d:.]+Z|[A-Z][a-z]{{2}}, \d\d [A-Z][a-z]{{2}} \d{{4}} [\d:]+ GMT) {_NS}\b"
    rf"|^ {{0,4}}{_NS} .*\+\d+(?:ms|s|m|h|d)$"
    r"|^(?:engine|socket\.io)(?::[\w-]+)? \S"
)


class DebugModule(LineParser):
    name = "debug-module"
    description = "engine.io / socket.io `debug` output (TTY and non-TTY, old GMT dates)"
    shapes = (
        DEBUG_ISO,
        DEBUG_GMT,
        DEBUG_TTY,
        DEBUG_BARE,
        *(s for s in NODE if s not in (DEBUG_ISO, DEBUG_GMT, DEBUG_TTY, DEBUG_BARE)),
    )

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, NODE)
