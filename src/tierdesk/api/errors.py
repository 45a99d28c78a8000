"""One error shape everywhere: {"error": code, "message": sentence, "fields": {name: message}}."""

from __future__ import annotations

from typing import Any, TypedDict

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tierdesk import refusals
from tierdesk.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

STATUS = {NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 409}


class PayloadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request is larger than the limit of {limit} bytes")
        self.limit = limit


class ErrorBody(TypedDict):
    """The error shape as sent (`schemas.ErrorOut` and the document's `Error` describe it)."""

    error: str
    message: str
    fields: dict[str, str]


def body(code: str, message: str, fields: dict[str, str] | None = None) -> ErrorBody:
    return {"error": code, "message": message, "fields": fields or {}}


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(body(code, message, fields), status=status)


# The statuses any operation may answer with the error shape: bad input (400, 413, 422), no or
# a wrong credential (401), not allowed (403), not there (404), against the state (409), too many
# requests (429, with Retry-After).
ERROR_STATUSES = {
    "400": "The request cannot be read (e.g. a malformed body).",
    "401": "No valid token or session.",
    "403": "Not allowed for this caller.",
    "404": "Not found, or not visible to this caller.",
    "409": "Contradicts the current state.",
    "413": "The request is larger than the upload limit.",
    "422": "A field is invalid; `fields` names it.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "error": {"type": "string", "title": "Error"},
        "message": {"type": "string", "title": "Message"},
        "fields": {
            "type": "object",
            "title": "Fields",
            "additionalProperties": {"type": "string"},
        },
    },
    "required": ["error", "message", "fields"],
}


def document(schema: Any) -> Any:
    """Adds the error answers every operation can give to each operation of an OpenAPI document
    (one `Error` schema), keeping any an operation documents itself."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                answer: dict[str, Any] = {"description": description, "content": content}
                if status == "429":
                    answer["headers"] = {
                        "Retry-After": {
                            "description": "Seconds until the limit's window ends.",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    }
                responses.setdefault(status, answer)
    return schema


def _field_name(loc: list[Any]) -> str:
    # Drop the transport part ("body", "query", "path") and the schema's parameter name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "data"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return api.create_response(
            request, body(exc.code, refusals.message(exc), refusals.fields(exc)), status=status
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for error in exc.errors:
            name = _field_name(list(error.get("loc", [])))
            fields.setdefault(name, str(error.get("msg", "is not valid")))
        return api.create_response(
            request, body("invalid", "the request has invalid fields", fields), status=422
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            body("unauthenticated", "sign in or send 'Authorization: Bearer <token>'"),
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="tierdesk"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, body("bad_request", str(exc)), status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, body("too_large", "the request body is too large"), status=413
        )

    @api.exception_handler(PayloadTooLarge)
    def payload_too_large(request: HttpRequest, exc: PayloadTooLarge) -> HttpResponse:
        return api.create_response(
            request, body("too_large", str(exc), {"file": str(exc)}), status=413
        )
