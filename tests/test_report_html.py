"""The HTML report: verdict first, timeline, findings with evidence, stories, inputs — one inert, offline page.

Structure tests read the page with the standard library's HTML parser; the ``browser`` tests open it in
a real headless Chromium (skipped when none is installed) and keep screenshots in the test's folder.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from analyzer.analysis import analyze
from analyzer.ingest import Ingested, InputInfo
from analyzer.model import UTC_US, empty_events
from analyzer.report.boundary import outbound
from analyzer.report.html import first_sentence, render_html
from analyzer.report.overview import MAX_STORIES, STORY_HEAD, STORY_TAIL, stories, story_ids
from analyzer.report.safe import html_prose, html_text
from analyzer.report.svg import fmt_duration, nice_step
from tests.chromium import Chromium, find_chromium
from tests.conftest import run
from tests.incidents import (
    BACKEND_LOG,
    BROWSER_LOG,
    IMG,
    PROXY_LOG,
    SCRIPT,
    SECRET,
    analysis_of,
    headers_stripped,
    proxy_log,
)


class Page(HTMLParser):
    """Every element's tag and attributes in document order, plus the text of script and style blocks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag in self.blocks:
            self._open = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.blocks[self._open].append(data)

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.elements if "id" in a]

    def tags(self, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == name]


@pytest.fixture(scope="module")
def incident():
    return outbound(analysis_of(headers_stripped()))


@pytest.fixture(scope="module")
def page(incident) -> str:
    return render_html(incident)


def test_the_verdict_comes_first_with_the_root_cause_its_sentence_and_the_fix(incident, page):
    root = incident.findings[0]
    ids = Page(page).ids()
    assert ids.index("verdict") < ids.index("timeline") < ids.index("finding-1") < ids.index("inputs")
    verdict = page[page.index('id="verdict"') : page.index('id="timeline"')]
    assert "Root cause" in verdict and root.rule in verdict and ">high<" in verdict
    assert root.title in verdict
    assert html_prose(first_sentence(root.explanation)) in verdict
    assert "Fix" in verdict and html_prose(root.remediation) in verdict
    assert "<title>wsdiag: upgrade-headers-stripped (high)</title>" in page


def test_every_finding_is_an_expandable_section_with_explanation_fix_and_evidence(incident, page):
    parsed = Page(page)
    sections = [a for a in parsed.tags("details") if a.get("class", "").startswith("finding")]
    assert [s["id"] for s in sections] == [f"finding-{i}" for i in range(1, len(incident.findings) + 1)]
    assert "open" in sections[0] and all("open" not in s for s in sections[1:])
    for f in incident.findings:
        assert html_prose(f.explanation) in page and html_prose(f.remediation) in page
        for ev in f.evidence:
            assert f"{ev.path}:{ev.line}" in page
            assert f"<pre>{html_text(ev.text)}</pre>" in page


def test_evidence_shows_source_place_and_corrected_time(incident, page):
    backend = next(ev for f in incident.findings for ev in f.evidence if ev.source == "backend")
    assert backend.offset_ms == pytest.approx(1500, abs=50)
    # the backend logged 10:01:58 AM; on the proxy's clock that is 10:02:00
    assert "2026-11-25 10:02:00.077" in page and "clock +1.5 s" in page


def test_timeline_has_three_lanes_the_failure_window_and_the_connection_chart(incident, page):
    parsed = Page(page)
    svgs = [a.get("class") for a in parsed.tags("svg")]
    assert svgs.count("timeline") >= 1 and svgs.count("bars") >= 1
    timeline = page[
        page.index('<svg class="timeline"') : page.index("</svg>", page.index('<svg class="timeline"'))
    ]
    for lane in ("browser", "proxy", "backend"):
        assert f'class="lane-title" text-anchor="start">{lane}<' in timeline
    assert ">clock -3.2 s<" in timeline and ">clock +1.5 s<" in timeline
    assert "reference clock" in timeline
    assert 'class="window"' in timeline
    for label in ("failed upgrade", "ok", "other traffic"):
        assert f">{label}<" in timeline
    assert re.search(r"root cause window: upgrade-headers-stripped", page)


