"""NestJS ``ConsoleLogger`` text output, v8+ (level column) and v6/v7 (none).

``[Nest] 7968  - 11/27/2025, 10:15:32 AM     LOG [EventsGateway] Client connected: wZX3… +5ms``

The timestamp is ``Intl.DateTimeFormat`` in the server's locale (``11/27/2025, 10:15:32 AM``,
``27.11.2025, 10:15:32``, ``2023/05/07 10:20:41`` …) and carries no zone: it is read in ``--tz``, with the
day/month order decided for the whole file (:func:`analyzer.timeparse.read_times`). The `` +Nms`` suffix
(time since the previous line) is dropped from the message; error stacks on the following lines are folded
into their record. A Nest app's stderr often interleaves the ``debug`` output of engine.io / socket.io,
which is read too.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import NEST_V6, NEST_V8, NODE, family_score


class NestText(LineParser):
    name = "nestjs-text"
    description = "NestJS ConsoleLogger text (v6+, any locale timestamp), with engine.io debug lines"
    shapes = (NEST_V8, NEST_V6, *(s for s in NODE if s not in (NEST_V8, NEST_V6)))
    # Nest's VERBOSE is its lowest level
    level_words = {"verbose": "trace"}  # noqa: RUF012

    def sniff(self, sample: list[str]) -> float:
        # a little above the debug module's, so a Nest app's stream that interleaves both is named after Nest
        return family_score(sample, r"^\[[^\]]+\] \d+ +- +\S.*\d:\d\d", NODE, top=0.96)
