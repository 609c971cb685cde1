"""Traefik routing configuration found among the logs: one ``router_config`` event per router.

Four formats share this module (the loading and analysis live in :mod:`analyzer.config`): docker-compose
files with Traefik labels, file-provider YAML and TOML, and Kubernetes ``IngressRoute`` manifests; a static
``traefik.yml`` is recognized too (it has no routers, only entry points). Sniffing requires the formats'
structure (a top-level ``services:`` / ``http:`` with ``routers:`` / ``[http.routers.…]`` /
``kind: IngressRoute``), never a keyword, so access logs, HARs, backend logs and ``.env`` files are not
taken for configuration.

Each event: ``router`` = the runtime name (``chat-ws@docker``, ``api@file``, ``…@kubernetescrd``),
``service``, ``host`` (first exact host), ``path`` (first path or prefix), ``message`` = the rule,
``line``/``raw`` = the line the rule is written on, ``attrs`` = JSON of
:func:`analyzer.config.analysis.router_record` (effective and explicit priority, entry points,
middlewares, WebSocket guess, parse error).
"""

from __future__ import annotations

import json
from typing import ClassVar

import polars as pl

from analyzer.config.analysis import router_record
from analyzer.config.loaders import load_text, mentions_traefik, sniff_format, traefik_v1
from analyzer.errors import ConfigError
from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult

_SCHEMA = {
    "line": pl.UInt32,
    "kind": pl.String,
    "level": pl.String,
    "message": pl.String,
    "router": pl.String,
    "service": pl.String,
    "host": pl.String,
    "path": pl.String,
    "attrs": pl.String,
    "raw": pl.String,
}


class _TraefikConfig(Parser):
    """Shared by the configuration formats; not registered itself (it has no name)."""

    source = "config"
    #: How sure a structural match is.
    confidence: ClassVar[float] = 0.9

    def sniff(self, sample: list[str]) -> float:
        if sniff_format(sample) != self.name:
            return 0.0
        return self.confidence

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        try:
            # the real location, so the compose loader finds the .env beside the file
            config = load_text(_text(doc), str(ctx.location or doc.path), fmt=self.name)
        except ConfigError as exc:  # a required ${VAR:?} is unset, a missing env file
            return ParseResult(pl.DataFrame(schema=_SCHEMA), notes=[str(exc)])
        file = config.files[0]
        if file.error:
            unparsed = [file.error_line] if file.error_line else []
            return ParseResult(
                pl.DataFrame(schema=_SCHEMA),
                unparsed=pl.Series("line", unparsed, dtype=pl.UInt32),
                notes=[file.error],
            )
        rows = []
        for router in config.routers:
            record = router_record(router, config)
            rows.append(
                {
                    "line": router.origin.line,
                    "kind": "router_config",
                    "level": "error" if "error" in record else "info",
                    "message": router.rule,
                    "router": router.qualified,
                    "service": router.service_qualified,
                    "host": record["host"],
                    "path": record["path"],
                    "attrs": json.dumps(record, sort_keys=True),
                    "raw": router.origin.text,
                }
            )
        notes = list(file.notes)
        if not rows and self.name == "docker-compose":
            notes.append("no Traefik router in this compose file")
        return ParseResult(pl.DataFrame(rows, schema=_SCHEMA), notes=notes)


def _text(doc: Document) -> str:
    """The document with every line at its own line number, so evidence cites the file's lines."""
    return "\n".join(doc.numbered())


class DockerCompose(_TraefikConfig):
    name = "docker-compose"
    description = "docker-compose file with Traefik labels (routers of the docker provider)"

    def sniff(self, sample: list[str]) -> float:
        if sniff_format(sample) != self.name:
            return 0.0
        # a compose file without Traefik labels in its first lines is still claimed, less surely
        return 0.9 if mentions_traefik(sample) else 0.5


class TraefikFileYaml(_TraefikConfig):
    name = "traefik-file-yaml"
    description = "Traefik file-provider dynamic configuration (YAML)"


class TraefikFileToml(_TraefikConfig):
    name = "traefik-file-toml"
    description = "Traefik file-provider dynamic configuration (TOML)"


class TraefikStaticYaml(_TraefikConfig):
    name = "traefik-static-yaml"
    description = "Traefik static configuration (YAML): entry points, providers"
    confidence = 0.8


class TraefikStaticToml(_TraefikConfig):
    name = "traefik-static-toml"
    description = "Traefik static configuration (TOML): entry points, providers"
    confidence = 0.8


class KubernetesIngressRoute(_TraefikConfig):
    name = "kubernetes-ingressroute"
    description = "Kubernetes IngressRoute manifests (Traefik CRD)"


class TraefikV1Config(Parser):
    """Traefik v1 configuration (TOML ``[frontends]``/``[backends]``, v1 static options, ``traefik.frontend.rule``
    labels): recognized and said to be out of reach, never read as v2 nor left unknown.

    A compose file that mixes v1 and v2 labels is read by the compose parser, whose loader notes the
    services that only carry v1 labels.
    """

    name = "traefik-v1-config"
    source = "config"
    description = (
        "Traefik v1 configuration (frontends/backends, v1 static options or labels): noted, not analysed"
    )

    def sniff(self, sample: list[str]) -> float:
        what = traefik_v1(sample)
        if what is None:
            return 0.0
        # a v1 static file also has [entryPoints.http], which the v2 static reader would claim (0.8); a compose
        # file with v2 labels as well is the compose parser's (0.9)
        return 0.95 if what == "frontends and backends" else 0.85

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        what = traefik_v1(doc.lines["text"].to_list()) or "v1 options"
        note = (
            f"Traefik v1 configuration ({what}): v1 routing is not analysed; "
            "wsdiag checks the routers of Traefik v2/v3 configurations only"
        )
        return ParseResult(pl.DataFrame(schema=_SCHEMA), notes=[note])
