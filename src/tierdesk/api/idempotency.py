"""The `Idempotency-Key` header on the API's changing calls (POST, PUT, PATCH, DELETE).

A client that retries after a timeout sends the same key: with the same credential and the same
request it gets the first answer again (status and body, marked `Idempotent-Replayed: true`)
and nothing is done twice; with another request under the same key, a 422 naming the header;
while the first is still running, a 409 with `Retry-After`. Only successful answers are kept (a
refused request changed nothing, so its retry simply runs again), for a day.

The middleware sits just outside the request transaction (config/middleware.py): the key is
taken first and committed, so a concurrent retry sees it; the answer is written in the same
transaction as the change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from tierdesk import clock
from tierdesk.actions import idempotency
from tierdesk.api.errors import error_response
from tierdesk.persistence.models import User

HEADER = "Idempotency-Key"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_LENGTH = 255


def _valid(key: str) -> bool:
    return 0 < len(key) <= MAX_LENGTH and all(" " <= c <= "~" for c in key)


def _scope(request: HttpRequest) -> str | None:
    """Whose key it is: the presented token (by digest; the API tries it first), else the
    session's user; None for a caller without credentials."""
    authorization = request.headers.get("Authorization")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    """The request, independent of how it was encoded: JSON by its parsed value, forms and
    uploads by their fields and files (a retried multipart body has a new boundary)."""
    digest = hashlib.sha256()

    def part(*values: str | bytes) -> None:
        for value in values:
            data = value.encode() if isinstance(value, str) else value
            digest.update(len(data).to_bytes(8, "big") + data)

    kind = request.content_type or ""
    part(request.method or "", request.path, request.META.get("QUERY_STRING", ""), kind)
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, values in sorted(request.POST.lists()):
            part("field", name, *values)
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                part("file", name, upload.name or "", upload.content_type or "", content.digest())
        return digest.hexdigest()
    body = request.body
    if kind == "application/json":
        with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: its bytes
            body = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    part(body)
    return digest.hexdigest()


def _refusal(status: int, code: str, message: str, field: str) -> HttpResponse:
    return error_response(status, code, message, {HEADER: field})


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _valid(key):
            return _refusal(
                422,
                "invalid",
                f"the {HEADER} header is not a key",
                f"1 to {MAX_LENGTH} visible ASCII characters",
            )
        scope = _scope(request)
        if scope is None:  # no credentials: refused (401) or a public call; nothing to keep
            return self.get_response(request)
        outcome = idempotency.begin(
            scope=scope,
            key=key,
            request_hash=_fingerprint(request),
            method=request.method or "",
            path=request.path,
            now=clock.now(),
        )
        if isinstance(outcome, idempotency.Mismatch):
            return _refusal(
                422,
                "idempotency_key_reused",
                f"this {HEADER} was used with another request",
                "already used with another request",
            )
        if isinstance(outcome, idempotency.Running):
            response = _refusal(
                409,
                "in_progress",
                f"a request with this {HEADER} is still running; retry shortly",
                "a request with this key is still running",
            )
            response["Retry-After"] = "1"
            return response
        if isinstance(outcome, idempotency.Answered):
            response = HttpResponse(
                outcome.body, status=outcome.status, content_type=outcome.content_type or None
            )
            response["Idempotent-Replayed"] = "true"
            return response
        return self._run(request, outcome)

    def _run(self, request: HttpRequest, begun: idempotency.Begun) -> HttpResponse:
        kept = False
        with transaction.atomic():
            response = self.get_response(request)
            # The caller the API authenticated; a refused credential keeps nothing.
            if (
                200 <= response.status_code < 300
                and isinstance(getattr(request, "auth", None), User)
                and not response.streaming
            ):
                kept = idempotency.finish(
                    begun,
                    status=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    body=response.content,
                )
                if not kept:  # another request took the key over: this one must not count
                    transaction.set_rollback(True)
                    response = _refusal(
                        409,
                        "in_progress",
                        f"another request with this {HEADER} took over; retry to get its answer",
                        "taken over by another request",
                    )
        if not kept:
            idempotency.abandon(begun)
        return response


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the header, and its 409, to every changing operation of the OpenAPI document."""
    components = schema.setdefault("components", {})
    components.setdefault("parameters", {})[HEADER] = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Any unique string (a UUID) chosen by the client. Retried with the same key, the "
            "same credential and the same request, the call is answered with its first "
            "(successful) answer, marked `Idempotent-Replayed: true`, and nothing is done twice; "
            "the same key with another request is refused (422, naming the header); while the "
            "first is still running, 409 with `Retry-After`. Kept for a day."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
    }
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() not in METHODS:
                continue
            operation.setdefault("parameters", []).append(
                {"$ref": f"#/components/parameters/{HEADER}"}
            )
            operation.setdefault("responses", {}).setdefault(
                "409",
                {
                    "description": f"a request with this {HEADER} is still running",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    },
                },
            )
    return schema
