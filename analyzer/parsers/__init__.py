"""Format parsers: one module per format, each registered by defining a :class:`Parser` subclass.

Every module directly in this package is imported once and its ``Parser`` subclasses registered. The
machinery they share lives in subpackages, which are not scanned: ``backend/`` (the line-layout engine,
the layouts, and the tables of what backend messages mean) and ``browser/`` (what browser messages mean,
placing undated console times, Engine.IO packets, HAR loading and rows).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from analyzer.parsers.base import Parser


@cache
def registry() -> dict[str, Parser]:
    """All known parsers by format name, in a stable order (specific before generic)."""
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg and info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    found: dict[str, Parser] = {}
    for cls in _subclasses(Parser):  # type: ignore[type-abstract]
        if cls.name:
            if cls.name in found:
                raise RuntimeError(f"two parsers are named {cls.name!r}")
            found[cls.name] = cls()
    return dict(sorted(found.items(), key=lambda item: (item[1].generic, item[0])))


def _subclasses(cls: type[Parser]) -> list[type[Parser]]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out
