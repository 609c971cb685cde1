"""What changed (analyzer/correlate/changes.py): reloads and (re)starts as events, the failure that began
right after one, a before/after configuration pair, several independent root causes — on recordings."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from analyzer.analysis import analyze
from analyzer.correlate.changes import dynamic_diff
from analyzer.report import build_json
from analyzer.report.markdown import render_markdown

SAMPLES = Path(__file__).parents[2] / "sample_logs"
SCHEMA = json.loads((Path(__file__).parents[2] / "analyzer/report/wsdiag.report-1.schema.json").read_text())


@pytest.fixture(scope="module")
def priority_flip():
    """traefik-priority-conflict: healthy, then the web router gets `priority: 100` (reload at 21:31:42)."""
    return analyze([str(SAMPLES / "traefik-priority-conflict")])


def test_the_failure_began_3_s_after_the_configuration_reload(priority_flip):
    root = priority_flip.findings[0]
    assert root.rule == "handshake-wrong-router"
    assert root.began_after is not None and root.began_after.kind == "config_reload"
    assert root.began_after_sentence() == (
        "began 3 s after the configuration reload at 21:31:42 (provider file: router web: priority (none) → 100)"
    )
    assert root.began_after.evidence.path == "traefik/traefik.log" and root.began_after.evidence.line == 62


def test_a_before_after_configuration_pair_shows_the_router_table_change(priority_flip):
    assert priority_flip.config_changes == [
        "config/dynamic.before.yml → config/dynamic.yml: "
        "router web@file: priority 22 (rule length) → 100 (explicit)"
    ]


def test_the_json_report_and_the_verdict_carry_what_changed(priority_flip):
    report = build_json(priority_flip)
    jsonschema.validate(report, SCHEMA)
    began = report["findings"][0]["began_after"]
    assert (began["kind"], began["ts"], began["seconds"]) == (
        "config_reload",
        "2026-11-25T21:31:42.000Z",
        3.0,
    )
    assert report["changes"][0]["what"] == "provider file: router web: priority (none) → 100"
    assert report["root_causes"] == ["handshake-wrong-router"]
    assert "began 3 s after the configuration reload at 21:31:42" in render_markdown(priority_flip)


def test_a_redeploy_is_a_change_the_startup_is_not():
    """backend-unreachable: the Socket.IO server is redeployed on a new port while Traefik keeps the old
    one; its start lines at the beginning of the capture are start-up, the restart is a change."""
    result = analyze([str(SAMPLES / "backend-unreachable")])
    starts = [c for c in result.changes if c.kind == "backend_start"]
    assert starts and all(c.evidence.path == "backend/chat.log" for c in starts)
    root = result.findings[0]
    assert root.rule == "backend-unreachable" and root.began_after in starts
    assert root.began_after_s is not None and root.began_after_s < 1


def test_a_healthy_capture_has_changes_and_no_failure_to_pin_on_them():
    result = analyze([str(SAMPLES / "healthy-deploy-noise")])
    assert {c.kind for c in result.changes} == {"config_reload", "backend_start"}
    assert result.root_causes == []
    assert result.config_changes == [
        "config/dynamic.before.yml → config/dynamic.yml: "
        "service socketio@file: servers http://127.0.0.1:48279 → http://127.0.0.1:35139"
    ]


def test_several_independent_root_causes_are_all_named():
    """Two recordings read together: a CORS block and an unresolvable host, each with its own symptoms."""
    result = analyze([str(SAMPLES / "cors-blocked"), str(SAMPLES / "dns-failure")])
    assert [f.rule for f in result.root_causes] == ["cors-blocked", "dns-failure"]
    effects = {f.rule: f.explained_by for f in result.findings if f.explained_by}
    assert effects == {"reconnect-storm": "cors-blocked", "upgrade-never-completes": "dns-failure"}
    verdict = render_markdown(result).split("## Findings")[0]
    assert "**CRITICAL** · `cors-blocked`" in verdict and "**CRITICAL** · `dns-failure`" in verdict
    assert result.clock_warnings == [], "two captures read together are not moved onto one clock by URLs"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            {"http": {"routers": {"a": {"rule": "Host(`x`)"}}}},
            {"http": {"routers": {}}},
            ["router a removed"],
        ),
        (
            {"http": {"routers": {"a": {"rule": "Host(`x`)", "service": "s"}}}},
            {"http": {"routers": {"a": {"rule": "Host(`x`)", "service": "t"}}}},
            ["router a: service s → t"],
        ),
        ({"http": {}}, {"http": {}}, []),
    ],
    ids=["removed", "service changed", "nothing"],
)
def test_dynamic_configuration_diff(before, after, expected):
    assert dynamic_diff(before, after) == expected
