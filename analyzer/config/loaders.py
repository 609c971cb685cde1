"""Load Traefik's routing configuration from the files users have: docker-compose labels, file-provider
YAML/TOML (dynamic and static) and Kubernetes ``IngressRoute`` manifests.

Routers are built as Traefik's providers build them, so names and priorities match what Traefik logs:

* **docker** (``pkg/provider/docker/config.go``): a container with no router label gets a router named
  after its service (``<compose service>-<project>``, via ``provider.Normalize``) with the default rule
  ``Host(`{{ normalize .Name }}`)``; a container with no service label gets a service of that name whose
  port is the container's *lowest* exposed port; a router without ``service`` is linked to the container's
  only service, and dropped when there are several. ``traefik.enable=false`` removes the container; with
  ``exposedByDefault=false`` (seen in the Traefik container's flags or a static file) only
  ``traefik.enable=true`` containers count. When the flag is not visible, containers without any
  ``traefik.*`` label are left out (the usual setup, and their ``Host(`<name>`)`` routers cannot collide).
* **file**: ``http.routers`` / ``http.services`` / ``http.middlewares``; names become ``<name>@file``.
* **kubernetescrd**: each route of an ``IngressRoute`` is a router named
  ``<namespace>-<name>-<first 10 bytes of sha256(match) in hex>`` (``makeServiceKey``).

Static configuration (``entryPoints`` with their addresses and TLS, ``providers.docker.exposedByDefault``,
``providers.docker.defaultRule``, ``core.defaultRuleSyntax``) is read from ``traefik.yml``/``.toml`` and
from the ``command:`` flags of the Traefik container in a compose file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from analyzer.config.caddyfile import load_caddyfile, looks_like_caddyfile
from analyzer.config.haproxy import load_haproxy, looks_like_haproxy
from analyzer.config.interpolate import interpolate, read_dotenv
from analyzer.config.located import Y, toml_document, yaml_documents
from analyzer.config.matching import lower
from analyzer.config.model import (
    ConfigFile,
    ConfigSet,
    EntryPoint,
    Middleware,
    Origin,
    Router,
    Service,
)
from analyzer.config.nginx import load_nginx, looks_like_nginx
from analyzer.config.rules_grammar import Syntax, parse_rule
from analyzer.errors import ConfigError, Location, RuleSyntaxError

_COMPOSE_TOP: Final = re.compile(r"^services:\s*(?:#.*)?$")
_DYNAMIC_YAML_TOP: Final = re.compile(r"^(?:http|tcp|udp|tls):\s*(?:#.*)?$")
_DYNAMIC_YAML_KEY: Final = re.compile(r"^\s+(?:routers|services|middlewares|serversTransports):\s*(?:#.*)?$")
_DYNAMIC_TOML: Final = re.compile(r"^\s*\[\[?\s*(?:http|tcp|udp|tls)\s*[.\]]")
_STATIC_YAML: Final = re.compile(r"^(?:entryPoints|entrypoints|providers):\s*(?:#.*)?$")
_STATIC_TOML: Final = re.compile(r"^\s*\[\s*(?:entryPoints|entrypoints|providers)\s*[.\]]")
_INGRESSROUTE: Final = re.compile(
    r"^(?:kind:\s*IngressRoute\s*(?:#.*)?|apiVersion:\s*traefik\.(?:io|containo\.us)/\S+)$"
)
_TRAEFIK_LABEL: Final = re.compile(r"traefik\.(?:enable|http|tcp|udp|docker|swarm)\b")
#: Traefik v1's docker labels (``traefik.frontend.rule``, ``traefik.port``, ``traefik.<segment>.frontend.rule``).
_V1_LABEL: Final = re.compile(
    r"^traefik\.(?:[\w-]+\.)?(?:frontend|backend|port|protocol|weight)\b", re.IGNORECASE
)
# Traefik v1 files (branches v1.0–v1.7): [frontends]/[backends] tables, top-level static options (v2 moved
# them under [providers.*], [entryPoints.*], [certificatesResolvers.*]), frontend rules in labels.
_V1_DYNAMIC: Final = re.compile(r"^\s*\[\[?\s*(?:frontends|backends)\s*[.\]]")
_V1_STATIC: Final = re.compile(
    r"^\s*(?:defaultEntryPoints\s*=|\[\s*(?:docker|file|web|acme|marathon|consul|consulCatalog|etcd|rancher|ecs)\s*\])"
)
_V1_RULE_LABEL: Final = re.compile(r"traefik\.(?:[\w-]+\.)?frontend\.rule\b", re.IGNORECASE)
_TRAEFIK_IMAGE: Final = re.compile(r"(?:^|/)traefik(?::v?(?P<version>\d+(?:\.\d+)*))?(?:[@:]|$)")
_TEMPLATE: Final = re.compile(r"\{\{\s*(?P<fn>normalize\s+)?\.(?P<field>Name|ContainerName)\s*\}\}")
_INDEX_LABEL: Final = re.compile(r"""\{\{\s*index\s+\.Labels\s+"(?P<key>[^"]+)"\s*\}\}""")
DEFAULT_RULE: Final = "Host(`{{ normalize .Name }}`)"

