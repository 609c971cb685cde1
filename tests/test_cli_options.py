"""The command-line habits users bring: -V, -q/-v, --open, time options, completion, one options object."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import analysis_options, cli, output_options
from tests.conftest import run
from tests.terminal import clean_env, on_terminal

ROOT = Path(__file__).parents[1]
SCENARIO = str(ROOT / "sample_logs/upgrade-headers-stripped")


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    result = run(flag)
    assert result.exit_code == 0 and result.stdout.startswith("wsdiag, version ")


def test_analyze_and_scan_receive_one_options_value_per_group():
    """The shared decorators build the values; a command sees no loose option parameters."""
    seen = {}

    @click.command()
    @analysis_options
    @output_options(("text", "json"), default=None, report=True, fail_on=True)
    def probe(options, output):
        seen.update(options=options, output=output)

    result = CliRunner().invoke(
        probe,
        ["--tz", "Europe/Paris", "--since", "2026-11-25 10:00", "--until", "2026-11-25T12:00:00Z",
         "--only", "ping-timeout", "--no-redact", "-vv", "--color", "never", "--fail-on", "high", "-o", "r.txt"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    options, output = seen["options"], seen["output"]
    assert options.read.tz == "Europe/Paris" and options.only == ("ping-timeout",) and not options.redact
    assert options.since == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert options.until == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert (output.verbosity, output.color, output.fail_on, str(output.output)) == (
        2,
        "never",
        "high",
        "r.txt",
    )
    assert output.tz == "Europe/Paris"


def test_since_as_a_duration_counts_back_from_now():
    seen = {}

    @click.command()
    @analysis_options
    def probe(options):
        seen["options"] = options

    before = datetime.now(UTC)
    CliRunner().invoke(probe, ["--since", "1h30m"], catch_exceptions=False)
    assert before - timedelta(minutes=90, seconds=5) < seen["options"].since <= before - timedelta(minutes=89)


def test_since_and_until_filter_the_analysis():
    window = ["--since", "2026-11-25T22:33:28+01:00", "--until", "2026-11-25T21:33:29Z", "--format", "json"]
    whole = json.loads(run("analyze", SCENARIO, "--format", "json").stdout)
    part = json.loads(run("analyze", SCENARIO, *window).stdout)
    assert 0 < part["summary"]["events"] < whole["summary"]["events"]


def test_a_window_that_leaves_nothing_says_so():
    out = run("analyze", SCENARIO, "--since", "2h").stdout
    assert "--since/--until (since " in out and "leave no dated event of the 1,110 read" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "is neither a duration"),
        (["--since", "2026-11-26", "--until", "2026-11-25"], "is after --until"),
        (["--tz", "Mars/Olympus"], "unknown time zone"),
        (["-q", "-v"], "-q and -v ask for opposite things"),
        (["--open", "--format", "json"], "--open shows an HTML report"),
    ],
    ids=["bad-since", "since-after-until", "bad-zone", "quiet-and-verbose", "open-not-html"],
)
def test_usage_errors_are_one_line_and_exit_2(args, message):
    result = run("analyze", SCENARIO, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("window", ["1h30m", "90s", "1d"])
def test_scan_window_takes_the_same_durations(window, tmp_path):
    result = run("scan", SCENARIO, "--window", window, "-q", "--no-cache", "--format", "json", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert (
        json.loads(result.stdout)["scan"]["window_seconds"] == {"1h30m": 5400, "90s": 90, "1d": 86400}[window]
    )


def test_scan_refuses_an_empty_window():
    result = run("scan", SCENARIO, "--window", "0s", "-q", "--no-cache")
    assert result.exit_code == 2 and "longer than 0" in result.stderr


def test_a_written_report_is_announced_on_stderr_unless_quiet(tmp_path):
    target = tmp_path / "report.md"
    result = run("analyze", SCENARIO, "--format", "markdown", "-o", str(target))
    assert result.stderr.endswith(f"report written to {target}\n")
    assert target.read_text().startswith("# wsdiag: ")
    quiet = run("analyze", SCENARIO, "--format", "markdown", "-o", str(target), "-q")
    assert quiet.stderr == ""


def test_open_writes_the_html_report_and_opens_it(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(click, "launch", lambda url, **kw: opened.append(url) or 0)
    result = run("analyze", SCENARIO, "--open", "-q")
    assert result.exit_code == 0
    assert len(opened) == 1 and opened[0].endswith(".html")
    page = Path(opened[0])
    assert page.read_text().startswith("<!DOCTYPE html>")
    page.unlink()
    target = tmp_path / "r.html"
    run("analyze", SCENARIO, "--open", "-o", str(target), "-q")
    assert opened[1] == str(target) and target.is_file()


def test_binary_output_is_refused_on_a_terminal(tmp_path):
    result = on_terminal("events", SCENARIO, "--format", "parquet", "-q")
    assert result.code == 2
    assert "Parquet is binary: write it with -o FILE or redirect stdout" in result.stderr
    out = tmp_path / "events.parquet"
    assert on_terminal("events", SCENARIO, "--format", "parquet", "-o", str(out), "-q").code == 0
    assert out.read_bytes().startswith(b"PAR1")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("wsdiag an", "analyze"),
        ("wsdiag analyze --tz Europe/Par", "Europe/Paris"),
        ("wsdiag analyze --col", "--color"),
    ],
    ids=["command", "zone", "option"],
)
def test_shell_completion_is_clicks_own(words, expected):
    env = clean_env(
        _WSDIAG_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1)
    )
    wsdiag = Path(sys.executable).with_name("wsdiag")
    out = subprocess.run([str(wsdiag)], env=env, capture_output=True, text=True, check=False).stdout
    assert expected in [line.split(",", 1)[1] for line in out.splitlines()]


def test_every_command_documents_its_options():
    def commands(group, prefix):
        for name, command in group.commands.items():
            yield (f"{prefix} {name}".strip(), command)
            if isinstance(command, click.Group):
                yield from commands(command, f"{prefix} {name}")

    for name, command in commands(cli, ""):
        assert command.help, f"{name} has no help"
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help",):
                assert param.help, f"{name} {param.opts[0]} has no help"
