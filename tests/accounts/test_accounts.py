"""Accounts: registration from approved domains, mass registration, lockout, reset, TOTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import accounts as act
from tierdesk.domain.errors import Invalid, NotFound
from tierdesk.persistence.models import Notification, User


def _link(recipient: str, pattern: str) -> str:
    body = Notification.objects.filter(recipient=recipient).order_by("-pk").first()
    assert body is not None, f"nothing sent to {recipient}"
    found = re.search(pattern, body.body)
    assert found, body.body
    return found.group(0)


@pytest.fixture
def northwind_domain(desk: Desk) -> None:
    act.approve_domain(
        actor=desk.north_admin, organisation=desk.north, domain="northwind.example", now=clock.now()
    )


def test_register_from_an_approved_domain_and_confirm(desk: Desk, northwind_domain: None) -> None:
    client = Client()
    page = client.post(
        "/register/", {"first_name": "Nina", "last_name": "Lind", "email": "nina@northwind.example"}
    )
    assert page.status_code == 200 and "Check your inbox" in page.content.decode()
    assert not User.objects.filter(email="nina@northwind.example").exists()  # only at confirmation
    link = _link("nina@northwind.example", r"/register/confirm/[^/\s]+/")
    weak = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 422 and "too short" in weak.content.decode()
    done = client.post(
        link,
        {"new_password1": "a long enough passphrase", "new_password2": "a long enough passphrase"},
    )
    assert done.status_code == 302
    nina = User.objects.get(email="nina@northwind.example")
    assert (nina.organisation_id, nina.role, nina.first_name) == (
        desk.north.pk,
        "partner_user",
        "Nina",
    )
    assert client.get("/api/v1/me").json()["organisation"] == desk.north.slug
    again = Client().post(
        link,
        {"new_password1": "another long passphrase", "new_password2": "another long passphrase"},
    )
    assert again.status_code == 422 and "used already" in again.content.decode()


def test_registration_does_not_reveal_existing_accounts(desk: Desk, northwind_domain: None) -> None:
    desk.north_user.email = "ned@northwind.example"
    desk.north_user.save()
    known = Client().post("/register/", {"first_name": "X", "email": "ned@northwind.example"})
    unknown = Client().post("/register/", {"first_name": "X", "email": "newbie@northwind.example"})

    def strip(response) -> str:  # type: ignore[no-untyped-def]
        text = response.content.decode().replace("ned@", "").replace("newbie@", "")
        # The CSRF tokens differ per session, nothing else may.
        text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    # The mailbox learns the difference, nobody else.
    assert (
        "already has an account" in Notification.objects.get(recipient="ned@northwind.example").body
    )


def test_unapproved_domains_and_tampered_links_are_refused(
    desk: Desk, northwind_domain: None
) -> None:
    page = Client().post("/register/", {"first_name": "Eve", "email": "eve@evil.example"})
    assert page.status_code == 422 and "not open to registration" in page.content.decode()
    assert not Notification.objects.filter(recipient="eve@evil.example").exists()
    act.request_registration(
        email="nina@northwind.example",
        first_name="N",
        last_name="",
        base_url="http://x",
        now=clock.now(),
    )
    link = _link("nina@northwind.example", r"/register/confirm/[^/\s]+/")
    import base64
    import json

    payload, stamp, signature = link.split("/")[3].split(":")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["e"] = "eve@northwind.example"  # another address, the same signature
    swapped = (
        base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )
    forged = f"/register/confirm/{swapped}:{stamp}:{signature}/"
    assert Client().get(forged).status_code == 404
    with pytest.raises(NotFound):
        act.read_link("not-a-token")
    with pytest.raises(Invalid):
        act.approve_domain(
            actor=desk.north_admin, organisation=desk.north, domain="not a domain", now=clock.now()
        )
    with pytest.raises(NotFound):  # another organisation's admin
        act.approve_domain(
            actor=desk.north_admin,
            organisation=desk.contoso,
            domain="contoso.example",
            now=clock.now(),
        )


def test_mass_registration_report(desk: Desk, northwind_domain: None) -> None:
    client = Client()
    client.force_login(desk.north_admin)
    rows = (
        "email,first_name,last_name,role\n"
        "anna@northwind.example,Anna,A,partner_user\n"
        "bert@northwind.example,Bert,B,partner_admin\n"
        "anna@northwind.example,Anna,A,partner_user\n"
        "ned@example.com,Ned,N,partner_user\n"
        "not-an-address,X,Y,partner_user\n"
        "carla@northwind.example,Carla,C,administrator\n"
    )
    page = client.post(
        "/organisation/", {"verb": "upload", "file": SimpleUploadedFile("users.csv", rows.encode())}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "2 created, 2 skipped, 2 refused" in text
    assert (
        "already has an account" in text
        and "listed twice" in text
        and "not an e-mail address" in text
    )
    assert User.objects.get(email="bert@northwind.example").role == "partner_admin"
    link = _link("anna@northwind.example", r"/password-reset/[^/\s]+/[^/\s]+/")
    follow = Client().get(link, follow=True)
    assert follow.status_code == 200 and "new_password1" in follow.content.decode()
    # A plain partner user may not.
    other = Client()
    other.force_login(desk.north_user)
    assert other.get("/organisation/").status_code == 404


def test_repeated_failures_lock_the_login(desk: Desk) -> None:
    client = Client()
    for _ in range(4):
        assert client.post("/login/", {"username": "ned", "password": "wrong"}).status_code == 200
    # The fifth failure locks the username from this address, even for the right password.
    assert client.post("/login/", {"username": "ned", "password": "wrong"}).status_code == 429
    locked = client.post("/login/", {"username": "ned", "password": "correct horse battery"})
    assert locked.status_code == 429 and "Too many failed attempts" in locked.content.decode()
    assert Client().get("/api/v1/me").status_code == 401


def test_password_reset_by_mail_never_says_who_exists(desk: Desk) -> None:
    a = Client().post("/password-reset/", {"email": "ned@example.com"})
    b = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert a.status_code == b.status_code == 302 and a["Location"] == b["Location"]
    link = _link("ned@example.com", r"/password-reset/[^/\s]+/[^/\s]+/")
    client = Client()
    form = client.get(link, follow=True)
    target = form.redirect_chain[-1][0]
    done = client.post(
        target,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert done.status_code == 302
    assert (
        Client()
        .post("/login/", {"username": "ned", "password": "a brand new passphrase"})
        .status_code
        == 302
    )
    assert not Notification.objects.filter(recipient="nobody@example.com").exists()


def test_totp_second_factor(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    client = Client()
    client.force_login(desk.north_user)
    page = client.post("/account/", {"verb": "start"})
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.content.decode()).group(1)  # type: ignore[union-attr]
    totp = pyotp.TOTP(secret)
    assert (
        client.post(
            "/account/",
            {"verb": "enable", "code": "000000" if totp.now() != "000000" else "111111"},
        ).status_code
        == 422
    )
    assert (
        client.post("/account/", {"verb": "enable", "code": totp.at(clock.now())}).status_code
        == 200  # with the backup codes, shown once
    )
    fresh = Client()
    step = fresh.post("/login/", {"username": "ned", "password": "correct horse battery"})
    assert step["Location"] == "/login/code/"
    assert fresh.get("/api/v1/me").status_code == 401  # not logged in before the code
    assert (
        fresh.post(
            "/login/code/", {"code": "123456" if totp.at(clock.now()) != "123456" else "654321"}
        ).status_code
        == 422
    )
    # The next time step's code (the one that turned it on is used; a wrong one waits a second).
    fixed_clock.advance(timedelta(seconds=30))
    assert fresh.post("/login/code/", {"code": totp.at(clock.now())}).status_code == 302
    assert fresh.get("/api/v1/me").json()["username"] == "ned"
