"""Loading rule files: every problem of every file reported at once, with the file's path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.errors import RuleError
from analyzer.rules import default_rule_dirs, load_rules
from analyzer.rules.schema import parse_duration_ms
from tests.conftest import DATA, run

CONTRACT_IDS = {
    "handshake-wrong-router", "upgrade-never-completes", "upgrade-headers-stripped", "backend-unreachable",
    "session-id-unknown", "sticky-session-missing", "stuck-on-polling", "idle-timeout-cut", "ping-timeout",
    "cors-blocked", "mixed-content-blocked", "tls-failure", "origin-rejected", "path-mismatch", "reconnect-storm",
    "payload-too-large", "protocol-version-mismatch", "router-priority-conflict", "dns-failure",
}  # fmt: skip


def test_every_contract_rule_exists_with_docs_and_tests():
    rules = {r.id: r for r in load_rules(default_rule_dirs())}
    assert set(rules) >= CONTRACT_IDS
    for rule in rules.values():
        assert all(rule.doc[k].strip() for k in ("detects", "why", "false_positives", "remediation")), rule.id
        assert any(t.expect == "match" for t in rule.tests) and any(
            t.expect == "no_match" for t in rule.tests
        )


def test_explains_refers_to_known_rules():
    rules = {r.id: r for r in load_rules(default_rule_dirs())}
    for rule in rules.values():
        assert set(rule.explains) <= set(rules), rule.id


def test_all_errors_of_a_folder_at_once():
    with pytest.raises(RuleError) as exc:
        load_rules([DATA / "rules_invalid"])
    text = str(exc.value)
    expected = [
        "broken-toml.toml: not valid TOML",
        "bad-one.toml:1: id 'Bad One' must be kebab-case",
        "bad-one.toml:3: severity must be one of",
        "bad-one.toml:4: unknown source 'syslog'",
        "bad-one.toml:6: [doc] needs a non-empty 'why'",
        "bad-one.toml:15: [match.where]: unknown op 'equals'",
        "bad-one.toml:15: [match.where]: unknown field 'colour'",
        "bad regex '(unclosed'",
        "template field {nonexistent} is not known",
        "needs at least one 'match' and one 'no_match' test",
    ]
    for needle in expected:
        assert needle in text, needle


@pytest.mark.parametrize(
    "needle",
    [
        "stray-keys.toml:6: unknown key 'serverity' in the top level",
        "stray-keys.toml:17: unknown key 'min_share' in [report]",
        "stray-keys.toml:23: [match.where]: unknown key 'opp' in a condition",
        "stray-keys.toml:25: unknown key 'groupby' in [match]",
        "stray-keys.toml:28: unknown key 'filter' in [match.metrics.routers]",
        "stray-keys.toml:38: unknown key 'event' in [tests[1]]",
    ],
    ids=["top level", "report", "condition", "match", "metric", "second test"],
)
def test_unknown_keys_anywhere_are_errors_with_their_line(needle):
    """A key the format does not define is never ignored: a misplaced `min_share` under [report] once
    silently did nothing in five shipped rules."""
    with pytest.raises(RuleError) as exc:
        load_rules([DATA / "rules_invalid"])
    assert needle in str(exc.value)


def test_known_fields_come_from_the_code_that_makes_the_columns():
    from analyzer.correlate.connections import connections
    from analyzer.model import COLUMNS, empty_events
    from analyzer.rules.facts import add_facts
    from analyzer.rules.schema import known_fields

    conns = connections(empty_events())
    assert set(COLUMNS) | set(conns.columns) | set(add_facts(empty_events(), conns).columns) <= known_fields()
    assert {"heartbeat_lifetime", "router_sio_ok", "lifetime_ms"} <= known_fields()


def test_duplicate_ids_are_refused(tmp_path):
    """A user folder (--patterns) that redefines a shipped rule is an error, not a silent override."""
    shutil.copy(Path(default_rule_dirs()[0]) / "ping-timeout.toml", tmp_path / "ping-timeout.toml")
    with pytest.raises(RuleError, match="rule id 'ping-timeout' is also defined in"):
        load_rules([*default_rule_dirs(), tmp_path])


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("500ms", 500),
        ("10s", 10_000),
        ("2m", 120_000),
        ("1h", 3_600_000),
        ("1h30m", 5_400_000),
        ("1.5s", 1500),
    ],
)
def test_durations(text, ms):
    assert parse_duration_ms(text) == ms


def test_bad_rule_folder_on_the_command_line_is_exit_2(tmp_path):
    (tmp_path / "access.log").write_text("x\n")
    result = run("analyze", str(tmp_path), "--patterns", str(DATA / "rules_invalid"))
    assert result.exit_code == 2
    assert "invalid rules" in result.stderr and "Traceback" not in result.output


def test_rules_commands():
    listed = run("rules", "list")
    assert listed.exit_code == 0 and "handshake-wrong-router" in listed.stdout
    shown = run("rules", "show", "idle-timeout-cut")
    assert shown.exit_code == 0 and "Remediation" in shown.stdout
    assert run("rules", "show", "nope").exit_code == 2
    tested = run("rules", "test")
    assert tested.exit_code == 0 and " 0 failed" in tested.stdout
    assert run("rules", "test", str(DATA / "rules_invalid")).exit_code == 2


def test_rule_catalog_doc_is_in_step():
    from analyzer.config.checks import registered
    from analyzer.report.rules_doc import catalog_markdown

    doc = Path(__file__).parents[1] / "docs" / "rule-catalog.md"
    expected = catalog_markdown(load_rules(default_rule_dirs()), registered())
    assert doc.read_text(encoding="utf-8") == expected, (
        "regenerate with: python -m analyzer.report.rules_doc > docs/rule-catalog.md"
    )


def test_configuration_checks_are_listed_and_shown_beside_the_rules():
    """check-config's checks are registered with an id, a severity and the four parts of documentation."""
    from analyzer.config.checks import DOC_PARTS, registered

    checks = {c.id: c for c in registered()}
    assert set(checks) == {
        "router-rule-invalid", "router-priority-conflict", "handshake-wrong-router", "router-without-service",
        "router-entrypoint-unknown", "service-port-ambiguous",
        # nginx's configuration evidence for the log rules of the same id
        "upgrade-headers-stripped", "idle-timeout-cut", "payload-too-large", "sticky-session-missing", "path-mismatch",
    }  # fmt: skip
    assert all(c.doc[part].strip() for c in checks.values() for part in DOC_PARTS)
    listed = run("rules", "list")
    assert listed.exit_code == 0
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["router-without-service", "config", "critical", "config"] in [row[:4] for row in rows]
    assert ["router-priority-conflict", "rule", "high", "proxy,"] in [row[:4] for row in rows]
    shown = run("rules", "show", "router-priority-conflict")
    assert shown.exit_code == 0 and "(configuration)" in shown.stdout and "Remediation" in shown.stdout
    assert run("rules", "show", "service-port-ambiguous").exit_code == 0


def test_every_finding_check_config_reports_comes_from_a_registered_check():
    from analyzer.config import check_config
    from analyzer.config.checks import registered

    ids = {c.id for c in registered()}
    configs = Path(__file__).parent / "data" / "config"
    for path in sorted(configs.rglob("*")):
        if path.is_file():
            assert {f.rule for f in check_config([path]).findings} <= ids, path
