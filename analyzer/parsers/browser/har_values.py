"""Small readers of HAR JSON values: numbers that may be strings, times, headers, bodies, error texts.

HAR writers disagree on types (a status as a string, times in seconds or milliseconds, headers as a list
of objects), so every value is read through one of these and anything unusable becomes None.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any, Final

#: Polling bodies up to this size are read for their Engine.IO / Socket.IO packets.
_MAX_BODY: Final = 64 * 1024
_NET_ERR: Final = re.compile(r"net::ERR_[A-Z0-9_]+")
_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-correlation-id", "request-id")
RESPONSE_CODE: Final = re.compile(r"Unexpected response code:\s*(\d{3})")
SECOND: Final = 1_000_000
MAX_US: Final = 7_258_118_400 * SECOND  # 2200-01-01

# -- small readers -------------------------------------------------------------------------------------


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def string(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and is_number(value):
        return float(value)
    return None


def integer(value: Any) -> int | None:
    found = number(value)
    return int(found) if found is not None and abs(found) < 2**31 else None


def size(*values: Any) -> int | None:
    return next((int(n) for v in values if (n := number(v)) is not None and 0 <= n < 2**62), None)


def iso_us(value: Any) -> int | None:
    """ISO 8601 (``Z`` or an offset) as UTC epoch microseconds; naive times are taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return int((parsed - datetime(1970, 1, 1)).total_seconds() * SECOND)
    return int(parsed.timestamp() * SECOND)


def plus_ms(start: int | None, ms: float | None) -> int | None:
    if start is None or ms is None or not 0 <= ms < MAX_US:
        return None
    return start + int(ms * 1000)


def headers(value: Any) -> dict[str, str]:
    """Header list to a dict by lower-cased name (repeated headers joined with ``, ``)."""
    out: dict[str, str] = {}
    if not isinstance(value, list):
        return out
    for header in value:
        if isinstance(header, dict) and header.get("name"):
            name = str(header["name"]).lower()
            text = str(header.get("value", ""))
            out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def error_text(entry: dict[str, Any], response: dict[str, Any]) -> str | None:
    for value in (
        response.get("_error"),
        response.get("_failureText"),
        entry.get("_error"),
        entry.get("_failureText"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def net_error(text: str | None) -> str | None:
    found = _NET_ERR.search(text) if text else None
    return found[0] if found else None


def response_code(text: str) -> int | None:
    found = RESPONSE_CODE.search(text)
    return int(found[1]) if found else None


def protocol(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    lower = value.lower()
    known = {
        "h2": "HTTP/2.0",
        "http/2": "HTTP/2.0",
        "http/2.0": "HTTP/2.0",
        "h3": "HTTP/3.0",
        "http/3": "HTTP/3.0",
    }
    if lower in known:
        return known[lower]
    return value.upper() if lower.startswith("http/") else value


def origin(url: str | None) -> str | None:
    found = re.match(r"^([A-Za-z][\w+.-]*://[^/?#\s]+)", url) if url else None
    return found[1] if found else None


def request_id(request: dict[str, str], response: dict[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if response.get(name) or request.get(name):
            return response.get(name) or request.get(name)
    trace = response.get("traceparent") or request.get("traceparent")
    parts = trace.split("-") if trace else []
    return parts[1] if len(parts) >= 3 else None


def initiator(value: Any) -> str | None:
    """``type url:line`` of who started the request (CDP call frames are 0-based)."""
    if not isinstance(value, dict):
        return None
    url = value.get("url")
    line = value.get("lineNumber")
    frames = obj(value.get("stack")).get("callFrames")
    if not url and isinstance(frames, list) and frames and isinstance(frames[0], dict):
        url, line = frames[0].get("url"), frames[0].get("lineNumber")
    where = f" {url}:{int(line) + 1}" if url and isinstance(line, int) else (f" {url}" if url else "")
    return f"{value.get('type') or 'other'}{where}"


def http_level(status: int | None, error: str | None) -> str:
    if error or status == 0 or (status or 0) >= 500:
        return "error"
    return "warn" if (status or 0) >= 400 else "info"


def is_polling(url: str) -> bool:
    return "EIO=" in url and "transport=polling" in url


def body(content: dict[str, Any]) -> str | None:
    """A small response body as text (base64 decoded); None for large or missing ones."""
    text = content.get("text")
    if not isinstance(text, str) or not text or len(text) > _MAX_BODY:
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return text


def engine_error(body: str) -> dict[str, Any] | None:
    """Engine.IO's JSON error answer: ``{"code":1,"message":"Session ID unknown"}``."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "code" in value and "message" in value else None


def attrs(values: dict[str, Any]) -> str | None:
    kept = {k: v for k, v in values.items() if v is not None and v != []}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")) if kept else None
