"""``wsdiag events`` on a folder holding one file of every backend format."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

from backend_helpers import sample_text
from conftest import run

if TYPE_CHECKING:
    from pathlib import Path

FOLDER = {
    "nest/app.log": "nestjs-v8_en-US_gateway.log",
    "nest/json.log": "nestjs_docs-cn_json-logger.log",
    "engine/debug.log": "engineio-debug_nontty_sticky.log",
    "engine/tty.log": "socketio_issue1503_socketio-debug-tty.log",
    "node/pino.log": "pino_socketio.log",
    "node/winston.log": "winston_gists_json-lines.log",
    "node/ws.log": "ws_issues_errors.log",
    "py/engineio.log": "python-engineio_issue29_werkzeug-400.log",
    "py/uvicorn.log": "uvicorn_ws-403_behind-traefik.log",
    "py/gunicorn.log": "flask-socketio_issue248_gunicorn-3-replicas.log",
    "py/daphne.log": "channels_reject.log",
    "go/server.log": "gorilla_close-1006_std-log.log",
}


def test_events_on_a_mixed_folder(tmp_path: Path) -> None:
    for dest, sample in FOLDER.items():
        path = tmp_path / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sample_text(sample), encoding="utf-8")
    shutil.copy(tmp_path / "nest/app.log", tmp_path / "nest/app.log.1")  # a rotated sibling
    result = run("events", str(tmp_path), "--format", "jsonl", "--tz", "UTC")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_file = {}
    for event in rows:
        by_file.setdefault(event["file"].removeprefix(str(tmp_path) + "/"), set()).add(event["format"])
    assert by_file == {
        "nest/app.log": {"nestjs-text"},
        "nest/app.log.1": {"nestjs-text"},
        "nest/json.log": {"nestjs-json"},
        "engine/debug.log": {"debug-module"},
        "engine/tty.log": {"debug-module"},
        "node/pino.log": {"pino"},
        "node/winston.log": {"winston"},
        "node/ws.log": {"node-errors"},
        "py/engineio.log": {"python-logging"},
        "py/uvicorn.log": {"uvicorn"},
        "py/gunicorn.log": {"gunicorn"},
        "py/daphne.log": {"channels"},
        "go/server.log": {"go-log"},
    }
    assert all(event["ts"] and event["ts"].endswith("Z") and event["source"] == "backend" for event in rows)
    assert all(event["kind"] for event in rows)
    sticky = [e for e in rows if e["error_name"] == "UNKNOWN_SID"]
    assert {e["sid"] for e in sticky} >= {
        "ssO5x8uTyLv3_0bsAAAB",
        "Qm1x2Yz3AbCdEfGhAAAD",
        "8fd756b7159c48fc9332d6058de773d2",
    }
    # the per-file summary names the formats, unparsed lines and what was assumed
    assert "engine/tty.log: debug-module (backend), 10 events, 1 unparsed (line 10: " in result.stderr
    assert "no time of their own" in result.stderr
