"""Secrets never leave wsdiag and hostile strings stay inert, in every output a user can produce.

One realistic multi-source capture carries planted credentials (query parameters, Authorization and
Cookie headers in Traefik's JSON and in a HAR, a Set-Cookie, a form body, a JWT in a console line,
basic auth in a URL) and hostile strings (HTML/script injection, Markdown link injection, terminal
escape sequences). Every report format, the event export and the timeline are checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTk5OTk5OTk5OX0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
SECRETS = {
    "query token": "tok-7Hq2LmZx91",
    "access_token": "acc-Z8d7QwErTy",
    "api_key": "key-Pp0Oo9Ii8U",
    "password": "hunter2-Secret!",
    "signature": "sig-Aa1Bb2Cc3Dd4",
    "bearer": "bearer-Yu7Ti6Re5We4",
    "cookie": "sess-Ff9Gg8Hh7Jj6",
    "set-cookie": "srv-Kk5Ll4Mm3Nn2",
    "basic auth": "b4sic-Pa55word",
    "jwt": JWT,
}
HOSTILE = {
    "script": "<script>alert('xss')</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "md link": "[click me](javascript:alert(1))",
    "md image": "![x](http://evil.example/track.png)",
    "terminal": "\x1b]0;owned\x07\x1b[2J\x1bc",
}
SID = "lv_VI97HAXpY6yYWAAAC"


def _proxy_json(i: int, path: str, status: int, router: str, **headers: str) -> str:
    row = {
        "ClientHost": "203.0.113.9", "DownstreamContentSize": 19, "DownstreamStatus": status, "Duration": 2_000_000,
        "RequestHost": "api.example.test", "RequestMethod": "GET", "RequestPath": path, "RequestProtocol": "HTTP/1.1",
        "RouterName": router, "ServiceURL": "http://127.0.0.1:4000" if router.startswith("api") else "http://127.0.0.1:3000",
        "StartUTC": f"2026-11-25T10:00:{i:02d}.100000000Z", "level": "info", "msg": "",
        "time": f"2026-11-25T10:00:{i:02d}Z", **{f"request_{k}": v for k, v in headers.items()},
    }  # fmt: skip
    return json.dumps(row)


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "traefik").mkdir()
    (root / "browser").mkdir()
    (root / "backend").mkdir()
    lines = [
        _proxy_json(0, "/socket.io/?EIO=4&transport=polling&t=Pok1", 200, "chat-ws@file"),
        _proxy_json(1, f"/socket.io/?EIO=4&transport=polling&t=Pok2&sid={SID}", 200, "chat-ws@file"),
    ]
    for i in range(2, 8):
        lines.append(
            _proxy_json(
                i,
                f"/socket.io/?EIO=4&transport=polling&t=Pbad{i}&token={SECRETS['query token']}"
                f"&access_token={SECRETS['access_token']}&api_key={SECRETS['api_key']}"
                f"&signature={SECRETS['signature']}&x={HOSTILE['md link']}",
                404,
                "api@file",
                Authorization=f"Bearer {SECRETS['bearer']}",
                Cookie=f"session={SECRETS['cookie']}; theme=dark",
                **{
                    "User-Agent": HOSTILE["script"]
                    + HOSTILE["img"]
                    + HOSTILE["terminal"]
                    + HOSTILE["md image"]
                },
            )
        )
    (root / "traefik" / "access.log").write_text("\n".join(lines) + "\n")
    console = [
        f"10:00:03.000 app.js:12 login with token {JWT}",
        f"10:00:03.100 app.js:13 Authorization: Bearer {SECRETS['bearer']}",
        f"10:00:03.200 app.js:14 connecting to https://alice:{SECRETS['basic auth']}@api.example.test/socket.io/",
        f"10:00:03.300 app.js:15 {HOSTILE['script']} {HOSTILE['img']} {HOSTILE['md link']} {HOSTILE['terminal']}",
        f"10:00:04.000 :443/socket.io/?EIO=4&transport=polling&t=Pbad4&token={SECRETS['query token']}:1 "
        "Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]
    (root / "browser" / "api.example.test-1795644000000.log").write_text("\n".join(console) + "\n")
    har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": [
        {
            "startedDateTime": "2026-11-25T10:00:05.000Z", "time": 12.0,
            "request": {
                "method": "POST", "httpVersion": "HTTP/1.1",
                "url": f"https://api.example.test/login?password={SECRETS['password']}",
                "headers": [
                    {"name": "Authorization", "value": f"Bearer {SECRETS['bearer']}"},
                    {"name": "Cookie", "value": f"session={SECRETS['cookie']}"},
                ],
                "queryString": [], "cookies": [{"name": "session", "value": SECRETS["cookie"]}],
                "postData": {"mimeType": "application/x-www-form-urlencoded",
                             "text": f"user=alice&password={SECRETS['password']}"},
                "headersSize": -1, "bodySize": 40,
            },
            "response": {
                "status": 404, "statusText": "Not Found", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Set-Cookie", "value": f"srv={SECRETS['set-cookie']}; HttpOnly"}],
                "cookies": [{"name": "srv", "value": SECRETS["set-cookie"]}],
                "content": {"size": 9, "mimeType": "text/plain", "text": "Not Found"},
                "redirectURL": "", "headersSize": -1, "bodySize": 9,
            },
            "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1},
        },
    ]}}  # fmt: skip
    (root / "browser" / "session.har").write_text(json.dumps(har, indent=2))
    pino = {"level": 40, "time": 1795644006000, "msg": "login failed", "password": SECRETS["password"],
            "url": f"/socket.io/?EIO=4&transport=polling&token={SECRETS['query token']}"}  # fmt: skip
    (root / "backend" / "api.log").write_text(json.dumps(pino) + "\n")
    return root


def outputs(capture: Path, tmp_path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for fmt in ("text", "markdown", "json", "html"):
        target = tmp_path / f"report.{fmt}"
        # -vv: the text report with every evidence line and its raw record
        result = run("analyze", str(capture), "--format", fmt, "-vv", "-o", str(target))
        assert result.exit_code == 0, result.output
        out[f"analyze {fmt}"] = target.read_text(encoding="utf-8")
    out["analyze text (stdout)"] = run("analyze", str(capture), "-vv").stdout
    out["analyze verdict (stdout)"] = run("analyze", str(capture)).stdout
    for fmt in ("jsonl", "csv", "table"):
        out[f"events {fmt}"] = run("events", str(capture), "--format", fmt, "--limit", "1000").stdout
    out["timeline json"] = run("timeline", str(capture), "--failed", "--format", "json").stdout
    out["timeline text"] = run("timeline", str(capture), "--failed").stdout
    return out


def test_the_capture_produces_findings_with_evidence(capture):
    report = json.loads(run("analyze", str(capture), "--format", "json").stdout)
    assert report["findings"] and report["findings"][0]["evidence"]
    assert {i["format"] for i in report["inputs"]} >= {"traefik-json", "chrome-console", "har", "pino"}


def test_no_planted_secret_in_any_output(capture, tmp_path):
    for name, text in outputs(capture, tmp_path).items():
        for what, secret in SECRETS.items():
            assert secret not in text, f"{what} leaked into {name}"
        assert "REDACTED" in text or name.startswith(("timeline", "analyze verdict")), name


def test_socket_io_evidence_stays_visible(capture, tmp_path):
    text = outputs(capture, tmp_path)["analyze json"]
    assert "transport=polling" in text and "EIO=4" in text and "t=Pbad" in text


def test_no_redact_keeps_them(capture):
    out = run("events", str(capture), "--format", "jsonl", "--no-redact").stdout
    assert SECRETS["query token"] in out


def test_hostile_strings_are_inert(capture, tmp_path):
    out = outputs(capture, tmp_path)
    html = out["analyze html"]
    assert (
        "<script>alert" not in html
        and "<img src=x" not in html
        and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    )
    markdown = out["analyze markdown"]
    outside_code = "".join(part for i, part in enumerate(markdown.split("```")) if i % 2 == 0)
    assert "](javascript:" not in outside_code and "![x](http" not in outside_code
    assert "<script>" not in outside_code and "<img" not in outside_code
    for name in ("analyze text", "analyze text (stdout)", "events table", "timeline text", "events csv"):
        assert "\x1b" not in out[name] and "\x07" not in out[name], name
