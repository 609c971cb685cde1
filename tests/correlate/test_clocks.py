"""Clock alignment (analyzer/correlate/clocks.py) on recorded captures handled the way tickets handle them:
files copied later (their modification time is not their date), a second proxy's log, a clock far off,
offsets set by hand.

The skewed copies below move the timestamps of recorded lines by a fixed amount, as a skewed machine
clock would have written them (the harness's own clock-skew.js does the same to a live Node process);
every other byte of each line is as recorded.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.analysis import AnalyzeOptions, analyze
from analyzer.correlate.clocks import ClockOptions, _median, _quantile
from analyzer.errors import UsageError
from tests.conftest import run

SAMPLES = Path(__file__).parents[2] / "sample_logs"
DEPLOY = SAMPLES / "healthy-deploy-noise"  # backend 2 s ahead, console exports 7 s behind (its README)
YEAR_LATER = datetime(2027, 11, 30, 9, 0, tzinfo=UTC).timestamp()


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def offsets(result, pattern: str) -> list[float]:
    return [i.clock_offset_ms for i in result.inputs if re.search(pattern, i.path) and i.aligned]


def test_console_exports_copied_a_year_later_take_their_date_from_the_capture(tmp_path):
    """A ticket's attachments lose the DevTools save time from their names and carry the day they were
    copied: the exports are dated by the proxy and backend logs instead (370 days earlier), their 7 s skew
    is still recovered, and the verdict says the date was replaced."""
    folder = copy(DEPLOY, tmp_path)
    for i, export in enumerate(sorted((folder / "browser").glob("chat.localhost-*.log"))):
        renamed = export.with_name(f"console-tab{i + 1}.log")
        export.rename(renamed)
        os.utime(renamed, (YEAR_LATER, YEAR_LATER))
    result = analyze([str(folder)])
    consoles = [i for i in result.inputs if "console-tab" in i.path]
    assert consoles and all(i.aligned for i in consoles)
    assert all(i.clock_offset_ms == pytest.approx(7000, abs=250) for i in consoles), consoles
    assert any(
        w.startswith("the chrome-console files in browser/: the date") and "369 day(s) earlier" in w
        for w in result.clock_warnings
    ), result.clock_warnings
    days = {ts.date() for ts in result.events.filter(result.events["file"].str.contains("console-tab"))["ts"]}
    assert days == {datetime(2026, 11, 25).date()}
    for f in result.findings:
        assert f.first_seen is None or f.last_seen is None or f.last_seen - f.first_seen < timedelta(hours=1)


def test_a_second_proxy_sharing_only_urls_is_not_moved(tmp_path):
    """Two proxies' access logs from two captures share URLs (/api/health, /socket.io/?EIO=4…) but no
    request: neither may be shifted onto the other, and the report says the second stays as written."""
    (tmp_path / "proxy-a").mkdir()
    (tmp_path / "proxy-b").mkdir()
    shutil.copy(SAMPLES / "ping-timeout" / "traefik" / "access.log", tmp_path / "proxy-a" / "access.log")
    shutil.copy(SAMPLES / "stuck-on-polling" / "traefik" / "access.log", tmp_path / "proxy-b" / "access.log")
    result = analyze([str(tmp_path)])
    by_path = {i.path: i for i in result.inputs}
    moved = [i for i in by_path.values() if i.aligned and not i.clock_reference]
    assert moved == []
    other = next(i for i in by_path.values() if not i.clock_reference)
    assert other.clock_offset_ms == 0 and any("no event shared" in n for n in other.notes)
    assert result.clock_warnings == []


def shift_clf(text: str, seconds: int) -> str:
    """CLF times moved by ``seconds`` (``[25/Nov/2026:21:35:20 +0000]``)."""

    def moved(m: re.Match[str]) -> str:
        ts = datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z") + timedelta(seconds=seconds)
        return f"[{ts:%d/%b/%Y:%H:%M:%S %z}]"

    return re.sub(r"\[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]", moved, text)


def test_a_second_proxy_is_moved_on_shared_requests_and_the_verdict_says_so(tmp_path):
    """Half of the requests also logged by a second proxy whose clock runs 44 s behind: the shared `t`
    values are strong evidence, the log is moved by +44 s, and the verdict says so."""
    folder = copy(SAMPLES / "ping-timeout", tmp_path)
    (folder / "edge").mkdir()
    lines = (folder / "traefik" / "access.log").read_text().splitlines(keepends=True)
    (folder / "edge" / "access.log").write_text(shift_clf("".join(lines[: len(lines) // 2]), -44))
    result = analyze([str(folder)])
    edge = next(i for i in result.inputs if i.path == "edge/access.log")
    assert edge.aligned and edge.clock_offset_ms == pytest.approx(44_000, abs=250)
    assert any(re.match(r"edge/access.log was shifted by \+4[34]\.\d s", w) for w in result.clock_warnings)


def shift_iso(text: str, minutes: int) -> str:
    def moved(m: re.Match[str]) -> str:
        ts = datetime.strptime(m.group(0), "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(minutes=minutes)
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    return re.sub(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", moved, text, flags=re.M)


def test_a_clock_fifteen_minutes_off_is_corrected_and_said_in_the_verdict(tmp_path):
    folder = copy(SAMPLES / "ping-timeout", tmp_path)
    log = folder / "backend" / "chat.log"
    log.write_text(shift_iso(log.read_text(), 15))
    result = analyze([str(folder)])
    assert offsets(result, r"^backend/chat\.log$") == [pytest.approx(-900_000, abs=250)]
    assert any(w.startswith("backend/chat.log was shifted by -15.0 min") for w in result.clock_warnings)
    assert result.findings[0].rule == "ping-timeout"


def test_clock_set_by_hand_and_no_align():
    fixed = analyze(
        [str(DEPLOY)], AnalyzeOptions(clock=ClockOptions(fixed=(("backend/chat-blue.log", -1500.0),)))
    )
    assert offsets(fixed, r"^backend/chat-(blue|green)\.log$") == [-1500.0, -1500.0]
    assert any(
        "set by --clock" in n for i in fixed.inputs if i.path == "backend/chat-blue.log" for n in i.notes
    )
    raw = analyze([str(DEPLOY)], AnalyzeOptions(clock=ClockOptions(align=False)))
    assert {i.clock_offset_ms for i in raw.inputs if i.source not in (None, "config")} == {0.0}
    with pytest.raises(UsageError, match=r"--clock nope\.log: not one of the inputs"):
        analyze([str(DEPLOY)], AnalyzeOptions(clock=ClockOptions(fixed=(("nope.log", 1.0),))))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("backend/chat-blue.log=+2.3s", None),
        ("backend/chat-blue.log=250ms", None),
        ("chat-blue", "FILE=±SECONDS"),
    ],
    ids=["seconds", "milliseconds", "no value"],
)
def test_clock_option_on_the_command_line(value, message):
    result = run("analyze", str(DEPLOY), "--clock", value, "--format", "json")
    if message:
        assert result.exit_code == 2 and message in result.stderr
    else:
        assert result.exit_code == 0, result.stderr


def test_url_votes_pair_only_inputs_that_urls_may_move():
    """URL-only pairs are built for the inputs they may still move (not proxies, not aligned): among
    thousands of access logs sharing `/` and `/favicon.ico`, a self-join of every log with every other was
    quadratic (20,000 small files: 250 s and 15 GB in this one join). The pairs kept for a movable input
    are those the whole join gives it."""
    from analyzer.correlate.clocks import pairs
    from analyzer.correlate.keys import input_label
    from analyzer.ingest import load

    events = load([str(SAMPLES / "healthy-deploy-noise")]).events.with_columns(input_label().alias("_input"))
    names = sorted(set(events["_input"].to_list()))
    movable = {n for n in names if "backend" in n}
    assert movable and len(movable) < len(names)
    whole = pairs(events, fuzzy=True)
    some = pairs(events, fuzzy=True, movable=movable)
    mine = some.filter(some["input"].is_in(list(movable))).sort(["input", "input_r", "t_l", "t_r"])
    expected = whole.filter(whole["input"].is_in(list(movable))).sort(["input", "input_r", "t_l", "t_r"])
    assert mine.height > 0 and mine.equals(expected)
    assert (
        some.filter(~some["input"].is_in(list(movable)) & ~some["input_r"].is_in(list(movable))).height == 0
    )


@given(
    st.lists(
        st.one_of(
            st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
            st.integers(min_value=-100_000, max_value=100_000).map(float),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_the_offset_statistics_are_polars_own_to_the_last_bit(values: list[float]) -> None:
    """The offset of a window's few hundred pairs is computed in Python: its median and quartiles must be
    exactly the ones polars gives (the scan's per-window offsets were polars', and reports print them)."""
    series = pl.Series(values, dtype=pl.Float64)
    assert _median(values) == series.median()
    for q in (0.25, 0.75):
        assert _quantile(values, q) == series.quantile(q)
