"""The administration actions: each one's happy path, its refusals (the field named), and the
change log row it writes with what was before and after."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import accounts, organisations, suppliers, tokens, users
from tierdesk.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tierdesk.persistence.models import AdminChange, Event, LevelMembership, Organisation, User
from tierdesk.queries import administration as q

PASSWORD = "correct horse battery"


def last_change() -> AdminChange:
    change = AdminChange.objects.order_by("-pk").first()
    assert change is not None
    return change


def no_secrets_in_the_log() -> None:
    text = json.dumps([[c.before, c.after] for c in AdminChange.objects.all()])
    for secret_word in ("password", "totp", "key_hash", "md5$", "argon2", "tdk_"):
        assert secret_word not in text, secret_word


def test_partner_created_edited_deactivated_reactivated(desk: Desk) -> None:
    now = clock.now()
    org = organisations.create_partner(
        actor=desk.admin,
        name="Fabrikam Hosting",
        now=now,
        external_ref="FAB-7",
        contact_email="ops@fabrikam.example",
    )
    assert (org.slug, org.kind, org.is_active) == ("fabrikam-hosting", "partner", True)
    change = last_change()
    assert (change.actor, change.verb, change.object_kind, change.before) == (
        desk.admin,
        "create",
        "organisation",
        None,
    )
    assert change.after["name"] == "Fabrikam Hosting" and change.after["external_ref"] == "FAB-7"

    edited = organisations.edit_organisation(
        actor=desk.admin, organisation=org, now=now, changes={"name": "Fabrikam", "slug": "fab"}
    )
    assert edited.changes == {
        "name": ("Fabrikam Hosting", "Fabrikam"),
        "slug": ("fabrikam-hosting", "fab"),
    }
    change = last_change()
    assert change.before == {"name": "Fabrikam Hosting", "slug": "fabrikam-hosting"}
    assert change.after == {"name": "Fabrikam", "slug": "fab"}
    # Nothing changed: nothing logged.
    count = AdminChange.objects.count()
    again = organisations.edit_organisation(
        actor=desk.admin, organisation=edited.obj, now=now, changes={"name": "Fabrikam"}
    )
    assert again.changes == {} and AdminChange.objects.count() == count

    gone = organisations.deactivate_organisation(actor=desk.admin, organisation=org, now=now)
    assert gone.changes == {"active": (True, False)}
    assert org not in q.choosable_partners()
    back = organisations.reactivate_organisation(actor=desk.admin, organisation=org, now=now)
    assert back.obj.is_active and last_change().verb == "reactivate"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "slug": "Not A Slug"}, "slug"),
        ({"name": "X", "slug": "northwind"}, "slug"),
        ({"name": "X", "contact_email": "not-an-address"}, "contact_email"),
        ({"name": "X", "contact_phone": "call me maybe"}, "contact_phone"),
        ({"name": "X\x00Y"}, "name"),
    ],
)
def test_partner_refusals_name_the_field(desk: Desk, values: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        organisations.create_partner(actor=desk.admin, now=clock.now(), **values)
    assert field in refused.value.fields
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize("who", ["manager", "l1", "north_admin", "north_user", "vendor"])
def test_only_administrators_create_partners(desk: Desk, who: str) -> None:
    with pytest.raises(NotFound):
        organisations.create_partner(actor=getattr(desk, who), name="Rogue", now=clock.now())


def test_accounts_and_subscriptions(desk: Desk) -> None:
    now = clock.now()
    account = organisations.create_account(
        actor=desk.north_admin, partner=desk.north, name="Tailspin Toys", now=now
    )
    assert account.parent == desk.north and last_change().organisation == desk.north
    with pytest.raises(NotFound):  # another partner's admin
        organisations.create_account(
            actor=desk.north_admin, partner=desk.contoso, name="Other", now=now
        )
    sub = organisations.add_subscription(
        actor=desk.north_admin,
        account=account,
        reference="SUB-100",
        product="Hosted Exchange",
        starts_on=date(2026, 1, 1),
        now=now,
    )
    assert last_change().after["starts_on"] == "2026-01-01"
    with pytest.raises(Invalid) as refused:
        organisations.add_subscription(
            actor=desk.north_admin, account=account, reference="SUB-100", product="X", now=now
        )
    assert "reference" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        organisations.edit_subscription(
            actor=desk.admin,
            subscription=sub,
            now=now,
            changes={"ends_on": "2025-12-31"},
        )
    assert refused.value.fields == {"ends_on": "is before the start"}
    ended = organisations.edit_subscription(
        actor=desk.admin,
        subscription=sub,
        now=now,
        changes={"active": False, "ends_on": "2026-06-30"},
    )
    assert ended.changes == {"active": (True, False), "ends_on": (None, date(2026, 6, 30))}
    assert last_change().before == {"active": True, "ends_on": None}
    # A deactivated account leaves the choices; its partner's other accounts stay.
    organisations.deactivate_organisation(actor=desk.north_admin, organisation=account, now=now)
    assert list(q.choosable_accounts(desk.north)) == [desk.acme]


def test_supplier_with_support_terms(desk: Desk) -> None:
    now = clock.now()
    supplier = suppliers.create_supplier(
        actor=desk.admin,
        name="Odin Systems",
        now=now,
        terms={
            "method": "portal",
            "contact": "https://support.odin.example/tickets",
            "severity_map": {"high": "Sev 1", "normal": "Sev 2"},
            "ola_target": "4h",
            "calendar": "desk",
            "escalation_contacts": ["escalations@odin.example", "+352 2612 3456"],
        },
    )
    assert supplier.support_terms.severity_map == {"high": "Sev 1", "normal": "Sev 2"}
    assert supplier in q.choosable_suppliers()
    change = last_change()
    assert change.verb == "create terms" and change.after["method"] == "portal"
    edited = suppliers.set_terms(
        actor=desk.admin,
        supplier=supplier,
        now=now,
        changes={"method": "email", "contact": "support@odin.example"},
    )
    assert edited.changes == {
        "method": ("portal", "email"),
        "contact": ("https://support.odin.example/tickets", "support@odin.example"),
    }
    assert last_change().before == {
        "method": "portal",
        "contact": "https://support.odin.example/tickets",
    }
    organisations.deactivate_organisation(actor=desk.admin, organisation=supplier, now=now)
    assert supplier not in q.choosable_suppliers() and desk.supplier in q.choosable_suppliers()


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"method": "pigeon", "contact": "x"}, "method"),
        ({"method": "email", "contact": "https://not.an.address"}, "contact"),
        ({"method": "portal", "contact": "support@odin.example"}, "contact"),
        ({"method": "phone", "contact": "ring ring"}, "contact"),
        ({"method": "email", "contact": "a@b.example", "ola_target": "soonish"}, "ola_target"),
        ({"method": "email", "contact": "a@b.example", "calendar": "lunar"}, "calendar"),
        (
            {"method": "email", "contact": "a@b.example", "severity_map": {"p9": "Sev 1"}},
            "severity_map.p9",
        ),
        (
            {"method": "email", "contact": "a@b.example", "escalation_contacts": ["whoever"]},
            "escalation_contacts",
        ),
        ({"method": "email", "contact": "a@b.example", "colour": "red"}, "colour"),
    ],
)
def test_support_terms_refusals_name_the_field(
    desk: Desk, terms: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        suppliers.create_supplier(actor=desk.admin, name="Odin", now=clock.now(), terms=terms)
    assert field in refused.value.fields, refused.value.fields
    assert not AdminChange.objects.exists()
    assert not User.objects.filter(organisation__name="Odin").exists()


def test_suppliers_are_for_administrators(desk: Desk) -> None:
    for who in (desk.manager, desk.north_admin):
        with pytest.raises(NotFound):
            suppliers.set_terms(
                actor=who,
                supplier=desk.supplier,
                now=clock.now(),
                changes={"method": "email", "contact": "a@b.example"},
            )
        with pytest.raises(Forbidden):
            q.suppliers(who)


def test_staff_created_with_levels_then_role_and_levels_edited(desk: Desk) -> None:
    now = clock.now()
    agent = users.create_person(
        actor=desk.admin,
        organisation=desk.provider,
        username="lena",
        role="agent",
        email="lena@democloud.example",
        first_name="Lena",
        last_name="Berg",
        levels=["l2"],
        language="de",
        now=now,
    )
    assert agent.level_keys() == ["l2"] and agent.language == "de"
    assert last_change().after["levels"] == ["l2"]
    edited = users.edit_person(
        actor=desk.admin, person=agent, now=now, changes={"levels": ["l1", "l2"]}
    )
    assert edited.changes == {"levels": (["l2"], ["l1", "l2"])}
    promoted = users.edit_person(
        actor=desk.admin, person=agent, now=now, changes={"role": "manager"}
    )
    assert promoted.changes == {"role": ("agent", "manager"), "levels": (["l1", "l2"], [])}
    assert not LevelMembership.objects.filter(user=agent).exists()
    no_secrets_in_the_log()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"username": "", "email": "a@b.example", "role": "agent"}, "username"),
        ({"username": "agent1", "email": "a@b.example", "role": "agent"}, "username"),
        ({"username": "x y", "email": "a@b.example", "role": "agent"}, "username"),
        ({"username": "x", "email": "nope", "role": "agent"}, "email"),
        ({"username": "x", "email": "admin@example.com", "role": "agent"}, "email"),
        ({"username": "x", "email": "a@b.example", "role": "wizard"}, "role"),
        ({"username": "x", "email": "a@b.example", "role": "partner_user"}, "role"),
        ({"username": "x", "email": "a@b.example", "role": "agent", "levels": ["l3"]}, "levels"),
        ({"username": "x", "email": "a@b.example", "role": "manager", "levels": ["l1"]}, "levels"),
        ({"username": "x", "email": "a@b.example", "role": "agent", "language": "tlh"}, "language"),
    ],
)
def test_person_refusals_name_the_field(desk: Desk, values: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        users.create_person(actor=desk.admin, organisation=desk.provider, now=clock.now(), **values)  # type: ignore[arg-type]
    assert field in refused.value.fields, refused.value.fields
    assert not AdminChange.objects.exists()


def test_partner_admin_manages_own_people_only(desk: Desk) -> None:
    now = clock.now()
    person = users.create_person(
        actor=desk.north_admin,
        organisation=desk.north,
        username="nils",
        role="partner_user",
        email="nils@northwind.example",
        now=now,
    )
    users.edit_person(
        actor=desk.north_admin, person=person, now=now, changes={"role": "partner_admin"}
    )
    with pytest.raises(Invalid) as refused:  # no provider roles in a partner
        users.create_person(
            actor=desk.north_admin,
            organisation=desk.north,
            username="sneaky",
            role="administrator",
            email="s@northwind.example",
            now=now,
        )
    assert "role" in refused.value.fields
    with pytest.raises(NotFound):  # another partner's person, or the provider's
        users.create_person(
            actor=desk.north_admin,
            organisation=desk.contoso,
            username="sneaky",
            role="partner_user",
            email="s@northwind.example",
            now=now,
        )
    with pytest.raises(NotFound):
        users.edit_person(
            actor=desk.north_admin, person=desk.contoso_user, now=now, changes={"first_name": "X"}
        )
    with pytest.raises(Conflict):
        users.edit_person(
            actor=desk.north_admin,
            person=desk.north_admin,
            now=now,
            changes={"role": "partner_user"},
        )


def test_supplier_contacts(desk: Desk) -> None:
    contact = users.create_person(
        actor=desk.admin,
        organisation=desk.supplier,
        username="vic",
        role="supplier_contact",
        email="vic@vendor.example",
        now=clock.now(),
    )
    assert contact.role == "supplier_contact" and last_change().object_kind == "person"


def _session(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_deactivated_person_cannot_sign_in_and_keeps_their_name(desk: Desk) -> None:
    ticket = desk.open()
    event = Event.objects.filter(ticket=ticket).order_by("seq").first()
    assert event is not None and event.actor == desk.north_user
    page = _session("ned")
    token = tokens.create_token(user=desk.north_user, name="t", now=clock.now()).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/me").status_code == 200
    assert page.get("/").status_code == 200

    users.deactivate_person(actor=desk.north_admin, person=desk.north_user, now=clock.now())

    assert api.get("/api/v1/me").status_code == 401
    assert page.get("/").status_code == 302  # the open session is refused
    refused = Client().post("/login/", {"username": "ned", "password": PASSWORD})
    assert refused.status_code != 302
    event.refresh_from_db()
    assert (
        event.actor is not None and event.actor.get_full_name() == desk.north_user.get_full_name()
    )
    assert event.actor.username == "ned"
    # The staff see the name on the ticket still.
    staff = Client()
    staff.force_login(desk.l1)
    assert "ned" in staff.get(f"/api/v1/tickets/{ticket.number}").content.decode()

    users.reactivate_person(actor=desk.admin, person=desk.north_user, now=clock.now())
    assert api.get("/api/v1/me").status_code == 200


def test_a_deactivated_organisation_locks_its_people_out_and_keeps_tickets(desk: Desk) -> None:
    ticket = desk.open()
    users.deactivate_person(actor=desk.admin, person=desk.north_admin, now=clock.now())
    token = tokens.create_token(user=desk.north_user, name="t", now=clock.now()).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    page = _session("ned")

    gone = organisations.deactivate_organisation(
        actor=desk.admin, organisation=desk.north, now=clock.now()
    )
    assert last_change().after == {"active": False, "people": ["ned"]}
    assert gone.changes == {"active": (True, False)}
    assert api.get("/api/v1/me").status_code == 401
    assert page.get("/").status_code == 302
    assert Client().post("/login/", {"username": "ned", "password": PASSWORD}).status_code != 302
    assert desk.north not in q.choosable_partners()
    assert list(q.choosable_accounts(desk.north)) == []
    staff = Client()
    staff.force_login(desk.l1)
    assert staff.get(f"/api/v1/tickets/{ticket.number}").status_code == 200
    with pytest.raises(Conflict):  # nobody comes back alone while the organisation is away
        users.reactivate_person(actor=desk.admin, person=desk.north_user, now=clock.now())

    organisations.reactivate_organisation(
        actor=desk.admin, organisation=desk.north, now=clock.now()
    )
    assert User.objects.get(pk=desk.north_user.pk).is_active
    # Nora was deactivated on her own before: she stays so.
    assert not User.objects.get(pk=desk.north_admin.pk).is_active
    assert api.get("/api/v1/me").status_code == 200


def test_the_provider_is_never_deactivated(desk: Desk) -> None:
    with pytest.raises(Conflict):
        organisations.deactivate_organisation(
            actor=desk.admin, organisation=desk.provider, now=clock.now()
        )


def test_domains_go_through_the_rule_and_are_logged(desk: Desk) -> None:
    now = clock.now()
    accounts.approve_domain(
        actor=desk.north_admin, organisation=desk.north, domain="northwind.example", now=now
    )
    assert (last_change().verb, last_change().after) == (
        "approve",
        {"domain": "northwind.example", "organisation": desk.north.slug},
    )
    for who in (desk.l1, desk.manager, desk.north_user, desk.contoso_user):
        with pytest.raises(NotFound):
            accounts.approve_domain(
                actor=who, organisation=desk.north, domain="other.example", now=now
            )
        with pytest.raises(NotFound):
            accounts.remove_domain(
                actor=who, organisation=desk.north, domain="northwind.example", now=now
            )
    accounts.remove_domain(
        actor=desk.admin, organisation=desk.north, domain="northwind.example", now=now
    )
    assert (last_change().verb, last_change().before["domain"]) == ("remove", "northwind.example")


def test_tokens_listed_issued_and_revoked(desk: Desk) -> None:
    now = clock.now()
    issued = tokens.issue_token(
        actor=desk.admin,
        owner=desk.l1,
        name="monitoring",
        now=now,
        expires_at=now + timedelta(days=30),
    )
    assert issued.secret.startswith("tdk_")
    assert last_change().after["owner"] == "agent1"
    own = tokens.issue_token(actor=desk.l1, owner=desk.l1, name="mine", now=now)
    with pytest.raises(NotFound):
        tokens.issue_token(actor=desk.l1, owner=desk.l2, name="theirs", now=now)
    with pytest.raises(NotFound):
        tokens.withdraw_token(actor=desk.l2, key_id=own.token.key_id, now=now)
    assert {t.key_id for t in q.tokens(desk.l1)} == {issued.token.key_id, own.token.key_id}
    assert q.tokens(desk.l2).count() == 0
    assert q.tokens(desk.admin).count() == 2
    tokens.withdraw_token(actor=desk.admin, key_id=own.token.key_id, now=now)
    assert last_change().after == {"revoked_at": now.isoformat()}
    with pytest.raises(Invalid) as refused:
        tokens.withdraw_token(actor=desk.l1, key_id=own.token.key_id, now=now)
    assert "key_id" in refused.value.fields
    no_secrets_in_the_log()
    assert issued.secret not in json.dumps([c.after for c in AdminChange.objects.all()])


def test_the_change_log_is_append_only(desk: Desk) -> None:
    organisations.create_partner(actor=desk.admin, name="Fabrikam", now=clock.now())
    change = last_change()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminChange.objects.filter(pk=change.pk).update(verb="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminChange.objects.filter(pk=change.pk).delete()


def test_the_change_log_is_scoped_and_filtered(desk: Desk) -> None:
    now = clock.now()
    organisations.create_partner(actor=desk.admin, name="Fabrikam", now=now)
    clock_later = now + timedelta(hours=1)
    organisations.create_account(
        actor=desk.north_admin, partner=desk.north, name="Tailspin", now=clock_later
    )
    users.create_person(
        actor=desk.admin,
        organisation=desk.contoso,
        username="cleo",
        role="partner_user",
        email="cleo@contoso.example",
        now=clock_later,
    )
    everything = q.changes(desk.admin).changes
    assert [c.verb for c in everything] == ["create", "create", "create"]
    assert [c.object_kind for c in q.changes(desk.admin, kind="account").changes] == ["account"]
    assert len(q.changes(desk.admin, by="nora").changes) == 1
    assert len(q.changes(desk.admin, since=clock_later).changes) == 2
    assert len(q.changes(desk.admin, until=clock_later).changes) == 1
    first = q.changes(desk.admin, limit=2)
    assert len(first.changes) == 2 and first.next_cursor is not None
    rest = q.changes(desk.admin, limit=2, before=first.next_cursor)
    assert len(rest.changes) == 1 and rest.next_cursor is None
    # A partner admin sees their own organisation's changes only; others none at all.
    assert [c.object_label for c in q.changes(desk.north_admin).changes] == ["Tailspin"]
    for who in (desk.manager, desk.l1, desk.north_user, desk.vendor):
        with pytest.raises(Forbidden):
            q.changes(who)


def test_no_new_ticket_for_a_deactivated_account_or_partner(desk: Desk) -> None:
    organisations.deactivate_organisation(actor=desk.admin, organisation=desk.acme, now=clock.now())
    with pytest.raises(Invalid) as refused:
        desk.open(customer_account=Organisation.objects.get(pk=desk.acme.pk))
    assert refused.value.fields == {"customer_account": "is deactivated"}
    organisations.deactivate_organisation(
        actor=desk.admin, organisation=desk.contoso, now=clock.now()
    )
    with pytest.raises(Invalid) as refused:
        desk.open(who=desk.l1, organisation=Organisation.objects.get(pk=desk.contoso.pk))
    assert refused.value.fields == {"organisation": "is deactivated"}
