"""Accounts: self-registration from approved domains (Cloudsoft), mass registration from CSV,
a partner administrator's users and domains (the second factor: `actions/second_factor.py`).

Registration never says whether an address already has an account: the answer on the page is
always the same, and the mailbox learns the rest (a confirmation link, or a note that an
account exists with a way to reset its password).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tierdesk import clock
from tierdesk.actions.changes import actor_of, domain_snapshot, person_snapshot
from tierdesk.actions.changes import record as record_change
from tierdesk.actions.notify import system_notice
from tierdesk.actions.people import create_user
from tierdesk.domain.authority import Target, Thing, administers, may_manage
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Organisation, OrganisationDomain, User

SALT = "tierdesk.registration"
LINK_HOURS = 48
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_CSV_ROWS = 5000


def _manages(actor: User, organisation: Organisation) -> bool:
    """Whether the actor manages this partner's people: the one authority rule decides."""
    return may_manage(
        actor_of(actor),
        Target(
            Thing.PERSON, OrganisationKind(organisation.kind), organisation.pk, Role.PARTNER_USER
        ),
    )


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def approve_domain(
    *, actor: User, organisation: Organisation, domain: str, now: datetime
) -> OrganisationDomain:
    if organisation.kind != OrganisationKind.PARTNER:
        if not may_manage(
            actor_of(actor),
            Target(Thing.ORGANISATION, OrganisationKind(organisation.kind), organisation.pk),
        ):
            raise NotFound(N_("no such organisation"))
        raise Invalid(
            N_("only partners register themselves"), fields={"organisation": N_("is not a partner")}
        )
    if not may_manage(
        actor_of(actor), Target(Thing.DOMAIN, OrganisationKind.PARTNER, organisation.pk)
    ):
        raise NotFound(N_("no such organisation"))
    name = domain.strip().lower().lstrip("@")
    if not DOMAIN.match(name):
        raise Invalid(
            N_("not a domain"),
            fields={
                "domain": N_("%(value)r is not a domain such as example.com", value=domain[:80])
            },
        )
    existing = OrganisationDomain.objects.filter(domain=name).first()
    if existing is not None:
        if existing.organisation_id == organisation.pk:
            return existing
        raise Invalid(
            N_("domain taken"),
            fields={"domain": N_("is already approved for another organisation")},
        )
    with transaction.atomic():
        approved = OrganisationDomain.objects.create(
            organisation=organisation, domain=name, created_at=now, created_by=actor
        )
        record_change(
            actor=actor,
            now=now,
            thing=Thing.DOMAIN,
            obj_id=approved.pk,
            label=name,
            verb="approve",
            before=None,
            after=domain_snapshot(approved),
            organisation=organisation,
        )
    return approved


def remove_domain(
    *, actor: User, organisation: Organisation, domain: str, now: datetime | None = None
) -> None:
    if organisation.kind != OrganisationKind.PARTNER or not may_manage(
        actor_of(actor), Target(Thing.DOMAIN, OrganisationKind.PARTNER, organisation.pk)
    ):
        raise NotFound(N_("no such organisation"))
    with transaction.atomic():
        for approved in OrganisationDomain.objects.filter(
            organisation=organisation, domain=domain.strip().lower()
        ):
            snapshot = domain_snapshot(approved)
            key = approved.pk
            approved.delete()  # an approval is withdrawn; the change log keeps that it was
            record_change(
                actor=actor,
                now=now or clock.now(),
                thing=Thing.DOMAIN,
                obj_id=key,
                label=snapshot["domain"],
                verb="remove",
                before=snapshot,
                after=None,
                organisation=organisation,
            )


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def request_registration(
    *, email: str, first_name: str, last_name: str, base_url: str, now: datetime
) -> None:
    """Start a registration. Raises Invalid only for what the form itself shows (a malformed
    address, a domain not open to registration); whether the address has an account is never
    part of the answer."""
    address = email.strip()
    problems = {}
    try:
        validate_email(address)
    except ValidationError:
        problems["email"] = N_("is not an e-mail address")
    if not first_name.strip():
        problems["first_name"] = N_("is required")
    if problems:
        raise Invalid(N_("the registration cannot start"), fields=problems)
    approved = (
        OrganisationDomain.objects.filter(domain=domain_of(address))
        .select_related("organisation")
        .first()
    )
    if approved is None:
        raise Invalid(
            N_("registration is open to the approved domains of partner organisations"),
            fields={
                "email": N_(
                    "its domain is not open to registration; ask your organisation's administrator to invite you"
                )
            },
        )
    stamp = now.isoformat()
    if User.objects.filter(email__iexact=address).exists():
        system_notice(
            recipient=address,
            key=f"register-exists:{address.lower()}:{stamp}",
            subject="Your registration at the support desk",
            body=(
                "Someone, probably you, asked to register this address. It already has an account.\n"
                f"To choose a new password, use {base_url}/password-reset/\n"
                "If this was not you, ignore this message."
            ),
            now=now,
        )
        return
    token = _signer().sign_object(
        {
            "e": address,
            "o": approved.organisation_id,
            "f": first_name.strip()[:150],
            "l": last_name.strip()[:150],
        }
    )
    system_notice(
        recipient=address,
        key=f"register:{address.lower()}:{stamp}",
        subject="Confirm your registration at the support desk",
        body=(
            f"To finish registering for {approved.organisation.name}, open this link within "
            f"{LINK_HOURS} hours and choose your password:\n{base_url}/register/confirm/{token}/\n"
            "If you did not ask for this, ignore this message."
        ),
        now=now,
    )


