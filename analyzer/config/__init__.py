"""Static analysis of Traefik routing configuration (``wsdiag check-config``, and ``analyze`` beside logs).

``loaders`` reads compose labels, file-provider YAML/TOML and IngressRoutes into a :class:`ConfigSet`;
``rules_grammar`` parses router rules; ``matching`` says what a rule matches; ``analysis`` decides who
wins a request and produces findings.
"""

from __future__ import annotations

from analyzer.config.analysis import (
    ConfigCheck,
    Explanation,
    analyze_config,
    check_config,
    explain,
    intended_websocket_router,
    route,
    router_evidence,
    router_record,
    websocket_guess,
)
from analyzer.config.loaders import load_configs, load_text, sniff_format
from analyzer.config.matching import Request
from analyzer.config.model import ConfigSet, Router, Service
from analyzer.config.rules_grammar import Rule, parse_rule

__all__ = [
    "ConfigCheck",
    "ConfigSet",
    "Explanation",
    "Request",
    "Router",
    "Rule",
    "Service",
    "analyze_config",
    "check_config",
    "explain",
    "intended_websocket_router",
    "load_configs",
    "load_text",
    "parse_rule",
    "route",
    "router_evidence",
    "router_record",
    "sniff_format",
    "websocket_guess",
]