#: Reads a scalar node with Compose interpolation.
_Value = Callable[[Y | None], str | None]


def sniff_format(sample: list[str]) -> str | None:
    """The configuration format of a file from its first lines, or None when it is not one.

    Requires the format's structure, not a keyword, so logs (whose lines may mention routers) and ``.env``
    files are never taken for configuration.
    """
    if any(_INGRESSROUTE.match(line) for line in sample) and any(
        line.startswith("kind:") and "IngressRoute" in line for line in sample
    ):
        return "kubernetes-ingressroute"
    if any(_COMPOSE_TOP.match(line) for line in sample):
        return "docker-compose"
    if any(_DYNAMIC_YAML_TOP.match(line) for line in sample) and any(
        _DYNAMIC_YAML_KEY.match(line) for line in sample
    ):
        return "traefik-file-yaml"
    if any(_DYNAMIC_TOML.match(line) for line in sample):
        return "traefik-file-toml"
    if any(_STATIC_YAML.match(line) for line in sample):
        return "traefik-static-yaml"
    if any(_STATIC_TOML.match(line) for line in sample):
        return "traefik-static-toml"
    return None


def traefik_v1(sample: list[str]) -> str | None:
    """What marks a file as Traefik v1 configuration (v1 routing is not analysed), or None."""
    if any(_V1_DYNAMIC.match(line) for line in sample):
        return "frontends and backends"
    if any(_V1_STATIC.match(line) for line in sample):
        return "static options"
    if any(_V1_RULE_LABEL.search(line) for line in sample):
        return "traefik.frontend.rule labels"
    return None


def mentions_traefik(sample: list[str]) -> bool:
    """Whether a compose file's first lines carry Traefik labels or a Traefik image."""
    return any(_TRAEFIK_LABEL.search(line) or re.search(r"image:\s*\S*traefik", line) for line in sample)


def load_configs(
    paths: Iterable[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | os.PathLike[str] | None = None,
) -> ConfigSet:
    """Load every configuration file in ``paths`` (folders are searched for ``*.yml``/``*.yaml``/``*.toml``;
    ``-`` is stdin).

    ``env`` is the environment for Compose interpolation (default: ``os.environ``); the ``.env`` file beside
    each compose file (or ``env_file`` instead) fills the variables the environment lacks. A file that cannot
    be read is listed in :attr:`ConfigSet.files` with its ``error``; the others are still loaded.
    """
    loader = _Loader(dict(os.environ) if env is None else dict(env), Path(env_file) if env_file else None)
    for given in paths:
        if str(given) == "-":
            loader.add_text(sys.stdin.read(), "<stdin>", None)
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if _config_name(p))
            for child in found:
                loader.add_path(child, quiet=True)
        else:
            loader.add_path(path, quiet=False)
    return loader.finish()


def load_text(
    text: str,
    path: str,
    *,
    fmt: str | None = None,
    env: Mapping[str, str] | None = None,
    env_file: str | os.PathLike[str] | None = None,
) -> ConfigSet:
    """Load one configuration given as text (``path`` is used for messages, evidence and the ``.env``)."""
    loader = _Loader(dict(os.environ) if env is None else dict(env), Path(env_file) if env_file else None)
    loader.add_text(text, path, fmt)
    return loader.finish()


def _config_name(path: Path) -> bool:
    return (
        path.is_file()
        and (
            path.suffix.lower() in (".yml", ".yaml", ".toml", ".conf", ".cfg")
            or path.name.lower().startswith("caddyfile")
        )
        and not any(part.startswith(".") for part in path.parts[-1:])
    )


# -- the loader ---------------------------------------------------------------------------------------


@dataclass
class _ComposeService:
    """One compose service after merging the files of its project."""

    name: str
    project: str
    path: str
    line: int | None
    labels: dict[str, tuple[str, Origin]] = field(default_factory=dict)
    swarm_labels: dict[str, tuple[str, Origin]] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    image: str | None = None
    command: list[str] = field(default_factory=list)
    command_line: int | None = None


@dataclass
class _Static:
    exposed_by_default: bool | None = None
    default_rule: str | None = None


