"""Mail intake: messages per second from SMTP delivery to committed ticket, on PostgreSQL.

Starts `tierdesk mail serve` (aiosmtpd) against a fresh PostgreSQL database with the demo data,
then 4 client processes deliver with smtplib over persistent connections: first new tickets,
then a mix of new tickets and replies (threaded by In-Reply-To to the tickets opened). The
listener answers 250 only once the message is committed, so the clock stops at the last 250.

    .venv/bin/python benchmarks/mail_intake.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, machine

ROOT = Path(__file__).resolve().parent.parent
SENDERS = [
    "north.user@example.com",
    "north.admin@example.com",
    "contoso.admin@example.com",
    "contoso.user@example.com",
]
WORDS = [
    "mailbox",
    "quota",
    "backup",
    "panel",
    "login",
    "invoice",
    "domain",
    "certificate",
    "dns",
    "migration",
    "provisioning",
    "subscription",
    "password",
    "firewall",
    "storage",
]


def message(client: int, n: int, reply_to: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = SENDERS[client % len(SENDERS)], "support@democloud.example.com"
    topic = " ".join(WORDS[(client * 7 + n * k) % len(WORDS)] for k in (1, 3, 5))
    msg["Subject"] = f"Re: {topic}" if reply_to else f"Problem with {topic} ({client}-{n})"
    msg["Message-ID"] = f"<bench-{client}-{n}-{time.time_ns()}@partner.example.com>"
    if reply_to:
        msg["In-Reply-To"] = reply_to
    msg.set_content(
        f"Our customer {client}-{n} reports a problem with the {topic}. "
        "We checked the configuration and restarted the service; it still fails."
    )
    return msg.as_bytes()


def client(port: int, number: int, count: int, replies: bool, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    latencies, ids = [], []
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        for n in range(count):
            reply_to = ids[n // 2 % len(ids)] if replies and ids and n % 2 else None
            raw = message(number, n, reply_to)
            start = time.perf_counter()
            smtp.sendmail(SENDERS[number % len(SENDERS)], ["support@democloud.example.com"], raw)
            latencies.append(time.perf_counter() - start)
            if not reply_to:
                ids.append(raw.split(b"Message-ID: ")[1].split(b"\n")[0].strip().decode())
    queue.put(latencies)


def run(port: int, clients: int, per_client: int, replies: bool) -> tuple[float, list[float]]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [
        mp.Process(target=client, args=(port, c, per_client, replies, queue))
        for c in range(clients)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in queue.get()]
    for p in procs:
        p.join()
    return time.perf_counter() - start, latencies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_mail_bench"
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    env = {
        **os.environ,
        "TIERDESK_DATABASE_URL": args.database_url,
        "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix="tierdesk-mail-bench-"),
        "TIERDESK_MAIL_THROTTLE_COUNT": "1000000",
    }
    bin_ = str(ROOT / ".venv" / "bin" / "tierdesk")
    for command in (["migrate"], ["demo"]):
        subprocess.run([bin_, *command], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [bin_, "mail", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        run(port, 1, 20, False)  # warm-up
        per = args.messages // args.clients
        new_seconds, new_lat = run(port, args.clients, per, False)
        mix_seconds, mix_lat = run(port, args.clients, per, True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with psycopg.connect(args.database_url) as conn:
        outcomes = dict(
            conn.execute(
                "SELECT outcome, count(*) FROM tierdesk_inboundmessage GROUP BY outcome"
            ).fetchall()
        )
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(machine(f"PostgreSQL {version}"))
    print("| run | messages | messages/s | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, lat in (
        ("new tickets", new_seconds, new_lat),
        ("half replies, half new", mix_seconds, mix_lat),
    ):
        q = statistics.quantiles(lat, n=100)
        print(
            f"| {name} | {len(lat)} | {len(lat) / seconds:.0f} | {q[49] * 1000:.1f} | {q[94] * 1000:.1f} |"
        )
    print(f"\noutcomes stored: {outcomes}")
    print("aim: at least 100 messages per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
