"""Where a report goes and how it looks there: the options every report command shares, the terminal
(colour, width, pager), files, and the one-line notes on stderr.

A report on a terminal is for a person: colour unless ``--color never`` or ``NO_COLOR``, the terminal's
width, and a pager (``$PAGER``, else ``less -FRX``) when it is longer than the screen. Piped or written
with ``-o`` it is plain text at a fixed width (``COLUMNS`` or 120), never paged, so scripts and tickets
get the same bytes every time.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Callable

    from analyzer.findings import Severity

ColorMode = Literal["auto", "always", "never"]
COLOR_MODES: Final[tuple[ColorMode, ...]] = ("auto", "always", "never")
#: Width of text that does not go to a terminal (pipes, ``-o`` files), unless ``COLUMNS`` says otherwise.
FILE_WIDTH: Final = 120
#: What runs when ``$PAGER`` is not set: quit when the text fits one screen, keep colours, keep the screen.
DEFAULT_PAGER: Final = "less -FRX"


@dataclass(frozen=True)
class OutputOptions:
    """How and where a command writes its report (``--format``, ``-o``, ``-v``/``-q``, ``--color``, …)."""

    #: The format asked for; None: the command's default (text on a terminal).
    fmt: str | None = None
    output: Path | None = None
    #: -1 with ``-q``; 0 the verdict; 1 (``-v``) adds the evidence; 2 (``-vv``) everything.
    verbosity: int = 0
    color: ColorMode = "auto"
    #: Page long text on a terminal (``--no-pager`` turns it off).
    pager: bool = True
    #: Open the HTML report in the browser once written (``--open``).
    open: bool = False
    fail_on: Severity | None = None
    #: Zone the human formats show times in (``--tz``); JSON stays UTC.
    tz: str = "UTC"

    @property
    def quiet(self) -> bool:
        """``-q``: nothing on stderr but errors."""
        return self.verbosity < 0


def stdout_console(color: ColorMode = "auto", *, width: int | None = None) -> Console:
    """A console for stdout: the terminal's width on a terminal, else ``COLUMNS`` or 120 columns."""
    tty = sys.stdout.isatty()
    if width is None and not tty:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else FILE_WIDTH
    if color == "never":
        return Console(highlight=False, width=width, color_system=None)
    if color == "always":
        console = Console(highlight=False, width=width, force_terminal=True, no_color=False)
        if console.color_system is None:  # TERM=dumb or unset: colours were asked for explicitly
            console = Console(
                highlight=False, width=width, force_terminal=True, no_color=False, color_system="standard"
            )
        return console
    # auto: rich follows NO_COLOR, FORCE_COLOR and TERM; colour only on a terminal
    return Console(highlight=False, width=width, soft_wrap=False)


def stderr_console(color: ColorMode = "auto") -> Console:
    """A console for notes on stderr (long lines are not cut: they carry paths)."""
    if color == "never":
        return Console(stderr=True, highlight=False, soft_wrap=True, color_system=None)
    return Console(stderr=True, highlight=False, soft_wrap=True, force_terminal=color == "always" or None)


def plain_text(render: Callable[[Console], None], width: int = FILE_WIDTH) -> str:
    """What ``render`` prints, as plain text at ``width`` columns without trailing blanks (files, tests)."""
    buffer = io.StringIO()
    render(Console(file=buffer, width=width, color_system=None, soft_wrap=False, highlight=False))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def emit_text(render: Callable[[Console], None], options: OutputOptions, *, width: int | None = None) -> None:
    """Run ``render`` for the ``-o`` file (plain text), or stdout: paged on a terminal when long.

    ``width`` replaces the default width of text that does not go to a terminal.
    """
    if options.output is not None:
        write_data(plain_text(render, width or FILE_WIDTH), options)
        return
    console = stdout_console(options.color, width=None if sys.stdout.isatty() else width)
    tty = sys.stdout.isatty()
    if not tty and console.color_system is None:
        sys.stdout.write(plain_text(render, console.width))
        return
    with console.capture() as captured:
        render(console)
    text = captured.get()
    if not (options.pager and tty and text.count("\n") >= console.height and page(text)):
        sys.stdout.write(text)
        sys.stdout.flush()


def pager_command() -> str | None:
    """The pager to run: ``$PAGER`` (empty or ``cat``: none), else ``less -FRX`` when installed."""
    command = os.environ.get("PAGER")
    if command is None:
        return DEFAULT_PAGER if shutil.which("less") else None
    command = command.strip()
    return None if command in ("", "cat") else command


def page(text: str) -> bool:
    """Show ``text`` through the pager; False when there is none to run (the caller prints it)."""
    command = pager_command()
    if command is None:
        return False
    env = dict(os.environ)
    # a bare `less` in $PAGER still keeps colours and exits on short text, as git arranges it
    env.setdefault("LESS", "FRX")
    try:
        # $PAGER is a shell command line by convention (git, man): flags, pipes, quotes
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before the end: not an error
    proc.wait()
    return True


def write_data(data: str | bytes, options: OutputOptions, *, what: str = "report") -> None:
    """Write a finished document to ``-o`` (and say so on stderr) or to stdout."""
    if options.output is not None:
        if isinstance(data, bytes):
            options.output.write_bytes(data)
        else:
            options.output.write_text(data, encoding="utf-8")
        announce(options.output, options, what=what)
        return
    if isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)


def announce(path: Path, options: OutputOptions, *, what: str = "report") -> None:
    """``report written to PATH`` on stderr, unless ``-q``."""
    if not options.quiet:
        print(f"{what} written to {path}", file=sys.stderr)
