"""CloudCTI 1.3 by e-mail end to end: a mailed report lacking required fields is asked for them
(the automatic question lists them as "Field: value" lines); the reporter's mailed answer that
follows the template, quoting the question below, completes the form (`form_completed`)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Desk
from tests.mail.test_intake import mail
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import Event, Notification, Ticket


def test_the_mailed_answer_that_follows_the_template_completes_the_form(
    desk: Desk, settings: Any
) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "cloudcti"}
    opened = ingest(
        mail(to="support@cloudcti.example.com", subject="P2 Click2Dial fails after the update",
             body="Click2Dial fails since the update for every user."),
        source="smtp", now=clock.now(),
    )  # fmt: skip
    ticket = Ticket.objects.get(number=opened.ticket)
    assert ticket.status == "pending"
    assert Event.objects.get(ticket=ticket, seq=1).data["missing"] == ["customer", "log_files"]
    question = Notification.objects.filter(
        ticket=ticket, recipient="ned@example.com", kind="reply"
    ).last()
    assert question is not None and "Log files:" in question.body
    quoted = "\n".join("> " + line for line in question.body.splitlines())
    answer = ingest(
        mail(to="support@cloudcti.example.com", subject=f"Re: [{ticket.number}] Click2Dial",
             body=f"Customer details: ACME BV, tenant 4411\nLog files: attached, c2d.log\n\n{quoted}",
             In_Reply_To=question.message_id),
        source="smtp", now=clock.now(),
    )  # fmt: skip
    assert (answer.outcome, answer.ticket) == ("comment", ticket.number)
    done = Event.objects.get(ticket=ticket, kind="form_completed").data
    assert done == {
        "fields": {"customer": "ACME BV, tenant 4411", "log_files": "attached, c2d.log"},
        "missing": [],
    }
    ticket.refresh_from_db()
    assert ticket.form["log_files"] == "attached, c2d.log"
