"""`tierdesk demo`: the active profile's demo desk (desks/<profile>.toml) written into an empty
database through the actions, and a summary of the logins and what each ticket shows."""

from __future__ import annotations

import sys

from django.db import transaction

from tierdesk import clock, profiles
from tierdesk.cli.demo.desk_file import Desk, DeskFileError, read
from tierdesk.cli.demo.knowledge import write_knowledge
from tierdesk.cli.demo.replies import write_canned_replies
from tierdesk.cli.demo.story import DEMO_PASSWORD, Written, write_desk
from tierdesk.domain.errors import DomainError
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Organisation, User

__all__ = ["DEMO_PASSWORD", "load_demo"]


def load_demo(*, port: int = 8000) -> int:
    if Organisation.objects.exists() or User.objects.exists():
        print("the database already holds data; the demo was not loaded and nothing was changed")
        return 0
    profile = profiles.active()
    now = clock.now()
    try:
        desk = read(profile, now)
        with transaction.atomic():
            written = write_desk(desk, profile, now)
            author = next(
                (u for u in written.people.values() if u.role == Role.ADMINISTRATOR), None
            )
            if author is None:
                raise DeskFileError(f"{desk.source.name}: the desk needs an administrator")
            try:
                write_knowledge(desk, author, profile, written.tickets, now)
            except DomainError as exc:
                raise DeskFileError(
                    f"{desk.source.name}: knowledge base or status page: {exc}"
                ) from exc
            try:
                write_canned_replies(desk, written.people, now)
            except DomainError as exc:
                raise DeskFileError(
                    f"{desk.source.name}: canned replies: {exc} {exc.fields}"
                ) from exc
    except DeskFileError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 1
    _summary(desk, written, profile, port)
    return 0


def _summary(desk: Desk, written: Written, profile: Profile, port: int) -> None:
    partners = [o for o in desk.organisations if o.kind is OrganisationKind.PARTNER]
    accounts = [o for o in desk.organisations if o.kind is OrganisationKind.CUSTOMER]
    suppliers = [o for o in desk.organisations if o.kind is OrganisationKind.SUPPLIER]
    print(
        f"demo loaded: {profile.provider_name} ({profile.name} profile): "
        f"{_count(len(partners), 'partner')} with "
        f"{_count(len(accounts), 'end-customer account')}, "
        + (f"{_count(len(suppliers), 'supplier')}, " if suppliers else "")
        + f"{_count(len(written.tickets), 'ticket')}"
    )
    print(f"log in at http://127.0.0.1:{port}/ with password {DEMO_PASSWORD!r} as:")
    for org in desk.organisations:
        people = [p for p in desk.people if p.org == org.slug]
        if not people:
            continue
        served = [o.name for o in desk.organisations if o.parent == org.slug]
        print(
            f"  {org.name} ({_kind_label(org.kind)}"
            + (f"; end customers: {', '.join(served)}" if served else "")
            + ")"
        )
        for p in people:
            user = written.people[p.username]
            levels = [profile.levels[k].label for k in (*p.levels, *p.serves)]
            print(
                f"    {p.username:<18} {user.get_role_display()}"
                + (f": {', '.join(levels)}" if levels else "")
            )
    print("the tickets:")
    for story in sorted(desk.stories, key=lambda s: written.tickets[s.key].number):
        t = written.tickets[story.key]
        status = profile.statuses[t.status].label
        level = profile.levels[t.level].label if t.level in profile.levels else t.level
        print(f"  {t.number}  {status} · {profile.severities[t.severity].label} · {level}")
        print(f"      {t.subject}")
        if story.shows:
            print(f"      shows: {story.shows}")


def _kind_label(kind: OrganisationKind) -> str:
    return {
        OrganisationKind.PROVIDER: "provider",
        OrganisationKind.PARTNER: "partner",
        OrganisationKind.SUPPLIER: "supplier",
        OrganisationKind.CUSTOMER: "end customer",
    }[kind]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
