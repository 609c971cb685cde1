"""Reports: the JSON schema, determinism, redaction in every format, hostile strings made inert."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run

SCHEMA = json.loads((Path(__file__).parents[1] / "analyzer/report/wsdiag.report-1.schema.json").read_text())
SECRET = "s3cr3t-T0ken-value"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
HOSTILE_UA = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\x1b]0;pwned\x07\x1b[2J\x1bc\x07[click](http://evil.test)'


def clf(
    n: int, status: int, router: str, *, query: str = "", ua: str = "-", sid: str = "", ws: bool = False
) -> str:
    transport = "websocket" if ws else "polling"
    target = f"/socket.io/?EIO=4&transport={transport}&t=P{n}{query}{'&sid=' + sid if sid else ''}"
    duration = 45000 if ws else 3
    ua = ua.replace('"', '\\"')
    return (
        f'10.0.0.{n % 9 + 1} - - [25/Nov/2026:10:{n // 60:02d}:{n % 60:02d} +0000] "GET {target} HTTP/1.1" {status} 10'
        f' "-" "{ua}" {n} "{router}" "http://127.0.0.1:3000" {duration}ms'
    )


@pytest.fixture
def incident(tmp_path):
    lines = [clf(1, 200, "chat-ws@file", sid="SID1"), clf(2, 0, "chat-ws@file", sid="SID1", ws=True)]
    lines += [clf(n, 404, "api@file", query=f"&token={SECRET}", ua=HOSTILE_UA) for n in range(10, 16)]
    lines.append(clf(20, 404, "api@file", query=f"&access_token={JWT}"))
    (tmp_path / "access.log").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_json_report_validates_against_the_schema(incident):
    result = run("analyze", str(incident), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["findings"][0]["rule"] == "handshake-wrong-router"
    assert report["inputs"][0]["format"] == "traefik-clf"


def test_same_input_gives_byte_identical_json(incident):
    first = run("analyze", str(incident), "--format", "json").stdout
    second = run("analyze", str(incident), "--format", "json").stdout
    assert first == second


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_no_secret_in_any_format(incident, fmt):
    # -vv: the text report shows the evidence and its raw lines
    out = run("analyze", str(incident), "--format", fmt, "-vv").stdout
    assert SECRET not in out and JWT not in out
    assert "REDACTED" in out
    assert "sid=SID1" in out or "SID1" in out or fmt == "text"


def test_no_redact_keeps_secrets(incident):
    out = run("analyze", str(incident), "--format", "json", "--no-redact").stdout
    assert SECRET in out


def test_text_report_neutralizes_terminal_escapes(incident):
    out = run("analyze", str(incident), "--format", "text", "-vv").stdout
    assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\x1bc" not in out and "\x07" not in out
    assert "\\x1b" in out


def test_markdown_neutralizes_links_and_html(incident):
    out = run("analyze", str(incident), "--format", "markdown").stdout
    # evidence sits in code blocks; prose escapes what would become markup
    assert "](http://evil.test)" not in out.replace("```", "").split("<details>")[0]
    assert "<script>" not in out.split("<details>")[0]


def test_html_renders_hostile_strings_as_text(incident):
    out = run("analyze", str(incident), "--format", "html").stdout
    assert "<script>alert" not in out and "<img" not in out and "\x1b" not in out
    # the access log escapes the quote; the control characters left after ANSI stripping show as text
    assert (
        r"&lt;script&gt;alert(1)&lt;/script&gt;\&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\x1bc\x07" in out
    )


def test_fail_on_sets_exit_code(incident):
    assert run("analyze", str(incident), "--fail-on", "critical").exit_code == 1
    assert run("analyze", str(incident), "--fail-on", "critical", "--only", "ping-timeout").exit_code == 0


def test_unknown_rule_id_is_a_usage_error(incident):
    result = run("analyze", str(incident), "--only", "no-such-rule")
    assert result.exit_code == 2 and "unknown rule id 'no-such-rule'" in result.stderr


def test_not_concluded_lists_rules_without_their_source(incident):
    report = json.loads(run("analyze", str(incident), "--format", "json").stdout)
    missing = {item["rule"] for item in report["not_concluded"]}
    assert {"cors-blocked", "mixed-content-blocked", "dns-failure"} <= missing
