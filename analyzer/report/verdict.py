"""What the top of every human report says, decided once for text, Markdown and HTML.

A verdict is a list of root causes (each with its fix), the findings that follow from them, the other
findings, one line on what was read, and the warnings that change how far the verdict can be trusted
(paths that could not be read, inputs skipped, lines not parsed, clocks moved or not aligned, a time window
that left nothing), and what changed in the system (configuration reloads) that the failure may follow.
The causes are every independent root cause the analysis names (:func:`analyzer.findings.root_causes`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from analyzer.findings import SEVERITY_RANK
from analyzer.findings import root_causes as independent_causes
from analyzer.model import SOURCES
from analyzer.report.human import plural, span

if TYPE_CHECKING:
    from datetime import datetime

    from analyzer.analysis import Analysis
    from analyzer.findings import Finding

#: Connection outcomes as a person says them.
OUTCOMES: Final = {
    "failed_handshake": ("failed handshake", "failed handshakes"),
    "failed_upgrade": ("failed upgrade", "failed upgrades"),
    "dropped": ("dropped", "dropped"),
    "unknown": ("outcome unknown", "outcome unknown"),
    "ok": ("ok", "ok"),
}
#: The verdict shows the first paragraph of a cause's explanation, cut at a sentence near this size.
LEAD_CHARS: Final = 600
#: At most this many warnings in the verdict; the rest are counted.
MAX_WARNINGS: Final = 4


@dataclass(frozen=True)
class Verdict:
    """The findings sorted into what the reader acts on first, and what was read."""

    causes: list[Finding]
    #: Findings a cause explains (``explained_by`` names one of the causes), in rank order.
    following: list[Finding]
    #: Every other finding, in rank order.
    others: list[Finding]
    read: str
    warnings: list[str] = field(default_factory=list)
    #: How the routing configuration changed during the capture ("path → path: change").
    changes: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No finding at ``medium`` or above (the contract's healthy capture)."""
        return not any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"] for f in self.findings)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, causes first."""
        return [*self.causes, *self.following, *self.others]


def root_causes(findings: list[Finding]) -> list[Finding]:
    """The findings the verdict leads with: every independent root cause at ``medium`` or above."""
    return independent_causes(findings)


def build_verdict(
    analysis: Analysis, *, tz: str = "UTC", since: datetime | None = None, until: datetime | None = None
) -> Verdict:
    """Sort the analysis' findings into the verdict and describe what was read."""
    causes = root_causes(analysis.findings)
    cause_ids = {f.rule for f in causes}
    rest = [f for f in analysis.findings if f not in causes]
    following = [f for f in rest if f.explained_by in cause_ids]
    others = [f for f in rest if f not in following]
    return Verdict(
        causes=causes,
        following=following,
        others=others,
        read=read_summary(analysis, tz),
        warnings=warnings(analysis, since=since, until=until, tz=tz),
        changes=list(analysis.config_changes),
    )


def outcome_counts(analysis: Analysis) -> list[tuple[str, int]]:
    """Connections per outcome, most frequent first."""
    if not analysis.connections.height:
        return []
    return [(str(o), int(n)) for o, n in analysis.connections["outcome"].value_counts(sort=True).rows()]


def connections_text(analysis: Analysis) -> str:
    """``15 connections: 13 failed handshakes, 2 ok`` (or that none was seen)."""
    n = analysis.connections.height
    if not n:
        return "no WebSocket / Socket.IO connection"
    parts = []
    for outcome, count in outcome_counts(analysis):
        one, many = OUTCOMES.get(outcome, (outcome.replace("_", " "), outcome.replace("_", " ")))
        parts.append(f"{count:,} {one if count == 1 else many}")
    return f"{plural(n, 'connection')}: {', '.join(parts)}"


