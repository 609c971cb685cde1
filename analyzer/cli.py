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
from analyzer.errors import EXIT_ERROR, NoInputError, WsdiagError
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


def main() -> None:
    """Entry point of the ``wsdiag`` console script."""
    cli(prog_name="wsdiag")
