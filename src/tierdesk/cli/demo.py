"""The demo desk: a provider, two partners with end-customer accounts, agents at every level, a
manager, a supplier, and tickets in every status, all written through the actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from tierdesk import clock, profiles
from tierdesk.actions import tickets as act
from tierdesk.actions.people import create_organisation, create_user
from tierdesk.domain.parties import OrganisationKind as Kind
from tierdesk.domain.parties import Role
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Organisation, Ticket, User

DEMO_PASSWORD = "tierdesk-demo"

FORM = {
    "account": "ACME-0042",
    "subscription": "SUB-118822",
    "user_details": "admin@acme.example.com",
    "situation": "1. Log in to the control panel\n2. Open the mailbox list",
    "error": "HTTP 502 Bad Gateway",
    "performed_actions": "Cleared the browser cache, tried a second browser and another network",
}


def load_demo() -> int:
    if Organisation.objects.exists() or User.objects.exists():
        print("the database already holds data; the demo was not loaded and nothing was changed")
        return 0
    profile = profiles.active()
    now = clock.now()
    start = now - timedelta(days=6)
    with transaction.atomic():
        provider = create_organisation(name=profile.provider_name, kind=Kind.PROVIDER, now=start)
        north = create_organisation(
            name="Northwind Hosting", kind=Kind.PARTNER, now=start, slug="northwind"
        )
        contoso = create_organisation(
            name="Contoso Telecom", kind=Kind.PARTNER, now=start, slug="contoso"
        )
        acme = create_organisation(
            name="Acme Bakery",
            kind=Kind.CUSTOMER,
            parent=north,
            now=start,
            slug="acme-bakery",
            external_ref="ACME-0042",
        )
        create_organisation(
            name="Globex Legal", kind=Kind.CUSTOMER, parent=north, now=start, slug="globex-legal"
        )
        create_organisation(
            name="Initech Clinics",
            kind=Kind.CUSTOMER,
            parent=contoso,
            now=start,
            slug="initech-clinics",
        )
        supplier = create_organisation(
            name="Platform Vendor Ltd", kind=Kind.SUPPLIER, now=start, slug="platform-vendor"
        )

        def person(
            username: str, name: str, org: Organisation, role: Role, levels: tuple[str, ...] = ()
        ) -> User:
            first, _, last = name.partition(" ")
            return create_user(
                username=username,
                email=f"{username}@example.com",
                organisation=org,
                role=role,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                levels=levels,
                now=start,
                check_password=False,
            )

        logins = [
            person("admin", "Ada Admin", provider, Role.ADMINISTRATOR),
            person("manager", "Morgan Manager", provider, Role.MANAGER),
        ]
        level_agents = {}
        for key in profile.levels:
            if profile.levels[key].staffed_by is Kind.PROVIDER:
                level_agents[key] = person(
                    f"agent.{key}", f"Agent {key.upper()}", provider, Role.AGENT, (key,)
                )
                logins.append(level_agents[key])
        l1 = level_agents.get(profile.initial_level) or logins[0]
        l2 = level_agents.get("l2", l1)
        north_admin = person("north.admin", "Nora Northwind", north, Role.PARTNER_ADMIN)
        north_user = person("north.user", "Ned Northwind", north, Role.PARTNER_USER)
        contoso_admin = person("contoso.admin", "Carla Contoso", contoso, Role.PARTNER_ADMIN)
        person("contoso.user", "Carl Contoso", contoso, Role.PARTNER_USER)
        vendor = person("vendor.support", "Val Vendor", supplier, Role.SUPPLIER_CONTACT)
        logins += [north_admin, north_user, contoso_admin, vendor]

        # The tickets' stories fit in the last eight hours, so the clocks show every state at
        # first start: some targets met, some breached, timers (no reply, closing) still ahead.
        t = now - timedelta(hours=8, minutes=5)

        def at(step: float) -> timedelta:
            return timedelta(hours=step * 0.08)

        statuses = {s.category: s.key for s in profile.statuses.values()}

        def ticket(
            subject: str,
            who: User,
            severity: str,
            when: timedelta,
            *,
            queue: str | None = None,
            customer_account: Organisation | None = None,
        ) -> Ticket:
            return act.open_ticket(
                actor=who,
                now=t + when,
                subject=subject,
                channel="portal",
                severity=severity,
                form=FORM,
                description="Opened from the demo data.",
                queue=queue,
                customer_account=customer_account,
            )

        ticket(
            "New SSL certificate is not served on www",
            north_user,
            "normal",
            at(100),
            customer_account=acme,
        )

        opened = ticket("Control panel login fails for all users", north_admin, "high", at(2))
        act.change_status(actor=l1, number=opened.number, to=statuses["open"], now=t + at(2.2))
        act.assign(actor=l1, number=opened.number, assignee=l1, now=t + at(2.3))
        act.add_reply(
            actor=l1, number=opened.number, body="We are looking into it now.", now=t + at(2.4)
        )

        pending = ticket("Mailbox quota not applied after upgrade", north_user, "normal", at(20))
        act.change_status(actor=l1, number=pending.number, to=statuses["open"], now=t + at(21))
        act.add_reply(
            actor=l1,
            number=pending.number,
            now=t + at(21.5),
            body="Which plan was the subscription upgraded from, and when?",
        )
        act.change_status(actor=l1, number=pending.number, to=statuses["waiting"], now=t + at(21.6))

        hold = ticket("Provisioning of backup add-on fails", contoso_admin, "normal", at(30))
        act.change_status(actor=l1, number=hold.number, to=statuses["open"], now=t + at(30.5))
        act.change_level(
            actor=l1,
            number=hold.number,
            to="l2",
            now=t + at(31),
            note="Reproduced; the provisioning task fails in the vendor module. Logs attached.",
        )
        act.add_note(
            actor=l2, number=hold.number, body="Raised with the platform vendor.", now=t + at(33)
        )
        act.change_status(
            actor=l2,
            number=hold.number,
            to=statuses["on_hold"],
            now=t + at(33.1),
            reason="waiting on the platform vendor",
        )

        resolved = ticket(
            "Question about the invoice for October",
            contoso_admin,
            "low",
            at(40),
            queue="business" if "business" in profile.queues else None,
        )
        act.change_status(actor=l1, number=resolved.number, to=statuses["open"], now=t + at(41))
        act.add_reply(
            actor=l1,
            number=resolved.number,
            now=t + at(41.5),
            body="The October invoice includes the pro-rata upgrade; details are attached to your account.",
        )
        act.change_status(
            actor=l1,
            number=resolved.number,
            to=statuses["resolved"],
            now=t + at(41.6),
            reason="solution_provided",
        )

        closed = ticket("Password reset for the reseller portal", north_user, "low", at(4))
        act.change_status(actor=l1, number=closed.number, to=statuses["open"], now=t + at(5))
        act.add_reply(
            actor=l1, number=closed.number, body="A reset link has been sent.", now=t + at(5.2)
        )
        act.change_status(
            actor=l1,
            number=closed.number,
            to=statuses["resolved"],
            now=t + at(5.3),
            reason="solution_provided",
        )
        act.change_status(actor=l1, number=closed.number, to=statuses["closed"], now=t + at(60))
        act.link(
            actor=l1, number=pending.number, target=opened.number, kind="related", now=t + at(22)
        )
        _ = l2
        _knowledge_and_status(l1, profile, now)

    print(f"demo loaded: {profile.provider_name} ({profile.name} profile), 2 partners, 6 tickets")
    print(f"log in at http://127.0.0.1:8000/ with password {DEMO_PASSWORD!r} as:")
    for user in logins:
        levels = ", ".join(user.level_keys())
        print(
            f"  {user.username:<16} {user.get_role_display()}{' (' + levels + ')' if levels else ''}"
            f" · {user.organisation.name if user.organisation else ''}"
        )
    return 0


ARTICLES = [
    (
        "mail",
        "Mailbox quota exceeded",
        "When a mailbox is full, new mail is refused with *552 quota exceeded*.\n\n"
        "1. Open the control panel and choose **Mailboxes**.\n"
        "2. Raise the quota or archive old mail.\n\n"
        "The change takes effect within five minutes.",
        "public",
    ),
    (
        "mail",
        "Autodiscover fails for a new domain",
        "Outlook finds the server through an `autodiscover` CNAME record. "
        "Add `autodiscover.<domain>` pointing at the hosting platform and wait for DNS.",
        "partners",
    ),
    (
        "accounts",
        "Resetting a reseller portal password",
        "Use *Forgot password* on the login page; the link is valid for one hour.",
        "public",
    ),
    (
        "voice",
        "Calls are not recognised by the CTI client",
        "Check that the CTI client is signed in and that the PBX connector is running.",
        "partners",
    ),
]


def _knowledge_and_status(author: User, profile: Profile, now: datetime) -> None:
    """Articles in two categories, the profile's services, an incident and planned maintenance."""
    from tierdesk.actions import kb, status

    for slug, name in (("mail", "Mail"), ("accounts", "Accounts"), ("voice", "Voice")):
        kb.save_category(actor=author, slug=slug, name=name)
    for category, title, body, visibility in ARTICLES:
        article = kb.write_article(
            actor=author, title=title, body=body, category=category, visibility=visibility, now=now
        )
        kb.publish(actor=author, slug=article.slug, now=now)
    status.sync_services(profile, now)
    services = list(profile.status_page.services) if profile.status_page else []
    if services:
        status.open_incident(
            actor=author,
            title="Delayed delivery of outbound mail",
            services=services[:1],
            impact="degraded",
            message="Outbound queues are growing; we are investigating.",
            now=now,
        )
        start = (now + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0)
        status.plan_maintenance(
            actor=author,
            title="Storage firmware upgrade",
            services=services[-1:],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            description="Short interruptions of a few seconds are possible.",
            now=now,
            profile=profile,
        )
