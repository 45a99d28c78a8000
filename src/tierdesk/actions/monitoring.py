"""Monitoring alerts into tickets: each firing alert (by fingerprint, or its Alertmanager group
where the profile says) opens one ticket on the monitoring channel, or is added to the open
ticket it already has; a resolved alert is recorded and, where the profile says, resolves it.

The monitoring source is a person with a `monitoring` token: a system account of a partner (its
own systems: the tickets are the partner's) or of the provider (Zynstra's Monitoring Console:
the alert's account label names the end-customer account, and so the partner). Alerts map to
tickets per organisation, so one tenant's source never reaches another's tickets. The same alert
state delivered twice (fingerprint, startsAt, status) changes nothing: `MonitoringDelivery` is
unique. A delivery is written whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from tierdesk import profiles
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append
from tierdesk.actions.tickets import open_ticket
from tierdesk.domain import monitoring as alerts
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of
from tierdesk.domain.profiles import MonitoringRules, Profile
from tierdesk.domain.words import N_
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import (
    MonitoringAlert,
    MonitoringDelivery,
    Organisation,
    Ticket,
    User,
)


@dataclass
class Outcome:
    """What a delivery did, alert by alert: `opened`, `added`, `resolved`, `recorded`
    (resolved, ticket left as it is), `unknown` (resolved, no open ticket) or `duplicate`."""

    results: list[tuple[str, str, str | None]] = field(default_factory=list)  # fp, what, number

    def count(self, what: str) -> int:
        return sum(1 for _, w, _ in self.results if w == what)


def rules_of(profile: Profile) -> MonitoringRules:
    if profile.monitoring is None or "monitoring" not in profile.channels:
        raise NotFound(N_("this desk takes no monitoring alerts (its profile has no [monitoring])"))
    return profile.monitoring


def _source_party(source: User) -> Party:
    if not source.is_active or not source.role:
        raise Forbidden(N_("this account may not open tickets"))
    party = party_of(Role(source.role))
    if party not in (Party.PROVIDER, Party.REQUESTER) or source.organisation is None:
        raise Forbidden(N_("a monitoring source belongs to the provider or to a partner"))
    return party


def _accounts(
    rules: MonitoringRules, delivery: alerts.Delivery, source: User, party: Party
) -> dict[str, tuple[Organisation, Organisation | None]]:
    """Each alert's organisation and end-customer account, checked before anything is written:
    a partner's source names only its own accounts; the provider's must name one."""
    names = {a.account(rules) for a in delivery.alerts} - {""}
    found: dict[str, Organisation] = {}
    if names:
        query = Organisation.objects.filter(
            Q(slug__in=names) | Q(external_ref__in=names),
            kind=OrganisationKind.CUSTOMER,
            is_active=True,
        ).select_related("parent")
        if party is Party.REQUESTER:
            query = query.filter(parent_id=source.organisation_id)
        for row in query:
            for name in (row.slug, row.external_ref):
                if name in names:
                    found.setdefault(name, row)
    out: dict[str, tuple[Organisation, Organisation | None]] = {}
    fields: dict[str, str] = {}
    for i, alert in enumerate(delivery.alerts):
        name = alert.account(rules)
        where = f"alerts.{i}.labels.{rules.account_label}"
        account = found.get(name)
        if name and account is None:
            fields[where] = N_("names no end-customer account of this monitoring source")
        elif party is Party.REQUESTER:
            assert source.organisation is not None
            out[alert.delivery] = (source.organisation, account)
        elif account is None:
            fields[where] = N_(
                "is required: the provider's monitoring names the end-customer account "
                "(its slug or reference)"
            )
        else:
            assert account.parent is not None
            if not account.parent.is_active:
                fields[where] = N_("names an account of a deactivated partner")
            out[alert.delivery] = (account.parent, account)
    if fields:
        raise Invalid(
            N_("the alerts name accounts this source may not raise tickets for"), fields=fields
        )
    return out


def receive(
    *, source: User, delivery: alerts.Delivery, now: datetime, profile: Profile | None = None
) -> Outcome:
    """Record one Alertmanager delivery; see the module's docstring."""
    profile = profile or profiles.active()
    rules = rules_of(profile)
    party = _source_party(source)
    where = _accounts(rules, delivery, source, party)
    outcome = Outcome()
    with transaction.atomic():
        # One delivery at a time per organisation: the mapping and the delivery keys are read
        # and written under this lock.
        orgs = sorted({org.pk for org, _ in where.values()})
        list(Organisation.objects.select_for_update().filter(pk__in=orgs).order_by("pk"))
        for alert in delivery.alerts:
            org, account = where[alert.delivery]
            if MonitoringDelivery.objects.filter(organisation=org, key=alert.delivery).exists():
                outcome.results.append((alert.fingerprint, "duplicate", None))
                continue
            ticket, what = _record(
                profile, rules, delivery, alert, source, party, org, account, now
            )
            MonitoringDelivery.objects.create(
                organisation=org, key=alert.delivery, ticket=ticket, received_at=now
            )
            outcome.results.append((alert.fingerprint, what, ticket.number if ticket else None))
    return outcome


def _open_for(org: Organisation, key: str) -> Ticket | None:
    row = (
        MonitoringAlert.objects.filter(organisation=org, key=key, ticket__is_open=True)
        .order_by("-id")
        .values_list("ticket_id", flat=True)
        .first()
    )
    if row is None:
        return None
    return Ticket.objects.select_for_update().get(pk=row)


def _record(
    profile: Profile,
    rules: MonitoringRules,
    delivery: alerts.Delivery,
    alert: alerts.Alert,
    source: User,
    party: Party,
    org: Organisation,
    account: Organisation | None,
    now: datetime,
) -> tuple[Ticket | None, str]:
    ticket = _open_for(org, alert.key)
    event = alerts.change(alert, group_key=delivery.group_key)
    if alert.status == alerts.FIRING:
        if ticket is None:
            ticket = open_ticket(
                actor=source,
                now=now,
                subject=alerts.subject(alert),
                description=alerts.description(alert),
                channel="monitoring",
                severity=alerts.severity(profile, rules, alert),
                language=profile.languages.standard,
                organisation=org if party is Party.PROVIDER else None,
                customer_account=account,
                profile=profile,
            )
            MonitoringAlert.objects.create(
                organisation=org, key=alert.key, ticket=ticket, opened_at=now
            )
            append(ticket, event, actor=source, now=now)
            return ticket, "opened"
        record_due(ticket, now)
        append(ticket, event, actor=source, now=now)
        return ticket, "added"
    if ticket is None:
        return None, "unknown"  # resolved before this desk saw it fire, or already resolved
    record_due(ticket, now)
    append(ticket, event, actor=source, now=now)
    # A group's ticket is resolved once the whole group is (the delivery's own status).
    whole = rules.group_by != "group" or delivery.status == alerts.RESOLVED
    resolution = alerts.resolution(profile, state_of(ticket)) if whole else None
    if rules.resolve_on_resolved and resolution is not None:
        append(ticket, resolution, actor=None, now=now)
        return ticket, "resolved"
    return ticket, "recorded"
