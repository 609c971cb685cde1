"""What backend log messages mean, as data: signatures (wording → kind, codes), extractors, levels.

A message's meaning does not depend on the format that carried it, so these tables are walked once per
message by :mod:`analyzer.parsers.backend.classify`. A new wording is one row here.

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

from dataclasses import dataclass
from typing import Final

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
TIMER_LINE = (
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
    # Django Channels / daphne (runserver's lines; daphne's access log: "WSCONNECTING /path" …). daphne
    # writes a handshake's start and its outcome on two lines with nothing to join them but the client's
    # port; as with uvicorn's one line, the outcome line is the attempt (101 accepted, 403 refused) and the
    # start line only a log line (daphne/server.py log_action "websocket" connecting/connected/rejected).
    S(r'"WSCONNECTING ', "log"),
    S(r'"WSCONNECT ', "ws_upgrade", status=101),
    S(r'"WSREJECT ', "ws_upgrade", error="WSREJECT", error_name="FORBIDDEN", status=403),
    S(r'"WSDISCONNECT ', "ws_close"),
    S(r"WebSocket HANDSHAKING ", "log"),
    S(r"WebSocket CONNECT ", "ws_upgrade", status=101),
    S(r"WebSocket REJECT ", "ws_upgrade", error="WebSocket REJECT", error_name="FORBIDDEN", status=403),
    S(r"WebSocket DISCONNECT ", "ws_close"),
    # Django's request logger (django.request, WARNING, printed bare by runserver): the 404 of a path no
    # URL pattern serves — a WebSocket path on a WSGI runserver that knows nothing of Channels' routing
    S(r"^Not Found: /", "log"),
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
ACCESS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
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
    # Gin's logger, after its time: 200 |   18.1847s |  127.0.0.1 | GET      "/ws" (latency a Go duration)
    (
        rf'^(?P<status>\d{{3}})\s*\|\s*(?:(?P<ms>\d+(?:\.\d+)?)ms|(?P<secs>\d+(?:\.\d+)?)s|\S+)\s*\|\s*(?P<client>\S+)\s*\|\s*(?P<method>{_METHODS})\s+"?(?P<target>[^"\s]+)"?',
        (" | ",),
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
ACCESS_FIELDS = ("client", "method", "target", "protocol", "status", "size", "secs", "ms")

EXTRACTORS: Final = {
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
    # zerolog's console (INF, WRN, TRC, FTL, PNC) and logrus's terminal (INFO, WARN, ERRO, DEBU, TRAC, FATA, PANI)
    "inf": "info",
    "wrn": "warn",
    "trc": "trace",
    "ftl": "fatal",
    "pnc": "fatal",
    "erro": "error",
    "debu": "debug",
    "trac": "trace",
    "fata": "fatal",
    "pani": "fatal",
    "dpanic": "fatal",
    "alert": "fatal",
    "emerg": "fatal",
}
