"""The sweep on PostgreSQL with 1,000,000 open tickets: with nothing due, and with 1,000 due.

Loads a fresh database (`tierdesk_sweep_bench`) with the demo profile's organisations and
1,000,000 open tickets (each with its `created` event) by COPY; their next deadlines lie after
the sweep's instant. Then times `sweep(now)` with nothing due (median of 50 runs), and with 1,000
tickets whose first-response warnings and breach fell due (3,000 outcomes recorded through the
actions, each in its ticket's transaction).

    .venv/bin/python benchmarks/sweep.py [--tickets 1000000] [--due 1000]
"""

from __future__ import annotations

import argparse
import io
import json
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
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # Tuesday 12:00 in Luxembourg, inside business hours


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_sweep_bench"
    )
    args = parser.parse_args()

    demo_database(args.database_url, "sweep-bench")

    opened = NOW - timedelta(
        hours=2
    )  # 10:00 Luxembourg: a high ticket's first response fell due at 11:00
    created = {
        "subject": "Benchmark ticket",
        "description": "",
        "form": {},
        "status": "new",
        "queue": "technical",
        "level": "l1",
        "language": "en",
        "channel": "api",
        "organisation": "northwind",
        "requester": None,
        "customer_account": None,
    }
    t0 = time.perf_counter()
    with psycopg.connect(args.database_url) as conn:
        org, user = conn.execute(
            "SELECT o.id, u.id FROM tierdesk_organisation o JOIN tierdesk_user u "
            "ON u.organisation_id = o.id WHERE o.slug = 'northwind' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tierdesk_ticket").fetchone()[
            0
        ]  # type: ignore[index]
        tickets, events = io.StringIO(), io.StringIO()
        # One more ticket than asked: due before the others, so the warm-up sweep loads everything.
        for n in range(args.tickets + 1):
            warm_up = n == args.tickets
            due = n < args.due or warm_up
            severity = "high" if due else "low"
            deadline = (
                NOW - timedelta(minutes=15) if due else NOW + timedelta(hours=1, seconds=n % 86_400)
            )
            if warm_up:
                deadline = NOW - timedelta(hours=1, minutes=15)
            tid = first_id + n
            tickets.write(
                "\t".join(
                    [
                        str(tid),
                        f"BM-{n:07d}",
                        "demo",
                        "1.0",
                        "Benchmark ticket",
                        "",
                        "{}",
                        severity,
                        "new",
                        "technical",
                        "l1",
                        "en",
                        "api",
                        r"\N",
                        str(org),
                        str(user),
                        r"\N",
                        opened.isoformat(),
                        opened.isoformat(),
                        "1",
                        "0" * 64,
                        deadline.isoformat(),
                    ]
                )
                + "\n"
            )
            data = json.dumps({**created, "severity": severity, "requester": user})
            events.write(
                "\t".join(
                    [
                        str(tid),
                        "1",
                        opened.isoformat(),
                        str(user),
                        "created",
                        "t",
                        data.replace("\\", "\\\\"),
                        "0" * 64,
                        f"{n:064d}",
                    ]
                )
                + "\n"
            )
        with conn.cursor() as cur:
            with cur.copy(
                "COPY tierdesk_ticket (id, number, profile, profile_version, subject, description, form, "
                "severity, status, queue, level, language, channel, assignee_id, organisation_id, "
                "requester_id, customer_account_id, opened_at, updated_at, event_count, last_hash, "
                "next_deadline) FROM STDIN"
            ) as copy:
                copy.write(tickets.getvalue())
            with cur.copy(
                "COPY tierdesk_event (ticket_id, seq, at, actor_id, kind, public, data, prev_hash, hash) "
                "FROM STDIN"
            ) as copy:
                copy.write(events.getvalue())
        conn.commit()
        conn.execute("ANALYZE tierdesk_ticket")
        conn.execute("ANALYZE tierdesk_event")
        conn.commit()
    load_seconds = time.perf_counter() - t0

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from django.db import connection

    from tierdesk.jobs.sweep import sweep
    from tierdesk.persistence.models import Event

    before_due = NOW - timedelta(hours=1)  # nothing is due yet at this instant
    warm = sweep(before_due)  # warm: connection, imports, profile, one ticket's outcomes
    assert (warm.tickets, warm.events) == (1, 3), warm
    idle = []
    for _ in range(50):
        start = time.perf_counter()
        result = sweep(before_due)
        idle.append(time.perf_counter() - start)
        assert result.tickets == 0
    profiler = None
    if os.environ.get("BENCH_PROFILE"):  # BENCH_PROFILE=1: where the time of the busy sweep goes
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    busy = sweep(NOW)
    busy_seconds = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    recorded = Event.objects.filter(kind__in=["sla_warning", "sla_breach"]).count() - warm.events
    again = sweep(NOW)
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN SELECT id FROM tierdesk_ticket WHERE next_deadline <= %s ORDER BY next_deadline "
            "LIMIT 50 FOR UPDATE SKIP LOCKED",
            [before_due],
        )
        plan = " / ".join(row[0].strip() for row in cur.fetchall())
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]

    print(machine(f"PostgreSQL {version}"))
    print(
        f"workload: {args.tickets:,} open tickets with their created events (loaded by COPY in {load_seconds:.0f} s)"
    )
    print("| sweep | tickets claimed | outcomes recorded | time |")
    print("|---|---:|---:|---:|")
    print(f"| nothing due (median of 50) | 0 | 0 | {statistics.median(idle) * 1000:.2f} ms |")
    print(f"| {args.due:,} due | {busy.tickets:,} | {busy.events:,} | {busy_seconds:.2f} s |")
    print(f"| the same instant again | {again.tickets} | {again.events} | - |")
    print(f"\nevents recorded: {recorded:,}; query plan: {plan}")
    print("aim: nothing due under 20 ms; 1,000 due under 2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
