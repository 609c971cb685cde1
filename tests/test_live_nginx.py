"""Live end-to-end test behind nginx: record the missing-Upgrade-headers scenario with Debian's nginx, the
Node Socket.IO server and Chromium, then read it with wsdiag (skipped when they are missing; `capture/
setup.sh` installs nginx-light with the rest, and WSDIAG_REQUIRE_LIVE=1 makes a missing piece a failure)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_checks import check_inputs, read_scenario

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "capture"
CHROMIUM = os.environ.get("WSDIAG_CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        return "no nginx (capture/setup.sh installs Debian's nginx-light)"
    if not shutil.which("node") or not (CAPTURE / "node_modules" / "socket.io" / "package.json").exists():
        return "no node or capture/node_modules (capture/setup.sh)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    return None


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason and os.environ.get("WSDIAG_REQUIRE_LIVE") == "1":
        pytest.fail(f"WSDIAG_REQUIRE_LIVE=1 but {reason}")
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("live") / "nginx-upgrade-headers-missing"
    proc = subprocess.run(
        [sys.executable, str(CAPTURE / "record.py"), "nginx-upgrade-headers-missing", "--out", str(out),
         "--seconds", "20"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, f"capture failed:\n{proc.stderr[-4000:]}"
    return out


def test_every_file_read_with_its_format(capture: Path) -> None:
    assert (capture / "nginx" / "access.log").stat().st_size > 0
    assert check_inputs(capture, read_scenario(capture)) == []


def test_analyze_names_the_missing_upgrade_headers_with_the_nginx_line(capture: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(capture), "--format", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    first = json.loads(out.stdout)["findings"][0]
    assert first["rule"] == "upgrade-headers-stripped", first
    assert "proxy_http_version 1.1" in first["remediation"]
    assert any(e["path"].endswith("config/nginx.conf") for e in first["evidence"])
