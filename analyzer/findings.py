"""What the analysis concludes: findings, each with the evidence lines that prove it.

Rules (``analyzer.rules``) and the configuration check (``analyzer.config``) both produce
:class:`Finding` values; every report format renders them.

How findings are ranked (:func:`rank`): a finding another one explains comes after it; among the others,
the root cause is the finding that explains the most connections over the longest part of the failure
window (its ``weight``), then the most severe. A finding whose weight is small beside the heaviest one
(a stray line against a capture full of another failure) cannot come first, whatever its severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "high", "medium", "low", "info")
#: Higher is more severe.
SEVERITY_RANK: Final[dict[str, int]] = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}
#: A finding lighter than this share of the heaviest root cause's weight is not a root cause beside it.
SUBSTANTIAL: Final = 0.2


def lower(severity: Severity, cap: Severity) -> Severity:
    """The less severe of the two."""
    return severity if SEVERITY_RANK[severity] <= SEVERITY_RANK[cap] else cap


def step_down(severity: Severity) -> Severity:
    """One step less severe (``low`` and ``info`` stay)."""
    i = SEVERITIES.index(severity)
    return severity if severity in ("low", "info") else SEVERITIES[i + 1]


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

    @property
    def written_ts(self) -> datetime | None:
        """The time as the line itself wrote it (before correlation corrected its clock)."""
        if self.ts is None or not self.offset_ms:
            return self.ts
        return self.ts - timedelta(milliseconds=self.offset_ms)


@dataclass(frozen=True)
class Change:
    """Something that changed in the system during the capture: a configuration reload, a provider event,
    a container or backend (re)start. A failure that begins right after one is probably caused by it."""

    #: ``config_reload``, ``provider_event``, ``backend_start``, ``proxy_start``
    kind: str
    ts: datetime
    #: What changed, in a few words ("routers changed: web@file priority 0 → 100").
    what: str
    evidence: Evidence

    def sentence(self) -> str:
        """``the configuration reload at 21:31:42``."""
        label = {
            "config_reload": "the configuration reload",
            "provider_event": "the provider event",
            "backend_start": "the backend (re)start",
            "proxy_start": "the proxy (re)start",
        }.get(self.kind, self.kind)
        return f"{label} at {self.ts:%H:%M:%S}"


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
    #: Share of the relevant traffic this finding covers (0..1): ``affected`` of ``population``.
    share: float = 0.0
    #: Connection ids involved (for the timeline and the HTML report).
    connections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: Connections this finding covers (or, without connections, its decisive lines); 0 for findings about
    #: the configuration rather than the traffic.
    affected: int = 0
    #: What ``share`` is of: all connections of the capture (or all its Socket.IO lines).
    population: int = 0
    #: How much of the failure the finding explains: affected connections, weighted by how much of the
    #: failure window they span. Ranks root causes (see the module doc).
    weight: float = 0.0
    #: Why the severity is below the rule's ("seen once", "1 of 93 connections (1 %)"); None when it is not.
    support: str | None = None
    #: The change the failure began right after, when it began within a minute of one.
    began_after: Change | None = None
    #: Seconds between that change and the first evidence of the failure.
    began_after_s: float | None = None

    def sort_key(self) -> tuple[int, int, float, int, str]:
        """Root causes first, then severity, then weight (see :func:`rank` for the whole order)."""
        return (
            1 if self.explained_by else 0,
            -SEVERITY_RANK[self.severity],
            -self.weight,
            -self.count,
            self.rule,
        )

    def began_after_sentence(self) -> str | None:
        """``began 3 s after the configuration reload at 21:31:42 (provider file: router web: …)``."""
        if self.began_after is None or self.began_after_s is None:
            return None
        s = self.began_after_s
        seconds = f"{s:.1f}" if s < 10 and not float(s).is_integer() else f"{s:.0f}"
        return f"began {seconds} s after {self.began_after.sentence()} ({self.began_after.what})"

    @property
    def from_traffic(self) -> bool:
        """Whether the finding measures traffic (rules over logs), not a configuration."""
        return self.affected > 0


def rank(findings: list[Finding]) -> list[Finding]:
    """Order findings most important first: the first one is the answer to "what is the root cause".

    Findings explained by another come last; a traffic finding lighter than :data:`SUBSTANTIAL` of the
    heaviest unexplained one comes after every substantial one; then severity, then weight.
    """
    heaviest = max((f.weight for f in findings if not f.explained_by and f.from_traffic), default=0.0)

    def key(f: Finding) -> tuple[int, int, int, float, int, str]:
        light = f.from_traffic and f.weight < SUBSTANTIAL * heaviest
        explained, severity, weight, count, rule = f.sort_key()
        return (explained, 1 if light else 0, severity, weight, count, rule)

    return sorted(findings, key=key)


def root_causes(findings: list[Finding]) -> list[Finding]:
    """Every independent root cause, most important first: the findings nothing explains, of weight
    beside the heaviest and at ``medium`` or above. Empty when nothing serious was found."""
    ranked = rank(findings)
    heaviest = max((f.weight for f in ranked if not f.explained_by and f.from_traffic), default=0.0)
    return [
        f
        for f in ranked
        if not f.explained_by
        and SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"]
        and not (f.from_traffic and f.weight < SUBSTANTIAL * heaviest)
    ]
