"""Wrap a recorded backend log the way a host's logging does: journald (`systemd-cat`, read back with
`journalctl -o …`) and rsyslog (`logger`, written by rsyslog's file templates).

The recorded lines are replayed, verbatim and at their recorded pace, into the real tools, and the daemons
run under libfaketime (`faketime -f @START`) started at the recording's first time, so the wrapper's stamps
fall where the host would have put them when the program wrote the line (within the replay's pacing, a few
ms). Lines without a time of their own are sent right after the line before them.

    python capture/wrap.py journald sample_logs/healthy-django-daphne/backend/chat-django.log \
        --tag chat-django --out tests/data/wrapped/journald
    python capture/wrap.py rsyslog sample_logs/go-upgrade-headers-stripped/backend/chat-go.log \
        --tag chat-go --out tests/data/wrapped/rsyslog [--tz America/New_York]

Needs (Debian): systemd (systemd-journald, systemd-cat, journalctl), rsyslog, bsdutils (logger), faketime
(libfaketime). Run one at a time: a second journald cannot take the journal's sockets.
journald is started by this script (no systemd is PID 1 here) and stopped by its PID at the end; its entries
go to the host's journal and are read back by their tag (SYSLOG_IDENTIFIER).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

#: Times the recorded producers write (all recorded in UTC), enough to pace a replay; not a parser.
_TIMES = [
    (re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d+))?"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"(\d{4}/\d\d/\d\d)(?: - | )(\d\d:\d\d:\d\d)()"), "%Y/%m/%d %H:%M:%S"),
    (re.compile(r"\[(\d\d/\w{3}/\d{4})[: ](\d\d:\d\d:\d\d)()\]"), "%d/%b/%Y %H:%M:%S"),
]
JOURNAL_OUTPUTS = ("short-iso", "short", "short-precise", "json", "cat")
#: rsyslog's built-in file templates: Debian 12's /var/log/syslog default, the high-precision RFC 3339 one
#: (Debian 13's default) and RFC 5424 as on the wire.
RSYSLOG_TEMPLATES = {
    "traditional": "RSYSLOG_TraditionalFileFormat",
    "rfc3339": "RSYSLOG_FileFormat",
    "rfc5424": "RSYSLOG_SyslogProtocol23Format",
}


def line_time(line: str) -> float | None:
    for pattern, fmt in _TIMES:
        m = pattern.search(line)
        if m:
            stamp = datetime.strptime(f"{m.group(1)} {m.group(2)}", fmt).replace(tzinfo=UTC)
            frac = float(f"0.{m.group(3)}") if m.group(3) else 0.0
            return stamp.timestamp() + frac
    return None


def schedule(lines: list[str]) -> list[float]:
    """Each line's recorded time (seconds since the epoch); untimed lines take the time before them."""
    times: list[float] = []
    last = next((t for t in map(line_time, lines) if t is not None), None)
    if last is None:
        raise SystemExit("no line carries a time: nothing to pace the replay on")
    for line in lines:
        t = line_time(line)
        last = t if t is not None and t >= last else last
        times.append(last)
    return times


