"""Making log-derived strings inert in each output: terminals, Markdown, HTML, JSON.

Every pattern here is a character class or a literal run: matching is linear whatever the text.
"""

from __future__ import annotations

import html
import re

# C0/C1 controls except tab and newline (ESC starts the terminal sequences that could rewrite a screen),
# and the bidirectional overrides and isolates that make a name read differently from what it is.
_CONTROLS = [
    *range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
    0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
]  # fmt: skip
_PRINTABLE = str.maketrans({c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _CONTROLS})
_JSON_SAFE = str.maketrans({c: f"\\u{c:04x}" for c in _CONTROLS})
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
# GitHub and GitLab turn @name (not part of a word: a@b is no mention) into a mention that notifies that
# user: a word joiner after the @ defuses it
_MENTION = re.compile(r"(?<![0-9A-Za-z_.@])@(?=[0-9A-Za-z])")


def printable(text: str) -> str:
    """Replace control characters (terminal escapes, bidi overrides) with visible ``\\xNN`` / ``\\uNNNN`` forms."""
    return text.translate(_PRINTABLE)


def json_safe(document: str) -> str:
    """JSON text with C1 controls and bidi overrides as ``\\uNNNN`` escapes: the same values, inert bytes."""
    return document.translate(_JSON_SAFE)


def md_inline(text: str) -> str:
    """Escape text for Markdown prose and table cells: no links, images, HTML, mentions or table breaks."""
    return _MENTION.sub("@\u2060", _MD_SPECIAL.sub(r"\\\1", printable(text))).replace("\n", " ")


def md_code_block(text: str, info: str = "") -> str:
    """A fenced code block that no backtick run inside ``text`` can close early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{printable(text)}\n{fence}"


def md_code_span(text: str) -> str:
    """An inline code span that survives backticks inside ``text``."""
    text = printable(text).replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def html_text(text: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(printable(text), quote=True)


_CODE_SPAN = re.compile(r"(``.+?``|`[^`\n]*`)")


def html_prose(text: str) -> str:
    """wsdiag's own prose as HTML paragraphs: everything escaped, its `code spans` as ``<code>``.

    As in :func:`md_prose`, values from logs reach templates without backticks, so a hostile value
    cannot open a span; span content is escaped like the rest.
    """
    paragraphs = re.split(r"\n\s*\n", text.strip())
    out = []
    for para in paragraphs:
        parts = _CODE_SPAN.split(_join_lines(para))
        out.append(
            "".join(
                f"<code>{html_text(p.strip('`').strip())}</code>" if i % 2 else html_text(p)
                for i, p in enumerate(parts)
            )
        )
    return "".join(f"<p>{p}</p>" for p in out if p)


def md_prose(text: str) -> str:
    """Escape Markdown prose but keep its `code spans` (wsdiag's own templates use them).

    Values from logs are inserted into templates without backticks (see ``rules.engine``), so a
    hostile value cannot close a code span; outside spans every special character is escaped.
    """
    parts = _CODE_SPAN.split(printable(text).replace("\n\n", "\u2029").replace("\n", " "))
    out = [p if i % 2 else _MENTION.sub("@\u2060", _MD_SPECIAL.sub(r"\\\1", p)) for i, p in enumerate(parts)]
    return "".join(out).replace("\u2029", "\n\n")


def _join_lines(para: str) -> str:
    """The lines of a paragraph joined by one space (``re.sub(r"\\s*\\n\\s*", " ")`` backtracks
    quadratically on a long run of spaces)."""
    lines = para.split("\n")
    if len(lines) == 1:
        return para
    last = len(lines) - 1
    return " ".join(
        (ln.lstrip() if i else ln).rstrip() if i < last else ln.lstrip() for i, ln in enumerate(lines)
    )
