"""The ``probe`` and ``watch`` commands (registered on the ``wsdiag`` group by ``analyzer.cli``)."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli import DurationType, _headers, exit_code, output_options, user_errors
from analyzer.errors import EXIT_ERROR

if TYPE_CHECKING:
    from analyzer.report.output import OutputOptions

_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|k|m)?\s*$")
_UNITS = {"b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2}


class SizeType(click.ParamType):
    """A size in bytes: ``300000``, ``100kB``, ``2MB``, ``1MiB``."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        m = _SIZE.match(str(value))
        if not m or (m.group(2) or "b").lower() not in _UNITS:
            self.fail(f"expected a size such as 300000, 100kB or 2MB, got {value!r}", param, ctx)
        size = int(float(m.group(1)) * _UNITS[(m.group(2) or "b").lower()])
        if not 1 <= size <= 64 * 1024**2:
            self.fail("the size must be between 1 byte and 64 MiB", param, ctx)
        return size


@click.command()
@click.argument("url")
@click.option("--path", "eio_path", metavar="PATH", help="Engine.IO path (default /socket.io/).")
@click.option(
    "--eio", type=click.Choice(["3", "4"]), default="4", show_default=True, help="Engine.IO protocol version."
)
@click.option(
    "--mode",
    type=click.Choice(["auto", "socketio", "websocket"]),
    default="auto",
    show_default=True,
    help="Socket.IO, or a plain WebSocket (auto: plain for a ws:// or wss:// URL with a path).",
)
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Send this header (repeatable; its value is masked in reports).",
)
@click.option("--origin", help="Send this Origin and check CORS and the server's origin check for it.")
@click.option("--insecure", is_flag=True, help="Do not verify the server's TLS certificate.")
@click.option(
    "--timeout",
    type=DurationType(),
    default="10s",
    show_default=True,
    help="How long one step waits for an answer.",
)
@click.option(
    "--max-time",
    type=DurationType(),
    default="60s",
    show_default=True,
    help="How long the whole probe may take.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(1, 200),
    default=40,
    show_default=True,
    help="Requests and WebSockets the probe may open.",
)
@click.option(
    "--resolve",
    "resolves",
    multiple=True,
    metavar="HOST:PORT:ADDRESS",
    help="Connect to ADDRESS for HOST:PORT (curl's --resolve); *.localhost goes to 127.0.0.1.",
)
@click.option(
    "--hold",
    type=DurationType(),
    default=None,
    help="Keep the WebSocket open and idle this long (120s) and time a cut.",
)
@click.option(
    "--payload-size",
    type=SizeType(),
    default=None,
    help="Send one message of this size (2MB) on a session of its own.",
)
@click.option(
    "--repeat",
    type=click.IntRange(1, 20),
    default=1,
    show_default=True,
    help="Open this many sessions (sticky sessions across replicas).",
)
@click.option("--no-heartbeat", is_flag=True, help="Do not wait for the server's ping (v4) on the WebSocket.")
@click.option(
    "--with-logs",
    "logs_dir",
    type=click.Path(exists=True),
    default=None,
    help="Then analyse the logs under DIR written meanwhile (the probe's requests are counted there).",
)
@click.option("--no-redact", is_flag=True, help="Keep secrets (header values, tokens) in the report.")
@output_options(("text", "markdown", "json"), default=None, report=True, fail_on=True)
def probe(
    url: str,
    eio_path: str | None,
    eio: str,
    mode: str,
    headers: tuple[str, ...],
    origin: str | None,
    insecure: bool,
    timeout: timedelta,
    max_time: timedelta,
    max_requests: int,
    resolves: tuple[str, ...],
    hold: timedelta | None,
    payload_size: int | None,
    repeat: int,
    no_heartbeat: bool,
    logs_dir: str | None,
    no_redact: bool,
    output: OutputOptions,
) -> None:
    """Check a Socket.IO or WebSocket endpoint through its proxy, step by step, and name the failing step.

    URL is http://, https://, ws:// or wss://. Socket.IO: the polling handshake, a POST on the session,
    the namespace connect, the upgrade to WebSocket (2probe / 3probe), a heartbeat. Plain WebSocket:
    the upgrade and a ping frame. A failing step is named with the catalog's rule id and fix, as
    `wsdiag analyze` names it from logs; --with-logs DIR adds what the logs written meanwhile prove.
    Requests carry X-Request-Id wsdiag-probe-… and t=wsdiag….
    Exit codes as for analyze (1 with --fail-on); 2 when the URL cannot be reached at all.
    """
    from analyzer.live.model import ProbeOptions
    from analyzer.live.probe import parse_resolve
    from analyzer.live.probe import probe as run_probe
    from analyzer.report.probe_report import write_probe_report
    from analyzer.rules import default_rule_dirs, load_rules

    with user_errors(output=output.output):
        if max_time <= timedelta(0) or timeout <= timedelta(0):
            raise click.BadParameter("must be longer than 0", param_hint="--timeout/--max-time")
        sent = tuple(_headers(headers).items())
        options = ProbeOptions(
            url=url,
            path=eio_path,
            eio=3 if eio == "3" else 4,
            mode=mode,  # type: ignore[arg-type]
            headers=sent,
            insecure=insecure,
            timeout=timeout.total_seconds(),
            max_time=max_time.total_seconds(),
            max_requests=max_requests,
            resolve=parse_resolve(resolves),
            origin=origin,
            hold=hold.total_seconds() if hold else None,
            payload_size=payload_size,
            repeat=repeat,
            heartbeat=not no_heartbeat,
        )
        result = run_probe(options, load_rules(default_rule_dirs()))
        if logs_dir:
            from analyzer.live.probe import with_logs

            result = with_logs(result, logs_dir)
        write_probe_report(result, output, secrets=tuple(v for _, v in sent), redact=not no_redact)
        if result.unreachable:
            sys.exit(EXIT_ERROR)
        sys.exit(exit_code(result.findings, output.fail_on))


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--window",
    type=DurationType(),
    default="5m",
    show_default=True,
    help="How much recent log the analysis sees (30s, 5m, 1h).",
)
@click.option(
    "--interval",
    type=DurationType(),
    default="2s",
    show_default=True,
    help="Analyse at most this often (when new lines arrived).",
)
@click.option(
    "--from-start",
    is_flag=True,
    help="Read the files from their beginning (default: only new lines, as tail -F).",
)
@click.option(
    "--for",
    "duration",
    type=DurationType(),
    default=None,
    help="Stop after this long (default: until Ctrl-C, or standard input ends).",
)
@click.option(
    "--max-lines",
    type=click.IntRange(1000, 5_000_000),
    default=200_000,
    show_default=True,
    help="Most lines the window keeps (the oldest go first).",
)
@click.option(
    "--min-severity",
    type=click.Choice(["critical", "high", "medium", "low", "info"]),
    default="medium",
    show_default=True,
    help="Report findings at or above this severity.",
)
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    help="Zone of timestamps that carry none, and of the times printed.",
)
@click.option("--no-redact", is_flag=True, help="Keep secrets in the printed findings.")
@output_options(("text", "jsonl"), default="text", fail_on=True)
def watch(
    paths: tuple[str, ...],
    window: timedelta,
    interval: timedelta,
    from_start: bool,
    duration: timedelta | None,
    max_lines: int,
    min_severity: str,
    tz: str,
    no_redact: bool,
    output: OutputOptions,
) -> None:
    """Follow growing logs (like tail -F, rotation included; - for stdin) and print a finding when it
    starts and when it clears.

    The last --window of lines is analysed with the same rules as `wsdiag analyze` whenever new lines
    arrived; memory stays bounded (--max-lines). --format jsonl writes one JSON object per change.
    Exit code 1 with --fail-on when a finding at or above it started; 0 otherwise.
    """
    from analyzer.analysis import AnalyzeOptions
    from analyzer.ingest import ReadOptions
    from analyzer.live.watch import Change, WatchOptions
    from analyzer.live.watch import watch as run_watch
    from analyzer.report.watch_report import change_json, change_text

    with user_errors(output=output.output):
        if window <= timedelta(0):
            raise click.BadParameter("the window must be longer than 0", param_hint="--window")
        if sum(p == "-" for p in paths) > 1:
            raise click.BadParameter("standard input (-) can be followed once", param_hint="PATHS")
        options = WatchOptions(
            paths=paths,
            window=window.total_seconds(),
            interval=max(0.2, interval.total_seconds()),
            max_lines=max_lines,
            from_start=from_start,
            duration=duration.total_seconds() if duration else None,
            min_severity=min_severity,
            analyze=AnalyzeOptions(read=ReadOptions(tz=tz), redact=not no_redact),
        )
        handle = output.output.open("a", encoding="utf-8") if output.output else None
        started: list[Change] = []

        def emit(change: Change) -> None:
            if change.kind == "started":
                started.append(change)
            if output.fmt == "jsonl":
                text = change_json(change, redact=not no_redact)
            else:
                text = change_text(change, tz=tz, redact=not no_redact)
            if handle:
                handle.write(text + "\n")
                handle.flush()
            else:
                click.echo(text)

        def note(text: str) -> None:
            if not output.quiet:
                click.echo(f"wsdiag: {text}", err=True)

        try:
            run_watch(options, emit, notes=note)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a watch ends
        finally:
            if handle:
                handle.close()
        sys.exit(exit_code([c.finding for c in started], output.fail_on))


#: What ``analyzer.cli`` adds to the ``wsdiag`` group.
LIVE_COMMANDS: list[click.Command] = [probe, watch]
