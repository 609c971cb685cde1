"""Read a column of JSON lines into a frame without letting one bad line fail the whole file."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

_BLOCK = 4096
OK = "_json_ok"
#: Integers longer than this are read as floats: Python refuses to convert digit strings past 4,300 and
#: would otherwise fail a whole document (a HAR, a block of lines) for one hostile number.
MAX_INT_DIGITS = 4000


def lenient_int(text: str) -> int | float:
    """``parse_int`` for :mod:`json`: an integer, or a float when it has more than :data:`MAX_INT_DIGITS` digits."""
    return int(text) if len(text) <= MAX_INT_DIGITS else float(text)


#: A decoder for ``raw_decode`` that survives hostile numbers.
DECODER = json.JSONDecoder(parse_int=lenient_int)


def loads(text: str) -> Any:
    """:func:`json.loads` that survives hostile values: huge integers become floats, and nesting too deep
    for the standard library raises :class:`ValueError` like any other undecodable text."""
    try:
        return json.loads(text, parse_int=lenient_int)
    except RecursionError as exc:
        raise ValueError("the JSON nests too deeply") from exc


def read_json_objects(texts: pl.Series, schema: dict[str, PolarsDataType]) -> pl.DataFrame:
    """Decode each string of ``texts`` as one JSON object: one row per input, in order.

    Only the keys of ``schema`` become columns, typed as given (``pl.String`` keeps nested values as JSON
    text): a line with 10,000 distinct keys costs what a line with the parser's few keys costs, and the
    columns do not depend on what the lines carry. Rows whose text is not a JSON object are all-null
    with ``_json_ok`` false. polars decodes a whole block at once and fails on the first bad line, so
    failing blocks are retried line by line with the standard library; in that slow path nested values
    are kept as JSON text and scalars as strings (callers cast non-strictly).
    """
    looks = (
        (texts.str.starts_with("{") | texts.str.contains(r"^\s+\{"))
        & (texts.str.ends_with("}") | texts.str.contains(r"\}\s+$"))
    ).fill_null(False)
    blocks = []
    for start in range(0, texts.len(), _BLOCK * 64):
        blocks.append(_decode(texts.slice(start, _BLOCK * 64), looks.slice(start, _BLOCK * 64), schema))
    if not blocks:
        return pl.DataFrame(schema={**schema, OK: pl.Boolean})
    return pl.concat(blocks, how="diagonal_relaxed")


def _decode(texts: pl.Series, looks: pl.Series, schema: dict[str, PolarsDataType]) -> pl.DataFrame:
    fast = _fast(texts, looks, schema)
    if fast is not None:
        return fast
    if texts.len() > _BLOCK:
        parts = [
            _decode(texts.slice(i, _BLOCK), looks.slice(i, _BLOCK), schema)
            for i in range(0, texts.len(), _BLOCK)
        ]
        return pl.concat(parts, how="diagonal_relaxed")
    return _slow(texts, schema)


def _fast(texts: pl.Series, looks: pl.Series, schema: dict[str, PolarsDataType]) -> pl.DataFrame | None:
    """One polars pass; None when any candidate line does not decode."""
    payload = (
        texts.fill_null("{}") if looks.all() else texts.zip_with(looks, pl.Series(["{}"])).fill_null("{}")
    )
    # the lines as NDJSON bytes, written by polars' CSV writer (one column, nothing quoted): one copy,
    # where joining them into a Python string and encoding it made three (a ~1 KB Traefik JSON line:
    # 2.4 µs → 0.6 µs). A line holds no newline (lines were split on them, broken objects joined bare).
    buffer = io.BytesIO()
    payload.to_frame().write_csv(buffer, include_header=False, quote_style="never", line_terminator="\n")
    buffer.seek(0)
    try:
        frame = pl.read_ndjson(buffer, schema=schema)
    except (pl.exceptions.PolarsError, ValueError, OverflowError):
        return None
    if frame.height != texts.len():
        return None
    return frame.with_columns(looks.alias(OK))


def _slow(texts: pl.Series, schema: dict[str, PolarsDataType]) -> pl.DataFrame:
    """Line by line (at most one block of lines): only the schema's keys, as text, cast non-strictly."""
    columns: dict[str, list[Any]] = {name: [] for name in schema}
    ok: list[bool] = []
    for value in texts.to_list():
        try:
            obj = loads(value) if value else None
        except ValueError:
            obj = None
        is_object = isinstance(obj, dict)
        ok.append(is_object)
        for name, values in columns.items():
            values.append(_text(obj.get(name)) if is_object else None)  # type: ignore[union-attr]
    frame = pl.DataFrame({name: pl.Series(name, values, dtype=pl.String) for name, values in columns.items()})
    return frame.with_columns(
        *(pl.col(name).cast(dtype, strict=False) for name, dtype in schema.items() if dtype != pl.String),
        pl.Series(OK, ok, dtype=pl.Boolean),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def string_field(frame: pl.DataFrame, name: str) -> pl.Expr:
    """Column ``name`` as a string expression (null when absent); nested values as JSON text."""
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    dtype = frame.schema[name]
    if dtype == pl.String:
        return pl.col(name)
    if isinstance(dtype, (pl.Struct, pl.List)):
        return (
            pl.col(name).struct.json_encode()
            if isinstance(dtype, pl.Struct)
            else pl.col(name).cast(pl.String, strict=False)
        )
    return pl.col(name).cast(pl.String, strict=False)


def column(frame: pl.DataFrame, name: str, dtype: PolarsDataType) -> pl.Expr:
    """Column ``name`` cast to ``dtype`` non-strictly (null when absent or not convertible)."""
    if name not in frame.columns:
        return pl.lit(None, dtype=dtype)
    return pl.col(name).cast(dtype, strict=False)


def path_field(frame: pl.DataFrame, path: str) -> pl.Expr:
    """A dotted path (``req.method``) as a string expression, through structs or JSON text (null if absent).

    Lists become their elements joined by newlines (NestJS JSON puts a stack as a list of lines).
    """
    if "." in path and path in frame.columns:  # decoded beforehand (``backend/jsonlog._with_nested``)
        return pl.col(path).cast(pl.String, strict=False)
    head, *rest = path.split(".")
    if head not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    expr = pl.col(head)
    dtype: Any = frame.schema[head]
    for i, key in enumerate(rest):
        if isinstance(dtype, pl.Struct):
            fields = {f.name: f.dtype for f in dtype.fields}
            if key not in fields:
                return pl.lit(None, dtype=pl.String)
            expr, dtype = expr.struct.field(key), fields[key]
        elif dtype == pl.String:
            return expr.str.json_path_match("$." + ".".join(rest[i:]))
        else:
            return pl.lit(None, dtype=pl.String)
    if isinstance(dtype, pl.Struct):
        return expr.struct.json_encode()
    if isinstance(dtype, pl.List):
        return expr.cast(pl.List(pl.String), strict=False).list.join("\n")
    return expr.cast(pl.String, strict=False)


def first_field(frame: pl.DataFrame, paths: tuple[str, ...]) -> pl.Expr:
    """The first of ``paths`` (see :func:`path_field`) that is present and non-null."""
    return pl.coalesce(*(path_field(frame, p) for p in paths), pl.lit(None, dtype=pl.String))
