"""The pages that exist so far: login, the scoped ticket list, health."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk


def test_home_requires_login(desk: Desk) -> None:
    response = Client().get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_home_lists_only_the_organisations_tickets(desk: Desk) -> None:
    north = desk.open(subject="Northwind outage")
    desk.open(desk.contoso_user, subject="Contoso billing")
    client = Client()
    client.force_login(desk.north_user)
    page = client.get("/").content.decode()
    assert north.number in page and "Northwind outage" in page and "Contoso billing" not in page


def test_wrong_password_shows_an_error(desk: Desk) -> None:
    response = Client().post("/login/", {"username": "ned", "password": "wrong"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_health(db: None) -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_home_shows_each_ticket_sla_in_words(desk: Desk) -> None:
    desk.open(subject="Panel down", severity="high")  # Tuesday 10:00 Luxembourg
    client = Client()
    client.force_login(desk.north_user)
    page = client.get("/").content.decode()
    assert "First response due by Tue 10 Mar 11:00 CET" in page
    assert "Resolution due by Wed 11 Mar 10:00 CET" in page
