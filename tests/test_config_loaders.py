"""Loading Traefik routing configuration: compose labels, file provider YAML/TOML, IngressRoute, static."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analyzer.config.loaders import load_configs, load_text, sniff_format
from tests.conftest import DATA

CONFIG = DATA / "config"


def routers_by_name(config):
    return {r.qualified: r for r in config.routers}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_compose_labels_as_a_list():
    config = load_configs([CONFIG / "incident" / "docker-compose.yml"])
    routers = routers_by_name(config)
    assert sorted(routers) == ["api@docker", "chat-ws@docker"]  # db: exposedbydefault=false, no label
    api, ws = routers["api@docker"], routers["chat-ws@docker"]
    assert ws.rule == "Host(`api.example.test`) && PathPrefix(`/socket.io`)"
    assert (ws.explicit_priority, ws.priority) == (10, 10)
    assert ws.entry_points == ("websecure",)
    assert ws.service_qualified == "chat@docker"
    assert (ws.origin.line, ws.priority_origin.line) == (31, 33)
    assert ws.origin.text.startswith('- "traefik.http.routers.chat-ws.rule=')
    assert api.service_qualified == "api@docker"
    assert config.service("chat@docker").port == 3000
    assert config.traefik_version == "3.1"
    eps = config.entry_points
    assert (eps["web"].address, eps["web"].tls) == (":80", False)
    assert (eps["websecure"].port, eps["websecure"].tls) == (443, True)


def test_compose_labels_as_a_map():
    config = load_configs([CONFIG / "shadowed" / "docker-compose.yml"])
    ws = routers_by_name(config)["chat-ws@docker"]
    assert ws.rule == "PathPrefix(`/socket.io`)"
    assert ws.explicit_priority is None
    assert ws.priority == 24
    assert ws.tls is True
    assert ws.origin.line == 17
    assert routers_by_name(config)["frontend@docker"].priority == 34


def test_default_router_service_and_rule(tmp_path):
    path = write(
        tmp_path,
        "stack/docker-compose.yml",
        """
name: My_Shop
services:
  web:
    image: nginx
    labels:
      - traefik.enable=true
    ports:
      - "8081:8080"
      - target: 80
        published: 8080
  db:
    image: postgres
""",
    )
    config = load_configs([path])
    (router,) = config.routers
    # provider.Normalize(service + "_" + project); the default rule uses the same name
    assert router.qualified == "web-my_shop@docker".replace("_", "-")
    assert router.rule == "Host(`web-my-shop`)"
    assert router.default_rule is True
    assert router.priority == len("Host(`web-my-shop`)")
    service = config.service("web-my-shop@docker")
    assert service is not None and service.default
    assert service.exposed_ports == (80, 8080)


def test_project_name_defaults_to_the_folder(tmp_path):
    path = write(
        tmp_path,
        "Chat App/docker-compose.yml",
        "services:\n  api:\n    labels:\n      - traefik.enable=true\n",
    )
    assert load_configs([path]).routers[0].name == "api-chatapp"


@pytest.mark.parametrize(
    ("flags", "labels", "expected"),
    [
        ("", "[traefik.enable=false, traefik.http.routers.a.rule=Host(`a`)]", []),
        ("--providers.docker.exposedbydefault=false", "[traefik.http.routers.a.rule=Host(`a`)]", []),
        ("--providers.docker.exposedbydefault=false", "[traefik.enable=true]", ["svc-p@docker"]),
        ("", "[]", []),
        ("--providers.docker.exposedbydefault=true", "[]", ["svc-p@docker"]),
    ],
    ids=["disabled", "not-enabled", "enabled", "no-label", "exposed-by-default"],
)
def test_which_containers_get_routers(tmp_path, flags, labels, expected):
    path = write(
        tmp_path,
        "docker-compose.yml",
        f"name: p\nservices:\n  traefik:\n    image: traefik:v3.2\n    command: {flags or '--api'}\n"
        f"    labels: [traefik.enable=false]\n  svc:\n    image: x\n    labels: {labels}\n",
    )
    assert [r.qualified for r in load_configs([path]).routers] == expected


def test_router_without_service_label_and_several_services(tmp_path):
    path = write(
        tmp_path,
        "docker-compose.yml",
        """name: p
services:
  admin:
    labels:
      - traefik.http.routers.admin.rule=Host(`admin.test`)
      - traefik.http.services.ui.loadbalancer.server.port=8080
      - traefik.http.services.api.loadbalancer.server.port=8081
