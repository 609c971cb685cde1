"""A Node process's bare error output: uncaught errors and their stacks, ``ws`` errors, wscat.

``RangeError: Invalid WebSocket frame: invalid status code 65535`` followed by ``    at Receiver…`` frames,
``Error: unexpected server response (404)``, ``error: Unexpected server response: 200``. Stack frames are
folded into their error; nothing carries a time, so records are placed by the shipper's timestamps or the
file's mtime (``ts_estimated``).
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser, Shape
from analyzer.parsers.backend.shapes import NODE, family_score

ERROR_LINE = Shape(
    "node-error",
    r"^(?P<msg>(?:Uncaught )?(?:[A-Z]\w*)?(?:Error|Exception)(?: \[\w+\])?: .*)$",
    level="error",
)
CLI_LEVEL = Shape("node-cli", r"^(?P<level>error|warn|info): (?P<msg>.*)$")
_FRAME = r"^\s+at \S.*(?::\d+:\d+\)?|\(native\)|\(<anonymous>\))$"
_DISTINCT = rf"{_FRAME}|^(?:Uncaught )?(?:[A-Z]\w*)?Error(?: \[\w+\])?: "


class NodeErrors(LineParser):
    name = "node-errors"
    description = "Node.js error output (uncaught errors, stacks, ws / wscat errors)"
    shapes = (ERROR_LINE, CLI_LEVEL, *NODE)

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, (ERROR_LINE, CLI_LEVEL), top=0.6)
