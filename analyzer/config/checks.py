"""The checks ``wsdiag check-config`` runs on a Traefik configuration, registered like the TOML rules.

A check is a Python function over a :class:`ConfigSet` (the TOML rules in ``patterns/`` match events; a
configuration needs the route-matching engine), declared with an id, the most severe level it reports
and the same four parts of documentation a rule file carries. ``wsdiag rules list|show`` and
``docs/rule-catalog.md`` list both kinds side by side; a check that shares its id with a log rule
(``router-priority-conflict``, ``handshake-wrong-router``) is that rule's configuration evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from analyzer.config.model import ConfigSet
    from analyzer.findings import Finding, Severity

CheckFn = Callable[["ConfigSet"], "list[Finding]"]
#: The documentation parts every check carries (the same as a rule file's [doc]).
DOC_PARTS: Final = ("detects", "why", "false_positives", "remediation")


@dataclass(frozen=True)
class Check:
    """A registered configuration check: its id, title, most severe level, documentation and function."""

    id: str
    title: str
    severity: Severity
    doc: dict[str, Any]
    run: CheckFn = field(compare=False, repr=False)
    #: What it reads, for the catalog tables (a rule reads logs; a check reads the configuration).
    sources: tuple[str, ...] = ("config",)
    #: Which configuration, in words for its documentation.
    reads: str = "the Traefik routing configuration"


_REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    detects: str,
    why: str,
    false_positives: str,
    remediation: str,
    references: tuple[str, ...] = (),
    reads: str = "the Traefik routing configuration",
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check ``id`` (each id once)."""

    def register(fn: CheckFn) -> CheckFn:
        if id in _REGISTRY:
            raise ValueError(f"configuration check {id!r} is registered twice")
        doc = {
            "detects": detects,
            "why": why,
            "false_positives": false_positives,
            "remediation": remediation,
            "references": list(references),
        }
        _REGISTRY[id] = Check(id=id, title=title, severity=severity, doc=doc, run=fn, reads=reads)
        return fn

    return register


def registered() -> tuple[Check, ...]:
    """Every configuration check, in the order they run."""
    from analyzer.config import analysis, nginx_checks  # noqa: F401 - importing them registers the checks

    return tuple(_REGISTRY.values())
