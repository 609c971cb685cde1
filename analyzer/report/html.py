"""The HTML report: one self-contained page a person reads at a glance, attached to a ticket.

Verdict first (the root-cause finding, one sentence, the fix), then a timeline across the three sources
with the failure window shaded and a chart of connection attempts by outcome, the findings with their
evidence, the inputs, and the stories of the connections the findings name (opened from a finding).

Drawn as inline SVG generated here (:mod:`analyzer.report.svg`) from aggregates
(:mod:`analyzer.report.overview`): no dependency, nothing to fetch, the same bytes for the same input,
and a size bounded by the number of buckets and stories, not by the capture. A few lines of script only
add "expand all" and closing a story with Escape; everything works without it (``<details>`` and
``:target``). The Content-Security-Policy allows no fetch at all and only this page's own style sheet and
script (by hash), so a log line that slipped through escaping could still neither load nor run anything.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from analyzer import __version__
from analyzer.findings import SEVERITIES, SEVERITY_RANK
from analyzer.report.human import fmt_duration, when, zone_name
from analyzer.report.json_report import iso
from analyzer.report.overview import (
    MAX_STORIES,
    STORY_HEAD,
    Story,
    View,
    build_view,
    clip_line,
    offset_text,
    signed_ms,
    stories,
    story_ids,
    time_domain,
    to_ms,
)
from analyzer.report.safe import html_prose, html_text
from analyzer.report.svg import (
    CATEGORIES,
    NARROW,
    SEVERITY_COLOURS,
    SOURCE_COLOURS,
    TONES,
    WIDE,
    Frame,
    Step,
    Window,
    connections_svg,
    sequence_svg,
    timeline_svg,
)
from analyzer.report.verdict import first_sentence

if TYPE_CHECKING:
    from collections.abc import Callable

    from analyzer.analysis import Analysis
    from analyzer.findings import Evidence, Finding

#: Findings drawn in the timeline's strip (the rest are listed below it).
MAX_STRIP_FINDINGS: Final = 10
#: A root-cause window narrower than this share of the capture gets its own zoomed timeline.
ZOOM_BELOW: Final = 0.25
_e = html_text


def render_html(analysis: Analysis, *, tz: str = "UTC") -> str:
    """The whole report as one HTML document."""
    findings = analysis.findings
    domain = time_domain(analysis.events)
    carried = stories(analysis, story_ids(findings))
    story_of = {s.conn_id: s.number for s in carried}
    body = "".join(
        (
            _header(analysis, domain, tz),
            "<main>",
            _verdict(analysis, tz),
            _summary(analysis),
            _timeline(analysis, domain, tz),
            _findings(findings, story_of, tz),
            _inputs(analysis, tz),
            _not_concluded(analysis),
            "</main>",
            *(_story(s, tz) for s in carried),
            _footer(analysis, len(carried), tz),
        )
    )
    if findings:
        title = f"wsdiag: {findings[0].rule} ({findings[0].severity})"
    else:
        title = "wsdiag: no failure signature found"
    return _page(title, body)


# -- page frame -------------------------------------------------------------------------------------


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _page(title: str, body: str) -> str:
    csp = (
        f"default-src 'none'; style-src '{_sha256(_CSS)}'; script-src '{_sha256(_JS)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="wsdiag {_e(__version__)}">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body>{body}<script>{_JS}</script></body></html>\n"
    )


def _header(analysis: Analysis, domain: tuple[int, int] | None, tz: str) -> str:
    read = [i for i in analysis.inputs if i.error is None]
    capture = "no timestamped events"
    if domain:
        capture = (
            f"{_when_ms(domain[0], tz)} → {_when_ms(domain[1], tz)} {_zone_ms(domain[0], tz)}"
            f" ({fmt_duration(domain[1] - domain[0])})"
        )
    return (
        '<header class="top"><div class="brand">wsdiag report</div>'
        f'<div class="capture">Capture {_e(capture)} · {len(read)} input(s) read</div>'
        '<div class="tools"><button type="button" data-toggle="open" hidden>Expand all</button>'
        '<button type="button" data-toggle="close" hidden>Collapse all</button></div></header>'
    )


def _footer(analysis: Analysis, carried: int, tz: str) -> str:
    redaction = "Secrets in log lines are masked." if analysis.redact else "Not redacted (--no-redact)."
    return (
        f"<footer>Generated by wsdiag {_e(__version__)}. Times are {_e(tz)} on the corrected clock. {redaction} "
        f"This page carries aggregates, the findings' evidence and {carried} connection stor"
        f"{'y' if carried == 1 else 'ies'} (at most {MAX_STORIES}); <code>wsdiag timeline</code> shows any"
        " other connection.</footer>"
    )


# -- verdict and summary ----------------------------------------------------------------------------


def _sev(severity: str) -> str:
    return severity if severity in SEVERITIES else "info"


def _badge(severity: str) -> str:
    return f'<span class="badge sev-{_sev(severity)}">{_e(severity)}</span>'


def _verdict(analysis: Analysis, tz: str) -> str:
    findings = analysis.findings
    if not findings:
        outcomes = _outcome_counts(analysis)
        conns = (
            f"{analysis.connections.height:,} connection(s): " + _outcome_chips(outcomes)
            if outcomes
            else "No WebSocket / Socket.IO connection was found in these logs."
        )
        skipped = (
            f". {len(analysis.not_concluded)} rule(s) could not run for lack of a source;"
            ' see <a href="#not-concluded">not concluded</a>.'
            if analysis.not_concluded
            else ""
        )
        where = "what could be read" if analysis.gaps else "these logs"
        return (
            '<section class="verdict healthy" id="verdict"><div class="kicker">Verdict</div>'
            f"<h1>No failure signature found in {where}.</h1>{_gaps(analysis)}"
            f'<p class="sentence">{conns}{skipped}</p>{_checked(analysis)}</section>'
        )
    root = findings[0]
    kicker = "Root cause" if SEVERITY_RANK[root.severity] >= SEVERITY_RANK["medium"] else "Top finding"
    meta = [f"{root.count:,} matching"]
    if root.connections:
        meta.append(f"{len(root.connections):,} connection(s), {_percent(root.share)} of those seen")
    if root.first_seen:
        meta.append(
            f"{_when(root.first_seen, tz)} → {_when(root.last_seen, tz)} {zone_name(root.first_seen, tz)}"
        )
    if root.explains:
        meta.append("explains " + ", ".join(f"<code>{_e(r)}</code>" for r in sorted(root.explains)))
    return (
        f'<section class="verdict sev-{_sev(root.severity)}" id="verdict">'
        f'<div class="kicker">{kicker} {_badge(root.severity)} <code class="rule">{_e(root.rule)}</code></div>'
        f"<h1>{_e(root.title)}</h1>"
        f'<div class="sentence">{html_prose(first_sentence(root.explanation))}</div>'
        f'<div class="fix"><div class="fix-label">Fix</div>{html_prose(root.remediation)}</div>'
        f'<p class="meta">{" · ".join(meta)} · <a href="#finding-1">evidence and details ↓</a></p>'
        f"{_context(analysis, root)}{_gaps(analysis)}</section>"
    )


def _context(analysis: Analysis, root: Finding) -> str:
    """Other independent root causes, what changed just before, clock warnings, configuration changes."""
    out = []
    others = [f for f in analysis.root_causes if f is not root]
    if others:
        named = ", ".join(f"<code>{_e(f.rule)}</code> ({_e(f.severity)})" for f in others)
        out.append(f'<p class="sentence"><strong>Also a root cause:</strong> {named}</p>')
    for cause in [root, *others]:
        after = cause.began_after_sentence()
        if after:
            out.append(
                f'<p class="sentence"><strong>What changed:</strong> <code>{_e(cause.rule)}</code> {_e(after)}.</p>'
            )
    out += [f'<p class="sentence"><strong>Clock:</strong> {_e(w)}</p>' for w in analysis.clock_warnings]
    out += [
        f'<p class="sentence"><strong>Configuration changed:</strong> {_e(c)}</p>'
        for c in analysis.config_changes
    ]
    return "".join(out)


def _gaps(analysis: Analysis) -> str:
    return "".join(f'<p class="sentence"><strong>Not read:</strong> {_e(g)}</p>' for g in analysis.gaps)


def _checked(analysis: Analysis) -> str:
    """What a healthy verdict rests on, in a few lines: the failure signatures looked for (their titles on
    hover), and those no source here could show."""
    missing = dict(analysis.not_concluded)
    ran = sorted((r for r in analysis.rules if r.id not in missing), key=lambda r: r.id)
    skipped = sorted((r for r in analysis.rules if r.id in missing), key=lambda r: r.id)
    chips = " ".join(
        f'<span class="check" title="{_e(r.title)}"><span class="ok-mark">✓</span>{_e(r.id)}</span>'
        for r in ran
    )
    out = f'<div class="checked"><p><b>Checked, none found ({len(ran)}):</b> {chips}</p>'
    if skipped:
        names = ", ".join(f'<span title="{_e(missing[r.id])}">{_e(r.id)}</span>' for r in skipped)
        out += (
            f'<p class="caption">Not checked for lack of a source ({len(skipped)}): {names}'
            ' (<a href="#not-concluded">why</a>).</p>'
        )
    return out + "</div>"


def _outcome_counts(analysis: Analysis) -> dict[str, int]:
    if analysis.connections.height == 0:
        return {}
    counts = dict(analysis.connections["outcome"].value_counts().rows())
    return {k: counts[k] for k in CATEGORIES if k in counts}


def _chip(category: str, text: str) -> str:
    cls = category if category in CATEGORIES else "unknown"
    return f'<span class="chip"><span class="dot c-{cls}"></span>{_e(text)}</span>'


def _outcome_chips(counts: dict[str, int]) -> str:
    return " ".join(_chip(k, f"{n:,} {CATEGORIES[k][0]}") for k, n in counts.items())


def _summary(analysis: Analysis) -> str:
    by_severity = {s: sum(1 for f in analysis.findings if f.severity == s) for s in SEVERITIES}
    sev = (
        " ".join(f'<span class="chip">{_badge(s)} {n}</span>' for s, n in by_severity.items() if n)
        or '<span class="chip">none</span>'
    )
    outcomes = _outcome_counts(analysis)
    read = [i for i in analysis.inputs if i.error is None]
    return (
        '<section class="summary">'
        f'<div class="stat"><div class="num">{analysis.events.height:,}</div>'
        f'<div class="what">events from {len(read)} input(s)</div></div>'
        f'<div class="stat"><div class="num">{analysis.connections.height:,}</div>'
        f'<div class="what">connections {_outcome_chips(outcomes)}</div></div>'
        f'<div class="stat"><div class="num">{len(analysis.findings)}</div>'
        f'<div class="what">finding(s) {sev}</div></div>'
        "</section>"
    )


# -- timeline ---------------------------------------------------------------------------------------


def _window(number: int, f: Finding) -> Window | None:
    start, end = to_ms(f.first_seen), to_ms(f.last_seen)
    if start is None:
        return None
    return Window(number, f.rule, f.severity, start, end if end is not None else start)


def _timeline(analysis: Analysis, domain: tuple[int, int] | None, tz: str) -> str:
    head = '<section id="timeline"><h2>Timeline</h2>'
    if domain is None:
        return head + '<p class="caption">No timestamped events to draw.</p></section>'
    windows = [w for i, f in enumerate(analysis.findings, 1) if (w := _window(i, f)) is not None]
    root = _window(1, analysis.findings[0]) if analysis.findings else None
    overview = _zoned(build_view(analysis, *domain), tz)
    parts = [head, _caption(analysis, overview, root, tz), _legend()]
    parts.append(_view(overview, windows, root, "whole capture"))
    zoom = _zoom_range(domain, root)
    if zoom:
        view = _zoned(build_view(analysis, *zoom), tz)
        parts.append(
            f"<h3>Around the root-cause window: {_e(_when_ms(zoom[0], tz))} → {_e(_when_ms(zoom[1], tz))}"
            f" {_e(_zone_ms(zoom[0], tz))}"
            f" ({fmt_duration(zoom[1] - zoom[0])})</h3>"
        )
        parts.append(_view(view, windows, root, "root-cause window"))
    if len(windows) > MAX_STRIP_FINDINGS:
        parts.append(
            f'<p class="caption">The strip shows the first {MAX_STRIP_FINDINGS} of {len(windows)} findings.</p>'
        )
    return "".join(parts) + "</section>"


def _view(view: View, windows: list[Window], root: Window | None, name: str) -> str:
    """The timeline and the connections chart, drawn twice: for a desktop and for a phone's width (the
    page shows one or the other), so that labels stay readable at 400 px instead of shrinking to dots."""

    def both(draw: Callable[[Frame], str]) -> str:
        return f'<div class="wide-only">{draw(WIDE)}</div><div class="narrow-only">{draw(NARROW)}</div>'

    return (
        '<figure class="chart">'
        + both(
            lambda frame: timeline_svg(
                view.axis,
                bucket_ms=view.lane_bucket_ms,
                lanes=view.lanes,
                windows=windows[:MAX_STRIP_FINDINGS],
                root=root,
                label=f"Events per source over time ({name})",
                frame=frame,
            )
        )
        + f"<figcaption>Connection attempts by outcome, per {fmt_duration(view.bar_bucket_ms)}"
        " (failures at the base of each bar)</figcaption>"
        + both(
            lambda frame: connections_svg(
                view.axis,
                bucket_ms=view.bar_bucket_ms,
                bars=view.bars,
                root=root,
                label=f"Connections started over time by outcome ({name})",
                frame=frame,
            )
        )
        + "</figure>"
    )


def _zoom_range(domain: tuple[int, int], root: Window | None) -> tuple[int, int] | None:
    """A range around the root-cause window when the whole capture would squeeze it into a sliver."""
    if root is None:
        return None
    width = root.end_ms - root.start_ms
    if width >= ZOOM_BELOW * (domain[1] - domain[0]):
        return None
    pad = max(width // 5, 2000)
    return max(domain[0], root.start_ms - pad), min(domain[1], root.end_ms + pad)


def _caption(analysis: Analysis, view: View, root: Window | None, tz: str) -> str:
    shade = (
        f" The shaded band is the root cause's window (<code>{_e(root.rule)}</code>, first to last"
        " matching event)."
        if root
        else ""
    )
    strip = " The strip on top places each finding, numbered as below." if analysis.findings else ""
    clocks = "; ".join(f"{lane.source}: {_e(lane.note)}" for lane in view.lanes)
    return (
        f'<p class="caption">{_e(tz)} on the corrected clock: each input\'s offset is applied before drawing'
        f" ({clocks}; each input in the Inputs table). A mark is one category's events in one {fmt_duration(view.lane_bucket_ms)} slot,"
        " darker for more events; the grey band behind a lane is the time its logs cover."
        f"{shade}{strip}</p>"
    )


def _legend() -> str:
    return (
        '<p class="legend">'
        + " ".join(_chip(key, label) for key, (label, _) in CATEGORIES.items())
        + ' <span class="legend-note">Events take the outcome of their WebSocket / Socket.IO connection;'
        " other requests are “other traffic” (“error” when they failed: 5xx, error level).</span></p>"
    )


# -- findings ---------------------------------------------------------------------------------------


def _findings(findings: list[Finding], story_of: dict[str, int], tz: str) -> str:
    if not findings:
        return ""
    items = [_finding(i, f, story_of, tz) for i, f in enumerate(findings, 1)]
    return f'<section id="findings"><h2>Findings ({len(findings)})</h2>{"".join(items)}</section>'


def _finding(number: int, f: Finding, story_of: dict[str, int], tz: str) -> str:
    if number == 1:
        is_cause = not f.explained_by and SEVERITY_RANK[f.severity] >= SEVERITY_RANK["medium"]
        role = '<span class="role root">root cause</span>' if is_cause else ""
    elif f.explained_by:
        role = f'<span class="role">follows from <code>{_e(f.explained_by)}</code></span>'
    else:
        role = ""
    when = f"{_when(f.first_seen, tz)} → {_when(f.last_seen, tz)}" if f.first_seen else "undated"
    summary = (
        f'<summary><span class="fnum">{number}</span>{_badge(f.severity)}'
        f'<span class="ftitle">{_e(f.title)}</span> <code class="rule">{_e(f.rule)}</code> {role}'
        f'<span class="fmeta">{f.count:,} matching · {_e(when)}</span></summary>'
    )
    body = [
        f'<div class="expl">{html_prose(f.explanation)}</div>',
        f'<div class="fix"><div class="fix-label">Fix</div>{html_prose(f.remediation)}</div>',
    ]
    if f.explains:
        body.append(
            '<p class="links">Explains: '
            + ", ".join(f"<code>{_e(r)}</code>" for r in sorted(f.explains))
            + "</p>"
        )
    if f.keys:
        body.append(
            '<dl class="keys">'
            + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in sorted(f.keys.items()))
            + "</dl>"
        )
    if f.evidence:
        lines = "".join(_evidence(ev, story_of, tz) for ev in f.evidence)
        body.append(
            f'<details class="evidence" open><summary>Evidence ({len(f.evidence)} line(s))</summary>'
            f'<ol class="evidence">{lines}</ol></details>'
        )
    if f.connections:
        body.append(_connection_links(f, story_of))
    opened = " open" if number == 1 else ""
    return (
        f'<details class="finding sev-{_sev(f.severity)}" id="finding-{number}"{opened}>'
        f'{summary}<div class="fbody">{"".join(body)}</div></details>'
    )


def _evidence(ev: Evidence, story_of: dict[str, int], tz: str) -> str:
    where = f"{ev.path}{f'[{ev.stream}]' if ev.stream else ''}:{ev.line if ev.line is not None else '?'}"
    clock = f"clock {_signed(ev.offset_ms)}" if ev.offset_ms else "clock as logged"
    link = ""
    if ev.conn_id and ev.conn_id in story_of:
        link = f' <a class="conn" href="#story-{story_of[ev.conn_id]}">connection {_e(_clip(ev.conn_id, 24))} ›</a>'
    elif ev.conn_id:
        link = f' <span class="conn-off">connection {_e(_clip(ev.conn_id, 24))}</span>'
    return (
        f'<li class="ev"><div class="ev-meta">{_source(ev.source)} {_time(ev.ts, tz)}'
        f' <span class="where">{_e(where)}</span> <span class="off">{_e(clock)}</span>{link}</div>'
        f"<pre>{_e(clip_line(ev.text))}</pre></li>"
    )


def _connection_links(f: Finding, story_of: dict[str, int]) -> str:
    here = [c for c in f.connections if c in story_of]
    links = " ".join(f'<a class="conn" href="#story-{story_of[c]}">{_e(_clip(c, 24))}</a>' for c in here)
    missing = len(f.connections) - len(here)
    more = (
        f' <span class="muted">and {missing:,} more not carried in this page'
        " (<code>wsdiag timeline --key ID</code> shows any of them)</span>"
        if missing
        else ""
    )
    return f'<p class="conns">Connections ({len(f.connections):,}): {links}{more}</p>'


# -- inputs and what was not concluded --------------------------------------------------------------


def _inputs(analysis: Analysis, tz: str) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("input", "source", "format", "events", "unparsed", f"time range (as logged, {_e(tz)})",
                  "clock", "zone assumed", "notes")
    )  # fmt: skip
    rows = []
    for info in analysis.inputs:
        if info.error:
            rows.append(
                f'<tr class="skipped"><td class="path">{_e(info.label)}</td><td colspan="8">skipped: '
                f"{_e(info.error)}</td></tr>"
            )
            continue
        unparsed = f"{info.unparsed_lines:,}"
        if info.unparsed_examples:
            more = "…" if info.unparsed_lines > len(info.unparsed_examples) else ""
            unparsed += f" (line {', '.join(map(str, info.unparsed_examples))}{more})"
        span = f"{_when(info.first_ts, tz)} → {_when(info.last_ts, tz)}" if info.first_ts else "-"
        notes = [
            *(f"unwrapped {w}" for w in info.wrappers),
            *([info.compression] if info.compression else []),
        ]
        notes += info.notes
        rows.append(
            f'<tr><td class="path">{_e(info.label)}</td><td>{_source(info.source or "-")}</td>'
            f'<td class="nowrap">{_e(info.format_label or "-")}</td><td class="n">{info.events:,}</td>'
            f'<td class="n">{_e(unparsed)}</td><td>{_e(span)}</td>'
            f"<td>{_e(offset_text(analysis, info.label, info.clock_offset_ms, info.aligned))}</td>"
            f"<td>{_e(info.tz or '-')}</td><td>{_e('; '.join(notes))}</td></tr>"
        )
    return (
        f'<section id="inputs"><h2>Inputs</h2><div class="scroll"><table class="inputs"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _not_concluded(analysis: Analysis) -> str:
    if not analysis.not_concluded:
        return ""
    items = "".join(f"<li><code>{_e(r)}</code>: {_e(why)}</li>" for r, why in analysis.not_concluded)
    return (
        '<section id="not-concluded"><details><summary><h2>Not concluded '
        f"({len(analysis.not_concluded)})</h2></summary>"
        f'<p class="caption">Rules that could not run because a source they need is missing.</p>'
        f"<ul>{items}</ul></details></section>"
    )


# -- a connection's story ---------------------------------------------------------------------------


_FACTS: Final = (
    ("client", "client"),
    ("host", "host"),
    ("path", "path"),
    ("transports", "transports"),
    ("routers", "routers"),
    ("upstreams", "upstreams"),
    ("upgrade_outcome", "upgrade"),
    ("lifetime_ms", "WebSocket lifetime"),
    ("disconnect_reason", "disconnect reason"),
    ("close_code", "close code"),
    ("engine_error_code", "engine.io error code"),
    ("browser_error", "browser error"),
)


def _fact(value: Any, key: str) -> str | None:
    if value is None or value == []:
        return None
    if key == "lifetime_ms":
        return fmt_duration(float(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _story(story: Story, tz: str) -> str:
    s = story.summary
    outcome = str(s.get("outcome") or "unknown")
    facts = "".join(
        f"<dt>{label}</dt><dd>{_e(text)}</dd>"
        for key, label in _FACTS
        if (text := _fact(s.get(key), key)) is not None
    )
    zone = zone_name(s.get("first_ts"), tz)
    span = (
        f"{_when(s['first_ts'], tz)} → {_when(s.get('last_ts'), tz)} {zone} · " if s.get("first_ts") else ""
    )
    steps = [Step(ln.source, ln.label, ln.tone, ln.elapsed_ms) for ln in story.lines]
    rows = []
    for i, ln in enumerate(story.lines):
        if story.omitted and i == STORY_HEAD:
            rows.append(
                f'<tr class="gap"><td colspan="4">… {story.omitted:,} event(s) in between not shown '
                f"(<code>wsdiag timeline --key {_e(story.conn_id)}</code> prints them all)</td></tr>"
            )
        where = f"{ln.path}:{ln.line if ln.line is not None else '?'}"
        elapsed = f"+{fmt_duration(ln.elapsed_ms)}" if ln.elapsed_ms is not None else ""
        rows.append(
            f'<tr class="tone-{ln.tone}"><td>{_time(ln.ts, tz)}<div class="muted">{_e(elapsed)}</div></td>'
            f'<td>{_source(ln.source)}<div class="muted">{_e(ln.kind)}</div></td>'
            f'<td class="where">{_e(where)}<div class="muted">clock {_e(_signed(ln.offset_ms))}</div></td>'
            f"<td><pre>{_e(ln.text)}</pre></td></tr>"
        )
    return (
        f'<section class="story" id="story-{story.number}" aria-label="connection story">'
        '<div class="story-card"><a class="close" href="#_">Close ✕</a>'
        f"<h2>Connection <code>{_e(story.conn_id)}</code> {_chip(outcome, CATEGORIES.get(outcome, (outcome, ''))[0])}</h2>"
        f'<p class="caption">{_e(span)}{len(story.lines) + story.omitted:,} event(s) across the sources,'
        " in corrected time order. The chart shows them in order, not to scale, a line joining each event"
        " to the next: green a success (101, 200, handshake, open), red a failure, grey neither.</p>"
        f'<dl class="keys facts">{facts}</dl>'
        + sequence_svg(
            steps,
            label="The connection's events across browser, proxy and backend",
            gap_after=STORY_HEAD - 1 if story.omitted else None,
            omitted=story.omitted,
        )
        + f'<table class="story-lines"><thead><tr><th>time ({_e(tz)})</th><th>source</th><th>where</th>'
        f"<th>line</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


# -- small formatting helpers -----------------------------------------------------------------------


def _when(ts: datetime | None, tz: str) -> str:
    return when(ts, tz) if ts is not None else "-"


def _when_ms(ms: int, tz: str) -> str:
    return _when(datetime.fromtimestamp(ms / 1000, tz=UTC), tz)


def _zone_ms(ms: int, tz: str) -> str:
    return zone_name(datetime.fromtimestamp(ms / 1000, tz=UTC), tz)


def _time(ts: datetime | None, tz: str) -> str:
    if ts is None:
        return '<span class="muted">no time</span>'
    return f'<time datetime="{iso(ts)}">{_e(when(ts, tz))}</time>'


def _zoned(view: View, tz: str) -> View:
    """The view with its time labels in ``tz``."""
    return replace(view, axis=replace(view.axis, tz=tz))


def _source(source: str) -> str:
    cls = source if source in SOURCE_COLOURS else "other"
    return f'<span class="src src-{cls}">{_e(source)}</span>'


def _signed(ms: float | None) -> str:
    return signed_ms(ms or 0.0)


def _percent(share: float) -> str:
    """``37%``; a share that rounds to zero but is not zero reads ``<1%``."""
    return "<1%" if 0 < share < 0.005 else f"{100 * share:.0f}%"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _css_colours() -> str:
    rules = [f".c-{k}{{background:{colour}}}" for k, (_, colour) in CATEGORIES.items()]
    rules += [
        f"tr.tone-{k} td:first-child{{box-shadow:inset 4px 0 {c}}}" for k, c in TONES.items() if k != "plain"
    ]
    rules += [f".badge.sev-{k}{{background:{c}}}" for k, c in SEVERITY_COLOURS.items()]
    rules += [
        f".verdict.sev-{k},.finding.sev-{k}{{border-left-color:{c}}}" for k, c in SEVERITY_COLOURS.items()
    ]
    rules += [f".src-{k}{{color:{c};border-color:{c}}}" for k, c in SOURCE_COLOURS.items()]
    return "".join(rules)


_CSS: Final = """
:root{--fg:#1f2328;--muted:#636c76;--line:#d0d7de;--bg:#f6f8fa;--mono:ui-monospace,"SFMono-Regular",
"DejaVu Sans Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;
color:var(--fg);background:#fff}
main{max-width:1280px;margin:0 auto;padding:0 20px 24px}
code,pre{font-family:var(--mono);font-size:12.5px}
code{background:var(--bg);padding:1px 4px;border-radius:4px}
a{color:#0b5cad}
h2{font-size:19px;margin:28px 0 8px}
h3{font-size:15px;margin:18px 0 6px}
.top{display:flex;gap:16px;align-items:center;padding:10px 20px;background:#24292f;color:#fff;flex-wrap:wrap}
.top .brand{font-weight:700}.top .capture{color:#d0d7de;flex:1}
.top button{background:#32383f;color:#fff;border:1px solid #57606a;border-radius:5px;padding:3px 10px;cursor:pointer}
.verdict{margin:18px 0 10px;padding:14px 18px;border:1px solid var(--line);border-left:8px solid #888;
border-radius:8px;background:#fff}
.verdict.healthy{border-left-color:#2f9e44}
.verdict h1{font-size:22px;margin:6px 0 8px}
.kicker{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:700}
.kicker .badge,.kicker code{text-transform:none;letter-spacing:0}
.sentence p{font-size:15.5px;margin:4px 0}
.fix{margin:10px 0 4px;padding:8px 12px;background:#ebfbee;border-radius:6px;border:1px solid #b2f2bb}
.fix p{margin:2px 0}.fix-label{font-weight:700;color:#2b8a3e;font-size:12px;text-transform:uppercase}
.meta,.caption,.muted,.legend-note{color:var(--muted)}
.meta{margin:8px 0 0}.caption{margin:4px 0 8px}
.badge{display:inline-block;color:#fff;font-size:11.5px;font-weight:700;padding:1px 7px;border-radius:10px;
text-transform:uppercase;letter-spacing:.03em;vertical-align:1px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0}
.stat{flex:1 1 250px;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.stat .num{font-size:22px;font-weight:700}
.chip{display:inline-flex;align-items:center;gap:4px;margin:1px 6px 1px 0;white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:2px}
.legend{margin:4px 0 6px;font-size:13px}
figure.chart{margin:0 0 8px}figure.chart figcaption{color:var(--muted);margin:6px 0 0 4px}
svg{width:100%;height:auto;display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;font-size:11px;fill:#1f2328}
svg .tick,svg .cat-label,svg .lane-note{fill:#636c76;font-size:10.5px}
svg .lane-title{font-weight:700;font-size:12px}svg .lane-empty{fill:#8c959f;font-style:italic}
svg .finding-label{font-size:11px}svg a:hover .finding-label{text-decoration:underline}
svg .grid{stroke:#eaeef2}svg .hgrid{stroke:#eaeef2}svg .axis,svg .lane-sep{stroke:#d0d7de}
svg .window-edge{stroke-dasharray:4 3;stroke-width:1.2}svg .window-label{font-weight:700;fill:#c92a2a}
svg .seq-lane{stroke:#d0d7de}svg .seq-path{fill:none;stroke:#8c959f;stroke-width:1.3}
svg .seq-label{font-size:10px;fill:#424a53}svg .seq-gap{stroke:#8c959f;stroke-dasharray:3 3}
details.finding{border:1px solid var(--line);border-left:6px solid #888;border-radius:8px;margin:10px 0;background:#fff}
details.finding>summary{padding:9px 12px;cursor:pointer;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.fnum{font-weight:700;color:var(--muted)}.ftitle{font-weight:600}
.fmeta{color:var(--muted);margin-left:auto;font-size:12.5px}
.role{font-size:12px;color:var(--muted)}.role.root{color:#c92a2a;font-weight:700}
.fbody{padding:0 14px 12px}.expl p{margin:4px 0}
dl.keys{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}
dl.keys dt{color:var(--muted)}dl.keys dd{margin:0;font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}
details.evidence>summary{cursor:pointer;font-weight:600;margin:8px 0 4px}
ol.evidence{list-style:none;margin:0;padding:0}
li.ev{border-top:1px solid #eaeef2;padding:5px 0}
.ev-meta{font-size:12.5px;display:flex;gap:8px;flex-wrap:wrap;align-items:baseline}
.where{font-family:var(--mono);font-size:12px;color:#0550ae;overflow-wrap:anywhere}
td.where{min-width:16em;max-width:28em}
dl.facts{grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr)}.off{color:var(--muted)}
pre{margin:3px 0 0;padding:6px 8px;background:var(--bg);border-radius:5px;white-space:pre-wrap;
overflow-wrap:anywhere;max-height:18em;overflow:auto}
.src{display:inline-block;font-size:11.5px;font-weight:700;border:1px solid;border-radius:4px;padding:0 5px;
background:#fff}
a.conn{font-family:var(--mono);font-size:12px;background:#e7f5ff;border-radius:4px;padding:1px 6px;
text-decoration:none;margin:1px 2px;display:inline-block}
a.conn:hover{background:#d0ebff}.conn-off{font-family:var(--mono);font-size:12px;color:var(--muted)}
.conns{margin:8px 0 0;line-height:1.9}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:5px 8px;
border-bottom:1px solid #eaeef2}th{font-size:12px;color:var(--muted);font-weight:600}
td.n,td.nowrap{text-align:right;white-space:nowrap}td.nowrap{text-align:left}td.path{font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}
tr.skipped td{color:#9a6700}.scroll{overflow-x:auto}
#not-concluded summary h2{display:inline;font-size:16px}
.story{display:none}
.story:target{display:block;position:fixed;inset:3vh 3vw;z-index:10;overflow:auto;background:#fff;
border-radius:10px;box-shadow:0 0 0 100vmax rgba(15,20,25,.55),0 10px 30px rgba(0,0,0,.3)}
.story-card{padding:14px 20px}.story-card h2{margin-top:4px}
.close{float:right;text-decoration:none;font-weight:600;border:1px solid var(--line);border-radius:6px;padding:3px 10px}
table.story-lines td:first-child{white-space:nowrap;font-size:12.5px}
.checked p{margin:8px 0 0;line-height:1.9}.check{font-family:var(--mono);font-size:12px;white-space:nowrap;
background:var(--bg);border-radius:4px;padding:1px 6px 1px 4px;margin-right:2px}
.ok-mark{color:#009E73;font-weight:700;margin-right:3px}
.narrow-only{display:none}
@media (max-width:640px){.wide-only{display:none}.narrow-only{display:block}main{padding:0 10px 20px}
.verdict{padding:12px 12px}.top{padding:8px 10px}}
tr.gap td{text-align:center;color:var(--muted);background:var(--bg)}
footer{max-width:1280px;margin:0 auto;padding:12px 20px 30px;color:var(--muted);font-size:12.5px;
border-top:1px solid var(--line)}
@media print{.top .tools{display:none}details.finding{break-inside:avoid}}
""" + _css_colours()

_JS: Final = """
(function () {
  "use strict";
  function setAll(open) {
    var all = document.querySelectorAll("details.finding");
    for (var i = 0; i < all.length; i++) { all[i].open = open; }
  }
  var buttons = document.querySelectorAll("[data-toggle]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) {
      setAll(event.currentTarget.getAttribute("data-toggle") === "open");
    });
  }
  function openTarget() {
    var target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && location.hash.indexOf("#story-") === 0) { location.hash = "_"; }
  });
})();
"""
