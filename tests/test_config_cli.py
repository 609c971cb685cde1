"""`wsdiag check-config`: outputs (golden files), --explain, exit codes, errors as one line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import DATA, run

ROOT = DATA.parent.parent
GOLDEN = DATA / "golden"
INCIDENT = "tests/data/config/incident/docker-compose.yml"
SIO = "https://api.example.test/socket.io/?EIO=4&transport=polling"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # paths in the reports are as given: relative to the repository root, like a user would type them
    monkeypatch.chdir(ROOT)


def golden(name: str, actual: str) -> None:
    """Compare with tests/data/golden/NAME; WSDIAG_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("WSDIAG_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "check-config-incident.txt"), ("markdown", "check-config-incident.md")]
)
def test_incident_report(fmt, name):
    result = run("check-config", INCIDENT, "--format", fmt, "--explain", SIO)
    assert result.exit_code == 0
    golden(name, result.stdout)
    assert result.stderr == f"{INCIDENT}: docker-compose, 2 routers\n"


def test_incident_json_report():
    result = run("check-config", INCIDENT, "--format", "json", "--explain", SIO)
    assert result.exit_code == 0
    golden("check-config-incident.json", result.stdout)
    report = json.loads(result.stdout)
    assert report["schema"] == "wsdiag.report/1"
    assert report["inputs"] == [
        {
            "path": INCIDENT,
            "source": "config",
            "format": "docker-compose",
            "events": 2,
            "unparsed_lines": 0,
            "first_ts": None,
            "last_ts": None,
            "clock_offset_ms": None,
        }
    ]
    (finding,) = report["findings"]
    assert finding["rule"] == "router-priority-conflict"
    assert finding["evidence"][0] == {
        "source": "config",
        "path": INCIDENT,
        "line": 31,
        "ts": None,
        "text": '- "traefik.http.routers.chat-ws.rule=Host(`api.example.test`) && PathPrefix(`/socket.io`)"',
    }
    (explained,) = report["explanations"]
    assert explained["winner"] is None
    assert explained["tied"] == ["api@docker", "chat-ws@docker"]
    assert [r["router"] for r in report["routers"]] == ["api@docker", "chat-ws@docker"]


def test_shadowed_websocket_router_text():
    result = run("check-config", "tests/data/config/shadowed/docker-compose.yml")
    out = result.stdout
    assert out.startswith("wsdiag check-config: 1 file, 2 routers, 1 finding (1 critical)\n")
    assert "CRITICAL  handshake-wrong-router" in out
    assert "`traefik.http.routers.chat-ws.priority=100`" in out
    assert "34        frontend@docker" in out and "24        chat-ws@docker" in out


def test_a_correct_configuration_has_no_finding():
    result = run("check-config", "tests/data/config/correct", "--fail-on", "low")
    assert result.exit_code == 0
    assert result.stdout.startswith("wsdiag check-config: 2 files, 4 routers, 0 findings\n")


def test_explain_names_the_winner_and_why():
    result = run(
        "check-config",
        "tests/data/config/shadowed/docker-compose.yml",
        "--explain",
        "https://chat.mycompany-example.com/socket.io/?EIO=4&transport=polling",
        "--explain",
        "https://chat.mycompany-example.com/app.js",
    )
    lines = result.stdout.splitlines()
    assert "  → frontend@docker (priority 34, rule length)" in lines
    assert "  no     24        chat-ws@docker   PathPrefix(`/socket.io`) does not match" in lines


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("high", 1), ("info", 1), (None, 0)])
def test_fail_on(fail_on, code):
    args = ["check-config", INCIDENT] + (["--fail-on", fail_on] if fail_on else [])
    assert run(*args).exit_code == code


def test_output_file(tmp_path):
    out = tmp_path / "report.md"
    result = run("check-config", INCIDENT, "--format", "markdown", "-o", str(out))
    assert result.stdout == ""
    assert out.read_text().startswith("# wsdiag check-config\n")


def test_missing_file_is_exit_2_with_one_line():
    result = run("check-config", "nope.yml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "wsdiag: error: no configuration could be read (nope.yml: no such file or directory)"
    )
    assert "Traceback" not in result.output


def test_one_unreadable_file_among_good_ones_is_reported_and_skipped():
    result = run("check-config", "nope.yml", INCIDENT)
    assert result.exit_code == 0
    assert "nope.yml: skipped: no such file or directory" in result.stderr


def test_not_a_configuration_file():
    result = run("check-config", "tests/data/traefik/traefik-unit-test-fixtures.clf.log")
    assert result.exit_code == 2
    assert "not a Traefik, nginx, HAProxy or Caddy configuration" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--explain", "api.example.test/socket.io"], "expected an absolute http(s) or ws(s) URL"),
        (["--explain", SIO, "--entrypoint", "webb"], "unknown entry point 'webb'; known: web, websecure"),
        (["--explain", SIO, "-H", "no-colon"], "--header expects 'NAME: VALUE'"),
    ],
)
def test_usage_errors_are_one_line(args, message):
    result = run("check-config", INCIDENT, *args)
    assert result.exit_code == 2
    assert message in result.stderr.splitlines()[-1]
    assert result.stderr.splitlines()[-1].startswith("wsdiag: error: ")


def test_env_file_option(tmp_path):
    env = tmp_path / "prod.env"
    env.write_text("API_HOST=prod.example.test\nWS_PRIORITY=100\n")
    result = run(
        "check-config",
        "tests/data/config/interpolation/docker-compose.yml",
        "--env-file",
        str(env),
        "--format",
        "json",
    )
    report = json.loads(result.stdout)
    assert [f["rule"] for f in report["findings"]] == ["service-port-ambiguous"]
    assert {r["router"]: r["rule"] for r in report["routers"]}["api@docker"] == "Host(`prod.example.test`)"


def test_help():
    result = run("check-config", "--help")
    assert result.exit_code == 0
    assert "--explain URL" in result.stdout
    assert Path(INCIDENT).exists()


def test_stdin():
    text = (ROOT / INCIDENT).read_text()
    result = run("check-config", "-", "--format", "json", input=text)
    report = json.loads(result.stdout)
    assert report["inputs"][0]["path"] == "<stdin>"
    assert [f["rule"] for f in report["findings"]] == ["router-priority-conflict"]


def test_secrets_in_explained_urls_are_masked():
    url = "https://api.example.test/socket.io/?EIO=4&transport=polling&token=s3cr3t"
    masked = run("check-config", INCIDENT, "--format", "json", "--explain", url)
    assert "s3cr3t" not in masked.stdout
    assert json.loads(masked.stdout)["explanations"][0]["url"].endswith("&token=REDACTED")
    kept = run("check-config", INCIDENT, "--explain", url, "--no-redact")
    assert "token=s3cr3t" in kept.stdout


def test_json_report_validates_against_the_schema():
    import jsonschema

    schema = json.loads((ROOT / "analyzer/report/wsdiag.report-1.schema.json").read_text())
    for path in ("tests/data/config/incident", "tests/data/config/ports", "tests/data/config/broken"):
        result = run("check-config", path, "--format", "json", "--explain", SIO)
        jsonschema.validate(json.loads(result.stdout), schema)


def test_v1_configuration_is_said_not_to_be_analysed():
    result = run("check-config", "tests/data/config/v1/")
    assert result.exit_code == 0, result.output
    assert (
        "tests/data/config/v1/traefik-4006.toml: skipped: Traefik v1 configuration (frontends and backends): "
        "v1 routing is not analysed" in result.output
    )
    assert "whoami: Traefik v1 labels (traefik.frontend.…): v1 routing is not analysed" in result.output
