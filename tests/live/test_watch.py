"""``wsdiag watch``: following files like ``tail -F`` (rotation, truncation, partial and runaway lines), the
rolling window, the start/clear tracker, and the whole command on a recorded Traefik access log."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.findings import Finding
from analyzer.live.follow import MAX_LINE, Follower
from analyzer.live.watch import Tracker, WatchOptions, Window, watch

ROOT = Path(__file__).resolve().parents[2]
ACCESS = ROOT / "sample_logs" / "traefik-priority-conflict" / "traefik" / "access.log"
HEALTHY = ROOT / "sample_logs" / "healthy-deploy-noise" / "traefik" / "access.log"


def lines(follower: Follower) -> list[str]:
    return [line for got in follower.poll().values() for line in got]


def test_new_lines_only_by_default(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("old 1\nold 2\n")
    follower = Follower([str(log)])
    assert lines(follower) == []
    with log.open("a") as fh:
        fh.write("new 1\nnew")
    assert lines(follower) == ["new 1"]  # the unfinished line waits for its newline
    with log.open("a") as fh:
        fh.write(" 2\n")
    assert lines(follower) == ["new 2"]
    assert lines(Follower([str(log)], from_start=True)) == ["old 1", "old 2", "new 1", "new 2"]


def test_rotation_by_rename_reads_the_old_file_to_its_end(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("")
    follower = Follower([str(log)])
    with log.open("a") as fh:
        fh.write("a\n")
        fh.flush()
        assert lines(follower) == ["a"]
        log.rename(tmp_path / "access.log.1")  # logrotate's create: rename, then a new file
        fh.write("b written after the rename\n")
    assert lines(follower) == ["b written after the rename"]  # the name is gone: keep the old file
    log.write_text("c in the new file\n")
    assert lines(follower) == ["c in the new file"]
    with log.open("a") as fh:
        fh.write("d\n")
    assert lines(follower) == ["d"]


def test_copytruncate_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("one\ntwo\n")
    follower = Follower([str(log)], from_start=True)
    assert lines(follower) == ["one", "two"]
    with log.open("r+") as fh:
        fh.truncate(0)
    with log.open("a") as fh:
        fh.write("x\n")
    assert lines(follower) == ["x"]


def test_a_file_that_appears_later_is_read_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    follower = Follower([str(log)])
    assert lines(follower) == []
    assert follower.notes == [f"{log}: does not exist yet; waiting for it"]
    log.write_text("first\n")
    assert lines(follower) == ["first"]


def test_runaway_line_is_cut(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("")
    follower = Follower([str(log)])
    with log.open("a") as fh:
        fh.write("y" * (MAX_LINE + 10))
    assert lines(follower) == ["y" * MAX_LINE]
    with log.open("a") as fh:
        fh.write("z" * 100 + "\nnext\n")
    assert lines(follower) == ["next"]  # the rest of the runaway line is dropped


def test_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    follower = Follower([str(fifo)])
    assert lines(follower) == []
    assert any("not a regular file" in n for n in follower.notes)


def test_window_evicts_by_time_and_caps() -> None:
    window = Window(seconds=10, max_lines=3)
    window.add("a", ["1", "2"], now=0)
    window.add("b", ["3"], now=5)
    assert window.evict(now=12) == 2
    assert window.by_path() == {"b": ["3"]}
    window.add("b", ["4", "5", "6"], now=13)
    assert [t for _, _, t in window.lines] == ["4", "5", "6"] and window.dropped == 1


def test_tracker_starts_and_clears() -> None:
    tracker = Tracker()
    t0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    wrong = Finding("handshake-wrong-router", "t", "critical", 3, "e", "r")
    low = Finding("reconnect-storm", "t", "low", 3, "e", "r")
    assert [(c.kind, c.finding.rule) for c in tracker.update([wrong, low], t0)] == [
        ("started", "handshake-wrong-router")
    ]
    assert tracker.update([wrong], t0 + timedelta(seconds=5)) == []
    cleared = tracker.update([], t0 + timedelta(seconds=65))
    assert [(c.kind, c.lasted) for c in cleared] == [("cleared", 65.0)]


def _feed(target: Path, source: Path, *, delay: float) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        with target.open("a") as fh:
            fh.write(source.read_text())

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_watch_names_the_fault_then_clears_it(tmp_path: Path) -> None:
    """A recorded Traefik access log appended to a followed file: the finding starts; once its lines
    have left the window and healthy traffic came in, it clears."""
    log = tmp_path / "traefik" / "access.log"
    log.parent.mkdir()
    log.write_text("")
    changes = []
    feeder = _feed(log, ACCESS, delay=0.5)
    healthy = _feed(log, HEALTHY, delay=4.5)
    options = WatchOptions(paths=(str(log),), window=3.0, interval=0.5, duration=7.5)
    watch(options, changes.append)
    feeder.join()
    healthy.join()
    assert [(c.kind, c.finding.rule) for c in changes] == [
        ("started", "handshake-wrong-router"),
        ("cleared", "handshake-wrong-router"),
    ]
    started = changes[0].finding
    assert any(e.path == str(log) for e in started.evidence)


def test_watch_stdin_jsonl() -> None:
    result = CliRunner().invoke(
        cli, ["watch", "-", "--format", "jsonl", "--interval", "0.2s"], input=ACCESS.read_text()
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["event"], r["rule"]) for r in records] == [("started", "handshake-wrong-router")]
    assert records[0]["finding"]["remediation"]


def test_watch_fail_on() -> None:
    result = CliRunner().invoke(cli, ["watch", "-", "--fail-on", "high"], input=ACCESS.read_text())
    assert result.exit_code == 1
    assert "started  handshake-wrong-router (critical)" in result.stdout
