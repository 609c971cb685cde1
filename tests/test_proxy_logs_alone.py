"""The proxy's own log is enough: each recorded nginx / HAProxy failure is named from that log alone (a
ticket often carries nothing else), with the fix in that proxy's terms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.analysis import analyze

SAMPLES = Path(__file__).parents[1] / "sample_logs"

CASES = [
    ("nginx-sticky-session-missing", "nginx/access.log", "sticky-session-missing", "ip_hash"),
    ("nginx-idle-timeout", "nginx/access.log", "idle-timeout-cut", "proxy_read_timeout"),
    (
        "nginx-upgrade-headers-missing",
        "nginx/access.log",
        "upgrade-headers-stripped",
        "proxy_http_version 1.1",
    ),
    ("nginx-payload-too-large", "nginx/access.log", "payload-too-large", "client_max_body_size"),
    ("haproxy-sticky-session-missing", "haproxy/haproxy.log", "sticky-session-missing", "balance source"),
    ("haproxy-idle-timeout", "haproxy/haproxy.log", "idle-timeout-cut", "timeout tunnel"),
]


@pytest.mark.parametrize(("scenario", "log", "rule", "fix"), CASES, ids=[c[0] for c in CASES])
def test_the_proxy_log_alone_names_the_cause_and_the_proxys_fix(tmp_path, scenario, log, rule, fix):
    folder = tmp_path / log.split("/")[0]
    folder.mkdir()
    shutil.copy(SAMPLES / scenario / log, folder)
    found = analyze([str(folder)]).findings
    assert found and found[0].rule == rule, [(f.rule, f.severity) for f in found]
    assert fix in found[0].remediation


@pytest.mark.parametrize("scenario", ["nginx-healthy", "haproxy-healthy"])
def test_a_healthy_proxy_log_alone_stays_quiet(tmp_path, scenario):
    log = "nginx/access.log" if scenario.startswith("nginx") else "haproxy/haproxy.log"
    folder = tmp_path / log.split("/")[0]
    folder.mkdir()
    shutil.copy(SAMPLES / scenario / log, folder)
    serious = [f for f in analyze([str(folder)]).findings if f.severity in ("critical", "high", "medium")]
    assert serious == []
