"""The desk's 404 and 500 handlers: under /api/ the API's JSON error body, elsewhere the page.
Here, where the URLs are put together, so that neither edge imports the other."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tierdesk.api.errors import error_response
from tierdesk.web import views


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(
            404, "not_found", f"no such endpoint: {request.method} {request.path}"
        )
    return views.not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(
            500, "server_error", "the desk failed to answer; the error has been logged"
        )
    return views.server_error(request)
