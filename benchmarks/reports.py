"""Reports on PostgreSQL: the SLA compliance report for a year of 1,000,000 tickets, and the
what-if replay of 100,000 tickets under another profile.

Loads a fresh database (`tierdesk_reports_bench`) with the demo profile's organisations and,
generated in the database (INSERT ... SELECT over generate_series), a year of tickets: each with
its two target rows (first response, resolution: met, breached or still running, with business
seconds used) and its status and level spans. The first 100,000 tickets also get their events
(created, the desk's answer, resolved), which is what the what-if replays.

Times, as the desk runs them: `queries.reports.compliance` for the year (median of 5 runs),
the whole report (`full_report`: volumes, backlog, compliance, time in status and level,
escalations, reopens, rejections, deflections), and `tierdesk report --what-if cloudcti` over the
100,000 tickets with one and with two worker processes.

    .venv/bin/python benchmarks/reports.py [--tickets 1000000] [--replay 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, machine

ROOT = Path(__file__).resolve().parent.parent
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))

TICKETS = """
INSERT INTO tierdesk_ticket (id, number, profile, profile_version, subject, description, form,
    severity, status, queue, level, language, channel, organisation_id, requester_id, opened_at,
    updated_at, event_count, last_hash, next_deadline, supplier)
SELECT %(first)s + g, 'RB-' || lpad(g::text, 7, '0'), 'demo', '1.0', 'Report benchmark ticket', '',
    '{}', CASE WHEN g %% 10 = 0 THEN 'high' WHEN g %% 10 < 7 THEN 'normal' ELSE 'low' END,
    CASE WHEN g %% 20 = 0 THEN 'open' ELSE 'closed' END, 'technical',
    CASE WHEN g %% 10 = 3 THEN 'l2' ELSE 'l1' END, 'en',
    (ARRAY['portal', 'email', 'api', 'phone'])[1 + g %% 4], %(org)s, %(user)s,
    %(start)s::timestamptz + g * interval '31.5 seconds',
    %(start)s::timestamptz + g * interval '31.5 seconds' + interval '50 hours', 3, repeat('0', 64),
    NULL, ''
FROM generate_series(0, %(n)s - 1) AS g
"""
# Outcome by a hash of the id: 88 % met, 9 % breached, 3 % still running.
TARGETS = """
INSERT INTO tierdesk_tickettarget (ticket_id, target, kind, calendar, state, limit_seconds,
    used_seconds, started_at, due, met_at, breached_at, stopped_at, severity, opened_at)
SELECT t.id, x.target, x.kind, 'desk', o.state, x.limit_s,
    CASE o.state WHEN 'met' THEN x.limit_s * (0.05 + 0.9 * o.r) ELSE x.limit_s * (1.02 + o.r) END,
    t.opened_at, t.opened_at + x.limit_s * interval '1 second',
    CASE o.state WHEN 'met' THEN t.opened_at + x.limit_s * o.r * interval '1 second' END,
    CASE o.state WHEN 'met' THEN NULL ELSE t.opened_at + x.limit_s * interval '1 second' END,
    CASE o.state WHEN 'met' THEN t.opened_at + x.limit_s * o.r * interval '1 second'
                 WHEN 'breached' THEN t.opened_at + x.limit_s * (1 + o.r) * interval '1 second' END,
    t.severity, t.opened_at
FROM tierdesk_ticket t
CROSS JOIN (VALUES ('first_response', 'response', 3600), ('resolution', 'resolution', 32400))
    AS x(target, kind, limit_s)
CROSS JOIN LATERAL (
    SELECT CASE WHEN (t.id * 7919 + length(x.target)) %% 100 < 88 THEN 'met'
                WHEN (t.id * 7919 + length(x.target)) %% 100 < 97 THEN 'breached'
                ELSE 'running' END AS state,
           ((t.id * 104729) %% 1000) / 1000.0 AS r
) AS o
WHERE t.number LIKE 'RB-%%'
"""
SPANS = """
INSERT INTO tierdesk_ticketspan (ticket_id, dimension, value, category, started_at, ended_at,
    business_seconds, reopened)
SELECT t.id, 'status', s.value, s.value, t.opened_at + s.a * interval '1 hour',
    CASE WHEN s.b IS NULL THEN NULL ELSE t.opened_at + s.b * interval '1 hour' END,
    coalesce(s.b - s.a, 0) * 3600 * 0.4, false
FROM tierdesk_ticket t
CROSS JOIN (VALUES ('new', 0, 1), ('open', 1, 20), ('resolved', 20, 50), ('closed', 50, NULL))
    AS s(value, a, b)
