"""The agent desk: queues in deadline order with countdowns, views, phone calls, collisions,
and the ticket page's agent actions."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import FORM, T0, Desk
from tests.web.test_ticket_page import logged_in
from tierdesk import clock
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Event, SavedView, Ticket


def _numbers_in_order(page: str) -> list[str]:
    return re.findall(r'data-href="/tickets/([A-Z]+-\d+)/"', page)


def test_queue_puts_overdue_first_then_next_deadline(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    low = desk.open(subject="Invoice question", severity="low")
    high = desk.open(subject="Mail down", severity="high")
    normal = desk.open(subject="Quota", severity="normal")
    fixed_clock.advance(timedelta(minutes=70))  # the high ticket's 1-hour response is missed
    sweep(clock.now())
    page = logged_in(desk.l1).get("/desk/").content.decode()
    assert _numbers_in_order(page) == [high.number, normal.number, low.number]
    assert "⚠ Overdue" in page and "First response overdue by 10 min" in page
    assert re.search(
        r"First response due in \d+ h \d+ min", page
    )  # countdown in words, not colour alone
    assert 'Support Level 1 <span class="count">3 open</span>' in page
    assert "1 overdue" in page
    # An agent of another level reads every ticket of the provider by default (the profile may
    # narrow it per level); a partner has no desk.
    other = _numbers_in_order(logged_in(desk.l2).get("/desk/?level=l1").content.decode())
    assert other == [high.number, normal.number, low.number]
    assert logged_in(desk.north_user).get("/desk/").status_code == 404


def test_filters_and_saved_views(desk: Desk) -> None:
    desk.open(subject="Mail down", severity="high")
    desk.open(subject="Quota", severity="normal")
    agent = logged_in(desk.l1)
    page = agent.get("/desk/", {"level": "l1", "severity": "high"}).content.decode()
    assert "Mail down" in page and "Quota" not in page
    agent.post("/desk/views", {"name": "High at L1", "query": "level=l1&severity=high"})
    assert SavedView.objects.get(user=desk.l1).query == "level=l1&severity=high"
    assert 'href="?level=l1&amp;severity=high">High at L1' in agent.get("/desk/").content.decode()
    assert "Quota" in agent.get("/desk/", {"level": "l1", "q": "quota"}).content.decode()


def test_phone_call_starts_the_clock_when_the_call_was_made(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    fixed_clock.advance(timedelta(minutes=20))
    agent = logged_in(desk.l1)
    # The call came in at T0 (10:00 Luxembourg); the agent logs it 20 minutes later.
    response = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "requester": desk.north_user.username, "called_at": "2026-03-10T10:00",
         "subject": "Phones dead in the shop", "severity": "high", "description": "Caller says no dial tone",
         **{f"form_{k}": v for k, v in FORM.items()}},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(subject="Phones dead in the shop")
    assert ticket.channel == "phone" and ticket.opened_at == T0
    assert ticket.description.startswith("Phone call at Tue 10 Mar 10:00.")
    assert ticket.requester == desk.north_user
    assert ticket.next_deadline is not None and ticket.next_deadline <= T0 + timedelta(hours=1)
    future = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "called_at": "2026-03-10T18:00", "subject": "x", "severity": "low", "description": "y",
         **{f"form_{k}": v for k, v in FORM.items()}},
    )  # fmt: skip
    assert future.status_code == 422 and "is in the future" in future.content.decode()


def test_collision_notice(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    ticket = desk.open()
    first, second = logged_in(desk.l1), logged_in(desk.manager)
    assert first.get(f"/tickets/{ticket.number}/presence").content.decode().strip() == ""
    seen = second.get(f"/tickets/{ticket.number}/presence", {"editing": "1"}).content.decode()
    assert "agent1 has it open" in seen
    notice = first.get(f"/tickets/{ticket.number}/presence").content.decode()
    assert "manager is writing on this ticket" in notice
    fixed_clock.advance(timedelta(minutes=5))  # the other page stopped polling
    assert "manager" not in first.get(f"/tickets/{ticket.number}/presence").content.decode()
    assert logged_in(desk.north_user).get(f"/tickets/{ticket.number}/presence").status_code == 404


def test_agent_actions_on_the_ticket_page(desk: Desk) -> None:
    ticket = desk.open(subject="Mail down")
    other = desk.open(subject="Mail down again")
    agent = logged_in(desk.l1)
    n = ticket.number
    assert (
        agent.post(
            f"/tickets/{n}/severity", {"severity-severity": "high", "severity-reason": "all users"}
        ).status_code
        == 302
    )
    assert (
        agent.post(f"/tickets/{n}/assign", {"assign-assignee": str(desk.l1.pk)}).status_code == 302
    )
    assert (
        agent.post(
            f"/tickets/{other.number}/link", {"link-target": n, "link-kind": "duplicate_of"}
        ).status_code
        == 302
    )
    assert agent.post(f"/tickets/{n}/ask", {"ask-body": "Which mailbox?"}).status_code == 302
    hold = agent.post(
        f"/tickets/{n}/hold",
        {
            "hold-supplier": desk.supplier.slug,
            "hold-reference": "VEN-77",
            "hold-note": "Provisioning fails in the vendor module.",
        },
    )
    assert hold.status_code == 302
    rejected = agent.post(
        f"/tickets/{other.number}/reject", {"reject-reason": "duplicate", "reject-note": f"see {n}"}
    )
    assert rejected.status_code == 302
    kinds = list(Event.objects.filter(ticket__number=n).values_list("kind", flat=True))
    # The assignment is the desk's first piece of work: New -> Open comes first.
    assert kinds[1:4] == ["severity_changed", "status_changed", "assigned"]
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.assignee, ticket.supplier) == (
        "high",
        desk.l1,
        desk.supplier.slug,
    )
    assert Event.objects.filter(ticket=other, kind="rejected").exists()
    bad = agent.post(f"/tickets/{n}/severity", {"severity-severity": "nonsense"})
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()
    # Partners have none of these.
    assert (
        logged_in(desk.north_user)
        .post(f"/tickets/{n}/severity", {"severity-severity": "low"})
        .status_code
        == 404
    )


def test_partner_list_filters_and_search(desk: Desk) -> None:
    desk.open(subject="Mailbox quota", severity="high")
    desk.open(subject="Invoice", severity="low")
    desk.open(desk.contoso_user, subject="Contoso mailbox")
    partner = logged_in(desk.north_user)
    page = partner.get("/", {"q": "mailbox"}).content.decode()
    assert "Mailbox quota" in page and "Invoice" not in page and "Contoso" not in page
    assert "Invoice" in partner.get("/", {"severity": "low"}).content.decode()
    assert "Mailbox quota" not in partner.get("/", {"state": "closed"}).content.decode()


def test_the_interface_speaks_the_chosen_language(desk: Desk) -> None:
    agent = logged_in(desk.l1)
    german = agent.get("/desk/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert (
        "Wissensdatenbank" in german and "Anruf erfassen" in german and '<html lang="de">' in german
    )
    agent.post("/i18n/setlang/", {"language": "fr", "next": "/desk/"})
    assert "Base de connaissances" in agent.get("/desk/").content.decode()
    assert (
        "Kennisbank" in logged_in(desk.l2).get("/desk/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )


def test_a_voicemail_needs_only_company_caller_and_number(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    """LuxCloud 2.7: the message should contain company name, caller's name and phone number."""
    fixed_clock.advance(timedelta(hours=9))  # 19:00: left outside office hours, logged now
    agent = logged_in(desk.l1)
    response = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "called_at": "2026-03-10T18:40", "voicemail": "on",
         "severity": "normal", "voicemail_caller": "Jean Muller", "voicemail_phone": "+352 621 000 111"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(channel="phone")
    assert ticket.subject == "Voicemail from Jean Muller, +352 621 000 111"
    assert ticket.description.startswith("Voicemail left at Tue 10 Mar 18:40.")
    assert "To ask when calling back: Account, Subscription" in ticket.description
    created = Event.objects.get(ticket=ticket, seq=1).data
    assert created["voicemail"] == {"caller": "Jean Muller", "phone": "+352 621 000 111"}
    assert created["missing"][:2] == ["account", "subscription"]
    # Without the number there is nothing to call back: refused next to the field, input kept.
    missing = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "called_at": "2026-03-10T18:45", "voicemail": "on",
         "severity": "normal", "voicemail_caller": "Jean Muller"},
    )  # fmt: skip
    page = missing.content.decode()
    assert missing.status_code == 422 and "Phone number is required" in page
    assert 'value="Jean Muller"' in page
    # A call taken live still needs the ticket form.
    call = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "called_at": "2026-03-10T18:50", "severity": "normal",
         "subject": "Panel slow", "description": "Caller says the panel is slow"},
    )  # fmt: skip
    assert call.status_code == 422 and "Account is required" in call.content.decode()


def test_the_queue_tabs_count_only_what_the_agent_may_read(desk: Desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The counts come from `visible_tickets`, the one visibility rule: a level whose agents
    read only another level's tickets shows no count of its own tickets."""
    from dataclasses import replace

    from tierdesk import profiles
    from tierdesk.queries import desk as q

    desk.open(subject="Mail down", severity="high")
    Ticket.objects.update(level="l2")
    profile = profiles.active()
    narrowed = replace(
        profile,
        levels={**profile.levels, "l2": replace(profile.levels["l2"], reads=("l1",))},
    )
    monkeypatch.setattr(profiles, "active", lambda: narrowed)
    counts = {tab.key: tab.open for tab in q.tabs(desk.l2, narrowed)}
    assert counts["l2"] == 0
