"""Plans that do not depend on luck: every statement of the hot write paths, explained by
PostgreSQL on a large database once with no planner statistics at all and once after ANALYZE.

A fresh database with the demo data and `--tickets` generated tickets (as the report benchmark
generates them: targets, spans, and events for the first tenth), autovacuum off on every table
and the statistics the demo load left deleted. Then, in this process, through the desk's own
code: a ticket opened through the API (Django's test client, a Bearer token, rate limits
counted), a reply, an internal note and a status change by the API, and a new message and a
reply by mail. Each SELECT, UPDATE, DELETE and INSERT ... SELECT they ran is explained (not
run again); a sequential scan of a table holding more than `--small` rows is a plan that
depends on luck. Then ANALYZE, and the same statements explained again.

    .venv/bin/python benchmarks/plans.py [--tickets 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_intake import FORM, UNLIMITED, statistics_off
from common import demo_database, machine
from mail_intake import mail
from texts import reply_text, ticket_text

EXPLAINED = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH|INSERT INTO \S+ (\([^)]*\) )?SELECT)", re.I)


def capture() -> dict[str, list[str]]:
    """The SQL each hot path runs, in this process, against the configured database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tierdesk import clock
    from tierdesk.actions.tokens import create_token
    from tierdesk.intake.mail import ingest
    from tierdesk.persistence.models import User

    now = clock.now()
    partner = User.objects.get(username="north.user")
    agent = User.objects.filter(level_memberships__level="l1", is_active=True).first()
    assert agent is not None
    tokens = {
        who: create_token(user=user, name="plans", now=now).secret
        for who, user in (("partner", partner), ("agent", agent))
    }

    def post(who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[who]}", HTTP_HOST="localhost")
        response = client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 201), response.content
        return dict(response.json())

    paths: dict[str, list[str]] = {}

    def run(name: str, action: Any) -> Any:
        with CaptureQueriesContext(connection) as captured:
            result = action()
        paths[name] = [q["sql"] for q in captured.captured_queries]
        return result

    subject, description = ticket_text(1)
    body = {"subject": subject, "severity": "normal", "form": FORM, "description": description}
    post("partner", "/tickets", {**body, "subject": "Warm-up ticket"})
    number = run("open by API", lambda: post("partner", "/tickets", body))["number"]
    run("reply by API", lambda: post("partner", f"/tickets/{number}/replies",
                                     {"body": reply_text(1)}))  # fmt: skip
    run("note by API", lambda: post("agent", f"/tickets/{number}/notes",
                                    {"body": "Checked the logs."}))  # fmt: skip
    run("status by API", lambda: post("agent", f"/tickets/{number}/status",
                                      {"status": "pending"}))  # fmt: skip
    first = f"<plans-{time.time_ns()}@partner.example.com>"
    subject, description = ticket_text(2)
    run("open by mail", lambda: ingest(mail(0, subject, description, first, None),
                                       source="file", now=clock.now()))  # fmt: skip
    run("reply by mail", lambda: ingest(mail(0, f"Re: {subject}", reply_text(2),
                                             f"<re-{first[1:]}", first),
                                        source="file", now=clock.now()))  # fmt: skip
    return paths


def scans(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, relation) of every scan in a plan tree."""
    found = []
    if "Relation Name" in node:
        found.append((node["Node Type"], node["Relation Name"]))
    for child in node.get("Plans", []):
        found += scans(child)
    return found


def explain(url: str, paths: dict[str, list[str]], small: int) -> list[tuple[str, str, str, bool]]:
    rows = []
    with psycopg.connect(url, autocommit=True) as conn:
        sizes = dict(
            conn.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables").fetchall()  # type: ignore[arg-type]
        )
        for table in list(sizes):
            sizes[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        for path, statements in paths.items():
            for sql in statements:
                if not EXPLAINED.match(sql) or ("tierdesk_ratecount" in sql and "INSERT" in sql):
                    continue
                try:
                    plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0][0]["Plan"]  # type: ignore[index]
                except psycopg.Error as exc:
                    rows.append((path, sql[:90], f"not explained: {exc}".splitlines()[0], False))
                    continue
                found = scans(plan)
                lucky = any(
                    kind == "Seq Scan" and sizes.get(table, 0) > small for kind, table in found
                )
                text = ", ".join(f"{kind} {table}" for kind, table in found) or "no table"
                rows.append((path, " ".join(sql.split())[:90], text, lucky))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000, help="rows a sequential scan may read")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_plans_bench"
    )
    args = parser.parse_args()
    demo_database(args.database_url, "plans-bench", **UNLIMITED)
    statistics_off(args.database_url)
    started = time.perf_counter()
    from mail_intake import load_tickets

    load_tickets(args.database_url, args.tickets, analyse=False)
    loaded = time.perf_counter() - started
    paths = capture()
    before = explain(args.database_url, paths, args.small)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    after = explain(args.database_url, paths, args.small)
    print(machine(f"PostgreSQL {version}"))
    print(f"workload: {args.tickets:,} generated tickets (loaded in {loaded:.0f} s)")
    print("| path | statement | no statistics | after ANALYZE |")
    print("|---|---|---|---|")
    for (path, sql, plan, lucky), (_, _, plan_after, lucky_after) in zip(
        before, after, strict=True
    ):
        mark = lambda text, bad: f"**{text}**" if bad else text  # noqa: E731
        print(f"| {path} | `{sql}` | {mark(plan, lucky)} | {mark(plan_after, lucky_after)} |")
    bad = sum(lucky for *_, lucky in before) + sum(lucky for *_, lucky in after)
    print(f"\nsequential scans of a table over {args.small:,} rows: {bad} (aim: 0, in both)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
