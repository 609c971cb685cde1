"""The ``wsdiag`` command line: each command parses options, calls one library function, renders."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click

from analyzer import __version__
from analyzer.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, NoInputError, UsageError, WsdiagError
from analyzer.findings import SEVERITIES, SEVERITY_RANK
from analyzer.ingest import Ingested, ReadOptions, load, parse_forced
from analyzer.model import KINDS, SOURCES

if TYPE_CHECKING:
    from analyzer.analysis import AnalyzeOptions
    from analyzer.config.checks import Check
    from analyzer.correlate.clocks import ClockOptions
    from analyzer.findings import Finding
    from analyzer.report.output import OutputOptions
    from analyzer.rules import Rule
    from analyzer.timeparse import TimeBound

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def user_errors(*, output: Path | None = None) -> Iterator[None]:
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


def _check_output(target: Path) -> None:
    """Fail at once when ``-o`` cannot be written: its folder is missing, read-only or not ours."""
    folder = target.parent
    if target.is_dir():
        raise UsageError(f"-o {target}: is a folder, not a file")
    if not folder.is_dir():
        raise UsageError(f"-o {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"-o {target}: cannot write there (read-only or permission denied)")


def _fail(message: str) -> NoReturn:
    """Print ``wsdiag: MESSAGE`` on one line of stderr (masked, printable) and exit 2."""
    from analyzer.redact import redact
    from analyzer.report.safe import printable

    click.echo(f"wsdiag: {printable(redact(message)).replace(chr(10), ' ')}", err=True)
    sys.exit(EXIT_ERROR)


# -- option types -----------------------------------------------------------------------------------


class ZoneType(click.ParamType):
    """An IANA time zone name (``Europe/Paris``), completed from the system's zone database."""

    name = "zone"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(f"unknown time zone {value!r} (an IANA name such as UTC or Europe/Paris)", param, ctx)
        return str(value)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[click.shell_completion.CompletionItem]:
        from zoneinfo import available_timezones

        from click.shell_completion import CompletionItem

        return [CompletionItem(z) for z in sorted(available_timezones()) if z.startswith(incomplete)]


class DurationType(click.ParamType):
    """A duration in wsdiag's one grammar (``90s``, ``30m``, ``1h30m``, ``1d``)."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        from analyzer.timeparse import parse_duration

        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class TimeBoundType(click.ParamType):
    """A ``--since`` / ``--until`` value: ``2h`` (ago), RFC 3339 with any offset, or a date."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> TimeBound:
        from analyzer.timeparse import TimeBound, parse_time_bound

        if isinstance(value, TimeBound):
            return value
        try:
            return parse_time_bound(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _declare(fn: F, options: tuple[Callable[[F], F], ...]) -> F:
    for option in reversed(options):
        fn = option(fn)
    return fn


# -- shared options, each group built into one value ------------------------------------------------


def read_options(fn: F) -> F:
    """``--tz``, ``--date``, ``--input``: how logs are read; the command receives ``read: ReadOptions``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        tz: str,
        on_date: datetime | None,
        forced: tuple[str, ...],
        follow_symlinks: bool,
        **kwargs: Any,
    ) -> Any:
        try:
            pairs = parse_forced(forced)
        except UsageError as exc:
            raise click.BadParameter(str(exc), param_hint="--input") from None
        read = ReadOptions(
            tz=tz, date=on_date.date() if on_date else None, forced=pairs, follow_symlinks=follow_symlinks
        )
        return fn(*args, read=read, **kwargs)

    return _declare(
        cast(F, wrapper),
        (
            click.option(
                "--tz",
                type=ZoneType(),
                default="UTC",
                show_default=True,
                help="Zone of timestamps that carry none, of --since/--until values without one, and of "
                "the times the report shows (IANA name, e.g. Europe/Paris). JSON stays UTC.",
            ),
            click.option(
                "--date",
                "on_date",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                metavar="YYYY-MM-DD",
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
                help="Follow symbolic links that lead out of a folder given (by default they are listed, not read).",
            ),
        ),
    )


def analysis_options(fn: F) -> F:
    """Reading plus rules and time window, shared by ``analyze`` and ``scan``: ``options: AnalyzeOptions``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        read: ReadOptions,
        pattern_dirs: tuple[str, ...],
        only: tuple[str, ...],
        disable: tuple[str, ...],
        since: TimeBound | None,
        until: TimeBound | None,
        no_redact: bool,
        **kwargs: Any,
    ) -> Any:
        from analyzer.analysis import AnalyzeOptions

        now = datetime.now(UTC)
        start = since.resolve(read.tz, now) if since else None
        end = until.resolve(read.tz, now) if until else None
        if start and end and start > end:
            raise click.BadParameter(
                f"--since {since.text} ({start:%Y-%m-%d %H:%M:%S} UTC) is after --until {until.text} "  # type: ignore[union-attr]
                f"({end:%Y-%m-%d %H:%M:%S} UTC)",
                param_hint="--since/--until",
            )
        options = AnalyzeOptions(
            read=read,
            rule_dirs=tuple(Path(p) for p in pattern_dirs),
            only=only,
            disable=disable,
            since=start,
            until=end,
            redact=not no_redact,
        )
        return fn(*args, options=options, **kwargs)

    return read_options(
        _declare(
            cast(F, wrapper),
            (
                click.option(
                    "--patterns",
                    "pattern_dirs",
                    multiple=True,
                    type=click.Path(exists=True, file_okay=False),
                    help="Extra rule folder (repeatable).",
                ),
                click.option(
                    "--only", multiple=True, metavar="ID", help="Run only these rules (repeatable)."
                ),
                click.option(
                    "--disable", multiple=True, metavar="ID", help="Do not run these rules (repeatable)."
                ),
                click.option(
                    "--since",
                    type=TimeBoundType(),
                    help="Ignore events before this time: 2h or 1h30m (ago), 2026-11-25T10:00:00+01:00, "
                    "2026-11-25 10:00 or 2026-11-25 (in --tz).",
                ),
                click.option(
                    "--until", type=TimeBoundType(), help="Ignore events after this time (as --since)."
                ),
                click.option(
                    "--no-redact", is_flag=True, help="Keep secrets (tokens, cookies) in the report."
                ),
            ),
        )
    )


