"""The ``wsdiag`` command line: each command parses options, calls one library function, renders."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from analyzer import __version__
from analyzer.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, NoInputError, UsageError, WsdiagError
from analyzer.findings import SEVERITIES, SEVERITY_RANK
from analyzer.ingest import Ingested, ReadOptions, load, parse_forced

if TYPE_CHECKING:
    from analyzer.analysis import AnalyzeOptions
    from analyzer.config.checks import Check
    from analyzer.correlate.clocks import ClockOptions
    from analyzer.findings import Finding
    from analyzer.rules import Rule

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def user_errors(*, output: str | None = None) -> Iterator[None]:
    """Turn wsdiag's own errors into a one-line message and exit code 2, never a traceback.

    ``output`` (``-o``) is checked first, so a typo in it fails before the work, not after. Messages may
    quote log content or file names: they are masked and made printable first.
    """
    try:
        if output:
            _check_output(output)
        yield
    except WsdiagError as exc:
        _fail(f"error: {exc}")
    except click.BadParameter as exc:  # raised while options are turned into values
        _fail(f"error: {exc.format_message()}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BrokenPipeError:
        # `wsdiag events … | head` closes the pipe early; that is not an error
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(0)
    except OSError as exc:  # -o into a missing or read-only folder, a full disk: the user's to fix
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"error: {where}{exc.strerror or exc}")
    except Exception as exc:  # a bug must still end in one line a user can report, not a traceback
        if os.environ.get("WSDIAG_DEBUG"):
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {str(exc)[:300]} "
            "(please report it; WSDIAG_DEBUG=1 shows the traceback)"
        )


def _check_output(output: str) -> None:
    """Fail at once when ``-o`` cannot be written: its folder is missing, read-only or not ours."""
    target = Path(output)
    folder = target.parent
    if target.is_dir():
        raise UsageError(f"-o {output}: is a folder, not a file")
    if not folder.is_dir():
        raise UsageError(f"-o {output}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"-o {output}: cannot write there (read-only or permission denied)")


def _fail(message: str) -> NoReturn:
    """Print ``wsdiag: MESSAGE`` on one line of stderr (masked, printable) and exit 2."""
    from analyzer.redact import redact
    from analyzer.report.safe import printable

    click.echo(f"wsdiag: {printable(redact(message)).replace(chr(10), ' ')}", err=True)
    sys.exit(EXIT_ERROR)


def read_options(fn: F) -> F:
    """Options shared by every command that reads logs."""
    for decorator in reversed(
        (
            click.option(
                "--tz",
                default="UTC",
                show_default=True,
                metavar="ZONE",
                help="Zone of timestamps that carry none (IANA name, e.g. Europe/Paris).",
            ),
            click.option(
                "--date",
                "on_date",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                default=None,
                help="Date for sources that only carry a time of day (browser console exports).",
            ),
            click.option(
                "--input",
                "forced",
                multiple=True,
                metavar="KIND=PATH",
                help="Force the format (or source) of a file or folder, e.g. traefik-json=logs/proxy.",
            ),
            click.option(
                "--follow-symlinks",
                is_flag=True,
                expose_value=False,
                callback=_remember,
                help="Follow symbolic links that lead out of a folder given (by default they are listed, not read).",
            ),
        )
    ):
        fn = decorator(fn)
    return fn


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Keep an option for the reading stage in the context (commands need not pass it on)."""
    ctx.meta[f"wsdiag.{param.name}"] = value
    return value


def _follow_symlinks() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get("wsdiag.follow_symlinks"))


def _read(paths: tuple[str, ...], tz: str, on_date: Any, forced: tuple[str, ...]) -> Ingested:
    """Read inputs, print their summary on stderr, and fail with exit 2 when nothing could be read."""
    _check_tz(tz)
    options = ReadOptions(
        tz=tz,
        date=on_date.date() if on_date else None,
        forced=parse_forced(forced),
        follow_symlinks=_follow_symlinks(),
    )
    ingested = load(list(paths), options)
    from analyzer.report.inputs import print_input_summary

    print_input_summary(ingested.inputs)
    if not ingested.anything_read:
        from analyzer.analysis import nothing_read_message

        raise NoInputError(nothing_read_message(ingested.inputs), inputs=ingested.inputs)
    return ingested


