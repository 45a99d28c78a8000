"""/metrics: Prometheus text with requests by status and the desk's own gauges, only for the
token or an allowed address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tierdesk import clock
from tierdesk.actions.heartbeats import SCHEDULER, Pulse
from tierdesk.persistence.models import InboundMessage


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.django_db
def test_metrics_carry_the_outbox_mail_deadlines_heartbeats_and_requests(desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    ticket = desk.open()  # tells the desk's people: notifications wait in the outbox
    opened = clock.now()
    InboundMessage.objects.create(
        dedupe_key="<stuck@example.com>",
        source="smtp",
        raw=b"Subject: stuck\r\n\r\nbody",
        size=23,
        received_at=clock.now(),
    )
    Pulse(SCHEDULER, "sched-1:20").record("sweep", clock.now(), tickets=0, events=0)
    ticket.refresh_from_db()
    fixed_clock.at = ticket.next_deadline + timedelta(minutes=10)  # passed, not yet swept
    waited = (clock.now() - opened).total_seconds()
    assert waited < 86400
    client = Client()
    assert client.get("/health/live").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    got = _samples(response.content.decode())
    assert got[("tierdesk_outbox_notifications", (("state", "pending"),))] > 0
    assert got[("tierdesk_outbox_notifications", (("state", "failed"),))] == 0
    assert got[("tierdesk_outbox_oldest_unsent_age_seconds", ())] == waited
    assert got[("tierdesk_inbound_mail_pending", ())] == 1
    assert got[("tierdesk_inbound_mail_oldest_pending_age_seconds", ())] == waited
    assert got[("tierdesk_overdue_deadline_tickets", ())] == 1
    assert got[("tierdesk_oldest_overdue_deadline_age_seconds", ())] == 600
    assert got[("tierdesk_job_last_run_age_seconds", (("job", "sweep"),))] == waited
    assert ("tierdesk_job_last_run_age_seconds", (("job", "outbox"),)) not in got  # never ran
    assert (
        got[
            (
                "tierdesk_heartbeat_age_seconds",
                (("component", "scheduler"), ("instance", "sched-1:20")),
            )
        ]
        == waited
    )
    assert got[("tierdesk_http_requests_total", (("method", "GET"), ("status", "200")))] >= 1


@pytest.mark.django_db
def test_metrics_refuse_other_addresses_unless_the_token_is_shown(settings) -> None:  # type: ignore[no-untyped-def]
    far = Client(REMOTE_ADDR="203.0.113.7")
    refused = far.get("/metrics")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    settings.TIERDESK = {**settings.TIERDESK, "METRICS_TOKEN": "s3cret-scrape-token"}
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    settings.TIERDESK = {**settings.TIERDESK, "METRICS_ALLOWED": ["203.0.113.0/24"]}
    assert far.get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


@pytest.mark.django_db
def test_metrics_through_a_proxy_on_this_machine_need_the_token(settings) -> None:  # type: ignore[no-untyped-def]
    # A reverse proxy on the same machine connects from loopback for every caller.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert proxied.get("/metrics").status_code == 403
    settings.TIERDESK = {**settings.TIERDESK, "METRICS_TOKEN": "s3cret-scrape-token"}
    shown = proxied.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert shown.status_code == 200
