"""``wsdiag watch``: follow growing logs, keep a rolling window, say when a finding starts and clears.

The window holds the lines that arrived in the last ``--window`` (and at most ``max_lines`` lines and
``max_bytes`` bytes: the oldest go first), so memory is bounded however long it runs. Whenever new lines
arrived (or old ones left) and ``interval`` has passed, the window is analysed by ``analyzer.analysis``
exactly as ``wsdiag analyze`` reads files — each followed file is written under its own name in a private
temporary folder, so format detection and path hints (``traefik/access.log``) work the same — and the
findings at ``medium`` or above that nothing else explains are compared with the previous ones: a rule
that appears has *started*, one whose evidence has left the window has *cleared*.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

from analyzer.analysis import AnalyzeOptions, analyze
from analyzer.errors import NoInputError
from analyzer.findings import SEVERITY_RANK, Finding, rank
from analyzer.live.follow import Follower

#: How long the loop sleeps between two polls of the files.
POLL: Final = 0.25


@dataclass(frozen=True)
class WatchOptions:
    """``wsdiag watch`` options."""

    paths: tuple[str, ...]
    #: Seconds of lines the window keeps.
    window: float = 300.0
    #: Seconds between two analyses at most once.
    interval: float = 2.0
    max_lines: int = 200_000
    max_bytes: int = 256 * 1024 * 1024
    from_start: bool = False
    #: Stop after this many seconds (None: until interrupted, or standard input ends).
    duration: float | None = None
    #: Findings below this severity are not reported.
    min_severity: str = "medium"
    analyze: AnalyzeOptions = field(default_factory=AnalyzeOptions)


@dataclass
class Window:
    """The lines that arrived in the last ``seconds``, by arrival, within line and byte caps."""

    seconds: float
    max_lines: int = 200_000
    max_bytes: int = 256 * 1024 * 1024
    lines: deque[tuple[float, str, str]] = field(default_factory=deque)
    size: int = 0
    dropped: int = 0

    def add(self, path: str, texts: list[str], now: float) -> None:
        for text in texts:
            self.lines.append((now, path, text))
            self.size += len(text) + 1
        self._cap()

    def _cap(self) -> None:
        while self.lines and (len(self.lines) > self.max_lines or self.size > self.max_bytes):
            _, _, text = self.lines.popleft()
            self.size -= len(text) + 1
            self.dropped += 1

    def evict(self, now: float) -> int:
        """Drop lines older than the window; how many."""
        gone = 0
        while self.lines and self.lines[0][0] < now - self.seconds:
            _, _, text = self.lines.popleft()
            self.size -= len(text) + 1
            gone += 1
        return gone

    def by_path(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for _, path, text in self.lines:
            out.setdefault(path, []).append(text)
        return out


@dataclass(frozen=True)
class Change:
    """A finding that started or cleared."""

    kind: Literal["started", "cleared"]
    at: datetime
    finding: Finding
    #: For a cleared finding: seconds it was active.
    lasted: float | None = None


@dataclass
class Tracker:
    """Which rules are active, and since when."""

    min_severity: str = "medium"
    active: dict[str, tuple[Finding, datetime]] = field(default_factory=dict)

    def update(self, findings: list[Finding], now: datetime) -> list[Change]:
        floor = SEVERITY_RANK[self.min_severity]
        current = {
            f.rule: f for f in rank(findings) if not f.explained_by and SEVERITY_RANK[f.severity] >= floor
        }
        changes = []
        for rule, finding in current.items():
            if rule not in self.active:
                changes.append(Change("started", now, finding))
                self.active[rule] = (finding, now)
            else:
                self.active[rule] = (finding, self.active[rule][1])
        for rule in [r for r in self.active if r not in current]:
            finding, since = self.active.pop(rule)
            changes.append(Change("cleared", now, finding, (now - since).total_seconds()))
        return changes


def _names(paths: list[str]) -> dict[str, Path]:
    """A relative name in the temporary folder for each followed path (its folder and file name)."""
    out: dict[str, Path] = {}
    used: set[Path] = set()
    for path in paths:
        p = Path(path)
        rel = Path("stdin") / "stdin.log" if path == "-" else Path(p.parent.name or "logs") / p.name
        n = 1
        base = rel
        while rel in used:
            n += 1
            rel = base.parent.with_name(f"{base.parent.name}-{n}") / base.name
        used.add(rel)
        out[path] = rel
    return out


def analyze_window(
    window: Window, names: dict[str, Path], workdir: Path, options: AnalyzeOptions
) -> list[Finding]:
    """Run the analysis on the window's lines as ``wsdiag analyze`` reads files."""
    for child in workdir.iterdir():
        shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()
    written: dict[str, str] = {}
    for path, texts in window.by_path().items():
        rel = names[path]
        target = workdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(texts) + "\n", encoding="utf-8")
        written[str(rel)] = path
    if not written:
        return []
    try:
        analysis = analyze([str(workdir)], options)
    except NoInputError:
        return []
    findings = []
    for f in analysis.findings:
        evidence = [replace(e, path=_original(e.path, written)) for e in f.evidence]
        findings.append(replace(f, evidence=evidence))
    return findings


def _original(path: str, written: dict[str, str]) -> str:
    for rel, original in written.items():
        if path == rel or path.endswith("/" + rel):
            return original
    return path


def watch(
    options: WatchOptions,
    emit: Callable[[Change], None],
    *,
    notes: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Change]:
    """Follow ``options.paths`` until ``duration`` passes, standard input ends, or an interrupt."""
    follower = Follower(list(options.paths), from_start=options.from_start)
    window = Window(options.window, options.max_lines, options.max_bytes)
    tracker = Tracker(options.min_severity)
    names = _names(list(options.paths))
    started = clock()
    last_analysis = -1e9
    dirty = False
    changes: list[Change] = []
    shown_notes = 0
    workdir = Path(tempfile.mkdtemp(prefix="wsdiag-watch-"))
    try:
        while True:
            now = clock()
            for path, lines in follower.poll().items():
                window.add(path, lines, now)
                dirty = True
            if window.evict(now):
                dirty = True
            if notes:
                for note in follower.notes[shown_notes:]:
                    notes(note)
                shown_notes = len(follower.notes)
            finishing = (options.duration is not None and now - started >= options.duration) or (
                follower.stdin_done and all(p == "-" for p in options.paths)
            )
            if dirty and (now - last_analysis >= options.interval or finishing):
                found = analyze_window(window, names, workdir, options.analyze)
                for change in tracker.update(found, datetime.now(UTC)):
                    changes.append(change)
                    emit(change)
                last_analysis, dirty = now, False
            if finishing:
                return changes
            time.sleep(POLL)
    finally:
        follower.close()
        shutil.rmtree(workdir, ignore_errors=True)