def test_inputs_table_lists_formats_offsets_and_skipped_files(page):
    inputs = page[page.index('id="inputs"') :]
    for path, fmt in ((PROXY_LOG, "traefik-clf"), (BACKEND_LOG, "nestjs"), (BROWSER_LOG, "chrome-console")):
        assert f">{path}<" in inputs and f">{fmt}<" in inputs
    assert "-3.2 s applied" in inputs and "+1.5 s applied" in inputs and "reference clock" in inputs
    assert "skipped: no known log format recognized" in inputs


def test_a_finding_links_to_the_whole_story_of_its_connections(incident, page):
    root = incident.findings[0]
    conn = next(ev.conn_id for ev in root.evidence if ev.conn_id)
    link = re.search(rf'<a class="conn" href="#(story-\d+)">connection {re.escape(conn)} ›</a>', page)
    assert link, "evidence links to its connection's story"
    start = page.index(f'id="{link.group(1)}"')
    story = page[start : page.index("</section>", start)]
    events = incident.events.filter(pl.col("conn_id") == conn)
    assert set(events["source"]) == {"proxy", "backend", "browser"}
    for line in events["line"]:
        assert f":{line}<" in story
    # in corrected time order: proxy handshake, backend error, proxy 400, browser failure
    lines = story[story.index('<table class="story-lines"') :]
    order = [
        lines.index(m) for m in ("transport=polling&amp;t=Phs", "TRANSPORT_MISMATCH", " 400 64 ", "failed:")
    ]
    assert order == sorted(order)
    assert '<svg class="sequence"' in story


def test_stories_are_capped_and_long_ones_keep_head_and_tail(incident):
    root = replace(incident.findings[0], connections=[f"c{i}" for i in range(200)], evidence=[])
    assert len(story_ids([root])) <= MAX_STORIES

    ingested = headers_stripped()
    poll = ingested.events.filter((pl.col("sid") == "Ses021-AbCdEfGhIjKlMn") & (pl.col("t") == "Plp0211"))
    polls = pl.concat(
        poll.with_columns(pl.col("ts") + pl.duration(seconds=25 * k), pl.col("line") + 10_000 + k)
        for k in range(1, 101)
    )
    longer = analysis_of(type(ingested)(pl.concat([ingested.events, polls]), ingested.inputs))
    (story,) = stories(longer, ["Ses021-AbCdEfGhIjKlMn"])
    total = longer.events.filter(pl.col("conn_id") == "Ses021-AbCdEfGhIjKlMn").height
    assert len(story.lines) == STORY_HEAD + STORY_TAIL and story.omitted == total - len(story.lines)
    assert f"… {story.omitted} event(s) in between not shown" in render_html(longer)


@pytest.mark.parametrize(
    "hostile",
    [SCRIPT, IMG, "<img src=x onerror=alert(1)>"],
    ids=["script-tag", "attribute-breakout", "img-onerror"],
)
def test_hostile_log_text_renders_as_text(page, hostile):
    assert hostile not in page
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert escaped in page


def test_the_page_holds_only_its_own_script_and_no_markup_from_logs(page):
    parsed = Page(page)
    assert len(parsed.tags("script")) == 1 and not parsed.tags("img") and not parsed.tags("iframe")
    handlers = [(t, k) for t, attrs in parsed.elements for k in attrs if k.startswith("on")]
    assert handlers == []