class _Loader:
    def __init__(self, env: dict[str, str], env_file: Path | None) -> None:
        self.env = env
        self.env_file = env_file
        self.config = ConfigSet()
        self.static = _Static()
        self.compose: dict[tuple[str, str], _ComposeService] = {}

    def add_path(self, path: Path, *, quiet: bool) -> None:
        display = str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self._fail(display, "no such file or directory", quiet=False)
            return
        except IsADirectoryError:
            self._fail(display, "is a directory", quiet=False)
            return
        except OSError as exc:
            self._fail(display, (exc.strerror or str(exc)).lower(), quiet=False)
            return
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        if "\x00" in text:
            self._fail(display, "binary data, not a configuration file", quiet=quiet)
            return
        self.add_text(text, display, None, quiet=quiet)

    def add_text(self, text: str, path: str, fmt: str | None, *, quiet: bool = False) -> None:
        lines = tuple(text.splitlines())
        sample = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")][:200]
        fmt = fmt or sniff_format(sample)
        v1 = traefik_v1(sample) if fmt is None or fmt.endswith("toml") else None
        if v1 is not None:
            # said even when a folder is searched: this is a Traefik configuration, only not one wsdiag reads
            self._fail(path, f"Traefik v1 configuration ({v1}): v1 routing is not analysed", quiet=False)
            return
        if fmt is None and looks_like_nginx(sample):
            self._nginx(text, path, lines)
            return
        if fmt is None and looks_like_caddyfile(sample, Path(path).name):
            caddy = load_caddyfile(text, path)
            self.config.files.append(ConfigFile(path, "caddyfile", lines, routers=len(caddy.proxies)))
            self.config.caddy.append(caddy)
            return
        if fmt is None and looks_like_haproxy(sample):
            haproxy = load_haproxy(text, path)
            backends = sum(1 for s in haproxy.sections if s.kind in ("backend", "listen"))
            self.config.files.append(ConfigFile(path, "haproxy", lines, routers=backends))
            self.config.haproxy.append(haproxy)
            return
        if fmt is None:
            self._fail(
                path,
                "not a Traefik, nginx, HAProxy or Caddy configuration (no compose services, http routers, "
                "entry points, IngressRoute, nginx blocks, HAProxy sections or Caddyfile sites)",
                quiet=quiet,
            )
            return
        file = ConfigFile(path, fmt, lines)
        self.config.files.append(file)
        try:
            if fmt == "docker-compose":
                self._compose(text, file)
            elif fmt == "kubernetes-ingressroute":
                self._ingressroutes(yaml_documents(text, path), file)
            else:
                doc = (
                    toml_document(text, path) if fmt.endswith("toml") else _single(yaml_documents(text, path))
                )
                self._static(doc, file)
                self._dynamic(doc, file)
        except ConfigError as exc:
            file.error = str(exc.args[0])
            file.error_line = exc.location.line if exc.location else None

    def _fail(self, path: str, reason: str, *, quiet: bool) -> None:
        if not quiet:
            self.config.files.append(ConfigFile(path, None, error=reason))

    # -- compose ------------------------------------------------------------------------------------

    def _compose(self, text: str, file: ConfigFile) -> None:
        docs = yaml_documents(text, file.path)
        if not docs:
            return
        doc = docs[0]
        env = self._compose_env(file)

        def value(node: Y | None) -> str | None:
            raw = node.text() if node is not None else None
            if node is None or raw is None:
                return None
            line = node.line
            try:
                return interpolate(raw, env, warn=lambda msg: _note(file, line, msg))
            except ConfigError as exc:
                raise ConfigError(str(exc.args[0]), location=Location(file.path, line)) from exc

        project = value(doc.get("name"))
        project = _project_name(project or env.get("COMPOSE_PROJECT_NAME") or _dir_name(file.path))
        services = doc.get("services")
        parts: list[_ComposeService] = []  # merged only when the whole file was read
        for svc_name, svc in services.items() if services is not None else ():
            if not svc.is_map:
                continue
            part = _ComposeService(svc_name, project, file.path, svc.line)
            for key, target in (("labels", part.labels), ("deploy", part.swarm_labels)):
                node = svc.get(key)
                if key == "deploy" and node is not None:
                    node = node.get("labels")
                for label, raw_value, line in _labels(node):
                    target[label] = (value(raw_value) or "", _origin(file, line))
            part.ports = _ports(svc.get("expose"), value) + _ports(svc.get("ports"), value)
            part.image = value(svc.get("image"))
            command = svc.get("command")
            if command is not None:
                part.command = _command(command, value)
                part.command_line = command.line
            parts.append(part)
        for part in parts:
            merged = self.compose.setdefault((project, part.name), part)
            if merged is not part:  # an override file of the same project
                merged.labels.update(part.labels)
                merged.swarm_labels.update(part.swarm_labels)
                merged.ports.extend(part.ports)
                merged.image = part.image or merged.image
                if part.command:
                    merged.command, merged.command_line = part.command, part.command_line
            version = _TRAEFIK_IMAGE.search(merged.image or "")
            if version and version.group("version"):
                self.config.traefik_version = version.group("version")
            self._flags(merged, file)

    def _compose_env(self, file: ConfigFile) -> dict[str, str]:
        dotenv_path = self.env_file or (Path(file.path).parent / ".env")
        dotenv: dict[str, str] = {}
        if dotenv_path.is_file():
            dotenv = read_dotenv(dotenv_path, self.env)
            _note(file, None, f"variables read from {dotenv_path}")
        elif self.env_file is not None:
            raise ConfigError(f"env file {self.env_file} not found", location=Location(file.path))
        return {**dotenv, **self.env}

    def _flags(self, svc: _ComposeService, file: ConfigFile) -> None:
        """Static configuration given as flags to the Traefik container (``--entrypoints.web.address=:80``)."""
        if not any(arg.startswith("--") for arg in svc.command):
            return
        line = svc.command_line
        origin = _origin(file, line)
        for arg in svc.command:
            if not arg.startswith("--"):
                continue
            key, sep, val = arg[2:].partition("=")
            key_l = key.lower()
            val = val if sep else "true"
            m = re.fullmatch(r"entrypoints\.([^.]+)\.(.+)", key_l)
            if m:
                name = _original_case(key, m.group(1))
                ep = self.config.entry_points.get(name) or EntryPoint(
                    name, None, False, _arg_origin(file, arg, origin)
                )
                if m.group(2) == "address":
                    ep = replace(ep, address=val)
                elif m.group(2).startswith("http.tls") and val.lower() != "false":
                    ep = replace(ep, tls=True)
                elif m.group(2) == "http.redirections.entrypoint.to":
                    ep = replace(ep, redirect_to=val)
                self.config.entry_points[name] = ep
            elif key_l in ("providers.docker.exposedbydefault", "providers.swarm.exposedbydefault"):
                self.static.exposed_by_default = val.lower() != "false"
            elif key_l in ("providers.docker.defaultrule", "providers.swarm.defaultrule"):
                self.static.default_rule = val
            elif key_l == "core.defaultrulesyntax":
                self.config.default_rule_syntax = val.lower()

    # -- static files --------------------------------------------------------------------------------

    def _static(self, doc: Y, file: ConfigFile) -> None:
        for name, node in (doc.get("entryPoints") or Y({}, None)).items():
            tls_node = node.path("http", "tls")
            address_node = node.get("address")
            redirect = node.path("http", "redirections", "entryPoint", "to")
            tls = tls_node is not None and tls_node.value is not False
            address = address_node.text() if address_node is not None else None
            self.config.entry_points[name] = EntryPoint(
                name, address, tls, _origin(file, node.line), redirect.text() if redirect else None
            )
        for provider in ("docker", "swarm"):
            settings = doc.path("providers", provider)
            if settings is None:
                continue
            exposed = settings.get("exposedByDefault")
            if exposed is not None:
                self.static.exposed_by_default = str(exposed.text()).lower() != "false"
            rule = settings.get("defaultRule")
            if rule is not None and rule.text():
                self.static.default_rule = rule.text()
        syntax = doc.path("core", "defaultRuleSyntax")
        if syntax is not None and syntax.text():
            self.config.default_rule_syntax = str(syntax.text()).lower()

    # -- file provider -------------------------------------------------------------------------------

    def _dynamic(self, doc: Y, file: ConfigFile) -> None:
        http = doc.get("http")
        if http is None:
            return
        toml = file.format == "traefik-file-toml"
        for name, node in (http.get("middlewares") or Y({}, None)).items():
            kind = next((k for k, _ in node.items()), "?")
            self.config.middlewares.append(Middleware(name, "file", kind, _origin(file, node.line)))
        for name, node in (http.get("services") or Y({}, None)).items():
            self.config.services.append(_file_service(name, node, file, toml))
        for name, node in (http.get("routers") or Y({}, None)).items():
            router = self._file_router(name, node, file, toml)
            if router is not None:
                self._add_router(router, file)

    def _file_router(self, name: str, node: Y, file: ConfigFile, toml: bool) -> Router | None:
        rule_node = node.get("rule")
        rule = (rule_node.text() if rule_node else None) or ""
        if "{{" in rule:
            _note(
                file,
                rule_node.line if rule_node else node.line,
                f"router {name}: the rule is a Go template; not evaluated",
            )
            return None
        prio = node.get("priority")
        svc = node.get("service")
        syntax = node.get("ruleSyntax")
        key = f"[http.routers.{name}]" if toml else f"http.routers.{name}"
        return _router(
            name=name,
            provider="file",
            rule=rule,
            rule_origin=_origin(file, rule_node.line if rule_node else node.line),
            priority=_int(prio.text() if prio else None),
            priority_origin=_origin(file, prio.line) if prio else None,
            entry_points=_names(node.get("entryPoints")),
            service=svc.text() if svc else None,
            service_origin=_origin(file, svc.line) if svc else None,
            middlewares=_names(node.get("middlewares")),
            tls=node.get("tls") is not None,
            syntax=_syntax(syntax.text() if syntax else None),
            config_key=key,
            fmt=file.format or "",
        )

    # -- Kubernetes ---------------------------------------------------------------------------------

    def _ingressroutes(self, docs: list[Y], file: ConfigFile) -> None:
        for doc in docs:
            if doc.get("kind") is None or doc.get("kind").text() != "IngressRoute":  # type: ignore[union-attr]
                continue
            meta = doc.get("metadata") or Y({}, None)
            ir_name = (meta.get("name") or meta.get("generateName") or Y("", None)).text() or ""
            namespace = (meta.get("namespace") or Y("default", None)).text() or "default"
            spec = doc.get("spec") or Y({}, None)
            entry_points = _names(spec.get("entryPoints"))
            tls = spec.get("tls") is not None
            for index, route in enumerate((spec.get("routes") or Y([], None)).elements()):
                kind = route.get("kind")
                if kind is not None and kind.text() not in (None, "", "Rule"):
                    continue
                match = route.get("match")
                rule = (match.text() if match else None) or ""
                digest = hashlib.sha256(rule.encode()).hexdigest()[:20]
                name = _normalize(f"{namespace}-{ir_name}-{digest}")
                service, svc_objs = _k8s_services(route, namespace, name, file)
                self.config.services.extend(svc_objs)
                prio = route.get("priority")
                syntax = route.get("syntax")
                services_node = route.get("services")
                middlewares = tuple(
                    _k8s_middleware(m, namespace)
                    for m in (route.get("middlewares") or Y([], None)).elements()
                )
                router = _router(
                    name=name,
                    provider="kubernetescrd",
                    rule=rule,
                    rule_origin=_origin(file, match.line if match else route.line),
                    priority=_int(prio.text() if prio else None),
                    priority_origin=_origin(file, prio.line) if prio else None,
                    entry_points=entry_points,
                    service=service,
                    service_origin=_origin(file, services_node.line) if services_node else None,
                    middlewares=middlewares,
                    tls=tls,
                    syntax=_syntax(syntax.text() if syntax else None),
                    config_key=f"IngressRoute {namespace}/{ir_name} spec.routes[{index}]",
                    fmt=file.format or "",
                    owner=f"{namespace}/{ir_name}",
                    problem=None if service else "the route lists no services",
                )
                self._add_router(router, file)

    # -- docker provider ----------------------------------------------------------------------------

    def _docker(self) -> None:
        """Build docker-provider routers and services from the merged compose services."""
        for svc in self.compose.values():
            swarm = any(_TRAEFIK_LABEL.match(k) for k in svc.swarm_labels)
            labels = svc.swarm_labels if swarm else svc.labels
            provider = "swarm" if swarm and (self.config.traefik_major or 3) >= 3 else "docker"
            file = next(f for f in self.config.files if f.path == svc.path)
            self._container(svc, labels, provider, file)

    def _container(
        self, svc: _ComposeService, labels: dict[str, tuple[str, Origin]], provider: str, file: ConfigFile
    ) -> None:
        traefik = {k: v for k, v in labels.items() if k.lower().startswith("traefik.")}
        enable = next((v for k, v in traefik.items() if k.lower() == "traefik.enable"), None)
        if enable is not None and enable[0].strip().lower() == "false":
            return
        exposed = self.static.exposed_by_default
        if exposed is False and (enable is None or enable[0].strip().lower() != "true"):
            return
        if exposed is None and not traefik:
            return
        routers: dict[str, dict[str, tuple[str, Origin]]] = {}
        services: dict[str, dict[str, tuple[str, Origin]]] = {}
        tcp_udp = False
        for key, (val, origin) in traefik.items():
            parts = key.split(".")
            if len(parts) >= 3 and parts[1].lower() in ("tcp", "udp"):
                tcp_udp = True
                continue
            if len(parts) < 5 or parts[1].lower() != "http":
                continue
            section, name, prop = parts[2].lower(), parts[3], ".".join(parts[4:]).lower()
            if section == "routers":
                routers.setdefault(name, {})[prop] = (val, origin)
            elif section == "services":
                services.setdefault(name, {})[prop] = (val, origin)
            elif section == "middlewares" and not any(
                m.name == name and m.provider == provider for m in self.config.middlewares
            ):
                self.config.middlewares.append(Middleware(name, provider, parts[4], origin))
        if tcp_udp and not routers and not services:
            return
        if not routers and not services and any(_V1_LABEL.match(k) for k in traefik):
            line = min((o.line for _, o in traefik.values() if o.line), default=None)
            _note(
                file, line, f"{svc.name}: Traefik v1 labels (traefik.frontend.…): v1 routing is not analysed"
            )
            return
        default_name = _normalize(
            f"{svc.project}_{svc.name}" if provider == "swarm" else f"{svc.name}_{svc.project}"
        )
        anchor = (
            enable[1]
            if enable
            else (
                min(traefik.values(), key=lambda v: v[1].line or 0)[1] if traefik else _origin(file, svc.line)
            )
        )
        ports = tuple(sorted(set(svc.ports)))
        if not services:
            self.config.services.append(
                Service(
                    default_name,
                    provider,
                    "loadBalancer",
                    anchor,
                    exposed_ports=ports,
                    owner=svc.name,
                    default=True,
                    config_key=f"traefik.http.services.{default_name}",
                    format="docker-compose",
                )
            )
        for name, props in services.items():
            port = props.get("loadbalancer.server.port")
            first = min(props.values(), key=lambda v: v[1].line or 0)[1]
            self.config.services.append(
                Service(
                    name,
                    provider,
                    "loadBalancer",
                    port[1] if port else first,
                    port=_int(port[0]) if port else None,
                    exposed_ports=ports,
                    owner=svc.name,
                    config_key=f"traefik.http.services.{name}",
                    format="docker-compose",
                )
            )
        service_names = list(services) or [default_name]
        if not routers:
            if len(service_names) > 1:
                _note(
                    file,
                    anchor.line,
                    f"{svc.name}: no router created: the container defines several services and no router",
                )
                return
            routers[default_name] = {}
        for name, props in routers.items():
            self._add_router(
                self._label_router(name, props, svc, provider, service_names, anchor, file), file
            )

    def _label_router(
        self,
        name: str,
        props: dict[str, tuple[str, Origin]],
        svc: _ComposeService,
        provider: str,
        service_names: list[str],
        anchor: Origin,
        file: ConfigFile,
    ) -> Router:
        rule = props.get("rule")
        default_rule = rule is None or not rule[0]
        rule_text = rule[0] if rule and rule[0] else self._default_rule(svc, provider, file)
        service = props.get("service")
        problem = None
        linked = service[0] if service else None
        if linked is None:
            if len(service_names) == 1:
                linked = service_names[0]
            else:
                problem = f"it has no service label and the container defines several services ({', '.join(service_names)})"
        prio = props.get("priority")
        first = min(props.values(), key=lambda v: v[1].line or 0)[1] if props else anchor
        return _router(
            name=name,
            provider=provider,
            rule=rule_text,
            rule_origin=rule[1] if rule else first,
            priority=_int(prio[0]) if prio else None,
            priority_origin=prio[1] if prio else None,
            entry_points=_split(props["entrypoints"][0]) if "entrypoints" in props else (),
            service=linked,
            service_origin=service[1] if service else None,
            middlewares=_split(props["middlewares"][0]) if "middlewares" in props else (),
            tls=any(
                (k == "tls" and v.strip().lower() != "false") or k.startswith("tls.")
                for k, (v, _) in props.items()
            ),
            syntax=_syntax(props["rulesyntax"][0]) if "rulesyntax" in props else None,
            config_key=f"traefik.http.routers.{name}",
            fmt="docker-compose",
            owner=svc.name,
            default_rule=default_rule,
            problem=problem,
        )

    def _default_rule(self, svc: _ComposeService, provider: str, file: ConfigFile) -> str:
        template = self.static.default_rule or DEFAULT_RULE
        name = f"{svc.project}_{svc.name}" if provider == "swarm" else f"{svc.name}_{svc.project}"
        model = {"Name": _normalize(name), "ContainerName": f"{svc.project}-{svc.name}-1"}

        def field_value(m: re.Match[str]) -> str:
            value = model[m.group("field")]
            return _normalize(value) if m.group("fn") else value

        rendered = _TEMPLATE.sub(field_value, template)
        rendered = _INDEX_LABEL.sub(lambda m: svc.labels.get(m.group("key"), ("", None))[0], rendered)
        if "{{" in rendered:
            _note(
                file, svc.line, f"{svc.name}: the default rule template {template!r} is not fully evaluated"
            )
        return rendered

    # -- common --------------------------------------------------------------------------------------

    def _add_router(self, router: Router, file: ConfigFile) -> None:
        existing = self.config.router(router.qualified)
        if existing is not None:
            self.config.routers.remove(existing)
            _note(
                file,
                router.origin.line,
                f"router {router.qualified} is defined again; the later definition is used",
            )
        self.config.routers.append(router)
        file.routers += 1

    def _nginx(self, text: str, path: str, lines: tuple[str, ...]) -> None:
        nginx = load_nginx(text, path)
        file = ConfigFile(path, "nginx", lines, routers=nginx.locations)
        file.notes += [f"{where}:{line or '?'}: {error}" for where, line, error in nginx.errors]
        if not nginx.servers and nginx.errors:
            _, line, error = nginx.errors[0]
            file.error, file.error_line = f"nginx configuration does not parse: {error}", line
        self.config.files.append(file)
        self.config.nginx.append(nginx)

    def finish(self) -> ConfigSet:
        self._docker()
        syntax_default = _syntax(self.config.default_rule_syntax)
        if syntax_default is not None:
            self.config.routers = [
                _reparse(r, syntax_default) if r.syntax is None else r for r in self.config.routers
            ]
        return self.config


