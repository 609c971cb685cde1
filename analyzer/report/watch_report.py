"""What ``wsdiag watch`` prints: one block when a finding starts, one line when it clears (text), or one
JSON object per change (``--format jsonl``). Log content is masked unless ``--no-redact``."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from analyzer.redact import redact_texts
from analyzer.report.human import fmt_duration
from analyzer.report.json_report import finding_entry, iso
from analyzer.report.safe import json_safe, printable

if TYPE_CHECKING:
    from analyzer.findings import Finding
    from analyzer.live.watch import Change


def masked_finding(finding: Finding) -> Finding:
    """The finding with every string that can carry log content masked."""
    texts: list[str | None] = [
        finding.explanation,
        *finding.keys.values(),
        *(e.text for e in finding.evidence),
    ]
    done = iter(redact_texts(texts))
    explanation = next(done) or ""
    keys = {k: next(done) or "" for k in finding.keys}
    evidence = [replace(e, text=next(done) or "") for e in finding.evidence]
    return replace(finding, explanation=explanation, keys=keys, evidence=evidence)


def change_json(change: Change, *, redact: bool = True) -> str:
    """One line of ``--format jsonl``."""
    finding = masked_finding(change.finding) if redact else change.finding
    record: dict[str, Any] = {
        "event": change.kind,
        "at": iso(change.at),
        "rule": finding.rule,
        "severity": finding.severity,
        "title": finding.title,
    }
    if change.lasted is not None:
        record["lasted_s"] = round(change.lasted, 1)
    if change.kind == "started":
        record["finding"] = finding_entry(finding)
    return json_safe(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str))


def change_text(change: Change, *, tz: str = "UTC", redact: bool = True) -> str:
    """A started finding as a few lines (what, why, fix); a cleared one as one line."""
    from zoneinfo import ZoneInfo

    finding = masked_finding(change.finding) if redact else change.finding
    at = change.at.astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")
    if change.kind == "cleared":
        lasted = f" after {fmt_duration(change.lasted * 1000)}" if change.lasted is not None else ""
        return f"{at}  cleared  {finding.rule}{lasted}"
    lines = [f"{at}  started  {finding.rule} ({finding.severity}) — {printable(finding.title)}"]
    first = " ".join(finding.explanation.split())
    if first:
        lines.append(f"          {printable(first)[:400]}")
    if finding.remediation:
        lines.append(f"          Fix: {printable(' '.join(finding.remediation.split()))[:400]}")
    return "\n".join(lines)