def output_options(
    formats: tuple[str, ...], *, default: str | None, report: bool = False, fail_on: bool = False
) -> Callable[[F], F]:
    """``--format``, ``-o``, ``--color``, ``-q`` (and for reports ``-v``, ``--no-pager``, ``--open``;
    ``--fail-on``): the command receives ``output: OutputOptions``."""
    from analyzer.report.output import COLOR_MODES, OutputOptions

    def decorator(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            fmt = kwargs.pop("fmt")
            verbose = kwargs.pop("verbose", 0)
            quiet = kwargs.pop("quiet")
            if quiet and verbose:
                raise click.UsageError("-q and -v ask for opposite things; use one")
            opened = kwargs.pop("open_report", False)
            if opened and fmt not in (None, "html"):
                raise click.BadParameter(
                    "--open shows an HTML report; use --format html", param_hint="--open"
                )
            out = kwargs.pop("output")
            ctx = click.get_current_context()
            output = OutputOptions(
                fmt="html" if opened else fmt,
                output=Path(out) if out else None,
                verbosity=-1 if quiet else min(verbose, 2),
                color=kwargs.pop("color"),
                pager=not kwargs.pop("no_pager", False),
                open=opened,
                fail_on=kwargs.pop("fail_on", None),
                tz=ctx.params.get("tz") or "UTC",
            )
            return fn(*args, output=output, **kwargs)

        declared: list[Callable[[F], F]] = [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(formats),
                default=default,
                show_default=default is not None,
                help="Output format."
                + (" text: the verdict; json: for scripts; html: one self-contained page." if report else ""),
            ),
            click.option(
                "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE."
            ),
        ]
        if report:
            declared.append(
                click.option(
                    "-v",
                    "--verbose",
                    count=True,
                    help="Text report: -v adds each finding's evidence, -vv everything (whole "
                    "explanations, raw lines, inputs, rules not concluded).",
                )
            )
        declared.append(click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors."))
        declared.append(
            click.option(
                "--color",
                type=click.Choice(COLOR_MODES),
                default="auto",
                show_default=True,
                help="Colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never.",
            )
        )
        if report:
            declared += [
                click.option(
                    "--no-pager", is_flag=True, help="Do not page long text output ($PAGER, else less -FRX)."
                ),
                click.option(
                    "--open",
                    "open_report",
                    is_flag=True,
                    help="Write the HTML report (to -o FILE or a temporary file) and open it in the browser.",
                ),
            ]
        if fail_on:
            declared.append(
                click.option(
                    "--fail-on",
                    type=click.Choice(SEVERITIES),
                    default=None,
                    help="Exit 1 when a finding at or above this severity is reported.",
                )
            )
        return _declare(cast(F, wrapper), tuple(declared))

    return decorator


def _read(paths: tuple[str, ...], read: ReadOptions, output: OutputOptions) -> Ingested:
    """Read inputs, print their summary on stderr (unless -q), and fail with exit 2 when nothing was read."""
    from analyzer.report.inputs import print_input_summary
    from analyzer.report.output import stderr_console

    ingested = load(list(paths), read)
    if not output.quiet:
        print_input_summary(ingested.inputs, console=stderr_console(output.color))
    if not ingested.anything_read:
        from analyzer.analysis import nothing_read_message

        raise NoInputError(nothing_read_message(ingested.inputs), inputs=ingested.inputs)
    return ingested


def exit_code(findings: list[Finding], fail_on: str | None) -> int:
    """0, or 1 when a finding is at or above ``fail_on``."""
    if fail_on is None:
        return EXIT_OK
    threshold = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else EXIT_OK


# -- commands ---------------------------------------------------------------------------------------

_PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))


