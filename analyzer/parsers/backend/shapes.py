"""Line layouts of backend logs, grouped by the runtimes whose output ends up in one stream.

One process's stdout/stderr mixes formats: a NestJS app started with ``DEBUG=engine*`` interleaves
ConsoleLogger lines and ``debug`` output; uvicorn prints its own lines, python-engineio's logger lines and
access lines. So each parser reads its own layout first and its neighbours' after it; the sniffers decide
which name the file gets. Sources for every layout are in ``../shared/reference/backend.md`` §3.
"""

from __future__ import annotations

import re

from analyzer.parsers.backend.engine import CONTINUATION, Shape
from analyzer.parsers.base import share

# -- Node ----------------------------------------------------------------------------------------------
#: NestJS ConsoleLogger v8+: ``[Nest] 7968  - 11/27/2025, 10:15:32 AM     LOG [Ctx] msg +5ms``;
#: the timestamp is whatever ``Intl.DateTimeFormat`` gives in the server's locale.
NEST_V8 = Shape(
    "nestjs",
    r"^\[[^\]]+\] (?P<pid>\d+)\s+-\s+(?P<ts_raw>[^\[\]]+?)\s+(?P<level>LOG|ERROR|WARN|DEBUG|VERBOSE|FATAL)"
    r" +(?:\[(?P<logger>[^\]]*)\] )?(?P<msg>.*?)(?: +\+(?P<elapsed>\d+)ms)?$",
)
#: NestJS v6/v7: no level column (nestjs/nest#2619).
NEST_V6 = Shape(
    "nestjs-v6",
    r"^\[[^\]]+\] (?P<pid>\d+)\s+-\s+(?P<ts_raw>[^\[\]]+?)\s+\[(?P<logger>[^\]]*)\] (?P<msg>.*?)(?: +\+(?P<elapsed>\d+)ms)?$",
    level="info",
)
# a part after a colon starts with a letter: ``bundle.js:13156`` (a console source link) is no namespace
_NS = r"[a-z][\w.-]*(?::[a-z*][\w.*-]*)*"
#: ``debug`` without a TTY: ``2021-05-15T15:17:22.687Z engine handshaking client "…"``.
DEBUG_ISO = Shape(
    "debug",
    rf"^(?P<ts_raw>\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (?P<logger>{_NS}) (?P<msg>.*)$",
    level="debug",
)
#: Old ``debug`` releases stamped ``new Date().toUTCString()``: ``Wed, 30 Aug 2017 17:08:30 GMT ns msg``.
DEBUG_GMT = Shape(
    "debug-gmt",
    rf"^(?P<ts_raw>[A-Z][a-z]{{2}}, \d\d [A-Z][a-z]{{2}} \d{{4}} \d\d:\d\d:\d\d GMT) (?P<logger>{_NS}) (?P<msg>.*)$",
    level="debug",
)
#: ``debug`` on a TTY: two-space indent, namespace, message, ``+Nms`` since that namespace's last line
#: (the indent is gone when every line of a paste had it: the reader strips a shared indentation).
DEBUG_TTY = Shape(
    "debug-tty",
    rf"^ {{0,4}}(?P<logger>{_NS}) (?P<msg>.*?) ?\+(?P<diff>\d+(?:ms|s|m|h|d))$",
    level="debug",
)
#: ``DEBUG_HIDE_DATE``: namespace and message only; recognized for Socket.IO's own namespaces.
_SIO_NS = r"(?:engine(?::[\w-]+)?|socket\.io(?::[\w-]+)?|engine\.io-client:[\w-]+|socket\.io-client(?::[\w-]+)?|socket\.io-parser)"
DEBUG_BARE = Shape("debug-bare", rf"^(?P<logger>{_SIO_NS}) (?P<msg>.*)$", level="debug")
#: winston 2.x default console transport: ``2017-08-30T17:08:30.293Z - info: msg``.
WINSTON_TEXT = Shape(
    "winston-text",
    r"^(?P<ts_raw>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) - (?P<level>[a-z]+): (?P<msg>.*)$",
)
NODE = (NEST_V8, NEST_V6, DEBUG_ISO, DEBUG_GMT, DEBUG_TTY, DEBUG_BARE, WINSTON_TEXT)

