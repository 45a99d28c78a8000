"""The upload limit is one rule: every way a file reaches the desk takes the same size and
refuses one byte more."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import FORM, ApiClient, Desk
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import Attachment


def test_every_edge_takes_the_limit_and_refuses_one_byte_more(desk: Desk, settings: Any) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "MAX_UPLOAD_BYTES": 10}
    fits, over = b"x" * 10, b"x" * 11
    ticket = desk.open()
    page = Client()
    page.force_login(desk.north_user)
    api = ApiClient(desk.north_user)

    def by_page(data: bytes) -> bool:
        page.post(
            f"/tickets/{ticket.number}/attach",
            {"attach-file": SimpleUploadedFile("page.log", data)},
        )
        return Attachment.objects.filter(original_name="page.log", size=len(data)).exists()

    def by_new_ticket_page(data: bytes) -> bool:
        page.post(
            "/tickets/new/",
            {
                "subject": "With a file",
                "severity": "high",
                "queue": "technical",
                **{f"form_{k}": v for k, v in FORM.items()},
                "customer_account": desk.acme.slug,
                "file": SimpleUploadedFile("new.log", data),
            },
        )
        return Attachment.objects.filter(original_name="new.log", size=len(data)).exists()

    def by_api(data: bytes) -> bool:
        api.upload(
            f"/tickets/{ticket.number}/attachments", {"file": SimpleUploadedFile("api.log", data)}
        )
        return Attachment.objects.filter(original_name="api.log", size=len(data)).exists()

    def by_mail(data: bytes) -> bool:
        msg = EmailMessage()
        msg["From"], msg["To"] = "ned@example.com", "support@democloud.example.com"
        msg["Subject"] = f"Re: [{ticket.number}] a file"
        msg["Message-ID"] = f"<file-{len(data)}@example.com>"
        msg.set_content("see the file")
        msg.add_attachment(data, maintype="text", subtype="plain", filename="mail.log")
        ingest(msg.as_bytes(), source="smtp", now=clock.now())
        return Attachment.objects.filter(original_name="mail.log", size=len(data)).exists()

    for edge in (by_page, by_new_ticket_page, by_api, by_mail):
        assert edge(fits), edge.__name__
        assert not edge(over), edge.__name__
