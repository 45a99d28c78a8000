"""The administration pages: every page for an administrator, nobody else; creating, editing,
deactivating through the pages (the actions underneath, their refusals next to the field with
nothing stored); API tokens shown once; the change log; CSV import with dry run and apply."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import organisations as orgs
from tierdesk.actions import suppliers as sup
from tierdesk.actions import tokens
from tierdesk.persistence.models import AdminChange, ApiToken, Organisation, Subscription, User


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(desk: Desk) -> list[str]:
    return [
        "/administration/",
        "/administration/profile/",
        "/administration/partners/",
        "/administration/partners/?state=all&q=north",
        "/administration/partners/new/",
        f"/administration/partners/{desk.north.slug}/",
        f"/administration/accounts/{desk.acme.slug}/",
        f"/administration/organisations/{desk.north.slug}/state",
        f"/administration/organisations/{desk.north.slug}/people/new/",
        f"/administration/organisations/{desk.supplier.slug}/people/new/",
        "/administration/suppliers/",
        "/administration/suppliers/new/",
        f"/administration/suppliers/{desk.supplier.slug}/",
        "/administration/staff/",
        "/administration/staff/?role=agent&level=l2&state=all",
        "/administration/staff/new/",
        f"/administration/people/{desk.l2.username}/",
        f"/administration/people/{desk.l2.username}/state",
        "/administration/tokens/",
        "/administration/changes/",
        "/administration/changes/?kind=person&actor=admin&from=2026-03-01&to=2026-03-31",
        "/administration/import/",
    ]


def test_every_page_renders_for_an_administrator(desk: Desk) -> None:
    now = clock.now()
    sup.set_terms(
        actor=desk.admin,
        supplier=desk.supplier,
        now=now,
        changes={"method": "email", "contact": "help@vendor.example", "ola_target": "4h"},
    )
    orgs.add_subscription(
        actor=desk.admin, account=desk.acme, reference="SUB-9", product="Mail", now=now
    )
    client = _client(desk.admin)
    for url in _pages(desk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'aria-label="Administration"' in response.content.decode(), url


def test_nobody_else_reaches_the_administration(desk: Desk) -> None:
    for who in (desk.manager, desk.l1, desk.north_user, desk.north_admin, desk.vendor):
        client = _client(who)
        for url in _pages(desk):
            if url == "/administration/profile/" and who is desk.manager:
                continue
            assert client.get(url).status_code == 404, (who.username, url)
        assert client.post("/administration/partners/new/", {"name": "X"}).status_code == 404
    assert not Organisation.objects.filter(name="X").exists()
    response = Client().get("/administration/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_navigation_tells_administrators_and_managers_apart(desk: Desk) -> None:
    admin = _client(desk.admin).get("/").content.decode()
    assert 'href="/administration/">Administration<' in admin
    manager = _client(desk.manager).get("/").content.decode()
    assert '/administration/"' not in manager and 'href="/administration/profile/"' in manager
    agent = _client(desk.l1).get("/").content.decode()
    assert "/administration/" not in agent
    # Administrators keep the desk and the reports; partner admins keep their organisation page.
    assert _client(desk.admin).get("/desk/").status_code == 200
    assert _client(desk.admin).get("/reports/").status_code == 200
    assert _client(desk.north_admin).get("/organisation/").status_code == 200


def test_creating_a_partner_from_the_page(desk: Desk) -> None:
    client = _client(desk.admin)
    response = client.post(
        "/administration/partners/new/",
        {"name": "Fabrikam", "slug": "fabrikam", "contact_email": "ops@fabrikam.example"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/administration/partners/fabrikam/"
    org = Organisation.objects.get(slug="fabrikam")
    assert org.kind == "partner" and org.contact_email == "ops@fabrikam.example"
    change = AdminChange.objects.get(object_kind="organisation", object_id=str(org.pk))
    assert change.actor == desk.admin and change.verb == "create"
    page = client.get("/administration/partners/").content.decode()
    assert "Fabrikam" in page


def test_a_refused_partner_shows_the_errors_next_to_the_fields_and_keeps_the_input(
    desk: Desk,
) -> None:
    before = Organisation.objects.count(), AdminChange.objects.count()
    response = _client(desk.admin).post(
        "/administration/partners/new/",
        {"name": "Fabrikam", "slug": "Not A Slug", "contact_email": "not-an-address"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_slug-error"' in page and 'id="id_contact_email-error"' in page
    assert 'value="Not A Slug"' in page and 'value="not-an-address"' in page
    assert 'aria-invalid="true"' in page
    assert (Organisation.objects.count(), AdminChange.objects.count()) == before


def test_editing_and_deactivating_a_partner(desk: Desk) -> None:
    client = _client(desk.admin)
    url = f"/administration/partners/{desk.north.slug}/"
    response = client.post(
        url,
        {
            "verb": "edit",
            "edit-name": "Northwind Traders",
            "edit-slug": desk.north.slug,
            "edit-external_ref": "NW-1",
            "edit-contact_email": "",
            "edit-contact_phone": "",
        },
    )
    assert response.status_code == 302
    desk.north.refresh_from_db()
    assert desk.north.name == "Northwind Traders" and desk.north.external_ref == "NW-1"
    # A bad phone number: 422, nothing changed.
    response = client.post(
        url,
        {"verb": "edit", "edit-name": "Other", "edit-contact_phone": "call me"},
    )
    assert response.status_code == 422
    assert 'id="id_edit-contact_phone-error"' in response.content.decode()
    desk.north.refresh_from_db()
    assert desk.north.name == "Northwind Traders"

    confirm = client.get(f"/administration/organisations/{desk.north.slug}/state")
    assert "Deactivate Northwind Traders?" in confirm.content.decode()
    assert client.post(f"/administration/organisations/{desk.north.slug}/state").status_code == 302
    desk.north.refresh_from_db()
    assert not desk.north.is_active
    assert not User.objects.get(pk=desk.north_user.pk).is_active
    # Shown as deactivated, not hidden: in "all" and "deactivated", not in "active".
    assert "Northwind Traders" not in client.get("/administration/partners/").content.decode()
    inactive = client.get("/administration/partners/?state=inactive").content.decode()
    assert "Northwind Traders" in inactive and "deactivated" in inactive
    client.post(f"/administration/organisations/{desk.north.slug}/state")
    desk.north.refresh_from_db()
    assert desk.north.is_active and User.objects.get(pk=desk.north_user.pk).is_active


def test_accounts_subscriptions_and_domains_from_the_partner_page(desk: Desk) -> None:
    client = _client(desk.admin)
    url = f"/administration/partners/{desk.north.slug}/"
    response = client.post(url, {"verb": "account", "account-name": "Globex", "account-slug": ""})
    assert response.status_code == 302
    globex = Organisation.objects.get(name="Globex")
    assert globex.kind == "customer" and globex.parent == desk.north
    account_url = f"/administration/accounts/{globex.slug}/"
    bad = client.post(
        account_url,
        {
            "verb": "subscription",
            "subscription-reference": "G-1",
            "subscription-product": "Mail",
            "subscription-starts_on": "2026-05-01",
            "subscription-ends_on": "2026-04-01",
            "subscription-active": "on",
        },
    )
    assert bad.status_code == 422 and 'id="id_subscription-ends_on-error"' in bad.content.decode()
    assert not Subscription.objects.filter(account=globex).exists()
    good = client.post(
        account_url,
        {
            "verb": "subscription",
            "subscription-reference": "G-1",
            "subscription-product": "Mail",
            "subscription-active": "on",
        },
    )
    assert good.status_code == 302
    sub = Subscription.objects.get(account=globex)
    assert sub.is_active
    edit_url = f"/administration/accounts/{globex.slug}/subscriptions/G-1/"
    assert client.get(edit_url).status_code == 200
    refused = client.post(edit_url, {"reference": "G-1", "product": ""})
    assert refused.status_code == 422 and 'id="id_product-error"' in refused.content.decode()
    edited = client.post(edit_url, {"reference": "G-1", "product": "Mail Plus", "active": "on"})
    assert edited.status_code == 302
    sub.refresh_from_db()
    assert sub.product == "Mail Plus"
    client.post(account_url, {"verb": "end-subscription", "subscription": "G-1"})
    sub.refresh_from_db()
    assert not sub.is_active

    assert client.post(url, {"verb": "domain", "domain-domain": "north.example"}).status_code == 302
    assert "north.example" in client.get(url).content.decode()
    refused = client.post(url, {"verb": "domain", "domain-domain": "not a domain"})
    assert refused.status_code == 422 and 'id="id_domain-domain-error"' in refused.content.decode()
    client.post(url, {"verb": "remove-domain", "domain": "north.example"})
    assert desk.north.domains.count() == 0


def test_a_supplier_with_its_terms(desk: Desk) -> None:
    client = _client(desk.admin)
    form = {
        "name": "Odin",
        "slug": "odin",
        "method": "email",
        "contact": "not an address",
        "ola_target": "4h",
        "calendar": "",
        "severity_map_high": "Sev A",
    }
    refused = client.post("/administration/suppliers/new/", form)
    assert refused.status_code == 422
    assert 'id="id_contact-error"' in refused.content.decode()
    assert not Organisation.objects.filter(slug="odin").exists()
    created = client.post("/administration/suppliers/new/", {**form, "contact": "l3@odin.example"})
    assert created.status_code == 302
    odin = Organisation.objects.get(slug="odin")
    assert odin.kind == "supplier"
    assert odin.support_terms.contact == "l3@odin.example"
    assert odin.support_terms.severity_map == {"high": "Sev A"}
    page = client.get("/administration/suppliers/odin/").content.decode()
    assert 'value="Sev A"' in page
    # An OLA that is no duration: 422, the terms untouched.
    bad = client.post(
        "/administration/suppliers/odin/",
        {**form, "name": "Odin Renamed", "contact": "l3@odin.example", "ola_target": "whenever"},
    )
    assert bad.status_code == 422 and 'id="id_ola_target-error"' in bad.content.decode()
    odin.refresh_from_db()
    odin.support_terms.refresh_from_db()
    assert odin.support_terms.ola_target == "4h" and odin.name == "Odin"
    # A contact person for the supplier.
    response = client.post(
        "/administration/organisations/odin/people/new/",
        {
            "username": "olaf",
            "email": "olaf@odin.example",
            "language": "en",
            "role": "supplier_contact",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="olaf").organisation == odin


def test_an_agent_at_level_two(desk: Desk) -> None:
    client = _client(desk.admin)
    data = {
        "username": "lisa",
        "first_name": "Lisa",
        "email": "lisa@example.com",
        "language": "en",
        "role": "agent",
        "levels": ["l2"],
    }
    refused = client.post("/administration/staff/new/", {**data, "email": "lisa"})
    assert refused.status_code == 422 and 'id="id_email-error"' in refused.content.decode()
    assert 'value="lisa"' in refused.content.decode()
    assert not User.objects.filter(username="lisa").exists()
    response = client.post("/administration/staff/new/", data)
    assert response.status_code == 302 and response["Location"] == "/administration/people/lisa/"
    lisa = User.objects.get(username="lisa")
    assert lisa.role == "agent" and lisa.level_keys() == ["l2"]
    staff = client.get("/administration/staff/?level=l2").content.decode()
    assert "Lisa" in staff and "Support Level 2" in staff

    # Edit, then deactivate and reactivate.
    client.post(
        "/administration/people/lisa/",
        {**{k: v for k, v in data.items() if k != "username"}, "levels": ["l1", "l2"]},
    )
    assert sorted(User.objects.get(username="lisa").level_keys()) == ["l1", "l2"]
    client.post("/administration/people/lisa/state")
    assert not User.objects.get(username="lisa").is_active
    assert "lisa" not in client.get("/administration/staff/").content.decode()
    assert "lisa" in client.get("/administration/staff/?state=inactive").content.decode()
    client.post("/administration/people/lisa/state")
    assert User.objects.get(username="lisa").is_active


def test_the_last_administrator_is_not_deactivated(desk: Desk) -> None:
    response = _client(desk.admin).post(f"/administration/people/{desk.admin.username}/state")
    assert response.status_code == 409 and 'role="alert"' in response.content.decode()
    assert User.objects.get(pk=desk.admin.pk).is_active


def test_api_tokens_are_shown_once_and_revoked(desk: Desk) -> None:
    client = _client(desk.admin)
    response = client.post(
        "/administration/tokens/",
        {"owner": desk.north_user.username, "name": "ERP", "expires_in_days": "30"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'data-test="token-secret">([^<]+)<', response.content.decode())
    assert secret is not None
    token = ApiToken.objects.get(name="ERP")
    assert token.user == desk.north_user and token.expires_at is not None
    assert tokens.authenticate(secret.group(1), now=clock.now()) == desk.north_user
    listing = client.get("/administration/tokens/").content.decode()
    assert "ERP" in listing and secret.group(1) not in listing
    unknown = client.post("/administration/tokens/", {"owner": "nobody", "name": "X"})
    assert unknown.status_code == 422 and 'id="id_owner-error"' in unknown.content.decode()
    assert client.post(f"/administration/tokens/{token.key_id}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(secret.group(1), now=clock.now()) is None
    assert "ERP" in client.get("/administration/tokens/?state=revoked").content.decode()


def test_the_change_log_shows_before_and_after(desk: Desk) -> None:
    orgs.edit_organisation(
        actor=desk.admin,
        organisation=desk.contoso,
        now=clock.now(),
        changes={"name": "Contoso Ltd"},
    )
    client = _client(desk.admin)
    page = client.get("/administration/changes/").content.decode()
    assert "<del>Contoso</del>" in page and "<ins>Contoso Ltd</ins>" in page
    assert "Contoso Ltd" not in client.get("/administration/changes/?kind=person").content.decode()
    bad = client.get("/administration/changes/?from=yesterday")
    assert bad.status_code == 422


CSV = b"slug,name,contact_email\nfabrikam,Fabrikam,ops@fabrikam.example\nbad slug,Bad,\n"


def test_csv_import_dry_run_then_apply(desk: Desk) -> None:
    client = _client(desk.admin)
    upload = SimpleUploadedFile("partners.csv", CSV, content_type="text/csv")
    dry = client.post(
        "/administration/import/", {"verb": "check", "kind": "organisations", "file": upload}
    )
    assert dry.status_code == 200
    page = dry.content.decode()
    assert "Dry run" in page and "1 created" in page and "1 refused" in page
    assert not Organisation.objects.filter(slug="fabrikam").exists()
    sealed = re.search(r'name="sealed" value="([^"]+)"', page)
    assert sealed is not None
    # An altered copy is refused and changes nothing.
    tampered = client.post(
        "/administration/import/", {"verb": "apply", "sealed": sealed.group(1)[:-2] + "xx"}
    )
    assert tampered.status_code == 422
    assert not Organisation.objects.filter(slug="fabrikam").exists()
    applied = client.post("/administration/import/", {"verb": "apply", "sealed": sealed.group(1)})
    assert applied.status_code == 200 and "Imported" in applied.content.decode()
    assert Organisation.objects.get(slug="fabrikam").contact_email == "ops@fabrikam.example"
    # Another administrator cannot apply this administrator's checked file.
    other = User.objects.create(username="admin2", role="administrator", organisation=desk.provider)
    again = _client(other).post(
        "/administration/import/", {"verb": "apply", "sealed": sealed.group(1)}
    )
    assert again.status_code == 422


def test_a_file_that_is_not_csv_is_refused_next_to_the_file(desk: Desk) -> None:
    upload = SimpleUploadedFile("x.csv", b"\x00\x01binary", content_type="text/csv")
    response = _client(desk.admin).post(
        "/administration/import/", {"verb": "check", "kind": "organisations", "file": upload}
    )
    assert response.status_code == 422 and 'id="id_file-error"' in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/administration/partners/nope/", "/administration/people/nobody/"]
)
def test_unknown_objects_are_not_found(desk: Desk, url: str) -> None:
    assert _client(desk.admin).get(url).status_code == 404


def test_an_account_is_not_a_partner_page(desk: Desk) -> None:
    client = _client(desk.admin)
    assert client.get(f"/administration/partners/{desk.acme.slug}/").status_code == 404
    assert client.get(f"/administration/suppliers/{desk.north.slug}/").status_code == 404


def test_the_administration_in_german(desk: Desk) -> None:
    client = _client(desk.admin)
    overview = client.get("/administration/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Verwaltung" in overview and "Letzte Änderungen" in overview
    assert "Recent changes" not in overview
    refused = client.post(
        "/administration/partners/new/",
        {"name": "X", "slug": "Bad Slug"},
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()
    assert "Partner anlegen" in refused and "Kurzname" in refused


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", ("Modifications récentes", "Partenaires")), ("nl", ("Recente wijzigingen", "Beheer"))],
)
def test_the_administration_in_french_and_dutch(
    desk: Desk, language: str, words: tuple[str, ...]
) -> None:
    page = _client(desk.admin).get("/administration/", HTTP_ACCEPT_LANGUAGE=language)
    assert all(word in page.content.decode() for word in words)


def test_odd_input_in_the_filters_is_no_error(desk: Desk) -> None:
    client = _client(desk.admin)
    for url in (
        "/administration/partners/?q=%00x&state=%00",
        "/administration/suppliers/?q=%00",
        "/administration/staff/?q=%00&role=%00&level=%00",
        "/administration/tokens/?q=%00&state=%00",
        "/administration/changes/?actor=%00&kind=%00&before=x",
    ):
        assert client.get(url).status_code in (200, 400, 422), url
    for url in (
        "/administration/people/%00/",
        "/administration/tokens/%00/revoke",
        f"/administration/accounts/{desk.acme.slug}/subscriptions/%00/",
    ):
        assert client.get(url).status_code in (400, 404), url  # the NUL is refused first
    response = client.post(
        f"/administration/partners/{desk.north.slug}/", {"verb": "remove-domain", "domain": "\x00"}
    )
    assert response.status_code in (302, 400)
