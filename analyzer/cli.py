"""The ``wsdiag`` command line: each command parses options, calls one library function, renders."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import click

from analyzer import __version__
from analyzer.errors import EXIT_ERROR, EXIT_FINDINGS, NoInputError, UsageError, WsdiagError
from analyzer.findings import SEVERITIES, SEVERITY_RANK
from analyzer.ingest import Ingested, ReadOptions, load, parse_forced

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn wsdiag's own errors into a one-line message and exit code 2, never a traceback."""
    try:
        yield
    except WsdiagError as exc:
        click.echo(f"wsdiag: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        # `wsdiag events … | head` closes the pipe early; that is not an error
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(0)


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
        )
    ):
        fn = decorator(fn)
    return fn


def _read(paths: tuple[str, ...], tz: str, on_date: Any, forced: tuple[str, ...]) -> Ingested:
    """Read inputs, print their summary on stderr, and fail with exit 2 when nothing could be read."""
    _check_tz(tz)
    options = ReadOptions(tz=tz, date=on_date.date() if on_date else None, forced=parse_forced(forced))
    ingested = load(list(paths), options)
    from analyzer.report.inputs import print_input_summary

    print_input_summary(ingested.inputs)
    if not ingested.anything_read:
        reasons = "; ".join(f"{i.label}: {i.error}" for i in ingested.inputs) or "no files found"
        raise NoInputError(f"no input could be read ({reasons})")
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
def events(
    paths: tuple[str, ...],
    tz: str,
    on_date: date | None,
    forced: tuple[str, ...],
    fmt: str,
    output: str | None,
    limit: int | None,
) -> None:
    """Print the normalized event table read from PATHS (files, folders, or - for stdin).

    A per-file summary (detected format, events, unparsed lines) goes to stderr.
    """
    from analyzer.report.events import write_events

    with user_errors():
        ingested = _read(paths, tz, on_date, forced)
        write_events(ingested.events, fmt=fmt, output=output, limit=limit)


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
) -> None:
    """Check Traefik routing configuration statically: docker-compose labels, file-provider YAML/TOML,
    IngressRoute manifests (FILES may be folders).

    Names routers that overlap with equal priority, WebSocket / Socket.IO paths won by another router,
    rules Traefik refuses and routers without a usable service, each with the setting that fixes it.
    A per-file summary goes to stderr.
    """
    from analyzer.config import check_config as run_check
    from analyzer.report.config_text import print_files, write_check

    with user_errors():
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
        write_check(result, fmt=fmt, output=output)  # type: ignore[arg-type]
    if fail_on and any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in result.findings):
        sys.exit(EXIT_FINDINGS)


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
