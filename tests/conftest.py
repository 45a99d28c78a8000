"""Shared fixtures: a fixed clock, a small desk of organisations and people, API clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.actions.people import create_organisation, create_user
from tierdesk.actions.tokens import create_token
from tierdesk.domain.parties import OrganisationKind as Kind
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import Organisation, Ticket, User

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _flush_around_the_guard() -> None:
    """Tests that commit (transaction=True) are cleaned up by `flush`, which on SQLite deletes row
    by row and so meets the append-only triggers; lift them for the flush alone, here in tests."""
    import importlib

    from django.core.management.commands import flush
    from django.db import connections

    guards = [
        importlib.import_module(f"tierdesk.persistence.migrations.{name}")
        for name in (
            "0002_events_append_only",
            "0020_organisations_subscriptions_supplier_terms_and_change_log",
        )
    ]
    redactable = importlib.import_module("tierdesk.persistence.migrations.0033_redactable_record")
    original = flush.Command.handle

    def handle(self, *args: Any, **options: Any) -> Any:  # type: ignore[no-untyped-def]
        connection = connections[options.get("database") or "default"]
        if connection.vendor != "sqlite":
            return original(self, *args, **options)
        with connection.cursor() as cursor:
            for guard in guards:
                for statement in guard.SQLITE_DOWN:
                    cursor.execute(statement)
        try:
            return original(self, *args, **options)
        finally:
            with connection.cursor() as cursor:
                for guard in guards:
                    for statement in guard.SQLITE_UP:
                        cursor.execute(statement)
                # 0033 narrowed the update guard to a redaction's tombstone: the record's guard
                # as the migrations leave it.
                cursor.execute("DROP TRIGGER IF EXISTS tierdesk_event_no_update")
                cursor.execute(redactable.SQLITE_UPDATE_TRIGGER)

    flush.Command.handle = handle


_flush_around_the_guard()

FORM = {
    "account": "ACME-1",
    "subscription": "SUB-1",
    "user_details": "admin@acme.example.com",
    "situation": "Open the panel",
    "error": "HTTP 502",
    "performed_actions": "Retried",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Rate-limit counts live in the cache table; a test's transaction takes them back, but tests
    that commit (the browser's live server) would leave them for the next: cleared first."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        from django.core.cache import cache

        request.getfixturevalue("transactional_db")
        cache.clear()


@pytest.fixture
def fixed_clock() -> Iterator[clock.FixedClock]:
    fake = clock.FixedClock(T0)
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


@dataclass
class Desk:
    provider: Organisation
    north: Organisation
    contoso: Organisation
    acme: Organisation
    supplier: Organisation
    admin: User
    manager: User
    l1: User
    l2: User
    noc: User
    north_user: User
    north_admin: User
    contoso_user: User
    vendor: User

    def open(self, who: User | None = None, **kw: Any) -> Ticket:
        who = who or self.north_user
        kw.setdefault("subject", "Mailbox quota not applied")
        kw.setdefault("channel", "portal")
        kw.setdefault("form", FORM)
        return act.open_ticket(actor=who, now=clock.now(), **kw)


@pytest.fixture
def desk(db: None, fixed_clock: clock.FixedClock) -> Desk:
    now = fixed_clock.now()
    provider = create_organisation(name="Demo Cloud", kind=Kind.PROVIDER, now=now)
    north = create_organisation(name="Northwind", kind=Kind.PARTNER, now=now)
    contoso = create_organisation(name="Contoso", kind=Kind.PARTNER, now=now)
    acme = create_organisation(name="Acme", kind=Kind.CUSTOMER, parent=north, now=now)
    supplier = create_organisation(name="Vendor", kind=Kind.SUPPLIER, now=now)

    def user(name: str, org: Organisation, role: Role, levels: tuple[str, ...] = ()) -> User:
        return create_user(
            username=name,
            email=f"{name}@example.com",
            organisation=org,
            role=role,
            password="correct horse battery",
            levels=levels,
            now=now,
        )

    return Desk(
        provider=provider,
        north=north,
        contoso=contoso,
        acme=acme,
        supplier=supplier,
        admin=user("admin", provider, Role.ADMINISTRATOR),
        manager=user("manager", provider, Role.MANAGER),
        l1=user("agent1", provider, Role.AGENT, ("l1",)),
        l2=user("agent2", provider, Role.AGENT, ("l2",)),
        noc=user("nocagent", provider, Role.AGENT, ("noc",)),
        north_user=user("ned", north, Role.PARTNER_USER),
        north_admin=user("nora", north, Role.PARTNER_ADMIN),
        contoso_user=user("carl", contoso, Role.PARTNER_USER),
        vendor=user("val", supplier, Role.SUPPLIER_CONTACT),
    )


class ApiClient:
    """A Django test client that speaks JSON with a personal token."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.token = create_token(user=user, name="test", now=clock.now()).secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, payload: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(payload if payload is not None else {}),
            content_type="application/json",
        )

    def upload(self, path: str, files: dict[str, Any], data: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", {**(data or {}), **files})


@pytest.fixture
def as_user(desk: Desk):  # type: ignore[no-untyped-def]
    return ApiClient
