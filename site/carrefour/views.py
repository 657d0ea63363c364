"""Error handlers: a database that is gone answers 503 with a page that needs no database."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request, template_name="500.html"):
    """Django's 500 view, except when the database failed (server stopped, connection lost,
    locked for too long): then 503 + Retry-After, as the fault is temporary and not the page's."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = defaults.server_error(request, template_name)
    return response if response is not None else HttpResponseServerError()
