"""Per supplier: the hand-offs made in a period, the supplier's response and resolution times in
its own business time, its targets met and missed, the chases sent; and the same hand-offs as
they would have gone on another supplier's terms (the what-if). The provider's figures: a
partner administrator's report has no supplier section (partners never see suppliers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tierdesk.domain import supplier_figures as figures
from tierdesk.domain.errors import Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of
from tierdesk.domain.profiles import Profile
from tierdesk.domain.support_terms import calendar_from_record, own_calendar
from tierdesk.domain.words import N_
from tierdesk.persistence.clocks import clock_events_of
from tierdesk.persistence.models import Event, Organisation, SupportTerms, User
from tierdesk.queries.reports import Period, scoped
from tierdesk.queries.supplier_calendar import own_calendar_spec


def _provider(actor: User | None) -> bool:
    return actor is None or (bool(actor.role) and party_of(Role(actor.role)) is Party.PROVIDER)


def _handed_tickets(actor: User | None, period: Period, supplier: str | None) -> list[int]:
    handed = scoped(actor, Event.objects.filter(kind=EventKind.STATUS_CHANGED), "ticket").filter(
        at__gte=period.start, at__lt=period.end
    )
    handed = handed.filter(data__supplier=supplier) if supplier else handed.exclude(
        data__supplier=None
    ).exclude(data__supplier="")  # fmt: skip
    return sorted(set(handed.values_list("ticket_id", flat=True)))


def _each(
    actor: User | None,
    period: Period,
    profile: Profile,
    now: datetime,
    *,
    supplier: str | None = None,
    instead: figures.Terms | None = None,
) -> list[figures.Handoff]:
    ids = _handed_tickets(actor, period, supplier)
    out = []
    for chunk in range(0, len(ids), 2000):
        records = clock_events_of(ids[chunk : chunk + 2000])
        for events in records.values():
            for h in figures.handoffs(profile, events, now, instead=instead):
                if period.start <= h.handed_at < period.end and h.supplier == (
                    supplier or h.supplier
                ):
                    out.append(h)
    return out


def suppliers(
    actor: User | None, period: Period, profile: Profile, now: datetime
) -> list[dict[str, Any]]:
    """One row per supplier handed to in the period."""
    if not _provider(actor):
        return []
    tallies: dict[str, figures.SupplierTally] = {}
    for h in _each(actor, period, profile, now):
        tallies.setdefault(h.supplier, figures.SupplierTally()).add(h)
    names = dict(Organisation.objects.filter(slug__in=tallies).values_list("slug", "name"))
    return [
        {"supplier": names.get(slug, slug), **tally.row()}
        for slug, tally in sorted(tallies.items(), key=lambda kv: names.get(kv[0], kv[0]))
    ]


def what_if_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The suppliers whose hand-offs the what-if replays (every supplier organisation) and
    those whose terms it measures them on (the suppliers with registered terms): (slug, name)."""
    handed = list(
        Organisation.objects.filter(kind=OrganisationKind.SUPPLIER)
        .order_by("name")
        .values_list("slug", "name")
    )
    registered = list(
        SupportTerms.objects.order_by("organisation__name").values_list(
            "organisation__slug", "organisation__name"
        )
    )
    return handed, registered


def terms_of(slug: str, on: date) -> figures.Terms:
    """A supplier's current terms, as the what-if measures another supplier's hand-offs on."""
    terms = SupportTerms.objects.filter(organisation__slug=slug).first()
    if terms is None:
        raise Invalid(
            N_("no such supplier terms"),
            fields={"as_if": N_("no support terms for %(slug)r", slug=slug)},
        )
    spec = own_calendar_spec(terms, on)
    calendar = calendar_from_record(f"supplier:{slug}", spec) if spec else None
    if calendar is None:
        calendar = own_calendar(f"supplier:{slug}", "UTC", "24x7", frozenset())
    return figures.Terms(terms.response_target, terms.ola_target, calendar)


def what_if(
    actor: User | None,
    period: Period,
    profile: Profile,
    now: datetime,
    *,
    supplier: str,
    as_if: str,
) -> list[dict[str, Any]]:
    """The period's hand-offs to `supplier` as they went, and as they would have gone on the
    terms `as_if` (another supplier) registers now."""
    if not _provider(actor):
        return []
    if not Organisation.objects.filter(slug=supplier, kind=OrganisationKind.SUPPLIER).exists():
        raise Invalid(
            N_("no such supplier"),
            fields={"supplier": N_("no supplier %(slug)r", slug=supplier[:80])},
        )
    instead = terms_of(as_if, period.start.date())
    rows = []
    for label, measured in (
        ("as recorded", _each(actor, period, profile, now, supplier=supplier)),
        (f"on {as_if}'s terms", _each(actor, period, profile, now, supplier=supplier,
                                      instead=instead)),
    ):  # fmt: skip
        tally = figures.SupplierTally()
        for h in measured:
            tally.add(h)
        rows.append({"supplier": supplier, "terms": label, **tally.row()})
    return rows
