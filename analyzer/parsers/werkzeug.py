"""werkzeug's development server (``flask run``, ``app.run()``, Flask-SocketIO's ``socketio.run``).

werkzeug/serving.py ``WSGIRequestHandler.log_request`` writes ``'"%s" %s %s'`` (request line, status,
size or ``-``) through ``log()``, which prefixes ``address_string() - - [log_date_time_string()]``:
``127.0.0.1 - - [30/Dec/2023 19:42:28] "GET /socket.io/?EIO=3&transport=polling&t=OozzqO3 HTTP/1.1" 404 -``
— local time without a zone; the line is written when the response ends, so a WebSocket served by
simple-websocket leaves none. Status codes are ANSI-coloured on a terminal (and, werkzeug deciding by
platform, in files too). The start-up banner (`` * Running on …``, ``Press CTRL+C to quit``) and the app's
python-engineio lines share the stream; a ``logging`` config puts its own prefix around all of them.
"""

from __future__ import annotations

from analyzer.parsers.backend.layout import LearningLineParser
from analyzer.parsers.backend.shapes import ACCESS, PYTHON, SERVER_BANNER, family_score

#: werkzeug's request line: ``[dd/Mon/yyyy HH:MM:SS]`` (a space before the time; daphne and Apache use a
#: colon) around a quoted request line with its protocol, and its banner.
_DISTINCT = (
    r'(?:^|: )\S+ - - \[\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d\] "[A-Z]+ \S+ HTTP/[\d.]+" \d{3} (?:\d+|-)$'
    r"|^ \* (?:Serving Flask app|Running on http)|^Press CTRL\+C to quit$"
)


class Werkzeug(LearningLineParser):
    name = "werkzeug"
    description = "werkzeug / Flask development server request lines, banner and python-engineio lines"
    shapes = (ACCESS, SERVER_BANNER, *(s for s in PYTHON if s not in (ACCESS, SERVER_BANNER)))

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, PYTHON, top=0.95)
