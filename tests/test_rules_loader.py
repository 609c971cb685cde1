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
        "bad-one.toml: id 'Bad One' must be kebab-case",
        "bad-one.toml: severity must be one of",
        "bad-one.toml: unknown source 'syslog'",
        "bad-one.toml: [doc] needs a non-empty 'why'",
        "unknown op 'equals'",
        "unknown field 'colour'",
        "bad regex '(unclosed'",
        "template field {nonexistent} is not known",
        "needs at least one 'match' and one 'no_match' test",
    ]
    for needle in expected:
        assert needle in text, needle


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
    from analyzer.report.rules_doc import catalog_markdown

    doc = Path(__file__).parents[1] / "docs" / "rule-catalog.md"
    assert doc.read_text(encoding="utf-8") == catalog_markdown(load_rules(default_rule_dirs())), (
        "regenerate with: python -m analyzer.report.rules_doc > docs/rule-catalog.md"
    )