# -- helpers ------------------------------------------------------------------------------------------


def _router(
    *,
    name: str,
    provider: str,
    rule: str,
    rule_origin: Origin,
    priority: int | None,
    priority_origin: Origin | None,
    entry_points: tuple[str, ...],
    service: str | None,
    service_origin: Origin | None,
    middlewares: tuple[str, ...],
    tls: bool,
    syntax: Syntax | None,
    config_key: str,
    fmt: str,
    owner: str | None = None,
    default_rule: bool = False,
    problem: str | None = None,
) -> Router:
    router = Router(
        name=name,
        provider=provider,
        rule=rule,
        parsed=None,
        error=None,
        explicit_priority=priority or None,
        entry_points=entry_points,
        service=service,
        middlewares=middlewares,
        tls=tls,
        syntax=syntax,
        origin=rule_origin,
        priority_origin=priority_origin,
        service_origin=service_origin,
        default_rule=default_rule,
        owner=owner,
        service_problem=problem,
        config_key=config_key,
        format=fmt,
    )
    return _reparse(router, syntax)


def _reparse(router: Router, syntax: Syntax | None) -> Router:
    """Parse (again) the router's rule in ``syntax`` (None: whichever syntax the rule is valid in)."""
    if not router.rule:
        error = RuleSyntaxError("the router has no rule", position=0)
        return replace(router, parsed=None, error=error, expr=None)
    try:
        parsed = parse_rule(router.rule, syntax=syntax)
    except RuleSyntaxError as exc:
        return replace(router, parsed=None, error=exc, expr=None)
    return replace(router, parsed=parsed, error=None, expr=lower(parsed))


