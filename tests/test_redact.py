"""The masking patterns: every credential shape found in real logs is masked, Socket.IO's evidence is not,
masking is idempotent, and no hostile line can make it slow.

Each case is a line in the shape its producer writes — copied from the public thread cited beside it,
with the thread's own value replaced by a planted secret (``PLANTED…``) so the test can look for it.
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from analyzer.redact import redact, redact_events, redact_expr, redact_series, redact_texts

CASES = {
    # https://github.com/miguelgrinberg/python-socketio/issues/272 (print(str(environ)) in a connect handler)
    "python-socketio environ QUERY_STRING": (
        "'QUERY_STRING': 'username=root&password=PLANTEDpw1&EIO=3&transport=polling&t=Mc7Isz7'",
        ["EIO=3", "transport=polling", "t=Mc7Isz7"],
    ),
    # https://github.com/miguelgrinberg/python-socketio/issues/398 (the same environ, with its headers)
    "python-socketio environ headers": (
        "{'REQUEST_METHOD': 'GET', 'HTTP_AUTHORIZATION': 'Bearer PLANTEDbearer2', 'HTTP_COOKIE': 'io=PLANTEDcookie3'}",
        ["REQUEST_METHOD"],
    ),
    # https://github.com/redis/ioredis/issues/1077 (a Node config object printed by util.inspect)
    "node inspect object": (
        "{ sentinels: [ { host: '10.0.0.1', port: 26379 } ], password: 'PLANTEDpw4' }",
        ["26379"],
    ),
    # https://github.com/Links2004/arduinoWebSockets/issues/823 (Socket.IO v4 auth option, logged as an object)
    "node inspect auth token": ("{ auth: { token: 'PLANTEDtok5' } }", []),
    # Socket.IO v4 CONNECT packet with an auth payload, as a HAR frame's data (socket.io-protocol v5: 0 = CONNECT)
    "socket.io CONNECT auth frame": (
        '{"type":"send","time":1.2,"opcode":1,"data":"40{\\"token\\":\\"PLANTEDtok6\\"}"}',
        [],
    ),
    "socket.io CONNECT auth frame, decoded": ('40{"token":"PLANTEDtok7"}', []),
    # https://github.com/minio/minio/issues/5630 (a presigned S3 URL)
    "presigned S3 URL": (
        "GET /b/steps.svg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAJAS63GECEYO4Y77A%2F20180323"
        "&X-Amz-Date=20180323T233955Z&X-Amz-Expires=60&X-Amz-Signature=PLANTEDsig8&X-Amz-Security-Token=PLANTEDsts9",
        ["X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Expires=60"],
    ),
    # https://github.com/minio/minio/issues/5630 (S3's error body names the access key id)
    "AWS access key id in an error body": ("<AWSAccessKeyId>AKIAPLANTED0KEY0ID10</AWSAccessKeyId>", []),
    # https://github.com/owncloud/web/issues/2288 (an OpenID provider's redirect, fragment-encoded)
    "OAuth fragment": (
        "Location: http://localhost:8300/oidc-callback.html#access_token=PLANTEDtok11&expires_in=3599"
        "&id_token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdF9oYXNoIjoiVHBIXzl3S1REc3I1dUJ4NDBub2VOUSJ9.PLANTEDsig12",
        ["expires_in=3599"],
    ),
    # Traefik JSON access log with kept headers (accessLog.fields.headers.names: {"Authorization": keep})
    "traefik kept headers": (
        '{"RequestPath":"/socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC",'
        '"request_Authorization":"Bearer PLANTEDbearer13","request_X-Csrf-Token":"PLANTEDcsrf14",'
        '"request_X-Amz-Security-Token":"PLANTEDsts15","ServiceURL":"http://svc:PLANTEDpw16@10.0.0.3:3000"}',
        ["sid=lv_VI97HAXpY6yYWAAAC", "transport=websocket"],
    ),
    "camelCase JSON keys": (
        '{"accessToken":"PLANTEDtok17","authToken":"PLANTEDtok18","refreshToken":"PLANTEDtok19"}',
        [],
    ),
    "redis URL without a user": (
        "Error: connect ECONNREFUSED redis://:PLANTEDpw20@redis:6379/0",
        ["redis:6379"],
    ),
    "environment dump (NUL-separated)": (
        "HOME=/root\x00AWS_SECRET_ACCESS_KEY=PLANTEDkey21\x00GITHUB_TOKEN=PLANTEDtok22\x00PATH=/usr/bin",
        ["HOME=/root", "PATH=/usr/bin"],
    ),
    "docker json-file log wrapping a JSON line": (
        '{"log":"{\\"level\\":30,\\"msg\\":\\"auth\\",\\"apiKey\\":\\"PLANTEDkey23\\"}\\n","stream":"stdout"}',
        ['"stream":"stdout"'],
    ),
    "HAR cookie list": (
        '"cookies": [{"name": "io", "value": "PLANTEDcookie24"}], "headersSize": 512',
        ["headersSize"],
    ),
    "HAR header object": ('{"name": "Set-Cookie", "value": "session=PLANTEDcookie25; Path=/"}', []),
    "JWT cut short": ("… eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJQTEFOVEVEand0MjYifQ", []),
    "numeric password": ('{"port": 5150, "password": 27182818}', ["5150"]),
    "logfmt quoted value": (
        'level=info msg="connect" client_secret="PLANTED secret 29" sid=abc',
        ["sid=abc"],
    ),
}


@pytest.mark.parametrize(("line", "kept"), CASES.values(), ids=CASES.keys())
def test_credentials_are_masked_and_socketio_evidence_kept(line, kept):
    masked = redact(line)
    assert "PLANTED" not in masked and "27182818" not in masked, masked
    assert "REDACTED" in masked
    for piece in kept:
        assert piece in masked


def test_masking_twice_changes_nothing():
    once = redact_texts([line for line, _ in CASES.values()])
    assert redact_texts(once) == once


def test_one_string_and_a_column_are_masked_alike():
    lines = [line for line, _ in CASES.values()]
    column = pl.DataFrame({"raw": lines}).with_columns(redact_expr(pl.col("raw")))["raw"].to_list()
    assert column == [redact(line) for line in lines] == redact_texts(lines)


def test_the_event_table_is_masked_on_every_column_that_carries_text():
    events = pl.DataFrame(
        {
            "raw": ["GET /?token=PLANTEDa"],
            "path": ["/cb/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln"],
            "upstream": ["http://svc:PLANTEDb@10.0.0.3:3000"],
            "status": [200],
        }
    )
    masked = redact_events(events)
    assert "PLANTED" not in str(masked.rows()) and "eyJzdWIi" not in str(masked.rows())
    assert masked["status"].to_list() == [200]


def _corpus_lines() -> list[str]:
    """Every line of the recorded scenarios and the test data (text files), and the planted cases."""
    root = Path(__file__).resolve().parents[1]
    lines = [line for line, _ in CASES.values()]
    for folder in (root / "sample_logs", root / "tests" / "data"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in (".gz", ".bz2", ".xz", ".zst", ".png"):
                lines += path.read_bytes().decode("utf-8", "replace").splitlines()
    return lines


def test_the_prefilter_skips_only_strings_the_patterns_leave_alone():
    """``redact_series`` runs the patterns only where a trigger word is: same result as running them all."""
    lines = _corpus_lines()
    # a trigger's Unicode case fold (Kelvin sign, long s) and a URL password without any credential word
    lines += [
        "\u212aey=PLANTEDk1",
        "to\u212aen=PLANTEDk2",
        "\u017fecret=PLANTEDs3",
        "amqp://u:PLANTEDp4@mq:5672/",
    ]
    assert len(lines) > 20_000
    series = pl.Series("v", lines, dtype=pl.String)
    full = pl.select(redact_expr(pl.lit(series))).to_series()
    fast = redact_series(series)
    differing = [(a, b) for a, b in zip(full.to_list(), fast.to_list(), strict=True) if a != b]
    assert differing == []
    assert not any("PLANTED" in line for line in fast.to_list()[-4:])
    events = pl.DataFrame({"raw": lines, "path": list(reversed(lines)), "status": list(range(len(lines)))})
    expected = events.with_columns(redact_expr(pl.col("raw")), redact_expr(pl.col("path")))
    assert redact_events(events).equals(expected)


# -- linear time --------------------------------------------------------------------------------------

#: Long repeats of the shape each pattern looks for, without its end: the inputs that make a
#: backtracking engine quadratic (Python's ``re`` took over 300 s on a 100 KB User-Agent here).
_MIB = 1 << 20
HOSTILE = {
    "name= repeated": "token=" * (_MIB // 6),
    "quoted name= never closed": 'token="' + "a" * _MIB,
    "JSON key repeated": '"token":"' * (_MIB // 9),
    "JSON value of backslashes": '"token":"' + "\\" * _MIB,
    "escaped JSON key repeated": '\\"token\\":\\"' * (_MIB // 13),
    "Python dict key repeated": "'token': '" * (_MIB // 10),
    "inspect key repeated": "{ token: '" * (_MIB // 10),
    "header name repeated": "authorization: " * (_MIB // 15),
    "bearer and spaces": "bearer " + " " * _MIB,
    "URL scheme and colons": "http://" + "a:" * (_MIB // 2),
    "URL user repeated": "http://a:" * (_MIB // 9),
    "JWT head without dots": "eyJ" + "a" * _MIB,
    "JWT segments": "eyJaaaaaaaa." * (_MIB // 12),
    "credential words glued": "accessTokenSecret" * (_MIB // 17),
    "HAR header names": '"name":"cookie","value":' * (_MIB // 24),
    "HAR cookie list never closed": '"cookies": [' + "{" * _MIB,
    "PEM header repeated": "-----BEGIN RSA PRIVATE KEY-----" * (_MIB // 31),
    "key id prefix repeated": "AKIA" * (_MIB // 4),
    "one long word": "a" * _MIB,
    "spaces": " " * _MIB,
}


@pytest.mark.parametrize("line", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_one_mebibyte_hostile_line_is_masked_in_well_under_a_second(line):
    start = time.perf_counter()
    redact_texts([line])
    assert time.perf_counter() - start < 1.0


# 256 KiB: the escapes run Python per match (linear, but slower than polars); a quadratic escape would
# take minutes on this size, so a generous bound still tells the two apart on a loaded machine.
_QUARTER = _MIB // 4
PROSE_HOSTILE = {
    "spaces without a newline": " " * _QUARTER,
    "spaces around newlines": (" " * 500 + "\n") * 500,
    "backtick pairs never closed": "``" + "`a" * (_QUARTER // 2),
    "sentence ends and spaces": ". " * (_QUARTER // 2),
    "at signs": "@a " * (_QUARTER // 3),
    "control characters": "\x1b[2J\u202e" * (_QUARTER // 5),
}


@pytest.mark.parametrize("text", PROSE_HOSTILE.values(), ids=PROSE_HOSTILE.keys())
def test_escaping_for_every_output_is_linear_too(text):
    from analyzer.report.html import first_sentence
    from analyzer.report.safe import html_prose, md_inline, md_prose, printable

    start = time.perf_counter()
    for escape in (printable, md_inline, md_prose, html_prose, first_sentence):
        escape(text)
    assert time.perf_counter() - start < 10.0
