"""What a backend log line *means*, whatever format carried it: kind, ids, error codes, reasons.

The same engine.io debug text arrives plain, through docker, inside pino JSON or a NestJS line, so the
message is classified once, here, with vectorized polars expressions over the ``message`` column.

Everything below comes from the servers' source (see ``../shared/reference/backend.md``):

- engine.io ``lib/server.ts`` ``verify()`` debug strings and ``Server.errors`` codes 0–5, with the
  ``BAD_REQUEST`` context names (``TRANSPORT_MISMATCH`` …); ``socket.ts`` upgrade and heartbeat strings;
- socket.io ``client.ts`` / ``socket.ts`` debug strings and ``DisconnectReason``;
- python-engineio / python-socketio logger messages (``<sid>: Sending packet OPEN data {...}``,
  ``Invalid session <sid>``);
- uvicorn's WebSocket lines, Channels' ``WebSocket HANDSHAKING/CONNECT/REJECT/DISCONNECT``;
- gorilla/websocket ``Upgrader`` errors (both wording generations) and ``CloseError`` text;
- Node ``ws`` receiver errors (``Invalid WebSocket frame: …``, ``Max payload size exceeded``) and their
  ``WS_ERR_*`` codes and close codes.

``error_name`` is engine.io's own name for the failure where engine.io has one; other servers' errors are
mapped to the engine.io name of the same failure (gorilla's ``'upgrade' token not found`` is a WebSocket
handshake without upgrade headers: ``TRANSPORT_HANDSHAKE_ERROR``), and ws errors keep their ``WS_ERR_*`` code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import polars as pl

from analyzer.regex import ascii_classes
from analyzer.urls import sio_columns, split_target, split_url

#: Disconnect reasons of the server (``DisconnectReason``) and the client (``socket.io-client``).
REASONS: Final = (
    "transport close",
    "transport error",
    "ping timeout",
    "parse error",
    "forced server close",
    "forced close",
    "server shutting down",
    "client namespace disconnect",
    "server namespace disconnect",
    "io server disconnect",
    "io client disconnect",
)
_REASON_RE = r"\b(" + "|".join(REASONS) + r")\b"
_TIMER_LINE = (
    r"(?i)(?:refresh|reset|set|clear|schedul|start|restart)(?:ing|ed)? (?:the )?ping timeout|waiting for pong"
)
_METHODS = r"GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE"
_ID = r"[A-Za-z0-9_-]"


@dataclass(frozen=True)
class Signature:
    """A message shape with a fixed meaning. ``kind="@request"`` means an access line (see :func:`classify`)."""

    pattern: str
    kind: str
    error_code: int | None = None
    error: str | None = None
    error_name: str | None = None
    reason: str | None = None
    close_code: int | None = None
    status: int | None = None


S = Signature
#: First match wins, so specific shapes come before general ones.
SIGNATURES: Final[tuple[Signature, ...]] = (
    # engine.io server.ts verify(): what the server answers 400/403 for
    S(r'unknown sid "', "error", 1, "Session ID unknown", "UNKNOWN_SID", status=400),
    S(r'unknown transport "', "error", 0, "Transport unknown", "UNKNOWN_TRANSPORT", status=400),
    S(
        r"bad request: unexpected transport without upgrade",
        "error",
        3,
        "Bad request",
        "TRANSPORT_MISMATCH",
        status=400,
    ),
    S(r"invalid transport upgrade", "error", 3, "Bad request", "TRANSPORT_HANDSHAKE_ERROR", status=400),
    S(r"origin header invalid", "error", 3, "Bad request", "INVALID_ORIGIN", status=400),
    S(
        r"(?i)unsupported protocol version",
        "error",
        5,
        "Unsupported protocol version",
        "UNSUPPORTED_PROTOCOL_VERSION",
        status=400,
    ),
    # connection_error handlers and response bodies print the code, the message or the context name
    S(r"TRANSPORT_MISMATCH", "error", 3, "Bad request", "TRANSPORT_MISMATCH", status=400),
    S(r"TRANSPORT_HANDSHAKE_ERROR", "error", 3, "Bad request", "TRANSPORT_HANDSHAKE_ERROR", status=400),
    S(r"INVALID_ORIGIN", "error", 3, "Bad request", "INVALID_ORIGIN", status=400),
    S(r"MIDDLEWARE_FAILURE", "error", 3, "Bad request", "MIDDLEWARE_FAILURE", status=400),
    S(r"ID_GENERATION_ERROR", "error", 3, "Bad request", "ID_GENERATION_ERROR", status=400),
    S(
        r'Session ID unknown|"code":\s*1\s*,\s*"message"',
        "error",
        1,
        "Session ID unknown",
        "UNKNOWN_SID",
        status=400,
    ),
    S(
        r'Transport unknown|"code":\s*0\s*,\s*"message"',
        "error",
        0,
        "Transport unknown",
        "UNKNOWN_TRANSPORT",
        status=400,
    ),
    S(
        r'Bad handshake method|"code":\s*2\s*,\s*"message"',
        "error",
        2,
        "Bad handshake method",
        "BAD_HANDSHAKE_METHOD",
        status=400,
    ),
    S(r'"code":\s*3\s*,\s*"message"', "error", 3, "Bad request", "BAD_REQUEST", status=400),
    S(r'"code":\s*4\s*,\s*"message"', "error", 4, "Forbidden", "FORBIDDEN", status=403),
    S(
        r'"code":\s*5\s*,\s*"message"',
        "error",
        5,
        "Unsupported protocol version",
        "UNSUPPORTED_PROTOCOL_VERSION",
        status=400,
    ),
    # python-engineio server.py: the same failures in its own words (answered 400)
    S(r"\bInvalid session\b", "error", 1, "Invalid session", "UNKNOWN_SID", status=400),
    S(r"is not an accepted origin", "error", None, None, "FORBIDDEN", status=400),
    S(
        r"Invalid websocket upgrade",
        "error",
        None,
        "Invalid websocket upgrade",
        "TRANSPORT_HANDSHAKE_ERROR",
        status=400,
    ),
    S(
        r"Application rejected connection",
        "connect_error",
        None,
        "Application rejected connection",
        "FORBIDDEN",
        status=401,
    ),
    S(
        r"unsupported version of the Socket\.IO or Engine\.IO protocols",
        "error",
        None,
        None,
        "UNSUPPORTED_PROTOCOL_VERSION",
        status=400,
    ),
    S(r"(?:^|: )Invalid transport\b", "error", None, "Invalid transport", "UNKNOWN_TRANSPORT", status=400),
    S(r"Client is gone, closing socket", "disconnect", reason="ping timeout"),
    S(r"(?i)(?:refresh|reset|set|clear)(?:ing|ed)? ping timeout|waiting for pong", "ping"),
    # upgrades (engine.io socket.ts, python-engineio socket.py, engine.io-client probe)
    S(r"client did not complete upgrade", "upgrade", error="client did not complete upgrade"),
    S(r"upgrade attempt for closed client", "upgrade", error="upgrade attempt for closed client"),
    S(
        r"transport has already been trying to upgrade",
        "upgrade",
        error="transport has already been trying to upgrade",
    ),
    S(r"Failed websocket upgrade", "upgrade"),
    S(r'probe transport "[^"]*" failed', "upgrade"),
    # a completed upgrade carries status 101 (the session now runs over the WebSocket); an attempt none
    S(
        r"got upgrade packet - upgrading|Upgrade to websocket successful|WebSocket upgrade was successful|"
        r"(?:Sending|Received) packet UPGRADE\b",
        "upgrade",
        status=101,
    ),
    S(
        r"got probe ping packet|might upgrade socket transport|Received request to upgrade to|"
        r'Attempting WebSocket upgrade|probe transport "[^"]*" (?:opened|pong)|upgrading transport',
        "upgrade",
    ),
    # handshakes and heartbeats
    S(
        r'handshaking client "|(?:Sending|Received) packet OPEN\b|sending packet "open"|incoming connection with id|Polling connection accepted',
        "handshake",
    ),
    S(
        r'(?:Sending|Received) packet (?:PING|PONG)\b|writing ping packet|\bgot pong\b|sending packet "p[io]ng"|'
        r"received packet p[io]ng|writing pong packet",
        "ping",
    ),
    # Socket.IO packets as python-engineio prints them: "... packet MESSAGE data <socket.io packet>"
    S(r"packet MESSAGE data 4", "connect_error"),
    S(r"Received packet MESSAGE data 1", "disconnect", reason="client namespace disconnect"),
    S(r"Sending packet MESSAGE data 1", "disconnect", reason="server namespace disconnect"),
    S(r"packet MESSAGE data 0(?:/|\{|\s|$)", "connect"),
    S(r"(?:Sending|Received) packet CLOSE\b", "disconnect"),
    # socket.io debug (client.ts / socket.ts) and Socket.IO CONNECT answers in any log
    S(r"creation of namespace .* was denied|Invalid namespace", "connect_error", error="Invalid namespace"),
    S(r'"type":\s*4\b', "connect_error"),
    S(
        r'(?:^|[\s("\'])4?0(?:/[^,\s]*,)?\{"sid":"|"type":\s*0\b.*"sid"|connecting to namespace|socket connected - writing packet',
        "connect",
    ),
    S(
        r"closing socket - reason|client close with reason|socket close with reason|got disconnect packet|"
        r"\bclose \((?:" + "|".join(REASONS) + r")\)",
        "disconnect",
    ),
    S(r"server disconnect \(", "disconnect", reason="io server disconnect"),
    # uvicorn (uvicorn.error) and the websockets library
    S(r'"WebSocket [^"]*" \[accepted\]', "ws_upgrade", status=101),
    S(r'"WebSocket [^"]*" 403\b', "ws_upgrade", error_name="FORBIDDEN"),
    S(r'"WebSocket [^"]*" \d{3}', "ws_upgrade"),
    S(r"connection rejected \(403", "ws_error", error_name="FORBIDDEN"),
    S(r"connection rejected \(", "ws_error"),
    S(r"^connection open$", "ws_open"),
    S(r"^connection closed$", "ws_close"),
    # Django Channels / daphne (runserver's lines; daphne's access log: "WSCONNECTING /path" …)
    S(r'"WSCONNECTING ', "ws_upgrade"),
    S(r'"WSCONNECT ', "ws_open", status=101),
    S(r'"WSREJECT ', "ws_error", error="WSREJECT", error_name="FORBIDDEN", status=403),
    S(r'"WSDISCONNECT ', "ws_close"),
    S(r"WebSocket HANDSHAKING ", "ws_upgrade"),
    S(r"WebSocket CONNECT ", "ws_open", status=101),
    S(r"WebSocket REJECT ", "ws_error", error="WebSocket REJECT", error_name="FORBIDDEN", status=403),
    S(r"WebSocket DISCONNECT ", "ws_close"),
    # gorilla/websocket Upgrader (new and old wording) and CloseError
    S(
        r"token not found in 'Connection' header|connection header with token 'upgrade'|"
        r"upgrade != websocket",
        "ws_error",
        error_name="TRANSPORT_HANDSHAKE_ERROR",
        status=400,
    ),
    S(
        r"token not found in 'Upgrade' header|upgrade header with token 'websocket'|"
        r"(?i)not using the websocket protocol: .*'?(?:upgrade|connection)'? header",
        "ws_error",
        error_name="TRANSPORT_HANDSHAKE_ERROR",
    ),
    S(
        r"request origin not allowed by Upgrader\.CheckOrigin|websocket: origin not allowed",
        "ws_error",
        error_name="FORBIDDEN",
        status=403,
    ),
    S(
        r"websocket: key missing or blank|'Sec-WebSocket-Key' header is missing or blank|"
        r"'Sec-Websocket-Version' header|websocket: version != 13",
        "ws_error",
        error_name="BAD_REQUEST",
        status=400,
    ),
    S(r"request method is not GET", "ws_error", error_name="BAD_HANDSHAKE_METHOD", status=405),
    S(r"websocket: method not GET", "ws_error", error_name="BAD_HANDSHAKE_METHOD"),
    S(r"websocket: bad handshake", "ws_error"),
    S(r"websocket: close \d{4}|websocket: close sent", "ws_close"),
    # ws receiver.js / websocket.js
    S(
        r"Max payload size exceeded",
        "ws_error",
        close_code=1009,
        error_name="WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
    ),
    S(
        r"Invalid WebSocket frame: invalid status code",
        "ws_error",
        close_code=1002,
        error_name="WS_ERR_INVALID_CLOSE_CODE",
    ),
    S(
        r"Invalid WebSocket frame: invalid UTF-8",
        "ws_error",
        close_code=1007,
        error_name="WS_ERR_INVALID_UTF8",
    ),
    S(
        r"Invalid WebSocket frame: invalid opcode",
        "ws_error",
        close_code=1002,
        error_name="WS_ERR_INVALID_OPCODE",
    ),
    S(r"Invalid WebSocket frame", "ws_error", close_code=1002),
    S(r"(?i)unexpected server response", "ws_error"),
    S(
        r"WebSocket was closed before the connection was established|Opening handshake has timed out",
        "ws_error",
    ),
    # engine.io polling transport answers 400 to overlapping requests
    S(r"overlap from client|request overlap", "error", status=400),
    # Node clients (engine.io-client debug, socket.io-client connect_error)
    S(r"\b(?:xhr poll error|xhr post error|fetch read error|fetch write error)\b", "error"),
    S(r"\bwebsocket error\b", "ws_error"),
    # requests: Express/Nest 404 for an unserved path, engine.io's own request log
    S(r"Cannot (?:" + _METHODS + r") /", "@request", status=404),
    S(r'handling "[A-Z]+" http request "', "@request"),
    # user code in gateways (the NestJS docs' handleConnection / handleDisconnect examples)
    S(r"(?i)\b(?:client|socket|user) (?:has )?disconnected\b", "disconnect"),
    S(r"(?i)\b(?:client|socket|user) (?:has )?connected\b", "connect"),
    S(r"\b(?:ENOTFOUND|EAI_AGAIN)\b", "dns_error"),
    S(r"\b(?:ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ECONNABORTED)\b", "net_error"),
)

# -- extractors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extract:
    """A regex with one capture group, tried only on messages holding one of ``literals``."""

    pattern: str
    literals: tuple[str, ...]
    ignore_case: bool = False


X = Extract
_REASON_WORDS = tuple(REASONS)
#: Per column, first match wins.
_SID = (
    X(r'handshaking client "([^"]+)"', ("handshaking client",)),
    X(r'unknown sid "([^"]+)"', ("unknown sid",)),
    X(rf"\bInvalid session ({_ID}+)", ("Invalid session",)),
    X(
        rf"(?:^|\s)({_ID}{{16,}}): (?:Sending|Received|Upgrade|Client is gone|Failed|Unexpected)",
        (": Sending", ": Received", ": Upgrade", ": Client is gone", ": Failed", ": Unexpected"),
    ),
    X(rf"incoming connection with id ({_ID}+)", ("incoming connection",)),
    X(rf"""['"]sid['"]: ?['"]({_ID}+)['"][^}}]*['"]upgrades['"]""", ("upgrades",)),
    X(rf"""['"]upgrades['"][^}}]*['"]sid['"]: ?['"]({_ID}+)['"]""", ("upgrades",)),
    X(rf"\bsid=({_ID}+)", ("sid=",)),
)
_SOCKET_ID = (
    X(rf'(?:^|[\s("\'])4?0(?:/[^,\s]*,)?\{{"sid":"({_ID}+)"\}}', ('{"sid":"',)),
    X(rf'"data":\s*\{{"sid":"({_ID}+)"\}}', ('"data":',)),
    X(rf'received event "[^"]*" from ({_ID}+)', ("received event",)),
    # "Client connected: <id>", "client disconnected id=<id>", "socket connected <20-char id>"
    X(
        rf"\b(?:[Cc]lient|[Ss]ocket|[Uu]ser) (?:has )?(?:dis)?connected(?::|,? [Ii][Dd]:?| with id:?|,? [Ii][Dd]=| *=) *({_ID}{{6,}})",
        ("client", "socket", "user"),
        True,
    ),
    X(rf"\b(?:[Cc]lient|[Ss]ocket|[Uu]ser) (?:has )?(?:dis)?connected ({_ID}{{20}})\b", ("connected",)),
    X(rf"\b(?:[Cc]lient|[Ss]ocket)(?: [Ii][Dd])?:? ({_ID}{{20}}) (?:has )?(?:dis)?connected", ("connected",)),
)
_NAMESPACE = (
    X(r"\[(/[^\]\s]*)\]\s*$", ("[/",)),
    X(r"(?:namespace|nsp) (/[^\s)]*)", ("namespace /", "nsp /")),
    X(r'"nsp":\s*"(/[^"]*)"', ('"nsp":',)),
    X(r"packet MESSAGE data \d(/[^,\s{\[]*)", ("packet MESSAGE data",)),
    X(r'(?:^|[\s("\'])4?0(/[^,\s]*),\{"sid":"', (',{"sid":"',)),
    X(r"server disconnect \((/[^)]*)\)", ("server disconnect (",)),
)
_REASON = (
    X(r"closing socket - reason ([^\n]*[^\s])", ("closing socket - reason",)),
    X(r"client close with reason ([^\n]*[^\s])", ("client close with reason",)),
    X(r'close with reason:? "?([^"\n]+)"?', ("close with reason",)),
    X(r"client did not complete upgrade - ([^\n]*[^\s])", ("client did not complete upgrade",)),
    X(r"websocket: close \d{4} \(([^)]+)\)", ("websocket: close",)),
    X(_REASON_RE, _REASON_WORDS),
)
_ERROR = (
    X(r'probe transport "[^"]*" failed because of error: ([^\n]*[^\s])', ("failed because of error",)),
    X(r'"code":\s*\d+\s*,\s*"message":\s*"([^"]*)"', ('"code":',)),
    X(r'"type":\s*4\b.*"message":\s*"([^"]*)"', ('"type":',)),
    X(r'packet MESSAGE data 4(?:/[^,]*,)?\{"message":\s*"([^"]*)"', ("packet MESSAGE data 4",)),
    X(r"(\S+ is not an accepted origin\.?)", ("is not an accepted origin",)),
    X(r"(unsupported version of the Socket\.IO or Engine\.IO protocols)", ("unsupported version of the",)),
    X(r"Failed websocket upgrade, ([^\n]*[^\s])", ("Failed websocket upgrade",)),
    X(
        r"(Invalid WebSocket frame: [^\n]+|Max payload size exceeded)",
        ("Invalid WebSocket frame", "Max payload"),
    ),
    X(r'(websocket: [^\n"]+)', ("websocket: ",)),
    X(r"((?i:unexpected server response):? \(?\d{3}\)?)", ("unexpected server response",), True),
    X(r"(connection rejected \([^)]*\))", ("connection rejected",)),
    X(
        r"\b(xhr poll error|xhr post error|fetch read error|fetch write error|websocket error)\b",
        ("xhr poll error", "xhr post error", "fetch read error", "fetch write error", "websocket error"),
    ),
    X(
        r"\b(E(?:CONNRESET|CONNREFUSED|TIMEDOUT|PIPE|HOSTUNREACH|CONNABORTED|NOTFOUND)|EAI_AGAIN)\b",
        ("ECONN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"),
    ),
    X(r"\b(overlap from client|data request overlap from client|request overlap)\b", ("overlap",)),
    X(
        r"(WebSocket was closed before the connection was established|Opening handshake has timed out)",
        ("WebSocket was closed before", "Opening handshake has timed out"),
    ),
)
_ERROR_NAME = (X(r"\b(WS_ERR_[A-Z_]+)\b", ("WS_ERR_",)),)
_CLOSE_CODE = (
    X(r"websocket: close (\d{4})", ("websocket: close",)),
    X(r"(?i)\bclose(?:d)?(?: with)?(?: (?:status|code))?[ =:]+\(?([1-4]\d{3})\b", ("close",), True),
    X(r"(?i)(?:close|websocket).*\bcode[ =:]+([1-4]\d{3})\b", ("code",), True),
)
_STATUS = (
    X(r'"WebSocket [^"]*" (\d{3})', ('"WebSocket ',)),
    X(r"connection rejected \((\d{3})", ("connection rejected",)),
    X(r"(?i)unexpected server response:? \(?(\d{3})", ("unexpected server response",), True),
)
_REQUEST_ID = (
    X(
        r"(?i)\b(?:x-request-id|request[_-]?id|req[_-]?id|correlation[_-]?id|trace[_-]?id)[\"']?\s*[=:]\s*[\"']?([\w.:-]{6,})",
        ("req", "correlation", "trace"),
        True,
    ),
    X(r"\b00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}\b", ("00-",)),
)
_TRANSPORT = (X(r'unknown transport "([^"]*)"', ('unknown transport "',)),)
_URL = (X(r"\b((?:https?|wss?)://[^\s'\"<>]+)", ("://",)),)


# Access lines: each regex yields method / target / protocol / status / size / client / secs / ms, and runs
# only on lines holding one of its literals; the first regex that matches a line gives all its fields.
_CLIENT = r"(?P<client>\('[^']*', \d+\)|[\w.:%\[\]-]+)"
_QUOTED_METHODS = tuple(f'"{m} ' for m in _METHODS.split("|"))
_ACCESS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    # CLF-like: werkzeug, gevent, gunicorn, uvicorn.access, morgan combined
    (
        rf'(?:{_CLIENT}\s+-\s+(?:\S+\s+)?(?:\[[^\]]*\]\s+)?)?"(?P<method>{_METHODS}) (?P<target>\S+)(?: (?P<protocol>HTTP/[\d.]+))?" (?P<status>\d{{3}})(?: (?P<size>\d+|-))?',
        _QUOTED_METHODS,
    ),
    # uvicorn WebSocket handshake: ('127.0.0.1', 56032) - "WebSocket /path" [accepted] | 403
    (rf'{_CLIENT} - "WebSocket (?P<target>[^"]+)"', ('"WebSocket ',)),
    # daphne's access log: 127.0.0.1:54022 - - [25/Nov/2026:10:00:00] "WSCONNECT /ws/chat/" - -
    (
        r'(?P<client>\S+) - \S+ \[[^\]]*\] "WS(?:CONNECTING|CONNECT|REJECT|DISCONNECT) (?P<target>[^"\s]+)"',
        ('"WS',),
    ),
    # Channels runserver / daphne: WebSocket VERB /path [ip:port], HTTP GET /path 200 [0.01, ip:port]
    (
        r"WebSocket (?:HANDSHAKING|CONNECT|REJECT|DISCONNECT) (?P<target>\S+) \[(?P<client>[^\]]+)\]",
        ("WebSocket ",),
    ),
    (
        rf"^HTTP (?P<method>{_METHODS}) (?P<target>\S+) (?P<status>\d{{3}}) \[(?P<secs>[\d.]+), (?P<client>[^\]]+)\]",
        ("HTTP ",),
    ),
    # engine.io debug: handling "GET" http request "/socket.io/?EIO=4&…"
    (r'handling "(?P<method>[A-Z]+)" http request "(?P<target>[^"]+)"', ('handling "',)),
    # Express / Nest: Cannot GET /socket.io/…
    (rf"Cannot (?P<method>{_METHODS}) (?P<target>\S+)", ("Cannot ",)),
    # morgan "dev"/"tiny", Nest ExceptionFilter: GET /path 404 1.234 ms - 9
    (
        rf"^(?P<method>{_METHODS}) (?P<target>/\S*)(?: (?P<status>\d{{3}})(?: (?P<ms>[\d.]+) ms)?)?(?:\s|$)",
        tuple(f"{m} /" for m in _METHODS.split("|")),
    ),
    # engine.io-client: xhr open GET: http://host/socket.io/?…
    (rf"xhr open (?P<method>{_METHODS}): (?P<target>\S+)", ("xhr open ",)),
)
_ACCESS_FIELDS = ("client", "method", "target", "protocol", "status", "size", "secs", "ms")

_EXTRACTORS: Final = {
    "url": _URL,
    "sid": _SID,
    "socket_id": _SOCKET_ID,
    "namespace": _NAMESPACE,
    "reason": _REASON,
    "error": _ERROR,
    "error_name": _ERROR_NAME,
    "close_code": _CLOSE_CODE,
    "status": _STATUS,
    "request_id": _REQUEST_ID,
    "transport": _TRANSPORT,
}
_ALL_LITERALS: Final = sorted(
    {lit.lower() for group in _EXTRACTORS.values() for ex in group for lit in ex.literals}
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
    names = [f"_a_{f}" for f in _ACCESS_FIELDS]
    found: list[pl.DataFrame] = []
    rest = frame.select("_i", "_msg")
    for pattern, literals in _ACCESS:
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
                    for f in _ACCESS_FIELDS
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
    """``_sig`` for each distinct template, from the signatures that do not depend on what it masks."""
    unique = frame.select(pl.col("_tpl").unique())
    return unique.with_columns(signature_index(pl.col("_tpl"), _ON_TEMPLATE).alias("_sig"))


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
    out = out.with_columns(
        _extract(out, f"_x_{name}", extractors) for name, extractors in _EXTRACTORS.items()
    )
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
        "reason": pl.when(pl.col("message").str.contains(_TIMER_LINE).fill_null(False))
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


#: Level words of every format, lower-cased, to the event table's six levels.
LEVELS: Final[dict[str, str]] = {
    "trace": "trace",
    "silly": "trace",
    "verbose": "debug",
    "debug": "debug",
    "dbg": "debug",
    "log": "info",
    "info": "info",
    "information": "info",
    "notice": "info",
    "http": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
    "err": "error",
    "fatal": "fatal",
    "critical": "fatal",
    "crit": "fatal",
    "panic": "fatal",
    "dpanic": "fatal",
    "alert": "fatal",
    "emerg": "fatal",
}


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
