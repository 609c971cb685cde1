"""How findings are weighed, graded and ranked (analyzer/rules/engine.py, analyzer/findings.py).

Recorded captures check the whole path (tests/test_scenarios.py, tests/test_tickets.py); here each
mechanism is shown on the smallest table that has it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from analyzer.correlate import correlate
from analyzer.findings import Finding, rank, root_causes
from analyzer.ingest import InputInfo
from analyzer.rules import default_rule_dirs, load_rules, run_rules
from analyzer.rules.engine import cap_light, link_root_causes, weigh
from analyzer.rules.testing import events_frame

RULES = {r.id: r for r in load_rules(default_rule_dirs())}
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def run(rule_id: str, rows: list[dict], **changes: object) -> list[Finding]:
    events = events_frame(tuple(rows))
    inputs = [
        InputInfo(str(path), source=str(source), format="test", events=group.height)
        for (path, source), group in events.group_by(["file", "source"], maintain_order=True)
    ]
    correlated = correlate(events, inputs)
    rule = replace(RULES[rule_id], **changes)
    return run_rules([rule], correlated.events, correlated.connections).findings


def handshake(i: int, status: int, second: float) -> dict:
    return {
        "source": "proxy", "kind": "http_request", "ts": (T0 + timedelta(seconds=second)).isoformat(),
        "method": "GET", "path": "/socket.io/", "transport": "polling", "t": f"T{i}", "status": status,
        "client": f"10.0.0.{i}", "router": "chat@file",
    }  # fmt: skip


def test_one_decisive_line_is_a_finding_seen_once_at_most_medium():
    [found] = run("backend-unreachable", [handshake(1, 502, 0)])
    assert (found.severity, found.support, found.affected) == ("medium", "seen once", 1)
    assert found.explanation.endswith("(Seen once.)")
    assert found.evidence and found.evidence[0].line == 1


def test_severity_follows_share_and_count():
    """backend-unreachable (critical, min_share 0.05, full_share 0.1): 502s for 12 of 12 connections are
    critical; for 2 of 12, one step down; for 1 of 30, low and it says the share."""
    full = run("backend-unreachable", [handshake(i, 502, i) for i in range(12)])
    assert full[0].severity == "critical" and full[0].support is None
    some = run(
        "backend-unreachable", [handshake(i, 502 if i < 2 else 200, i) for i in range(12)], full_share=0.2
    )
    assert some[0].severity == "high" and some[0].support == "2 of 12 connections (17 %)"
    few = run("backend-unreachable", [handshake(i, 502 if i == 0 else 200, i) for i in range(30)])
    assert few[0].severity == "low"
    assert few[0].support.startswith("seen once; 1 of 30 connections (3 %)")


def finding(rule: str, affected: int, start: float, end: float, severity: str = "high") -> Finding:
    return Finding(
        rule=rule, title=rule, severity=severity, count=affected, explanation="x", remediation="y",  # type: ignore[arg-type]
        first_seen=T0 + timedelta(seconds=start), last_seen=T0 + timedelta(seconds=end), affected=affected,
        population=100, share=affected / 100,
    )  # fmt: skip


def test_weight_ranks_before_severity_and_a_stray_line_is_capped():
    """45 ping-timeout disconnects over 50 s against one critical 502 at the end: the weight decides."""
    ping = finding("ping-timeout", 45, 0, 50, "high")
    stray = finding("backend-unreachable", 1, 50, 50, "critical")
    findings = [stray, ping]
    weigh(findings)
    assert ping.weight == pytest.approx(45.0) and stray.weight == pytest.approx(0.25)
    cap_light(findings)
    assert [f.rule for f in rank(findings)] == ["ping-timeout", "backend-unreachable"]
    assert stray.severity == "low" and "beside the 45 of ping-timeout" in (stray.support or "")
    assert [f.rule for f in root_causes(findings)] == ["ping-timeout"]


def test_comparable_findings_rank_by_severity_and_are_all_root_causes():
    a = finding("cors-blocked", 20, 0, 30, "critical")
    b = finding("dns-failure", 25, 0, 30, "high")
    weigh([a, b])
    assert [f.rule for f in rank([b, a])] == ["cors-blocked", "dns-failure"]
    assert [f.rule for f in root_causes([a, b])] == ["cors-blocked", "dns-failure"]


@pytest.mark.parametrize(
    ("effect_start", "linked"),
    [(10, True), (70, True), (200, False), (86_400 * 3, False)],
    ids=["during", "30 s after its end", "minutes later", "days later"],
)
def test_an_effect_follows_from_a_cause_only_when_their_windows_overlap(effect_start, linked):
    cause = finding("backend-unreachable", 10, 0, 40, "critical")
    effect = finding("reconnect-storm", 10, effect_start, effect_start + 30, "medium")
    link_root_causes([cause, effect], RULES)
    assert (effect.explained_by == "backend-unreachable") is linked
    assert ("reconnect-storm" in cause.explains) is linked


def test_lines_one_process_writes_about_one_event_count_once():
    """socket.io logs a ping-timeout close twice (client.ts and socket.ts): one event; two sockets closing
    in the same second are two."""
    line = {"source": "backend", "kind": "disconnect", "reason": "ping timeout", "file": "backend/chat.log"}
    at = T0.isoformat()
    [one] = run(
        "ping-timeout",
        [{**line, "ts": at, "logger": "socket.io:client"}, {**line, "ts": at, "logger": "socket.io:socket"}],
    )
    assert one.affected == 1 and one.support == "seen once"
    [two] = run(
        "ping-timeout",
        [{**line, "ts": at, "logger": "socket.io:socket"}, {**line, "ts": at, "logger": "socket.io:socket"}],
    )
    assert two.affected == 2 and two.severity == "high"


@pytest.mark.parametrize(
    ("fmt", "wanted"),
    [
        ("nginx-access", "proxy_read_timeout"),
        ("traefik-clf", "respondingTimeouts"),
        (None, "respondingTimeouts"),
    ],
)
def test_the_fix_is_worded_for_the_proxy_in_front(fmt, wanted):
    """idle-timeout-cut: nginx's lines get nginx's directive; Traefik's (or no proxy's) the general text."""
    rows = [
        {"source": "proxy", "format": fmt, "kind": "ws_upgrade", "ts": (T0 + timedelta(seconds=20 * i)).isoformat(),
         "path": "/socket.io/", "transport": "websocket", "sid": f"S{i}", "status": 101, "duration_ms": 60004.0 + i}
        for i in range(4)
    ]  # fmt: skip
    [found] = run("idle-timeout-cut", rows)
    assert wanted in found.remediation


def test_a_piled_up_lifetime_is_told_as_a_duration_for_people():
    """idle-timeout-cut's mode is a duration in ms: its text says `20 s`, not `20000 ms` (issue 17)."""
    from pathlib import Path

    from analyzer.analysis import analyze

    folder = Path(__file__).parents[2] / "sample_logs" / "nginx-idle-timeout"
    finding = next(f for f in analyze([str(folder)]).findings if f.rule == "idle-timeout-cut")
    assert "lived 20 s (±0.5 s)" in finding.explanation, finding.explanation
    assert " ms" not in finding.explanation