def _single(docs: list[Y]) -> Y:
    return docs[0] if docs else Y({}, None)


def _origin(file: ConfigFile, line: int | None) -> Origin:
    text = file.lines[line - 1].strip() if line and 0 < line <= len(file.lines) else ""
    return Origin(file.path, line, text)


def _arg_origin(file: ConfigFile, arg: str, fallback: Origin) -> Origin:
    """The line of a flag inside a multi-line ``command:`` list, when it can be found."""
    for number, text in enumerate(file.lines, start=1):
        if arg in text and (fallback.line is None or number >= fallback.line):
            return Origin(file.path, number, text.strip())
    return fallback


def _note(file: ConfigFile, line: int | None, message: str) -> None:
    text = f"line {line}: {message}" if line else message
    if text not in file.notes:
        file.notes.append(text)


def _labels(node: Y | None) -> list[tuple[str, Y, int | None]]:
    """(key, value node, line) of compose labels written as a list (``k=v``) or a mapping."""
    if node is None:
        return []
    if node.is_map:
        return [(k, v, v.line) for k, v in node.items()]
    out = []
    for item in node.elements():
        text = item.text()
        if text is None:
            continue
        key, _, val = text.partition("=")
        out.append((key.strip(), Y(val, item.line), item.line))
    return out