# -- Python --------------------------------------------------------------------------------------------
_LEVELS = r"TRACE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL"
_ASCTIME = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,6})?(?:Z|[+-]\d\d:?\d\d)?"
_PY_LOGGERS = (
    r"(?:engineio|socketio|geventwebsocket|uvicorn|gunicorn|daphne|django|channels|werkzeug|aiohttp"
    r"|websockets|flask_socketio|hypercorn)(?:\.[\w.]+)?"
)
#: gunicorn's error log: ``[2019-04-12 17:36:51 +0800] [1] [INFO] Booting worker with pid: 10``.
GUNICORN = Shape(
    "gunicorn",
    r"^\[(?P<ts_raw>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: [+-]\d{4})?)\] \[(?P<pid>\d+)\] \[(?P<level>[A-Z]+)\] (?P<msg>.*)$",
)
#: uvicorn's default formatter: ``INFO:     msg`` (level, colon, padding; no time).
UVICORN = Shape("uvicorn", rf"^(?P<level>{_LEVELS}):\s+(?P<msg>\S.*)$")
#: ``logging.basicConfig()``: ``INFO:engineio.server:msg``, optionally after a ``[time]`` a user added.
BASIC = Shape(
    "python-basic",
    rf"^(?:\[(?P<ts_raw>{_ASCTIME})\] )?(?P<level>{_LEVELS}):(?P<logger>[\w.-]+):(?P<msg>.*)$",
)
#: ``%(asctime)s - %(name)s - %(levelname)s - %(message)s`` and the level/name swapped (daphne's).
ASCTIME_DASH_NAME_LEVEL = Shape(
    "python-dash",
    rf"^(?P<ts_raw>{_ASCTIME}) - (?P<logger>\S+) - (?P<level>{_LEVELS}) - (?P<msg>.*)$",
)
ASCTIME_DASH_LEVEL_NAME = Shape(
    "python-dash2",
    rf"^(?P<ts_raw>{_ASCTIME}) - (?P<level>{_LEVELS}) - (?P<logger>\S+) - (?P<msg>.*)$",
)
#: Django's "verbose": ``INFO 2022-08-17 07:12:59,876 runserver 9550 140168559085312 msg``.
DJANGO_VERBOSE = Shape(
    "django-verbose",
    rf"^(?P<level>{_LEVELS}) (?P<ts_raw>{_ASCTIME}) (?P<logger>\w+) (?P<pid>\d+) \d+ (?P<msg>.*)$",
)
#: Any ``%(asctime)s … %(levelname)s … %(message)s`` with up to three fields between; an optional
#: trailing `` - logger`` of a known library.
ASCTIME_ANY = Shape(
    "python-asctime",
    rf"^\[?(?P<ts_raw>{_ASCTIME})\]?\s+(?:\S+\s+){{0,3}}?\[?(?P<level>{_LEVELS})\]?:?\s+(?P<msg>.*?)(?: - (?P<logger>{_PY_LOGGERS}))?$",
)
LEVEL_FIRST = Shape(
    "python-level-first", rf"^\[?(?P<level>{_LEVELS})\]?:?\s+\[?(?P<ts_raw>{_ASCTIME})\]?\s+(?P<msg>.*)$"
)
#: ``%(asctime)s`` with a time-of-day ``datefmt``: ``16:03:44,244 1 MainProcess DEBUG msg - name``.
CLOCK_ANY = Shape(
    "python-clock",
    rf"^(?P<ts_raw>\d\d:\d\d:\d\d[.,]\d{{3}})\s+(?:\S+\s+){{0,3}}?(?P<level>{_LEVELS})\s+(?P<msg>.*?)(?: - (?P<logger>{_PY_LOGGERS}))?$",
)
#: ``name: msg`` of the usual libraries, optionally after a level and one field (python-engineio#29).
NAMED = Shape("python-named", rf"^(?:(?P<level>{_LEVELS}) \S+ )?(?P<logger>{_PY_LOGGERS}): (?P<msg>.*)$")
#: ``[2017/04/11 10:15:14] WebSocket HANDSHAKING …`` (Channels 1.x) and other ``[time] msg`` prefixes.
BRACKET_TIME = Shape(
    "bracket-time",
    r"^\[(?P<ts_raw>\d{4}[/-]\d\d[/-]\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\] (?P<msg>.*)$",
)
#: CLF-style access lines with a time (werkzeug ``[25/Nov/2026 10:00:00]``, gunicorn/gevent access).
ACCESS = Shape(
    "access",
    r'^(?P<msg>\S+ - \S+ \[(?P<ts_raw>\d\d/[A-Z][a-z]{2}/\d{4}[ :]\d\d:\d\d:\d\d(?: [+-]\d{4})?)\] +".*)$',
)
#: Django's runserver request log (``django.server``, formatter ``[{server_time}] {message}``, local time):
#: ``[02/Dec/2026 18:22:05] "GET /ws/chat/ HTTP/1.1" 404 2205`` (django/utils/log.py ServerFormatter).
DJANGO_SERVER = Shape(
    "django-server",
    r"^\[(?P<ts_raw>\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d)\] (?P<msg>.*)$",
)
#: runserver's start-up stamp (``now.strftime("%B %d, %Y - %X")``): ``December 02, 2026 - 18:21:57``.
DJANGO_STARTED = Shape(
    "django-started",
    r"^(?P<msg>(?P<ts_raw>(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d\d, \d{4} - \d\d:\d\d:\d\d))$",
    level="info",
)
#: Development servers' start-up lines, which carry no time: werkzeug / Flask (``run_simple``, ``flask
#: run``), Flask-SocketIO, Django's and daphne's ``runserver`` (their source's exact wordings).
SERVER_BANNER = Shape(
    "server-banner",
    r"^(?P<msg>(?: \* (?:Serving Flask app|Debug mode:|Running on |Restarting with |Debugger is active"
    r"|Debugger PIN:|Environment:|Detected change in |Tip: )"
    r"|Press CTRL\+C to quit$|WARNING: This is a development server\. Do not use it in a production "
    r"|Werkzeug appears to be used in a production deployment\."
    r"|Performing system checks\.\.\.$|System check identified (?:no issues|\d+ issues?) \(\d+ silenced\)\.$"
    r"|Django version \S+, using settings '|Starting (?:ASGI/Daphne version \S+ |ASGI/Channels version \S+ "
    r"|Channels )?development server at |Quit the server with CONTROL-C\.$"
    r"|Watching for file changes with \w+$|For more information on production servers see: ).*)$",
    level="info",
)
#: python-engineio / python-socketio logger lines printed without any prefix (``logger=True``).
ENGINEIO_BARE = Shape(
    "python-engineio",
    r"^(?P<msg>(?:[\w-]{16,}: .*|(?:Sending|Received) packet [A-Z]+.*|Invalid session \S+.*|Server initialized for \w+\.?"
    r"|emitting event .*|received event .*|Attempting (?:polling connection|WebSocket upgrade) .*"
    # python-socketio's manager: "<sid> is entering room <room> [<namespace>]"
    r"|[\w-]{16,} is (?:entering|leaving) room .*"
    r"|Polling connection accepted.*|Engine\.IO connection established|WebSocket upgrade (?:was successful|failed).*"
    r"|\S+ is not an accepted origin\.?|Unexpected error .*))$",
)
#: Channels' lifecycle and request lines when printed without a logger prefix.
CHANNELS_BARE = Shape(
    "channels",
    r"^(?P<msg>(?:WebSocket (?:HANDSHAKING|CONNECT|REJECT|DISCONNECT)|HTTP (?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)) \S+.*)$",
)
PYTHON = (
    GUNICORN,
    DJANGO_VERBOSE,
    ASCTIME_DASH_NAME_LEVEL,
    ASCTIME_DASH_LEVEL_NAME,
    BASIC,
    UVICORN,
    ASCTIME_ANY,
    LEVEL_FIRST,
    CLOCK_ANY,
    NAMED,
    BRACKET_TIME,
    ACCESS,
    DJANGO_SERVER,
    DJANGO_STARTED,
    SERVER_BANNER,
    ENGINEIO_BARE,
    CHANNELS_BARE,
)

