"""Probes and metrics for the operator: `/health/live` (the process answers), `/health/ready`
(it can reach the database, and the broker when one is set) and `/metrics` (Prometheus text:
requests by status from every web worker, and the desk's own gauges read at scrape time).

`/metrics` answers a request bearing `Authorization: Bearer $TIERDESK_METRICS_TOKEN`, or one from
an address in `TIERDESK_METRICS_ALLOWED` (loopback by default) that did not come through a proxy
(no X-Forwarded-For or Forwarded header); anyone else gets 403."""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tierdesk import clock
from tierdesk.queries import health


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    checks = health.readiness()
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


def _allowed(request: HttpRequest) -> bool:
    token = settings.TIERDESK["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        # Came through a proxy, whose own address (often loopback) says nothing of the caller.
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for network in settings.TIERDESK["METRICS_ALLOWED"]:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


class DeskCollector:
    """The desk's gauges, read from the database when scraped."""

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        g = health.gauges(now)
        outbox = GaugeMetricFamily(
            "tierdesk_outbox_notifications",
            "Notifications not yet sent, by state (failed: parked after their retries)",
            labels=["state"],
        )
        for state, n in g.outbox.items():
            outbox.add_metric([state], n)
        yield outbox
        yield GaugeMetricFamily(
            "tierdesk_outbox_oldest_unsent_age_seconds",
            "Seconds since the oldest pending or sending notification was written (0: none)",
            value=g.outbox_oldest_age,
        )
        yield GaugeMetricFamily(
            "tierdesk_inbound_mail_pending",
            "Received messages stored but not yet decided",
            value=g.inbound_pending,
        )
        yield GaugeMetricFamily(
            "tierdesk_inbound_mail_oldest_pending_age_seconds",
            "Seconds since the oldest undecided message was received (0: none)",
            value=g.inbound_oldest_age,
        )
        yield GaugeMetricFamily(
            "tierdesk_overdue_deadline_tickets",
            "Tickets whose next deadline has passed and is not yet recorded by the sweep",
            value=g.overdue_tickets,
        )
        yield GaugeMetricFamily(
            "tierdesk_oldest_overdue_deadline_age_seconds",
            "Seconds since the oldest unrecorded deadline passed (0: none)",
            value=g.oldest_overdue_age,
        )
        job_age = GaugeMetricFamily(
            "tierdesk_job_last_run_age_seconds",
            "Seconds since the job last ran on any process (sweep lag, outbox lag); absent: never",
            labels=["job"],
        )
        for job, age in g.job_age.items():
            if age is not None:
                job_age.add_metric([job], age)
        yield job_age
        beats = GaugeMetricFamily(
            "tierdesk_heartbeat_age_seconds",
            "Seconds since each process of the desk last wrote its heartbeat",
            labels=["component", "instance"],
        )
        for i in g.heartbeats:
            beats.add_metric([i.component, i.instance], i.age)
        yield beats


def _base_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn's workers each count their requests; this sums them.
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return JsonResponse(
            {"error": "forbidden", "message": "metrics need the token or an allowed address"},
            status=403,
        )
    desk = CollectorRegistry(auto_describe=False)
    desk.register(DeskCollector())
    body = generate_latest(_base_registry()) + generate_latest(desk)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
