"""Facts rules test (analyzer/rules/facts.py): the heartbeat geometry of connections, on recordings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.analysis import analyze
from analyzer.rules import default_rule_dirs, load_rules, run_rules
from analyzer.rules.facts import connection_facts, heartbeat

SAMPLES = Path(__file__).parents[2] / "sample_logs"


@pytest.fixture(scope="module")
def heartbeats():
    """heartbeat-lifetimes: tabs kept busy 11 s of every 14, pingInterval 5 s and pingTimeout 4 s."""
    return analyze([str(SAMPLES / "heartbeat-lifetimes")])


def test_the_handshake_states_the_heartbeat(heartbeats):
    assert heartbeat(heartbeats.events) == (5000.0, 4000.0, True)
    assert heartbeat(analyze([str(SAMPLES / "idle-timeout")]).events) == (25000.0, 20000.0, True)


def test_lifetimes_at_n_intervals_plus_timeout_are_heartbeat_lifetimes(heartbeats):
    conns = connection_facts(heartbeats.connections, heartbeats.events).drop_nulls("lifetime_ms")
    fits = conns.filter("heartbeat_lifetime")["lifetime_ms"].to_list()
    assert len(fits) >= 7 and all(abs(ms - 9000) <= 1000 or abs(ms - 14000) <= 1000 for ms in fits)
    # none of them carries its reason: the server logs its ping-timeout closes without the sid
    assert conns["disconnect_reason"].null_count() == conns.height


def test_heartbeat_lifetimes_are_ping_timeouts_not_an_idle_cut(heartbeats):
    """Without the geometry the pile-up at 9 s reads as an idle timeout (it did, at high); with it the
    capture's answer is the ping timeouts."""
    assert heartbeats.findings[0].rule == "ping-timeout"
    assert "idle-timeout-cut" not in {f.rule for f in heartbeats.findings}
    idle = next(r for r in load_rules(default_rule_dirs()) if r.id == "idle-timeout-cut")
    blind = replace(
        idle,
        match=replace(
            idle.match, where=tuple(p for p in idle.match.where if p.field != "heartbeat_lifetime")
        ),
    )
    fired = run_rules([blind], heartbeats.correlated.events, heartbeats.correlated.connections).findings
    assert [f.rule for f in fired] == ["idle-timeout-cut"]


def test_a_real_idle_cut_is_still_one():
    """idle-timeout: a hop cuts quiet WebSockets at 12 s with a 25 s / 20 s heartbeat: not its geometry."""
    result = analyze([str(SAMPLES / "idle-timeout")])
    assert result.findings[0].rule == "idle-timeout-cut"
