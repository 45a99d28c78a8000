"""Ticket intake through the HTTP API, against a bare psycopg insert loop as the floor.

Serves the desk with gunicorn (2 workers) on PostgreSQL, opens tickets through POST /api/v1/tickets
at concurrency 1 and 8 (one client process per connection), and in the same run inserts the same
rows (one ticket row and one event row per transaction) with a bare psycopg loop.

    .venv/bin/python benchmarks/api_intake.py [--requests 2000] [--database-url postgres://...]

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, machine

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
FORM = {
    "account": "ACME-1",
    "subscription": "SUB-1",
    "user_details": "admin@acme.example.com",
    "situation": "Open the panel",
    "error": "HTTP 502",
    "performed_actions": "Retried twice",
}


def sh(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "tierdesk"), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


TOPICS = (
    "mailbox quota",
    "backup add-on",
    "control panel login",
    "invoice total",
    "DNS zone",
    "SSL certificate",
    "subscription upgrade",
    "password reset",
    "storage usage",
    "firewall rule",
    "domain transfer",
    "migration job",
    "webmail",
    "spam filter",
    "database size",
    "FTP access",
)
SYMPTOMS = (
    "fails since the update",
    "shows an error for one customer",
    "is slow for all users",
    "does not apply after the change",
    "times out every few minutes",
    "reports a wrong value",
)


def payload(seed: int) -> bytes:
    """A ticket like a partner would write: a topic and a symptom, different from ticket to ticket."""
    topic, symptom = TOPICS[seed % len(TOPICS)], SYMPTOMS[(seed // len(TOPICS)) % len(SYMPTOMS)]
    return json.dumps(
        {
            "subject": f"{topic.capitalize()} {symptom}",
            "severity": "normal",
            "form": FORM,
            "description": f"For customer {seed}, the {topic} {symptom}. We retried and cleared the cache.",
        }
    ).encode()


def client(port: int, token: str, count: int, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    seed = os.getpid() * 1000
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, failures = [], 0
    # One keep-alive connection per client, as an integration calling the API would hold.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        start = time.perf_counter()
        seed += 1
        conn.request("POST", "/api/v1/tickets", payload(seed), headers)
        response = conn.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - start)
        if response.status != 201:
            failures += 1
    conn.close()
    queue.put((latencies, failures))


def load(port: int, token: str, concurrency: int, total: int) -> dict[str, float]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    per = total // concurrency
    procs = [mp.Process(target=client, args=(port, token, per, queue)) for _ in range(concurrency)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    latencies = sorted(x for lat, _ in results for x in lat)
    failures = sum(f for _, f in results)
    q = statistics.quantiles(latencies, n=100)
    return {
        "rate": len(latencies) / wall,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "n": len(latencies),
        "failures": failures,
    }


def bare(url: str, total: int) -> dict[str, float]:
    """The floor: the same two rows per transaction, straight through psycopg, one connection."""
    with psycopg.connect(url, autocommit=False) as conn:
        org_id, user_id = conn.execute(
            "SELECT o.id, u.id FROM tierdesk_organisation o JOIN tierdesk_user u ON u.organisation_id = o.id "
            "WHERE o.slug = 'northwind' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        data = json.dumps({"subject": "Mailbox quota not applied", "form": FORM})
        latencies = []
        start = time.perf_counter()
        for i in range(total):
            t0 = time.perf_counter()
            now = datetime.now(UTC)
            with conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO tierdesk_ticket (number, profile, profile_version, subject, description, form, "
                    "severity, status, queue, level, language, channel, organisation_id, requester_id, opened_at, "
                    "updated_at, event_count, last_hash) VALUES (%s, 'demo', '1.0', %s, '', %s, 'normal', 'new', "
                    "'technical', 'l1', 'en', 'api', %s, %s, %s, %s, 1, %s) RETURNING id",
                    (
                        f"BARE-{uuid.uuid4().hex[:12]}",
                        "Mailbox quota not applied",
                        json.dumps(FORM),
                        org_id,
                        user_id,
                        now,
                        now,
                        "0" * 64,
                    ),
                )
                ticket_id = cur.fetchone()[0]  # type: ignore[index]
                cur.execute(
                    "INSERT INTO tierdesk_event (ticket_id, seq, at, actor_id, kind, public, data, prev_hash, hash) "
                    "VALUES (%s, 1, %s, %s, 'created', true, %s, %s, %s)",
                    (ticket_id, now, user_id, data, "0" * 64, f"{i:064d}"),
                )
            conn.commit()
            latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "rate": total / wall,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "n": total,
        "failures": 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench"
    )
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    fresh_database(args.database_url)

    data_dir = tempfile.mkdtemp(prefix="tierdesk-bench-")
    env = {**os.environ, "TIERDESK_DATABASE_URL": args.database_url, "TIERDESK_DATA_DIR": data_dir}
    sh(env, "migrate")
    sh(env, "demo")
    token = sh(env, "token", "create", "--user", "north.user", "--name", "bench").strip()

    server = subprocess.Popen(
        [
            str(BIN / "tierdesk"),
            "serve",
            "--port",
            str(args.port),
            "--workers",
            "2",
            "--no-scheduler",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        load(args.port, token, 2, 100)  # warm-up: imports, connections, caches
        results = {
            "api c=1": load(args.port, token, 1, args.requests // 2),
            "api c=8": load(args.port, token, 8, args.requests),
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
    results["bare psycopg loop"] = bare(args.database_url, args.requests)

    with psycopg.connect(args.database_url) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(machine(f"PostgreSQL {server_version}"))
    print("| run | tickets | tickets/s | p50 ms | p95 ms | p99 ms | failures |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{r['failures']} |"
        )
    ratio = results["api c=8"]["rate"] / results["bare psycopg loop"]["rate"]
    print(f"\nAPI at concurrency 8 / bare loop: {ratio:.1%} (aim: >= 30 %, p99 < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