WHERE t.number LIKE 'RB-%%' AND (t.status = 'closed' OR s.value IN ('new', 'open'))
UNION ALL
SELECT t.id, 'level', t.level, t.level, t.opened_at, NULL, 0, false
FROM tierdesk_ticket t WHERE t.number LIKE 'RB-%%'
"""
EVENTS = """
INSERT INTO tierdesk_event (ticket_id, seq, at, actor_id, kind, public, data, prev_hash, hash)
SELECT t.id, e.seq, t.opened_at + e.hours * interval '1 hour', %(user)s, e.kind, true,
    CASE e.kind
        WHEN 'created' THEN jsonb_build_object('subject', t.subject, 'description', '',
            'severity', t.severity, 'status', 'new', 'queue', 'technical', 'level', 'l1',
            'language', 'en', 'channel', t.channel, 'form', '{}'::jsonb)
        WHEN 'reply' THEN jsonb_build_object('body', 'Looking into it', 'by', 'provider')
        ELSE jsonb_build_object('from', 'open', 'to', 'resolved', 'reason', 'solution_provided')
    END,
    repeat('0', 64), lpad(t.id::text || e.seq::text, 64, '0')
FROM (SELECT * FROM tierdesk_ticket WHERE number LIKE 'RB-%%' ORDER BY id LIMIT %(n)s) t
CROSS JOIN LATERAL (VALUES
    (1, 'created', 0.0),
    (2, 'reply', 0.25 + (t.id %% 13) * 0.3),
    (3, 'status_changed', 6 + (t.id %% 40))
) AS e(seq, kind, hours)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--replay", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_reports_bench"
    )
    args = parser.parse_args()

    env = demo_database(args.database_url, "reports-bench", TIERDESK_PROFILE="demo")
    tierdesk = str(ROOT / ".venv" / "bin" / "tierdesk")

    t0 = time.perf_counter()
    with psycopg.connect(args.database_url) as conn:
        org, user = conn.execute(
            "SELECT o.id, u.id FROM tierdesk_organisation o JOIN tierdesk_user u "
            "ON u.organisation_id = o.id WHERE o.slug = 'northwind' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tierdesk_ticket").fetchone()[0]  # type: ignore[index]
        params = {"first": first, "org": org, "user": user, "n": args.tickets, "start": YEAR[0]}
        conn.execute(TICKETS, params)
        conn.execute(TARGETS, {})
        conn.execute(SPANS, {})
        conn.execute(EVENTS, {"user": user, "n": args.replay})
        conn.commit()
        conn.autocommit = True
        for table in ("ticket", "tickettarget", "ticketspan", "event"):
            conn.execute(f"VACUUM ANALYZE tierdesk_{table}")  # type: ignore[arg-type]
        counts = {
            table: conn.execute(f"SELECT count(*) FROM tierdesk_{table}").fetchone()[0]  # type: ignore[index]
            for table in ("ticket", "tickettarget", "ticketspan", "event")
        }
        replay_to = conn.execute(
            "SELECT max(opened_at) FROM (SELECT opened_at FROM tierdesk_ticket "
            "WHERE number LIKE 'RB-%%' ORDER BY id LIMIT %s) t",
            [args.replay],
        ).fetchone()[0]  # type: ignore[index]
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    load_seconds = time.perf_counter() - t0

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from tierdesk import profiles
    from tierdesk.queries import reports

    profile = profiles.load("demo")
    year = reports.Period(*YEAR)
    now = YEAR[1]
    rows = reports.compliance(None, year, profile)  # warm
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        rows = reports.compliance(None, year, profile)
        timings.append(time.perf_counter() - start)
    total = sum(r["tickets"] for r in rows if r["target"] == "resolution")
    assert total >= args.tickets, (total, rows)
    start = time.perf_counter()
    full = reports.full_report(None, year, profile, now)
    full_seconds = time.perf_counter() - start

    replay = {}
    day_after = replay_to.date().isoformat()
    for workers in (1, 2):
        start = time.perf_counter()
        out = subprocess.run(
            [tierdesk, "report", "--from", "2026-01-01", "--to", day_after, "--what-if", "cloudcti",
             "--format", "json", "--workers", str(workers)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        replay[workers] = time.perf_counter() - start
        import json

        replayed = json.loads(out.stdout)["sections"]["replayed"][0]["tickets"]

    print(machine(f"PostgreSQL {version}"))
    print(
        f"workload: {counts['ticket']:,} tickets over 2026, {counts['tickettarget']:,} target rows, "
        f"{counts['ticketspan']:,} spans, {counts['event']:,} events (generated in {load_seconds:.0f} s)"
    )
    print("| report | rows read | time | aim |")
    print("|---|---:|---:|---:|")
    print(
        f"| SLA compliance, year (median of 5; min {min(timings):.2f} s) | "
        f"{counts['tickettarget']:,} targets | {statistics.median(timings):.2f} s | 2 s |"
    )
    print(f"| whole report, year (9 sections) | all | {full_seconds:.2f} s | - |")
    for workers, seconds in replay.items():
        print(
            f"| what-if replay under cloudcti, {workers} process{'es' if workers > 1 else ''} "
            f"(`tierdesk report --what-if`, whole command) | {replayed:,} tickets | {seconds:.1f} s | 60 s |"
        )
    compliance = [r for r in full.sections["compliance"] if r["severity"] == "high"]
    print(
        "high:",
        [(r["target"], r["share_met"], r["median_hours"], r["p90_hours"]) for r in compliance],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