class _Wsdiag(click.Group):
    """The command group; a wrong option or argument is one line on stderr and exit 2, like every other
    user error (click would print a usage block)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("wsdiag: aborted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            _fail(f"error: {exc.format_message()} (see wsdiag --help)")
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else EXIT_OK)
        return code


@click.group(cls=_Wsdiag, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="wsdiag")
def cli() -> None:
    """Diagnose broken WebSocket / Socket.IO connections behind a reverse proxy.

    wsdiag reads proxy (Traefik), backend and browser logs together, lines them up and names the
    root cause with the lines that prove it. Start with `wsdiag analyze LOGS`.

    Shell completion (bash, zsh, fish): eval "$(_WSDIAG_COMPLETE=bash_source wsdiag)" in ~/.bashrc
    (zsh_source, fish_source for the others).
    """


@cli.command()
@_PATHS
@analysis_options
@output_options(("text", "markdown", "json", "html"), default=None, report=True, fail_on=True)
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
    options: AnalyzeOptions,
    output: OutputOptions,
    clocks: tuple[str, ...],
    no_align: bool,
) -> None:
    """Read every log under PATHS, correlate them and name the root cause, with evidence.

    PATHS are files, folders (read recursively) or - for stdin. The text report is the verdict: the
    root cause and its fix, one line per other finding, one line on the inputs; -v adds the evidence,
    -vv everything. Exit code 0 when the analysis ran, 1 when a finding reaches --fail-on, 2 when
    nothing could be read or an option is wrong.
    """
    from analyzer.analysis import analyze as run_analysis
    from analyzer.report import write_report
    from analyzer.report.inputs import print_input_summary
    from analyzer.report.output import stderr_console

    with user_errors(output=output.output):
        options = replace(options, clock=parse_clocks(clocks, align=not no_align))
        try:
            analysis = run_analysis(list(paths), options)
        except NoInputError as exc:
            if output.fmt == "json":  # scripts get the inputs and their reasons, and still exit 2
                _write_unread(exc, output)
            raise
        if (output.output or output.fmt not in (None, "text")) and not output.quiet:
            print_input_summary(analysis.inputs, console=stderr_console(output.color))
        write_report(analysis, output, since=options.since, until=options.until)
        sys.exit(exit_code(analysis.findings, output.fail_on))


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


def _write_unread(exc: NoInputError, output: OutputOptions) -> None:
    from analyzer.report.boundary import outbound_inputs
    from analyzer.report.json_report import dumps, unread_report
    from analyzer.report.output import write_data

    write_data(dumps(unread_report(*outbound_inputs(exc.inputs, str(exc)))), output)


@cli.command()
@_PATHS
@analysis_options
@output_options(("text", "markdown", "json", "html"), default=None, report=True, fail_on=True)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (default: one per core)."
)
@click.option(
    "--window",
    type=DurationType(),
    default="1h",
    show_default=True,
    help="Window size (15m, 1h, 1h30m, 1d).",
)
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
def scan(
    paths: tuple[str, ...],
    options: AnalyzeOptions,
    output: OutputOptions,
    jobs: int,
    window: timedelta,
    cache_dir: str | None,
    no_cache: bool,
    cluster: str | None,
) -> None:
    """Scan an archive of logs (weeks of rotated, compressed files) for incidents, window by window.

    Reads every file under PATHS in parallel, keeps each parsed file in a cache so that the next scan
    only reads what is new, analyses the archive in time windows and lists the incidents: contiguous
    windows in which a root cause fired, with the command that re-analyses each one in detail.
    -q: no progress bar and no summary on stderr. Exit codes as for analyze.
    """
    from analyzer.report.scan_progress import ScanProgress, print_scan_summary
    from analyzer.report.scan_report import write_scan_report
    from analyzer.scan.pipeline import ScanOptions
    from analyzer.scan.pipeline import scan as run_scan

    with user_errors(output=output.output):
        if window <= timedelta(0):
            raise click.BadParameter("the window must be longer than 0", param_hint="--window")
        scan_options = ScanOptions(
            analyze=options,
            window=window,
            jobs=jobs,
            cache_dir=Path(cache_dir) if cache_dir else None,
            use_cache=not no_cache,
            cluster=cluster,
        )
        with ScanProgress(enabled=not output.quiet) as progress:
            result = run_scan(list(paths), scan_options, progress)
        print_scan_summary(result, elapsed=progress.elapsed, quiet=output.quiet)
        write_scan_report(result, output)
        sys.exit(exit_code(result.findings, output.fail_on))


@cli.command()
@_PATHS
@read_options
@output_options(("table", "jsonl", "csv", "parquet"), default="table")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(SOURCES),
    help="Only events of this source (repeatable).",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(list(KINDS)),
    help="Only events of this kind (repeatable).",
)
@click.option(
    "--key",
    help="Only the connection(s) with this connection id, sid, t, request id or socket id.",
)
@click.option("--limit", type=int, default=None, help="Show at most N events (table format: 50 by default).")
@click.option(
    "--no-redact", is_flag=True, help="Keep secrets (tokens, cookies, Authorization) in the output."
)
def events(
    paths: tuple[str, ...],
    read: ReadOptions,
    output: OutputOptions,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    key: str | None,
    limit: int | None,
    no_redact: bool,
) -> None:
    """Print the normalized event table read from PATHS (files, folders, or - for stdin).

    Events are correlated first: each carries its connection id (conn_id) and its time on the
    corrected clock (ts; clock_offset_ms is what was added to the time the source logged). A
    per-file summary (detected format, events, unparsed lines) goes to stderr.
    """
    from analyzer.correlate import correlate
    from analyzer.report.events import EventFilter, write_events

    with user_errors(output=output.output):
        if output.fmt == "parquet" and output.output is None and sys.stdout.isatty():
            raise UsageError("Parquet is binary: write it with -o FILE or redirect stdout")
        ingested = _read(paths, read, output)
        correlated = correlate(ingested.events, ingested.inputs)
        chosen = EventFilter(sources=sources, kinds=kinds, key=key)
        write_events(correlated.events, output, where=chosen, limit=limit, redact=not no_redact)


@cli.command()
@_PATHS
@read_options
@output_options(("text", "json"), default="text")
@click.option(
    "--key", help="Show the connection(s) with this sid, t, request id, socket id or connection id."
)
@click.option("--client", help="Only connections from this client address.")
@click.option("--failed", is_flag=True, help="Show the story of every failed connection.")
@click.option(
    "--limit", type=int, default=10, show_default=True, help="At most this many connection stories."
)
@click.option("--no-redact", is_flag=True, help="Keep secrets in the printed lines.")
def timeline(
    paths: tuple[str, ...],
    read: ReadOptions,
    output: OutputOptions,
    key: str | None,
    client: str | None,
    failed: bool,
    limit: int,
    no_redact: bool,
) -> None:
    """Show connections, and one connection's story across proxy, backend and browser in time order.

    Without --key or --failed, lists the connections. A story is one line per event: time on the
    corrected clock, source, what happened, and where it was logged (file:line, HAR entry number).
    """
    from analyzer.correlate import correlate
    from analyzer.report.timeline import render_timeline

    with user_errors():
        ingested = _read(paths, read, output)
        correlated = correlate(ingested.events, ingested.inputs)
        render_timeline(
            correlated, output, key=key, client=client, failed=failed, limit=limit, redact=not no_redact
        )


@cli.group()
def rules() -> None:
    """The rule catalog: list rules, show one rule's documentation, run the rules' embedded tests."""


@rules.command("list")
@click.option(
    "--patterns",
    "pattern_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra rule folder (repeatable).",
)
def rules_list(pattern_dirs: tuple[str, ...]) -> None:
    """List every rule and configuration check: id, kind, severity, the sources it reads, title."""
    from analyzer.config.checks import registered
    from analyzer.report.rules_doc import print_rule_list
    from analyzer.rules import default_rule_dirs, load_rules

    with user_errors():
        print_rule_list(load_rules([*default_rule_dirs(), *map(Path, pattern_dirs)]), registered())


@rules.command("show")
@click.argument("rule_id")
@click.option(
    "--patterns",
    "pattern_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra rule folder (repeatable).",
)
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


@cli.group()
def cache() -> None:
    """The scan cache: what it holds, and pruning it (a scan prunes it too, to WSDIAG_CACHE_MAX_BYTES)."""


_CACHE_DIR = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The cache folder (default: ~/.cache/wsdiag/scan, as for scan).",
)


class SizeType(click.ParamType):
    """A size in bytes: 500M, 2G, 1.5GiB or a plain number."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from analyzer.scan.prune import parse_size

        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@cache.command("info")
