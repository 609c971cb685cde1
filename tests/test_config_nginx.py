"""nginx configuration: which location takes Socket.IO, and the faults planted in a real configuration.

The base is the socket.io docs' own nginx example (tests/data/config/nginx/); each fault is one edit of it,
the kind the tickets show (a line deleted, a timeout lowered), so the rest of the file stays real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import analyze_config, load_configs
from analyzer.config.nginx import load_nginx, pick_location, pick_server, seconds, size_bytes

BASE = Path(__file__).parent / "data" / "config" / "nginx" / "socketio-cluster-nginx.conf"


def planted(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = BASE.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def rules_of(path: Path) -> list[str]:
    return [f.rule for f in analyze_config(load_configs([path]))]


def test_the_docs_example_is_clean():
    config = load_configs([BASE])
    assert [f.format for f in config.files] == ["nginx"]
    assert analyze_config(config) == []


@pytest.mark.parametrize(
    ("edit", "rule", "line"),
    [
        (("    hash $remote_addr consistent;\n", ""), "sticky-session-missing", 27),
        (("      proxy_set_header Upgrade $http_upgrade;\n", ""), "upgrade-headers-stripped", 14),
        (("      proxy_http_version 1.1;\n", ""), "upgrade-headers-stripped", 14),
        (
            ("proxy_pass http://nodes;", "proxy_pass http://nodes;\n      proxy_read_timeout 30s;"),
            "idle-timeout-cut",
            19,
        ),
        (
            ("proxy_pass http://nodes;", "proxy_pass http://nodes;\n      client_max_body_size 100k;"),
            "payload-too-large",
            19,
        ),
    ],
    ids=["no-affinity", "no-upgrade-header", "http-1.0", "read-timeout-30s", "body-100k"],
)
def test_a_planted_fault_is_found_with_its_line(tmp_path, edit, rule, line):
    path = planted(tmp_path, edit)
    [found] = analyze_config(load_configs([path]))
    assert found.rule == rule
    assert line in [e.line for e in found.evidence]
    assert all(e.path == str(path) for e in found.evidence)


def test_headers_set_in_server_are_lost_by_a_location_with_its_own(tmp_path):
    """nginx inherits proxy_set_header only into a block that sets none: the classic lost Upgrade."""
    path = planted(
        tmp_path,
        ('      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection "upgrade";\n', ""),
        (
            "    listen 80;\n",
            "    listen 80;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header Connection upgrade;\n",
        ),
    )
    [found] = analyze_config(load_configs([path]))
    assert found.rule == "upgrade-headers-stripped"
    assert "does not inherit" in found.explanation
    assert 13 in [e.line for e in found.evidence]  # the server's Upgrade line that is lost


NESTED = """
http {
  server {
    listen 80;
    server_name chat.example.com;
    location / { proxy_pass http://web; }
    location /socket.io/ { proxy_pass http://sio; }
    location ~* \\.(js|css|png)$ { root /srv/static; }
    location ^~ /static/ { root /srv; }
    location = /socket.io/health { return 200; }
  }
  server {
    listen 80 default_server;
    server_name _;
    location / { return 444; }
  }
}
"""


@pytest.mark.parametrize(
    ("uri", "label"),
    [
        ("/socket.io/", "location /socket.io/"),
        # a regex wins over any prefix that is not ^~: the client bundle is served as a static file
        ("/socket.io/socket.io.js", "location ~* \\.(js|css|png)$"),
        ("/static/app.js", "location ^~ /static/"),
        ("/socket.io/health", "location = /socket.io/health"),
        ("/api/rooms", "location /"),
    ],
)
def test_location_matching_follows_nginx_order(tmp_path, uri, label):
    config = load_nginx(NESTED, str(tmp_path / "absent.conf"))
    server = pick_server(config, "chat.example.com")
    assert server is not None and server.names == ("chat.example.com",)
    assert pick_location(server, uri).location.label == label


def test_an_unknown_host_goes_to_the_default_server(tmp_path):
    config = load_nginx(NESTED, str(tmp_path / "absent.conf"))
    assert pick_server(config, "other.example.com").names == ("_",)


def test_units():
    assert (seconds("60"), seconds("1m30s"), seconds("500ms"), seconds("x")) == (60, 90, 0.5, None)
    assert (size_bytes("1m"), size_bytes("16k"), size_bytes("0"), size_bytes("1x")) == (
        1048576,
        16384,
        0,
        None,
    )


def test_a_broken_file_is_named_not_raised(tmp_path):
    path = tmp_path / "nginx.conf"
    path.write_text("http {\n  server {\n    listen 80;\n    location / { proxy_pass http://a;\n  }\n")
    config = load_configs([path])
    assert config.files and config.files[0].format == "nginx"
    assert config.files[0].error or config.files[0].notes


def test_a_static_spa_location_that_takes_the_handshake(tmp_path):
    """The Socket.IO location deleted: `location /` of an SPA (try_files) takes /socket.io/ itself."""
    path = planted(
        tmp_path,
        (
            "    location / {\n",
            "    location / {\n      root /srv/app;\n      try_files $uri /index.html;\n    }\n    location /api/ {\n",
        ),
    )
    [found] = analyze_config(load_configs([path]))
    assert found.rule == "handshake-wrong-router" and found.severity == "critical"
    assert [e.line for e in found.evidence] == [14, 16]


def test_a_uri_part_on_proxy_pass_rewrites_the_socketio_path(tmp_path):
    """`proxy_pass http://nodes/;` in a `location /socket.io/`: the server gets `/?EIO=4…`."""
    path = planted(
        tmp_path,
        ("    location / {\n", "    location /socket.io/ {\n"),
        ("proxy_pass http://nodes;", "proxy_pass http://nodes/;"),
    )
    [found] = analyze_config(load_configs([path]))
    assert found.rule == "path-mismatch" and "reaches the server as `/?EIO=4" in found.explanation
    assert [e.line for e in found.evidence] == [14, 18]
    assert "`proxy_pass http://nodes;`" in found.remediation
