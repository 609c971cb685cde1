"""The bundled scenarios in sample_logs/ are real recordings: each is complete and reads cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_checks import check_inputs, read_scenario, scenario_meta

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
SCENARIOS = (
    sorted(p for p in SAMPLES.iterdir() if (p / ".scenario.json").exists()) if SAMPLES.exists() else []
)
CONTRACT_RULES = {
    "handshake-wrong-router", "upgrade-never-completes", "upgrade-headers-stripped", "backend-unreachable",
    "session-id-unknown", "sticky-session-missing", "stuck-on-polling", "idle-timeout-cut", "ping-timeout",
    "cors-blocked", "mixed-content-blocked", "tls-failure", "origin-rejected", "path-mismatch",
    "reconnect-storm", "payload-too-large", "protocol-version-mismatch", "router-priority-conflict",
    "dns-failure",
}  # fmt: skip
#: Rule ids the scenarios need that the contract's catalog does not have yet (proposed in their README).
#: Rule ids wsdiag adds to the contract's catalog (the contract allows more).
PROPOSED_RULES = {"socketio-js-captured", "server-disconnects-clients"}


def test_there_are_scenarios_and_three_healthy_ones() -> None:
    metas = [scenario_meta(p) for p in SCENARIOS]
    assert len(metas) >= 12
    assert sum(m["first_rule"] is None for m in metas) >= 3
    assert {m["access_log_format"] for m in metas} >= {"common", "json"}


@pytest.mark.parametrize("folder", SCENARIOS, ids=lambda p: p.name)
def test_scenario_is_complete(folder: Path) -> None:
    meta = scenario_meta(folder)
    assert meta["scenario"] == folder.name
    assert meta["first_rule"] is None or meta["first_rule"] in CONTRACT_RULES | PROPOSED_RULES
    proxy = {
        "traefik": ("traefik/access.log", "traefik/traefik.log", "config/dynamic.yml", "config/traefik.yml"),
        # nginx writes its error log only when something goes wrong: a healthy capture may have none
        "nginx": ("nginx/access.log", "config/nginx.conf"),
        "haproxy": ("haproxy/haproxy.log", "config/haproxy.cfg"),
        "caddy": ("caddy/access.log", "caddy/caddy.log", "config/Caddyfile"),
    }[meta.get("proxy", "traefik")]
    for rel in ("README.md", "browser/chrome_debug.log", "browser/session.har", *proxy):
        assert (folder / rel).is_file(), rel
    assert list((folder / "backend").glob("*.log")), "no backend log"
    assert list((folder / "browser").glob("*.localhost-*.log")), "no console export"
    har = json.loads((folder / "browser" / "session.har").read_text())
    assert har["log"]["creator"]["name"] == "Playwright"
    # the files are the ones recorded: same names and sizes as the capture listed them
    recorded = meta["files"]
    on_disk = {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "README.md"
    }
    assert on_disk == recorded
    assert sum(recorded.values()) < 1_000_000, "a bundled scenario must stay under 1 MB"


@pytest.mark.parametrize("folder", SCENARIOS, ids=lambda p: p.name)
def test_scenario_reads_cleanly(folder: Path) -> None:
    unread = check_inputs(folder, read_scenario(folder))
    assert unread == [], f"{folder.name}: files no parser reads: {unread}"
