"""HAProxy configuration: the faults planted in the socket.io docs' own HAProxy example (one edit each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import analyze_config, load_configs
from analyzer.config.haproxy import seconds

BASE = Path(__file__).parent / "data" / "config" / "haproxy" / "socketio-cluster-haproxy.cfg"


def planted(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = BASE.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    return path


def test_the_docs_example_is_clean():
    config = load_configs([BASE])
    assert [f.format for f in config.files] == ["haproxy"]
    assert analyze_config(config) == []


@pytest.mark.parametrize(
    ("edit", "rule", "line"),
    [
        (("  cookie serverid insert\n", ""), "sticky-session-missing", 25),
        (("timeout tunnel      1h", "timeout tunnel      20s"), "idle-timeout-cut", 17),
        # without a tunnel timeout the client/server ones govern an upgraded connection
        (("  timeout tunnel      1h\n", ""), "idle-timeout-cut", 14),
    ],
    ids=["no-cookie", "tunnel-20s", "no-tunnel-30s"],
)
def test_a_planted_fault_is_found_with_its_line(tmp_path, edit, rule, line):
    path = planted(tmp_path, edit)
    [found] = analyze_config(load_configs([path]))
    assert found.rule == rule
    assert line in [e.line for e in found.evidence]


def test_units():
    assert (seconds("30s"), seconds("5000"), seconds("1h"), seconds("x")) == (30, 5, 3600, None)
