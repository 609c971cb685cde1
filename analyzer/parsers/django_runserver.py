"""Django's ``manage.py runserver`` (its own WSGI development server).

The ``django.server`` logger's formatter is ``[{server_time}] {message}`` (django/utils/log.py
``DEFAULT_LOGGING``, ``ServerFormatter``) and its message the request line, status and size
(django/core/servers/basehttp.py ``WSGIRequestHandler.log_message``):
``[02/Dec/2026 10:00:00] "GET /ws/ HTTP/1.1" 404 2345`` — local time without a zone. A 404 is preceded by
``django.request``'s bare ``Not Found: /ws/``; the command prints its banner (``Performing system
checks...``, ``December 02, 2026 - 10:00:00``, ``Starting development server at …``). A WebSocket handshake
answered 404 here means the project runs without an ASGI server (Channels / daphne) behind the path.
With daphne in INSTALLED_APPS the command is daphne's, whose lines the ``channels`` parser reads.
"""

from __future__ import annotations

from analyzer.parsers.backend.layout import LearningLineParser
from analyzer.parsers.backend.shapes import DJANGO_SERVER, PYTHON, family_score

_DISTINCT = (
    r'^\[\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d\] "[A-Z]+ \S+ HTTP/[\d.]+" \d{3} \d+$'
    r"|^Starting development server at |^Django version \S+, using settings '"
)


class DjangoRunserver(LearningLineParser):
    name = "django-runserver"
    description = "Django's runserver request log (django.server) and banner"
    shapes = (DJANGO_SERVER, *(s for s in PYTHON if s is not DJANGO_SERVER))

    def sniff(self, sample: list[str]) -> float:
        return family_score(sample, _DISTINCT, PYTHON, top=0.93)
