"""Where a report goes: the pager only on a terminal (run under a pseudo-terminal), colour as asked,
plain text to pipes and files."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from analyzer.report.output import DEFAULT_PAGER, pager_command
from tests.terminal import clean_env, on_terminal, piped

SCENARIO = "sample_logs/traefik-priority-conflict"
TITLE = "Socket.IO handshakes are routed to a service that does not serve"
#: An escape sequence that sets a colour (bold or dim alone are not colour).
COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)m")


@pytest.fixture
def pager(tmp_path: Path) -> tuple[str, Path]:
    """A $PAGER that keeps what it was given in a file, so the test sees whether it ran."""
    kept = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(kept)!r}, 'w').write(sys.stdin.read())\n")
    return f"{sys.executable} {script}", kept


def test_long_output_on_a_terminal_goes_through_the_pager(pager):
    command, kept = pager
    run = on_terminal("analyze", SCENARIO, "-vv", rows=24, env=clean_env(PAGER=command))
    assert run.code == 0, run.stderr
    assert kept.is_file(), run.screen[:500]
    assert TITLE in kept.read_text()
    assert TITLE not in run.screen  # the pager showed it, not wsdiag


def test_the_pager_gets_the_colours_the_terminal_would(pager):
    command, kept = pager
    on_terminal("analyze", SCENARIO, "-v", rows=24, env=clean_env(PAGER=command))
    assert COLOUR.search(kept.read_text())


def test_output_that_fits_the_screen_is_not_paged(pager):
    command, kept = pager
    run = on_terminal("analyze", SCENARIO, rows=50, env=clean_env(PAGER=command))
    assert not kept.exists()
    assert TITLE in run.screen


def test_no_pager_prints_long_output_directly(pager):
    command, kept = pager
    run = on_terminal("analyze", SCENARIO, "-vv", "--no-pager", rows=24, env=clean_env(PAGER=command))
    assert not kept.exists()
    assert TITLE in run.screen


def test_piped_output_is_never_paged_and_has_no_terminal_codes(pager):
    command, kept = pager
    run = piped("analyze", SCENARIO, "-vv", env=clean_env(PAGER=command))
    assert run.code == 0
    assert not kept.exists()
    assert TITLE in run.screen and "\x1b" not in run.screen


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, (), True),
        ({"NO_COLOR": "1"}, (), False),
        ({}, ("--color", "never"), False),
        ({"NO_COLOR": "1"}, ("--color", "always"), True),
    ],
    ids=["terminal", "NO_COLOR", "color-never", "color-always-beats-NO_COLOR"],
)
def test_colour_on_a_terminal(env, args, coloured):
    run = on_terminal("analyze", SCENARIO, *args, rows=60, env=clean_env(**env))
    assert TITLE in re.sub(r"\x1b\[[0-9;]*m", "", run.screen)
    assert bool(COLOUR.search(run.screen)) == coloured


def test_color_always_colours_a_pipe_too():
    run = piped("analyze", SCENARIO, "--color", "always")
    assert COLOUR.search(run.screen)


def test_the_verdict_uses_the_terminal_width():
    run = on_terminal("analyze", SCENARIO, rows=60, cols=100)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", run.screen).splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any(len(line) > 80 for line in lines)


@pytest.mark.parametrize(
    ("pager_env", "expected"),
    [(None, DEFAULT_PAGER), ("more", "more"), ("", None), ("cat", None)],
    ids=["default-less", "PAGER", "empty-disables", "cat-disables"],
)
def test_which_pager(monkeypatch, pager_env, expected):
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    if pager_env is None:
        monkeypatch.delenv("PAGER", raising=False)
    else:
        monkeypatch.setenv("PAGER", pager_env)
    assert pager_command() == expected
