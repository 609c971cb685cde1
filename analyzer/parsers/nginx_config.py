"""nginx configuration found among the logs: one ``router_config`` event per ``location``.

The loading and the checks live in :mod:`analyzer.config.nginx` and :mod:`analyzer.config.nginx_checks`;
``analyze`` runs the checks when the file sits beside the logs, so a finding from the logs gains the
configuration lines that cause it. Each event: ``router`` = ``server_name location``, ``path`` = the
location's prefix (or pattern), ``upstream`` = its ``proxy_pass``, ``message`` = the location line,
``attrs`` = what is in force there for WebSockets (HTTP version, Upgrade / Connection headers, read
timeout, body limit).
"""

from __future__ import annotations

import json

import polars as pl

from analyzer.config.nginx import Location, load_nginx, looks_like_nginx
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult

_SCHEMA = {
    "line": pl.UInt32,
    "kind": pl.String,
    "level": pl.String,
    "message": pl.String,
    "router": pl.String,
    "host": pl.String,
    "path": pl.String,
    "upstream": pl.String,
    "attrs": pl.String,
    "raw": pl.String,
}


class NginxConfig(Parser):
    name = "nginx-config"
    source = "config"
    description = "nginx configuration (nginx.conf, conf.d/*.conf): its locations"

    def sniff(self, sample: list[str]) -> float:
        lines = [line for line in sample if line.strip() and not line.lstrip().startswith("#")]
        return 0.9 if looks_like_nginx(lines) else 0.0

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        by_line = doc.numbered()
        config = load_nginx("\n".join(by_line), str(ctx.location or doc.path))
        here = str(ctx.location or doc.path)
        rows = []
        for server in config.servers:
            for loc in _all(server.locations):
                if loc.directive is None or loc.directive.file != here:
                    continue
                passes = loc.get("proxy_pass")
                headers = loc.headers()
                record = {
                    "server_name": list(server.names),
                    "location": loc.label,
                    "proxy_pass": passes[-1].args[0] if passes and passes[-1].args else None,
                    "proxy_http_version": next(iter(loc.get("proxy_http_version")[-1:]), None)
                    and loc.get("proxy_http_version")[-1].args[0],
                    "upgrade_header": "upgrade" in headers,
                    "connection_header": "connection" in headers,
                    "proxy_read_timeout": _last(loc, "proxy_read_timeout"),
                    "client_max_body_size": _last(loc, "client_max_body_size"),
                }
                rows.append(
                    {
                        "line": loc.directive.line,
                        "kind": "router_config",
                        "level": "info",
                        "message": loc.directive.text,
                        "router": f"{server.names[0] if server.names else '_'} {loc.label}",
                        "host": server.names[0] if server.names and "*" not in server.names[0] else None,
                        "path": loc.pattern,
                        "upstream": record["proxy_pass"],
                        "attrs": json.dumps(record, sort_keys=True),
                        "raw": by_line[loc.directive.line - 1] if loc.directive.line <= len(by_line) else "",
                    }
                )
        notes = [f"line {line or '?'}: {error}" for _, line, error in config.errors]
        return ParseResult(pl.DataFrame(rows, schema=_SCHEMA), notes=notes)


def _all(locations: list[Location]) -> list[Location]:
    out = []
    for loc in locations:
        out.append(loc)
        out += _all(loc.children)
    return out


def _last(loc: Location, name: str) -> str | None:
    found = loc.get(name)
    return found[-1].args[0] if found and found[-1].args else None
