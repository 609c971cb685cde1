"""A Node process's terminal output that carries no time: morgan's request lines, http-proxy-middleware,
``console.log``.

``GET /socket.io/?EIO=4&transport=polling&t=xxxxxx 404 16.643 ms - 146`` (morgan ``dev``), ``[HPM] Upgrading
to WebSocket``, ``[DEMO] Server: listening on port 3000``: every line is a record (stack frames and printed
objects fold into the one above), placed by the shipper's timestamp or the nearest line with a time, else
the file's modification time, and marked ``ts_estimated``. The same layouts close every Node parser's list
(``shapes.NODE_UNTIMED``), so such lines between timestamped ones are kept there too.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import (
    HPM,
    HPM_UNTAGGED,
    MORGAN,
    NODE,
    NODE_UNTIMED,
    any_of,
    family_score,
)


class NodeConsole(LineParser):
    name = "node-console"
    description = "Node terminal output without a time (morgan dev/tiny, http-proxy-middleware, console.log)"
    shapes = (*NODE, *NODE_UNTIMED)

    def sniff(self, sample: list[str]) -> float:
        # morgan's and HPM's shapes are the evidence; console.log lines alone could be anything
        return family_score(
            sample, any_of((MORGAN, HPM, HPM_UNTAGGED)), (MORGAN, HPM, HPM_UNTAGGED, *NODE), top=0.6
        )
