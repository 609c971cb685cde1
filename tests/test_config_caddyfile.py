"""Caddyfile: the reverse_proxy that serves Socket.IO, on the Caddyfiles the recordings ran with (one is the
planted fault itself, the others get one edit each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import analyze_config, load_configs

SAMPLES = Path(__file__).parents[1] / "sample_logs"
HEALTHY = SAMPLES / "caddy-healthy" / "config" / "Caddyfile"
STICKY = SAMPLES / "caddy-sticky-session-missing" / "config" / "Caddyfile"


def test_the_healthy_recordings_caddyfile_is_clean():
    config = load_configs([HEALTHY])
    assert [f.format for f in config.files] == ["caddyfile"]
    assert analyze_config(config) == []


def test_two_upstreams_without_lb_policy_is_the_recorded_fault():
    [found] = analyze_config(load_configs([STICKY]))
    assert found.rule == "sticky-session-missing"
    line = next(n for n, text in enumerate(STICKY.read_text().splitlines(), 1) if "/socket.io/*" in text)
    assert [e.line for e in found.evidence] == [line]


def with_block(tmp_path: Path, *inner: str) -> Path:
    text = HEALTHY.read_text()
    line = next(t for t in text.splitlines() if "reverse_proxy /socket.io/*" in t)
    block = line + " {\n" + "".join(f"\t\t{i}\n" for i in inner) + "\t}"
    path = tmp_path / "Caddyfile"
    path.write_text(text.replace(line, block))
    return path


@pytest.mark.parametrize(
    ("inner", "rule"),
    [(("header_up -Connection",), "upgrade-headers-stripped"), (("stream_timeout 30s",), "idle-timeout-cut")],
    ids=["header-up-removes-connection", "stream-timeout-30s"],
)
def test_a_planted_subdirective_is_found(tmp_path, inner, rule):
    [found] = analyze_config(load_configs([with_block(tmp_path, *inner)]))
    assert found.rule == rule and any(e.text == inner[0] for e in found.evidence)


def test_a_sticky_policy_clears_it(tmp_path):
    text = STICKY.read_text()
    line = next(t for t in text.splitlines() if "reverse_proxy /socket.io/*" in t)
    path = tmp_path / "Caddyfile"
    path.write_text(text.replace(line, line + " {\n\t\tlb_policy ip_hash\n\t}"))
    assert analyze_config(load_configs([path])) == []
