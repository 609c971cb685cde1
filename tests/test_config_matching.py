"""What a rule matches, and whether two rules can match the same request."""

from __future__ import annotations

import pytest

from analyzer.config.matching import Request, evaluate, lower, overlap
from analyzer.config.rules_grammar import parse_rule
from analyzer.errors import UsageError


def matches(rule: str, url: str, **kw: object) -> bool | None:
    return evaluate(lower(parse_rule(rule)), Request.from_url(url, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "url", "expected"),
    [
        ("Host(`API.example.test`)", "https://api.example.test/", True),
        ("Host(`api.example.test`)", "https://api.example.test:8443/x", True),
        ("Host(`api.example.test`)", "https://www.example.test/", False),
        # PathPrefix is a plain string prefix, not segment-aware
        ("PathPrefix(`/socket.io`)", "https://a/socket.io.js", True),
        ("PathPrefix(`/api`)", "https://a/apifoo", True),
        ("Path(`/socket.io/`)", "https://a/socket.io/?EIO=4", True),
        ("Path(`/socket.io`)", "https://a/socket.io/", False),
        ("HostRegexp(`^[a-z]+\\.example\\.com$`)", "https://chat.example.com/", True),
        # v3 regexes are not anchored
        ("HostRegexp(`example`)", "https://chat.example.com/", True),
        ("PathRegexp(`/ws$`)", "https://a/v1/ws", True),
        # v2 templates are anchored
        ("HostRegexp(`{sub:[a-z]+}.example.com`)", "https://chat.example.com/", True),
        ("HostRegexp(`{sub:[a-z]+}.example.com`)", "https://a.chat.example.com/", False),
        ("Path(`/rooms/{id:[0-9]+}`)", "https://a/rooms/12", True),
        ("Path(`/rooms/{id:[0-9]+}`)", "https://a/rooms/12/x", False),
        ("Host(`a.com`, `b.com`)", "https://b.com/", True),
        ("Host(`*.example.com`)", "https://chat.example.com/", True),
        ("Host(`*.example.com`)", "https://a.chat.example.com/", False),
        ("Query(`transport`, `websocket`)", "https://a/socket.io/?EIO=4&transport=websocket", True),
        ("Query(`transport=polling`)", "https://a/socket.io/?transport=websocket", False),
        ("Method(`POST`)", "https://a/", False),
        ("!PathPrefix(`/socket.io`)", "https://a/socket.io/", False),
        ("Host(`a`) && !(Path(`/x`) || Path(`/y`))", "https://a/z", True),
    ],
)
def test_evaluate(rule, url, expected):
    assert matches(rule, url) is expected


def test_headers_and_websocket_urls():
    assert matches("Header(`Upgrade`, `websocket`)", "wss://a/ws") is True
    assert matches("Header(`Upgrade`, `websocket`)", "https://a/ws") is False
    assert matches("HeaderRegexp(`X-Env`, `^prod`)", "https://a/", headers={"x-env": "production"}) is True


def test_client_ip_is_unknown_without_an_address():
    assert matches("ClientIP(`10.0.0.0/8`)", "https://a/") is None
    assert matches("ClientIP(`10.0.0.0/8`)", "https://a/", client_ip="10.1.2.3") is True


def test_a_url_must_be_absolute():
    with pytest.raises(UsageError, match="absolute"):
        Request.from_url("/socket.io/")


@pytest.mark.parametrize(
    ("a", "b", "status"),
    [
        ("Host(`api.example.test`)", "Host(`api.example.test`) && PathPrefix(`/socket.io`)", "yes"),
        ("PathPrefix(`/socket.io`)", "Host(`chat.mycompany-example.com`)", "yes"),
        ("Host(`a.com`) && PathPrefix(`/x`)", "Host(`a.com`) && PathPrefix(`/y`)", "no"),
        ("Host(`a.com`)", "Host(`b.com`)", "no"),
        ("PathPrefix(`/api`)", "Path(`/apifoo`)", "yes"),
        ("Host(`a.com`) && PathPrefix(`/api`)", "Host(`a.com`) && !PathPrefix(`/api`)", "no"),
        ("PathPrefix(`/a`) && !PathPrefix(`/a/b`)", "PathPrefix(`/a/c`)", "yes"),
        ("HostRegexp(`{host:.+}`)", "Host(`a.com`)", "yes"),
        ("HostRegexp(`^x+$`)", "Host(`a.com`)", "no"),
        ("HostRegexp(`^x+$`)", "HostRegexp(`^y+$`)", "maybe"),
        ("PathRegexp(`^/socket`)", "PathPrefix(`/api`)", "maybe"),
        ("Host(`*.example.com`)", "Host(`chat.example.com`)", "yes"),
        ("Method(`GET`)", "Method(`POST`)", "no"),
        ("Query(`transport`, `polling`)", "Query(`transport`, `websocket`)", "no"),
        ("ClientIP(`10.0.0.0/8`)", "ClientIP(`192.168.0.0/16`)", "no"),
        ("ClientIP(`10.0.0.0/8`)", "ClientIP(`10.1.0.0/16`)", "yes"),
        ("Header(`Upgrade`, `websocket`)", "PathPrefix(`/`)", "yes"),
    ],
)
def test_overlap(a, b, status):
    result = overlap(lower(parse_rule(a)), lower(parse_rule(b)))
    assert result.status == status
    assert (result.witness is not None) == (status == "yes")


def test_overlap_witness_matches_both_rules():
    a = lower(parse_rule("Host(`chat.example.com`) || Host(`api.example.com`)"))
    b = lower(parse_rule("Host(`api.example.com`) && PathPrefix(`/socket.io`) && Method(`GET`)"))
    result = overlap(a, b)
    assert result.witness is not None
    assert result.witness.host == "api.example.com"
    assert evaluate(a, result.witness) and evaluate(b, result.witness)


def test_overlap_of_huge_rules_is_maybe():
    many = " && ".join(f"(Path(`/a{i}`) || Path(`/b{i}`))" for i in range(12))
    assert overlap(lower(parse_rule(many)), lower(parse_rule("PathPrefix(`/`)"))).status == "maybe"
