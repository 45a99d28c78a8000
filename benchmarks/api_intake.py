"""Ticket intake through the HTTP API: against a bare psycopg insert loop as the floor, and, with
`--peer`, side by side with django-helpdesk in the same run.

Serves the desk with gunicorn (2 workers x 4 threads) on PostgreSQL and opens tickets through
POST /api/v1/tickets at concurrency 1 and 8 (one client process per keep-alive connection).

    .venv/bin/python benchmarks/api_intake.py [--requests 2000]
    .venv/bin/python benchmarks/api_intake.py --peer [--pairs 3] [--requests 1000] [--replies]

Without `--peer` the same run inserts the same rows (one ticket row and one event row per
transaction) with a bare psycopg loop. With `--peer` it runs Tierdesk, django-helpdesk,
Tierdesk, django-helpdesk, ... (`--pairs` pairs), each on a fresh database with the same client
and the same ticket texts, and prints each pair's ratio and the median. Server CPU is the user +
system time of the gunicorn processes over the run, per request.
Prints Markdown tables for BENCHMARKS.md.
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
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, machine
from peers import django_helpdesk as peer
from texts import reply_text, ticket_text

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
REQUESTER = "north.user@northwind.example.com"


def sh(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "tierdesk"), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


class Side:
    """What a client needs to talk to one system: where, how to authenticate, what to send."""

    def __init__(self, name: str, port: int, auth: str, queue: int = 0) -> None:
        self.name, self.port, self.auth, self.queue = name, port, auth, queue

    def create(self, seed: int) -> tuple[str, bytes]:
        subject, description = ticket_text(seed)
        if self.name == "tierdesk":
            body: dict[str, Any] = {
                "subject": subject,
                "severity": "normal",
                "form": FORM,
                "description": description,
            }
            return "/api/v1/tickets", json.dumps(body).encode()
        # The peer has no required form: the same six answers go into its description.
        answers = "\n".join(f"{k}: {v}" for k, v in FORM.items())
        body = {
            "queue": self.queue,
            "title": subject,
            "description": f"{description}\n\n{answers}",
            "submitter_email": REQUESTER,
            "priority": 3,
        }
        return "/api/tickets/", json.dumps(body).encode()

    def reply(self, seed: int, ref: str) -> tuple[str, bytes]:
        if self.name == "tierdesk":
            return f"/api/v1/tickets/{ref}/replies", json.dumps({"body": reply_text(seed)}).encode()
        body = {"ticket": int(ref), "comment": reply_text(seed), "public": True}
        return "/api/followups/", json.dumps(body).encode()

    def ref(self, answer: bytes) -> str:
        data = json.loads(answer)
        return str(data["number"] if self.name == "tierdesk" else data["id"])


def client(side: Side, first: int, count: int, refs: list[str], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    headers = {"Authorization": side.auth, "Content-Type": "application/json"}
    latencies, failures, made = [], 0, []
    # One keep-alive connection per client, as an integration calling the API would hold.
    conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=60)
    for i in range(count):
        seed = first + i
        path, body = side.reply(seed, refs[seed % len(refs)]) if refs else side.create(seed)
        start = time.perf_counter()
        try:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            answer, status = response.read(), response.status
            closing = response.getheader("Connection", "").lower() == "close"
        except (OSError, http.client.HTTPException):
            # A worker killed or a connection dropped under load: a failure, not a stopped run.
            answer, status, closing = b"", 0, True
        if closing:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=60)
        latencies.append(time.perf_counter() - start)
        if status != 201:
            failures += 1
        elif not refs:
            made.append(side.ref(answer))
    conn.close()
    queue.put((latencies, failures, made))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def load(
    side: Side,
    server: int,
    concurrency: int,
    total: int,
    first: int,
    refs: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    per = total // concurrency
    procs = [
        mp.Process(target=client, args=(side, first + k * per, per, list(refs), queue))
        for k in range(concurrency)
    ]
    cpu = cpu_seconds(server)
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    cpu = cpu_seconds(server) - cpu
    latencies = sorted(x for lat, _, _ in results for x in lat)
    q = statistics.quantiles(latencies, n=100)
    return {
        "rate": len(latencies) / wall,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "n": len(latencies),
        "failures": sum(f for _, f, _ in results),
        "cpu": cpu * 1000 / len(latencies),
        "refs": [r for _, _, made in results for r in made],
    }


def wait_ready(port: int) -> None:
    peer.wait_ready(port, "/healthz")


# Every API call is still counted at its two doors (token, address), as in production, but the
# limits are out of reach: one client sends more than the default 600 a minute. django-helpdesk
# counts nothing.
UNLIMITED = {
    "TIERDESK_RATE_LIMIT_API_TOKEN": "100000000/m",
    "TIERDESK_RATE_LIMIT_API_ADDRESS": "100000000/m",
}


def statistics_off(url: str) -> None:
    """No planner statistics: autovacuum (and so auto-analyze) off on the desk's tables, and what
    it may have gathered while the demo data went in forgotten."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = "
                "c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).fetchall()
        ]
        for table in tables:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")  # type: ignore[arg-type]
        conn.execute(
            "DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c JOIN "
            "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')"
        )


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def run_tierdesk(
    url: str,
    port: int,
    requests: int,
    replies: bool,
    concurrencies: tuple[int, ...],
    stats: str = "auto",
) -> dict[str, dict[str, Any]]:
    """`stats`: "auto" as autovacuum has it; "none": no statistics at all; "analyze": ANALYZE
    after the warm-up."""
    env = demo_database(url, "bench", **UNLIMITED)
    if stats == "none":
        statistics_off(url)
    token = sh(env, "token", "create", "--user", "north.user", "--name", "bench").strip()
    server = subprocess.Popen(
        [str(BIN / "tierdesk"), "serve", "--port", str(port), "--workers", "2", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        return exercise(
            Side("tierdesk", port, f"Bearer {token}"),
            server.pid,
            requests,
            replies,
            concurrencies,
            warmed=(lambda: analyze(url)) if stats == "analyze" else None,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


def run_peer(
    url: str, port: int, requests: int, replies: bool, concurrencies: tuple[int, ...]
) -> dict[str, dict[str, Any]]:
    setup = peer.prepare(url)
    server = peer.serve(url, port)
    try:
        side = Side("django-helpdesk", port, f"Token {setup['token']}", int(setup["queue"]))  # type: ignore[call-overload]
        return exercise(side, server.pid, requests, replies, concurrencies)
    finally:
        server.terminate()
        server.wait(timeout=20)


def exercise(
    side: Side,
    pid: int,
    requests: int,
    replies: bool,
    concurrencies: tuple[int, ...],
    warmed: Any = None,
) -> dict[str, dict[str, Any]]:
    """Warm up, then the same runs on either side: the seeds, hence the texts, are the same."""
    load(side, pid, 2, 100, 10_000_000)  # imports, connections, caches
    if warmed is not None:
        warmed()
    out: dict[str, dict[str, Any]] = {}
    seed = 0
    for c in concurrencies:
        n = requests if c > 1 else requests // 2
        out[f"open c={c}"] = load(side, pid, c, n, seed)
        seed += n
    if replies:
        targets = out[f"open c={concurrencies[-1]}"]["refs"][:200]
        out["reply c=8"] = load(side, pid, 8, requests, 20_000_000, targets)
    return out


def bare(url: str, total: int) -> dict[str, Any]:
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
                    "updated_at, event_count, last_hash, overdue, is_open) VALUES (%s, 'demo', '1.0', %s, '', %s, "
                    "'normal', 'new', 'technical', 'l1', 'en', 'api', %s, %s, %s, %s, 1, %s, false, true) "
                    "RETURNING id",
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
        "cpu": 0.0,
    }


def duplicates_flagged(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE kind = 'duplicate_suspected'), "
            "count(*) FILTER (WHERE kind = 'created') FROM tierdesk_event"
        ).fetchone()
    return int(row[0]), int(row[1])  # type: ignore[index]


def table(results: dict[str, dict[str, Any]]) -> None:
    print("| run | requests | per s | p50 ms | p95 ms | p99 ms | server CPU ms | failures |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['n']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['cpu']:.1f} | {r['failures']} |"
        )


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench"
    )
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--peer", action="store_true", help="side by side with django-helpdesk")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--replies", action="store_true", help="also replies at concurrency 8")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 8], help="the creation runs"
    )
    parser.add_argument(
        "--stats",
        default="auto",
        choices=["auto", "none", "analyze", "both"],
        help="planner statistics of Tierdesk's database: as autovacuum leaves them, none at all, "
        "ANALYZE after the warm-up, or both of the last two (each pair then runs Tierdesk twice)",
    )
    args = parser.parse_args()
    concurrencies = tuple(args.concurrency)

    if not args.peer:
        results = run_tierdesk(
            args.database_url,
            args.port,
            args.requests,
            args.replies,
            concurrencies,
            "analyze" if args.stats == "both" else args.stats,
        )
        results["bare psycopg loop"] = bare(args.database_url, args.requests)
        flagged = duplicates_flagged(args.database_url)
        print(machine(f"PostgreSQL {server_version(args.database_url)}"))
        table(results)
        ratio = results["open c=8"]["rate"] / results["bare psycopg loop"]["rate"]
        print(f"\nAPI at concurrency 8 / bare loop: {ratio:.1%} (aim: >= 30 %, p99 < 100 ms)")
        print(f"tickets flagged as likely duplicates: {flagged[0]} of {flagged[1]}")
        return 0

    peer_url = (
        args.database_url.rsplit("/", 1)[0] + "/" + args.database_url.rsplit("/", 1)[1] + "_peer"
    )
    pairs = []
    variants = ["none", "analyze"] if args.stats == "both" else [args.stats]
    for i in range(args.pairs):
        ours = {}
        for stats in variants:
            runs = run_tierdesk(
                args.database_url, args.port, args.requests, args.replies, concurrencies, stats
            )
            suffix = (
                f", {'no statistics' if stats == 'none' else 'analysed'}"
                if len(variants) > 1
                else ""
            )
            ours.update({f"{run}{suffix}": r for run, r in runs.items()})
        flagged = duplicates_flagged(args.database_url)
        theirs_runs = run_peer(peer_url, args.port + 1, args.requests, args.replies, concurrencies)
        theirs = {run: theirs_runs[run.split(",")[0]] for run in ours}
        pairs.append((ours, theirs))
        print(f"pair {i + 1}: duplicates flagged {flagged[0]} of {flagged[1]}", file=sys.stderr)
        for run in ours:
            print(
                f"  {run}: tierdesk {ours[run]['rate']:.0f}/s, django-helpdesk "
                f"{theirs[run]['rate']:.0f}/s, {ours[run]['rate'] / theirs[run]['rate']:.2f}x",
                file=sys.stderr,
            )
    print(
        machine(
            f"PostgreSQL {server_version(args.database_url)}", f"django-helpdesk {peer.VERSION}"
        )
    )
    load_average = os.getloadavg()
    print(f"load average at the end: {load_average[0]:.2f} {load_average[1]:.2f} "
          f"{load_average[2]:.2f}")  # fmt: skip
    for run in pairs[0][0]:
        print(f"\n**{run}**\n")
        print(
            "| pair | tierdesk /s | p50 | p99 | CPU ms | django-helpdesk /s | p50 | p99 | CPU ms | ratio |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for i, (ours, theirs) in enumerate(pairs, 1):
            a, b = ours[run], theirs[run]
            ratios.append(a["rate"] / b["rate"])
            print(
                f"| {i} | {a['rate']:.0f} | {a['p50']:.0f} | {a['p99']:.0f} | {a['cpu']:.1f} | "
                f"{b['rate']:.0f} | {b['p50']:.0f} | {b['p99']:.0f} | {b['cpu']:.1f} | "
                f"{ratios[-1]:.2f}x |"
            )
            if a["failures"] or b["failures"]:
                print(f"| | failures {a['failures']} | | | | failures {b['failures']} | | | | |")
        print(f"\nmedian ratio {run}: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
