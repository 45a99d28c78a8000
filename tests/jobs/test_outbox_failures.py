"""One bad notification never stops the outgoing mail: it is counted, backed off and parked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.cli.main import main
from tierdesk.jobs import outbox
from tierdesk.jobs.outbox import deliver, max_attempts
from tierdesk.outgoing import mail as outbound
from tierdesk.persistence.models import Notification


def test_a_row_that_fails_to_build_or_send_is_parked_and_the_others_go_on(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.open()  # two notifications
    first, second = Notification.objects.order_by("id")
    # A subject with a line break cannot become a header: the send fails (BadHeaderError).
    Notification.objects.filter(pk=second.pk).update(subject="broken\nBcc: victim@example.org")
    broken_template = first.pk

    def build(row: Notification, connection: object) -> object:
        if row.pk == broken_template:  # a provider's mail template that no longer renders
            raise LookupError("mail/democloud/notification.txt: unknown variable")
        return outbound.build(row, connection)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "build", build)
    desk.open(subject="Third")  # two more, queued behind the bad ones
    now = clock.now()
    result = deliver(now)
    assert (result.sent, result.failed) == (2, 2)
    assert len(mail.outbox) == 2 and all("Third" in m.subject for m in mail.outbox)
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at > now and "LookupError" in first.last_error
    assert deliver(now).failed == 0  # backed off: not tried again at once

    for _ in range(max_attempts()):
        now += timedelta(hours=7)
        deliver(now)
    for row in (first, second):
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("failed", max_attempts())
        assert row.last_error.startswith(f"parked after {max_attempts()} attempts: ")
    assert "BadHeaderError" in second.last_error
    assert deliver(now + timedelta(days=1)).failed == 0  # parked rows stay parked

    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "sent: 2" in out and "failed: 2" in out and "parked (2):" in out
    assert f"#{first.pk} created to ned@example.com" in out and "LookupError" in out
    assert main(["outbox", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["counts"]["failed"] == 2
    assert {r["id"] for r in lines[1:]} == {first.pk, second.pk}
