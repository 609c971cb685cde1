"""What the analysis concludes: findings, each with the evidence lines that prove it.

Rules (``analyzer.rules``) and the configuration check (``analyzer.config``) both produce
:class:`Finding` values; every report format renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "high", "medium", "low", "info")
#: Higher is more severe.
SEVERITY_RANK: Final[dict[str, int]] = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Evidence:
    """One line that supports a finding, where it is, and when it happened (corrected clock)."""

    source: str
    path: str
    line: int | None
    ts: datetime | None
    text: str
    stream: str | None = None
    #: Milliseconds correlation added to this source's clock (None: not aligned / not applicable).
    offset_ms: float | None = None
    conn_id: str | None = None


@dataclass
class Finding:
    """A failure signature that fired, with its explanation, fix and evidence."""

    rule: str
    title: str
    severity: Severity
    count: int
    explanation: str
    remediation: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    keys: dict[str, str] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    #: Rule ids of the findings this one explains (it is their root cause).
    explains: list[str] = field(default_factory=list)
    #: The rule id of the finding that explains this one, if any.
    explained_by: str | None = None
    #: Share of the relevant traffic this finding covers (0..1), used to rank findings of equal severity.
    share: float = 0.0
    #: Connection ids involved (for the timeline and the HTML report).
    connections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple[int, int, float, int, str]:
        """Root causes first, then severity, then how much of the traffic the finding explains."""
        return (
            1 if self.explained_by else 0,
            -SEVERITY_RANK[self.severity],
            -self.share,
            -self.count,
            self.rule,
        )


def rank(findings: list[Finding]) -> list[Finding]:
    """Order findings most important first: the first one is the answer to "what is the root cause"."""
    return sorted(findings, key=Finding.sort_key)
