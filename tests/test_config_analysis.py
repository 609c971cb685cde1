"""Who competes, who overlaps, who wins, and the findings of `wsdiag check-config`."""

from __future__ import annotations

import textwrap

import pytest

from analyzer.config import (
    analyze_config,
    explain,
    intended_websocket_router,
    load_configs,
    load_text,
    router_evidence,
)
from analyzer.config.analysis import router_record, websocket_guess
from analyzer.errors import UsageError
from tests.conftest import DATA

CONFIG = DATA / "config"
SIO = "https://api.example.test/socket.io/?EIO=4&transport=polling"


def findings_of(name: str):
    return analyze_config(load_configs([CONFIG / name], env={}))


def dynamic(text: str):
    return load_text(textwrap.dedent(text), "dynamic.yml", fmt="traefik-file-yaml", env={})


def compose(text: str):
    return load_text(textwrap.dedent(text), "docker-compose.yml", fmt="docker-compose", env={})


def test_the_incident_is_a_priority_conflict_on_the_socketio_path():
    (finding,) = findings_of("incident")
    assert finding.rule == "router-priority-conflict"
    assert finding.severity == "critical"
    assert finding.keys == {
        "host": "api.example.test",
        "other": "api@docker",
        "priority": "10",
        "router": "chat-ws@docker",
        "winner": "undefined",
    }
    assert f"Winner for `GET {SIO}`: undefined — api@docker or chat-ws@docker." in finding.explanation
    assert "`traefik.http.routers.chat-ws.priority=100`" in finding.remediation
    assert (
        "remove both explicit priorities: by rule length chat-ws (52) then wins over api (24)"
        in finding.remediation
    )
    assert [(e.source, e.line) for e in finding.evidence] == [
        ("config", 31),
        ("config", 33),
        ("config", 22),
        ("config", 24),
    ]
    assert finding.evidence[0].ts is None


def test_path_only_websocket_router_loses_to_a_host_catch_all_by_rule_length():
    config = load_configs([CONFIG / "shadowed"])
    routers = {r.qualified: r for r in config.routers}
    assert routers["chat-ws@docker"].priority == 24  # PathPrefix(`/socket.io`)
    assert routers["frontend@docker"].priority == 34  # Host(`chat.mycompany-example.com`)
    (finding,) = analyze_config(config)
    assert finding.rule == "handshake-wrong-router"
    assert finding.severity == "critical"
    assert finding.keys == {
        "host": "chat.mycompany-example.com",
        "path": "/socket.io/",
        "router": "chat-ws@docker",
        "winner": "frontend@docker",
    }
    assert (
        "Winner for `GET https://chat.mycompany-example.com/socket.io/?EIO=4&transport=polling`: "
        "frontend@docker, not chat-ws@docker." in finding.explanation
    )
    assert finding.remediation.startswith(
        "Give the WebSocket router a priority above frontend@docker's 34: `traefik.http.routers.chat-ws.priority=100`"
    )
    assert "&& !PathPrefix(`/socket.io`)" in finding.remediation


@pytest.mark.parametrize("name", ["correct", "v2"])
def test_a_correct_configuration_yields_no_finding(name):
    assert findings_of(name) == []


def test_toml_and_ingressroute_incidents_say_the_fix_in_their_own_syntax():
    (toml,) = findings_of("toml")
    assert toml.rule == "router-priority-conflict"
    assert "`priority = 100` in `[http.routers.chat-ws]`" in toml.remediation
    (k8s,) = findings_of("k8s")
    assert k8s.rule == "router-priority-conflict"
    assert "`priority: 100` on IngressRoute prod/chat spec.routes[1]" in k8s.remediation


def test_interpolated_compose_file_is_checked_with_its_values():
    findings = findings_of("interpolation")
    assert [(f.rule, f.severity) for f in findings] == [
        ("router-priority-conflict", "critical"),
        ("service-port-ambiguous", "medium"),
    ]
    assert findings[1].keys["ports"] == "3000, 9229"