@_CACHE_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, JSON for scripts.",
)
def cache_info(cache_dir: str | None, fmt: str) -> None:
    """Show the cache folder, its entries and their size, the cap, and what older code wrote."""
    from analyzer.report.cache_text import write_usage
    from analyzer.scan.cache import default_cache_dir
    from analyzer.scan.prune import max_bytes_setting, usage

    with user_errors():
        write_usage(
            usage(Path(cache_dir) if cache_dir else default_cache_dir()), cap=max_bytes_setting(), fmt=fmt
        )


@cache.command("prune")
@_CACHE_DIR
@click.option(
    "--max-size",
    type=SizeType(),
    default=None,
    help="Keep at most this much (500M, 2G; default: WSDIAG_CACHE_MAX_BYTES, 2 GiB). 0 empties the cache.",
)
def cache_prune(cache_dir: str | None, max_size: int | None) -> None:
    """Remove what older versions of wsdiag wrote, then the entries used longest ago, down to the cap."""
    from analyzer.report.cache_text import write_pruned
    from analyzer.scan.cache import default_cache_dir
    from analyzer.scan.prune import max_bytes_setting, prune

    with user_errors():
        cap = max_bytes_setting() if max_size is None else max_size
        write_pruned(prune(Path(cache_dir) if cache_dir else default_cache_dir(), max_bytes=cap), cap=cap)