""",
    )
    (router,) = load_configs([path]).routers
    assert router.service is None
    assert "several services (ui, api)" in (router.service_problem or "")


def test_interpolation_from_dotenv():
    config = load_configs([CONFIG / "interpolation" / "docker-compose.yml"], env={})
    routers = routers_by_name(config)
    assert routers["api@docker"].rule == "Host(`api.example.test`)"
    assert routers["api@docker"].explicit_priority == 10  # ${API_PRIORITY:-10}
    assert routers["realtime@docker"].rule == "Host(`api.example.test`) && PathPrefix(`/socket.io`)"
    assert routers["realtime@docker"].explicit_priority == 10  # WS_PRIORITY from .env
    assert routers["realtime@docker"].service_qualified == "realtime-chat@docker"  # name: chat
    # evidence shows the line as written
    assert "${API_HOST}" in routers["api@docker"].origin.text


def test_environment_wins_over_dotenv():
    config = load_configs(
        [CONFIG / "interpolation" / "docker-compose.yml"],
        env={"API_HOST": "prod.example.test", "WS_PRIORITY": "200"},
    )
    realtime = routers_by_name(config)["realtime@docker"]
    assert realtime.rule == "Host(`prod.example.test`) && PathPrefix(`/socket.io`)"
    assert realtime.explicit_priority == 200


def test_unset_variable_is_empty_with_a_note(tmp_path):
    path = write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  a:\n    labels:\n      - traefik.http.routers.a.rule=Host(`${NOPE}`)\n",
    )
    config = load_configs([path], env={})
    assert config.routers[0].rule == "Host(``)"
    assert any("variable NOPE is not set" in note for note in config.files[0].notes)


def test_required_variable_unset_is_a_file_error(tmp_path):
    path = write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  a:\n    labels:\n      - traefik.http.routers.a.rule=Host(`${HOST:?set HOST}`)\n",
    )
    (file,) = load_configs([path], env={}).files
    assert file.error == "required variable HOST is missing a value: set HOST"
    assert file.error_line == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$$HOME", "$HOME"),
        ("${A:-x}-${B-y}", "1-"),
        ("${A:+set}${C:+set}", "set"),
        ("${C:-${A}}", "1"),
        ("$A.$A", "1.1"),
    ],
)
def test_interpolation_forms(text, expected):
    from analyzer.config.interpolate import interpolate

    assert interpolate(text, {"A": "1", "B": ""}) == expected


def test_yaml_anchors_and_merge_keys(tmp_path):
    path = write(
        tmp_path,
        "docker-compose.yml",
        """
x-traefik: &traefik
  traefik.enable: "true"
  traefik.http.routers.app.entrypoints: websecure
services:
  app:
    labels:
      <<: *traefik
      traefik.http.routers.app.rule: Host(`app.test`)
""",
    )
    (router,) = load_configs([path]).routers
    assert router.entry_points == ("websecure",)
    assert router.origin.line == 9


def test_file_provider_yaml():
    config = load_configs([CONFIG / "correct" / "dynamic.yml"])
    ws = routers_by_name(config)["app-ws@file"]
    assert ws.explicit_priority == 100
    assert ws.origin.line == 10
    assert ws.tls is True
    assert config.service("realtime@file").servers == ("http://10.0.0.5:3000",)


def test_file_provider_toml_with_lines():
    config = load_configs([CONFIG / "toml" / "dynamic.toml"])
    ws = routers_by_name(config)["chat-ws@file"]
    assert ws.rule == "Host(`api.example.test`) && PathPrefix(`/socket.io`)"
    assert (ws.origin.line, ws.priority_origin.line) == (9, 12)
    assert ws.config_key == "[http.routers.chat-ws]"
    assert config.service("api@file").servers == ("http://10.0.0.4:8080",)


def test_ingressroute_names_as_traefik_makes_them():
    config = load_configs([CONFIG / "k8s" / "ingressroute.yml"])
    rule = "Host(`api.example.test`) && PathPrefix(`/socket.io`)"
    name = f"prod-chat-{hashlib.sha256(rule.encode()).hexdigest()[:20]}"
    ws = routers_by_name(config)[f"{name}@kubernetescrd"]
    assert ws.explicit_priority == 10
    assert ws.entry_points == ("websecure",)
    assert ws.tls is True
    assert ws.service_qualified == "prod-chat-3000@kubernetescrd"
    assert ws.middlewares == ("prod-sticky-headers@kubernetescrd",)
    assert ws.origin.line == 17
    assert ws.config_key == "IngressRoute prod/chat spec.routes[1]"


def test_static_configuration_and_default_rule_syntax(tmp_path):
    static = write(
        tmp_path,
        "traefik.yml",
        """
entryPoints:
  web:
    address: ":80"
  websecure:
    address: ":443"
    http:
      tls: {}
core:
  defaultRuleSyntax: v2
""",
    )
    dynamic = write(
        tmp_path, "dynamic.yml", "http:\n  routers:\n    r:\n      rule: Host(`a`)\n      service: s\n"
    )
    config = load_configs([static, dynamic])
    assert config.entry_points["websecure"].tls is True
    assert config.files[0].format == "traefik-static-yaml"
    assert config.routers[0].parsed is not None and config.routers[0].parsed.syntax == "v2"


def test_folders_are_searched_and_bad_files_reported(tmp_path):
    write(tmp_path, "conf/a.yml", "http:\n  routers:\n    r:\n      rule: Host(`a`)\n")
    write(tmp_path, "conf/notes.yml", "shopping: [milk]\n")
    write(tmp_path, "conf/broken.toml", "[http.routers.r]\nrule = \n")
    config = load_configs([tmp_path / "conf", tmp_path / "missing.yml"])
    files = {Path(f.path).name: f for f in config.files}
    assert files["a.yml"].routers == 1
    assert "notes.yml" not in files  # not configuration, silently left out of a folder
    assert files["broken.toml"].error.startswith("invalid TOML")
    assert files["broken.toml"].error_line == 2
    assert files["missing.yml"].error == "no such file or directory"


def test_yaml_error_names_the_line(tmp_path):
    path = write(tmp_path, "dynamic.yml", "http:\n  routers:\n    r:\n      rule: [unclosed\n")
    (file,) = load_configs([path]).files
    assert file.error.startswith("invalid YAML")
    assert file.error_line == 5


def test_load_text_uses_the_given_format():
    config = load_text(
        "http:\n  routers:\n    r:\n      rule: Host(`a`)\n", "<stdin>", fmt="traefik-file-yaml"
    )
    assert config.routers[0].qualified == "r@file"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("incident/docker-compose.yml", "docker-compose"),
        ("correct/dynamic.yml", "traefik-file-yaml"),
        ("toml/dynamic.toml", "traefik-file-toml"),
        ("k8s/ingressroute.yml", "kubernetes-ingressroute"),
        ("interpolation/.env", None),
    ],
)
def test_sniff_configuration_files(name, expected):
    lines = [ln for ln in (CONFIG / name).read_text().splitlines() if ln.strip()]
    assert sniff_format(lines) == expected


@pytest.mark.parametrize(
    "line",
    [
        '10.0.0.1 - - [01/Feb/2024:15:43:38 +0000] "GET /socket.io/?EIO=4 HTTP/1.1" 0 0 "-" "-" 5 "chat-ws@docker" "http://10.0.0.5:3000" 3512ms',
        '{"RouterName":"chat-ws@docker","RequestPath":"/socket.io/","http":{"routers":1}}',
        '{"log": {"version": "1.2", "entries": []}}',
        "2025-08-14T03:55:08Z DBG > Creating router routerName=chat-ws@docker rule=Host(`a`)",
        "API_HOST=api.example.test",
        "http: 200 ok services: 3",
    ],
    ids=["clf", "json-access", "har", "app-log", "dotenv", "prose"],
)
def test_sniff_does_not_take_logs_for_configuration(line):
    assert sniff_format([line, line]) is None


def test_override_files_of_one_project_are_merged_per_service(tmp_path):
    base = write(
        tmp_path,
        "app/docker-compose.yml",
        "services:\n  chat:\n    labels:\n      - traefik.http.routers.chat-ws.rule=PathPrefix(`/socket.io`)\n",
    )
    override = write(
        tmp_path,
        "app/docker-compose.override.yml",
        "services:\n  chat:\n    labels:\n      - traefik.http.routers.chat-ws.priority=100\n",
    )
    (router,) = load_configs([base, override]).routers
    assert (router.qualified, router.priority) == ("chat-ws@docker", 100)
    assert router.priority_origin is not None and router.priority_origin.path == str(override)
