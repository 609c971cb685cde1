"""Settings of the capture's Django Channels chat project (a minimal `startproject` + Channels tutorial).

Options (JSON in WSDIAG_SERVER): allowed_hosts (Django's ALLOWED_HOSTS, which Channels'
AllowedHostsOriginValidator also checks each WebSocket's Origin against), debug, and wsgi (leave daphne out
of INSTALLED_APPS, so that `manage.py runserver` is Django's own WSGI server, which cannot serve WebSockets).
"""

import json
import os

_opts = json.loads(os.environ.get("WSDIAG_SERVER", "{}"))

SECRET_KEY = "capture-only-not-a-secret"
DEBUG = bool(_opts.get("debug", False))
ALLOWED_HOSTS = _opts.get("allowed_hosts", ["*"])

_WSGI = bool(_opts.get("wsgi", False))

INSTALLED_APPS = [
    # daphne first: its runserver command replaces Django's (an ASGI dev server)
    *([] if _WSGI else ["daphne"]),
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "channels",
    "djchat",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "djchat.urls"
ASGI_APPLICATION = "djchat.asgi.application"
WSGI_APPLICATION = "djchat.wsgi.application"
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"

# The "verbose" formatter of Django's logging how-to, for the application's own logger.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {
            "format": "{levelname} {asctime} {module} {process:d} {thread:d} {message}",
            "style": "{",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "verbose"}},
    "loggers": {"chat": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