def read_summary(analysis: Analysis, tz: str = "UTC") -> str:
    """One sentence on what was read: events, inputs per source, the time covered, the connections."""
    read = [i for i in analysis.inputs if not i.error]
    by_source = Counter(info.source or "?" for info in read)
    order = [*SOURCES, *sorted(set(by_source) - set(SOURCES))]
    sources = ", ".join(f"{by_source[s]} {s}" for s in order if by_source[s])
    firsts = [i.first_ts for i in read if i.first_ts]
    lasts = [i.last_ts for i in read if i.last_ts]
    covered = f", {span(min(firsts), max(lasts), tz)}" if firsts and lasts else ""
    return (
        f"Read {plural(analysis.events.height, 'event')} from {plural(len(read), 'input')} ({sources})"
        f"{covered}; {connections_text(analysis)}."
    )


def warnings(
    analysis: Analysis, *, since: datetime | None = None, until: datetime | None = None, tz: str = "UTC"
) -> list[str]:
    """What limits the verdict: skipped inputs, unparsed lines, clocks not aligned, an empty time window."""
    # what could not be read at all, and clocks moved far or re-dated, come first: they bound the verdict
    out: list[str] = [*analysis.gaps, *analysis.clock_warnings]
    read_events = sum(i.events for i in analysis.inputs if not i.error)
    dated = any(i.first_ts for i in analysis.inputs if not i.error)
    # undated events (configuration) are kept by any window: what matters is whether a dated one is left
    if (since or until) and dated and not analysis.events["ts"].is_not_null().any():
        if since and until:
            window = span(since, until, tz)
        else:
            window = f"since {span(since, None, tz)}" if since else f"until {span(until, None, tz)}"
        firsts = [i.first_ts for i in analysis.inputs if i.first_ts]
        lasts = [i.last_ts for i in analysis.inputs if i.last_ts]
        covered = f"; the logs cover {span(min(firsts), max(lasts), tz)}" if firsts and lasts else ""
        out.append(f"--since/--until ({window}) leave no dated event of the {read_events:,} read{covered}")
    skipped = [i for i in analysis.inputs if i.error]
    if skipped:
        out.append(
            f"{plural(len(skipped), 'input')} not read: "
            + "; ".join(f"{i.label} ({i.error})" for i in skipped[:3])
            + ("; …" if len(skipped) > 3 else "")
        )
    unparsed = [i for i in analysis.inputs if i.unparsed_lines and not i.error]
    if unparsed:
        total = sum(i.unparsed_lines for i in unparsed)
        where = (
            unparsed[0].label
            if len(unparsed) == 1
            else ", ".join(f"{i.label} ({i.unparsed_lines:,})" for i in unparsed[:3])
            + (", …" if len(unparsed) > 3 else "")
        )
        out.append(f"{plural(total, 'line')} not parsed: {where}")
    unaligned = [i for i in analysis.inputs if i.aligned is False and not i.error]
    if unaligned:
        out.append(
            "clock not aligned with the others (no shared request or session seen): "
            + ", ".join(i.label for i in unaligned[:3])
            + (", …" if len(unaligned) > 3 else "")
        )
    if len(out) > MAX_WARNINGS:
        out = [*out[: MAX_WARNINGS - 1], f"{len(out) - MAX_WARNINGS + 1} more (-vv shows the inputs)"]
    return out


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9`\"'(])")


def lead(text: str, limit: int = LEAD_CHARS) -> tuple[str, bool]:
    """The first paragraph of wsdiag's prose, cut after the last sentence that ends within ``limit``.

    Returns the text and whether anything was left out. A period inside a `code span` ends nothing.
    """
    paragraphs = re.split(r"\n\s*\n", text.strip())
    first = paragraphs[0]
    if len(first) <= limit:
        return first, len(paragraphs) > 1
    cut = 0
    for match in _SENTENCE_END.finditer(first):
        if match.end() > limit:
            break
        if first.count("`", 0, match.end()) % 2 == 0:
            cut = match.end()
    return (first[:cut] if cut else first), bool(cut) or len(paragraphs) > 1


def first_sentence(text: str) -> str:
    """The first sentence of wsdiag's prose (a period inside a `code span` does not end it)."""
    para = re.split(r"\n\s*\n", text.strip())[0]
    for match in _SENTENCE_END.finditer(para):
        if para.count("`", 0, match.end()) % 2 == 0:
            return para[: match.end()]
    return para
