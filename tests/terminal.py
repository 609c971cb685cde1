"""Run wsdiag on a pseudo-terminal, as a person at a terminal would (standard library ``pty`` only)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[1]


@dataclass
class Run:
    """What the terminal showed, what went to stderr, and the exit code."""

    screen: str
    stderr: str
    code: int


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the variables that would fix width, height, colour or pager from outside."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "PAGER", "LESS", "TERM")
    }
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def on_terminal(*args: str, rows: int = 24, cols: int = 80, env: dict[str, str] | None = None) -> Run:
    """``python -m analyzer ARGS`` with stdin and stdout on a ``rows`` x ``cols`` pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", *args],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env or clean_env(),
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the last process holding the terminal is gone
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    code = proc.wait()
    return Run(b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n"), stderr, code)


def piped(*args: str, env: dict[str, str] | None = None) -> Run:
    """``python -m analyzer ARGS`` with stdout to a pipe."""
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Run(proc.stdout, proc.stderr, proc.returncode)
