"""Go servers: the standard ``log`` package, logrus / slog text, and ``<date> <time> LEVEL msg`` loggers.

``2022/10/23 16:37:14 main.go:42: websocket: close 1006 (abnormal closure): unexpected EOF``,
``time="2024-01-02T03:04:05Z" level=error msg="upgrade failed" error="websocket: the client is not using
the websocket protocol: 'upgrade' token not found in 'Connection' header"``. gorilla/websocket's errors
(both wording generations) are recognized in the message, whatever carried it; net/http's own
``http: …`` lines are read too.
"""

from __future__ import annotations

from analyzer.parsers.backend.engine import LineParser
from analyzer.parsers.backend.shapes import GO, family_score
from analyzer.parsers.base import share

_DISTINCT = (
    r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})? "  # log.LstdFlags
    r"|^time=\S+ level=\w+ msg="  # logrus / slog text
    r"|^(?:level=\w+ )?ts=\d{4}-\d\d-\d\dT\S+ (?:caller=\S+ )?(?:level=\w+ )?"  # go-kit logfmt
    # gorilla's wording inside a "<date> <time> LEVEL msg" line
    r"|^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S* +\[?[A-Z]{3,5}\]? .*websocket: (?:close \d{4}|the client is not using"
    r"|bad handshake|request origin not allowed|upgrade != websocket|origin not allowed)"
)
#: Traefik's own application log is logrus/zerolog text too; its parser should have it.
_TRAEFIK = (
    r"providerName=|routerName=|entryPointName=|Traefik version|Configuration received|Configuration loaded from"
    r"|traefik\.toml|traefik\.yml"
)


class GoLog(LineParser):
    name = "go-log"
    description = "Go log / logrus / slog text with gorilla/websocket errors"
    shapes = GO

    def sniff(self, sample: list[str]) -> float:
        if share(sample, _TRAEFIK) > 0:
            return 0.1
        std = share(sample, r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d")
        return family_score(sample, _DISTINCT, GO, top=0.85 if std else 0.6)