#: libfaketime itself, preloaded (the `faketime` command forks, so its PID would not be the daemon's).
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def faked(start: float, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that starts a process's clock at `start` (then running at the real pace).

    libfaketime reads the start as local time in the process's own TZ, so it is written in that zone.
    """
    base = {**(env or os.environ)}
    zone = ZoneInfo(base.get("TZ") or "UTC")
    spec = "@" + datetime.fromtimestamp(start, zone).strftime("%Y-%m-%d %H:%M:%S.%f")
    return {**base, "LD_PRELOAD": LIBFAKETIME, "FAKETIME": spec, "FAKETIME_DONT_RESET": "1"}


#: Seconds the daemons' fake clocks start before the first line: journald can take several seconds to open
#: its files (it rotates them when the clock jumps backwards), and no line may be sent before it listens.
LEAD = 15.0


def replay(lines: list[str], times: list[float], sink: subprocess.Popen[bytes], t0_real: float) -> None:
    """Write each line into the sink's stdin when its recorded time comes (t0_real = times[0] - LEAD)."""
    assert sink.stdin
    start = times[0] - LEAD
    for line, at in zip(lines, times, strict=True):
        delay = (at - start) - (time.monotonic() - t0_real)
        if delay > 0:
            time.sleep(delay)
        sink.stdin.write(line.encode() + b"\n")
        sink.stdin.flush()
    sink.stdin.close()
    sink.wait(10)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_socket(path: Path, kind: int, timeout: float = 10.0) -> None:
    """Wait until the daemon listens on its Unix socket (a file left by an earlier run refuses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, kind) as s:
            s.connect(str(path))
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {path} after {timeout:g}s")


def via_journald(lines: list[str], times: list[float], tag: str, out: Path) -> list[str]:
    t0 = time.monotonic()
    journald = subprocess.Popen(["/lib/systemd/systemd-journald"], env=faked(times[0] - LEAD))
    try:
        wait_socket(Path("/run/systemd/journal/stdout"), socket.SOCK_STREAM)
        cat = subprocess.Popen(["systemd-cat", "-t", tag, "--level-prefix=false"], stdin=subprocess.PIPE)
        replay(lines, times, cat, t0)
        time.sleep(1)
        subprocess.run(["journalctl", "--sync"], check=False)
    finally:
        stop(journald)
    made = []
    # this run's entries only: systemd-cat's PID is the stream's _PID
    match = [f"_PID={cat.pid}", f"SYSLOG_IDENTIFIER={tag}"]
    for output in JOURNAL_OUTPUTS:
        target = out / f"{tag}.journal-{output}.log"
        with target.open("wb") as fh:
            subprocess.run(
                ["journalctl", *match, "-o", output, "--no-pager"], stdout=fh, check=True, env=_utc_env()
            )
        made.append(f"journalctl {' '.join(match)} -o {output} --no-pager > {target.name}")
    return made


def via_rsyslog(lines: list[str], times: list[float], tag: str, out: Path, tz: str) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="wsdiag-rsyslog-"))
    sock = work / "log.sock"
    suffix = "" if tz == "UTC" else "-" + tz.replace("/", "_")
    # rsyslog's omfile takes absolute paths only
    targets = {name: out.resolve() / f"{tag}.rsyslog-{name}{suffix}.log" for name in RSYSLOG_TEMPLATES}
    for target in targets.values():
        target.unlink(missing_ok=True)
    actions = "\n".join(
        f'action(type="omfile" file="{targets[name]}" template="{template}")'
        for name, template in RSYSLOG_TEMPLATES.items()
    )
    conf = work / "rsyslog.conf"
    conf.write_text(
        f'global(workDirectory="{work}")\n'
        'module(load="imuxsock" SysSock.Use="off")\n'
        # stamped by rsyslogd's own (faked) clock, not by the kernel's SO_TIMESTAMP
        f'input(type="imuxsock" Socket="{sock}" UseSysTimeStamp="off")\n'
        f"{actions}\n"
    )
    env = {**os.environ, "TZ": tz}
    t0 = time.monotonic()
    rsyslogd = subprocess.Popen(
        ["rsyslogd", "-n", "-f", str(conf), "-i", str(work / "rsyslogd.pid")], env=faked(times[0] - LEAD, env)
    )
    try:
        wait_socket(sock, socket.SOCK_DGRAM)
        logger = subprocess.Popen(["logger", "-u", str(sock), "-t", tag], stdin=subprocess.PIPE, env=env)
        replay(lines, times, logger, t0)
        time.sleep(1)
    finally:
        stop(rsyslogd)
    return [
        f"logger -u SOCKET -t {tag} (stdin) into rsyslogd (TZ={tz}), template {RSYSLOG_TEMPLATES[name]} "
        f"> {target.name}"
        for name, target in targets.items()
    ]


def _utc_env() -> dict[str, str]:
    return {**os.environ, "TZ": "UTC"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("via", choices=("journald", "rsyslog"))
    parser.add_argument("log", type=Path, help="a recorded backend log")
    parser.add_argument("--tag", required=True, help="the syslog identifier (systemd-cat -t / logger -t)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the wrapped files")
    parser.add_argument("--tz", default="UTC", help="rsyslogd's time zone (its traditional format is local)")
    args = parser.parse_args(argv)
    lines = args.log.read_text().splitlines()
    times = schedule(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.via == "journald":
        made = via_journald(lines, times, args.tag, args.out)
    else:
        made = via_rsyslog(lines, times, args.tag, args.out, args.tz)
    for what in made:
        print(what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
