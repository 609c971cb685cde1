"""What ``wsdiag scan`` shows on stderr while it runs: a progress bar on a terminal, nothing otherwise.

After the run: the inputs that could not be read (always, unless ``--quiet``) and, on a terminal, one line
with the throughput.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from analyzer.report.inputs import describe_inputs
from analyzer.report.safe import printable

if TYPE_CHECKING:
    from rich.progress import Task

    from analyzer.scan.pipeline import ScanResult


#: Inputs with problems listed on stderr at most (the report lists them all).
_SHOWN = 10


class _LinesPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        lines = task.fields.get("lines", 0)
        rate = lines / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate / 1e6:.2f} M lines/s" if rate >= 1e5 else f"{rate:,.0f} lines/s", style="cyan")


class ScanProgress:
    """Implements the pipeline's ``Progress`` protocol with a rich progress bar (or silently)."""

    def __init__(self, *, enabled: bool = True, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self._bar: RichProgress | None = None
        self._task: Any = None
        self._name = ""
        self._count = self._total = self._lines = self._bytes = self._total_bytes = 0
        self._started = time.perf_counter()
        self.elapsed = 0.0

    def __enter__(self) -> ScanProgress:
        self._started = time.perf_counter()
        if self.enabled:
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                _LinesPerSecond(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self._started
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def phase(self, name: str, *, total: int, total_bytes: int = 0) -> None:
        if self._bar is None:
            return
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._name, self._total, self._total_bytes = name, total, total_bytes
        self._count = self._lines = self._bytes = 0
        # files advance the bar by their size (the ETA follows the data), windows one by one
        self._task = self._bar.add_task(self._describe(), total=total_bytes or total, lines=0)

    def advance(self, *, done: int = 1, nbytes: int = 0, lines: int = 0) -> None:
        if self._bar is None or self._task is None:
            return
        self._count += done
        self._lines += lines
        self._bytes += nbytes
        step = nbytes if self._total_bytes else done
        self._bar.update(self._task, advance=step, lines=self._lines, description=self._describe())

    def _describe(self) -> str:
        unit = "files" if self._total_bytes else "windows"
        text = f"{self._name:<8} {self._count}/{self._total} {unit}"
        if self._total_bytes:
            text += f", {self._bytes / 1e6:,.0f}/{self._total_bytes / 1e6:,.0f} MB"
        return text


def print_scan_summary(
    result: ScanResult, *, elapsed: float, quiet: bool, console: Console | None = None
) -> None:
    """Inputs with problems (unless quiet), and on a terminal one line of throughput."""
    if quiet:
        return
    console = console or Console(stderr=True, highlight=False, soft_wrap=True)
    for note in result.stats.cache_notes:
        console.print(f"[yellow]{escape(printable(note))}[/]")
    problems = [info for info in result.inputs if info.error or info.notes]
    for described in describe_inputs(problems[:_SHOWN]):
        console.print(f"[yellow]{escape(described)}[/]")
    if len(problems) > _SHOWN:
        console.print(
            f"[yellow]… and {len(problems) - _SHOWN} more input(s) with problems (see the report)[/]"
        )
    if console.is_terminal:
        s = result.stats
        rate = s.lines / elapsed if elapsed > 0 else 0.0
        console.print(
            f"scanned {s.files} file(s) ({s.cached} from the cache), {s.lines:,} lines in {elapsed:.1f} s "
            f"({rate:,.0f} lines/s; "
            + ", ".join(f"{name} {secs:.1f} s" for name, secs in s.seconds.items())
            + f"), {s.windows} window(s) ({s.windows_cached} from the cache), {len(result.incidents)} incident(s)",
            style="dim",
        )
