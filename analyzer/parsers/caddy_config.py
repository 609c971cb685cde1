"""A Caddyfile found among the logs: one ``router_config`` event per ``reverse_proxy``.

Loading and checks live in :mod:`analyzer.config.caddyfile`; ``analyze`` runs the checks when the file sits
beside the logs. Each event: ``router`` = the site address, ``path`` = the matcher, ``upstream`` = the
upstreams, ``message`` = the directive line, ``attrs`` = its subdirectives.
"""

from __future__ import annotations

import json

import polars as pl

from analyzer.config.caddyfile import load_caddyfile, looks_like_caddyfile
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult

_SCHEMA = {
    "line": pl.UInt32,
    "kind": pl.String,
    "level": pl.String,
    "message": pl.String,
    "router": pl.String,
    "path": pl.String,
    "upstream": pl.String,
    "attrs": pl.String,
    "raw": pl.String,
}


class CaddyConfig(Parser):
    name = "caddy-config"
    source = "config"
    description = "Caddyfile: its reverse_proxy directives"

    def sniff(self, sample: list[str]) -> float:
        return 0.9 if looks_like_caddyfile(sample) else 0.0

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        by_line = doc.numbered()
        cfg = load_caddyfile("\n".join(by_line), str(ctx.location or doc.path))
        rows = [
            {
                "line": p.directive.line,
                "kind": "router_config",
                "level": "info",
                "message": p.directive.text,
                "router": p.site,
                "path": p.matcher,
                "upstream": " ".join(p.upstreams),
                "attrs": json.dumps({"subdirectives": [t.text for t in p.sub]}),
                "raw": by_line[p.directive.line - 1],
            }
            for p in cfg.proxies
        ]
        return ParseResult(pl.DataFrame(rows, schema=_SCHEMA))
