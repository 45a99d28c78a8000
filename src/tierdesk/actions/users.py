"""People as administration sees them: the provider's staff (with their levels and roles),
partner users and admins, supplier contacts. Create, edit, deactivate, reactivate; never
delete, so a deactivated person keeps their name on every event they recorded.

Every change asks `tierdesk.domain.authority` and is logged; the desk is never left without an
active administrator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import changes as log
from tierdesk.actions.organisations import PHONE, Edited, require_new
from tierdesk.actions.people import create_user
from tierdesk.domain.authority import Target, Thing, keeps_an_administrator
from tierdesk.domain.errors import Conflict, Invalid, NotFound
from tierdesk.domain.parties import ROLE_ORGANISATION, OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import LevelMembership, Organisation, User

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "language", "role", "levels")


def staffed_levels() -> list[str]:
    """The profile's levels the provider's own agents work in."""
    return [
        key
        for key, level in profiles.active().levels.items()
        if level.staffed_by is OrganisationKind.PROVIDER
    ]


def _languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def _role(value: object, problems: dict[str, str]) -> Role | None:
    try:
        return Role(str(value).strip())
    except ValueError:
        problems["role"] = N_(
            "%(value)r is not one of %(value2)s",
            value=str(value)[:40],
            value2=", ".join(r.value for r in Role),
        )
        return None


def served_levels() -> list[str]:
    """The profile's levels a supplier's contacts work in (Zynstra: the vendor's L3 and L4)."""
    return [
        key
        for key, level in profiles.active().levels.items()
        if level.staffed_by is OrganisationKind.SUPPLIER
    ]


def _levels(value: object, problems: dict[str, str], role: Role | None = None) -> list[str]:
    if value is None or value == "":
        return []
    items: Iterable[Any]
    if isinstance(value, str):
        items = value.replace(";", " ").replace(",", " ").split()
    elif isinstance(value, list | tuple | set):
        items = value
    else:
        problems["levels"] = N_("a list of level keys")
        return []
    levels = list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
    supplier = role is Role.SUPPLIER_CONTACT
    allowed = served_levels() if supplier else staffed_levels()
    wrong = [lv for lv in levels if lv not in allowed]
    if wrong:
        who = "a supplier serves" if supplier else "the provider staffs"
        problems["levels"] = N_(
            "%(value)r is not a level %(who)s; expected any of %(value2)s",
            value=wrong[0][:40],
            who=who,
            value2=", ".join(allowed),
        )
    return levels


def clean_person(
    values: Mapping[str, object], *, current: User | None, organisation: Organisation
) -> dict[str, Any]:
    problems: dict[str, str] = {
        k: "is not a field that can be set here" for k in values if k not in PERSON_FIELDS
    }
    out: dict[str, Any] = {}
    limits = {"first_name": 150, "last_name": 150, "email": 254, "phone": 40, "language": 8}
    for name, limit in limits.items():
        if name in values:
            text = "" if values[name] is None else str(values[name])
            if "\x00" in text:
                problems[name] = N_("must not contain NUL characters")
            elif len(text) > limit:
                problems[name] = N_("at most %(limit)s characters", limit=limit)
            out[name] = text.strip()
    if "email" in out and "email" not in problems:
        if not out["email"]:
            problems["email"] = N_("is required")
        else:
            try:
                validate_email(out["email"])
            except ValidationError:
                problems["email"] = N_(
                    "%(value)r is not an e-mail address", value=out["email"][:60]
                )
            else:
                taken = User.objects.filter(email__iexact=out["email"]).exclude(  # type: ignore[misc]
                    pk=current.pk if current else None
                )
                if taken.exists():
                    problems["email"] = N_("is already the address of another person")
    if out.get("phone") and not PHONE.match(out["phone"]):
        problems["phone"] = N_("%(value)r is not a phone number", value=out["phone"][:40])
    if "language" in out:
        out["language"] = out["language"] or "en"
        if out["language"] not in _languages():
            problems["language"] = N_("expected one of %(value)s", value=", ".join(_languages()))
    role = Role(current.role) if current is not None and current.role else None
    if "role" in values:
        role = _role(values["role"], problems)
        if role is not None:
            out["role"] = role
            expected = ROLE_ORGANISATION[role]
            if organisation.kind != expected:
                problems["role"] = N_(
                    "a %(value)s belongs to a %(value2)s organisation, not a %(kind)s one",
                    value=role.value,
                    value2=expected.value,
                    kind=organisation.kind,
                )
    if "levels" in values:
        out["levels"] = _levels(values["levels"], problems, role)
    if (
        out.get("levels")
        and role not in (Role.AGENT, Role.SUPPLIER_CONTACT)
        and "role" not in problems
    ):
        problems["levels"] = N_("only agents and supplier contacts work in support levels")
    if problems:
        raise Invalid(N_("the person cannot be saved so"), fields=problems)
    return out


def _label(user: User) -> str:
    return f"{user.get_full_name() or user.username} ({user.username})"


def create_person(
    *,
    actor: User,
    organisation: Organisation,
    username: str,
    role: Role | str,
    now: datetime,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    language: str = "en",
    levels: Iterable[str] = (),
    password: str | None = None,
    base_url: str = "",
) -> User:
    """A new person in an organisation the actor manages. Without a password, and with
    `base_url`, they are sent a link to choose one."""
    problems: dict[str, str] = {}
    role_value = _role(role, problems)
    if role_value is None:
        raise Invalid(N_("the person cannot be saved so"), fields=problems)
    expected = ROLE_ORGANISATION[role_value]
    if organisation.kind != expected:
        raise Invalid(
            N_("the person cannot be saved so"),
            fields={
                "role": N_(
                    "a %(value)s belongs to a %(value2)s organisation, not a %(kind)s one",
                    value=role_value.value,
                    value2=expected.value,
                    kind=organisation.kind,
                )
            },
        )
    require_new(
        actor,
        Target(Thing.PERSON, OrganisationKind(organisation.kind), organisation.pk, role_value),
    )
    if not organisation.is_active:
        raise Invalid(
            N_("the organisation is deactivated"),
            fields={"organisation": N_("is deactivated; reactivate it first")},
        )
    username = (username or "").strip()
    if not username:
        problems["username"] = N_("is required")
    elif len(username) > 150:
        problems["username"] = N_("at most 150 characters")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            problems["username"] = N_("letters, digits and @ . + - _ only")
    try:
        data = clean_person(
            {
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                "language": language,
                "role": role_value.value,
                "levels": list(levels),
            },
            current=None,
            organisation=organisation,
        )
    except Invalid as exc:
        problems.update(exc.fields)
        data = {}
    if problems:
        raise Invalid(N_("the person cannot be saved so"), fields=problems)
    with transaction.atomic():
        user = create_user(
            username=username,
            email=data["email"],
            organisation=organisation,
            role=role_value,
            now=now,
            password=password,
            first_name=data["first_name"],
            last_name=data["last_name"],
            levels=data["levels"],
        )
        user.phone = data["phone"]
        user.language = data["language"]
        user.save(update_fields=["phone", "language"])
        log.record(
            actor=actor,
            now=now,
            thing=Thing.PERSON,
            obj_id=user.pk,
            label=_label(user),
            verb="create",
            before=None,
            after=log.person_snapshot(user),
            organisation=log.partner_of(organisation),
        )
        if password is None and base_url and user.email:
            from tierdesk.actions.accounts import invite

            invite(user, base_url, now)
    return user


def _locked(person: User) -> User:
    return (
        User.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=person.pk)
    )