def _ports(node: Y | None, value: _Value) -> list[int]:
    """Container ports from compose ``expose`` / ``ports`` (short and long syntax, ranges)."""
    out: list[int] = []
    for item in node.elements() if node is not None else []:
        if item.is_map:
            target = item.get("target")
            port = _int(target.text()) if target else None
            if port:
                out.append(port)
            continue
        text = value(item) or ""
        container = text.split("/")[0].rsplit(":", 1)[-1]
        low, _, high = container.partition("-")
        if low.isdigit():
            start = int(low)
            end = int(high) if high.isdigit() else start
            out.extend(range(start, min(end, start + 64) + 1))
    return out


def _command(node: Y, value: _Value) -> list[str]:
    if isinstance(node.value, list):
        return [value(item) or "" for item in node.elements()]
    text = value(node) or ""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _k8s_services(
    route: Y, namespace: str, router_name: str, file: ConfigFile
) -> tuple[str | None, list[Service]]:
    refs = (route.get("services") or Y([], None)).elements()
    services: list[Service] = []
    names: list[str] = []
    for ref in refs:
        name = (ref.get("name") or Y("", None)).text() or ""
        port = ref.get("port")
        kind = (ref.get("kind") or Y("Service", None)).text()
        if not name:
            continue
        if kind == "TraefikService":
            names.append(name if "@" in name else _normalize(f"{namespace}-{name}"))
            continue
        port_text = port.text() if port else ""
        full = _normalize(f"{namespace}-{name}") + (f"-{port_text}" if port_text else "")
        names.append(full)
        services.append(
            Service(
                full,
                "kubernetescrd",
                "kubernetes",
                _origin(file, ref.line),
                port=_int(port_text),
                servers=(f"{name}:{port_text}" if port_text else name,),
                config_key=f"service {name}",
                format="kubernetes-ingressroute",
            )
        )
    if len(names) > 1:
        services.append(
            Service(
                router_name,
                "kubernetescrd",
                "weighted",
                _origin(file, route.line),
                children=tuple(names),
                format="kubernetes-ingressroute",
            )
        )
        return router_name, services
    return (names[0] if names else None), services


