"""Record one scenario for real: Traefik, Socket.IO backends and Chromium on loopback.

    python capture/record.py SCENARIO --out DIR [--seconds N]
    python capture/record.py --list
    python capture/record.py --all --out sample_logs      # every scenario, one process each

The scenario folder is laid out as an engineer would collect it:

    traefik/access.log, traefik/traefik.log     Traefik's access log (CLF or JSON) and its DEBUG log
    backend/<service>.log                       each backend's stdout+stderr
    browser/<host>-<epoch ms>.log               a console export per tab (DevTools "Save as" layout)
    browser/chrome_debug.log                    Chromium's own log (--enable-logging=stderr)
    browser/session.har                         the HAR, written by Playwright
    config/traefik.yml, config/dynamic.yml      static and dynamic config (dynamic.before.yml if changed)
    README.md, .scenario.json                   what ran, with versions, and the root cause
"""

from __future__ import annotations

import argparse
import atexit
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Harness
from observed import COMMON, OBSERVED
from scenarios import SCENARIOS, Scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", nargs="?", help="scenario name (see --list)")
    parser.add_argument("--out", type=Path, help="scenario folder to write (replaced if it exists)")
    parser.add_argument("--seconds", type=float, help="length of the capture (default: the scenario's own)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--all", action="store_true", help="record every scenario into OUT/<scenario>/")
    parser.add_argument(
        "--readme",
        type=Path,
        metavar="DIR",
        nargs="+",
        help="only re-render the README of recorded scenario folders (no capture)",
    )
    parser.add_argument(
        "--keep-work", action="store_true", help="keep the harness's work folder (driver logs)"
    )
    args = parser.parse_args(argv)

    if args.readme:
        for folder in args.readme:
            write_readme(folder)
        return 0
    if args.all:
        if not args.out:
            parser.error("--out DIR is required")
        failed = []
        for name in SCENARIOS:
            rc = subprocess.run([sys.executable, __file__, name, "--out", str(args.out / name)]).returncode
            if rc:
                failed.append(name)
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    if args.list or not args.scenario:
        for sc in SCENARIOS.values():
            print(f"{sc.name:32} {sc.seconds:>4.0f}s  {sc.access_format:6}  {sc.first_rule or 'healthy'}")
        return 0
    if args.scenario not in SCENARIOS:
        parser.error(f"unknown scenario {args.scenario!r}; known: {', '.join(SCENARIOS)}")
    if not args.out:
        parser.error("--out DIR is required")

    sc = SCENARIOS[args.scenario]
    h = Harness(
        name=sc.name,
        out=args.out.resolve(),
        seconds=args.seconds or sc.seconds,
        access_format=sc.access_format,
        proxy=sc.proxy,
        keep_work=args.keep_work,
    )
    atexit.register(h.cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
    started = time.monotonic()
    try:
        sc.run(h)
        h.say("end of capture: closing the browser, then stopping every process")
    finally:
        h.cleanup()
    write_meta(sc, h, time.monotonic() - started)
    write_readme(h.out)
    print(f"{sc.name}: written to {h.out}", file=sys.stderr)
    return 0


def _files(out: Path) -> list[tuple[str, int]]:
    return sorted(
        (str(p.relative_to(out)), p.stat().st_size)
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "README.md"
    )


def write_meta(sc: Scenario, h: Harness, took: float) -> dict[str, Any]:
    """Write `.scenario.json`: what was recorded (read back by the tests and by --readme)."""
    meta = {
        "scenario": sc.name,
        "first_rule": sc.first_rule,
        "also": list(sc.also),
        "access_log_format": sc.access_format,
        "proxy": sc.proxy,
        "recorded_at": h.started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "seconds": h.seconds,
        "took_seconds": round(took),
        "versions": h.versions,
        "history": [{"at": e.at, "what": e.what} for e in h.history],
        "files": dict(_files(h.out)),
    }
    (h.out / ".scenario.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def _proxy_line(sc: Scenario) -> str:
    if sc.proxy == "caddy":
        return (
            "- `caddy/access.log` (the site's `log { format json }`) and `caddy/caddy.log` (Caddy's own log, "
            "with the error entries): Debian's Caddy."
        )
    if sc.proxy == "haproxy":
        return (
            "- `haproxy/haproxy.log`: Debian's HAProxy, `option httplog` written to stdout "
            "(`log stdout format raw local0`)."
        )
    if sc.proxy == "nginx":
        return (
            f"- `nginx/access.log` (log_format `{sc.access_format}`, defined in `config/nginx.conf`) and "
            "`nginx/error.log` (nginx's default level, `error`): Debian's nginx."
        )
    return (
        f"- `traefik/access.log` (format `{sc.access_format}`, headers kept: User-Agent, Origin, Upgrade, "
        "Connection, X-Request-Id, X-Forwarded-For) and `traefik/traefik.log` (DEBUG): the real Traefik binary."
    )


def write_readme(folder: Path) -> None:
    """Render the scenario folder's README from its `.scenario.json` and the scenario's description."""
    meta = json.loads((folder / ".scenario.json").read_text())
    sc = SCENARIOS[meta["scenario"]]
    finding = f"`{sc.first_rule}`" if sc.first_rule else "none at `medium` or above (a healthy capture)"
    lines = [
        f"# {sc.name}",
        "",
        f"**Root cause:** {sc.root_cause}",
        "",
        f"**First finding wsdiag must produce:** {finding}"
        + (f" (may also report: {', '.join(f'`{r}`' for r in sc.also)})" if sc.also else ""),
        "",
        "## What ran",
        "",
        f"Recorded {meta['recorded_at']} on one machine, everything on 127.0.0.1, by "
        f"`python capture/record.py {sc.name} --out DIR --seconds {meta['seconds']:g}` "
        + (f"({meta['took_seconds']} s in all)." if "took_seconds" in meta else "."),
        "",
        "| component | version |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(meta["versions"].items())],
        "",
        "## What was real",
        "",
        "Every line was written by the program that owns the file, during this run, and none was edited:",
        "",
        _proxy_line(sc),
        "- `backend/*.log`: the servers' stdout+stderr — Node Socket.IO servers with "
        "`DEBUG=engine*,socket.io*,chat:*` (the `chat:app` lines are the app's own `debug` logger), the Express "
        "front-end/REST app with pino-http, and where used python-socketio/uvicorn, Flask-SocketIO on werkzeug "
        "(werkzeug's request log, engineio/socketio loggers), Django Channels on daphne or `manage.py "
        "runserver`, and the Go server (gorilla/websocket on net/http or Gin; `log` or `log/slog`).",
        "- `browser/chrome_debug.log`: Chromium's own log (`--enable-logging=stderr --v=0`).",
        "- `browser/session.har`: written by Playwright's `recordHar` for the browser context (all tabs).",
        '- `browser/<host>-<epoch ms>.log`: one console export per tab. DevTools\' "Save as…" cannot be '
        "clicked headless, so these files are **rendered from the CDP events DevTools consumes** "
        "(Runtime.consoleAPICalled, Runtime.exceptionThrown, Log.entryAdded) in DevTools' export layout with "
        '"Show timestamps" on (local time; the machine\'s zone was UTC). Message texts, source lines and '
        "stack frames are Chromium's; the anchors' display names follow DevTools' rules as `capture/browser.js` "
        "implements them.",
        (
            f"- `config/{ {'nginx': 'nginx.conf', 'haproxy': 'haproxy.cfg'}[sc.proxy] }`: the {sc.proxy} "
            "configuration it ran with"
            if sc.proxy in ("nginx", "haproxy")
            else "- `config/`: the Traefik static config and the dynamic file-provider config as deployed at the end"
        )
        + (
            " (`dynamic.before.yml` is the one in force before the change)."
            if (folder / "config" / "dynamic.before.yml").exists()
            else "."
        ),
        "- Unrelated REST traffic: a Python urllib script (User-Agent `Python-urllib/3.11`) through "
        + {"nginx": "nginx.", "haproxy": "HAProxy.", "caddy": "Caddy."}.get(sc.proxy, "Traefik."),
        "",
    ]
    if sc.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in sc.notes], ""]
    lines += [
        "## What the real producers did",
        "",
        "Read from this recording's files (see also `capture/observed.py`):",
        "",
        *[f"- {n}" for n in (*OBSERVED.get(sc.name, ()), *COMMON)],
        "",
    ]
    lines += [
        "## Timeline",
        "",
        "| t (s) | what happened |",
        "|---:|---|",
        *[f"| {e['at']:.1f} | {e['what']} |" for e in meta["history"]],
        "",
        "## Files",
        "",
        "| file | bytes |",
        "|---|---:|",
        *[f"| `{name}` | {size} |" for name, size in meta["files"].items()],
        "",
    ]
    (folder / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
