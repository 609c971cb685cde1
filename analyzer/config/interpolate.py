"""Docker Compose variable interpolation and ``.env`` files, as ``docker compose`` does them.

Supported: ``$VAR``, ``${VAR}``, ``${VAR:-default}`` / ``${VAR-default}``, ``${VAR:?error}`` /
``${VAR?error}``, ``${VAR:+alt}`` / ``${VAR+alt}`` (defaults may nest ``${...}``), and ``$$`` for a literal
``$``. Values come from the environment first, then the ``.env`` file beside the compose file (Compose's
precedence). An unset variable becomes an empty string with a note, as Compose warns; ``:?`` / ``?``
raise, as Compose refuses to start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from analyzer.errors import ConfigError

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_LINE: Final = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<value>.*)$")
_DQ_ESCAPES: Final[dict[str, str]] = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}

#: Called with (variable name, problem) for every unset variable or kept ``$``.
Warn = Callable[[str], None]


def interpolate(value: str, env: Mapping[str, str], *, warn: Warn | None = None) -> str:
    """Substitute Compose variables in ``value``; raise :class:`ConfigError` for a ``${VAR:?msg}`` unset."""
    if "$" not in value:
        return value
    out, _ = _expand(value, 0, env, warn, stop=None)
    return out


def _expand(
    text: str, i: int, env: Mapping[str, str], warn: Warn | None, stop: str | None
) -> tuple[str, int]:
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if stop is not None and c == stop:
            return "".join(out), i
        if c != "$":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            value, i = _braced(text, i + 2, env, warn)
            out.append(value)
        else:
            m = _NAME.match(text, i + 1)
            if m:
                out.append(_lookup(m.group(), env, warn))
                i = m.end()
            else:
                # Compose rejects a lone "$" ("invalid interpolation format"); keep it and say so.
                if warn:
                    warn("a lone '$' was kept as is (docker compose rejects it; write '$$')")
                out.append("$")
                i += 1
    if stop is not None:
        raise ConfigError("unterminated ${...} in a value")
    return "".join(out), i


def _braced(text: str, i: int, env: Mapping[str, str], warn: Warn | None) -> tuple[str, int]:
    m = _NAME.match(text, i)
    if not m:
        raise ConfigError(f"invalid interpolation format in {text!r}: expected a variable name after '${{'")
    name, i = m.group(), m.end()
    if i < len(text) and text[i] == "}":
        return _lookup(name, env, warn), i + 1
    op = ""
    for candidate in (":-", ":?", ":+", "-", "?", "+"):
        if text.startswith(candidate, i):
            op = candidate
            break
    if not op:
        raise ConfigError(f"invalid interpolation format for variable {name!r} in {text!r}")
    arg, end = _expand(text, i + len(op), env, warn, stop="}")
    value = env.get(name)
    unset_or_empty = value is None or (op.startswith(":") and value == "")
    base = op.lstrip(":")
    if base == "-":
        result = arg if unset_or_empty else value
    elif base == "?":
        if unset_or_empty:
            raise ConfigError(f"required variable {name} is missing a value: {arg or 'not set'}")
        result = value
    else:  # "+"
        result = "" if unset_or_empty else arg
    return result or "", end + 1


def _lookup(name: str, env: Mapping[str, str], warn: Warn | None) -> str:
    value = env.get(name)
    if value is None:
        if warn:
            warn(f"variable {name} is not set; an empty string was used (as docker compose does)")
        return ""
    return value


def read_dotenv(path: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Read a Compose ``.env`` file (``KEY=VALUE``, ``export``, quotes, comments, ``${VAR}`` references)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _ENV_LINE.match(raw)
        if not m:
            continue
        values[m.group("key")] = _env_value(m.group("value").strip(), {**values, **(env or {})})
    return values


def _env_value(value: str, known: Mapping[str, str]) -> str:
    if value.startswith("'"):
        end = value.find("'", 1)
        return value[1:end] if end > 0 else value[1:]
    if value.startswith('"'):
        out: list[str] = []
        i = 1
        while i < len(value) and value[i] != '"':
            if value[i] == "\\" and i + 1 < len(value):
                out.append(_DQ_ESCAPES.get(value[i + 1], "\\" + value[i + 1]))
                i += 2
            else:
                out.append(value[i])
                i += 1
        return interpolate("".join(out), known)
    value = re.sub(r"\s+#.*$", "", value)
    return interpolate(value, known)