def _k8s_middleware(ref: Y, namespace: str) -> str:
    name = (ref.get("name") or Y("", None)).text() or ""
    if "@" in name:
        return name
    ns = (ref.get("namespace") or Y(namespace, None)).text() or namespace
    return f"{_normalize(f'{ns}-{name}')}@kubernetescrd"


def _file_service(name: str, node: Y, file: ConfigFile, toml: bool) -> Service:
    key = f"[http.services.{name}]" if toml else f"http.services.{name}"
    lb = node.get("loadBalancer")
    origin = _origin(file, node.line)
    if lb is not None:
        servers = tuple(
            (s.get("url") or s.get("address") or Y("", None)).text() or ""
            for s in (lb.get("servers") or Y([], None)).elements()
        )
        return Service(
            name,
            "file",
            "loadBalancer",
            origin,
            servers=tuple(s for s in servers if s),
            config_key=key,
            format=file.format or "",
        )
    for kind, child_keys in (
        ("weighted", ("services",)),
        ("mirroring", ("service", "mirrors")),
        ("failover", ("service", "fallback")),
    ):
        spec = node.get(kind)
        if spec is None:
            continue
        children: list[str] = []
        for child_key in child_keys:
            child = spec.get(child_key)
            for item in child.elements() if child is not None else []:
                ref = item.get("name") if item.is_map else item
                if ref is not None and ref.text():
                    children.append(ref.text())  # type: ignore[arg-type]
        return Service(
            name, "file", kind, origin, children=tuple(children), config_key=key, format=file.format or ""
        )
    return Service(name, "file", "unknown", origin, config_key=key, format=file.format or "")


def _names(node: Y | None) -> tuple[str, ...]:
    """A list of names written as a YAML/TOML list or a comma-separated string."""
    if node is None:
        return ()
    out: list[str] = []
    for item in node.elements():
        out.extend(_split(item.text() or ""))
    return tuple(out)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _syntax(text: str | None) -> Syntax | None:
    value = (text or "").strip().lower()
    return value if value in ("v2", "v3") else None  # type: ignore[return-value]


def _normalize(name: str) -> str:
    """Traefik's ``provider.Normalize``: runs of characters other than letters and digits become ``-``."""
    return "-".join(part for part in re.split(r"[^\w]|_", name) if part)


def _project_name(name: str) -> str:
    """Compose's project name normalization: lower case, only ``a-z0-9_-``."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower())


def _dir_name(path: str) -> str:
    try:
        return Path(path).resolve().parent.name or "default"
    except OSError:
        return "default"


def _original_case(key: str, folded: str) -> str:
    """The entry point name as written (``websecure`` from ``--entryPoints.webSecure.address``)."""
    m = re.match(r"entrypoints\.([^.]+)\.", key, flags=re.IGNORECASE)
    return m.group(1) if m else folded