def test_broken_rule_names_router_and_position():
    (finding,) = findings_of("broken")
    assert finding.rule == "router-rule-invalid"
    assert finding.title == "Rule of router chat-ws@docker does not parse (column 40)"
    assert "single quotes are not allowed" in finding.explanation
    assert (
        "`` traefik.http.routers.chat-ws.rule=Host(`api.example.test`) && PathPrefix(`/socket.io`) ``"
        in finding.remediation
    )
    assert finding.evidence[0].line == 6


def test_routers_without_service_and_ambiguous_ports():
    findings = {f.rule: f for f in findings_of("ports")}
    assert findings["router-without-service"].keys == {"router": "metrics@docker"}
    assert "`traefik.http.routers.metrics.service=admin-ui`" in findings["router-without-service"].remediation
    ports = findings["service-port-ambiguous"]
    assert ports.keys == {"ports": "3000, 9229", "router": "chat@docker", "service": "chat-ports@docker"}
    assert "lowest exposed port, 3000" in ports.explanation


def test_file_provider_service_missing_or_empty():
    config = dynamic(
        """
        http:
          routers:
            a:
              rule: Host(`a.test`)
              service: nope
            b:
              rule: Host(`b.test`)
              service: empty
            c:
              rule: Host(`c.test`)
              service: api@internal
          services:
            empty:
              loadBalancer:
                servers: []
        """
    )
    findings = analyze_config(config)
    assert {f.keys["router"]: f.explanation.split(": ", 1)[1] for f in findings} == {
        "a@file": "its service nope@file is not defined in the files given. Traefik logs an error for it; "
        "requests it should take get a 404 or 503, or go to another router.",
        "b@file": "its service empty@file has no servers (Traefik answers 503). Traefik logs an error for it; "
        "requests it should take get a 404 or 503, or go to another router.",
    }


def test_routers_on_different_entry_points_do_not_compete():
    config = dynamic(
        """
        http:
          routers:
            catch-all:
              rule: Host(`api.example.test`)
              entryPoints: [web]
              priority: 10
              service: s
            ws:
              rule: Host(`api.example.test`) && PathPrefix(`/socket.io`)
              entryPoints: [websecure]
              priority: 10
              service: s
          services:
            s:
              loadBalancer:
                servers: [{url: "http://10.0.0.1"}]
        """
    )
    assert analyze_config(config) == []


def test_tls_and_plain_routers_do_not_compete_when_the_entry_point_is_known():
    config = compose(
        """
        services:
          traefik:
            image: traefik:v3.1
            command: --entrypoints.web.address=:80 --providers.docker.exposedbydefault=false
          app:
            labels:
              - traefik.enable=true
              - traefik.http.routers.plain.rule=Host(`api.example.test`)
              - traefik.http.routers.plain.priority=10
              - traefik.http.routers.secure.rule=PathPrefix(`/socket.io`)
              - traefik.http.routers.secure.priority=10
              - traefik.http.routers.secure.tls=true
        """
    )
    assert analyze_config(config) == []


def test_accidental_equal_lengths_conflict_without_websockets():
    config = dynamic(
        """
        http:
          routers:
            docs:
              rule: PathPrefix(`/docs`)
              service: s
            blog:
              rule: Host(`blog.abc.io`)
              service: t
          services:
            s: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}
            t: {loadBalancer: {servers: [{url: "http://10.0.0.2"}]}}
        """
    )
    (finding,) = analyze_config(config)
    assert (finding.rule, finding.severity) == ("router-priority-conflict", "medium")
    assert "Winner for `GET http://blog.abc.io/docs`: undefined" in finding.explanation


def test_conflict_between_routers_of_the_same_service_is_low():
    config = dynamic(
        """
        http:
          routers:
            a:
              rule: Host(`a.test`)
              priority: 5
              service: s
            b:
              rule: PathPrefix(`/ws`)
              priority: 5
              service: s
          services:
            s: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}
        """
    )
    (finding,) = analyze_config(config)
    assert finding.severity == "low"


