"""What a backend log line *means*, whatever format carried it: kind, ids, error codes, reasons.

The same engine.io debug text arrives plain, through docker, inside pino JSON or a NestJS line, so the
message is classified once, here, with vectorized polars expressions over the ``message`` column, by
walking the tables of :mod:`analyzer.parsers.backend.signatures` (a new wording is a row there, not code
here). Signatures are matched once per message *template* (ids and query strings masked); extractor
regexes only run on messages holding their literals.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

from analyzer.parsers.backend.signatures import (
    ACCESS,
    ACCESS_FIELDS,
    EXTRACTORS,
    LEVELS,
    REASONS,
    SIGNATURES,
    TIMER_LINE,
    Extract,
)
from analyzer.regex import ascii_classes
from analyzer.urls import sio_columns, split_target, split_url

_ALL_LITERALS: Final = sorted(
    {lit.lower() for group in EXTRACTORS.values() for ex in group for lit in ex.literals}
)

#: Columns :func:`classify` fills (a parser may pre-fill any of them; its values win).
CLASSIFIED: Final = (
    "kind",
    "method",
    "scheme",
    "host",
    "path",
    "query",
    "protocol",
    "status",
    "size",
    "duration_ms",
    "client",
    "request_id",
    "eio",
    "transport",
    "sid",
    "t",
    "socket_id",
    "namespace",
    "error_code",
    "error",
    "error_name",
    "reason",
    "close_code",
)
_DTYPES: Final[dict[str, pl.DataType]] = {
    "status": pl.Int32(),
    "size": pl.Int64(),
    "duration_ms": pl.Float64(),
    "eio": pl.Int8(),
    "error_code": pl.Int32(),
    "close_code": pl.Int32(),
}


def signature_index(message: pl.Expr, which: tuple[int, ...] | None = None) -> pl.Expr:
    """Index into :data:`SIGNATURES` of the first signature (of ``which``) the message matches, or null."""
    chain: pl.Expr = pl.lit(None, dtype=pl.Int16)
    for i in reversed(which if which is not None else range(len(SIGNATURES))):
        hit = message.str.contains(ascii_classes(SIGNATURES[i].pattern))
        chain = pl.when(hit).then(pl.lit(i, dtype=pl.Int16)).otherwise(chain)
    return chain


#: Signatures whose wording has a run of 16+ id characters (``TRANSPORT_MISMATCH``, ``Sec-WebSocket-Key``)
#: that :func:`_template` would mask: they are matched on the message itself.
_RAW_ONLY: Final = tuple(
    i for i, sig in enumerate(SIGNATURES) if re.search(r"[A-Za-z0-9_-]{16,}", sig.pattern)
)
_ON_TEMPLATE: Final = tuple(i for i in range(len(SIGNATURES)) if i not in _RAW_ONLY)


def _constant(index: pl.Expr, attr: str, dtype: pl.DataType) -> pl.Expr:
    mapping = {i: getattr(sig, attr) for i, sig in enumerate(SIGNATURES) if getattr(sig, attr) is not None}
    return index.replace_strict(mapping, default=None, return_dtype=dtype)


def _access(frame: pl.DataFrame) -> pl.DataFrame:
    """``_a_<field>`` columns of the first access regex that matches each line (null where none does)."""
    names = [f"_a_{f}" for f in ACCESS_FIELDS]
    found: list[pl.DataFrame] = []
    rest = frame.select("_i", "_msg")
    for pattern, literals in ACCESS:
        candidates = rest.filter(pl.col("_msg").str.contains_any(list(literals)))
        if not candidates.height:
            continue
        groups = set(_group_names(pattern))
        parts = candidates.with_columns(pl.col("_msg").str.extract_groups(ascii_classes(pattern)).alias("_g"))
        hit = parts.filter(pl.col("_g").struct.field("target").is_not_null())
        found.append(
            hit.select(
                "_i",
                *(
                    (pl.col("_g").struct.field(f) if f in groups else pl.lit(None, dtype=pl.String)).alias(
                        f"_a_{f}"
                    )
                    for f in ACCESS_FIELDS
                ),
            )
        )
        rest = rest.join(hit.select("_i"), on="_i", how="anti")
    if not found:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias(n) for n in names)
    return frame.with_columns(_spread(frame.height, pl.concat(found)))


def _group_names(pattern: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", pattern)


def _client(value: pl.Expr) -> pl.Expr:
    """``('127.0.0.1', 56032)`` (uvicorn's tuple) as ``127.0.0.1:56032``; ``-`` as null."""
    tuple_form = value.str.extract_groups(r"^\('([^']*)', (\d+)\)$")
    return (
        pl.when(tuple_form.struct.field("1").is_not_null())
        .then(pl.concat_str(tuple_form.struct.field("1"), pl.lit(":"), tuple_form.struct.field("2")))
        .when(value.is_in(["-", ""]))
        .then(None)
        .otherwise(value)
    )


def _template(msg: pl.Expr) -> pl.Expr:
    """The message with ids, query strings and long numbers masked: a busy log has few distinct templates."""
    return msg.str.replace_all(ascii_classes(r"[A-Za-z0-9_-]{16,}|\?[^\s\"']*|\d{5,}"), "\u2026")


def _signatures(frame: pl.DataFrame) -> pl.DataFrame:
    """``_sig`` for each distinct template, from the signatures that do not depend on what it masks.

    A template's signature is kept for the files after it (:data:`_SIGNATURE_OF`): matching even two
    templates against the ~80 signatures costs ~12 ms a call (polars compiles each pattern), a fixed cost
    every backend file paid again, while the files of one application share their few templates."""
    templates = frame["_tpl"].drop_nulls().unique(maintain_order=True).to_list()
    new = [t for t in templates if t not in _SIGNATURE_OF]
    if new:
        if len(_SIGNATURE_OF) + len(new) > _SIGNATURES_KEPT:
            _SIGNATURE_OF.clear()
            new = templates
        found = pl.DataFrame({"_tpl": new}, schema={"_tpl": pl.String}).select(
            "_tpl", signature_index(pl.col("_tpl"), _ON_TEMPLATE).alias("_sig")
        )
        _SIGNATURE_OF.update(found.iter_rows())
    return pl.DataFrame(
        {"_tpl": templates, "_sig": [_SIGNATURE_OF[t] for t in templates]},
        schema={"_tpl": pl.String, "_sig": pl.Int16},
    )


#: Template → index into :data:`SIGNATURES` (None: no signature), for the templates seen by this process.
_SIGNATURE_OF: dict[str, int | None] = {}
#: Templates kept at most (a log whose masking leaves every line distinct must not fill the memory).
_SIGNATURES_KEPT: Final = 100_000


def _extract(frame: pl.DataFrame, name: str, extractors: tuple[Extract, ...]) -> pl.Series:
    """Column ``name``: the first extractor's capture for each ``_msg`` (null where none matches).

    Each regex runs only on the messages holding one of its literals that no earlier extractor matched:
    the column's candidates come from ``_lits`` (every extractor literal found in the lower-cased message,
    one Aho-Corasick pass for all columns), then each extractor scans those for its own literals. Most
    lines of a busy log carry no close code or request id, and a regex pass over every line costs far
    more than the scans.
    """
    found: list[pl.DataFrame] = []
    literals = sorted({lit.lower() for ex in extractors for lit in ex.literals})
    rest = frame.select("_i", "_msg", "_lits").filter(
        pl.col("_lits").list.eval(pl.element().is_in(literals)).list.any()
    )
    for ex in extractors:
        if not rest.height:
            break
        hit = pl.col("_msg").str.contains_any(list(ex.literals), ascii_case_insensitive=ex.ignore_case)
        got = (
            rest.filter(hit)
            .select("_i", pl.col("_msg").str.extract(ascii_classes(ex.pattern), 1).alias(name))
            .drop_nulls(name)
        )
        if got.height:
            found.append(got)
            rest = rest.join(got.select("_i"), on="_i", how="anti")
    if not found:
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(name)
    (series,) = _spread(frame.height, pl.concat(found))
    return series


def _spread(height: int, part: pl.DataFrame) -> list[pl.Series]:
    """The columns of ``part`` (keyed by row index ``_i``) as full-height series, null where absent."""
    rows = part["_i"]
    return [
        pl.repeat(None, height, dtype=part.schema[name], eager=True).alias(name).scatter(rows, part[name])
        for name in part.columns
        if name != "_i"
    ]


def classify(frame: pl.DataFrame, *, message: str = "message") -> pl.DataFrame:
    """Add :data:`CLASSIFIED` columns from the message; columns the frame already has keep their values.

    ``kind`` falls back, in order, to an access line (``ws_upgrade`` for ``transport=websocket``, else
    ``http_request``), a disconnect reason (``disconnect``), a close code (``ws_close``), the level
    (``error`` for error/fatal) and ``log``.
    """
    msg = pl.col("_msg")
    idx = "_sig"
    # an alias, not a copy: parsers never leave the message null
    out = frame.with_columns(pl.col(message).alias("_msg")).with_row_index("_i")
    out = out.with_columns(_template(msg).alias("_tpl"))
    out = out.join(_signatures(out), on="_tpl", how="left", maintain_order="left").drop("_tpl")
    # the lower index is the more specific signature
    out = out.with_columns(pl.min_horizontal(idx, signature_index(msg, _RAW_ONLY)).alias(idx))
    out = _access(out)
    out = out.with_columns(
        pl.col("_msg").str.to_lowercase().str.extract_many(_ALL_LITERALS, overlapping=True).alias("_lits")
    )
    out = out.with_columns(_extract(out, f"_x_{name}", extractors) for name, extractors in EXTRACTORS.items())
    url_parts = {e.meta.output_name(): e for e in split_url(pl.col("_x_url"))}
    target_parts = {e.meta.output_name(): e for e in split_target(pl.col("_a_target"))}
    status = pl.coalesce(
        pl.col("_a_status").cast(pl.Int32, strict=False),
        pl.col("_x_status").cast(pl.Int32, strict=False),
        _constant(pl.col(idx), "status", pl.Int32()),
    )
    duration = pl.coalesce(
        pl.col("_a_ms").cast(pl.Float64, strict=False),
        pl.col("_a_secs").cast(pl.Float64, strict=False) * 1000,
    )
    found: dict[str, pl.Expr] = {
        "method": pl.col("_a_method"),
        "scheme": url_parts["scheme"],
        "host": url_parts["host"],
        "path": pl.coalesce(target_parts["path"], url_parts["path"]),
        "query": pl.coalesce(target_parts["query"], url_parts["query"]),
        "protocol": pl.col("_a_protocol"),
        "status": status,
        "size": pl.col("_a_size").cast(pl.Int64, strict=False),
        "duration_ms": duration,
        "client": _client(pl.col("_a_client")),
        "request_id": pl.col("_x_request_id"),
        "socket_id": pl.col("_x_socket_id"),
        "error_code": _constant(pl.col(idx), "error_code", pl.Int32()),
        "error": pl.coalesce(pl.col("_x_error"), _constant(pl.col(idx), "error", pl.String())),
        "error_name": pl.coalesce(pl.col("_x_error_name"), _constant(pl.col(idx), "error_name", pl.String())),
        # engine.io's heartbeat timer lines ("refreshing ping timeout", "setting ping timeout") name the
        # reason without being a disconnect
        "reason": pl.when(pl.col("message").str.contains(TIMER_LINE).fill_null(False))
        .then(None)
        .otherwise(pl.coalesce(pl.col("_x_reason"), _constant(pl.col(idx), "reason", pl.String()))),
        "close_code": pl.coalesce(
            pl.col("_x_close_code").cast(pl.Int32, strict=False),
            _constant(pl.col(idx), "close_code", pl.Int32()),
        ),
        "_sigkind": _constant(pl.col(idx), "kind", pl.String()),
    }
    out = out.with_columns(_keep(out, name, expr) for name, expr in found.items())
    sio = {e.meta.output_name(): e for e in sio_columns(pl.col("query"))}
    out = out.with_columns(
        _keep(out, "eio", sio["eio"]),
        _keep(out, "transport", pl.coalesce(sio["transport"], pl.col("_x_transport"))),
        _keep(out, "t", sio["t"]),
        # python-engineio logs "Invalid session None" for a POST without sid
        _keep(out, "sid", pl.coalesce(pl.col("_x_sid").replace("None", None), sio["sid"])),
    )
    out = out.with_columns(pl.col("_x_namespace").alias("_ns"))
    out = out.with_columns(_keep(out, "namespace", _namespace(msg)), _keep(out, "kind", _kind(frame)))
    helpers = [c for c in out.columns if c.startswith(("_a_", "_x_"))]
    return out.drop("_i", "_msg", "_lits", idx, "_ns", "_sigkind", *helpers)


def _namespace(msg: pl.Expr) -> pl.Expr:
    """A Socket.IO packet without a namespace is for the main namespace ``/``."""
    return (
        pl.when(pl.col("_ns").is_not_null())
        .then(pl.col("_ns"))
        .when(
            msg.str.contains(
                ascii_classes(
                    r'packet MESSAGE data \d(?:\{|\s|$|,)|(?:^|[\s("\'])4?0\{"sid":"|"type":\s*[0-6]\b'
                )
            )
        )
        .then(pl.lit("/"))
    )


def _kind(frame: pl.DataFrame) -> pl.Expr:
    level = pl.col("level") if "level" in frame.columns else pl.lit(None, dtype=pl.String)
    request = (
        pl.when(pl.col("transport") == "websocket")
        .then(pl.lit("ws_upgrade"))
        .otherwise(pl.lit("http_request"))
    )
    return (
        pl.when(pl.col("_sigkind") == "@request")
        .then(request)
        .when(pl.col("_sigkind").is_not_null())
        .then(pl.col("_sigkind"))
        .when(pl.col("method").is_not_null() & pl.col("path").is_not_null())
        .then(request)
        .when(pl.col("reason").is_in(list(REASONS)))
        .then(pl.lit("disconnect"))
        .when(pl.col("close_code").is_not_null())
        .then(pl.lit("ws_close"))
        .when(level.is_in(["error", "fatal"]))
        .then(pl.lit("error"))
        .otherwise(pl.lit("log"))
    )


def _keep(frame: pl.DataFrame, name: str, found: pl.Expr) -> pl.Expr:
    """``found`` where the parser left the column null (or did not create it)."""
    dtype = _DTYPES.get(name, pl.String())
    value = found.cast(dtype, strict=False)
    if name in frame.columns:
        value = pl.coalesce(pl.col(name).cast(dtype, strict=False), value)
    return value.alias(name)


def normalize_level(level: pl.Expr, overrides: dict[str, str] | None = None) -> pl.Expr:
    """A level word (any case, ``[INFO]``, ``I``) or a pino/bunyan number as trace … fatal (else null)."""
    mapping = {**LEVELS, **(overrides or {})}
    word = level.cast(pl.String).str.strip_chars(" []:").str.to_lowercase()
    number = word.cast(pl.Int32, strict=False)
    by_number = (
        pl.when(number <= 10)
        .then(pl.lit("trace"))
        .when(number <= 20)
        .then(pl.lit("debug"))
        .when(number <= 30)
        .then(pl.lit("info"))
        .when(number <= 40)
        .then(pl.lit("warn"))
        .when(number <= 50)
        .then(pl.lit("error"))
        .otherwise(pl.lit("fatal"))
    )
    return pl.when(number.is_not_null()).then(by_number).otherwise(word.replace_strict(mapping, default=None))
