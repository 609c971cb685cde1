"""HAProxy configuration found among the logs: one ``router_config`` event per frontend → backend route.

Loading and checks live in :mod:`analyzer.config.haproxy`; ``analyze`` runs the checks when the file sits
beside the logs, so a log finding gains the configuration lines that cause it. Each event: ``router`` =
the frontend (or ``listen``) name, ``service`` = the backend, ``message`` = the line that routes there,
``attrs`` = its servers, affinity keywords and the idle timeout of an upgraded connection.
"""

from __future__ import annotations

import json

import polars as pl

from analyzer.config.haproxy import load_haproxy, looks_like_haproxy, socketio_backends, tunnel_timeout
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult

_SCHEMA = {
    "line": pl.UInt32,
    "kind": pl.String,
    "level": pl.String,
    "message": pl.String,
    "router": pl.String,
    "service": pl.String,
    "attrs": pl.String,
    "raw": pl.String,
}


class HAProxyConfig(Parser):
    name = "haproxy-config"
    source = "config"
    description = "HAProxy configuration (haproxy.cfg): its frontend → backend routes"

    def sniff(self, sample: list[str]) -> float:
        return 0.9 if looks_like_haproxy(sample) else 0.0

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        by_line = doc.numbered()
        config = load_haproxy("\n".join(by_line), str(ctx.location or doc.path))
        rows = []
        for fe, be, route in socketio_backends(config):
            timeout = tunnel_timeout(be, fe)
            record = {
                "backend": be.name,
                "servers": [k.text for k in be.keywords if k.words[0] == "server"],
                "affinity": [k.text for k in be.keywords if k.words[0] in ("balance", "cookie", "stick")],
                "tunnel_timeout_s": timeout[0] if timeout else None,
            }
            line = route.line if route else fe.line
            rows.append(
                {
                    "line": line,
                    "kind": "router_config",
                    "level": "info",
                    "message": route.text if route else f"{fe.kind} {fe.name}",
                    "router": fe.name,
                    "service": be.name,
                    "attrs": json.dumps(record, sort_keys=True),
                    "raw": by_line[line - 1],
                }
            )
        return ParseResult(pl.DataFrame(rows, schema=_SCHEMA))
