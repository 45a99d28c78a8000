"""The v1 API object: authentication, routers and error handlers in one place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema

from tierdesk import __version__
from tierdesk.actions.routing import set_availability
from tierdesk.api import errors, schemas
from tierdesk.api.administration import router as administration
from tierdesk.api.alerts import router as alerts
from tierdesk.api.auth import ActiveSession, BearerToken, actor
from tierdesk.api.bulk import router as bulk
from tierdesk.api.chat import router as chat
from tierdesk.api.idempotency import document as document_idempotency
from tierdesk.api.inbound import router as inbound
from tierdesk.api.kb import router as kb
from tierdesk.api.macros import router as macros
from tierdesk.api.reports import router as reports
from tierdesk.api.status import router as status
from tierdesk.api.tickets import router as tickets
from tierdesk.persistence.models import User


class DeskAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        """The document, with the error answers (one shape, `api/errors.py`) and the
        Idempotency-Key header (honoured by a middleware) on every operation."""
        document: OpenAPISchema = errors.document(super().get_openapi_schema(**kwargs))
        document_idempotency(document)  # in place
        return document


api = DeskAPI(
    title="Tierdesk API",
    version="1",
    urls_namespace="api-v1",
    description=f"Tierdesk {__version__}. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `tierdesk token create`) or the page session. Changing calls accept an "
    "`Idempotency-Key` header, so a retried call is done once.",
    auth=[BearerToken(), ActiveSession()],
)
errors.install(api)
api.add_router("/", bulk)  # before /tickets/{number}, which would take "bulk" for a number
api.add_router("/", tickets)
api.add_router("/", kb)
api.add_router("/", status)
api.add_router("/", reports)
api.add_router("/", administration)
api.add_router("/", alerts)
api.add_router("/", inbound)
api.add_router("/", chat)
api.add_router("/", macros)


class MeOut(Schema):
    username: str
    name: str
    role: str
    organisation: str | None
    levels: list[str]
    available: bool  # an agent who is away gets no routed tickets


ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (401, 403, 422)}


@api.get("/me", response=MeOut, tags=["people"], summary="Who the token or session belongs to")
def me(request: HttpRequest) -> MeOut:
    return _me(actor(request))


@api.put(
    "/me/availability",
    response={200: MeOut, **ERRORS},
    tags=["people"],
    summary="An agent marks themselves available or away (routing passes over who is away)",
)
def availability(request: HttpRequest, payload: schemas.AvailabilityIn) -> MeOut:
    return _me(set_availability(actor=actor(request), available=payload.available))


def _me(user: User) -> MeOut:
    return MeOut(
        username=user.username,
        name=user.get_full_name(),
        role=user.role,
        organisation=user.organisation.slug if user.organisation else None,
        levels=user.level_keys(),
        available=not user.away,
    )
