"""The agent's queue page and the ticket page with 1,000,000 tickets in PostgreSQL.

Loads a fresh database (`tierdesk_desk_bench`) with the demo data and, generated in the database,
1,000,000 tickets over the last year (5 % still open, spread over the four levels, some overdue,
each with its next deadline and two target rows). One more ticket is written through the actions
with a realistic record (40 events: replies, notes, status changes, a hand-over) for the ticket
page. Then renders, as the L1 agent and in this process through Django's test client (the whole
request: middleware, session, queries, templates), `/desk/` (the L1 queue: counts per level,
the 50 most urgent open tickets with their countdowns) and `/tickets/<number>/` (timeline, SLA
panel replayed from the record, action forms), 200 times each after 10 warm-up requests, and
prints p50 and p95.

    .venv/bin/python benchmarks/desk_pages.py [--tickets 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, machine

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)

TICKETS = """
INSERT INTO tierdesk_ticket (number, profile, profile_version, subject, description, form,
    severity, status, queue, level, language, channel, organisation_id, requester_id, opened_at,
    updated_at, event_count, last_hash, next_deadline, supplier, overdue, is_open)
SELECT 'PB-' || lpad(g::text, 7, '0'), 'demo', '1.0',
    'Benchmark ticket ' || g, '', '{}',
    CASE WHEN g %% 10 = 0 THEN 'high' WHEN g %% 10 < 7 THEN 'normal' ELSE 'low' END,
    CASE WHEN g %% 20 = 0 THEN (ARRAY['new', 'open', 'pending', 'on_hold'])[1 + (g / 20) %% 4]
         ELSE 'closed' END,
    'technical', (ARRAY['l1', 'l2', 'l3', 'noc'])[1 + (g / 7) %% 4], 'en', 'portal', %(org)s, %(user)s,
    %(now)s::timestamptz - (g %% 525600) * interval '1 minute',
    %(now)s::timestamptz - (g %% 525600) * interval '1 minute' + interval '1 hour', 3, repeat('0', 64),
    CASE WHEN g %% 20 = 0 THEN %(now)s::timestamptz + ((g %% 5000) - 500) * interval '1 minute' END,
    '', g %% 20 = 0 AND g %% 5000 < 500, g %% 20 = 0
FROM generate_series(0, %(n)s - 1) AS g
"""
TARGETS = """
INSERT INTO tierdesk_tickettarget (ticket_id, target, kind, calendar, state, limit_seconds,
    used_seconds, started_at, due, met_at, breached_at, stopped_at, severity, opened_at)
SELECT t.id, x.target, x.kind, 'desk',
    CASE WHEN t.status = 'closed' THEN 'met' WHEN t.overdue THEN 'breached' ELSE 'running' END,
    x.limit_s, x.limit_s * 0.5, t.opened_at, t.next_deadline + x.extra * interval '1 hour',
    CASE WHEN t.status = 'closed' THEN t.updated_at END,
    CASE WHEN t.overdue THEN t.next_deadline END,
    CASE WHEN t.status = 'closed' THEN t.updated_at END, t.severity, t.opened_at
FROM tierdesk_ticket t
CROSS JOIN (VALUES ('first_response', 'response', 3600, 0), ('resolution', 'resolution', 32400, 8))
    AS x(target, kind, limit_s, extra)
WHERE t.number LIKE 'PB-%%'
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_desk_bench"
    )
    args = parser.parse_args()

    demo_database(
        args.database_url, "desk-bench", TIERDESK_PROFILE="demo", DJANGO_ALLOW_ASYNC_UNSAFE="true"
    )

    t0 = time.perf_counter()
    with psycopg.connect(args.database_url) as conn:
        org, user = conn.execute(
            "SELECT o.id, u.id FROM tierdesk_organisation o JOIN tierdesk_user u "
            "ON u.organisation_id = o.id WHERE o.slug = 'northwind' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        conn.execute(TICKETS, {"org": org, "user": user, "n": args.tickets, "now": NOW})
        conn.execute(TARGETS, {})
        conn.commit()
        conn.autocommit = True
        for table in ("ticket", "tickettarget"):
            conn.execute(f"VACUUM ANALYZE tierdesk_{table}")  # type: ignore[arg-type]
        counts = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'closed'), "
            "count(*) FILTER (WHERE status <> 'closed' AND level = 'l1') FROM tierdesk_ticket"
        ).fetchone()  # type: ignore[assignment]
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    load_seconds = time.perf_counter() - t0

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from django.test import Client

    from tierdesk import clock
    from tierdesk.actions import process
    from tierdesk.actions import tickets as act
    from tierdesk.persistence.models import User

    fixed = clock.FixedClock(NOW - timedelta(hours=3))
    clock.install(fixed)
    agent = User.objects.get(username="agent.l1")
    partner = User.objects.get(username="north.user")
    form = {"account": "ACME-1", "subscription": "SUB-1", "user_details": "a@b.c",
            "situation": "Open the panel", "error": "502", "performed_actions": "Retried"}  # fmt: skip
    ticket = act.open_ticket(actor=partner, now=fixed.now(), subject="Mail delayed for all users",
                             description="Since this morning", channel="portal", severity="high", form=form)  # fmt: skip
    for i in range(12):
        fixed.advance(timedelta(minutes=5))
        act.add_reply(
            actor=agent,
            number=ticket.number,
            body=f"Update {i}: still investigating.",
            now=fixed.now(),
        )
        fixed.advance(timedelta(minutes=3))
        act.add_note(
            actor=agent, number=ticket.number, body=f"Internal: checked relay {i}.", now=fixed.now()
        )
        fixed.advance(timedelta(minutes=2))
        act.add_reply(
            actor=partner, number=ticket.number, body=f"Still broken ({i}).", now=fixed.now()
        )
    process.ask(
        actor=agent,
        number=ticket.number,
        body="Does it work now?",
        confirmation=True,
        now=fixed.now(),
    )
    fixed.at = NOW
    events = ticket.events.count()

    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    results = {}
    for name, path in (
        ("queue page `/desk/` (L1)", "/desk/"),
        (f"ticket page ({events} events)", f"/tickets/{ticket.number}/"),
    ):
        for _ in range(10):
            warm = client.get(path)
            assert warm.status_code == 200, (path, warm.status_code, warm.content[:300])
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results[name] = timings
    page = client.get("/desk/").content.decode()
    assert "PB-" in page, "the queue shows the generated tickets"

    print(machine(f"PostgreSQL {version}"))
    print(
        f"workload: {counts[0]:,} tickets ({counts[1]:,} open, {counts[2]:,} open at L1), "
        f"{counts[0] * 2:,} target rows (generated in {load_seconds:.0f} s); {args.requests} requests per page"
    )
    print("| page | p50 | p95 | aim (p95) |")
    print("|---|---:|---:|---:|")
    for name, timings in results.items():
        print(
            f"| {name} | {statistics.median(timings):.1f} ms | {percentile(timings, 0.95):.1f} ms | 150 ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
