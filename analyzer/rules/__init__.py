"""Rules stage: declarative failure signatures (``patterns/*.toml``) compiled to polars."""

from analyzer.rules.engine import RuleRun, run_rules
from analyzer.rules.schema import Rule, default_rule_dirs, load_rules

__all__ = ["Rule", "RuleRun", "default_rule_dirs", "load_rules", "run_rules"]