def test_no_external_urls_and_a_policy_that_allows_only_this_page(page):
    parsed = Page(page)
    for _, attrs in parsed.elements:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"{name}={value!r} leaves the page"
    style, script = "".join(parsed.blocks["style"]), "".join(parsed.blocks["script"])
    assert "url(" not in style and "@import" not in style
    policy = next(
        a["content"] for a in parsed.tags("meta") if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src '{digest(style)}'" in policy and f"script-src '{digest(script)}'" in policy


def test_secrets_are_masked_unless_redaction_is_off(page):
    assert SECRET not in page and "token=REDACTED" in page
    unredacted = render_html(outbound(analysis_of(headers_stripped(), redact=False)))
    assert f"token={SECRET}" in unredacted and "Not redacted" in unredacted


def test_the_same_analysis_renders_the_same_bytes(incident, page):
    assert render_html(incident) == page


def test_a_healthy_capture_says_so():
    incident = headers_stripped(hostile=False)
    before = incident.events.filter(pl.col("ts") < datetime(2026, 11, 25, 10, 1, 50, tzinfo=UTC))
    analysis = analysis_of(type(incident)(before, incident.inputs))
    assert analysis.findings == []
    page = render_html(analysis)
    assert "No failure signature found in these logs." in page
    assert f"{analysis.connections.height} ok" in page and 'class="timeline"' in page


def test_a_capture_without_events_or_times_still_renders():
    nothing = Ingested(
        empty_events(), [InputInfo("x.log", source="proxy", format="traefik-clf", unparsed_lines=3)]
    )
    page = render_html(analysis_of(nothing))
    assert "No failure signature found" in page and "No timestamped events to draw." in page

    incident = headers_stripped()
    undated = incident.events.with_columns(
        pl.lit(None, dtype=UTC_US).alias("ts"), pl.lit(None, dtype=UTC_US).alias("ts_end")
    )
    analysis = analysis_of(Ingested(undated, incident.inputs))
    page = render_html(analysis)
    assert analysis.findings and "No timestamped events to draw." in page
    assert f'id="finding-{len(analysis.findings)}"' in page and "no time" in page


def test_cli_writes_the_html_report(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(proxy_log(headers_stripped()), encoding="utf-8")
    out = tmp_path / "report.html"
    result = run("analyze", str(log), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "upgrade-headers-stripped" in page
    assert "access.log: traefik-clf (proxy)" in result.stderr
    assert SCRIPT not in page and SECRET not in page


def test_cli_html_to_stdout():
    result = run("analyze", "-", "--format", "html", input=proxy_log(headers_stripped()))
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")


def test_size_is_bounded_by_buckets_and_stories_not_by_events(large_report):
    assert large_report.stat().st_size < 1_000_000
    assert large_report.read_text(encoding="utf-8").count('class="story"') <= MAX_STORIES


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("One thing broke. Then another.", "One thing broke."),
        ("Set `a.b = 1. Then` first. Done.", "Set `a.b = 1. Then` first."),
        ("Times 10:00:00.123Z → 10:00:01.000Z. Next", "Times 10:00:00.123Z → 10:00:01.000Z."),
        ("No end", "No end"),
    ],
    ids=["plain", "period-in-code-span", "timestamps", "no-period"],
)
def test_first_sentence(text, sentence):
    assert first_sentence(text) == sentence


def test_prose_keeps_code_spans_and_escapes_the_rest():
    assert html_prose("Use `a<b>` & go.\n\nNext") == "<p>Use <code>a&lt;b&gt;</code> &amp; go.</p><p>Next</p>"


@pytest.mark.parametrize(
    ("span_ms", "count", "step"),
    [(120_000, 240, 500), (4 * 3600_000, 120, 120_000), (3_000, 240, 20), (40 * 86_400_000, 100, 43_200_000)],
)
def test_buckets_are_round_clock_steps(span_ms, count, step):
    assert nice_step(span_ms, count) == step


@pytest.mark.parametrize(
    ("ms", "text"), [(250, "250 ms"), (1520, "1.52 s"), (125_000, "2 min 5 s"), (3_900_000, "1 h 5 min")]
)
def test_durations_read_like_a_person_writes_them(ms, text):
    assert fmt_duration(ms) == text


# -- in a real browser --------------------------------------------------------------------------------

CHROMIUM = find_chromium()
#: CI sets this: there a missing browser is a failure, not a skip.
REQUIRE_BROWSER = os.environ.get("WSDIAG_REQUIRE_BROWSER") == "1"
browser = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_BROWSER,
    reason="no Chromium found (/usr/bin/chromium); install Debian's chromium: scripts/ensure-chromium.sh",
)


@pytest.fixture
def chromium(tmp_path):
    assert CHROMIUM is not None, (
        "WSDIAG_REQUIRE_BROWSER=1 but no Chromium found: run scripts/ensure-chromium.sh"
    )
    with Chromium(CHROMIUM, tmp_path / "profile", width=1400, height=1000) as session:
        yield session