def _check_tz(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wsdiag")
def cli() -> None:
    """Diagnose broken WebSocket / Socket.IO connections behind a reverse proxy.

    wsdiag reads proxy (Traefik), backend and browser logs together, lines them up and names the
    root cause with the lines that prove it.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@read_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv", "parquet"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
@click.option("--limit", type=int, default=None, help="Show at most N events (table format: 50 by default).")
@click.option(
    "--no-redact", is_flag=True, help="Keep secrets (tokens, cookies, Authorization) in the output."
)
def events(
    paths: tuple[str, ...],
    tz: str,
    on_date: date | None,
    forced: tuple[str, ...],
    fmt: str,
    output: str | None,
    limit: int | None,
    no_redact: bool,
) -> None:
    """Print the normalized event table read from PATHS (files, folders, or - for stdin).

    A per-file summary (detected format, events, unparsed lines) goes to stderr.
    """
    from analyzer.report.events import write_events

    with user_errors(output=output):
        ingested = _read(paths, tz, on_date, forced)
        write_events(ingested.events, fmt=fmt, output=output, limit=limit, redact=not no_redact)


def analysis_options(fn: F) -> F:
    """Options shared by ``analyze`` and ``scan``."""
    for decorator in reversed(
        (
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["text", "markdown", "json", "html"]),
                default=None,
                help="Report format (text by default; json for scripts; html: one self-contained page).",
            ),
            click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE."),
            click.option(
                "--patterns",
                "pattern_dirs",
                multiple=True,
                type=click.Path(exists=True, file_okay=False),
                help="Extra rule folder (repeatable).",
            ),
            click.option("--only", multiple=True, metavar="ID", help="Run only these rules (repeatable)."),
            click.option(
                "--disable", multiple=True, metavar="ID", help="Do not run these rules (repeatable)."
            ),
            click.option(
                "--since",
                type=click.DateTime(formats=_TIME_FORMATS),
                help="Ignore events before this UTC time.",
            ),
            click.option(
                "--until",
                type=click.DateTime(formats=_TIME_FORMATS),
                help="Ignore events after this UTC time.",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(list(SEVERITIES)),
                default=None,
                help="Exit 1 when a finding at or above this severity is reported.",
            ),
            click.option("--no-redact", is_flag=True, help="Keep secrets (tokens, cookies) in the report."),
        )
    ):
        fn = decorator(fn)
    return fn


_TIME_FORMATS = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
]


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _analyze_options(
    tz: str,
    on_date: datetime | None,
    forced: tuple[str, ...],
    pattern_dirs: tuple[str, ...],
    only: tuple[str, ...],
    disable: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    no_redact: bool,
) -> AnalyzeOptions:
    """The options ``analyze`` and ``scan`` share, from their command-line values."""
    from analyzer.analysis import AnalyzeOptions

    _check_tz(tz)
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {since:%Y-%m-%d %H:%M:%S} is after --until {until:%Y-%m-%d %H:%M:%S}")
    return AnalyzeOptions(
        read=ReadOptions(
            tz=tz,
            date=on_date.date() if on_date else None,
            forced=parse_forced(forced),
            follow_symlinks=_follow_symlinks(),
        ),
        rule_dirs=tuple(Path(p) for p in pattern_dirs),
        only=only,
        disable=disable,
        since=since,
        until=until,
        redact=not no_redact,
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@read_options
@analysis_options
@click.option(
    "--clock",
    "clocks",
    multiple=True,
    metavar="FILE=±SECONDS",
    help="Set the clock offset of one input instead of estimating it, e.g. backend/app.log=+2.3s (repeatable).",
)
@click.option("--no-align", is_flag=True, help="Keep every input's times as written (no clock alignment).")
def analyze(
    paths: tuple[str, ...],
    tz: str,
    on_date: datetime | None,
    forced: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    pattern_dirs: tuple[str, ...],
    only: tuple[str, ...],
    disable: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    fail_on: str | None,
    no_redact: bool,
    clocks: tuple[str, ...],
    no_align: bool,
) -> None:
    """Read every log under PATHS, correlate them and name the root cause, with evidence.

    PATHS are files, folders (read recursively) or - for stdin. Exit code 0 when the analysis ran,
    1 when a finding reaches --fail-on, 2 when nothing could be read or an option is wrong.
    """
    from analyzer.analysis import analyze as run_analysis
    from analyzer.report import write_report

    with user_errors(output=output):
        options = _analyze_options(tz, on_date, forced, pattern_dirs, only, disable, since, until, no_redact)
        options = replace(options, clock=parse_clocks(clocks, align=not no_align))
        try:
            analysis = run_analysis(list(paths), options)
        except NoInputError as exc:
            if fmt == "json":  # scripts get the inputs and their reasons, and still exit 2
                _write_unread(exc, output)
            raise
        from analyzer.report.inputs import print_input_summary

        if output or fmt not in (None, "text"):
            print_input_summary(analysis.inputs)
        write_report(analysis, fmt=fmt or "text", output=output)
        sys.exit(exit_code(analysis.findings, fail_on))


def parse_clocks(values: tuple[str, ...], *, align: bool) -> ClockOptions:
    """``--clock FILE=+2.3s`` values (seconds, or ``ms``) and ``--no-align`` as clock options."""
    import re

    from analyzer.correlate.clocks import ClockOptions

    fixed: dict[str, float] = {}
    for value in values:
        name, sep, amount = value.rpartition("=")
        m = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*(ms|s)?\s*", amount)
        if not sep or not name or not m:
            raise UsageError(f"--clock expects FILE=±SECONDS (e.g. backend/app.log=+2.3s), got {value!r}")
        fixed[name] = float(m.group(1)) * (1.0 if m.group(2) == "ms" else 1000.0)
    return ClockOptions(fixed=tuple(fixed.items()), align=align)


def _write_unread(exc: NoInputError, output: str | None) -> None:
    from analyzer.report.boundary import outbound_inputs
    from analyzer.report.json_report import dumps, unread_report

    text = dumps(unread_report(*outbound_inputs(exc.inputs, str(exc))))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _duration(text: str) -> timedelta:
    """``30m``, ``1h``, ``1d`` → timedelta (for ``--window``)."""
    import re

    m = re.fullmatch(r"\s*(\d+)\s*(s|m|min|h|d)\s*", text)
    if not m or int(m.group(1)) == 0:
        raise click.BadParameter(f"{text!r} is not a duration like 15m, 1h or 1d", param_hint="--window")
    unit = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days"}[m.group(2)]
    return timedelta(**{unit: int(m.group(1))})


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@read_options
@analysis_options
@click.option(
    "-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (default: one per core)."
)
@click.option("--window", "window_text", default="1h", show_default=True, help="Window size (15m, 1h, 1d).")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where parsed files are kept between scans (default: ~/.cache/wsdiag/scan).",
)
@click.option("--no-cache", is_flag=True, help="Parse every file again; keep nothing.")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Run on this Dask scheduler (tcp://host:8786); needs wsdiag[cluster] and a shared archive.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary on stderr.")
def scan(
    paths: tuple[str, ...],
    tz: str,
    on_date: datetime | None,
    forced: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    pattern_dirs: tuple[str, ...],
    only: tuple[str, ...],
    disable: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    fail_on: str | None,
    no_redact: bool,
    jobs: int,
    window_text: str,
    cache_dir: str | None,
    no_cache: bool,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Scan an archive of logs (weeks of rotated, compressed files) for incidents, window by window.

    Reads every file under PATHS in parallel, keeps each parsed file in a cache so that the next scan
    only reads what is new, analyses the archive in time windows and lists the incidents: contiguous
    windows in which a root cause fired, with the command that re-analyses each one in detail.
    Exit codes as for analyze.
    """
    from analyzer.report.scan_progress import ScanProgress, print_scan_summary
    from analyzer.report.scan_report import write_scan_report
    from analyzer.scan.pipeline import ScanOptions
    from analyzer.scan.pipeline import scan as run_scan

    with user_errors(output=output):
        options = ScanOptions(
            analyze=_analyze_options(
                tz, on_date, forced, pattern_dirs, only, disable, since, until, no_redact
            ),
            window=_duration(window_text),
            jobs=jobs,
            cache_dir=Path(cache_dir) if cache_dir else None,
            use_cache=not no_cache,
            cluster=cluster,
        )
        with ScanProgress(enabled=not quiet) as progress:
            result = run_scan(list(paths), options, progress)
        print_scan_summary(result, elapsed=progress.elapsed, quiet=quiet)
        write_scan_report(result, fmt=fmt or "text", output=output)
        sys.exit(exit_code(result.findings, fail_on))


def exit_code(findings: list[Finding], fail_on: str | None) -> int:
    """0, or 1 when a finding is at or above ``fail_on``."""
    if fail_on is None:
        return EXIT_OK
    threshold = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else EXIT_OK


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@read_options
@click.option(
    "--key", help="Show the connection(s) with this sid, t, request id, socket id or connection id."
)
@click.option("--client", help="Only connections from this client address.")
@click.option("--failed", is_flag=True, help="Show the story of every failed connection.")
@click.option(
    "--limit", type=int, default=10, show_default=True, help="At most this many connection stories."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-redact", is_flag=True, help="Keep secrets in the printed lines.")
def timeline(
    paths: tuple[str, ...],
    tz: str,
    on_date: datetime | None,
    forced: tuple[str, ...],
    key: str | None,
    client: str | None,
    failed: bool,
    limit: int,
    fmt: str,
    no_redact: bool,
) -> None:
    """Show connections, and one connection's story across proxy, backend and browser in time order.

    Without --key or --failed, lists the connections. Times are on the corrected clock; each line shows
    the offset that was applied to its source and where it came from (file:line).
    """
    from analyzer.correlate import correlate
    from analyzer.report.timeline import render_timeline

    with user_errors():
        ingested = _read(paths, tz, on_date, forced)
        correlated = correlate(ingested.events, ingested.inputs)
        render_timeline(
            correlated, key=key, client=client, failed=failed, limit=limit, fmt=fmt, redact=not no_redact
        )


@cli.group()
def rules() -> None:
    """The rule catalog: list rules, show one rule's documentation, run the rules' embedded tests."""


@rules.command("list")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(exists=True, file_okay=False))
def rules_list(pattern_dirs: tuple[str, ...]) -> None:
    """List every rule and configuration check: id, kind, severity, the sources it reads, title."""
    from analyzer.config.checks import registered
    from analyzer.report.rules_doc import print_rule_list
    from analyzer.rules import default_rule_dirs, load_rules

    with user_errors():
        print_rule_list(load_rules([*default_rule_dirs(), *map(Path, pattern_dirs)]), registered())


@rules.command("show")
@click.argument("rule_id")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(exists=True, file_okay=False))
def rules_show(rule_id: str, pattern_dirs: tuple[str, ...]) -> None:
    """Show one rule's (or configuration check's) documentation: what it detects, why it breaks, false
    positives, the fix. An id that is both shows both."""
    from analyzer.config.checks import registered
    from analyzer.report.rules_doc import print_rule
    from analyzer.rules import default_rule_dirs, load_rules

    with user_errors():
        documented: list[Rule | Check] = [*load_rules([*default_rule_dirs(), *map(Path, pattern_dirs)])]
        documented.extend(registered())
        found = [item for item in documented if item.id == rule_id]
        if not found:
            raise UsageError(f"unknown rule id {rule_id!r} (see `wsdiag rules list`)")
        for item in found:
            print_rule(item)


