"""Django Channels / daphne: ``WebSocket HANDSHAKING|CONNECT|REJECT|DISCONNECT /path/ [ip:port]``.

Under Django's logging (``INFO 2022-08-17 07:12:59,876 runserver 9550 … WebSocket CONNECT …``), daphne's
own (``2017-04-11 10:15:11,479 - INFO - server - …``) or Channels 1.x's ``[2017/04/11 10:15:14] …``.
HANDSHAKING is a WebSocket attempt (``ws_upgrade``), CONNECT its acceptance (``ws_open``), REJECT a refusal
(``ws_error``, 403 — with no reason it is the origin / ``ALLOWED_HOSTS`` check), DISCONNECT its end
(``ws_close``). ``HTTP GET /path 200 [0.01, ip:port]`` lines are requests with their duration. daphne's
``--access-log`` (``daphne/access.py``) writes the same steps NCSA-style:
``127.0.0.1:54022 - - [25/Nov/2026:10:00:00] "WSCONNECTING /ws/chat/" - -`` (``WSCONNECT``, ``WSREJECT``,
``WSDISCONNECT``; HTTP requests as ``"GET /path" 200 1234``), local time without a zone.
"""

from __future__ import annotations

from analyzer.parsers.backend.layout import LearningLineParser
from analyzer.parsers.backend.shapes import CHANNELS_BARE, PYTHON, family_score

_DISTINCT = (
    r"WebSocket (?:HANDSHAKING|CONNECT|REJECT|DISCONNECT) \S+ \[|HTTP [A-Z]+ \S+ \d{3} \[[\d.]+, "
    r'|^\S+ - \S+ \[[^\]]*\] "WS(?:CONNECTING|CONNECT|REJECT|DISCONNECT) /'  # daphne --access-log
)


class Channels(LearningLineParser):
    name = "channels"
    description = "Django Channels / daphne WebSocket lifecycle and request lines"
    shapes = PYTHON

    def sniff(self, sample: list[str]) -> float:
        # a daphne log holds mostly server lines; one lifecycle line is enough to name it
        score = family_score(sample, _DISTINCT, (*PYTHON, CHANNELS_BARE), top=0.95)
        return min(0.95, score + 0.05) if score else 0.0
