"""Imports from CSV for partner organisations, end-customer accounts (with subscriptions) and
people, so a provider can move from another desk in an afternoon.

A dry run and an apply are the same run: each row goes through the same actions as a page or
the API would (so the same rules and the same change log), in one transaction; the dry run rolls
it back. Each row has its own savepoint, so a refused row leaves nothing behind. A file that is
not UTF-8 CSV, holds a NUL byte or breaks a limit is refused whole before any row is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk.actions import changes as log
from tierdesk.actions import organisations as orgs
from tierdesk.actions import users
from tierdesk.domain.authority import Thing
from tierdesk.domain.errors import DomainError, Forbidden, Invalid, NotFound
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Organisation, Subscription, User
from tierdesk.queries import administration

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
KINDS = ("organisations", "accounts", "people")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required columns, optional columns)
    "organisations": (("slug", "name"), ("external_ref", "contact_email", "contact_phone")),
    "accounts": (
        ("partner", "slug", "name"),
        (
            "external_ref",
            "contact_email",
            "contact_phone",
            "subscription",
            "product",
            "starts_on",
            "ends_on",
            "subscription_active",
        ),
    ),
    "people": (
        ("username", "email", "role", "organisation"),
        ("first_name", "last_name", "phone", "language", "levels"),
    ),
}


@dataclass(frozen=True)
class RowOutcome:
    row: int  # the line of the file, the header being line 1
    key: str
    outcome: str  # created | updated | unchanged | refused
    column: str  # for a refusal: the column at fault
    reason: str


@dataclass
class ImportReport:
    kind: str
    applied: bool
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self) -> dict[str, int]:
        return {o: self.count(o) for o in ("created", "updated", "unchanged", "refused")}


class _RowRefused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def read_csv(data: bytes, kind: str) -> list[dict[str, str]]:
    """The rows of a CSV file, or Invalid naming `file` (or the column) for the whole file."""
    if kind not in KINDS:
        raise Invalid(
            N_("no such import"),
            fields={"kind": N_("expected one of %(value)s", value=", ".join(KINDS))},
        )
    if len(data) > MAX_BYTES:
        raise Invalid(
            N_("the file is too large"),
            fields={"file": N_("is larger than %(MAX_BYTES)s bytes", MAX_BYTES=MAX_BYTES)},
        )
    if b"\x00" in data:
        raise Invalid(
            N_("the file is not text"), fields={"file": N_("holds a NUL byte; not a CSV file")}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            N_("the file is not UTF-8 text"),
            fields={
                "file": N_("is not UTF-8 (byte %(start)s); save it as CSV UTF-8", start=exc.start)
            },
        ) from exc
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        table = list(reader)
    except csv.Error as exc:
        raise Invalid(
            N_("the file is not CSV"), fields={"file": N_("is not CSV: %(exc)s", exc=exc)}
        ) from exc
    if not table or not any(cell.strip() for cell in table[0]):
        raise Invalid(N_("the file is empty"), fields={"file": N_("has no header row")})
    header = [h.strip().lower() for h in table[0]]
    required, optional = COLUMNS[kind]
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid(
            N_("the header lacks columns"),
            fields={
                "file": N_("has no %(value)s column", value=", ".join(repr(c) for c in missing))
            },
        )
    unknown = [h for h in header if h not in required + optional]
    if unknown:
        raise Invalid(
            N_("the header has columns this import does not know"),
            fields={
                "file": N_(
                    "column %(value)r is not one of %(value2)s",
                    value=unknown[0][:40],
                    value2=", ".join(required + optional),
                )
            },
        )
    if len(set(header)) != len(header):
        raise Invalid(N_("a column is named twice"), fields={"file": N_("a column is named twice")})
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise Invalid(
            N_("too many rows"),
            fields={"file": N_("has more than %(MAX_ROWS)s rows", MAX_ROWS=MAX_ROWS)},
        )
    rows = []
    for cells in body:
        if len(cells) > len(header):
            rows.append({"__extra__": "yes", **dict(zip(header, cells, strict=False))})
        else:
            rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
    return rows


def run_import(
    *, actor: User, kind: str, data: bytes, now: datetime, apply: bool = False
) -> ImportReport:
    """Read the file and take every row through the actions; keep the result only if `apply`."""
    if not log.actor_of(actor).active or actor.role not in (
        Role.ADMINISTRATOR,
        Role.PARTNER_ADMIN,
    ):
        raise Forbidden(N_("imports are for administrators"))
    if kind == "organisations" and actor.role != Role.ADMINISTRATOR:
        raise Forbidden(N_("only the provider's administrators import partner organisations"))
    rows = read_csv(data, kind)
    handler = HANDLERS[kind]
    report = ImportReport(kind=kind, applied=apply)
    seen: dict[str, int] = {}
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            key = _key(kind, row)
            if not any(v.strip() for k, v in row.items() if k != "__extra__"):
                continue  # a blank line
            if row.get("__extra__"):
                report.rows.append(
                    RowOutcome(line, key, "refused", "file", "has more cells than the header")
                )
                continue
            if key and key in seen:
                report.rows.append(
                    RowOutcome(line, key, "refused", _key_column(kind), f"repeats row {seen[key]}")
                )
                continue
            seen[key] = line
            try:
                with transaction.atomic():
                    outcome = handler(actor, {k: v.strip() for k, v in row.items()}, now)
            except _RowRefused as exc:
                report.rows.append(RowOutcome(line, key, "refused", exc.column, exc.reason))
            except DomainError as exc:
                column, reason = _column_of(kind, exc)
                report.rows.append(RowOutcome(line, key, "refused", column, reason))
            else:
                report.rows.append(RowOutcome(line, key, outcome, "", ""))
        log.record(
            actor=actor,
            now=now,
            thing=Thing.IMPORT,
            obj_id=kind,
            label=f"CSV import of {kind}",
            verb="import",
            before=None,
            after=report.summary(),
            organisation=actor.organisation if actor.role == Role.PARTNER_ADMIN else None,
        )
        if not apply:
            transaction.set_rollback(True)
    return report


def _key_column(kind: str) -> str:
    return "username" if kind == "people" else "slug"


def _key(kind: str, row: Mapping[str, str]) -> str:
    key = row.get(_key_column(kind), "").strip()
    if kind == "accounts":
        return f"{key}/{row.get('subscription', '').strip()}"
    return key


# Action field -> CSV column, where they differ.
_COLUMN_NAMES = {"active": "subscription_active", "reference": "subscription", "partner": "partner"}


def _column_of(kind: str, exc: DomainError) -> tuple[str, str]:
    if exc.fields:
        name, reason = next(iter(exc.fields.items()))
        column = _COLUMN_NAMES.get(name, name) if kind == "accounts" else name
        if kind == "people" and name == "organisation":
            column = "organisation"
        return column, reason
    return _key_column(kind), exc.message


def _verb(created: bool, changed: bool) -> str:
    return "created" if created else ("updated" if changed else "unchanged")


def _org_values(row: Mapping[str, str]) -> dict[str, str]:
    return {
        k: row[k]
        for k in ("name", "external_ref", "contact_email", "contact_phone")
        if k in row and (row[k] or k != "name")
    }


def _organisation_row(actor: User, row: Mapping[str, str], now: datetime) -> str:
    slug = row["slug"]
    if not slug:
        raise _RowRefused("slug", "is required")
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is None:
        orgs.create_partner(actor=actor, now=now, slug=slug, **{"name": "", **_org_values(row)})
        return "created"
    if existing.kind != OrganisationKind.PARTNER:
        raise _RowRefused("slug", f"{slug!r} is a {existing.kind} organisation, not a partner")
    edited = orgs.edit_organisation(
        actor=actor, organisation=existing, now=now, changes=_org_values(row)
    )
    return _verb(False, bool(edited.changes))


def _account_row(actor: User, row: Mapping[str, str], now: datetime) -> str:
    partner = Organisation.objects.filter(
        slug=row["partner"], kind=OrganisationKind.PARTNER
    ).first()
    if partner is None or not orgs.may_manage_accounts_of(actor, partner):
        raise _RowRefused("partner", f"{row['partner'][:60]!r} is not a partner you manage")
    slug = row["slug"]
    if not slug:
        raise _RowRefused("slug", "is required")
    created = changed = False
    account = Organisation.objects.filter(slug=slug).first()
    if account is None:
        account = orgs.create_account(
            actor=actor, partner=partner, now=now, slug=slug, **{"name": "", **_org_values(row)}
        )
        created = True
    elif account.kind != OrganisationKind.CUSTOMER or account.parent_id != partner.pk:
        raise _RowRefused("slug", f"{slug!r} is already used by another organisation")
    else:
        changed = bool(
            orgs.edit_organisation(
                actor=actor, organisation=account, now=now, changes=_org_values(row)
            ).changes
        )
    reference = row.get("subscription", "")
    if reference:
        values: dict[str, Any] = {
            k: row[k]
            for k in ("product", "starts_on", "ends_on")
            if k in row and (row[k] or k != "product")
        }
        if row.get("subscription_active", ""):
            values["active"] = row["subscription_active"]
        sub = Subscription.objects.filter(account=account, reference=reference).first()
        if sub is None:
            data = orgs.clean_subscription(
                {**values, "reference": reference, "product": values.get("product", "")},
                account=account,
            )
            orgs.add_subscription(
                actor=actor,
                account=account,
                reference=data["reference"],
                product=data["product"],
                now=now,
                starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"),
                active=data.get("active", True),
            )
            changed = True
        else:
            edited = orgs.edit_subscription(actor=actor, subscription=sub, now=now, changes=values)
            changed = changed or bool(edited.changes)
    elif any(row.get(c) for c in ("product", "starts_on", "ends_on", "subscription_active")):
        raise _RowRefused("subscription", "is required when a product or dates are given")
    return _verb(created, changed)


def _person_row(actor: User, row: Mapping[str, str], now: datetime) -> str:
    username = row["username"]
    if not username:
        raise _RowRefused("username", "is required")
    try:
        # Scoped as the API's: another tenant's organisation reads as one that does not exist.
        org = administration.organisation(actor, row["organisation"])
    except NotFound:
        raise _RowRefused(
            "organisation", f"{row['organisation'][:60]!r} is not an organisation"
        ) from None
    fields = ("email", "first_name", "last_name", "phone", "language", "role", "levels")
    values = {k: row[k] for k in fields if k in row and (row[k] or k == "levels")}
    existing = User.objects.filter(username=username).select_related("organisation").first()
    if existing is None:
        users.create_person(
            actor=actor,
            organisation=org,
            username=username,
            role=values.pop("role", ""),
            now=now,
            **{k: v for k, v in values.items() if k != "levels"},
            levels=values.get("levels", "").replace(";", " ").replace(",", " ").split(),
        )
        return "created"
    if existing.organisation_id != org.pk:
        raise _RowRefused(
            "organisation", "differs from the person's organisation; people do not move"
        )
    edited = users.edit_person(actor=actor, person=existing, now=now, changes=values)
    return _verb(False, bool(edited.changes))


HANDLERS: dict[str, Callable[[User, Mapping[str, str], datetime], str]] = {
    "organisations": _organisation_row,
    "accounts": _account_row,
    "people": _person_row,
}