@pytest.fixture(scope="module")
def large_report(tmp_path_factory) -> Path:
    """The HTML report of a generated 60,000-line Traefik capture."""
    from bench.generate import write

    folder = tmp_path_factory.mktemp("large")
    write(str(folder / "access.log"), 60_000, "clf")
    out = folder / "report.html"
    result = run("analyze", str(folder / "access.log"), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.browser
@browser
def test_browser_renders_verdict_and_timeline_without_errors(tmp_path, chromium, page):
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    chromium.open(report.as_uri())
    shot = chromium.screenshot(tmp_path / "report.png")
    assert chromium.problems() == []
    seen = chromium.evaluate(
        """JSON.stringify({
          verdict: document.querySelector('#verdict h1').innerText,
          verdictTop: document.querySelector('#verdict').getBoundingClientRect().top,
          timeline: document.querySelector('svg.timeline').getBoundingClientRect().height,
          marks: document.querySelectorAll('svg.timeline rect').length,
          bars: document.querySelectorAll('svg.bars rect').length,
          buttons: document.querySelectorAll('[data-toggle]:not([hidden])').length,
          injected: document.querySelectorAll('img, iframe, object, embed').length,
          scripts: document.scripts.length
        })"""
    )
    facts = json.loads(seen)
    assert (
        facts["verdict"]
        == "The WebSocket request reaches the backend without its Upgrade / Connection headers"
    )
    assert facts["verdictTop"] < 200
    assert facts["timeline"] > 200 and facts["marks"] > 50 and facts["bars"] > 20
    assert facts["buttons"] == 2, "the page's own script ran (its CSP hash matches)"
    assert facts["injected"] == 0 and facts["scripts"] == 1
    assert shot.stat().st_size > 20_000


@pytest.mark.browser
@browser
def test_browser_opens_a_connection_story_from_a_finding(tmp_path, chromium, page):
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    chromium.open(report.as_uri())
    chromium.evaluate("document.querySelector('#finding-1 a.conn').click()")
    state = chromium.evaluate(
        """(() => {
          const story = document.querySelector(location.hash);
          const box = story.getBoundingClientRect();
          return [location.hash, getComputedStyle(story).display, box.width, story.querySelectorAll('tbody tr').length];
        })()"""
    )
    hash_, display, width, rows = state
    assert hash_.startswith("#story-") and display == "block" and width > 1000 and rows >= 8
    chromium.screenshot(tmp_path / "story.png", full_page=False)
    chromium.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
    assert chromium.evaluate(f"getComputedStyle(document.querySelector('{hash_}')).display") == "none"
    assert chromium.problems() == []


@pytest.mark.browser
@browser
def test_browser_opens_a_large_capture_report_quickly(tmp_path, chromium, large_report):
    chromium.open(large_report.as_uri())
    load_ms = chromium.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    chromium.screenshot(tmp_path / "large.png")
    assert chromium.problems() == []
    assert load_ms < 3000, f"load took {load_ms:.0f} ms"


SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
SCENARIOS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()) if SAMPLES.is_dir() else []


@pytest.fixture(scope="module")
def shared_chromium(tmp_path_factory):
    assert CHROMIUM is not None, (
        "WSDIAG_REQUIRE_BROWSER=1 but no Chromium found: run scripts/ensure-chromium.sh"
    )
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("profile"), width=1400, height=1000) as session:
        yield session


@pytest.mark.browser
@browser
@pytest.mark.parametrize(
    "scenario", SCENARIOS or [pytest.param("-", marks=pytest.mark.skip("no sample_logs/"))]
)
def test_every_recorded_scenario_opens_offline_with_its_verdict_first(tmp_path, shared_chromium, scenario):
    analysis = analyze([str(SAMPLES / scenario)])
    report = tmp_path / f"{scenario}.html"
    report.write_text(render_html(analysis), encoding="utf-8")
    shared_chromium.open(report.as_uri())
    shared_chromium.screenshot(tmp_path / f"{scenario}.png")
    assert shared_chromium.problems() == []
    verdict = shared_chromium.evaluate("document.querySelector('#verdict h1').innerText")
    expected = (
        analysis.findings[0].title if analysis.findings else "No failure signature found in these logs."
    )
    assert verdict == expected
    assert (
        shared_chromium.evaluate("document.querySelector('svg.timeline').getBoundingClientRect().height")
        > 100
    )
    assert report.stat().st_size < 2_000_000


# -- for everyone: colour vision, phone width, what a healthy verdict rests on -------------------------

#: Machado, Oliveira & Fernandes (2009), severity 1.0: dichromat vision simulated in linear RGB.
VISIONS = {
    "typical": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}  # fmt: skip


