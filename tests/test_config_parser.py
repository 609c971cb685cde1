"""Configuration files among the logs: sniffed by ingest, one `router_config` event per router."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.ingest import load
from analyzer.model import KINDS, SCHEMA, conform
from analyzer.parsers import registry
from analyzer.parsers.base import Document, ParseContext
from tests.conftest import DATA, read_text

CONFIG = DATA / "config"
CONFIG_PARSERS = sorted(name for name, p in registry().items() if p.source == "config")


def test_config_parsers_are_registered():
    assert CONFIG_PARSERS == [
        "caddy-config",
        "docker-compose",
        "haproxy-config",
        "kubernetes-ingressroute",
        "nginx-config",
        "traefik-file-toml",
        "traefik-file-yaml",
        "traefik-static-toml",
        "traefik-static-yaml",
        "traefik-v1-config",
    ]
    assert "router_config" in KINDS


@pytest.mark.parametrize(
    ("path", "fmt", "routers"),
    [
        ("incident/docker-compose.yml", "docker-compose", ["api@docker", "chat-ws@docker"]),
        ("correct/dynamic.yml", "traefik-file-yaml", ["app-ws@file", "app@file"]),
        ("toml/dynamic.toml", "traefik-file-toml", ["api@file", "chat-ws@file"]),
        (
            "k8s/ingressroute.yml",
            "kubernetes-ingressroute",
            ["prod-chat-3aa514afb5c11678e9f1@kubernetescrd", "prod-chat-4fa6a5777624178504f3@kubernetescrd"],
        ),
    ],
)
def test_config_files_become_router_events(path, fmt, routers):
    result = load([str(CONFIG / path)])
    (info,) = result.inputs
    assert (info.source, info.format, info.error) == ("config", fmt, None)
    events = result.events
    assert sorted(events["router"].to_list()) == routers
    assert set(events["kind"].to_list()) == {"router_config"}
    assert events["ts"].null_count() == events.height


def test_router_event_shape():
    events = load([str(CONFIG / "incident" / "docker-compose.yml")]).events
    ws = events.filter(pl.col("router") == "chat-ws@docker").row(0, named=True)
    assert ws["source"] == "config"
    assert ws["service"] == "chat@docker"
    assert ws["host"] == "api.example.test"
    assert ws["path"] == "/socket.io"
    assert ws["message"] == "Host(`api.example.test`) && PathPrefix(`/socket.io`)"
    assert ws["line"] == 31
    assert (
        ws["raw"]
        == '- "traefik.http.routers.chat-ws.rule=Host(`api.example.test`) && PathPrefix(`/socket.io`)"'
    )
    attrs = json.loads(ws["attrs"])
    assert attrs["priority"] == 10
    assert attrs["explicit_priority"] == 10
    assert attrs["entry_points"] == ["websecure"]
    assert attrs["is_websocket"] is True


def test_a_broken_rule_is_an_error_event():
    events = load([str(CONFIG / "broken" / "docker-compose.yml")]).events
    row = events.row(0, named=True)
    assert row["level"] == "error"
    attrs = json.loads(row["attrs"])
    assert attrs["error_column"] == 40
    assert "single quotes" in attrs["error"]


def test_dotenv_is_not_claimed_and_interpolation_still_applies(tmp_path):
    result = load([str(CONFIG / "interpolation")])
    by_name = {i.path.rsplit("/", 1)[-1]: i for i in result.inputs}
    assert ".env" not in by_name  # hidden files are skipped in folders
    assert by_name["docker-compose.yml"].format == "docker-compose"
    assert "Host(`api.example.test`)" in result.events["message"].to_list()
    _, info = read_text(tmp_path, (CONFIG / "interpolation" / ".env").read_text(), name=".env")
    assert info.error == "unknown format"


def test_invalid_yaml_is_reported_not_raised(tmp_path):
    events, info = read_text(tmp_path, "services:\n  a:\n    labels: [unclosed\n", name="docker-compose.yml")
    assert events.height == 0
    assert info.format == "docker-compose"
    assert info.unparsed_lines == 1
    assert any("invalid YAML" in note for note in info.notes)


@pytest.mark.parametrize(
    "path",
    [
        "traefik/traefik-unit-test-fixtures.clf.log",
        "traefik/elastic-integrations_traefik_test-format-json.log",
        "traefik/elastic-integrations_traefik_test-format-common.log",
    ],
)
def test_logs_are_not_taken_for_configuration(path):
    sample = [ln for ln in (DATA / path).read_text().splitlines() if ln.strip()]
    for name in CONFIG_PARSERS:
        assert registry()[name].sniff(sample) == 0.0


FRAGMENTS = [
    "services:",
    "http:",
    "  routers:",
    "    r:",
    "      rule: Host(`a`)",
    "[http.routers.r]",
    "kind: IngressRoute",
]
FRAGMENTS += [
    "rule = 'x'",
    "  labels:",
    "    - traefik.http.routers.a.rule=",
    "- ",
    ": ",
    "{",
    "[",
    "`",
    '"',
    "&",
    "*a",
    "\x00",
]
lines = st.lists(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=4)
    .map("".join)
    .map(lambda s: s.replace("\n", " ").replace("\r", " ")),
    min_size=1,
    max_size=10,
)


@pytest.mark.parametrize("name", CONFIG_PARSERS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=lines)
def test_config_parsers_never_raise(name, texts):
    parser = registry()[name]
    parser.sniff(texts)
    frame = pl.DataFrame(
        {
            "line": pl.Series(range(1, len(texts) + 1), dtype=pl.UInt32),
            "text": pl.Series(texts, dtype=pl.String),
            "shipper_ts": pl.Series([None] * len(texts), dtype=pl.Datetime("us", "UTC")),
            "stream": pl.Series([None] * len(texts), dtype=pl.String),
        }
    )
    result = parser.parse(Document("fuzz.yml", frame), ParseContext())
    events = conform(result.events)
    assert events.schema == SCHEMA
    assert set(result.unparsed.to_list()) <= set(range(1, len(texts) + 1))
    assert set(events["line"].drop_nulls().to_list()) <= set(range(1, len(texts) + 1))


# -- Traefik v1: recognized, said plainly not to be analysed, never read as v2 ------------------------------

V1_FILES = [
    ("traefik-4006.toml", "traefik-v1-config", "frontends and backends"),
    ("servers-1327.toml", "traefik-v1-config", "frontends and backends"),
    ("docker-compose-920.yml", "traefik-v1-config", "traefik.frontend.rule labels"),
]


@pytest.mark.parametrize(("name", "fmt", "what"), V1_FILES, ids=[f[0] for f in V1_FILES])
def test_v1_configuration_is_noted_not_analysed(tmp_path, name, fmt, what):
    text = (CONFIG / "v1" / name).read_text(encoding="utf-8")
    events, info = read_text(tmp_path, text, name=name)
    assert (info.format, info.source, info.error, events.height, info.unparsed_lines) == (
        fmt,
        "config",
        None,
        0,
        0,
    )
    assert any(f"Traefik v1 configuration ({what}): v1 routing is not analysed" in n for n in info.notes), (
        info.notes
    )


def test_v1_labels_in_a_v3_compose_file_are_noted_and_make_no_default_router(tmp_path):
    # without the note the docker provider's default rule would be invented for containers Traefik v1 routed
    text = (CONFIG / "v1" / "docker-compose-3828.yml").read_text(encoding="utf-8")
    events, info = read_text(tmp_path, text, name="docker-compose.yml")
    assert (info.format, events.height) == ("docker-compose", 0)
    assert [n for n in info.notes if "v1" in n] == [
        "line 16: whoami: Traefik v1 labels (traefik.frontend.…): v1 routing is not analysed",
        "line 33: mqtt: Traefik v1 labels (traefik.frontend.…): v1 routing is not analysed",
    ]
