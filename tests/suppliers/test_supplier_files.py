"""The files a supplier's mail brings are kept as a partner's are (the desk's size limit, the
sanitised name, the same download route and rule), on the supplier's event, for the desk only."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import ApiClient, Desk
from tests.suppliers.test_supplier_chain import (
    hand_off,
    register,
    send_to_intake,
    supplier_mail,
)
from tierdesk.persistence.models import Attachment, Event, Notification

FILENAMES = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "filenames.txt"


def hostile_names() -> list[str]:
    """The literal and escaped attachment names of the shared test data."""
    if not FILENAMES.exists():
        pytest.skip("the shared test data is not here")
    names: list[str] = []
    section = ""
    for line in FILENAMES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#@ "):
            section = line
            continue
        if "literal attachment filenames" in section and line:
            names.append(line)
        elif "ESCAPED" in section and line:
            names.append(codecs.decode(line, "unicode_escape"))
    assert names
    return names


@pytest.mark.django_db(transaction=True)
def test_a_suppliers_files_are_kept_for_the_desk_only(desk: Desk) -> None:
    register(desk)
    ticket = hand_off(desk)
    handoff_id = Notification.objects.get(kind="supplier_handoff").message_id
    names = hostile_names()[:12]
    msg = supplier_mail("[VND-77] Logs", "Our log and the patch note.", In_Reply_To=handoff_id)
    for i, name in enumerate(names):
        msg.add_attachment(f"file {i}\n".encode(), maintype="text", subtype="plain", filename=name)
    msg.add_attachment(b"x" * 600, maintype="application", subtype="octet-stream",
                       filename="huge.bin")  # fmt: skip
    limited = {**settings.TIERDESK, "MAX_UPLOAD_BYTES": 500}
    with override_settings(TIERDESK=limited):
        send_to_intake(msg)

    mail = Event.objects.get(ticket=ticket, kind="supplier_mail")
    kept = mail.data["attachments"]
    assert len(kept) == len(names)
    assert mail.data["refused_files"] == [{"name": "huge.bin", "size": 600, "limit": 500}]
    rows = Attachment.objects.filter(pk__in=kept)
    assert rows.count() == len(names) and not rows.filter(public=True).exists()
    for row in rows:  # no path, no control character, no header break in the stored name
        assert not {"/", "\\", "\r", "\n", "\x00", '"'} & set(row.original_name)
        assert ".." not in Path(row.file.name).parts
    files = Event.objects.filter(ticket=ticket, kind="attachment_added", data__supplier="vendor")
    assert files.count() == len(names) and not files.filter(public=True).exists()

    # The desk reads and downloads them by the one route.
    row = rows.order_by("pk").first()
    assert row is not None
    path = f"/tickets/{ticket.number}/attachments/{row.pk}"
    agent = ApiClient(desk.l1)
    got = agent.get(path)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"file 0\n"
    assert row.pk in [a["id"] for a in agent.get(f"/tickets/{ticket.number}").json()["attachments"]]
    page = Client()
    page.force_login(desk.l1)
    assert f"/attachments/{row.pk}" in page.get(f"/tickets/{ticket.number}/").content.decode()

    # The partner never: not on its page, not in its API, not by a guessed download URL.
    partner = ApiClient(desk.north_user)
    for guessed in rows:
        answer = partner.get(f"/tickets/{ticket.number}/attachments/{guessed.pk}")
        assert answer.status_code == 404
    seen = partner.get(f"/tickets/{ticket.number}").content.decode()
    mine = Client()
    mine.force_login(desk.north_user)
    seen += mine.get(f"/tickets/{ticket.number}/").content.decode()
    for row in rows:
        assert f"/attachments/{row.pk}" not in seen
    assert "huge.bin" not in seen and "passwd" not in seen


@pytest.mark.django_db(transaction=True)
def test_a_bounce_keeps_no_file(desk: Desk, fixed_clock: Any) -> None:
    """A bounce carries our own mail back: its parts are not the supplier's files."""
    register(desk)
    ticket = hand_off(desk)
    ours = Notification.objects.get(kind="supplier_handoff").message_id
    msg = supplier_mail("Undelivered Mail Returned to Sender", "mailbox unavailable",
                        sender="MAILER-DAEMON@mx.vendor.example", In_Reply_To=ours)  # fmt: skip
    msg.add_attachment(b"our own mail", maintype="text", subtype="plain", filename="trace.log")
    send_to_intake(msg)
    before = Attachment.objects.filter(ticket=ticket).count()
    assert before == 1  # the agent's own file of the hand-off, nothing more
