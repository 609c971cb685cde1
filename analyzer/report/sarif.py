"""SARIF 2.1.0 of ``wsdiag check-config``: routing problems as code-scanning alerts on the config files.

GitHub code scanning (and other SARIF viewers) show each result on its file and line in a pull request:
a router conflict lands on the compose label or file-provider line that causes it. Rule metadata comes
from the rule documentation (``patterns/*.toml``: what it detects, why it breaks, the fix); checks
without a rule file describe themselves by their findings. Locations are relative to the current
directory (``%SRCROOT%``) when the files are under it, as in CI where wsdiag runs at the repository root.

Schema: https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from analyzer import __version__
from analyzer.findings import rank
from analyzer.report.config_text import plain

if TYPE_CHECKING:
    from analyzer.config.analysis import ConfigCheck
    from analyzer.findings import Evidence, Finding
    from analyzer.rules import Rule

SCHEMA_URI: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: SARIF levels by wsdiag severity (GitHub shows error / warning / note).
LEVELS: Final = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SRCROOT: Final = "%SRCROOT%"


def sarif_log(check: ConfigCheck, rules: list[Rule], *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a configuration check: one run, the rules that fired, one result per finding."""
    root = (root or Path.cwd()).resolve()
    findings = rank(check.findings)
    documented = {r.id: r for r in rules}
    fired: dict[str, Finding] = {}
    for f in findings:
        fired.setdefault(f.rule, f)
    rule_ids = sorted(fired)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    fallback = next((f.path for f in check.config.files if f.error is None), None)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "wsdiag",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(r, documented.get(r), fired[r]) for r in rule_ids],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule], root, fallback) for f in findings],
            }
        ],
    }


def dumps(log: dict[str, Any]) -> str:
    """The log as JSON, the same bytes for the same check."""
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _descriptor(rule_id: str, rule: Rule | None, example: Finding) -> dict[str, Any]:
    """A ``reportingDescriptor``: the rule's id, title, documentation and default level."""
    if rule is not None:
        doc = rule.doc
        full = " ".join(doc["detects"].split())
        markdown = (
            f"**What it detects.** {doc['detects'].strip()}\n\n**Why it breaks connections.** "
            f"{doc['why'].strip()}\n\n**Known false positives.** {doc['false_positives'].strip()}\n\n"
            f"**Fix.** {doc['remediation'].strip()}"
        )
        help_text = " ".join(doc["remediation"].split())
        title, severity = rule.title, rule.severity
    else:
        # a configuration check without a rule file: its finding says what it is
        full = title = example.title
        help_text = plain(example.remediation)
        markdown = example.remediation
        severity = example.severity
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": ["traefik", "websocket", "routing"]},
    }
    if rule is not None and rule.doc.get("references"):
        descriptor["helpUri"] = rule.doc["references"][0]
    return descriptor


def _result(f: Finding, rule_index: int, root: Path, fallback: str | None) -> dict[str, Any]:
    located = [e for e in f.evidence if e.line is not None]
    primary = located[0] if located else None
    path = primary.path if primary else (f.evidence[0].path if f.evidence else fallback)
    message = f"{plain(f.title)}. {plain(f.explanation)}\n\nFix: {plain(f.remediation)}"
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": message},
        # the same finding on the same keys is the same alert from one run to the next
        "partialFingerprints": {
            "wsdiagFinding/v1": hashlib.sha256(
                json.dumps([f.rule, sorted(f.keys.items())], ensure_ascii=False).encode()
            ).hexdigest()
        },
    }
    if path is not None:
        result["locations"] = [_location(path, primary.line if primary else None, root)]
    related = [_related(i, e, root) for i, e in enumerate(located[1:], 1)]
    if related:
        result["relatedLocations"] = related
    return result


def _location(path: str, line: int | None, root: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(path, root)}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _related(number: int, ev: Evidence, root: Path) -> dict[str, Any]:
    location = _location(ev.path, ev.line, root)
    location["id"] = number
    location["message"] = {"text": ev.text}
    return location


def _artifact(path: str, root: Path) -> dict[str, Any]:
    """A path relative to ``root`` (as code scanning wants it), else an absolute ``file:`` URI."""
    if path.startswith("<"):  # <stdin>: no file to point at
        return {"uri": "stdin"}
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(root).as_posix()
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}