@cli.command("check-config")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@output_options(("text", "markdown", "json", "sarif"), default="text", fail_on=True)
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
@click.option("--no-redact", is_flag=True, help="Keep secrets (tokens in --explain URLs) in the report.")
def check_config(
    files: tuple[str, ...],
    output: OutputOptions,
    explain_urls: tuple[str, ...],
    method: str,
    headers: tuple[str, ...],
    entry_point: str | None,
    client_ip: str | None,
    env_file: str | None,
    no_redact: bool,
) -> None:
    """Check Traefik routing configuration statically: docker-compose labels, file-provider YAML/TOML,
    IngressRoute manifests (FILES may be folders).

    Names routers that overlap with equal priority, WebSocket / Socket.IO paths won by another router,
    rules Traefik refuses and routers without a usable service, each with the setting that fixes it.
    --format sarif writes SARIF 2.1.0 for code-scanning annotations (docs/ci.md). A per-file summary
    goes to stderr.
    """
    from analyzer.config import check_config as run_check
    from analyzer.report.config_text import print_files, write_check

    with user_errors(output=output.output):
        result = run_check(
            files,
            env_file=env_file,
            explain_urls=explain_urls,
            method=method,
            headers=_headers(headers),
            entry_point=entry_point,
            client_ip=client_ip,
        )
        if not output.quiet:
            print_files(result.config)
        if not result.config.readable:
            reasons = "; ".join(f"{f.path}: {f.error}" for f in result.config.files) or "no files found"
            raise NoInputError(f"no configuration could be read ({reasons})")
        write_check(result, output, redact_secrets=not no_redact)
    sys.exit(exit_code(result.findings, output.fail_on))


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


def _add_live_commands() -> None:
    """``probe`` and ``watch`` live with their library (analyzer/live/) and join the group here."""
    from analyzer.live.commands import LIVE_COMMANDS

    for command in LIVE_COMMANDS:
        cli.add_command(command)


_add_live_commands()
