"""WSGI entry point (as `startproject` writes it): what Django's own runserver serves."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djchat.settings")
application = get_wsgi_application()
