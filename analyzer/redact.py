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


#: Words at least one of which every pattern but the URL password one needs (ASCII case aside): the
#: credential names (``pass`` covers ``passwd``, ``key`` ``api_key``, ``sig`` ``signature``, ``session``
#: ``session_id``; every header in ``_HEADERS`` holds one of them), ``bearer`` / ``basic``, the JWT
#: header, the key prefixes. The patterns' ``(?i)`` folds Unicode too: the Kelvin sign matches ``k``
#: and the long s ``s``, so a string holding either takes the full path as well.
_TRIGGERS: Final = (
    "token", "secret", "pass", "pwd", "key", "auth", "credential", "sig", "jwt", "cookie", "session",
    "csrf", "xsrf", "code_verifier", "bearer", "basic", "eyJ", "AKIA", "ASIA", "gho_", "ghp_", "ghu_",
    "ghs_", "ghr_", "glpat-", "xox", "sk_", "rk_", "AIza", "\u212a", "\u017f",
)  # fmt: skip
# The one pattern without a trigger word: a password in a URL needs "://", then ":" and "@" before a "/".
_URL_PASSWORD: Final = ascii_classes(r"://[^/\s@]*:[^/\s@]*@")


def redact_expr(col: pl.Expr) -> pl.Expr:
    """Mask secrets in a string column (see the module doc)."""
    for pattern, replacement in PATTERNS:
        col = col.str.replace_all(pattern, replacement)
    return col


def may_hold_secret(col: pl.Expr) -> pl.Expr:
    """Whether a string can hold anything :data:`PATTERNS` mask (false for most log lines, and cheap).

    Every pattern needs one of :data:`_TRIGGERS` (case-insensitively) or the shape of a URL password;
    strings with neither come out of :func:`redact_expr` unchanged, so they need not go through it.
    """
    return col.str.contains_any(list(_TRIGGERS), ascii_case_insensitive=True) | col.str.contains(
        _URL_PASSWORD
    )


def redact_series(values: pl.Series) -> pl.Series:
    """``values`` masked: :func:`redact_expr` run only over the strings :func:`may_hold_secret` picks."""
    frame = values.rename("v").to_frame().with_row_index("i")
    picked = frame.filter(may_hold_secret(pl.col("v")).fill_null(False))
    if picked.height == 0:
        return values
    masked = picked.select(redact_expr(pl.col("v")))["v"]
    return values.clone().scatter(picked["i"], masked)


def redact_texts(texts: Sequence[str | None]) -> list[str | None]:
    """Mask secrets in many strings at once (one vectorised pass; ``None`` stays ``None``)."""
    if not texts:
        return []
    return redact_series(pl.Series("text", list(texts), dtype=pl.String)).to_list()


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
    """The event table with every sensitive column masked (call it on the rows being written only).

    The strings of all columns that may hold a secret go through the patterns in one batch: each
    pattern is compiled once, and runs over the few strings that need it, not over every row.
    """
    present = [
        c
        for c in SENSITIVE_COLUMNS
        if c in events.columns and events.schema[c] == pl.String and events[c].null_count() < events.height
    ]
    if not present or events.height == 0:
        return events
    picked = [
        events.select(
            pl.lit(c).alias("c"), pl.int_range(pl.len(), dtype=pl.UInt32).alias("i"), pl.col(c).alias("v")
        ).filter(may_hold_secret(pl.col("v")).fill_null(False))
        for c in present
    ]
    batch = pl.concat(picked)
    if batch.height == 0:
        return events
    batch = batch.with_columns(redact_expr(pl.col("v")))
    columns = []
    for name, part in batch.group_by("c", maintain_order=True):
        columns.append(events[str(name[0])].clone().scatter(part["i"], part["v"]))
    return events.with_columns(columns)
