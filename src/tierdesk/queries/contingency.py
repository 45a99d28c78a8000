"""The contingency routes offered for a ticket now (CloudCTI 4, LuxCloud 2.8): the facts the
rules in `domain/contingency.py` look at, gathered for one ticket, and the reasons in words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from tierdesk import profiles
from tierdesk.domain.contingency import RouteInForce, Situation, routes_in_force
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Ticket


def _accounts_by_severity(ticket: Ticket, severities: set[str]) -> dict[str, frozenset[int]]:
    """The partner's end-customer accounts with an open ticket, per severity asked about."""
    found: dict[str, set[int]] = defaultdict(set)
    rows = Ticket.objects.filter(
        organisation_id=ticket.organisation_id,
        is_open=True,
        customer_account__isnull=False,
        severity__in=severities,
    ).values_list("severity", "customer_account_id")
    for severity, account in rows.distinct():
        found[severity].add(account)
    return {k: frozenset(v) for k, v in found.items()}


def _reason(code: str, profile: Profile) -> str:
    what, _sep, value = code.partition(":")
    if what == "outside":
        return _("outside the opening hours")
    if what == "accounts":
        return _("%(count)s of your end customers are affected") % {"count": value}
    if what == "expired":
        return _("the %(target)s target has passed") % {"target": _(value.replace("_", " "))}
    if what == "severity":
        spec = profile.severities.get(value)
        return _("severity %(severity)s") % {"severity": spec.label if spec else value}
    return code


def routes(ticket: Ticket, sla: Iterable[Mapping[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The routes in force for this ticket, given its clocks as read now (`queries.sla`)."""
    profile = profiles.for_ticket(ticket.profile)
    if not profile.contingency or not ticket.is_open:
        return []
    asked = {
        s
        for route in profile.contingency.values()
        for c in route.conditions
        if c.accounts_at_least
        for s in (c.severities or tuple(profile.severities))
    }
    situation = Situation(
        severity=ticket.severity,
        is_open=ticket.is_open,
        expired=frozenset(
            str(t["kind"]) for t in sla if t["state"] == "breached" and t.get("met_at") is None
        ),
        accounts_by_severity=_accounts_by_severity(ticket, asked) if asked else {},
    )
    found: list[RouteInForce] = routes_in_force(
        profile.contingency, situation, now, profile.calendars
    )
    return [
        {
            "key": f.route.key,
            "label": f.route.label,
            "contact": f.route.contact,
            "note": f.route.note,
            "because": list(f.because),
            "reasons": [_reason(code, profile) for code in f.because],
        }
        for f in found
    ]