def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(hex_colour: str, vision: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a colour as seen with ``vision``."""
    rgb = _linear(hex_colour)
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in VISIONS[vision]
    )
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
               0.0193 * r + 0.1192 * g + 0.9505 * b)  # fmt: skip

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@pytest.mark.parametrize("vision", list(VISIONS))
def test_outcome_colours_stay_apart_for_every_colour_vision(vision):
    from analyzer.report.svg import CATEGORIES

    colours = {name: colour for name, (_, colour) in CATEGORIES.items()}
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        distance = math.dist(_lab(ca, vision), _lab(cb, vision))
        # ΔE*ab 15: two marks a glance tells apart, even side by side as thin bars
        assert distance >= 15, f"{a} {ca} and {b} {cb} are {distance:.1f} apart for {vision}"


def test_outcome_colours_stand_out_on_white():
    from analyzer.report.svg import CATEGORIES

    for name, (_, colour) in CATEGORIES.items():
        luminance = sum(w * c for w, c in zip((0.2126, 0.7152, 0.0722), _linear(colour), strict=True))
        contrast = 1.05 / (luminance + 0.05)
        assert contrast >= (1.5 if name == "other" else 3.0), f"{name} {colour}: {contrast:.2f}:1"


def test_the_timeline_is_drawn_for_a_desktop_and_for_a_phone(page):
    parsed = Page(page)
    assert len(parsed.tags("svg")) >= 4
    wide = re.findall(r'<div class="wide-only"><svg class="(\w+)" viewBox="0 0 1200 ', page)
    narrow = re.findall(r'<div class="narrow-only"><svg class="(\w+)" viewBox="0 0 400 ', page)
    assert wide[:2] == narrow[:2] == ["timeline", "bars"]


def test_a_healthy_verdict_lists_what_was_checked():
    analysis = analyze([str(SAMPLES / "healthy-websocket")])
    page = render_html(analysis)
    skipped = {rule for rule, _ in analysis.not_concluded}
    ran = sorted(r.id for r in analysis.rules if r.id not in skipped)
    verdict = page.split('id="verdict"')[1].split("</section>")[0]
    assert f"Checked, none found ({len(ran)}):" in verdict
    assert re.findall(r'<span class="ok-mark">✓</span>([a-z-]+)</span>', verdict) == ran


def test_times_are_shown_in_the_display_zone():
    analysis = analyze([str(SAMPLES / "upgrade-headers-stripped")])
    utc, paris = render_html(analysis), render_html(analysis, tz="Europe/Paris")
    assert "Capture 2026-11-25 21:33:23" in utc and "Times are UTC on the corrected clock" in utc
    assert "Capture 2026-11-25 22:33:23" in paris and " CET (" in paris
    assert '<text x="' in paris and ">22:33:30</text>" in paris and ">21:33:30</text>" in utc
    # machine-readable times stay UTC
    assert re.search(r'<time datetime="2026-11-25T21:33:\d\d\.\d{3}Z">2026-11-25 22:33', paris)


@pytest.mark.browser
@browser
@pytest.mark.parametrize("width", [1280, 400])
def test_the_report_reads_at_desktop_and_phone_width(tmp_path, width):
    """Screenshots kept in the test's folder (report-1280.png, report-400.png) are looked at by a person."""
    analysis = analyze([str(SAMPLES / "traefik-priority-conflict")])
    report = tmp_path / "report.html"
    report.write_text(render_html(analysis), encoding="utf-8")
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path / "profile", width=width, height=900) as chromium:
        chromium.open(report.as_uri())
        chromium.screenshot(tmp_path / f"report-{width}.png")
        facts = json.loads(
            chromium.evaluate(
                """(() => {
                  const shown = [...document.querySelectorAll('#timeline svg.timeline')]
                    .filter(s => s.getBoundingClientRect().width > 0);
                  const svg = shown[0];
                  const tick = svg.querySelector('text.tick').getBoundingClientRect();
                  const lane = svg.querySelector('text.lane-title').getBoundingClientRect();
                  return JSON.stringify({
                    shown: shown.length,
                    viewBox: svg.getAttribute('viewBox').split(' ')[2],
                    width: svg.getBoundingClientRect().width,
                    tick: tick.height, lane: lane.height,
                    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                  });
                })()"""
            )
        )
        assert chromium.problems() == []
    assert facts["shown"] == 1
    assert facts["viewBox"] == ("1200" if width > 640 else "400")
    assert facts["width"] <= width
    # labels a person can read: 9 px text or more, at any width
    assert facts["tick"] >= 9 and facts["lane"] >= 9, facts
    assert facts["overflow"] == 0, "the page scrolls sideways"