def test_regex_overlap_is_one_step_less_severe():
    config = dynamic(
        """
        http:
          routers:
            sites:
              rule: HostRegexp(`^[a-z]+-prod\\.example\\.com$`)
              priority: 7
              service: s
            realtime:
              rule: HostRegexp(`^chat`) && PathPrefix(`/socket.io`)
              priority: 7
              service: t
          services:
            s: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}
            t: {loadBalancer: {servers: [{url: "http://10.0.0.2"}]}}
        """
    )
    (finding,) = analyze_config(config)
    assert (finding.rule, finding.severity) == ("router-priority-conflict", "high")
    assert "may match the same requests" in finding.explanation


def test_v2_syntax_on_traefik_v3_is_refused():
    config = compose(
        """
        services:
          traefik:
            image: traefik:v3.0
          app:
            labels:
              - traefik.http.routers.app.rule=Host(`a.test`, `b.test`)
              - traefik.http.routers.old.rule=Host(`c.test`, `d.test`)
              - traefik.http.routers.old.ruleSyntax=v2
        """
    )
    (finding,) = analyze_config(config)
    assert finding.rule == "router-rule-invalid"
    assert finding.keys == {"router": "app@docker"}
    assert "written in v2 syntax and Traefik 3.0 reads v3" in finding.explanation
    assert "`traefik.http.routers.app.ruleSyntax=v2`" in finding.remediation


def test_explain_the_incident_then_the_fix():
    config = load_configs([CONFIG / "incident"])
    (before,) = explain(config, SIO)
    assert before.entry_point == "websecure"
    assert {r.qualified for r in before.tied} == {"api@docker", "chat-ws@docker"}
    assert before.winner is None
    fixed = load_text(
        (CONFIG / "incident" / "docker-compose.yml")
        .read_text()
        .replace("chat-ws.priority=10", "chat-ws.priority=100"),
        str(CONFIG / "incident" / "docker-compose.yml"),
    )
    (after,) = explain(fixed, SIO)
    assert after.winner is not None and after.winner.qualified == "chat-ws@docker"
    assert after.summary == f"GET {SIO} → chat-ws@docker (priority 100, explicit)"
    assert analyze_config(fixed) == []
    (rest,) = explain(fixed, "https://api.example.test/users")
    assert rest.winner is not None and rest.winner.qualified == "api@docker"
    assert [c.reason for c in rest.candidates] == ["PathPrefix(`/socket.io`) does not match", "matches"]


def test_explain_v2_rules():
    config = load_configs([CONFIG / "v2"])
    assert explain(config, "http://www.example.com/ws/chat")[0].winner.qualified == "realtime@file"
    assert explain(config, "http://www.example.com/")[0].winner.qualified == "sites@file"
    assert explain(config, "http://a.b.example.com/")[0].winner is None
    admin = explain(config, "http://admin.example.com/", headers={"X-Admin": "1"})[0]
    assert admin.winner.qualified == "admin@file"


def test_explain_picks_entry_points_by_scheme_and_rejects_unknown_urls():
    config = load_configs([CONFIG / "incident"])
    (plain,) = explain(config, "http://api.example.test/")
    assert plain.entry_point == "web"
    assert plain.winner is None  # both routers are on websecure only
    (forced,) = explain(config, "https://api.example.test:8443/", entry_point="websecure")
    assert forced.winner is not None and forced.winner.qualified == "api@docker"
    with pytest.raises(UsageError, match="unknown entry point 'webb'; known: web, websecure"):
        explain(config, SIO, entry_point="webb")
    with pytest.raises(UsageError):
        explain(config, "api.example.test/socket.io")


def test_intended_websocket_router_for_a_host():
    config = load_configs([CONFIG / "shadowed"])
    router = intended_websocket_router(config, "chat.mycompany-example.com")
    assert router is not None and router.qualified == "chat-ws@docker"
    assert intended_websocket_router(load_configs([CONFIG / "ports"]), "chat.example.test") is None


