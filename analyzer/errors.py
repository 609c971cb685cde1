"""Exit codes and the exceptions a user may see; the CLI turns them into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: The analysis ran, whatever it found.
EXIT_OK: Final = 0
#: A finding at or above ``--fail-on`` was reported.
EXIT_FINDINGS: Final = 1
#: Usage error, or no input at all could be read.
EXIT_ERROR: Final = 2


@dataclass(frozen=True)
class Location:
    """Where a problem is: a path and, where it applies, a 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class WsdiagError(ValueError):
    """Base of every error wsdiag reports to a user instead of a traceback."""

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.location}: {text}" if self.location else text


class InputError(WsdiagError):
    """An input path cannot be read (missing, unreadable, corrupt)."""


class NoInputError(WsdiagError):
    """Nothing at all could be read from the given paths."""

    def __init__(self, message: str, *, inputs: list[Any] | None = None) -> None:
        super().__init__(message)
        #: What was tried, with the reason each input could not be read (``InputInfo`` values).
        self.inputs = inputs or []


class UsageError(WsdiagError):
    """An option or argument is wrong."""


class RuleError(WsdiagError):
    """A rule file is invalid."""


class ConfigError(WsdiagError):
    """A Traefik routing configuration file cannot be read (bad YAML/TOML, a required variable unset)."""


class RuleSyntaxError(ConfigError):
    """A Traefik router rule does not parse; ``position`` is the 0-based character offset in the rule."""

    def __init__(self, message: str, *, position: int, location: Location | None = None) -> None:
        super().__init__(message, location=location)
        self.position = position

    @property
    def column(self) -> int:
        """1-based column of the problem in the rule text."""
        return self.position + 1