@dataclass(frozen=True)
class Pending:
    email: str
    organisation: Organisation
    first_name: str
    last_name: str


def read_link(token: str) -> Pending:
    """The registration a link stands for, if it is genuine and not expired."""
    try:
        data = _signer().unsign_object(token, max_age=LINK_HOURS * 3600)
    except signing.SignatureExpired as exc:
        raise Invalid(
            N_("this link has expired; register again"), fields={"token": N_("has expired")}
        ) from exc
    except signing.BadSignature as exc:
        raise NotFound(N_("no such registration")) from exc
    organisation = Organisation.objects.filter(
        pk=data.get("o"), kind=OrganisationKind.PARTNER
    ).first()
    if organisation is None:
        raise NotFound(N_("no such registration"))
    return Pending(str(data["e"]), organisation, str(data.get("f", "")), str(data.get("l", "")))


def confirm_registration(*, token: str, password: str, now: datetime) -> User:
    pending = read_link(token)
    with transaction.atomic():
        if User.objects.filter(email__iexact=pending.email).exists():
            raise Invalid(
                N_("this link was used already; log in instead"),
                fields={"token": N_("was used already")},
            )
        return create_user(
            username=pending.email.lower(),
            email=pending.email,
            organisation=pending.organisation,
            role=Role.PARTNER_USER,
            password=password,
            first_name=pending.first_name,
            last_name=pending.last_name,
            now=now,
        )


@dataclass
class MassReport:
    created: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def rows(self) -> list[dict[str, str]]:
        return (
            [{"outcome": "created", **r} for r in self.created]
            + [{"outcome": "skipped", **r} for r in self.skipped]
            + [{"outcome": "refused", **r} for r in self.refused]
        )


def mass_register(
    *,
    actor: User,
    text: str,
    base_url: str,
    now: datetime,
    organisation: Organisation | None = None,
) -> MassReport:
    """Users from CSV (columns: email, first_name, last_name, role, organisation). A partner admin
    registers into its own organisation; provider staff name the organisation per row or for all.
    Each row is created, skipped (the address has an account) or refused, with the reason. New
    users get a link to choose their password."""
    if not administers(actor_of(actor)):
        raise Forbidden(
            N_("only partner administrators and the provider's administrators register users")
        )
    for number, content in enumerate(text.splitlines(), start=1):
        if "\x00" in content:  # checked for every row before the first is written
            raise Invalid(
                N_("the CSV contains a NUL character"),
                fields={"file": N_("contains a NUL character on line %(number)s", number=number)},
            )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or "email" not in (rows[0].keys() if rows else ()):
        raise Invalid(
            N_("the CSV needs a header row with at least an 'email' column"),
            fields={"file": N_("has no 'email' column")},
        )
    if len(rows) > MAX_CSV_ROWS:
        raise Invalid(
            N_("too many rows"),
            fields={"file": N_("has more than %(MAX_CSV_ROWS)s rows", MAX_CSV_ROWS=MAX_CSV_ROWS)},
        )
    with transaction.atomic():  # every row, or none when one fails unexpectedly
        return _register_rows(actor, rows, organisation, base_url, now)


