"""Who may manage whom: every role against every role, in the rule and through the actions."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import accounts
from tierdesk.actions.people import create_user
from tierdesk.actions.users import deactivate_person, edit_person
from tierdesk.domain.authority import Actor, Target, Thing, administers, may_manage
from tierdesk.domain.errors import Conflict, NotFound
from tierdesk.domain.parties import ROLE_ORGANISATION, OrganisationKind, Role
from tierdesk.persistence.models import User

ORG_OF_KIND = {
    OrganisationKind.PROVIDER: 1,
    OrganisationKind.PARTNER: 2,
    OrganisationKind.SUPPLIER: 4,
}
OTHER_PARTNER = 3


def expected(actor: Role, target: Role, same_org: bool) -> bool:
    if actor is Role.ADMINISTRATOR:
        return True
    if actor is Role.PARTNER_ADMIN:
        return same_org and target in (Role.PARTNER_USER, Role.PARTNER_ADMIN)
    return False


PAIRS = [
    (a, t, same)
    for a, t in itertools.product(Role, Role)
    for same in (True, False)
    if not same or ROLE_ORGANISATION[a] is ROLE_ORGANISATION[t]
]


@pytest.mark.parametrize(("actor_role", "target_role", "same_org"), PAIRS)
def test_the_rule_for_every_role_against_every_role(
    actor_role: Role, target_role: Role, same_org: bool
) -> None:
    actor_org = ORG_OF_KIND[ROLE_ORGANISATION[actor_role]]
    target_kind = ROLE_ORGANISATION[target_role]
    target_org = ORG_OF_KIND[target_kind]
    if target_org == actor_org and not same_org:
        target_org = OTHER_PARTNER if target_kind is OrganisationKind.PARTNER else target_org + 10
    actor = Actor(user_id=1, role=actor_role, organisation_id=actor_org)
    target = Target(Thing.PERSON, target_kind, target_org, target_role)
    assert may_manage(actor, target) is expected(actor_role, target_role, same_org)
    # A deactivated actor manages nothing at all.
    assert not may_manage(
        Actor(user_id=1, role=actor_role, organisation_id=actor_org, active=False), target
    )


@pytest.mark.parametrize("role", list(Role))
def test_administration_is_for_administrators_and_partner_admins(role: Role) -> None:
    assert administers(Actor(1, role, 1)) is (role in (Role.ADMINISTRATOR, Role.PARTNER_ADMIN))


@pytest.mark.parametrize("role", list(Role))
def test_everyone_manages_their_own_tokens_and_only_administrators_others(role: Role) -> None:
    actor = Actor(7, role, 1)
    assert may_manage(actor, Target(Thing.TOKEN, owner_id=7))
    assert may_manage(actor, Target(Thing.TOKEN, owner_id=8)) is (role is Role.ADMINISTRATOR)


@pytest.mark.parametrize("role", list(Role))
def test_organisations_suppliers_accounts_and_domains(role: Role) -> None:
    actor = Actor(1, role, 2)
    own = OrganisationKind.PARTNER
    admin = role is Role.ADMINISTRATOR
    partner_admin = role is Role.PARTNER_ADMIN
    assert may_manage(actor, Target(Thing.ORGANISATION, own, 2)) is admin
    assert may_manage(actor, Target(Thing.SUPPLIER, OrganisationKind.SUPPLIER, 4)) is admin
    for thing in (Thing.ACCOUNT, Thing.SUBSCRIPTION, Thing.DOMAIN):
        assert may_manage(actor, Target(thing, own, 2)) is (admin or partner_admin)
        assert may_manage(actor, Target(thing, own, 3)) is admin


def _people(desk: Desk) -> list[User]:
    now = clock.now()
    contoso_admin = create_user(
        username="cora",
        email="cora@example.com",
        organisation=desk.contoso,
        role=Role.PARTNER_ADMIN,
        now=now,
    )
    second_admin = create_user(
        username="admin2",
        email="admin2@example.com",
        organisation=desk.provider,
        role=Role.ADMINISTRATOR,
        now=now,
    )
    return [
        desk.admin,
        second_admin,
        desk.manager,
        desk.l1,
        desk.north_admin,
        desk.north_user,
        contoso_admin,
        desk.contoso_user,
        desk.vendor,
    ]


def test_every_person_against_every_person_through_the_action(desk: Desk) -> None:
    people = _people(desk)
    for actor, target in itertools.product(people, people):
        if actor.pk == target.pk:
            continue
        same_org = actor.organisation_id == target.organisation_id
        want = expected(Role(actor.role), Role(target.role), same_org)
        with transaction.atomic():
            try:
                deactivate_person(actor=actor, person=target, now=clock.now())
            except NotFound:
                assert not want, f"{actor.username} should manage {target.username}"
            else:
                assert want, f"{actor.username} must not manage {target.username}"
                assert not User.objects.get(pk=target.pk).is_active
            transaction.set_rollback(True)
        # The page's older entry point asks the same rule.
        with transaction.atomic():
            try:
                accounts.set_active(actor=actor, user_id=target.pk, active=False, now=clock.now())
            except NotFound:
                assert not want
            else:
                assert want
            transaction.set_rollback(True)


def test_an_agent_or_manager_cannot_deactivate_the_administrator(desk: Desk) -> None:
    for who in (desk.l1, desk.manager):
        with pytest.raises(NotFound):
            accounts.set_active(actor=who, user_id=desk.admin.pk, active=False, now=clock.now())
    assert User.objects.get(pk=desk.admin.pk).is_active


def test_the_desk_keeps_an_active_administrator(desk: Desk) -> None:
    other = create_user(
        username="admin2",
        email="admin2@example.com",
        organisation=desk.provider,
        role=Role.ADMINISTRATOR,
        now=clock.now(),
    )
    deactivate_person(actor=desk.admin, person=other, now=clock.now())
    # Now admin is the last; nobody deactivates themselves, and the last cannot be demoted.
    with pytest.raises(Conflict) as refused:
        deactivate_person(actor=desk.admin, person=desk.admin, now=clock.now())
    assert "active" in refused.value.fields
    with pytest.raises(Conflict) as refused:
        edit_person(
            actor=desk.admin, person=desk.admin, now=clock.now(), changes={"role": "manager"}
        )
    assert "role" in refused.value.fields
    assert User.objects.get(pk=desk.admin.pk).role == Role.ADMINISTRATOR


def test_two_administrators_cannot_remove_each_other_to_none(desk: Desk) -> None:
    other = create_user(
        username="admin2",
        email="admin2@example.com",
        organisation=desk.provider,
        role=Role.ADMINISTRATOR,
        now=clock.now(),
    )
    edit_person(actor=other, person=desk.admin, now=clock.now(), changes={"role": "manager"})
    with pytest.raises(NotFound):  # the former administrator manages nobody now
        edit_person(
            actor=User.objects.get(pk=desk.admin.pk),
            person=other,
            now=clock.now(),
            changes={"role": "manager"},
        )
    assert User.objects.get(pk=other.pk).role == Role.ADMINISTRATOR
