"""``wsdiag rules list|show|test`` output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from analyzer.report.output import stdout_console

if TYPE_CHECKING:
    from analyzer.rules.schema import Rule
    from analyzer.rules.testing import TestOutcome


def print_rule_list(rules: list[Rule]) -> None:
    """One row per rule."""
    table = Table(header_style="bold", box=None)
    for name in ("id", "severity", "sources", "title"):
        table.add_column(name, no_wrap=name != "title")
    for rule in sorted(rules, key=lambda r: r.id):
        table.add_row(rule.id, rule.severity, ", ".join(rule.sources), rule.title)
    stdout_console().print(table)


def rule_markdown(rule: Rule) -> str:
    """A rule's documentation as Markdown (also used to generate docs/rules.md)."""
    doc = rule.doc
    refs = "\n".join(f"- <{ref}>" for ref in doc.get("references", []))
    explains = ", ".join(f"`{e}`" for e in rule.explains) or "—"
    return (
        f"## `{rule.id}` — {rule.title}\n\n"
        f"Severity **{rule.severity}**; reads {', '.join(rule.sources)}"
        f"{' (also uses ' + ', '.join(rule.uses) + ')' if rule.uses else ''}; root cause of: {explains}.\n\n"
        f"### What it detects\n\n{doc['detects'].strip()}\n\n"
        f"### Why it breaks connections\n\n{doc['why'].strip()}\n\n"
        f"### Known false positives\n\n{doc['false_positives'].strip()}\n\n"
        f"### Remediation\n\n{doc['remediation'].strip()}\n"
        + (f"\n### References\n\n{refs}\n" if refs else "")
    )


def print_rule(rule: Rule) -> None:
    """A rule's documentation, rendered."""
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


def catalog_markdown(rules: list[Rule]) -> str:
    """The whole catalog as one Markdown page (``docs/rule-catalog.md``)."""
    parts = [
        "# Rule catalog\n",
        "Generated from `patterns/*.toml` by `python -m analyzer.report.rules_doc`; do not edit by hand.\n",
        "| id | severity | sources | title |",
        "|---|---|---|---|",
    ]
    ordered = sorted(rules, key=lambda r: r.id)
    parts += [f"| [`{r.id}`](#{r.id}) | {r.severity} | {', '.join(r.sources)} | {r.title} |" for r in ordered]
    parts.append("")
    parts += [rule_markdown(r) for r in ordered]
    return "\n".join(parts)


if __name__ == "__main__":
    import sys

    from analyzer.rules import default_rule_dirs, load_rules

    sys.stdout.write(catalog_markdown(load_rules(default_rule_dirs())))
