"""Writing a demo desk through the actions: organisations and people, then every ticket story's
steps in the order they happened (so numbers follow the openings), then what the clock made
happen up to now (warnings, breaches, timed resolutions and closures), as the sweep records it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from tierdesk.actions import process
from tierdesk.actions import tickets as act
from tierdesk.actions.accounts import approve_domain
from tierdesk.actions.automatic import record_due
from tierdesk.actions.organisations import create_account, create_partner, edit_organisation
from tierdesk.actions.people import create_organisation, create_user
from tierdesk.actions.suppliers import create_supplier
from tierdesk.actions.users import create_person
from tierdesk.cli.demo.desk_file import PROVIDER, Desk, DeskFileError, Org, Person, Step, Story
from tierdesk.domain.errors import DomainError
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Organisation, Ticket, User

DEMO_PASSWORD = "tierdesk-demo"


@dataclass
class Written:
    organisations: dict[str, Organisation]
    people: dict[str, User]
    tickets: dict[str, Ticket]  # story key -> ticket, refreshed after the last step


def write_desk(desk: Desk, profile: Profile, now: datetime) -> Written:
    """Everything in one transaction: a file that fails half-way leaves the database as it was.

    The provider and its first administrator are created as `tierdesk createadmin` does; the
    administrator then sets up partners, accounts, suppliers with their terms, and people through
    the administration actions, so the change log shows who did what.
    """
    start = min((s.opened_at for s in desk.stories), default=now) - timedelta(days=30)
    first = next(p for p in desk.people if p.role is Role.ADMINISTRATOR)
    with transaction.atomic():
        try:
            orgs = {
                PROVIDER: create_organisation(
                    name=profile.provider_name, kind=OrganisationKind.PROVIDER, now=start
                )
            }
            people = {first.username: _first_administrator(first, orgs[PROVIDER], start)}
            admin = people[first.username]
            for org in desk.organisations:
                if org.slug != PROVIDER:
                    orgs[org.slug] = _organisation(org, orgs, admin, start)
            for p in desk.people:
                if p.username not in people:
                    people[p.username] = _person(p, orgs[p.org], admin, start)
        except DomainError as exc:
            raise DeskFileError(f"{desk.source.name}: setting up the desk: {_said(exc)}") from exc
        tickets = _play(desk, profile, orgs, people)
        # What fell due after the last step, recorded at its own instants, as the sweep does.
        for ticket in tickets.values():
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            record_due(locked, now)
        for key, ticket in tickets.items():
            tickets[key] = Ticket.objects.get(pk=ticket.pk)
    return Written(orgs, people, tickets)


def _first_administrator(p: Person, provider: Organisation, now: datetime) -> User:
    first, _, last = p.name.partition(" ")
    return create_user(
        username=p.username,
        email=p.email or f"{p.username}@example.com",
        organisation=provider,
        role=p.role,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        now=now,
    )


def _organisation(
    org: Org, orgs: dict[str, Organisation], admin: User, now: datetime
) -> Organisation:
    if org.kind is OrganisationKind.PARTNER:
        made = create_partner(actor=admin, name=org.name, slug=org.slug, now=now)
        for domain in org.domains:
            approve_domain(actor=admin, organisation=made, domain=domain, now=now)
        return made
    if org.kind is OrganisationKind.CUSTOMER:
        assert org.parent is not None
        account = create_account(
            actor=admin,
            partner=orgs[org.parent],
            name=org.name,
            slug=org.slug,
            external_ref=org.external_ref,
            now=now,
        )
        if org.authorised:
            account = edit_organisation(
                actor=admin,
                organisation=account,
                now=now,
                changes={"authorised_requesters": list(org.authorised)},
            ).obj
        return account
    return create_supplier(
        actor=admin, name=org.name, slug=org.slug, terms=org.terms or None, now=now
    )


def _person(p: Person, org: Organisation, admin: User, now: datetime) -> User:
    first, _, last = p.name.partition(" ")
    return create_person(
        actor=admin,
        organisation=org,
        username=p.username,
        role=p.role,
        email=p.email or f"{p.username}@example.com",
        first_name=first,
        last_name=last,
        levels=(*p.levels, *p.serves),
        password=DEMO_PASSWORD,
        now=now,
    )


def _said(exc: DomainError) -> str:
    return f"{exc}" + "".join(f"; {k}: {v}" for k, v in exc.fields.items())


def _play(
    desk: Desk, profile: Profile, orgs: dict[str, Organisation], people: dict[str, User]
) -> dict[str, Ticket]:
    tickets: dict[str, Ticket] = {}
    timeline: list[tuple[datetime, int, int, Story, Step | None]] = []
    for i, story in enumerate(desk.stories):
        timeline.append((story.opened_at, i, 0, story, None))
        timeline += [(s.at, i, n, story, s) for n, s in enumerate(story.steps, start=1)]
    timeline.sort(key=lambda item: (item[0], item[1], item[2]))
    for _, _, _, story, step in timeline:
        try:
            if step is None:
                tickets[story.key] = _open(story, orgs, people)
            else:
                _do(step, tickets[story.key].number, profile, orgs, people, tickets)
        except DomainError as exc:
            where = step.where if step is not None else f"ticket {story.key!r} opening"
            raise DeskFileError(f"{desk.source.name}: {where}: {_said(exc)}") from exc
    return tickets


def _open(story: Story, orgs: dict[str, Organisation], people: dict[str, User]) -> Ticket:
    return act.open_ticket(
        actor=people[story.by],
        now=story.opened_at,
        subject=story.subject,
        description=story.description,
        channel=story.channel,
        severity=story.severity,
        queue=story.queue,
        form=story.form or None,
        organisation=orgs[story.partner] if story.partner else None,
        requester=people[story.requester] if story.requester else None,
        customer_account=orgs[story.account] if story.account else None,
    )


def _on_hold(profile: Profile) -> str:
    found = next((k for k, s in profile.statuses.items() if s.category == "on_hold"), None)
    if found is None:
        raise DeskFileError(f"the profile {profile.name!r} has no on-hold status to hand off with")
    return found


def _do(
    step: Step,
    number: str,
    profile: Profile,
    orgs: dict[str, Organisation],
    people: dict[str, User],
    tickets: dict[str, Ticket],
) -> None:
    actor, now, a = people[step.by], step.at, step.args
    verbs: dict[str, Callable[[], object]] = {
        "reply": lambda: act.add_reply(actor=actor, number=number, body=a["body"], now=now),
        "note": lambda: act.add_note(actor=actor, number=number, body=a["body"], now=now),
        "status": lambda: act.change_status(
            actor=actor, number=number, to=a["to"], reason=a.get("reason", ""), now=now
        ),
        "hold": lambda: act.change_status(
            actor=actor,
            number=number,
            to=_on_hold(profile),
            reason=a.get("reason", ""),
            supplier=_supplier(orgs, a["supplier"]),
            supplier_ref=a.get("ref", ""),
            now=now,
        ),
        "level": lambda: act.change_level(
            actor=actor, number=number, to=a["to"], note=a["note"], now=now
        ),
        "assign": lambda: act.assign(
            actor=actor, number=number, assignee=people[a["to"]] if a["to"] else None, now=now
        ),
        "severity": lambda: act.change_severity(
            actor=actor, number=number, to=a["to"], reason=a.get("reason", ""), now=now
        ),
        "resolve": lambda: process.resolve(
            actor=actor, number=number, solution=a["solution"], now=now
        ),
        "confirm": lambda: process.confirm(actor=actor, number=number, now=now),
        "ask": lambda: process.ask(
            actor=actor, number=number, body=a["body"], confirmation=False, now=now
        ),
        "ask_confirmation": lambda: process.ask(
            actor=actor, number=number, body=a["body"], confirmation=True, now=now
        ),
        "reject": lambda: process.reject(
            actor=actor, number=number, reason=a["reason"], note=a.get("note", ""), now=now
        ),
        "escalate": lambda: process.escalate_management(
            actor=actor, number=number, reason=a.get("reason", ""), now=now
        ),
        "link": lambda: act.link(
            actor=actor,
            number=number,
            target=tickets[a["target"]].number,
            kind=a.get("kind", "related"),
            now=now,
        ),
    }
    verbs[step.verb]()


def _supplier(orgs: dict[str, Organisation], slug: str) -> Organisation:
    org = orgs.get(slug)
    if org is None or org.kind != OrganisationKind.SUPPLIER:
        raise DeskFileError(f"{slug!r} is not a supplier of the demo desk")
    return org