@pytest.mark.parametrize(
    ("rule", "name", "is_ws"),
    [
        ("PathPrefix(`/socket.io`)", "anything", True),
        ("Host(`a`) && Path(`/ws`)", "anything", True),
        ("Host(`a`) && Header(`Upgrade`, `websocket`)", "anything", True),
        ("Host(`ws.example.com`)", "chat-ws", True),
        ("Host(`a`) && PathPrefix(`/api`)", "api-ws", False),  # the rule's paths win over the name
        ("Host(`a`) && PathPrefix(`/wsdl`)", "soap", False),
        ("Host(`a`)", "frontend", False),
    ],
)
def test_websocket_guess(rule, name, is_ws):
    config = dynamic(f"http:\n  routers:\n    {name}:\n      rule: {rule}\n")
    assert websocket_guess(config.routers[0]).is_websocket is is_ws


def test_router_record():
    config = load_configs([CONFIG / "incident"])
    record = router_record(config.router("chat-ws@docker"), config)
    assert record == {
        "router": "chat-ws@docker",
        "provider": "docker",
        "rule": "Host(`api.example.test`) && PathPrefix(`/socket.io`)",
        "priority": 10,
        "explicit_priority": 10,
        "entry_points": ["websecure"],
        "service": "chat@docker",
        "middlewares": [],
        "tls": False,
        "syntax": "v3",
        "default_rule": False,
        "is_websocket": True,
        "websocket_reason": "its rule matches /socket.io",
        "host": "api.example.test",
        "path": "/socket.io",
        "file": str(CONFIG / "incident" / "docker-compose.yml"),
        "line": 31,
    }


def test_redirecting_entry_points_and_routers_are_not_shadowing():
    config = compose(
        """
        services:
          traefik:
            image: traefik:v3.1
            command:
              - --entrypoints.web.address=:80
              - --entrypoints.web.http.redirections.entrypoint.to=websecure
              - --entrypoints.websecure.address=:443
              - --entrypoints.legacy.address=:8080
            labels:
              - traefik.http.routers.to-https.rule=HostRegexp(`.+`)
              - traefik.http.routers.to-https.entrypoints=legacy
              - traefik.http.routers.to-https.middlewares=redirect-to-https
              - traefik.http.middlewares.redirect-to-https.redirectscheme.scheme=https
              - traefik.http.routers.to-https.service=noop@internal
              - traefik.http.routers.to-https.priority=1000
          frontend:
            labels:
              - traefik.http.routers.frontend.rule=Host(`chat.mycompany-example.com`)
              - traefik.http.routers.frontend.entrypoints=web,websecure
          chat:
            labels:
              - traefik.http.routers.chat-ws.rule=PathPrefix(`/socket.io`)
              - traefik.http.routers.chat-ws.priority=50
        """
    )
    assert analyze_config(config) == []
    (redirected,) = explain(config, "http://chat.mycompany-example.com/socket.io/")
    assert redirected.verdict == "redirected to entry point websecure before routing"
    (legacy,) = explain(config, "http://chat.mycompany-example.com:8080/socket.io/")
    assert legacy.entry_point == "legacy"
    assert legacy.winner is not None and legacy.winner.qualified == "to-https@docker"


def test_router_on_an_undefined_entry_point():
    config = compose(
        """
        services:
          traefik:
            command: --entrypoints.web.address=:80 --entrypoints.websecure.address=:443
          chat:
            labels:
              - traefik.http.routers.chat-ws.rule=Host(`a.test`) && PathPrefix(`/socket.io`)
              - traefik.http.routers.chat-ws.entrypoints=webscure
        """
    )
    (finding,) = analyze_config(config)
    assert (finding.rule, finding.severity) == ("router-entrypoint-unknown", "critical")
    assert finding.keys == {"router": "chat-ws@docker", "entry_point": "webscure"}
    assert "`traefik.http.routers.chat-ws.entrypoints=websecure`" in finding.remediation


def test_router_evidence_for_findings_drawn_from_logs():
    config = load_configs([CONFIG / "incident"])
    evidence = router_evidence(config, "api@docker", "nowhere@file", "chat-ws@docker")
    assert [(e.source, e.line) for e in evidence] == [
        ("config", 22),
        ("config", 24),
        ("config", 31),
        ("config", 33),
    ]