# -- Go ------------------------------------------------------------------------------------------------
#: Gin's default logger (gin logger.go defaultLogFormatter, ``"[GIN] %v |%s %3d %s| %13v | %15s |%s %-7s %s
#: %#v\n%s"``): ``[GIN] 2023/01/02 - 15:04:05 | 200 |    1.2ms |   ::1 | GET      "/ws"``; Gin < 1.4 wrote
#: the path unquoted. The message starts at the status (the access layout in ``signatures.ACCESS``).
GIN = Shape(
    "gin",
    r"^\[GIN\] (?P<ts_raw>\d{4}/\d\d/\d\d - \d\d:\d\d:\d\d) \|\s*(?P<msg>\d{3}\s*\|.*)$",
    level="info",
)
#: Gin's debug-mode lines (debug.go debugPrint: ``[GIN-debug] `` + message): routes, warnings, listening.
GIN_DEBUG = Shape("gin-debug", r"^\[GIN-debug\] (?P<msg>.*)$", level="debug")
#: The second line of Gin's trusted-proxies warning (gin.go), printed without the prefix.
GIN_NOTE = Shape(
    "gin-note",
    r"^(?P<msg>Please check https://pkg\.go\.dev/github\.com/gin-gonic/gin\S* for details\.)$",
    level="debug",
)
#: log/slog's default handler (no handler set: it writes through package log): ``2023/08/04 16:09:19 INFO
#: hello count=3`` (slog/logger.go defaultHandler, level names from slog/level.go, ``WARN+2`` for offsets).
GO_STD_LEVEL = Shape(
    "go-log-level",
    r"^(?P<ts_raw>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) (?P<level>DEBUG|INFO|WARN|ERROR)(?:[+-]\d+)? (?P<msg>.*)$",
)
#: The standard ``log`` package: ``2009/11/10 23:00:00[.123456] [file.go:12: ]msg``.
GO_STD = Shape(
    "go-log",
    r"^(?P<ts_raw>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) (?:(?P<logger>[\w./-]+\.go:\d+): )?(?P<msg>.*)$",
)
#: logrus / slog text handler: ``time="…" level=error msg="…" error="websocket: close 1006 …"``.
GO_LOGFMT = Shape(
    "logfmt",
    r'^time="?(?P<ts_raw>[^" ]+(?: [^" ]+)?)"? level=(?P<level>\w+) (?P<msg>msg=.*)$',
)
#: go-kit log's logfmt (Prometheus, Loki, Grafana agents): ``ts=2023-09-18T17:56:02.53Z caller=manager.go:170
#: level=warn msg="…"`` — and the same with ``level=`` first (go-kit's level.NewFilter users).
GO_KIT = Shape(
    "go-kit",
    r"^ts=(?P<ts_raw>\S+) (?:caller=(?P<logger>\S+) )?level=(?P<level>\w+) (?P<msg>.*)$",
)
GO_KIT_LEVEL_FIRST = Shape(
    "go-kit-level-first",
    r"^level=(?P<level>\w+) ts=(?P<ts_raw>\S+) (?:caller=(?P<logger>\S+) )?(?P<msg>.*)$",
)
#: Frameworks' ``<date> <time> LEVEL msg`` (echo/zap console and many Go loggers).
GO_LEVELED = Shape(
    "go-leveled",
    rf"^(?P<ts_raw>{_ASCTIME})\s+\[?(?P<level>{_LEVELS}|[A-Z]{{3,5}})\]?\s+(?P<msg>.*)$",
)
#: zerolog's ConsoleWriter: ``<time> <LVL> [<caller> >] msg key=value`` with three-letter levels
#: (console.go consoleDefaultFormatLevel); the default TimeFormat is ``time.Kitchen`` (``3:04PM``).
ZEROLOG_CONSOLE = Shape(
    "zerolog-console",
    r"^(?P<ts_raw>\d{4}-\d\d-\d\dT\S+|\d{1,2}:\d\d[AP]M) (?P<level>TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?)"
    r" (?:(?P<logger>\S+\.go:\d+) > )?(?P<msg>.*)$",
)
#: logrus's text formatter on a terminal: ``INFO[0000] msg  key=value`` (four-letter level, seconds since
#: start: no absolute time; text_formatter.go printColored).
LOGRUS_TTY = Shape("logrus-tty", r"^(?P<level>TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d{4,}\] (?P<msg>.*)$")
#: net/http server errors, optionally after a logger prefix: ``echo: http: superfluous response…``.
GO_HTTP = Shape("go-http", r"^(?:(?P<logger>[\w-]+): )?(?P<msg>http: .*)$", level="error")
GO = (
    GIN,
    GIN_DEBUG,
    GO_STD_LEVEL,
    GO_STD,
    GO_LOGFMT,
    GO_KIT,
    GO_KIT_LEVEL_FIRST,
    ZEROLOG_CONSOLE,
    GO_LEVELED,
    LOGRUS_TTY,
    GO_HTTP,
    GIN_NOTE,
)


def any_of(shapes: tuple[Shape, ...]) -> str:
    """One regex that matches a line any of ``shapes`` matches (for sniffing)."""
    return "|".join("(?:" + re.sub(r"\(\?P<\w+>", "(?:", s.pattern) + ")" for s in shapes)


def family_score(sample: list[str], distinct: str, family: tuple[Shape, ...], *, top: float = 0.95) -> float:
    """Score a sample: 0 unless some line has the format's ``distinct`` shape; then mostly the share of
    lines the whole ``family`` (and continuation lines) reads, so a mixed stream still scores high."""
    mine = share(sample, distinct)
    if mine == 0.0:
        return 0.0
    fits = share(sample, f"{any_of(family)}|{CONTINUATION}")
    return top * (0.9 * fits + 0.1 * mine)