def _lock_administrators(person: User) -> list[int]:
    """When the person is an administrator, lock every active administrator (in one order, before
    the person's own row) so two administrators removing each other at once cannot both succeed."""
    if person.role != Role.ADMINISTRATOR:
        return []
    return list(
        User.objects.select_for_update(of=("self",))
        .filter(role=Role.ADMINISTRATOR, is_active=True, organisation__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_administrators_remain(
    person: User, administrators: list[int], *, role_after: str, active_after: bool
) -> None:
    if person.role != Role.ADMINISTRATOR or (active_after and role_after == Role.ADMINISTRATOR):
        return
    others = [pk for pk in administrators if pk != person.pk]
    if not keeps_an_administrator(len(others)):
        raise Conflict(
            N_("the desk would be left without an active administrator; appoint another first"),
            fields={"role" if active_after else "active": N_("is the last active administrator")},
        )


def edit_person(
    *, actor: User, person: User, now: datetime, changes: Mapping[str, object]
) -> Edited:
    """Change any of first_name, last_name, email, phone, language, role, levels."""
    log.require(actor, Thing.PERSON, person)
    organisation = person.organisation
    if organisation is None:
        raise NotFound(N_("no such person"))
    data = clean_person(changes, current=person, organisation=organisation)
    if "role" in data:
        if data["role"] != person.role and person.pk == actor.pk:
            raise Conflict(
                N_("nobody changes their own role"),
                fields={"role": N_("ask another administrator")},
            )
        require_new(
            actor,
            Target(
                Thing.PERSON, OrganisationKind(organisation.kind), organisation.pk, data["role"]
            ),
        )
    with transaction.atomic():
        administrators = _lock_administrators(person)
        user = _locked(person)
        before = log.person_snapshot(user)
        role_after = data.get("role", Role(user.role))
        _check_administrators_remain(
            user, administrators, role_after=role_after, active_after=user.is_active
        )
        for name in ("first_name", "last_name", "email", "phone", "language"):
            if name in data:
                setattr(user, name, data[name])
        user.role = role_after.value
        user.is_superuser = user.is_staff = role_after is Role.ADMINISTRATOR
        levels: list[str] = (
            list(data.get("levels", before["levels"]) or [])
            if role_after in (Role.AGENT, Role.SUPPLIER_CONTACT)
            else []
        )
        after = {**log.person_snapshot(user), "levels": sorted(levels)}
        diff = log.changed(before, after)
        if diff:
            user.save()
            if "levels" in diff:
                LevelMembership.objects.filter(user=user).exclude(level__in=levels).delete()
                have = set(
                    LevelMembership.objects.filter(user=user).values_list("level", flat=True)
                )
                LevelMembership.objects.bulk_create(
                    [LevelMembership(user=user, level=lv) for lv in levels if lv not in have]
                )
            log.record(
                actor=actor,
                now=now,
                thing=Thing.PERSON,
                obj_id=user.pk,
                label=_label(user),
                verb="edit",
                before={k: before[k] for k in diff},
                after={k: after[k] for k in diff},
                organisation=log.partner_of(organisation),
            )
    return Edited(user, diff)


def _set_active(*, actor: User, person: User, active: bool, now: datetime) -> Edited:
    log.require(actor, Thing.PERSON, person)
    if person.pk == actor.pk:
        raise Conflict(
            N_("nobody deactivates themselves"), fields={"active": N_("ask another administrator")}
        )
    with transaction.atomic():
        administrators = _lock_administrators(person)
        user = _locked(person)
        if user.is_active == active:
            return Edited(user, {})
        if active and user.organisation is not None and not user.organisation.is_active:
            raise Conflict(
                N_("their organisation is deactivated; reactivate it first"),
                fields={"organisation": N_("is deactivated")},
            )
        _check_administrators_remain(
            user, administrators, role_after=user.role, active_after=active
        )
        user.is_active = active
        user.save(update_fields=["is_active"])
        log.record(
            actor=actor,
            now=now,
            thing=Thing.PERSON,
            obj_id=user.pk,
            label=_label(user),
            verb="reactivate" if active else "deactivate",
            before={"active": not active},
            after={"active": active},
            organisation=log.partner_of(user.organisation),
        )
    return Edited(user, {"active": (not active, active)})


def deactivate_person(*, actor: User, person: User, now: datetime) -> Edited:
    """They can no longer sign in, by page or by token; their name stays on what they did."""
    return _set_active(actor=actor, person=person, active=False, now=now)


def reactivate_person(*, actor: User, person: User, now: datetime) -> Edited:
    return _set_active(actor=actor, person=person, active=True, now=now)
