"""Inline SVG for the HTML report: a time axis, the source lanes, the connections chart, a story's sequence.

Pure drawing over small, already aggregated values (a few hundred buckets, never the event table), so
the output size is bounded whatever the capture's size. Every string that reaches the markup goes
through :func:`~analyzer.report.safe.html_text`, numbers are formatted here; no style attributes are
written (the page's Content-Security-Policy allows only its own style sheet), colours are ``fill``
presentation attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from analyzer.report.human import fmt_duration
from analyzer.report.safe import html_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: Width of every chart's coordinate system; the SVGs scale to the page width.
WIDTH: Final = 1200
LEFT: Final = 250
RIGHT: Final = 14

_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
#: Bucket and tick steps that read as round numbers on a clock.
NICE_STEPS_MS: Final = (
    1, 2, 5, 10, 20, 50, 100, 200, 250, 500,
    _SECOND, 2 * _SECOND, 5 * _SECOND, 10 * _SECOND, 15 * _SECOND, 30 * _SECOND,
    _MINUTE, 2 * _MINUTE, 5 * _MINUTE, 10 * _MINUTE, 15 * _MINUTE, 30 * _MINUTE,
    _HOUR, 2 * _HOUR, 3 * _HOUR, 6 * _HOUR, 12 * _HOUR, _DAY, 2 * _DAY, 7 * _DAY,
)  # fmt: skip

#: Connection outcomes (and event categories) with their label and colour, most alarming first. The colours
#: are Okabe & Ito's, chosen so that every pair stays apart for protan, deutan and tritan vision as well
#: (tests/test_report_html.py simulates them) and each one but the grey of "other traffic" holds a 3:1
#: contrast on white: the two failures are vermillion and reddish purple, not two reds.
CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "failed_handshake": ("failed handshake", "#D55E00"),
    "failed_upgrade": ("failed upgrade", "#CC79A7"),
    "dropped": ("dropped", "#AA3377"),
    "error": ("other traffic, error", "#332288"),
    "unknown": ("outcome unknown", "#0072B2"),
    "ok": ("ok", "#009E73"),
    "other": ("other traffic", "#CCCCCC"),
}
SEVERITY_COLOURS: Final[dict[str, str]] = {
    "critical": "#c92a2a",
    "high": "#e8590c",
    "medium": "#f59f00",
    "low": "#1c7ed6",
    "info": "#868e96",
}
SOURCE_COLOURS: Final[dict[str, str]] = {
    "browser": "#1098ad",
    "proxy": "#4263eb",
    "backend": "#ae3ec9",
    "config": "#5c5f66",
}


def nice_step(span_ms: float, max_count: int) -> int:
    """The smallest round step that cuts ``span_ms`` into at most ``max_count`` pieces."""
    wanted = max(span_ms, 1) / max(max_count, 1)
    for step in NICE_STEPS_MS:
        if step >= wanted:
            return step
    return math.ceil(wanted / _DAY) * _DAY


def clock(ms: float, step_ms: float, *, with_date: bool = False, tz: str = "UTC") -> str:
    """A time label in ``tz`` as precise as ``step_ms`` needs."""
    ts = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz))
    if step_ms >= _DAY:
        return ts.strftime("%Y-%m-%d")
    if step_ms >= _MINUTE:
        text = ts.strftime("%H:%M")
    elif step_ms >= _SECOND:
        text = ts.strftime("%H:%M:%S")
    else:
        text = ts.strftime("%H:%M:%S.%f")[:-3]
    return ts.strftime("%m-%d ") + text if with_date else text


@dataclass(frozen=True)
class Frame:
    """A chart's coordinate system: its width, where the plot area starts and ends, how many time labels.

    ``compact`` draws for a phone's width: names above the rows instead of beside them.
    """

    width: int
    left: float
    right: float
    ticks: int = 9
    compact: bool = False


#: The page's charts at desktop width, and the same charts for a phone (the page shows one or the other).
WIDE: Final = Frame(WIDTH, LEFT, WIDTH - RIGHT)
NARROW: Final = Frame(400, 30, 392, ticks=4, compact=True)


@dataclass(frozen=True)
class Axis:
    """Maps UTC epoch milliseconds onto the x coordinate of the plot area."""

    start_ms: int
    end_ms: int
    left: float = LEFT
    right: float = WIDTH - RIGHT
    #: Zone of the time labels.
    tz: str = "UTC"

    @property
    def span_ms(self) -> int:
        return max(1, self.end_ms - self.start_ms)

    def x(self, ms: float) -> float:
        """x of a time, clamped to the plot area."""
        ratio = min(1.0, max(0.0, (ms - self.start_ms) / self.span_ms))
        return self.left + ratio * (self.right - self.left)

    def framed(self, frame: Frame) -> Axis:
        """The same time range drawn in ``frame``'s plot area."""
        return Axis(self.start_ms, self.end_ms, frame.left, frame.right, self.tz)

    def ticks(self, max_count: int = 9) -> tuple[int, list[int]]:
        """A round tick step and the ticks inside the axis."""
        step = nice_step(self.span_ms, max_count)
        first = -(-self.start_ms // step) * step
        return step, list(range(first, self.end_ms + 1, step))


@dataclass(frozen=True)
class Lane:
    """One source's row: which categories it shows, its counts per bucket, what its clock was."""

    source: str
    #: "380 events" (or "no events")
    count: str
    #: How this source's clock was corrected.
    note: str
    #: (bucket index, category, count)
    cells: Sequence[tuple[int, str, int]]
    #: First and last event time of this source (ms), drawn as the lane's covered range.
    covered: tuple[int, int] | None


@dataclass(frozen=True)
class Window:
    """A finding drawn on the timeline: number, rule, severity, first and last seen (ms)."""

    number: int
    rule: str
    severity: str
    start_ms: int
    end_ms: int


def _text(x: float, y: float, text: str, cls: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{html_text(text)}</text>'


def _rect(
    x: float, y: float, w: float, h: float, fill: str, extra: str = "", title: str | None = None
) -> str:
    body = f"<title>{html_text(title)}</title></rect>" if title else "/>"
    head = f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{h:.1f}" fill="{fill}"{extra}'
    return head + (">" + body if title else body)


def _svg(height: float, label: str, body: Iterable[str], cls: str, width: int = WIDTH) -> str:
    return (
        f'<svg class="{cls}" viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{html_text(label)}"'
        f' xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def _grid(axis: Axis, top: float, bottom: float, *, labels: bool, frame: Frame = WIDE) -> list[str]:
    step, ticks = axis.ticks(frame.ticks)
    crosses_days = axis.start_ms // _DAY != axis.end_ms // _DAY and step < _DAY
    out = []
    for tick in ticks:
        x = axis.x(tick)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" class="grid"/>')
        if labels:
            # labels near an edge are aligned to it so that they stay inside the picture
            anchor = "end" if x > frame.width - 40 else ("start" if x < 24 else "middle")
            label = clock(tick, step, with_date=crosses_days, tz=axis.tz)
            out.append(_text(x, bottom + 14, label, "tick", anchor))
    return out


def _window_shade(
    axis: Axis, window: Window | None, top: float, bottom: float, *, label: bool, frame: Frame = WIDE
) -> list[str]:
    if window is None:
        return []
    x0 = axis.x(window.start_ms)
    x1 = max(axis.x(window.end_ms), x0 + 3)
    colour = SEVERITY_COLOURS.get(window.severity, "#c92a2a")
    out = [
        _rect(x0, top, x1 - x0, bottom - top, colour, ' fill-opacity="0.10" class="window"'),
        f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{colour}" class="window-edge"/>',
        f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{colour}" class="window-edge"/>',
    ]
    if label:
        text = "root cause" if frame.compact else f"root cause window: {window.rule}"
        anchor, lx = ("end", x1) if x1 > axis.right - 7 * len(text) else ("start", x0)
        out.append(_text(lx, top - 4, text, "window-label", anchor))
    return out


def timeline_svg(
    axis: Axis,
    *,
    bucket_ms: int,
    lanes: Sequence[Lane],
    windows: Sequence[Window],
    root: Window | None,
    label: str,
    frame: Frame = WIDE,
) -> str:
    """The findings strip, then one lane per source with its events' buckets coloured by category.

    In a ``compact`` frame the strip names findings by number and each lane's name sits above it; the
    categories are told by colour (the legend above the chart names them).
    """
    axis = axis.framed(frame)
    row_h, gap = 12, 3
    body: list[str] = []
    y = 8.0
    strip_top = y
    strip: list[str] = []
    for w in windows:
        x0 = axis.x(w.start_ms)
        x1 = max(axis.x(w.end_ms), x0 + 3)
        colour = SEVERITY_COLOURS.get(w.severity, "#868e96")
        strip.append(
            f'<a href="#finding-{w.number}">'
            + _text(
                axis.left - (4 if frame.compact else 8),
                y + 10,
                str(w.number) if frame.compact else f"{w.number}. {_clip(w.rule, 30)}",
                "finding-label",
                "end",
            )
            + _rect(
                x0, y + 1, x1 - x0, row_h - 2, colour, ' rx="2"', title=f"{w.number}. {w.rule} ({w.severity})"
            )
            + "</a>"
        )
        y += row_h + gap
    if windows:
        y += 4
    lane_parts: list[str] = []
    for lane in lanes:
        cats = [c for c in CATEGORIES if any(cell[1] == c for cell in lane.cells)]
        lane_parts.append(f'<line x1="0" x2="{frame.width}" y1="{y:.1f}" y2="{y:.1f}" class="lane-sep"/>')
        if frame.compact:
            note = (
                f'<tspan class="lane-note"> · {html_text(_clip(lane.count, 40))}</tspan>'
                if lane.count
                else ""
            )
            lane_parts.append(
                f'<text x="4" y="{y + 13:.1f}" class="lane-title">{html_text(lane.source)}{note}</text>'
            )
            y += 16
            height = max(1, len(cats)) * row_h + 2 * gap + 2
        else:
            height = max(3, len(cats)) * row_h + 2 * gap + 8
            heading = [(lane.source, "lane-title"), (lane.count, "lane-note")]
            heading += [(lane.note, "lane-note")] if lane.covered else []
            for i, (text, cls) in enumerate(h for h in heading if h[0]):
                lane_parts.append(_text(8, y + 16 + 13 * i, _clip(text, 26), cls))
        if lane.covered:
            x0 = axis.x(lane.covered[0])
            x1 = max(axis.x(lane.covered[1]), x0 + 2)
            lane_parts.append(_rect(x0, y + gap, x1 - x0, height - 2 * gap, "#f1f3f5", ' class="covered"'))
        if not cats:
            empty = "no events in this time range" if lane.covered else f"no {lane.source} log given"
            lane_parts.append(_text(axis.left + 6, y + 20, empty, "lane-empty"))
        # each row is shaded against its own busiest slot: a rare category's peak is as visible as the
        # bulk traffic's, and within a row the darker slots are where that category concentrates
        biggest: dict[str, int] = {}
        for _, cat, count in lane.cells:
            biggest[cat] = max(biggest.get(cat, 1), count)
        row_of = {c: y + gap + (1 if frame.compact else 7) + i * row_h for i, c in enumerate(cats)}
        if not frame.compact:
            for cat, row_y in row_of.items():
                lane_parts.append(_text(axis.left - 6, row_y + 9, CATEGORIES[cat][0], "cat-label", "end"))
        width = max(1.5, (axis.right - axis.left) * bucket_ms / axis.span_ms - 0.4)
        for bucket, cat, count in lane.cells:
            start = axis.start_ms + bucket * bucket_ms
            opacity = 0.25 + 0.75 * math.sqrt(count / biggest[cat])
            tip = f"{clock(start, bucket_ms, tz=axis.tz)} · {lane.source} · {CATEGORIES[cat][0]}: {count:,} event(s)"
            x = axis.x(start)
            lane_parts.append(
                _rect(x, row_of[cat], min(width, axis.right - x), row_h - 2, CATEGORIES[cat][1],
                      f' fill-opacity="{opacity:.2f}"', title=tip)
            )  # fmt: skip
        y += height
    bottom = y
    body += _grid(axis, strip_top, bottom, labels=True, frame=frame)
    body += _window_shade(axis, root, strip_top, bottom, label=False, frame=frame)
    body += strip
    body += lane_parts
    body.append(f'<line x1="0" x2="{frame.width}" y1="{bottom:.1f}" y2="{bottom:.1f}" class="lane-sep"/>')
    return _svg(bottom + 24, label, body, "timeline", frame.width)


def connections_svg(
    axis: Axis,
    *,
    bucket_ms: int,
    bars: Sequence[tuple[int, str, int]],
    root: Window | None,
    label: str,
    frame: Frame = WIDE,
) -> str:
    """Stacked bars of connections started per bucket, failures at the base so they are never hidden."""
    axis = axis.framed(frame)
    top, plot_h = (20.0, 110.0) if frame.compact else (20.0, 150.0)
    bottom = top + plot_h
    per_bucket: dict[int, dict[str, int]] = {}
    for bucket, outcome, count in bars:
        per_bucket.setdefault(bucket, {})[outcome] = count
    peak = max((sum(v.values()) for v in per_bucket.values()), default=0)
    body = _grid(axis, top, bottom, labels=True, frame=frame)
    body += _window_shade(axis, root, top, bottom, label=True, frame=frame)
    scale_max = _round_up(peak)
    for value in (0, scale_max // 2, scale_max):
        yy = bottom - plot_h * value / max(scale_max, 1)
        body.append(
            f'<line x1="{axis.left:.1f}" x2="{axis.right:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" class="hgrid"/>'
        )
        body.append(_text(axis.left - (3 if frame.compact else 6), yy + 4, f"{value:,}", "tick", "end"))
    if not frame.compact:  # a phone's chart has no room beside the plot: the figure's caption says it
        body.append(_text(8, top + 10, "connections", "lane-title"))
        body.append(_text(8, top + 24, f"started per {fmt_duration(bucket_ms)}", "lane-note"))
    width = max(1.5, (axis.right - axis.left) * bucket_ms / axis.span_ms - 1.0)
    for bucket in sorted(per_bucket):
        counts = per_bucket[bucket]
        start = axis.start_ms + bucket * bucket_ms
        total = sum(counts.values())
        parts = ", ".join(f"{counts[c]:,} {CATEGORIES[c][0]}" for c in CATEGORIES if c in counts)
        tip = f"{clock(start, bucket_ms, tz=axis.tz)}: {total:,} connection(s): {parts}"
        base = bottom
        body.append(f"<g><title>{html_text(tip)}</title>")
        for outcome in CATEGORIES:
            count = counts.get(outcome, 0)
            if not count:
                continue
            h = max(1.5, plot_h * count / max(scale_max, 1))
            x = axis.x(start)
            body.append(_rect(x, base - h, min(width, axis.right - x), h, CATEGORIES[outcome][1]))
            base -= h
        body.append("</g>")
    body.append(
        f'<line x1="{axis.left:.1f}" x2="{axis.right:.1f}" y1="{bottom:.1f}" y2="{bottom:.1f}" class="axis"/>'
    )
    return _svg(bottom + 24, label, body, "bars", frame.width)


@dataclass(frozen=True)
class Step:
    """One event of a connection's story, as its sequence chart shows it."""

    source: str
    label: str
    #: ``good`` (a success signal), ``bad`` (a failure) or ``plain``.
    tone: str
    #: Time since the connection's first event.
    elapsed_ms: float | None


#: A story's events: failure and success in the categories' colours (not red against green).
TONES: Final[dict[str, str]] = {"bad": "#D55E00", "good": "#009E73", "plain": "#868e96"}


def sequence_svg(steps: Sequence[Step], *, label: str, gap_after: int | None = None, omitted: int = 0) -> str:
    """A connection's events in order across the three lanes, joined by a line (x is order, not time).

    ``gap_after``: index of the last step before ``omitted`` steps that are not drawn.
    """
    lanes = ("browser", "proxy", "backend")
    lane_y = {s: 22 + i * 34 for i, s in enumerate(lanes)}
    n = len(steps)
    left, right = 110.0, WIDTH - 70.0
    spacing = (right - left) / max(n - 1, 1)
    labelled = spacing >= 40
    body = []
    for s in lanes:
        body.append(
            f'<line x1="{left - 10:.1f}" x2="{right + 10:.1f}" y1="{lane_y[s]}" y2="{lane_y[s]}" class="seq-lane"/>'
        )
        body.append(_text(8, lane_y[s] + 4, s, "lane-title"))
    if gap_after is not None and omitted:
        x = left + (gap_after + 0.5) * spacing
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="8" y2="{lane_y["backend"] + 12}" class="seq-gap"/>')
        body.append(_text(x, lane_y["backend"] + 22, f"… {omitted:,} more", "seq-label", "middle"))
    points = []
    marks = []
    for i, step in enumerate(steps):
        if step.source not in lane_y:
            continue
        x = left + i * spacing if n > 1 else (left + right) / 2
        y = lane_y[step.source]
        points.append(f"{x:.1f},{y}")
        tip = f"{i + 1}. {step.source}: {step.label}"
        if step.elapsed_ms is not None:
            tip += f" (+{fmt_duration(step.elapsed_ms)})"
        marks.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{TONES.get(step.tone, TONES["plain"])}">'
            f"<title>{html_text(tip)}</title></circle>"
        )
        if labelled:
            marks.append(
                _text(x, y - 9 if i % 2 == 0 else y + 17, _clip(step.label, 22), "seq-label", "middle")
            )
    if len(points) > 1:
        body.append(f'<polyline points="{" ".join(points)}" class="seq-path"/>')
    body += marks
    return _svg(lane_y["backend"] + 28, label, body, "sequence")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _round_up(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 2:
        return 2
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude
