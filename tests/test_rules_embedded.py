"""Every rule's embedded test cases (patterns/*.toml [[tests]]), one pytest case each."""

from __future__ import annotations

import pytest

from analyzer.rules import default_rule_dirs, load_rules
from analyzer.rules.testing import run_test

RULES = load_rules(default_rule_dirs())
CASES = [(rule, test) for rule in RULES for test in rule.tests]


@pytest.mark.parametrize(("rule", "test"), CASES, ids=[f"{r.id}::{t.name}" for r, t in CASES])
def test_rule_case(rule, test):
    outcome = run_test(rule, test)
    if outcome.todo:
        if outcome.passed:
            pytest.fail(f"todo case now passes, make it a real one: {outcome.message}")
        pytest.xfail(outcome.message)
    assert outcome.passed, outcome.message
