"""Masking secrets before anything leaves wsdiag: one set of patterns, for strings and for columns.

Masked: query and form parameters that carry credentials (``token``, ``access_token``, ``api_key``,
``password``, ``secret``, ``signature``, ``jwt``, …), ``Authorization`` / ``Cookie`` / ``Set-Cookie``
values (as headers, in Traefik's JSON keys and in HAR header objects), bearer tokens, JWT-shaped strings,
secret-named JSON fields, and the password of ``user:pass@`` in URLs. Socket.IO's own ``sid``, ``t``,
``EIO`` and ``transport`` are evidence and stay visible.

Every pattern is linear (no nested quantifiers), so hostile lines cannot make redaction slow.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

MASK: Final = "REDACTED"
_SECRET_NAMES = (
    r"(?:access_|refresh_|id_|auth_|csrf_|xsrf_)?token|auth|authorization|api[_-]?key|apikey|key|password|passwd|pwd"
    r"|secret|client_secret|signature|sig|jwt|credentials?|session_?id|x-amz-signature|x-amz-credential"
    r"|x-goog-signature|private_key"
)
_HEADER_NAMES = r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token"

#: (pattern, replacement) pairs; replacements use ${n} group references (polars syntax).
PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    # query / form parameters: ?token=… &password=…
    (rf"(?i)([?&;]|^|\s)((?:{_SECRET_NAMES}))=([^&\s\"'#;<>]*)", rf"${{1}}${{2}}={MASK}"),
    # HAR header objects: {"name": "Authorization", "value": "…"}
    (rf'(?i)("name"\s*:\s*"(?:{_HEADER_NAMES})"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*"', rf'${{1}}"{MASK}"'),
    # JSON keys, Traefik's kept headers included: "request_Authorization": "…", "password": "…"
    (
        rf'(?i)("(?:(?:request|origin|downstream)_)?(?:{_HEADER_NAMES}|{_SECRET_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"',
        rf'${{1}}"{MASK}"',
    ),
    # header lines: Authorization: Bearer …, Cookie: a=b; c=d
    (rf"(?i)\b((?:{_HEADER_NAMES})\s*[:=]\s*)[^\r\n\"]+", rf"${{1}}{MASK}"),
    # bearer / basic credentials anywhere else
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*", rf"${{1}} {MASK}"),
    # JWT-shaped strings (header.payload.signature, base64url, header starts with {" = eyJ)
    (r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", MASK),
    # user:password@ in URLs
    (r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@", rf"${{1}}:{MASK}@"),
)
_PY_PATTERNS = [(re.compile(p), re.sub(r"\$\{(\d+)\}", r"\\\1", r)) for p, r in PATTERNS]


def redact(text: str) -> str:
    """Mask secrets in one string."""
    for pattern, replacement in _PY_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_expr(col: pl.Expr) -> pl.Expr:
    """Mask secrets in a string column."""
    for pattern, replacement in PATTERNS:
        col = col.str.replace_all(pattern, replacement)
    return col


#: Columns of the event table that can carry secrets (URLs, headers, free text).
SENSITIVE_COLUMNS: Final = (
    "message",
    "query",
    "raw",
    "attrs",
    "error",
    "user_agent",
    "upstream",
    "path",
    "reason",
)


def redact_events(events: pl.DataFrame) -> pl.DataFrame:
    """The event table with every sensitive column masked."""
    present = [c for c in SENSITIVE_COLUMNS if c in events.columns]
    return events.with_columns(redact_expr(pl.col(c)).alias(c) for c in present)
