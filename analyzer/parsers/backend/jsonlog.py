"""JSON-lines backend logs (pino, winston, NestJS JSON, zap/slog/zerolog) into records of the line engine."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.jsonutil import OK, first_field, read_json_objects
from analyzer.parsers.backend.engine import records
from analyzer.timeparse import epoch_ms_to_utc
from analyzer.urls import split_target


@dataclass(frozen=True)
class JsonKeys:
    """Where a JSON logger puts each field, most specific first."""

    time: tuple[str, ...] = ("time", "timestamp", "ts", "@timestamp", "date")
    level: tuple[str, ...] = ("level", "severity", "lvl")
    msg: tuple[str, ...] = ("msg", "message")
    logger: tuple[str, ...] = ("context", "name", "logger", "module", "caller")


#: Fields of pino-http, express-winston, nestjs-pino and the like that the event table has columns for.
_REQUEST_ID = ("reqId", "req.id", "requestId", "request_id", "req_id", "traceId", "trace_id", "x-request-id")
_METHOD = ("req.method", "request.method", "method")
_URL = ("req.url", "request.url", "url", "req.originalUrl")
_STATUS = ("res.statusCode", "response.statusCode", "statusCode", "status")
_DURATION = ("responseTime", "response_time", "duration_ms", "durationMs")
_CLIENT = ("req.remoteAddress", "remoteAddress", "req.ip", "ip", "clientIp")
_ERROR_TYPE = ("err.type", "error.type", "err.name")
_ERROR_MSG = ("err.message", "error.message", "error", "err")
_STACK = ("err.stack", "error.stack", "stack")
_ATTRS = ("pid", "hostname", "name", "service", "label", "caller")


def _paths(keys: JsonKeys) -> tuple[str, ...]:
    """Every path this reader looks at, top-level keys and dotted ones."""
    return (*keys.time, *keys.level, *keys.msg, *keys.logger, *_REQUEST_ID, *_METHOD, *_URL, *_STATUS,
            *_DURATION, *_CLIENT, *_ERROR_TYPE, *_ERROR_MSG, *_STACK, *_ATTRS)  # fmt: skip


def _top_keys(keys: JsonKeys) -> list[str]:
    """The top-level keys this reader looks at (``req`` for ``req.method``): the only ones decoded."""
    return list(dict.fromkeys(p.split(".")[0] for p in _paths(keys)))


def _with_nested(frame: pl.DataFrame, keys: JsonKeys) -> pl.DataFrame:
    """The dotted paths read (``req.method``) as columns of that name, each nested object decoded once.

    A nested object arrives as JSON text; matching a JSON path in it costs a parse of the whole object
    per path (pino-http's ``req`` with its headers: ~1.5 µs a line per path, six paths under ``req``),
    decoding it once for all its paths costs about one. The values are the same: strings as they are,
    other values as JSON text (:func:`~analyzer.jsonutil.path_field` reads these columns first).
    """
    subkeys: dict[str, list[str]] = {}
    for path in _paths(keys):
        head, _, rest = path.partition(".")
        if rest and "." not in rest and frame.schema.get(head) == pl.String:
            subkeys.setdefault(head, []).append(rest)
    nested: list[pl.Series] = []
    for head, names in subkeys.items():
        texts = frame[head]
        if texts.null_count() == texts.len():
            continue
        decoded = read_json_objects(texts, schema=dict.fromkeys(names, pl.String))
        nested.extend(decoded[name].alias(f"{head}.{name}") for name in names)
    return frame.with_columns(nested)


def read_json_lines(rows: pl.DataFrame, keys: JsonKeys = JsonKeys()) -> pl.DataFrame:
    """Records for the rows whose text is a JSON object (the others are left out)."""
    if not rows.height:
        return rows.head(0)
    decoded = read_json_objects(rows["text"], schema=dict.fromkeys(_top_keys(keys), pl.String))
    frame = pl.concat([rows, decoded], how="horizontal").filter(pl.col(OK))
    if not frame.height:
        return rows.head(0)
    frame = _with_nested(frame, keys)
    when = first_field(frame, keys.time)
    number = when.cast(pl.Float64, strict=False)
    # epoch milliseconds (pino, NestJS) or seconds (zap's "ts": 1666…​.123)
    epoch = pl.when(number > 1e11).then(epoch_ms_to_utc(number)).otherwise(epoch_ms_to_utc(number * 1000))
    stack = first_field(frame, _STACK)
    err_msg = first_field(frame, _ERROR_MSG)
    err_type = first_field(frame, _ERROR_TYPE)
    msg = first_field(frame, keys.msg)
    # the error's own text goes where the classifier reads (the stack starts with "Type: message")
    detail = pl.coalesce(
        stack,
        pl.when(err_msg.is_not_null()).then(
            pl.concat_str(err_type.fill_null("Error"), pl.lit(": "), err_msg)
        ),
    )
    message = (
        pl.when(detail.is_not_null() & msg.is_not_null())
        .then(pl.concat_str(msg, pl.lit("\n"), detail))
        .otherwise(pl.coalesce(msg, detail))
    )
    url = first_field(frame, _URL)
    target = {e.meta.output_name(): e for e in split_target(url)}
    extra: dict[str, pl.Expr] = {
        "request_id": first_field(frame, _REQUEST_ID),
        "method": first_field(frame, _METHOD).str.to_uppercase(),
        "path": target["path"],
        "query": target["query"],
        "status": first_field(frame, _STATUS).cast(pl.Int32, strict=False),
        "duration_ms": first_field(frame, _DURATION).cast(pl.Float64, strict=False),
        "client": first_field(frame, _CLIENT),
        "error": err_msg,
    }
    present = [k for k in _ATTRS if k in frame.columns]
    if present:
        extra["attrs"] = pl.struct(*(first_field(frame, (k,)).alias(k) for k in present)).struct.json_encode()
    return records(
        frame,
        ts=pl.when(number.is_not_null()).then(epoch),
        ts_raw=pl.when(number.is_null()).then(when),
        level=first_field(frame, keys.level),
        logger=first_field(frame, keys.logger),
        msg=message,
        extra=extra,
    )
