"""``wsdiag rules list|show|test`` output, and ``docs/rule-catalog.md``: the TOML rules and the registered
configuration checks, side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from analyzer.report.output import stdout_console

if TYPE_CHECKING:
    from analyzer.config.checks import Check
    from analyzer.rules.schema import Rule
    from analyzer.rules.testing import TestOutcome


def print_rule_list(rules: list[Rule], checks: tuple[Check, ...] = ()) -> None:
    """One row per rule and per configuration check."""
    table = Table(header_style="bold", box=None)
    for name in ("id", "kind", "severity", "sources", "title"):
        table.add_column(name, no_wrap=name != "title")
    for item in _ordered(rules, checks):
        table.add_row(item.id, _kind(item), item.severity, ", ".join(item.sources), item.title)
    stdout_console().print(table)


def _ordered(rules: list[Rule], checks: tuple[Check, ...]) -> list[Rule | Check]:
    """Rules and checks by id; a rule before the check of the same id."""
    return sorted([*rules, *checks], key=lambda item: (item.id, _kind(item) != "rule"))


def _kind(item: Rule | Check) -> str:
    from analyzer.config.checks import Check

    return "config" if isinstance(item, Check) else "rule"


def rule_markdown(rule: Rule | Check) -> str:
    """A rule's or a configuration check's documentation as Markdown (also the catalog's sections)."""
    from analyzer.config.checks import Check

    if isinstance(rule, Check):
        return _check_markdown(rule)
    doc = rule.doc
    refs = "\n".join(f"- <{ref}>" for ref in doc.get("references", []))
    read = "\n".join(f"- {source}" for source in doc.get("wording", []))
    explains = ", ".join(f"`{e}`" for e in rule.explains) or "—"
    return (
        f"## `{rule.id}` — {rule.title}\n\n"
        f"Severity **{rule.severity}**; reads {', '.join(rule.sources)}"
        f"{' (also uses ' + ', '.join(rule.uses) + ')' if rule.uses else ''}; root cause of: {explains}.\n\n"
        f"### What it detects\n\n{doc['detects'].strip()}\n\n"
        f"### Why it breaks connections\n\n{doc['why'].strip()}\n\n"
        f"### Known false positives\n\n{doc['false_positives'].strip()}\n\n"
        f"### Remediation\n\n{doc['remediation'].strip()}\n"
        + "".join(
            f"\n**Behind {proxy}** (the finding's fix when the logs are {proxy}'s): "
            + " ".join(text.replace("{{", "{").replace("}}", "}").split())
            + "\n"
            for proxy, text in rule.fixes.items()
        )
        + (
            f"\n### Wording read in\n\nThe messages this rule matches, as their producers' source writes them:\n\n{read}\n"
            if read
            else ""
        )
        + (f"\n### References\n\n{refs}\n" if refs else "")
    )


def _check_markdown(check: Check) -> str:
    doc = check.doc
    refs = "\n".join(f"- <{ref}>" for ref in doc.get("references", []))
    return (
        f"## `{check.id}` (configuration) — {check.title}\n\n"
        f"Severity up to **{check.severity}**; reads {check.reads} (`wsdiag check-config`, "
        "and `wsdiag analyze` when configuration files sit beside the logs).\n\n"
        f"### What it detects\n\n{doc['detects'].strip()}\n\n"
        f"### Why it breaks connections\n\n{doc['why'].strip()}\n\n"
        f"### Known false positives\n\n{doc['false_positives'].strip()}\n\n"
        f"### Remediation\n\n{doc['remediation'].strip()}\n"
        + (f"\n### References\n\n{refs}\n" if refs else "")
    )


def print_rule(rule: Rule | Check) -> None:
    """A rule's or a check's documentation, rendered."""
    stdout_console().print(Markdown(rule_markdown(rule)))


def print_test_outcomes(outcomes: list[TestOutcome]) -> None:
    """One line per embedded test case, then a count."""
    console = stdout_console()
    for o in outcomes:
        mark = ("xfail" if not o.passed else "XPASS") if o.todo else ("ok" if o.passed else "FAIL")
        style = {"ok": "green", "FAIL": "bold red"}.get(mark, "yellow")
        line = Text.assemble((f"{mark:>5} ", style), f"{o.rule}: {o.name}")
        if not o.passed and not o.todo:
            line.append(f"\n      {o.message}", style="red")
        console.print(line)
    failed = sum(1 for o in outcomes if not o.passed and not o.todo)
    console.print(f"{len(outcomes)} cases, {failed} failed")


def catalog_markdown(rules: list[Rule], checks: tuple[Check, ...] = ()) -> str:
    """The whole catalog as one Markdown page (``docs/rule-catalog.md``)."""
    parts = [
        "# Rule catalog\n",
        "Generated from `patterns/*.toml` and the configuration checks registered in `analyzer/config/` by "
        "`python -m analyzer.report.rules_doc`; do not edit by hand.\n",
        "| id | kind | severity | sources | title |",
        "|---|---|---|---|---|",
    ]
    ordered = _ordered(rules, checks)
    parts += [
        f"| [`{r.id}`](#{_anchor(r)}) | {_kind(r)} | {r.severity} | {', '.join(r.sources)} | {r.title} |"
        for r in ordered
    ]
    parts.append("")
    parts += [rule_markdown(r) for r in ordered]
    return "\n".join(parts)


def _anchor(item: Rule | Check) -> str:
    """The GitHub anchor of an item's heading."""
    return item.id if _kind(item) == "rule" else f"{item.id}-configuration"


if __name__ == "__main__":
    import sys

    from analyzer.config.checks import registered
    from analyzer.rules import default_rule_dirs, load_rules

    sys.stdout.write(catalog_markdown(load_rules(default_rule_dirs()), registered()))
