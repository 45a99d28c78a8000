"""A request that fails changes nothing stored: every part is checked before the first write,
and a page handler's whole change is one transaction."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import FORM, Desk
from tierdesk.persistence.models import Notification, Ticket, User

BOUNDARY = "----tierdeskboundary"


def multipart(fields: dict[str, str], file_headers: str, data: bytes) -> bytes:
    body = b""
    for name, value in fields.items():
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    body += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="error.log"\r\n'
    ).encode()
    body += file_headers.encode("utf-8", "surrogateescape") + b"\r\n\r\n" + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize(
    "content_type",
    [
        "Content-Type: text/plain\x00",
        "Content-Type: " + "x" * 300 + "/" + "y" * 300,
        "Content-Type: text/plain; charset=\x00\x01",
        "Content-Type: a\x00b/c",
    ],
)
def test_a_malformed_attachment_content_type_opens_no_ticket(desk: Desk, content_type: str) -> None:
    client = Client()
    client.force_login(desk.north_user)
    fields = {
        "subject": "Panel down",
        "severity": "high",
        "queue": "technical",
        **{f"form_{k}": v for k, v in FORM.items()},
        "customer_account": desk.acme.slug,
    }
    response = client.post(
        "/tickets/new/",
        multipart(fields, content_type, b"502 Bad Gateway"),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code in (302, 400, 422), response.status_code
    if response.status_code == 302:  # a content type the desk could read is replaced, not kept
        assert Ticket.objects.count() == 1
        assert "\x00" not in Ticket.objects.get().attachments.get().content_type
    else:
        assert Ticket.objects.count() == 0 and Notification.objects.count() == 0


def test_a_nul_in_row_two_of_a_mass_registration_registers_nobody(
    desk: Desk, settings: object
) -> None:
    from tierdesk import clock
    from tierdesk.actions.accounts import approve_domain

    approve_domain(
        actor=desk.admin, organisation=desk.north, domain="northwind.example", now=clock.now()
    )
    client = Client()
    client.force_login(desk.north_admin)
    before = (User.objects.count(), Notification.objects.count())
    rows = (
        "email,first_name,last_name\n"
        "first@northwind.example,First,Person\n"
        "second@northwind.example,Sec\x00ond,Person\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/organisation/",
        {"verb": "upload", "file": SimpleUploadedFile("users.csv", rows.encode())},
    )
    assert response.status_code in (400, 422)
    assert "NUL" in response.content.decode() and "line 3" in response.content.decode()
    assert (User.objects.count(), Notification.objects.count()) == before


def test_a_server_error_rolls_back_what_the_request_wrote(desk: Desk) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from tierdesk.config.middleware import RequestTransactionMiddleware

    def handler(status: int):  # type: ignore[no-untyped-def]
        def view(request):  # type: ignore[no-untyped-def]
            desk.open()  # writes the ticket, its events and its notifications
            return HttpResponse(status=status)

        return view

    factory = RequestFactory()
    RequestTransactionMiddleware(handler(500))(factory.post("/x"))
    assert Ticket.objects.count() == 0 and Notification.objects.count() == 0
    RequestTransactionMiddleware(handler(302))(factory.post("/x"))
    assert Ticket.objects.count() == 1