def _register_rows(
    actor: User,
    rows: list[dict[str, str]],
    organisation: Organisation | None,
    base_url: str,
    now: datetime,
) -> MassReport:
    report = MassReport()
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        email = (row.get("email") or "").strip()
        entry = {"line": str(line), "email": email}
        org = organisation if organisation is not None else actor.organisation
        slug = (row.get("organisation") or "").strip()
        if slug and actor.role == Role.ADMINISTRATOR:
            org = Organisation.objects.filter(slug=slug).first()
        if org is None or not _manages(actor, org) or org.kind != OrganisationKind.PARTNER:
            report.refused.append(
                {**entry, "reason": f"organisation {slug or '(none)'!r} is not one you manage"}
            )
            continue
        try:
            validate_email(email)
        except ValidationError:
            report.refused.append({**entry, "reason": "not an e-mail address"})
            continue
        if email.lower() in seen:
            report.skipped.append({**entry, "reason": "listed twice"})
            continue
        seen.add(email.lower())
        if User.objects.filter(email__iexact=email).exists():
            report.skipped.append({**entry, "reason": "already has an account"})
            continue
        role_name = (row.get("role") or "partner_user").strip() or "partner_user"
        if role_name not in (Role.PARTNER_USER, Role.PARTNER_ADMIN):
            report.refused.append(
                {**entry, "reason": f"role {role_name!r} is not partner_user or partner_admin"}
            )
            continue
        try:
            with transaction.atomic():
                user = create_user(
                    username=email.lower(), email=email, organisation=org, role=Role(role_name),
                    first_name=(row.get("first_name") or "").strip()[:150],
                    last_name=(row.get("last_name") or "").strip()[:150], now=now,
                )  # fmt: skip
                record_change(
                    actor=actor,
                    now=now,
                    thing=Thing.PERSON,
                    obj_id=user.pk,
                    label=f"{user.get_full_name() or user.username} ({user.username})",
                    verb="create",
                    before=None,
                    after=person_snapshot(user),
                    organisation=org,
                )
                invite(user, base_url, now)
        except Invalid as exc:
            report.refused.append(
                {**entry, "reason": "; ".join(f"{k} {v}" for k, v in exc.fields.items())}
            )
            continue
        report.created.append({**entry, "reason": f"{role_name} in {org.slug}"})
    return report


def invite(user: User, base_url: str, now: datetime) -> None:
    """Send a new person a link to choose their password."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    system_notice(
        recipient=user.email,
        key=f"invite:{user.pk}",
        subject="Your account at the support desk",
        body=(
            f"An account was created for you ({user.email}). Choose your password here:\n"
            f"{base_url}/password-reset/{uid}/{token}/\n"
        ),
        now=now,
    )


def set_active(*, actor: User, user_id: int, active: bool, now: datetime | None = None) -> User:
    """Deactivate or reactivate a person (see tierdesk.actions.users, which decides)."""
    from tierdesk.actions.users import deactivate_person, reactivate_person

    user = User.objects.filter(pk=user_id).select_related("organisation").first()
    if user is None or user.organisation is None:
        raise NotFound(N_("no such user"))
    change = reactivate_person if active else deactivate_person
    edited = change(actor=actor, person=user, now=now or clock.now())
    result: User = edited.obj
    return result


def organisation_people(actor: User, organisation: Organisation) -> list[User]:
    if not _manages(actor, organisation):
        raise NotFound(N_("no such organisation"))
    return list(
        User.objects.filter(organisation=organisation).order_by(
            "last_name", "first_name", "username"
        )
    )


def set_time_zone(*, user: User, zone: str) -> User:
    """The zone a person reads times in (an IANA name), or "" for the desk's own."""
    from zoneinfo import available_timezones

    zone = (zone or "").strip()
    if zone and zone not in available_timezones():
        raise Invalid(N_("unknown time zone"), fields={"time_zone": N_("is not a time zone")})
    user.time_zone = zone
    user.save(update_fields=["time_zone"])
    return user
