"""Organisations, users and their support levels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from tierdesk import profiles
from tierdesk.domain.errors import Invalid
from tierdesk.domain.parties import ROLE_ORGANISATION, OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import LevelMembership, Organisation, User


def create_organisation(
    *,
    name: str,
    kind: OrganisationKind,
    now: datetime,
    parent: Organisation | None = None,
    slug: str | None = None,
    external_ref: str = "",
) -> Organisation:
    fields: dict[str, str] = {}
    name = name.strip()
    if not name:
        fields["name"] = N_("is required")
    slug = slug or slugify(name)[:80]
    if not slug:
        fields["slug"] = N_("cannot be derived from the name; give one")
    elif Organisation.objects.filter(slug=slug).exists():
        fields["slug"] = N_("%(slug)r is already used by another organisation", slug=slug)
    if kind is OrganisationKind.CUSTOMER and (
        parent is None or parent.kind != OrganisationKind.PARTNER
    ):
        fields["parent"] = N_("an end-customer account belongs to a partner organisation")
    if kind is not OrganisationKind.CUSTOMER and parent is not None:
        fields["parent"] = N_("only end-customer accounts have a parent organisation")
    if fields:
        raise Invalid(N_("the organisation cannot be created so"), fields=fields)
    return Organisation.objects.create(
        name=name,
        kind=kind.value,
        slug=slug,
        parent=parent,
        external_ref=external_ref,
        created_at=now,
    )


def create_user(
    *,
    username: str,
    email: str,
    organisation: Organisation,
    role: Role,
    now: datetime,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    levels: Iterable[str] = (),
    check_password: bool = True,
) -> User:
    fields: dict[str, str] = {}
    if not username.strip():
        fields["username"] = N_("is required")
    elif User.objects.filter(username=username).exists():
        fields["username"] = N_("is taken")
    if organisation.kind != ROLE_ORGANISATION[role]:
        fields["role"] = N_(
            "a %(value)s belongs to a %(value2)s organisation",
            value=role.value,
            value2=ROLE_ORGANISATION[role].value,
        )
    known_levels = profiles.active().levels
    levels = list(levels)
    if levels and role not in (Role.AGENT, Role.SUPPLIER_CONTACT):
        fields["levels"] = N_("only agents and supplier contacts are members of support levels")
    for level in levels:
        if level not in known_levels:
            fields["levels"] = N_(
                "%(level)r is not a support level; expected one of %(value)s",
                level=level,
                value=", ".join(known_levels),
            )
        elif role is Role.SUPPLIER_CONTACT and (
            known_levels[level].staffed_by is not OrganisationKind.SUPPLIER
        ):
            fields["levels"] = N_("%(level)r is not a level a supplier serves", level=level)
    user = User(
        username=username,
        email=email,
        organisation=organisation,
        role=role.value,
        first_name=first_name,
        last_name=last_name,
        date_joined=now,
        is_superuser=role is Role.ADMINISTRATOR,
        is_staff=role is Role.ADMINISTRATOR,
    )
    if password is not None and check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            fields["password"] = " ".join(exc.messages)
    if fields:
        raise Invalid(N_("the user cannot be created so"), fields=fields)
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        LevelMembership.objects.bulk_create([LevelMembership(user=user, level=lv) for lv in levels])
    return user