@rules.command("test")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
def rules_test(dirs: tuple[str, ...]) -> None:
    """Run the embedded test cases of the rules in DIRS (default: the shipped rules).

    Exit code 1 when a case fails.
    """
    from analyzer.report.rules_doc import print_test_outcomes
    from analyzer.rules import default_rule_dirs, load_rules
    from analyzer.rules.testing import run_all

    with user_errors():
        folders = [Path(d) for d in dirs] or default_rule_dirs()
        outcomes = run_all(load_rules(folders))
        print_test_outcomes(outcomes)
        sys.exit(EXIT_FINDINGS if any(not o.passed and not o.todo for o in outcomes) else EXIT_OK)


@cli.command("check-config")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
@click.option(
    "--explain",
    "explain_urls",
    multiple=True,
    metavar="URL",
    help="Show which router wins this request and why (repeatable), e.g. "
    "https://api.example.test/socket.io/?EIO=4&transport=polling.",
)
@click.option("--method", default="GET", show_default=True, help="HTTP method of the --explain requests.")
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Header of the --explain requests.",
)
@click.option(
    "--entrypoint", "entry_point", metavar="NAME", help="Entry point the --explain requests arrive on."
)
@click.option(
    "--client-ip", metavar="IP", help="Client address of the --explain requests (for ClientIP rules)."
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="Variables for ${VAR} in compose files, instead of the .env beside each file.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit with 1 when a finding is at least this severe.",
)
@click.option("--no-redact", is_flag=True, help="Keep secrets (tokens in --explain URLs) in the report.")
def check_config(
    files: tuple[str, ...],
    fmt: str,
    output: str | None,
    explain_urls: tuple[str, ...],
    method: str,
    headers: tuple[str, ...],
    entry_point: str | None,
    client_ip: str | None,
    env_file: str | None,
    fail_on: str | None,
    no_redact: bool,
) -> None:
    """Check Traefik routing configuration statically: docker-compose labels, file-provider YAML/TOML,
    IngressRoute manifests (FILES may be folders).

    Names routers that overlap with equal priority, WebSocket / Socket.IO paths won by another router,
    rules Traefik refuses and routers without a usable service, each with the setting that fixes it.
    A per-file summary goes to stderr.
    """
    from analyzer.config import check_config as run_check
    from analyzer.report.config_text import print_files, write_check

    with user_errors(output=output):
        result = run_check(
            files,
            env_file=env_file,
            explain_urls=explain_urls,
            method=method,
            headers=_headers(headers),
            entry_point=entry_point,
            client_ip=client_ip,
        )
        print_files(result.config)
        if not result.config.readable:
            reasons = "; ".join(f"{f.path}: {f.error}" for f in result.config.files) or "no files found"
            raise NoInputError(f"no configuration could be read ({reasons})")
        write_check(result, fmt=fmt, output=output, redact_secrets=not no_redact)  # type: ignore[arg-type]
    sys.exit(exit_code(result.findings, fail_on))


def _headers(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header expects 'NAME: VALUE', got {value!r}")
        out[name.strip()] = content.strip()
    return out


def main() -> None:
    """Entry point of the ``wsdiag`` console script."""
    cli(prog_name="wsdiag")
