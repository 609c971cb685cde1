"""Masking secrets before anything leaves wsdiag: one set of patterns, one engine, for strings and columns.

Masked: values whose name says they are credentials — in query strings, form bodies, URL fragments
(``#access_token=``), environment dumps (``AWS_SECRET_ACCESS_KEY=``, NUL-separated as in
``/proc/*/environ``), JSON keys (``"accessToken"``, Traefik's ``"request_X-Csrf-Token"``, Socket.IO's
``40{"token":…}`` CONNECT frames, escaped JSON inside a shipper's ``"log"`` string), Python ``repr``
dicts (python-socketio ``environ`` dumps: ``'HTTP_AUTHORIZATION': '…'``) and Node ``util.inspect``
objects (``{ token: '…' }``) —; ``Authorization`` / ``Cookie`` / ``Set-Cookie`` and other credential
headers (header lines, HAR header objects); bearer / basic credentials; JWT-shaped strings; the
password of ``user:pass@`` and ``:pass@`` in URLs (``redis://:pw@host``); well-known key shapes (AWS
access key ids, GitHub / Slack / Stripe / Google tokens, PEM private keys). Socket.IO's own ``sid``,
``t``, ``EIO`` and ``transport`` are evidence and stay visible.

Every pattern runs in polars (Rust's ``regex`` crate), which matches in time linear in the text: a
hostile line cannot make redaction slow, as it could with Python's backtracking ``re``. Single strings
go through the same engine in one batch (:func:`redact_texts`), so there is only one set of semantics.
Masking is idempotent: masking masked text changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, overload

import polars as pl

from analyzer.regex import ascii_classes

MASK: Final = "REDACTED"

# Words that make a name a credential's, inside longer names too (accessToken, X-Amz-Security-Token,
# AWS_SECRET_ACCESS_KEY, request_Authorization, HTTP_COOKIE, client_secret, sessionId …).
_WORDS = (
    r"token|secret|passw(?:or)?d|passphrase|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key"
    r"|auth|credential|signature|jwt|cookie|session[_-]?id|csrf|xsrf"
)
# Names that are credentials only as a whole word (a "key" inside Sec-WebSocket-Key is a nonce).
_EXACT = r"key|sig|pwd|pass|code_verifier"
_NAME = rf"(?:[\w.-]*(?:{_WORDS})[\w.-]*|{_EXACT})"
_HEADERS = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|x-amz-security-token"
    r"|x-csrf-token|x-xsrf-token|x-goog-api-key|private-token"
)
# A double-quoted JSON string value, and one inside a JSON string (\"…\")
_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
_ESCAPED_STRING = r'\\"(?:[^"\\]|\\[^"])*\\"'

#: (pattern, replacement) pairs in polars syntax (``${n}`` group references), applied in order.
PATTERNS: Final[tuple[tuple[str, str], ...]] = tuple(
    (ascii_classes(p), r)
    for p, r in (
        # name=value: query and form parameters, URL fragments, logfmt, environment dumps (NUL-separated)
        (
            rf"(?i)(^|[?&;#\s\x00,(\[{{'\"])({_NAME})=(?:\"[^\"]*\"|'[^']*'|[^&\s\x00\"'#;<>,)\]}}]*)",
            rf"${{1}}${{2}}={MASK}",
        ),
        # HAR cookie lists: "cookies": [{"name": "sid", "value": "…"}] (the whole list)
        (r'(?i)("cookies"\s*:\s*)\[[^\]]*\]', rf'${{1}}["{MASK}"]'),
        # HAR header objects: {"name": "Authorization", "value": "…"}
        (
            rf'(?i)("name"\s*:\s*"(?:{_HEADERS})"\s*,\s*"value"\s*:\s*){_JSON_STRING}',
            rf'${{1}}"{MASK}"',
        ),
        # JSON keys: "accessToken": "…", "request_Authorization": "…", 40{"token":"…"}, "pin": 1234
        (rf'(?i)("{_NAME}"\s*:\s*)(?:{_JSON_STRING}|-?[0-9][0-9.eE+-]*)', rf'${{1}}"{MASK}"'),
        # the same inside a JSON string (a shipper's "log": "{\"token\":\"…\"}")
        (rf'(?i)(\\"{_NAME}\\"\s*:\s*){_ESCAPED_STRING}', rf"${{1}}\"{MASK}\""),
        # Python repr dicts (python-socketio environ): 'HTTP_AUTHORIZATION': 'Bearer …'
        (
            rf"""(?i)('{_NAME}'\s*:\s*)(?:'(?:[^'\\]|\\.)*'|{_JSON_STRING})""",
            rf"${{1}}'{MASK}'",
        ),
        # Node util.inspect objects: { token: 'abc', authorization: "Bearer …" }
        (
            rf"""(?i)((?:^|[\s{{,])(?:{_NAME})\s*:\s*)(?:'(?:[^'\\]|\\.)*'|{_JSON_STRING})""",
            rf"${{1}}'{MASK}'",
        ),
        # header lines: Authorization: Bearer …, Cookie: a=b; c=d
        (rf"(?i)\b((?:{_HEADERS})\s*[:=]\s*)[^\r\n\"]+", rf"${{1}}{MASK}"),
        # bearer / basic credentials anywhere else
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*", rf"${{1}} {MASK}"),
        # JWT-shaped strings (header.payload.signature, base64url, header starts with {" = eyJ), cut ones too
        (r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)*", MASK),
        # user:password@ and :password@ in URLs (redis://:pw@host)
        (r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@", rf"${{1}}:{MASK}@"),
        # well-known credential shapes: AWS key ids, GitHub, GitLab, Slack, Stripe, Google API keys
        (
            r"\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}"
            r"|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})",
            MASK,
        ),
        # PEM private keys (one line of a dump, or the whole block)
        (
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*(?:-----END [A-Z ]*PRIVATE KEY-----)?",
            f"-----BEGIN PRIVATE KEY----- {MASK}",
        ),
    )
)


def redact_expr(col: pl.Expr) -> pl.Expr:
    """Mask secrets in a string column (see the module doc)."""
    for pattern, replacement in PATTERNS:
        col = col.str.replace_all(pattern, replacement)
    return col


def redact_texts(texts: Sequence[str | None]) -> list[str | None]:
    """Mask secrets in many strings at once (one vectorised pass; ``None`` stays ``None``)."""
    if not texts:
        return []
    series = pl.Series("text", list(texts), dtype=pl.String)
    return pl.select(redact_expr(pl.lit(series))).to_series().to_list()


@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    """Mask secrets in one string (prefer :func:`redact_texts` for many)."""
    if not text:
        return text
    return redact_texts([text])[0]


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
    "host",
    "client",
)


def redact_events(events: pl.DataFrame) -> pl.DataFrame:
    """The event table with every sensitive column masked (call it on the rows being written only)."""
    present = [c for c in SENSITIVE_COLUMNS if c in events.columns and events.schema[c] == pl.String]
    return events.with_columns(redact_expr(pl.col(c)).alias(c) for c in present)
