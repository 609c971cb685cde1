"""No planted secret leaves wsdiag, in any output of any command — findings' own text included.

A real recording (``sample_logs/backend-unreachable``) is given credentials where real deployments carry
them: the Traefik service URL (``http://user:password@host``, which the ``backend-unreachable`` template
copies into its explanation and fix), tokens in the Socket.IO query string, an environment dump beside
the logs, a symbolic link to a secrets file outside the folder, a file whose name carries terminal escapes
and a bidi override, and a named pipe. Every format of ``analyze`` and ``scan``, ``events`` and
``timeline``, stdout, stderr and the files written are searched.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli

SAMPLE = Path(__file__).parents[1] / "sample_logs" / "backend-unreachable"
PLANTED = "PLANTEDx9"
HOSTILE_NAME = "evil\x1b]0;owned\x07\u202etxt.log"


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("secrets") / "capture"
    shutil.copytree(SAMPLE, root)
    access = root / "traefik" / "access.log"
    text = access.read_text(encoding="utf-8")
    text = text.replace('"http://127.0.0.1:', f'"http://svc:{PLANTED}pw@127.0.0.1:')
    text = text.replace("/socket.io/?EIO=4&", f"/socket.io/?EIO=4&access_token={PLANTED}tok&")
    access.write_text(text, encoding="utf-8")
    outside = root.parent / "outside-secrets.log"
    outside.write_text(f"AWS_SECRET_ACCESS_KEY={PLANTED}aws\n", encoding="utf-8")
    (root / "backend" / "linked.log").symlink_to(outside)
    (root / "backend" / "environ.log").write_text(
        f"HOME=/root\x00GITHUB_TOKEN={PLANTED}gh\x00PATH=/usr/bin\n", encoding="utf-8"
    )
    (root / "backend" / HOSTILE_NAME).write_text("not a log at all\n", encoding="utf-8")
    os.mkfifo(root / "backend" / "stream.log")
    return root


def _run(*args: str) -> tuple[int, str]:
    """Exit code, and stdout followed by stderr."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout + "\n--- stderr ---\n" + result.stderr


def _outputs(capture: Path, tmp: Path) -> dict[str, tuple[int, str]]:
    cache = str(tmp / "cache")
    out: dict[str, tuple[int, str]] = {}
    for fmt in ("text", "markdown", "json", "html"):
        out[f"analyze {fmt}"] = _run("analyze", str(capture), "--format", fmt)
        target = tmp / f"scan.{fmt}"
        code, printed = _run(
            "scan", str(capture), "--format", fmt, "-o", str(target), "-j", "1", "--cache-dir", cache
        )
        out[f"scan {fmt}"] = (code, printed + target.read_text(encoding="utf-8"))
    for fmt in ("jsonl", "csv", "table"):
        out[f"events {fmt}"] = _run("events", str(capture), "--format", fmt, "--limit", "100000")
    out["timeline"] = _run("timeline", str(capture), "--failed", "--limit", "100")
    out["timeline json"] = _run("timeline", str(capture), "--failed", "--format", "json")
    return out


@pytest.fixture(scope="module")
def outputs(capture, tmp_path_factory) -> dict[str, tuple[int, str]]:
    return _outputs(capture, tmp_path_factory.mktemp("out"))


def test_the_planted_credentials_are_in_the_input(capture):
    assert PLANTED in (capture / "traefik" / "access.log").read_text(encoding="utf-8")


def test_the_finding_that_copies_the_service_url_fires(outputs):
    report = json.loads(outputs["analyze json"][1].partition("\n--- stderr ---\n")[0])
    rules = [f["rule"] for f in report["findings"]]
    assert "backend-unreachable" in rules
    unreachable = next(f for f in report["findings"] if f["rule"] == "backend-unreachable")
    assert "http://svc:REDACTED@127.0.0.1:" in unreachable["explanation"]


@pytest.mark.parametrize(
    "what",
    ["analyze text", "analyze markdown", "analyze json", "analyze html", "scan text", "scan markdown",
     "scan json", "scan html", "events jsonl", "events csv", "events table", "timeline", "timeline json"],
)  # fmt: skip
def test_no_secret_and_no_raw_control_character_in_any_output(outputs, what):
    code, text = outputs[what]
    assert code == 0, text[-2000:]
    assert PLANTED not in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text


def test_the_link_out_of_the_folder_and_the_pipe_are_named_not_read(outputs):
    text = outputs["analyze text"][1]
    assert "backend/linked.log" in text and "not followed" in text
    assert "backend/stream.log" in text and "named pipe" in text


def test_the_hostile_file_name_is_shown_escaped(outputs):
    report, _, stderr = outputs["analyze json"][1].partition("\n--- stderr ---\n")
    assert "backend/evil\\x1b]0;owned\\x07\\u202etxt.log: skipped: unknown format" in stderr
    assert '"path": "backend/evil\\u001b]0;owned\\u0007\\u202etxt.log"' in report
